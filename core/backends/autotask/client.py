"""HTTP access to Autotask's REST API (``requests``).

One :class:`AutotaskClient` per process: it discovers the tenant's zone once, sends the three
authentication headers on every call, pins ``V1.0``, turns Autotask's answers into
:mod:`core.errors` exceptions, retries reads (never writes) with backoff, keeps at most three
requests in flight per endpoint and slows down as the tenant's hourly threshold gets near.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import urllib3.exceptions

from core.backends.autotask.query import MAX_RECORDS, Filter, cond, query_body
from core.backends.autotask.throttle import RequestMeter, ThresholdStatus
from core.backends.parsing import Item, as_int, items_of
from core.errors import BackendUnavailable, ConfigurationError, TicketingError
from core.settings import AutotaskSettings

log = logging.getLogger("ticketbot.autotask")

API_VERSION = "V1.0"
DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
MAX_PAGES = 100  # 50,000 rows: far beyond any one requester's tickets
MAX_RETRY_AFTER = 60.0
_NOT_ENDPOINT = frozenset({"query", "count", "entityinformation", "fields", "userdefinedfields"})
_AUTH_WORDS = re.compile(
    r"integration\s*code|user\s*name|username|authenticat|credential|unauthori[sz]ed|"
    r"impersonat|api\s*user|api\s*tracking",
    re.IGNORECASE,
)
_USER_TEXT_MAX = 400


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Zone:
    """Where the tenant lives. ``api_url`` ends with ``/`` (``.../ATServicesRest/``)."""

    api_url: str
    web_url: str | None = None
    name: str | None = None

    @property
    def root(self) -> str:
        return f"{self.api_url}{API_VERSION}/"


class AutotaskRejected(TicketingError):
    """Autotask answered with an error of its own (validation, business rule, bad URL).

    ``user_message`` carries Autotask's own words, so that, for example, a missing required
    field is named to the person; ``detail`` adds the request and a hint for the admin.
    """

    def __init__(
        self, status: int, messages: list[str], *, method: str, path: str, hint: str | None = None
    ) -> None:
        said = plain_words(messages)
        user_message = (
            f"The help desk didn't accept that: {said}"
            if said
            else f"The help desk didn't accept that (Autotask answered HTTP {status})."
        )
        detail = f"Autotask {method} {path} answered HTTP {status}: {'; '.join(messages) or '-'}"
        if hint:
            detail = f"{detail}. {hint}"
        super().__init__(user_message, detail=detail)
        self.status = status
        self.messages = tuple(messages)


class WriteOutcomeUnknown(BackendUnavailable):
    """A write was sent but no answer came back: it may or may not have happened.

    Never repeat the write blindly; look for its effect first."""


def plain_words(messages: list[str]) -> str:
    """Autotask's messages as one readable sentence for the person."""
    text = " ".join(" ".join(message.split()) for message in messages if message.strip())
    if len(text) > _USER_TEXT_MAX:
        text = text[: _USER_TEXT_MAX - 1].rstrip() + "…"
    if text and text[-1] not in ".!?…":
        text += "."
    return text


