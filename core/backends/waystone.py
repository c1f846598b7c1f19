"""The Waystone API of the original design document, as a :class:`core.ports.TicketingSystem`.

Exactly that shape: ``Authorization: Bearer <WAYSTONE_API_KEY>``, ``POST {base}/tickets`` with
``{"title", "description", "priority", "status": "New"}`` (labels as strings) answering the
ticket as JSON, and ``GET {base}/tickets/{id}``. It has no endpoint for notes, listing or
closing, and no ticket numbers of its own: those raise :class:`UnsupportedOperation`, which the
person reads as a plain "this help desk can't do that".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from core.backends.http import JsonHttp, Rejected, WriteOutcomeUnknown, json_object
from core.backends.parsing import Item, parse_time
from core.errors import (
    BackendUnavailable,
    ConfigurationError,
    TechnicianToolsUnavailable,
    TicketingError,
    TicketNotFound,
    UnsupportedOperation,
)
from core.messages import UserRef
from core.ports import Technician, TicketChange
from core.settings import WaystoneSettings
from core.tickets import STATUS_COMPLETE, STATUS_NEW, Priority, Ticket, TicketDraft, TicketRef

log = logging.getLogger("ticketbot.waystone")

BACKEND = "Waystone"
CLOSED_STATUSES = frozenset({STATUS_COMPLETE.casefold(), "completed", "closed", "resolved", "done"})
# How the person hears of it: they know "the help desk", not the intermediary's name.
SPOKEN = "The help desk"
_REQUESTER_KEYS = ("requester_email", "requesterEmail", "requester", "contact_email", "email")
# Waystone cannot look a ticket up by anything but its id, so the bot cannot check for itself.
_UNCONFIRMED_CREATE = "Please ask the help desk whether it arrived before sending it again."


class WaystoneTicketing:
    """Tickets through the Waystone intermediary API."""

    name = "waystone"

    def __init__(
        self,
        session: requests.Session,
        *,
        base_url: str,
        api_key: str,
        timeout: float = 10.0,
        read_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._api_key = api_key
        self._http = JsonHttp(
            session,
            service=BACKEND,
            spoken=SPOKEN,
            timeout=timeout,
            read_retries=read_retries,
            sleep=sleep,
            log=log,
        )

    @classmethod
    def from_settings(
        cls,
        settings: WaystoneSettings,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> WaystoneTicketing:
        """Build from ``WAYSTONE_*``; a missing setting is a :class:`ConfigurationError`."""
        if settings.missing or not settings.base_url or not settings.api_key:
            raise ConfigurationError(
                f"Waystone needs {', '.join(settings.missing)}: set it in the environment or .env."
            )
        return cls(
            session or requests.Session(),
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value(),
            timeout=settings.timeout_seconds,
            read_retries=settings.read_retries,
            sleep=sleep,
        )

    # -- the port ---------------------------------------------------------------------------

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        who = _who(requester)
        description = draft.description.strip()
        if who:
            description = f"{description}\n\nRequested via chat by: {who}"
        body = {
            "title": draft.title.strip() or "New request",
            "description": description,
            "priority": draft.priority.value,
            "status": STATUS_NEW,
        }
        headers = {"Idempotency-Key": draft.idempotency_key} if draft.idempotency_key else {}
        try:
            answer = self._request("POST", "/tickets", body=body, extra_headers=headers)
        except WriteOutcomeUnknown as exc:
            raise exc.reworded("your new ticket", "it was filed", _UNCONFIRMED_CREATE) from exc
        return self._ticket(answer, fallback_priority=draft.priority.value)

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        if ref.ticket_id is None:
            raise UnsupportedOperation(
                f"look tickets up by a number like {ref.value} (ask with the ticket id, "
                "for example 48213)",
                BACKEND,
            )
        try:
            answer = self._request("GET", f"/tickets/{ref.ticket_id}")
        except Rejected as exc:
            if exc.status == 404:
                raise TicketNotFound(ref) from exc
            raise
        ticket = self._ticket(answer)
        owner = _owner(answer)
        if owner is not None and requester.email and owner != requester.email.strip().casefold():
            raise TicketNotFound(ref)
        return ticket

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        raise UnsupportedOperation("list your tickets", BACKEND)

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        raise UnsupportedOperation("add notes to tickets", BACKEND)

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        raise UnsupportedOperation("close tickets", BACKEND)

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        # The Waystone API has no attachment endpoint.
        raise UnsupportedOperation("attach files to tickets", BACKEND)

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        # The designed API has no update endpoint.
        raise UnsupportedOperation("reopen tickets", BACKEND)

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        raise UnsupportedOperation("change a ticket's priority", BACKEND)

    def check_ready(self) -> None:
        """An authenticated read of a ticket that cannot exist: 404 means the API and the key
        work; 401/403 is a key problem; no answer is an outage. One try: a probe."""
        try:
            self._request("GET", "/tickets/0", retries=0)
        except Rejected as exc:
            if exc.status != 404:
                raise

    # -- internals --------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int | None = None,
    ) -> dict[str, Any]:
        is_read = method == "GET"
        where = f"{method} {path}"
        headers = {"Authorization": f"Bearer {self._api_key}", **(extra_headers or {})}
        response = self._http.send(
            method,
            self._base + path,
            where=where,
            is_read=is_read,
            body=body,
            headers=headers,
            retries=retries,
        )
        if 200 <= response.status_code < 300:
            answer = json_object(response, f"{BACKEND} {where}")
            self._http.health.ok()
            return answer
        raise self._http.failure(response, where, is_read=is_read, refused=_refused)

    def _ticket(self, answer: Mapping[str, Any], *, fallback_priority: str = "") -> Ticket:
        found = _unwrapped(answer)
        ticket_id = found.integer("id") or found.integer("ticket_id") or found.integer("ticketId")
        if ticket_id is None:
            raise BackendUnavailable(f"Waystone answered without a ticket id: {answer!r:.200}")
        number = (
            found.text("ticket_number") or found.text("ticketNumber") or found.text("number")
        ) or str(ticket_id)
        status = found.text("status") or STATUS_NEW
        assignee = found.get("assignee") or found.get("assigned_to")
        if isinstance(assignee, Mapping):
            assignee = Item(assignee).text("name")
        return Ticket(
            id=ticket_id,
            number=number,
            title=found.text("title") or "",
            status=status,
            priority=found.text("priority") or fallback_priority,
            description=found.text("description") or "",
            created_at=parse_time(found.get("created_at") or found.get("createdAt")),
            last_activity_at=parse_time(found.get("updated_at") or found.get("updatedAt")),
            queue=found.text("queue"),
            assignee=assignee if isinstance(assignee, str) else None,
            requester=_owner(answer),
            is_closed=status.casefold() in CLOSED_STATUSES,
            web_url=found.text("url") or found.text("web_url") or found.text("webUrl"),
        )


def _who(requester: UserRef) -> str:
    if requester.display_name and requester.email:
        return f"{requester.display_name} <{requester.email}>"
    return requester.email or requester.display_name or ""


def _unwrapped(answer: Mapping[str, Any]) -> Item:
    """The ticket itself, whether Waystone answers it bare or inside ``ticket``, ``item`` or
    ``data``. (Reading the owner from anywhere else would skip the authorization check.)"""
    found = Item(answer)
    nested = found.get("ticket") or found.get("item") or found.get("data")
    return Item(nested) if isinstance(nested, Mapping) else found


def _owner(answer: Mapping[str, Any]) -> str | None:
    """The requester's e-mail if Waystone reports one (then only they may read the ticket)."""
    found = _unwrapped(answer)
    for key in _REQUESTER_KEYS:
        value = found.get(key)
        if isinstance(value, Mapping):
            value = Item(value).get("email")
        if isinstance(value, str) and "@" in value:
            return value.strip().casefold()
    return None


