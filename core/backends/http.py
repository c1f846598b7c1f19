"""The HTTP plumbing the outside help desks share (``requests``): reading error envelopes and
JSON answers, retrying reads with backoff, telling an outage from a refusal, and remembering how
the last requests went so that readiness reflects an outage at once.

What each status means, for every backend:

- a connection error, a timeout, 429, or any 5xx on a read: the service is down or busy
  (:class:`BackendUnavailable`, worded as an outage); reads are retried with backoff first;
- 502/503/504 or a 5xx without error text on a write, or a write whose answer never came: the
  outcome is unknown (:class:`WriteOutcomeUnknown`; never sent again blindly);
- 401/403 and auth-shaped answers: the backend's own configuration error;
- any other error answer: :class:`Rejected`, the service's own words for the person.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import urllib3.exceptions

from core.backends.parsing import Item
from core.errors import BackendUnavailable, TicketingError

USER_TEXT_MAX = 400
MAX_RETRY_AFTER = 60.0
# Gateway answers: the service behind them never saw the request, or fell over doing it.
GATEWAY_STATUSES = frozenset({502, 503, 504})

Transmit = Callable[..., requests.Response]


def utc_now() -> datetime:
    return datetime.now(UTC)


def error_messages(response: requests.Response) -> list[str]:
    """The service's own error words: ``{"errors": [...]}`` (strings or ``{"message"}``),
    ``{"error": "..."|{"message"}}``, ``{"message"}`` or ``{"detail"}``; else empty."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, Mapping):
        return []
    found = Item(body)
    for key in ("errors", "error", "message", "detail"):
        value = found.get(key)
        messages: list[str] = []
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, str) and entry.strip():
                messages.append(entry)
            elif isinstance(entry, Mapping):
                text = Item(entry).text("message")
                if text and text.strip():
                    messages.append(text)
        if messages:
            return messages
    return []


def plain_words(messages: list[str] | tuple[str, ...]) -> str:
    """Error messages as one readable sentence for the person (whitespace folded, bounded)."""
    text = " ".join(" ".join(message.split()) for message in messages if message.strip())
    if len(text) > USER_TEXT_MAX:
        text = text[: USER_TEXT_MAX - 1].rstrip() + "…"
    if text and text[-1] not in ".!?…":
        text += "."
    return text


def json_object(response: requests.Response, where: str) -> dict[str, Any]:
    """The answer's JSON object; anything else is the service failing (an outage)."""
    try:
        answer = response.json()
    except ValueError as exc:
        raise BackendUnavailable(f"{where}: answer is not JSON") from exc
    if not isinstance(answer, dict):
        raise BackendUnavailable(f"{where}: answer is not a JSON object")
    return answer


def never_sent(exc: requests.RequestException) -> bool:
    """True when the request surely never reached the server (safe to send again)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason: object = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


class Rejected(TicketingError):
    """The service answered with an error of its own (validation, business rule, bad URL).

    ``user_message`` carries its own words, so that, for example, a missing required field is
    named to the person; ``detail`` adds the request and a hint for the admin."""

    def __init__(
        self,
        status: int,
        messages: list[str],
        *,
        where: str,
        hint: str | None = None,
    ) -> None:
        said = plain_words(messages)
        user_message = (
            f"The help desk didn't accept that: {said}"
            if said
            else f"The help desk didn't accept that (it answered HTTP {status})."
        )
        detail = f"{where} answered HTTP {status}: {'; '.join(messages) or '-'}"
        if hint:
            detail = f"{detail}. {hint}"
        super().__init__(user_message, detail=detail)
        self.status = status
        self.messages = tuple(messages)


def outage(spoken: str, detail: str) -> BackendUnavailable:
    """The service is down or busy and nothing was changed: say so, and that the words are kept
    (the conversation keeps them, and a draft stays ready to confirm again)."""
    error = BackendUnavailable(detail)
    error.user_message = (
        f"{spoken} isn't answering right now; I'll keep what you wrote, so please ask me again "
        "in a few minutes."
    )
    return error


class WriteOutcomeUnknown(BackendUnavailable):
    """A write was sent but no usable answer came back: it may or may not have happened.

    Never repeat the write blindly; look for its effect first. The person is told so, and is
    never asked to simply try again."""

    def __init__(self, detail: str, *, spoken: str = "The help desk", check: str = "") -> None:
        super().__init__(detail)
        self.spoken = spoken
        self.user_message = (
            f"{spoken} stopped answering before confirming that, so I can't tell yet whether it "
            f"went through. {check or 'Please check in a few minutes before doing it again.'}"
        )

    def reworded(self, what: str, done: str, check: str) -> WriteOutcomeUnknown:
        """The same unknown outcome, naming what was sent (``your new ticket``), what may have
        happened (``it was filed``) and how the person can see whether it did."""
        error = WriteOutcomeUnknown(self.detail, spoken=self.spoken, check=check)
        error.user_message = (
            f"{self.spoken} stopped answering before confirming {what}, so I can't tell yet "
            f"whether {done}. {check}"
        )
        return error


@dataclass(frozen=True)
class HealthReport:
    """How the service answered lately: ``failing`` when its last outcome was a failure."""

    last_ok: datetime | None
    last_failure: datetime | None
    failure: TicketingError | None

    @property
    def failing(self) -> bool:
        if self.last_failure is None:
            return False
        return self.last_ok is None or self.last_failure >= self.last_ok


class Health:
    """The latest success and failure of requests to one service. Thread-safe."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ok: datetime | None = None
        self._last_failure: datetime | None = None
        self._failure: TicketingError | None = None

    def ok(self) -> None:
        with self._lock:
            self._last_ok = self._clock()

    def failed(self, error: TicketingError) -> None:
        with self._lock:
            self._last_failure = self._clock()
            self._failure = error

    def report(self) -> HealthReport:
        with self._lock:
            return HealthReport(self._last_ok, self._last_failure, self._failure)

    def answered_within(self, age: timedelta) -> bool:
        """True when the last outcome was a success, less than ``age`` ago."""
        report = self.report()
        return (
            not report.failing
            and report.last_ok is not None
            and self._clock() - report.last_ok < age
        )

    def failed_within(self, age: timedelta) -> TicketingError | None:
        """The last failure, when it is the latest outcome and less than ``age`` old."""
        report = self.report()
        last = report.last_failure
        if report.failing and last is not None and self._clock() - last < age:
            return report.failure
        return None


