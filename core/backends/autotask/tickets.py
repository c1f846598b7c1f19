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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.backends.autotask.client import AutotaskClient, AutotaskRejected, WriteOutcomeUnknown
from core.backends.autotask.identity import Directory, Requester
from core.backends.autotask.picklists import EntityFields
from core.backends.autotask.query import Filter, any_of, cond, eq, query_body
from core.backends.autotask.vocabulary import TICKETS, TicketVocabulary
from core.backends.parsing import Item, format_time, item_of, items_of
from core.errors import BackendUnavailable, RequesterUnknown, TicketNotFound
from core.messages import UserRef
from core.settings import AutotaskSettings
from core.tickets import Note, Priority, Ticket, TicketDraft, TicketRef

log = logging.getLogger("ticketbot.autotask")

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
READY_FRESH = timedelta(minutes=1)

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
        self.directory = Directory(
            client,
            clock=clock,
            ttl=timedelta(seconds=settings.identity_cache_seconds),
            staff_emails=staff_emails,
        )
        self._notes_lock = threading.Lock()
        # ticket id -> (its lastActivityDate when read, all its notes): a warm status check of an
        # unchanged ticket reads only the ticket.
        self._notes: dict[int, tuple[str | None, tuple[_StoredNote, ...]]] = {}

    @property
    def client(self) -> AutotaskClient:
        return self._client

    # -- the port ---------------------------------------------------------------------------

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        who = self._identify(requester)
        body = self._new_ticket_body(draft, who)
        stamp = str(body[STAMP_FIELD])
        if draft.idempotency_key:
            existing = self._find_stamped(stamp)
            if existing is not None:
                log.info("autotask create: draft already filed as ticket %d", existing.id)
                return self._ticket(existing, who)
        for attempt in range(CREATE_ATTEMPTS):
            try:
                answer = Item(self._client.request("POST", TICKETS, body=body))
            except WriteOutcomeUnknown as exc:
                log.warning("autotask create: outcome unknown (%s); looking for it", exc.detail)
                self._sleep(SETTLE_SECONDS)
                found = self._find_stamped(stamp)
                if found is not None:
                    return self._created(found, who)
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                continue  # it was not filed: sending it again cannot make a second one
            item_id = answer.integer("itemId")
            if item_id is None:
                raise BackendUnavailable(f"Autotask POST Tickets answered without itemId: {answer}")
            item = self._read(item_id)
            if item is None:
                raise BackendUnavailable(f"Autotask created ticket {item_id} but cannot read it")
            return self._created(item, who)
        raise AssertionError("unreachable")

    def _created(self, item: Item, who: Requester) -> Ticket:
        with self._notes_lock:  # a new ticket has no notes yet: its first status check is warm
            self._notes[item.id] = (item.text("lastActivityDate"), ())
        return self._ticket(item, who, notes=())

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        who = self._known(requester)
        item = self._authorized(ref, who)
        return self._ticket(item, who)

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
        return [self._ticket(row, who, notes=()) for row in visible[: max(0, limit)]]

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
        try:
            self._client.request("POST", path, body=body)
        except WriteOutcomeUnknown:
            self._sleep(SETTLE_SECONDS)
            notes = self._fetch_notes(item.id)
            if not any(n.note.text == words and n.note.title == title for n in notes):
                raise
        finally:
            self._forget_notes(item.id)
        fresh = self._read(item.id) or item
        return self._ticket(fresh, who)

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        who = self._known(requester)
        item = self._authorized(ref, who)
        complete = self.vocabulary.status_complete().value
        if item.integer("status") != complete:
            try:
                self._client.request("PATCH", TICKETS, body={"id": item.id, "status": complete})
            except WriteOutcomeUnknown:
                self._sleep(SETTLE_SECONDS)
                again = self._read(item.id)
                if again is None or again.integer("status") != complete:
                    raise
            item = self._read(item.id) or item
        return self._ticket(item, who)

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
        """Cheap enough for a readiness probe: a recent good answer counts, else one request.
        (Probes every few seconds would otherwise spend the tenant's shared hourly budget.)"""
        if self._client.answered_within(READY_FRESH):
            return
        self._client.zone()
        self._client.threshold()

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
        # ref.value matched TicketRef's strict pattern; it is only ever a filter value.
        body = query_body([eq("ticketNumber", ref.value)], max_records=1)
        rows = items_of(self._client.request("POST", f"{TICKETS}/query", body=body))
        return rows[0] if rows else None

    def _read(self, ticket_id: int) -> Item | None:
        try:
            return item_of(self._client.get(f"{TICKETS}/{ticket_id}"))
        except AutotaskRejected as exc:
            if exc.status == 404:
                return None
            raise

    def _find_stamped(self, stamp: str) -> Item | None:
        rows = self._client.query_all(TICKETS, [eq(STAMP_FIELD, stamp)], include=TICKET_FIELDS)
        rows = [row for row in rows if row.text(STAMP_FIELD) == stamp]
        return min(rows, key=lambda row: row.id) if rows else None

    def _fetch_notes(self, ticket_id: int) -> tuple[_StoredNote, ...]:
        rows = self._client.query_all(
            "TicketNotes", [eq("ticketID", ticket_id)], include=NOTE_FIELDS
        )
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
        with self._notes_lock:
            cached = self._notes.get(item.id)
        if cached is not None and stamp is not None and cached[0] == stamp:
            return cached[1]
        notes = self._fetch_notes(item.id)
        with self._notes_lock:
            self._notes[item.id] = (stamp, notes)
        return notes

    def _forget_notes(self, ticket_id: int) -> None:
        with self._notes_lock:
            self._notes.pop(ticket_id, None)

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
        optional = {
            "queueID": settings.default_queue_id,
            "ticketType": settings.ticket_type,
            "source": settings.source,
            "issueType": settings.issue_type,
        }
        body.update({name: value for name, value in optional.items() if value is not None})
        if settings.due_hours is not None:
            body["dueDateTime"] = format_time(self._clock() + timedelta(hours=settings.due_hours))
        return body

    # -- shaping ----------------------------------------------------------------------------

    def _ticket(
        self, item: Item, who: Requester, *, notes: tuple[_StoredNote, ...] | None = None
    ) -> Ticket:
        vocabulary = self.vocabulary
        status = item.integer("status")
        priority = item.integer("priority")
        stored = self._notes_for(item) if notes is None else notes
        if stored and not who.is_staff:
            readable = vocabulary.requester_note_publish()
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
            notes=tuple(entry.note for entry in stored[-shown:]) if shown else (),
            web_url=self._web_link(item.id),
        )

    def _web_link(self, ticket_id: int) -> str | None:
        web_url = self._client.zone().web_url
        if not web_url:
            return None
        return self._settings.ticket_url_template.format(web_url=web_url, id=ticket_id)