def _refused(status: int, messages: list[str]) -> TicketingError:
    said = f" ({'; '.join(messages)})" if messages else ""
    return ConfigurationError(
        f"Waystone refused the API key (HTTP {status}){said}: check WAYSTONE_API_KEY."
    )


class WaystoneTechnicianDesk:
    """Waystone's :class:`core.ports.TechnicianDesk`: its API has no technicians, assignment,
    statuses to choose from, notes or lists, so every operation answers plainly that technician
    tools are not available on this help desk."""

    name = "waystone"

    def _unavailable(self, operation: str) -> TechnicianToolsUnavailable:
        return TechnicianToolsUnavailable(operation, BACKEND)

    def technician(self, user: UserRef) -> Technician:
        raise self._unavailable("technician sign-in")

    def ticket(self, ref: TicketRef, user: UserRef) -> Ticket:
        raise self._unavailable("internal notes")

    def take(self, ref: TicketRef, user: UserRef) -> TicketChange:
        raise self._unavailable("take")

    def assign(
        self, ref: TicketRef, assignee: str, user: UserRef, *, role_id: int | None = None
    ) -> TicketChange:
        raise self._unavailable("assign")

    def set_status(self, ref: TicketRef, status: str, user: UserRef) -> TicketChange:
        raise self._unavailable("status")

    def add_note(
        self, ref: TicketRef, text: str, user: UserRef, *, internal: bool = True
    ) -> TicketChange:
        raise self._unavailable("internal notes" if internal else "notes")

    def set_priority(self, ref: TicketRef, priority: Priority, user: UserRef) -> TicketChange:
        raise self._unavailable("priority")

    def mine(self, user: UserRef, limit: int = 20) -> list[Ticket]:
        raise self._unavailable("mine")

    def queue(self, user: UserRef, name: str | None = None, limit: int = 20) -> list[Ticket]:
        raise self._unavailable("queue")

    def technicians(self, user: UserRef) -> list[Technician]:
        raise self._unavailable("technician list")

    def statuses(self, user: UserRef) -> list[str]:
        raise self._unavailable("status list")

    def queues(self, user: UserRef) -> list[str]:
        raise self._unavailable("queue list")