class JsonHttp:
    """Sends JSON requests to one service, retrying reads with backoff, and keeps its
    :class:`Health`. ``transmit`` (default: the session's ``request``) lets a backend wrap each
    attempt, e.g. in a concurrency limit."""

    def __init__(
        self,
        session: requests.Session,
        *,
        service: str,
        spoken: str,
        timeout: float,
        read_retries: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utc_now,
        transmit: Transmit | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.service = service
        self.spoken = spoken
        self.timeout = timeout
        self.read_retries = max(0, read_retries)
        self.health = Health(clock)
        self._sleep = sleep
        self._transmit = transmit or session.request
        self._log = log or logging.getLogger("ticketbot.http")

    def send(
        self,
        method: str,
        url: str,
        *,
        where: str,
        is_read: bool,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        retries: int | None = None,
        timeout: float | None = None,
    ) -> requests.Response:
        """The answer (a success, or the last error answer once retries are spent).

        A read is retried on connection errors, timeouts, 429 and 5xx; a write only when it
        surely never left. A request that got no answer at all raises: an outage, or
        :class:`WriteOutcomeUnknown` for a write that may have happened."""
        attempts = 1 + (self.read_retries if retries is None else max(0, retries))
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._transmit(
                    method,
                    url,
                    json=dict(body) if body is not None else None,
                    params=dict(params) if params else None,
                    headers={"Accept": "application/json", **(headers or {})},
                    timeout=timeout or self.timeout,
                )
            except requests.RequestException as exc:
                safe = is_read or never_sent(exc)
                if safe and not last:
                    self._backoff(attempt, None, where, type(exc).__name__)
                    continue
                error: TicketingError
                if safe:
                    error = outage(self.spoken, f"{self.service} {where}: {type(exc).__name__}")
                else:
                    error = WriteOutcomeUnknown(
                        f"{self.service} {where}: sent, but no answer ({type(exc).__name__})",
                        spoken=self.spoken,
                    )
                self.health.failed(error)
                raise error from exc
            if is_read and not last and self.retryable(response):
                self._backoff(attempt, response, where, f"HTTP {response.status_code}")
                continue
            return response
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    @staticmethod
    def retryable(response: requests.Response) -> bool:
        """Worth asking again (for a read): busy, or the service failing."""
        return response.status_code == 429 or response.status_code >= 500

    def failure(
        self,
        response: requests.Response,
        where: str,
        *,
        is_read: bool,
        refused: Callable[[int, list[str]], TicketingError],
        hint: Callable[[list[str]], str | None] = lambda _: None,
    ) -> TicketingError:
        """The error for a non-2xx answer (and the health it shows). ``refused`` builds the
        backend's own error for credentials or permissions it was refused with."""
        status = response.status_code
        messages = error_messages(response)
        said = f" ({'; '.join(messages)})" if messages else ""
        detail = f"{self.service} {where}: HTTP {status}{said}"
        error: TicketingError
        if status in (401, 403):
            error = refused(status, messages)
        elif status == 429 or (status >= 500 and is_read):
            error = outage(self.spoken, detail)
        elif status in GATEWAY_STATUSES or (status >= 500 and not messages):
            # A gateway may have timed out while the service did the work.
            error = WriteOutcomeUnknown(detail, spoken=self.spoken)
        else:
            self.health.ok()  # it answered in its own words: the service is up
            return Rejected(status, messages, where=f"{self.service} {where}", hint=hint(messages))
        self.health.failed(error)
        return error

    def _backoff(
        self, attempt: int, response: requests.Response | None, where: str, why: str
    ) -> None:
        delay = min(0.5 * 2**attempt, 8.0)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after and retry_after.strip().isdigit():
            delay = min(float(retry_after.strip()), MAX_RETRY_AFTER)
        self._log.warning(
            "%s %s failed (%s); retrying in %.1fs", self.service.lower(), where, why, delay
        )
        self._sleep(delay)
