"""HTTP access to Autotask's REST API (``requests``).

One :class:`AutotaskClient` per process: it discovers the tenant's zone once, sends the three
authentication headers on every call, pins ``V1.0``, keeps at most three requests in flight per
endpoint and slows down as the tenant's hourly threshold gets near. Sending, retrying reads and
reading errors is :mod:`core.backends.http`'s; this module adds what is Autotask's own: a wrong
user name or integration code answers 500, not 401.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from core.backends.autotask.query import MAX_RECORDS, Filter, cond, query_body
from core.backends.autotask.throttle import RequestMeter, ThresholdStatus
from core.backends.http import (
    GATEWAY_STATUSES,
    Health,
    JsonHttp,
    error_messages,
    json_object,
    plain_words,
    utc_now,
)
from core.backends.parsing import Item, as_int, items_of
from core.errors import ConfigurationError, TicketingError
from core.settings import AutotaskSettings

log = logging.getLogger("ticketbot.autotask")

API_VERSION = "V1.0"
DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
MAX_PAGES = 100  # 50,000 rows: far beyond any one requester's tickets
SERVICE = "Autotask"
# A readiness probe gets one short try: /readyz gives up after 5 s anyway.
PROBE_TIMEOUT = 4.0
_NOT_ENDPOINT = frozenset({"query", "count", "entityinformation", "fields", "userdefinedfields"})
_AUTH_WORDS = re.compile(
    r"integration\s*code|user\s*name|username|authenticat|credential|unauthori[sz]ed|"
    r"impersonat|api\s*user|api\s*tracking",
    re.IGNORECASE,
)
SIGN_IN_DOUBT = (
    "The help desk didn't accept the bot's sign-in just now; I've told the administrators."
)


WriteListener = Callable[[str, str, Mapping[str, Any] | None], None]


@dataclass(frozen=True)
class Zone:
    """Where the tenant lives. ``api_url`` ends with ``/`` (``.../ATServicesRest/``)."""

    api_url: str
    web_url: str | None = None
    name: str | None = None

    @property
    def root(self) -> str:
        return f"{self.api_url}{API_VERSION}/"


def endpoint_key(path: str) -> str:
    """The endpoint a path belongs to, for the concurrency limit: ``Tickets/48213`` and
    ``Tickets/query`` are ``tickets``; ``Tickets/48213/Notes`` is ``tickets/notes``."""
    segments = [segment.lower() for segment in path.split("?")[0].strip("/").split("/")]
    kept = [s for s in segments if s and not s.isdigit() and s not in _NOT_ENDPOINT]
    return "/".join(kept) or "root"


def normalise_api_url(url: str) -> str:
    """``https://webservicesN.autotask.net/ATServicesRest`` with or without ``/V1.0``, ending
    with ``/``."""
    url = url.strip().rstrip("/")
    if url.lower().endswith("/" + API_VERSION.lower()):
        url = url[: -len(API_VERSION) - 1]
    return url + "/"


class AutotaskClient:
    """Autotask REST calls with the tenant's zone, credentials and limits. Thread-safe."""

    def __init__(
        self,
        session: requests.Session,
        *,
        username: str,
        secret: str,
        integration_code: str,
        base_url: str | None = None,
        web_url: str | None = None,
        zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL,
        impersonation_resource_id: int | None = None,
        timeout: float = 15.0,
        read_retries: int = 3,
        max_concurrent_per_endpoint: int = 3,
        threshold_check: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._session = session
        self._username = username
        self._secret = secret
        self._integration_code = integration_code
        self._impersonation = impersonation_resource_id
        self._zone_lookup_url = zone_lookup_url
        self._zone: Zone | None = (
            Zone(normalise_api_url(base_url), _with_slash(web_url), name="configured")
            if base_url
            else None
        )
        self._web_url_override = _with_slash(web_url)
        self._max_concurrent = max(1, max_concurrent_per_endpoint)
        self._sleep = sleep
        self._meter = RequestMeter(clock, check_interval=threshold_check)
        self._zone_lock = threading.Lock()
        self._limits_lock = threading.Lock()
        self._limits: dict[str, threading.BoundedSemaphore] = {}
        self._threshold_lock = threading.Lock()
        self._http = JsonHttp(
            session,
            service=SERVICE,
            spoken=SERVICE,
            timeout=timeout,
            read_retries=read_retries,
            sleep=sleep,
            clock=clock,
            transmit=self._transmit,
            log=log,
        )
        # Set once Autotask accepted the credentials: after that, a 500 from
        # ThresholdInformation is Autotask failing, not a wrong user name.
        self._verified = False
        self._write_listeners: list[WriteListener] = []

    @classmethod
    def from_settings(
        cls,
        settings: AutotaskSettings,
        session: requests.Session,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> AutotaskClient:
        """Build from ``AUTOTASK_*``; a missing credential is a :class:`ConfigurationError`."""
        missing = settings.missing
        if missing or not (settings.username and settings.secret and settings.integration_code):
            raise ConfigurationError(
                f"Autotask needs {', '.join(missing)}: set it in the environment or .env "
                "(the API-only user's name, its secret and the API tracking identifier)."
            )
        return cls(
            session,
            username=settings.username,
            secret=settings.secret.get_secret_value(),
            integration_code=settings.integration_code.get_secret_value(),
            base_url=settings.base_url,
            web_url=settings.web_url,
            zone_lookup_url=settings.zone_lookup_url,
            impersonation_resource_id=settings.impersonation_resource_id,
            timeout=settings.timeout_seconds,
            read_retries=settings.read_retries,
            max_concurrent_per_endpoint=settings.max_concurrent_per_endpoint,
            threshold_check=timedelta(seconds=settings.threshold_check_seconds),
            clock=clock,
            sleep=sleep,
        )

    # -- zone -------------------------------------------------------------------------------

    def zone(self) -> Zone:
        """The tenant's zone, discovered once from the API user's name and cached."""
        if self._zone is not None:
            return self._zone
        with self._zone_lock:
            if self._zone is None:
                self._zone = self._discover_zone()
            return self._zone

    def _discover_zone(self) -> Zone:
        where = f"GET {self._zone_lookup_url}?user=…"
        response = self._http.send(
            "GET", self._zone_lookup_url, where=where, params={"user": self._username}, is_read=True
        )
        status = response.status_code
        messages = error_messages(response)
        if status == 429 or status in GATEWAY_STATUSES or (status >= 500 and not messages):
            raise self._http.failure(response, where, is_read=True, refused=self._refused(where))
        answer = json_object(response, f"{SERVICE} {where}") if status == 200 else {}
        found = Item(answer)
        api_url = found.text("url")
        if status != 200 or not api_url:
            said = "; ".join(messages) or f"HTTP {status}"
            raise ConfigurationError(
                f"Autotask could not find the zone of API user {self._username!r} ({said}). "
                "Check AUTOTASK_USERNAME (the API-only user's name), or set AUTOTASK_BASE_URL "
                "to your zone's REST URL, e.g. https://webservices15.autotask.net/ATServicesRest/."
            )
        zone = Zone(
            normalise_api_url(api_url),
            self._web_url_override or _with_slash(found.text("webUrl")),
            name=found.text("zoneName"),
        )
        self._http.health.ok()
        log.info("autotask zone %s: %s", zone.name, zone.api_url)
        return zone

    # -- requests ---------------------------------------------------------------------------

    @property
    def requests_this_hour(self) -> int:
        """Requests this process sent to Autotask in the last 60 minutes."""
        return self._meter.requests_this_hour

    @property
    def threshold_status(self) -> ThresholdStatus | None:
        """The tenant's threshold figures as last read (every few minutes)."""
        return self._meter.status

    @property
    def health(self) -> Health:
        """How Autotask answered lately (for readiness)."""
        return self._http.health

    def get(self, path: str, *, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        impersonate: int | None = None,
    ) -> dict[str, Any]:
        """Send ``method`` to ``{zone}/V1.0/{path}`` and return the JSON answer.

        Reads (``GET`` and ``.../query``) are retried on connection errors, timeouts, 429 and
        5xx. Writes are sent once: a write whose answer never came raises
        :class:`~core.backends.http.WriteOutcomeUnknown`, and the caller decides by looking at
        the data.

        ``impersonate`` sends this request as that resource (``ImpersonationResourceId``,
        instead of AUTOTASK_IMPERSONATION_RESOURCE_ID). Autotask's refusal to impersonate it
        raises :class:`ImpersonationRefused`; a refusal of the action itself (the resource's
        security level) raises :class:`ResourceRefused` in Autotask's own words.
        """
        method = method.upper()
        is_read = method == "GET" or path.rstrip("/").lower().endswith(("/query", "/query/count"))
        self._before_request()
        url = self.zone().root + path.lstrip("/")
        where = f"{method} {path.split('?')[0]}"
        try:
            response = self._http.send(
                method,
                url,
                where=where,
                is_read=is_read,
                body=body,
                params=params,
                headers=self._auth_headers(impersonate),
            )
        finally:
            if not is_read:  # done, refused or unknown: what was read before may be stale
                for listener in self._write_listeners:
                    listener(method, path, body)
        if response.status_code == 200:
            answer = json_object(response, f"{SERVICE} {where}")
            self._accepted()
            return answer
        if impersonate is not None:
            refusal = _refusal_as(impersonate, response, where)
            if refusal is not None:
                raise refusal
        raise self._error(response, where, is_read=is_read)

    def on_write(self, listener: WriteListener) -> None:
        """Call ``listener(method, path, body)`` after every write is sent (whatever came of
        it), so that caches of what it changed are dropped."""
        self._write_listeners.append(listener)

    def query_all(
        self,
        entity: str,
        filters: list[Filter],
        *,
        include: tuple[str, ...] = (),
        page_size: int = MAX_RECORDS,
    ) -> list[Item]:
        """Every row matching ``filters``, paging with ``id gt <last id>`` (the safe way past
        500 rows: ``nextPageUrl`` would have to be POSTed with the same body)."""
        if include and "id" not in {name.lower() for name in include}:
            include = ("id", *include)
        rows: list[Item] = []
        last_id: int | None = None
        for _ in range(MAX_PAGES):
            page_filters = list(filters)
            if last_id is not None:
                page_filters.append(cond("gt", "id", last_id))
            body = query_body(page_filters, max_records=page_size, include=include)
            page = items_of(self.request("POST", f"{entity}/query", body=body))
            rows.extend(page)
            ids = [as_int(item.get("id")) for item in page]
            known = [value for value in ids if value is not None]
            if len(page) < page_size or not known:
                return rows
            last_id = max(known)
        log.warning("autotask %s query stopped after %d pages", entity, MAX_PAGES)
        return rows

    def query_page(
        self, entity: str, filters: list[Filter], *, include: tuple[str, ...] = ()
    ) -> list[Item]:
        """One page of up to 500 rows: for filters that cannot match more (``id in`` a list of
        at most 500), where :meth:`query_all` would ask once more to see the end."""
        body = query_body(filters, max_records=MAX_RECORDS, include=include)
        return items_of(self.request("POST", f"{entity}/query", body=body))

    def threshold(self, *, probe: bool = False) -> ThresholdStatus:
        """Read ``ThresholdInformation`` now (also checks the credentials). A ``probe`` (for
        readiness) is one short try, without retries."""
        with self._threshold_lock:
            return self._read_threshold(probe=probe)

    # -- internals --------------------------------------------------------------------------

    def _before_request(self) -> None:
        if self._meter.check_due() and self._threshold_lock.acquire(blocking=False):
            try:
                if self._meter.check_due():
                    # Once the credentials worked, this check only informs the slow-down: one
                    # try, so that an outage does not double the person's wait.
                    self._read_threshold(probe=self._verified)
            except ConfigurationError:
                raise
            except TicketingError as exc:
                self._meter.postpone_check()
                log.warning("autotask threshold check failed: %s", exc.detail)
            finally:
                self._threshold_lock.release()
        pause = self._meter.pause()
        if pause > 0:
            log.info(
                "autotask slowing down: %.0f%% of the hourly threshold used, pausing %.1fs",
                self._meter.estimated_share() * 100,
                pause,
            )
            self._sleep(pause)

    def _read_threshold(self, *, probe: bool = False) -> ThresholdStatus:
        url = self.zone().root + "ThresholdInformation"
        where = "GET ThresholdInformation"
        response = self._http.send(
            "GET",
            url,
            where=where,
            is_read=True,
            headers=self._auth_headers(),
            retries=0 if probe else None,
            timeout=min(PROBE_TIMEOUT, self._http.timeout) if probe else None,
        )
        answered = response.status_code
        if answered != 200:
            messages = error_messages(response)
            if answered == 500 and messages and not self._verified:
                # ThresholdInformation takes no input: Autotask's own error envelope here, while
                # the credentials never worked yet, is its answer to a wrong user name or
                # integration code. (Once they worked, a 500 is Autotask failing.)
                error = self._auth_error(answered, messages, unverified=True)
                self._http.health.failed(error)
                raise error
            raise self._error(response, where, is_read=True)
        found = Item(json_object(response, f"{SERVICE} {where}"))
        self._accepted()
        status = ThresholdStatus(
            threshold=found.integer("externalRequestThreshold") or 0,
            timeframe_minutes=found.integer("requestThresholdTimeframe") or 60,
            used=found.integer("currentTimeframeRequestCount") or 0,
        )
        self._meter.update(status)
        log.info(
            "autotask threshold: %d of %d requests used (this bot: %d this hour)",
            status.used,
            status.threshold,
            self._meter.requests_this_hour,
        )
        return status

    def _accepted(self) -> None:
        """Autotask answered an authenticated request successfully."""
        self._verified = True
        self._http.health.ok()

    def _transmit(self, method: str, url: str, **options: Any) -> requests.Response:
        """One attempt, inside the endpoint's concurrency limit and counted by the meter."""
        started = time.monotonic()
        with self._limit(endpoint_key(url.split(f"/{API_VERSION}/", 1)[-1])):
            self._meter.record()
            response = self._session.request(method, url, **options)
        log.debug(
            "autotask %s %s -> %d in %.0f ms",
            method,
            url.split("?")[0],
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _auth_headers(self, impersonate: int | None = None) -> dict[str, str]:
        headers = {
            "ApiIntegrationCode": self._integration_code,
            "UserName": self._username,
            "Secret": self._secret,
        }
        acting = impersonate if impersonate is not None else self._impersonation
        if acting is not None:
            headers["ImpersonationResourceId"] = str(acting)
        return headers

    @contextmanager
    def _limit(self, key: str) -> Iterator[None]:
        with self._limits_lock:
            semaphore = self._limits.get(key)
            if semaphore is None:
                semaphore = self._limits[key] = threading.BoundedSemaphore(self._max_concurrent)
        with semaphore:
            yield

    def _auth_error(
        self, status: int, messages: list[str], *, unverified: bool = False
    ) -> ConfigurationError:
        said = f" ({'; '.join(messages)})" if messages else ""
        if status == 401:
            return ConfigurationError(
                f"Autotask refused the API user's secret (HTTP 401){said}: check AUTOTASK_SECRET "
                f"for AUTOTASK_USERNAME={self._username!r}, and that it is an API-only user."
            )
        if self._impersonation is not None and "imperson" in " ".join(messages).lower():
            return ConfigurationError(
                f"Autotask refused the impersonation (HTTP {status}){said}: check "
                "AUTOTASK_IMPERSONATION_RESOURCE_ID."
            )
        error = ConfigurationError(
            f"Autotask refused the credentials (HTTP {status}){said}: Autotask answers this way "
            f"to a wrong user name or integration code; check AUTOTASK_USERNAME "
            f"({self._username!r}) and AUTOTASK_INTEGRATION_CODE (the API tracking identifier)."
            + (" If both are right, Autotask itself is failing right now." if unverified else "")
        )
        if unverified:
            error.user_message = SIGN_IN_DOUBT
        return error

    def _refused(self, where: str) -> Callable[[int, list[str]], TicketingError]:
        def refused(status: int, messages: list[str]) -> TicketingError:
            if status == 401:
                return self._auth_error(status, messages)
            return ConfigurationError(
                f"Autotask says the API user may not do {where} (HTTP {status}): give its "
                "security level access to that entity."
            )

        return refused

    def _error(self, response: requests.Response, where: str, *, is_read: bool) -> TicketingError:
        messages = error_messages(response)
        if response.status_code >= 500 and messages and _AUTH_WORDS.search(" ".join(messages)):
            error = self._auth_error(response.status_code, messages)
            self._http.health.failed(error)
            return error
        return self._http.failure(
            response, where, is_read=is_read, refused=self._refused(where), hint=_hint
        )


# Required-field errors name the field; the admin fixes them with these settings.
_FIELD_SETTINGS = {
    "queueid": "AUTOTASK_DEFAULT_QUEUE_ID",
    "companyid": "AUTOTASK_DEFAULT_COMPANY_ID (or add the person as a contact)",
    "tickettype": "AUTOTASK_TICKET_TYPE",
    "source": "AUTOTASK_SOURCE",
    "issuetype": "AUTOTASK_ISSUE_TYPE",
    "duedatetime": "AUTOTASK_DUE_HOURS",
    "priority": "AUTOTASK_PRIORITY_MAP",
    "status": "AUTOTASK_STATUS_NEW",
    "notetype": "AUTOTASK_NOTE_TYPE",
    "publish": "AUTOTASK_NOTE_PUBLISH",
}


def _hint(messages: list[str]) -> str | None:
    text = " ".join(messages).lower()
    for field, setting in _FIELD_SETTINGS.items():
        if re.search(rf"\b{field}\b", text):
            return f"The admin can set {setting}; run `ticketbot doctor` to check every field"
    return None


class ImpersonationRefused(TicketingError):
    """Autotask would not act as the resource (its security level does not allow being
    impersonated, or it is inactive): the caller may send the request as the API user."""

    def __init__(self, resource_id: int, messages: list[str], *, where: str) -> None:
        said = "; ".join(messages) or "-"
        super().__init__(
            "The help desk wouldn't let the bot act in your name.",
            detail=f"Autotask {where} refused to impersonate resource {resource_id}: {said}",
        )
        self.resource_id = resource_id


class ResourceRefused(TicketingError):
    """Autotask refused the action for the impersonated resource (its security level), in its
    own words."""

    def __init__(self, resource_id: int, status: int, messages: list[str], *, where: str) -> None:
        said = plain_words(messages)
        super().__init__(
            "Autotask didn't allow that for your account"
            + (f": {said}" if said else f" (it answered HTTP {status}).")
            + " Your security level in Autotask decides what you may change.",
            detail=(
                f"Autotask {where} as resource {resource_id} answered HTTP {status}: "
                f"{'; '.join(messages) or '-'}"
            ),
        )
        self.status = status
        self.messages = tuple(messages)


# Autotask documents no error text for a refused impersonation; these words are what its
# answers are reported to contain (see the README's "For technicians").
_IMPERSONATION_WORDS = re.compile(r"imperson", re.IGNORECASE)
_PERMISSION_WORDS = re.compile(
    r"permission|not\s+allowed|not\s+authori[sz]ed|unauthori[sz]ed|security\s+level|access",
    re.IGNORECASE,
)


def _refusal_as(resource_id: int, response: requests.Response, where: str) -> TicketingError | None:
    """What an error answer to a request sent as ``resource_id`` means, when it is about that
    resource rather than the bot's own credentials (``None``: the usual reading)."""
    status = response.status_code
    if status == 401 or status == 429 or status in GATEWAY_STATUSES:
        return None
    messages = error_messages(response)
    text = " ".join(messages)
    if messages and _IMPERSONATION_WORDS.search(text):
        return ImpersonationRefused(resource_id, messages, where=where)
    if status == 403 or (status >= 500 and messages and _PERMISSION_WORDS.search(text)):
        return ResourceRefused(resource_id, status, messages, where=where)
    return None


def _with_slash(url: str | None) -> str | None:
    if not url:
        return None
    return url.rstrip("/") + "/"
