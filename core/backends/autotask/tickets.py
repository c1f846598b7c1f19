"""Autotask PSA as a :class:`core.ports.TicketingSystem`.

Authorization lives here, in code: a requester sees and changes only tickets where they are the
contact (or, with ``AUTOTASK_COMPANY_VISIBILITY``, of their own company); technicians (resources)
and ``TICKETBOT_STAFF_EMAILS`` see all. A ticket someone may not see raises
:class:`TicketNotFound`, exactly like one that does not exist.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from core.backends.autotask.attachments import attach_file
from core.backends.autotask.categories import TicketCategories, due_hours
from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.identity import Directory, Requester
from core.backends.autotask.picklists import EntityFields
from core.backends.autotask.query import MAX_RECORDS, Filter, any_of, cond, eq, query_body
from core.backends.autotask.vocabulary import TICKETS, TicketVocabulary
from core.backends.coalesced import CoalescedReads
from core.backends.http import Rejected, WriteOutcomeUnknown
from core.backends.parsing import Item, as_int, format_time, item_of, items_of
from core.errors import (
    BackendUnavailable,
    ConfigurationError,
    RequesterUnknown,
    TicketingError,
    TicketNotFound,
)
from core.messages import UserRef
from core.settings import AutotaskSettings
from core.tickets import Note, Priority, Ticket, TicketDraft, TicketRef

log = logging.getLogger("ticketbot.autotask")
_T = TypeVar("_T")

TITLE_MAX = 255
DESCRIPTION_MAX = 8000
NOTE_TITLE_MAX = 250
NOTE_DESCRIPTION_MAX = 32000
STAMP_PREFIX = "ticketbot:"
STAMP_FIELD = "externalID"
NOTE_TITLE_PREFIX = "Chat note from "
SIGNATURE_START = "\n\n— "
SIGNATURE_END = ", via chat"
REQUESTED_BY = "Requested via chat by: "
CREATE_ATTEMPTS = 2
# Give a create that timed out a moment to land before looking for it.
SETTLE_SECONDS = 2.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Ticket numbers resolved to ids kept at most (a number never changes its ticket).
NUMBERS_KEPT = 10_000
# Notes are kept while their ticket's lastActivityDate stays the same, at most this long (a note
# edited in place does not change it).
NOTES_KEPT = timedelta(hours=1)
# Readiness: a success this recent counts without asking; after a failure this recent the
# answer is "not ready" without asking; otherwise one short probe. So probes cost the tenant's
# shared hourly budget at most twice a minute, and any failed request shows at once.
READY_FRESH = timedelta(seconds=30)
FAILURE_HOLD = timedelta(seconds=30)

# What a list or a card needs; asking for less keeps 500-row pages small.
TICKET_FIELDS = (
    "id",
    "ticketNumber",
    "title",
    "description",
    "status",
    "priority",
    "queueID",
    "assignedResourceID",
    "contactID",
    "companyID",
    "createDate",
    "lastActivityDate",
    STAMP_FIELD,
)
NOTE_FIELDS = (
    "id",
    "ticketID",
    "title",
    "description",
    "publish",
    "creatorResourceID",
    "createDateTime",
)


def idempotency_stamp(key: str) -> str:
    """What a draft's idempotency key becomes in the ticket's ``externalID`` (short, fixed)."""
    return STAMP_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class _StoredNote:
    publish: int | None
    note: Note


StoredNote = _StoredNote  # a note with its publish value, for the technician desk


class AutotaskTicketing:
    """Tickets in an Autotask tenant (implements :class:`core.ports.TicketingSystem`)."""

    name = "autotask"

    def __init__(
        self,
        client: AutotaskClient,
        settings: AutotaskSettings,
        *,
        clock: Callable[[], datetime],
        staff_emails: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self.fields = EntityFields(
            client, ttl=timedelta(seconds=settings.picklist_ttl_seconds), clock=clock
        )
        self.vocabulary = TicketVocabulary(self.fields, settings)
        self.categories = TicketCategories(
            client,
            self.fields,
            settings,
            ttl=timedelta(seconds=settings.picklist_ttl_seconds),
            clock=clock,
        )
        parallel = max(1, settings.max_concurrent_per_endpoint)
        self.directory = Directory(
            client,
            clock=clock,
            ttl=timedelta(seconds=settings.identity_cache_seconds),
            staff_emails=staff_emails,
            parallel=parallel,
        )
        # Ticket reads are shared while in flight, batched (`id in [...]`) and kept briefly;
        # the bot's own writes and invalidate() drop them.
        self._tickets: CoalescedReads[int, Item] = CoalescedReads(
            self._fetch_tickets,
            clock=clock,
            ttl=timedelta(seconds=max(0.0, settings.ticket_cache_seconds)),
            max_batch=MAX_RECORDS,
            parallel=parallel,
        )
        self._by_number: CoalescedReads[str, Item] = CoalescedReads(
            self._fetch_numbers,
            clock=clock,
            ttl=timedelta(0),
            max_batch=MAX_RECORDS,
            parallel=parallel,
        )
        # Every write the bot sends (any operation, now or added later) drops what was kept of
        # its ticket.
        client.on_write(self._wrote)
        self._numbers_lock = threading.Lock()
        self._number_ids: dict[str, int] = {}
        # (ticket id, its lastActivityDate when read) -> all its notes: a status check of an
        # unchanged ticket reads only the ticket.
        self._notes: CoalescedReads[tuple[int, str | None], tuple[_StoredNote, ...]] = (
            CoalescedReads(
                self._fetch_notes_of,
                clock=clock,
                ttl=NOTES_KEPT,
                max_batch=MAX_RECORDS,
                parallel=parallel,
            )
        )

    @property
    def client(self) -> AutotaskClient:
        return self._client

    # -- for the technician desk (:mod:`.technicians`) ---------------------------------------

    def authorized(self, ref: TicketRef, who: Requester) -> Item:
        """The ticket ``who`` may see (read through the shared cache), else TicketNotFound."""
        return self._authorized(ref, who)

    def shape(
        self, item: Item, who: Requester, *, notes: tuple[StoredNote, ...] | None = None
    ) -> Ticket:
        """``item`` as the :class:`Ticket` ``who`` sees (``notes`` None: read them)."""
        return self._ticket(item, who, notes=notes)

    def shape_list(self, rows: Sequence[Item], who: Requester) -> list[Ticket]:
        """Rows of a list, without their notes, their people read in one query each."""
        self._prefetch_people(rows, who)
        return [self._ticket(row, who, notes=()) for row in rows]

    def touched(self, item: Item, **changes: object) -> Item:
        """``item`` after the bot's own write (kept as what Autotask now holds)."""
        return self._touched(item, **changes)

    def kept_notes(self, item: Item) -> tuple[StoredNote, ...] | None:
        """The ticket's notes if kept for its current state (never reads)."""
        return self._kept_notes(item)

    def read_fresh(self, ticket_id: int) -> Item | None:
        """The ticket as Autotask holds it now."""
        return self._read(ticket_id, fresh=True)

    # -- the port ---------------------------------------------------------------------------

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        who = self._identify(requester)
        body = self._new_ticket_body(draft, who)
        stamp = str(body[STAMP_FIELD])
        if draft.idempotency_key:
            existing = self._find_stamped(stamp)
            if existing is None and draft.attempted_at is not None:
                existing = self._wait_for_earlier_attempt(stamp, draft.attempted_at)
            if existing is not None:
                log.info("autotask create: draft already filed as ticket %d", existing.id)
                return self._ticket(existing, who)
        for attempt in range(CREATE_ATTEMPTS):
            try:
                answer = Item(self._client.request("POST", TICKETS, body=body))
            except WriteOutcomeUnknown as exc:
                log.warning("autotask create: outcome unknown (%s); looking for it", exc.detail)
                unknown = exc.reworded(
                    "your new ticket",
                    "it was filed",
                    "In a few minutes, “ticket list” will show it if it was filed.",
                )
                found = self._look_after(unknown, lambda: self._find_stamped(stamp))
                if found is not None:
                    return self._created(found, who)
                if attempt == CREATE_ATTEMPTS - 1:
                    raise unknown from exc
                continue  # it was not filed: sending it again cannot make a second one
            item_id = answer.integer("itemId")
            if item_id is None:
                raise BackendUnavailable(f"Autotask POST Tickets answered without itemId: {answer}")
            item = self._read(item_id, fresh=True)
            if item is None:
                raise BackendUnavailable(f"Autotask created ticket {item_id} but cannot read it")
            return self._created(item, who)
        raise AssertionError("unreachable")

    def _wait_for_earlier_attempt(self, stamp: str, attempted_at: datetime) -> Item | None:
        """An unfinished attempt's POST may still be on its way (Autotask finishes a request
        whose client went away), and its ticket is not found until it lands: look again until
        no request sent then can still be running, so a new POST never files it twice."""
        settled = attempted_at + timedelta(seconds=self._settings.timeout_seconds + SETTLE_SECONDS)
        left = (settled - self._clock()).total_seconds()
        if left > 0:
            log.info("autotask create: an earlier attempt may be in flight; waiting %.1fs", left)
        # Counted down here, not read from the clock again: the wait ends even if time stands.
        while left > 0:
            self._sleep(min(left, SETTLE_SECONDS))
            left -= SETTLE_SECONDS
            found = self._find_stamped(stamp)
            if found is not None:
                log.info("autotask create: the earlier attempt filed ticket %d", found.id)
                return found
        return None

    def _created(self, item: Item, who: Requester) -> Ticket:
        # A new ticket has no notes yet: its first status check is warm.
        self._notes.put((item.id, item.text("lastActivityDate")), ())
        self._tickets.put(item.id, item)
        return self._ticket(item, who, notes=())

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        who = self._known(requester)
        item = self._authorized(ref, who)
        return self._ticket(item, who)

    def get_many(self, refs: Sequence[TicketRef], requester: UserRef) -> list[Ticket]:
        """The tickets of ``refs`` the requester may see, in the order asked, with their notes:
        one query for the tickets (``id in [...]``, 500 a page) and one for their notes."""
        who = self._known(requester)
        ids = [ref.ticket_id for ref in refs if ref.ticket_id is not None]
        numbers = [ref.value for ref in refs if ref.ticket_id is None]
        by_number = self._resolve_numbers(numbers)
        items = self._tickets.get_many(ids)
        found: dict[int, Item] = {}
        for ref in refs:
            item = (
                items.get(ref.ticket_id) if ref.ticket_id is not None else by_number.get(ref.value)
            )
            if item is not None and item.id not in found and self._may_see(who, item):
                found[item.id] = item
        keys = {item.id: (item.id, item.text("lastActivityDate")) for item in found.values()}
        notes = self._notes.get_many(key for key in keys.values() if key[1] is not None)
        self._prefetch_people(found.values(), who)
        return [self._ticket(item, who, notes=notes.get(keys[item.id])) for item in found.values()]

    def _wrote(self, method: str, path: str, body: Mapping[str, Any] | None) -> None:
        """``Tickets/{id}/...`` names its ticket; ``PATCH Tickets`` carries it as ``id``."""
        segments = path.strip("/").split("/")
        if segments[0].lower() != TICKETS.lower():
            return
        ticket_id = as_int(segments[1]) if len(segments) > 1 else None
        if ticket_id is None and body is not None:
            ticket_id = Item(body).integer("id")
        if ticket_id is not None:
            self.invalidate(ticket_id)

    def invalidate(self, ticket_id: int) -> None:
        """Forget what was read of ticket ``ticket_id`` (after a change the bot did not make
        itself, e.g. an update event): its next read asks Autotask."""
        self._tickets.invalidate(ticket_id)
        self._notes.invalidate_where(lambda key: key[0] == ticket_id)

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        who = self._known(requester)
        complete = self.vocabulary.status_complete().value
        scope = self._scope(who)
        if scope is None:
            return []
        rows = self._client.query_all(
            TICKETS,
            [cond("noteq", "status", complete), scope],
            include=TICKET_FIELDS,
        )
        visible = [
            row for row in rows if self._may_see(who, row) and row.integer("status") != complete
        ]
        visible.sort(key=lambda row: (row.time("createDate") or _EPOCH, row.id), reverse=True)
        shown = visible[: max(0, limit)]
        self._prefetch_people(shown, who)
        return [self._ticket(row, who, notes=()) for row in shown]

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        who = self._known(requester)
        item = self._authorized(ref, who)
        author = who.display_name or who.email or "chat user"
        signature = f"{SIGNATURE_START}{who.label}{SIGNATURE_END}"
        words = text.strip()[: NOTE_DESCRIPTION_MAX - len(signature)]
        description = words + signature
        title = (NOTE_TITLE_PREFIX + author)[:NOTE_TITLE_MAX]
        body = {
            "title": title,
            "description": description,
            "noteType": self.vocabulary.note_type().value,
            "publish": self.vocabulary.note_publish().value,
        }
        path = f"{TICKETS}/{item.id}/Notes"
        number = item.text("ticketNumber") or str(item.id)
        kept = self._kept_notes(item)
        try:
            self._client.request("POST", path, body=body)
        except WriteOutcomeUnknown as exc:
            unknown = exc.reworded(
                "your note",
                "it was added",
                f"In a few minutes, “ticket {number}” will show it if it was added.",
            )
            notes = self._look_after(unknown, lambda: self._fetch_notes(item.id))
            if not any(n.note.text == words and n.note.title == title for n in notes):
                raise unknown from exc
            return self._ticket(self._touched(item), who, notes=notes)
        if kept is None:  # read now, they include the new note
            return self._ticket(self._touched(item), who, notes=self._notes_after_write(item))
        # POST answers only the new note's id: the notes read before plus the note as sent are
        # what Autotask now holds (the next status read asks Autotask again).
        added = _StoredNote(
            publish=as_int(body["publish"]),
            note=Note(author=author, text=words, created_at=self._clock(), title=title),
        )
        return self._ticket(self._touched(item), who, notes=(*kept, added))

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        who = self._known(requester)
        item = self._authorized(ref, who)
        complete = self.vocabulary.status_complete().value
        if item.integer("status") == complete:
            return self._ticket(item, who)
        kept = self._kept_notes(item)
        try:
            self._client.request("PATCH", TICKETS, body={"id": item.id, "status": complete})
        except WriteOutcomeUnknown as exc:
            number = item.text("ticketNumber") or str(item.id)
            unknown = exc.reworded(
                "the close",
                "the ticket is closed",
                f"In a few minutes, “ticket {number}” will show whether it is.",
            )
            again = self._look_after(unknown, lambda: self._read(item.id, fresh=True))
            if again is None or again.integer("status") != complete:
                raise unknown from exc
            return self._ticket(again, who)
        # PATCH changes only the fields sent and answers only the id: the ticket as read with
        # the complete status is what Autotask now holds.
        notes = kept if kept is not None else self._notes_after_write(item)
        return self._ticket(self._touched(item, status=complete), who, notes=notes)

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        who = self._known(requester)
        item = self._authorized(ref, who)
        attach_file(self._client, item.id, name, data, sleep=self._sleep)

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        """Back to the tenant's new status (``AUTOTASK_STATUS_NEW``), then the reason as a
        note (which also tells the technicians why)."""
        who = self._known(requester)
        item = self._authorized(ref, who)
        if item.integer("status") != self.vocabulary.status_complete().value:
            return self._ticket(item, who)
        self._patch(item, "status", self.vocabulary.status_new().value)
        return self.add_note(TicketRef("id", str(item.id)), f"Reopened: {reason}", requester)

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        """The bot's level mapped through the tenant's priority picklist."""
        who = self._known(requester)
        item = self._authorized(ref, who)
        value = self.vocabulary.priority(priority).value
        if item.integer("priority") != value:
            item = self._patch(item, "priority", value)
        return self._ticket(item, who)

    def _patch(self, item: Item, field: str, value: int) -> Item:
        """PATCH one field; an unknown outcome is settled by reading the ticket back."""
        try:
            self._client.request("PATCH", TICKETS, body={"id": item.id, field: value})
        except WriteOutcomeUnknown:
            self._sleep(SETTLE_SECONDS)
            again = self._read(item.id)
            if again is None or again.integer(field) != value:
                raise
        return self._read(item.id) or item

    def check_ready(self) -> None:
        """Cheap enough for a readiness probe: the latest outcome of any request counts when it
        is recent (a failed request makes the bot unready at once), else one short request.
        (Probes every few seconds would otherwise spend the tenant's shared hourly budget.)"""
        health = self._client.health
        failure = health.failed_within(FAILURE_HOLD)
        if isinstance(failure, ConfigurationError):
            raise ConfigurationError(failure.detail)
        if failure is not None:
            raise BackendUnavailable(f"the last Autotask request failed: {failure.detail}")
        if health.answered_within(READY_FRESH):
            return
        self._client.zone()
        self._client.threshold(probe=True)

    def _look_after(self, unknown: WriteOutcomeUnknown, look: Callable[[], _T]) -> _T:
        """Look for the effect of a write whose answer was lost, after giving it a moment to
        land. If Autotask cannot be read either, the outcome stays unknown: say that, not an
        outage's "ask me again"."""
        self._sleep(SETTLE_SECONDS)
        try:
            return look()
        except TicketingError as exc:
            log.warning("autotask: could not look for the write's effect: %s", exc.detail)
            raise unknown from exc

    # -- identity and authorization --------------------------------------------------------

    def _identify(self, user: UserRef) -> Requester:
        if not (user.email or "").strip():
            raise RequesterUnknown(
                "I don't know your e-mail address, so I can't find you in the help desk. "
                "Please ask your administrator to let the bot see e-mail addresses."
            )
        return self.directory.identify(user)

    def _known(self, user: UserRef) -> Requester:
        """The requester, refused plainly when Autotask does not know them and the settings
        say to refuse (asked before any ticket is read, so it reveals nothing about one)."""
        who = self._identify(user)
        if (
            not who.is_staff
            and who.contact is None
            and self._settings.unknown_contact != "default_company"
        ):
            raise RequesterUnknown(
                f"I couldn't find {who.email} among the help desk's contacts, so I can't look "
                "up tickets for you. Please ask your administrator to add you as a contact.",
                detail=f"no Autotask contact for {who.email} (AUTOTASK_UNKNOWN_CONTACT=refuse)",
            )
        return who

    def _may_see(self, who: Requester, item: Item) -> bool:
        if who.is_staff:
            return True
        if who.contact is not None:
            if item.integer("contactID") == who.contact.id:
                return True
            return bool(
                self._settings.company_visibility
                and who.contact.company_id is not None
                and item.integer("companyID") == who.contact.company_id
            )
        return self._filed_for_unknown(who, item)

    def _filed_for_unknown(self, who: Requester, item: Item) -> bool:
        """A ticket the bot filed under the default company for an e-mail no contact has: the
        bot ended its description with the e-mail, and nothing a person types comes after it."""
        if self._settings.unknown_contact != "default_company" or who.email is None:
            return False
        if item.integer("companyID") != self._settings.default_company_id:
            return False
        if item.integer("contactID") is not None:
            return False
        description = (item.text("description") or "").rstrip()
        return description.casefold().endswith((REQUESTED_BY + who.email).casefold())

    def _scope(self, who: Requester) -> Filter | None:
        """The query filter for "my tickets" (the code checks each row again)."""
        if who.is_staff:
            mine: list[Filter] = []
            if who.resource is not None:
                mine.append(eq("assignedResourceID", who.resource.id))
            if who.contact is not None:
                mine.append(eq("contactID", who.contact.id))
            return any_of(*mine) if mine else None
        if who.contact is not None:
            return eq("contactID", who.contact.id)
        if (
            self._settings.unknown_contact == "default_company"
            and self._settings.default_company_id is not None
            and who.email
        ):
            return {
                "op": "and",
                "items": [
                    eq("companyID", self._settings.default_company_id),
                    cond("contains", "description", REQUESTED_BY + who.email),
                ],
            }
        return None

    def _authorized(self, ref: TicketRef, who: Requester) -> Item:
        item = self._find(ref)
        if item is None or not self._may_see(who, item):
            raise TicketNotFound(ref)
        return item

    # -- reading ----------------------------------------------------------------------------

    def _find(self, ref: TicketRef) -> Item | None:
        if ref.ticket_id is not None:
            return self._read(ref.ticket_id)
        return self._resolve_numbers([ref.value]).get(ref.value)

    def _resolve_numbers(self, numbers: Sequence[str]) -> dict[str, Item | None]:
        """Tickets by number: a number seen before is read by its id (and shares that cache)."""
        with self._numbers_lock:
            known = {number: self._number_ids.get(number) for number in numbers}
        ids = {number: ticket_id for number, ticket_id in known.items() if ticket_id is not None}
        items = self._tickets.get_many(ids.values())
        found: dict[str, Item | None] = {
            number: items[ticket_id] for number, ticket_id in ids.items()
        }
        found.update(self._by_number.get_many(n for n in numbers if n not in ids))
        return found

    def _read(self, ticket_id: int, *, fresh: bool = False) -> Item | None:
        """The ticket (shared with other readers, kept for AUTOTASK_TICKET_CACHE_SECONDS);
        ``fresh`` asks Autotask now."""
        if fresh:
            self._tickets.invalidate(ticket_id)
        return self._tickets.get(ticket_id)

    def _fetch_tickets(self, ids: Sequence[int]) -> dict[int, Item | None]:
        if len(ids) == 1:
            try:
                return {ids[0]: item_of(self._client.get(f"{TICKETS}/{ids[0]}"))}
            except Rejected as exc:
                if exc.status == 404:
                    return {ids[0]: None}
                raise
        rows = self._client.query_page(
            TICKETS, [cond("in", "id", list(ids))], include=TICKET_FIELDS
        )
        return {row.id: row for row in rows}

    def _fetch_numbers(self, numbers: Sequence[str]) -> dict[str, Item | None]:
        # The numbers matched TicketRef's strict pattern; they are only ever filter values.
        if len(numbers) == 1:
            body = query_body([eq("ticketNumber", numbers[0])], max_records=1)
            rows = items_of(self._client.request("POST", f"{TICKETS}/query", body=body))
        else:
            rows = self._client.query_page(
                TICKETS, [cond("in", "ticketNumber", list(numbers))], include=TICKET_FIELDS
            )
        found: dict[str, Item | None] = {}
        for row in rows:
            number = row.text("ticketNumber")
            if number is not None:
                found[number.upper()] = row
        with self._numbers_lock:
            if len(self._number_ids) >= NUMBERS_KEPT:
                self._number_ids.clear()
            self._number_ids.update({number: row.id for number, row in found.items() if row})
        return {number: found.get(number.upper()) for number in numbers}

    def _find_stamped(self, stamp: str) -> Item | None:
        rows = self._client.query_all(TICKETS, [eq(STAMP_FIELD, stamp)], include=TICKET_FIELDS)
        rows = [row for row in rows if row.text(STAMP_FIELD) == stamp]
        return min(rows, key=lambda row: row.id) if rows else None

    def _fetch_notes(self, ticket_id: int) -> tuple[_StoredNote, ...]:
        return self._fetch_notes_of([(ticket_id, None)])[(ticket_id, None)]

    def _fetch_notes_of(
        self, keys: Sequence[tuple[int, str | None]]
    ) -> dict[tuple[int, str | None], tuple[_StoredNote, ...]]:
        """The notes of several tickets in one query (``ticketID in [...]``)."""
        ids = sorted({ticket_id for ticket_id, _ in keys})
        which = eq("ticketID", ids[0]) if len(ids) == 1 else cond("in", "ticketID", ids)
        rows = self._client.query_all("TicketNotes", [which], include=NOTE_FIELDS)
        by_ticket: dict[int, list[Item]] = {}
        for row in rows:
            by_ticket.setdefault(row.integer("ticketID") or 0, []).append(row)
        self.directory.resources(row.integer("creatorResourceID") for row in rows)
        return {key: self._shape_notes(by_ticket.get(key[0], [])) for key in keys}

    def _shape_notes(self, rows: list[Item]) -> tuple[_StoredNote, ...]:
        notes = []
        for row in sorted(rows, key=lambda r: (r.time("createDateTime") or self._clock(), r.id)):
            title = row.text("title")
            text = row.text("description") or ""
            if title and title.startswith(NOTE_TITLE_PREFIX):
                author = title[len(NOTE_TITLE_PREFIX) :]
                body, _, signature = text.rpartition(SIGNATURE_START)
                if body and signature.endswith(SIGNATURE_END):
                    text = body
            else:
                resource = self.directory.resource(row.integer("creatorResourceID"))
                author = resource.name if resource else "Customer"
            notes.append(
                _StoredNote(
                    publish=row.integer("publish"),
                    note=Note(
                        author=author,
                        text=text,
                        created_at=row.time("createDateTime") or self._clock(),
                        title=title,
                    ),
                )
            )
        return tuple(notes)

    def _notes_for(self, item: Item) -> tuple[_StoredNote, ...]:
        stamp = item.text("lastActivityDate")
        if stamp is None:  # nothing tells whether kept notes are current
            return self._fetch_notes(item.id)
        return self._notes.get((item.id, stamp)) or ()

    def _kept_notes(self, item: Item) -> tuple[_StoredNote, ...] | None:
        """The ticket's notes if they are kept for its current state (never reads)."""
        stamp = item.text("lastActivityDate")
        return self._notes.peek((item.id, stamp)) if stamp is not None else None

    def _notes_after_write(self, item: Item) -> tuple[_StoredNote, ...]:
        """The notes to show after a write that succeeded, read now: failing to read them must
        not turn a done write into an error."""
        try:
            return self._fetch_notes(item.id)
        except TicketingError as exc:
            log.warning(
                "autotask: notes of ticket %d unreadable after a write: %s", item.id, exc.detail
            )
            return ()

    def _touched(self, item: Item, **changes: object) -> Item:
        """``item`` after the bot's own write: ``changes`` applied, active just now."""
        return Item({**item.raw, **changes, "lastActivityDate": format_time(self._clock())})

    def _prefetch_people(self, items: Iterable[Item], who: Requester) -> None:
        """Read the names a list of tickets shows in one query each (assignees; requesters for
        staff), instead of one read per ticket."""
        rows = list(items)
        self.directory.resources(row.integer("assignedResourceID") for row in rows)
        if who.is_staff:
            self.directory.contacts(row.integer("contactID") for row in rows)

    # -- writing ----------------------------------------------------------------------------

    def _new_ticket_body(self, draft: TicketDraft, who: Requester) -> dict[str, object]:
        settings = self._settings
        description = draft.description.strip()
        if who.contact is not None and who.contact.company_id is not None:
            company_id: int | None = who.contact.company_id
            contact_id: int | None = who.contact.id
        elif settings.unknown_contact == "default_company" or who.is_staff:
            company_id, contact_id = settings.default_company_id, None
            if company_id is None:
                raise RequesterUnknown(
                    f"I couldn't find {who.email} among the help desk's contacts, so I can't "
                    "file a ticket for you. Please ask your administrator to add you.",
                    detail=(
                        f"no Autotask contact for {who.email} and AUTOTASK_DEFAULT_COMPANY_ID is "
                        "not set"
                    ),
                )
            line = f"{REQUESTED_BY}{who.email}"
            description = description[: DESCRIPTION_MAX - len(line) - 2] + "\n\n" + line
        else:
            raise RequesterUnknown(
                f"I couldn't find {who.email} among the help desk's contacts, so I can't file a "
                "ticket for you. Please ask your administrator to add you as a contact.",
                detail=(
                    f"no Autotask contact for {who.email} (AUTOTASK_UNKNOWN_CONTACT=refuse; "
                    "set it to default_company to file such tickets under "
                    "AUTOTASK_DEFAULT_COMPANY_ID)"
                ),
            )
        body: dict[str, object] = {
            "title": (draft.title.strip() or "New request")[:TITLE_MAX],
            "description": description[:DESCRIPTION_MAX],
            "status": self.vocabulary.status_new().value,
            "priority": self.vocabulary.priority(draft.priority).value,
            "companyID": company_id,
            STAMP_FIELD: idempotency_stamp(draft.idempotency_key or uuid.uuid4().hex),
        }
        if contact_id is not None:
            body["contactID"] = contact_id
        body.update(self._defaults())
        hours = due_hours(settings, draft.priority)
        if hours > 0:  # no category default sets a due date: the API has no such field
            body["dueDateTime"] = format_time(self._clock() + timedelta(hours=hours))
        return body

    def _defaults(self) -> dict[str, object]:
        return {name: value for name, (value, _) in self.ticket_defaults().items()}

    def ticket_defaults(self) -> dict[str, tuple[int, str]]:
        """Ticket field -> (value, where it comes from) for the fields a create fills beyond the
        person's own: the ticket category, what its defaults fill, and the settings on top."""
        settings = self._settings
        category = self.categories.chosen()
        filled: dict[str, tuple[int, str]] = {}
        if category is not None:
            origin = f"ticket category {category.name!r}"
            filled["ticketCategory"] = (category.id, category.why)
            filled.update({name: (value, origin) for name, value in category.defaults.items()})
        configured = {
            "queueID": ("AUTOTASK_DEFAULT_QUEUE_ID", settings.default_queue_id),
            "ticketType": ("AUTOTASK_TICKET_TYPE", settings.ticket_type),
            "source": ("AUTOTASK_SOURCE", settings.source),
            "issueType": ("AUTOTASK_ISSUE_TYPE", settings.issue_type),
        }
        for name, (setting, value) in configured.items():
            if value is not None:
                filled[name] = (value, setting)
        # A sub-issue type belongs to one issue type: keep the category's only with its own.
        issue = filled.get("issueType", (None, ""))[0]
        if category is None or issue != category.defaults.get("issueType"):
            filled.pop("subIssueType", None)
        return filled

    # -- shaping ----------------------------------------------------------------------------

    def _ticket(
        self, item: Item, who: Requester, *, notes: tuple[_StoredNote, ...] | None = None
    ) -> Ticket:
        vocabulary = self.vocabulary
        status = item.integer("status")
        priority = item.integer("priority")
        stored = self._notes_for(item) if notes is None else notes
        readable = vocabulary.requester_note_publish() if stored else frozenset()
        if stored and not who.is_staff:
            stored = tuple(entry for entry in stored if entry.publish in readable)
        shown = max(0, self._settings.notes_shown)
        assignee = self.directory.resource(item.integer("assignedResourceID"))
        requester = None
        if who.contact is not None and item.integer("contactID") == who.contact.id:
            requester = who.contact.name
        elif who.is_staff:
            contact = self.directory.contact(item.integer("contactID"))
            requester = contact.name if contact else None
        return Ticket(
            id=item.id,
            number=item.text("ticketNumber") or str(item.id),
            title=item.text("title") or "",
            status=vocabulary.label(TICKETS, "status", status) or str(status),
            priority=vocabulary.label(TICKETS, "priority", priority) or str(priority),
            description=item.text("description") or "",
            created_at=item.time("createDate"),
            last_activity_at=item.time("lastActivityDate"),
            queue=vocabulary.label(TICKETS, "queueID", item.integer("queueID")),
            assignee=assignee.name if assignee else None,
            requester=requester,
            is_closed=status == vocabulary.status_complete().value,
            # Staff read every note: the ones no requester reads are marked internal.
            notes=tuple(
                replace(entry.note, internal=True) if entry.publish not in readable else entry.note
                for entry in stored[-shown:]
            )
            if shown
            else (),
            web_url=self._web_link(item.id),
        )

    def _web_link(self, ticket_id: int) -> str | None:
        web_url = self._client.zone().web_url
        if not web_url:
            return None
        return self._settings.ticket_url_template.format(web_url=web_url, id=ticket_id)