def error_messages(response: requests.Response) -> list[str]:
    """The ``{"errors": [...]}`` strings of an answer (also ``message``), else empty."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, Mapping):
        return []
    found = Item(body)
    errors = found.get("errors")
    messages: list[str] = []
    if isinstance(errors, list):
        for entry in errors:
            if isinstance(entry, str):
                messages.append(entry)
            elif isinstance(entry, Mapping):
                text = Item(entry).text("message")
                if text:
                    messages.append(text)
    message = found.get("message")
    if not messages and isinstance(message, str):
        messages.append(message)
    return [message for message in messages if message.strip()]


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


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request surely never reached the server (safe to send again)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason: object = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


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
        self._timeout = timeout
        self._read_retries = max(0, read_retries)
        self._max_concurrent = max(1, max_concurrent_per_endpoint)
        self._sleep = sleep
        self._meter = RequestMeter(clock, check_interval=threshold_check)
        self._zone_lock = threading.Lock()
        self._limits_lock = threading.Lock()
        self._limits: dict[str, threading.BoundedSemaphore] = {}
        self._threshold_lock = threading.Lock()
        self._clock = clock
        self._last_answer: datetime | None = None

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
        response = self._send_with_retries(
            "GET",
            self._zone_lookup_url,
            where=where,
            params={"user": self._username},
            auth=False,
            is_read=True,
        )
        answer = self._json(response, where) if response.status_code == 200 else {}
        found = Item(answer)
        api_url = found.text("url")
        if response.status_code != 200 or not api_url:
            said = "; ".join(error_messages(response)) or f"HTTP {response.status_code}"
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

    def get(self, path: str, *, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send ``method`` to ``{zone}/V1.0/{path}`` and return the JSON answer.

        Reads (``GET`` and ``.../query``) are retried on connection errors, 429 and 5xx answers
        without Autotask error text. Writes are sent once: a write whose answer never came raises
        :class:`WriteOutcomeUnknown`, and the caller decides by looking at the data.
        """
        method = method.upper()
        is_read = method == "GET" or path.rstrip("/").lower().endswith(("/query", "/query/count"))
        self._before_request()
        url = self.zone().root + path.lstrip("/")
        where = f"{method} {path.split('?')[0]}"
        response = self._send_with_retries(
            method, url, where=where, body=body, params=params, auth=True, is_read=is_read
        )
        if response.status_code == 200:
            self._last_answer = self._clock()
            return self._json(response, where)
        raise self._error(response, method, path, is_read=is_read)

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

    def answered_within(self, age: timedelta) -> bool:
        """True when Autotask answered a request successfully less than ``age`` ago."""
        last = self._last_answer
        return last is not None and self._clock() - last < age

    def threshold(self) -> ThresholdStatus:
        """Read ``ThresholdInformation`` now (also checks the credentials)."""
        with self._threshold_lock:
            return self._read_threshold()

    # -- internals --------------------------------------------------------------------------

    def _before_request(self) -> None:
        if self._meter.check_due() and self._threshold_lock.acquire(blocking=False):
            try:
                if self._meter.check_due():
                    self._read_threshold()
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

    def _read_threshold(self) -> ThresholdStatus:
        url = self.zone().root + "ThresholdInformation"
        where = "GET ThresholdInformation"
        response = self._send_with_retries("GET", url, where=where, auth=True, is_read=True)
        if response.status_code in (401, 500):
            # ThresholdInformation validates nothing but the credentials: a 500 here is the
            # API's answer to a wrong user name or integration code.
            raise self._auth_error(response.status_code, error_messages(response))
        if response.status_code != 200:
            raise self._error(response, "GET", "ThresholdInformation", is_read=True)
        found = Item(self._json(response, where))
        self._last_answer = self._clock()
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

    def _send_with_retries(
        self,
        method: str,
        url: str,
        *,
        where: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        auth: bool,
        is_read: bool,
    ) -> requests.Response:
        attempts = 1 + self._read_retries
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._send(method, url, body=body, params=params, auth=auth)
            except requests.RequestException as exc:
                if (is_read or _never_sent(exc)) and not last:
                    self._backoff(attempt, None, where, type(exc).__name__)
                    continue
                if is_read or _never_sent(exc):
                    raise BackendUnavailable(f"Autotask {where}: {type(exc).__name__}") from exc
                raise WriteOutcomeUnknown(
                    f"Autotask {where}: sent, but no answer ({type(exc).__name__})"
                ) from exc
            if is_read and not last and self._retryable(response):
                self._backoff(attempt, response, where, f"HTTP {response.status_code}")
                continue
            return response
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _send(
        self,
        method: str,
        url: str,
        *,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        auth: bool,
    ) -> requests.Response:
        headers = {"Accept": "application/json"}
        if auth:
            headers.update(self._auth_headers())
        started = time.monotonic()
        with self._limit(endpoint_key(url.split(f"/{API_VERSION}/", 1)[-1])):
            self._meter.record()
            response = self._session.request(
                method,
                url,
                json=dict(body) if body is not None else None,
                params=dict(params) if params else None,
                headers=headers,
                timeout=self._timeout,
            )
        log.debug(
            "autotask %s %s -> %d in %.0f ms",
            method,
            url.split("?")[0],
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _auth_headers(self) -> dict[str, str]:
        headers = {
            "ApiIntegrationCode": self._integration_code,
            "UserName": self._username,
            "Secret": self._secret,
        }
        if self._impersonation is not None:
            headers["ImpersonationResourceId"] = str(self._impersonation)
        return headers

    @contextmanager
    def _limit(self, key: str) -> Iterator[None]:
        with self._limits_lock:
            semaphore = self._limits.get(key)
            if semaphore is None:
                semaphore = self._limits[key] = threading.BoundedSemaphore(self._max_concurrent)
        with semaphore:
            yield

    @staticmethod
    def _retryable(response: requests.Response) -> bool:
        if response.status_code == 429:
            return True
        # A 5xx carrying Autotask's own error text is an answer, not an outage: asking again
        # would only get the same text.
        return response.status_code >= 500 and not error_messages(response)

    def _backoff(
        self, attempt: int, response: requests.Response | None, where: str, why: str
    ) -> None:
        delay = min(0.5 * 2**attempt, 8.0)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after and retry_after.strip().isdigit():
            delay = min(float(retry_after.strip()), MAX_RETRY_AFTER)
        log.warning("autotask %s failed (%s); retrying in %.1fs", where, why, delay)
        self._sleep(delay)

    @staticmethod
    def _json(response: requests.Response, where: str) -> dict[str, Any]:
        try:
            answer = response.json()
        except ValueError as exc:
            raise BackendUnavailable(f"Autotask {where}: answer is not JSON") from exc
        if not isinstance(answer, dict):
            raise BackendUnavailable(f"Autotask {where}: answer is not a JSON object")
        return answer

    def _auth_error(self, status: int, messages: list[str]) -> ConfigurationError:
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
        return ConfigurationError(
            f"Autotask refused the credentials (HTTP {status}){said}: Autotask answers this way "
            f"to a wrong user name or integration code; check AUTOTASK_USERNAME "
            f"({self._username!r}) and AUTOTASK_INTEGRATION_CODE (the API tracking identifier)."
        )

    def _error(
        self, response: requests.Response, method: str, path: str, *, is_read: bool
    ) -> TicketingError:
        status = response.status_code
        messages = error_messages(response)
        where = f"{method} {path.split('?')[0]}"
        if status == 401:
            return self._auth_error(status, messages)
        if status == 403:
            return ConfigurationError(
                f"Autotask says the API user may not do {where} (HTTP 403): give its security "
                "level access to that entity."
            )
        if status == 429:
            return BackendUnavailable(f"Autotask {where}: HTTP 429 (too many requests)")
        if status >= 500 and messages and _AUTH_WORDS.search(" ".join(messages)):
            return self._auth_error(status, messages)
        if status >= 500 and not messages:
            if is_read:
                return BackendUnavailable(f"Autotask {where}: HTTP {status}")
            return WriteOutcomeUnknown(f"Autotask {where}: HTTP {status} with no error text")
        return AutotaskRejected(status, messages, method=method, path=path, hint=_hint(messages))


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


def _with_slash(url: str | None) -> str | None:
    if not url:
        return None
    return url.rstrip("/") + "/"
