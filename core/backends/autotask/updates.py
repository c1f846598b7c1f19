"""Autotask as a source of updates: reading a ticket and its notes as the bot, and finding
tracked tickets with new activity (polling) in a fixed number of requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.backends.autotask.query import MAX_RECORDS, cond
from core.backends.autotask.tickets import (
    NOTE_FIELDS,
    NOTE_TITLE_PREFIX,
    REQUESTED_BY,
    SIGNATURE_START,
    AutotaskTicketing,
)
from core.backends.autotask.vocabulary import TICKETS
from core.backends.http import Rejected
from core.backends.parsing import Item, format_time, item_of
from core.tickets import Ticket
from core.updates.model import FeedNote, TicketState, TicketTouched

# Polling pauses above this share of the tenant's hourly threshold.
BUSY_SHARE = 0.8


class AutotaskFeed:
    """:class:`~core.updates.model.TicketFeed` and poll source over an :class:`AutotaskTicketing`
    (same client: every request counts against the budget it meters)."""

    backend = "autotask"

    def __init__(self, ticketing: AutotaskTicketing) -> None:
        self._tickets = ticketing
        self._client = ticketing.client

    def invalidate(self, ticket_id: int) -> None:
        """Drop any cached read of ``ticket_id`` (the client's cache, when it has one)."""
        for owner in (self._tickets, self._client):
            forget = getattr(owner, "invalidate", None)
            if callable(forget):
                forget(ticket_id)

    def state(self, ticket_id: int) -> TicketState | None:
        try:
            item = item_of(self._client.get(f"{TICKETS}/{ticket_id}"))
        except Rejected as exc:
            if exc.status == 404:
                return None
            raise
        if item is None:
            return None
        company = item.integer("companyID")
        return TicketState(
            self._ticket(item), self._requester_email(item), str(company) if company else ""
        )

    def notes_since(self, ticket_id: int, since: datetime | None) -> list[FeedNote]:
        filters = [cond("eq", "ticketID", ticket_id)]
        if since is not None:
            filters.append(cond("gt", "createDateTime", format_time(since)))
        rows = self._client.query_all("TicketNotes", filters, include=NOTE_FIELDS)
        readable = self._tickets.vocabulary.requester_note_publish()
        notes = []
        for row in rows:
            created = row.time("createDateTime")
            if created is None or (since is not None and created <= since):
                continue
            title = row.text("title") or ""
            text = row.text("description") or ""
            from_chat = title.startswith(NOTE_TITLE_PREFIX)
            by_requester = False
            if from_chat:
                author = title[len(NOTE_TITLE_PREFIX) :]
                text = text.rpartition(SIGNATURE_START)[0] or text
                # A technician's note from chat is written as them (impersonation): theirs,
                # not the requester's own words, so a public one is news to the requester.
                creator = self._tickets.directory.resource(row.integer("creatorResourceID"))
                by_requester = creator is None or creator.name != author
            else:
                resource = self._tickets.directory.resource(row.integer("creatorResourceID"))
                author = resource.name if resource else "The help desk"
            notes.append(
                FeedNote(
                    note_id=str(row.id),
                    author=author,
                    text=text,
                    created_at=created,
                    public=row.integer("publish") in readable,
                    by_requester=by_requester,
                )
            )
        return sorted(notes, key=lambda n: (n.created_at, n.note_id))

    def touched_since(self, ticket_ids: Sequence[int], since: datetime) -> list[TicketTouched]:
        """One paged query: tickets with ``lastActivityDate`` after ``since`` (limited to the
        tracked ids when they fit one filter; otherwise filtered here)."""
        wanted = set(ticket_ids)
        filters = [cond("gt", "lastActivityDate", format_time(since))]
        if len(wanted) <= MAX_RECORDS:
            filters.append(cond("in", "id", sorted(wanted)))
        rows = self._client.query_all(TICKETS, filters, include=("id", "lastActivityDate"))
        touched = []
        for row in rows:
            at = row.time("lastActivityDate")
            if row.id not in wanted or at is None or at <= since:
                continue
            touched.append(
                TicketTouched(self.backend, row.id, at, sequence=at.isoformat(), source="poll")
            )
        return touched

    def busy(self) -> bool:
        status = self._client.threshold_status
        return status is not None and status.share >= BUSY_SHARE

    def _ticket(self, item: Item) -> Ticket:
        vocabulary = self._tickets.vocabulary
        status = item.integer("status")
        priority = item.integer("priority")
        assignee = self._tickets.directory.resource(item.integer("assignedResourceID"))
        return Ticket(
            id=item.id,
            number=item.text("ticketNumber") or str(item.id),
            title=item.text("title") or "",
            status=vocabulary.label(TICKETS, "status", status) or str(status),
            priority=vocabulary.label(TICKETS, "priority", priority) or str(priority),
            created_at=item.time("createDate"),
            last_activity_at=item.time("lastActivityDate"),
            queue=vocabulary.label(TICKETS, "queueID", item.integer("queueID")),
            assignee=assignee.name if assignee else None,
            is_closed=status == vocabulary.status_complete().value,
        )

    def _requester_email(self, item: Item) -> str | None:
        contact = self._tickets.directory.contact(item.integer("contactID"))
        if contact is not None:
            return contact.email
        # Filed under the default company for an e-mail no contact has: the bot's own line.
        description = (item.text("description") or "").rstrip()
        line = description.rpartition("\n")[2]
        if line.startswith(REQUESTED_BY):
            return line[len(REQUESTED_BY) :].strip() or None
        return None
