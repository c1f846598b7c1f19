"""Autotask's technicians working tickets from chat: :class:`AutotaskTechnicianDesk`, the
:class:`core.ports.TechnicianDesk` of Autotask.

A technician is a chat user whose e-mail is on an active resource (the directory's roster, one
cached query for everyone). Each write is sent as that resource (``ImpersonationResourceId``),
so Autotask's own history and security levels apply to them. When Autotask refuses to act as
the resource at all, the write is sent again as the API user, and a note names the technician;
a resource Autotask refused is not asked again for a while (one refused request, not one per
action).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from core.backends.autotask.client import ImpersonationRefused
from core.backends.autotask.identity import ROSTER_TTL, Requester, Resource
from core.backends.autotask.picklists import FieldInfo, PicklistValue
from core.backends.autotask.query import MAX_RECORDS, Filter, cond, eq
from core.backends.autotask.tickets import (
    NOTE_DESCRIPTION_MAX,
    NOTE_TITLE_MAX,
    NOTE_TITLE_PREFIX,
    SETTLE_SECONDS,
    SIGNATURE_END,
    SIGNATURE_START,
    TICKET_FIELDS,
    AutotaskTicketing,
    StoredNote,
)
from core.backends.autotask.vocabulary import TICKET_NOTES, TICKETS
from core.backends.coalesced import CoalescedReads
from core.backends.http import WriteOutcomeUnknown
from core.backends.parsing import Item
from core.errors import ConfigurationError, NotATechnician, TicketingError, UnknownChoice
from core.messages import UserRef
from core.ports import Technician, TicketChange
from core.settings import AutotaskSettings
from core.tickets import Note, Priority, Ticket, TicketRef

log = logging.getLogger("ticketbot.autotask")

SERVICE_DESK_ROLES = "ResourceServiceDeskRoles"
ROLE_FIELDS = ("id", "resourceID", "roleID", "isDefault", "isActive")
INTERNAL_LABEL = "Internal Only"
# Names listed at most when a person named for "assign" matches nobody.
CHOICES_SHOWN = 20
_EPOCH_TEXT = ""


class AutotaskTechnicianDesk:
    """Take, assign, status, notes and ticket lists for Autotask's technicians (implements
    :class:`core.ports.TechnicianDesk`); shares the ticketing backend's caches."""

    name = "autotask"

    def __init__(
        self,
        tickets: AutotaskTicketing,
        settings: AutotaskSettings,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
    ) -> None:
        self._tickets = tickets
        self._client = tickets.client
        self._directory = tickets.directory
        self._vocabulary = tickets.vocabulary
        self._fields = tickets.fields
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        # A resource's default service desk role, when the roster does not carry it.
        self._roles: CoalescedReads[int, int] = CoalescedReads(
            self._fetch_default_roles,
            clock=clock,
            ttl=min(timedelta(seconds=settings.identity_cache_seconds), ROSTER_TTL),
            max_batch=MAX_RECORDS,
        )
        self._refused_lock = threading.Lock()
        self._refused_until: dict[int, datetime] = {}

    # -- who --------------------------------------------------------------------------------

    def technician(self, user: UserRef) -> Technician:
        return _technician(self._acting(user)[1])

    def technicians(self, user: UserRef) -> list[Technician]:
        self._acting(user)
        found = sorted(self._directory.active_resources(), key=lambda r: (r.name.casefold(), r.id))
        return [_technician(resource) for resource in found]

    def statuses(self, user: UserRef) -> list[str]:
        self._acting(user)
        return [entry.label for entry in self._fields.picklist(TICKETS, "status").active]

    def queues(self, user: UserRef) -> list[str]:
        self._acting(user)
        return [entry.label for entry in self._fields.picklist(TICKETS, "queueID").active]

    # -- changes ----------------------------------------------------------------------------

    def ticket(self, ref: TicketRef, user: UserRef) -> Ticket:
        who, _ = self._acting(user)
        # A resource reads every note; the ones no requester reads come marked internal.
        return self._tickets.shape(self._tickets.authorized(ref, who), who)

    def take(self, ref: TicketRef, user: UserRef) -> TicketChange:
        who, me = self._acting(user)
        return self._assign(ref, who, me, me, None)

    def assign(
        self, ref: TicketRef, assignee: str, user: UserRef, *, role_id: int | None = None
    ) -> TicketChange:
        who, me = self._acting(user)
        return self._assign(ref, who, me, self._resource_named(assignee), role_id)

    def set_status(self, ref: TicketRef, status: str, user: UserRef) -> TicketChange:
        who, me = self._acting(user)
        wanted = _choose(self._fields.picklist(TICKETS, "status"), status, "status")
        item = self._tickets.authorized(ref, who)
        before = self._vocabulary.label(TICKETS, "status", item.integer("status"))
        if item.integer("status") == wanted.value:
            return TicketChange(self._tickets.shape(item, who), "status", before, wanted.label)
        kept = self._tickets.kept_notes(item)  # before the write drops them
        as_me = self._patch(item, {"status": wanted.value}, me, f"set the status to {wanted.label}")
        after = self._tickets.touched(item, status=wanted.value)
        return TicketChange(
            self._tickets.shape(after, who, notes=kept or ()),
            "status",
            before,
            wanted.label,
            as_me,
        )

    def set_priority(self, ref: TicketRef, priority: Priority, user: UserRef) -> TicketChange:
        who, me = self._acting(user)
        wanted = self._vocabulary.priority(priority)
        item = self._tickets.authorized(ref, who)
        before = self._vocabulary.label(TICKETS, "priority", item.integer("priority"))
        if item.integer("priority") == wanted.value:
            return TicketChange(self._tickets.shape(item, who), "priority", before, wanted.label)
        kept = self._tickets.kept_notes(item)  # before the write drops them
        done = f"set the priority to {wanted.label}"
        as_me = self._patch(item, {"priority": wanted.value}, me, done)
        after = self._tickets.touched(item, priority=wanted.value)
        return TicketChange(
            self._tickets.shape(after, who, notes=kept or ()),
            "priority",
            before,
            wanted.label,
            as_me,
        )

    def add_note(
        self, ref: TicketRef, text: str, user: UserRef, *, internal: bool = True
    ) -> TicketChange:
        who, me = self._acting(user)
        words = text.strip()
        if not words:
            raise TicketingError("The note is empty: add its text after the ticket number.")
        publish = self.internal_publish() if internal else self._vocabulary.note_publish()
        item = self._tickets.authorized(ref, who)
        signature = f"{SIGNATURE_START}{_label(me)}{SIGNATURE_END}"
        words = words[: NOTE_DESCRIPTION_MAX - len(signature)]
        title = (NOTE_TITLE_PREFIX + me.name)[:NOTE_TITLE_MAX]
        body = {
            "title": title,
            "description": words,
            "noteType": self._vocabulary.note_type().value,
            "publish": publish.value,
        }
        kept = self._tickets.kept_notes(item)
        path = f"{TICKETS}/{item.id}/Notes"
        try:
            # Sent as the API user, the note itself names the technician.
            as_me = self._send("POST", path, body, me, {**body, "description": words + signature})
        except WriteOutcomeUnknown as exc:
            raise exc.reworded(
                "your note",
                "it was added",
                f"In a few minutes, “ticket {_number(item)}” will show it if it was added.",
            ) from exc
        added = StoredNote(
            publish=publish.value,
            note=Note(author=me.name, text=words, created_at=self._clock(), title=title),
        )
        notes = (*kept, added) if kept is not None else None
        ticket = self._tickets.shape(self._tickets.touched(item), who, notes=notes)
        kind = "internal" if internal else "public"
        return TicketChange(ticket, "note", None, kind, as_me)

    # -- lists ------------------------------------------------------------------------------

    def mine(self, user: UserRef, limit: int = 20) -> list[Ticket]:
        who, me = self._acting(user)
        complete = self._vocabulary.status_complete().value
        rows = self._client.query_all(
            TICKETS,
            [eq("assignedResourceID", me.id), cond("noteq", "status", complete)],
            include=TICKET_FIELDS,
        )
        rows = [r for r in rows if r.integer("assignedResourceID") == me.id]
        rows.sort(key=lambda row: (row.text("createDate") or _EPOCH_TEXT, row.id), reverse=True)
        return self._tickets.shape_list(rows[: max(0, limit)], who)

    def queue(self, user: UserRef, name: str | None = None, limit: int = 20) -> list[Ticket]:
        who, _ = self._acting(user)
        complete = self._vocabulary.status_complete().value
        filters: list[Filter] = [
            cond("notExist", "assignedResourceID"),
            cond("noteq", "status", complete),
        ]
        queue_id: int | None = None
        if name is not None and name.strip():
            queue_id = _choose(self._fields.picklist(TICKETS, "queueID"), name, "queue").value
            filters.append(eq("queueID", queue_id))
        rows = self._client.query_all(TICKETS, filters, include=TICKET_FIELDS)
        rows = [
            row
            for row in rows
            if row.integer("assignedResourceID") is None
            and (queue_id is None or row.integer("queueID") == queue_id)
        ]
        rows.sort(key=lambda row: (row.text("createDate") or _EPOCH_TEXT, row.id))
        return self._tickets.shape_list(rows[: max(0, limit)], who)

    # -- the internal note value ------------------------------------------------------------

    def internal_publish(self) -> PicklistValue:
        """The note ``publish`` value no requester reads: AUTOTASK_INTERNAL_NOTE_PUBLISH, else
        the label "Internal Only", else the one active label with the word "internal"."""
        field = self._fields.picklist(TICKET_NOTES, "publish")
        setting = "AUTOTASK_INTERNAL_NOTE_PUBLISH"
        configured = self._settings.internal_note_publish
        if configured is not None:
            chosen = field.resolve(str(configured), setting=setting)
        else:
            exact = [e for e in field.active if e.label.strip().casefold() == "internal only"]
            near = [e for e in field.active if re.search(r"\binternal\b", e.label, re.IGNORECASE)]
            if not exact and len(near) != 1:
                choices = ", ".join(f"{e.label!r} ({e.value})" for e in field.active) or "none"
                raise ConfigurationError(
                    f"Autotask's note publish picklist has no single internal value: set "
                    f"{setting} to one of {choices}."
                )
            chosen = exact[0] if exact else near[0]
        if chosen.value in self._vocabulary.requester_note_publish():
            raise ConfigurationError(
                f"The internal note publish value {chosen.label!r} ({chosen.value}) is one "
                f"requesters may read (AUTOTASK_REQUESTER_NOTE_PUBLISH / AUTOTASK_NOTE_PUBLISH): "
                f"set {setting} to a value they cannot."
            )
        return chosen

    # -- internals --------------------------------------------------------------------------

    def _acting(self, user: UserRef) -> tuple[Requester, Resource]:
        """The acting technician, refused before any ticket is read."""
        email = (user.email or "").strip()
        if not email:
            raise NotATechnician(f"{user.platform}:{user.user_id} has no e-mail address")
        who = self._directory.identify(user)
        if who.resource is None:
            raise NotATechnician(f"{email} is not the e-mail of an active Autotask resource")
        return who, who.resource

    def _assign(
        self,
        ref: TicketRef,
        who: Requester,
        me: Resource,
        target: Resource,
        role_id: int | None,
    ) -> TicketChange:
        item = self._tickets.authorized(ref, who)
        current = item.integer("assignedResourceID")
        before = self._resource_name(current)
        if current == target.id and role_id is None:
            return TicketChange(self._tickets.shape(item, who), "assignee", before, target.name)
        role = role_id if role_id is not None else self._default_role(target)
        changes = {"assignedResourceID": target.id, "assignedResourceRoleID": role}
        kept = self._tickets.kept_notes(item)  # before the write drops them
        as_me = self._patch(item, changes, me, f"assigned the ticket to {target.name}")
        after = self._tickets.touched(item, **changes)
        return TicketChange(
            self._tickets.shape(after, who, notes=kept or ()),
            "assignee",
            before,
            target.name,
            as_me,
        )

    def _resource_name(self, resource_id: int | None) -> str | None:
        resource = self._directory.resource(resource_id)
        return resource.name if resource else None

    def _resource_named(self, wanted: str) -> Resource:
        """An active resource by id, e-mail or name (a unique start of a name will do)."""
        text = wanted.strip().lstrip("@")
        roster = self._directory.active_resources()
        if not text:
            found = []  # nobody named: the choices, never the only technician by default
        elif text.isdigit():
            found = [r for r in roster if r.id == int(text)]
        elif "@" in text:
            resource = self._directory.resource_by_email(text)
            found = [resource] if resource is not None else []
        else:
            folded = " ".join(text.casefold().split())
            found = [r for r in roster if r.name.casefold() == folded]
            if not found:
                found = [
                    r
                    for r in roster
                    if any(word.startswith(folded) for word in (r.name.casefold(), *_words(r.name)))
                ]
        if len(found) == 1:
            return found[0]
        names = sorted({r.name for r in (found or roster)}, key=str.casefold)[:CHOICES_SHOWN]
        raise UnknownChoice("technician", wanted, names, several=len(found) > 1)

    def _default_role(self, resource: Resource) -> int:
        if resource.default_role_id is not None:
            return resource.default_role_id
        role = self._roles.get(resource.id)
        if role is None:
            raise TicketingError(
                f"{resource.name} has no active service desk role in Autotask, so tickets can't "
                "be assigned to them; an administrator can add one to their resource.",
                detail=f"resource {resource.id} has no active ResourceServiceDeskRoles row",
            )
        return role

    def _fetch_default_roles(self, resource_ids: Sequence[int]) -> dict[int, int | None]:
        which = (
            eq("resourceID", resource_ids[0])
            if len(resource_ids) == 1
            else cond("in", "resourceID", list(resource_ids))
        )
        rows = self._client.query_all(
            SERVICE_DESK_ROLES, [which, eq("isActive", True)], include=ROLE_FIELDS
        )
        found: dict[int, int | None] = {}
        for resource_id in resource_ids:
            mine = sorted(
                (row for row in rows if row.integer("resourceID") == resource_id),
                key=lambda row: (row.get("isDefault") is not True, row.id),
            )
            found[resource_id] = mine[0].integer("roleID") if mine else None
        return found

    def _patch(self, item: Item, changes: Mapping[str, Any], me: Resource, done: str) -> bool:
        """PATCH ``changes`` as ``me``; an unknown outcome is settled by reading the ticket
        back. Returns whether Autotask recorded ``me`` as the author."""
        body = {"id": item.id, **changes}
        try:
            as_me = self._send("PATCH", TICKETS, body, me, body)
        except WriteOutcomeUnknown:
            self._sleep(SETTLE_SECONDS)
            again = self._tickets.read_fresh(item.id)
            if again is None or any(again.get(k) != v for k, v in changes.items()):
                raise
            return not self._refused_recently(me.id)
        if not as_me:
            self._name_in_note(item, me, done)
        return as_me

    def _send(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any],
        me: Resource,
        fallback: Mapping[str, Any],
    ) -> bool:
        """Send as ``me``; when Autotask refuses to impersonate them, send ``fallback`` as the
        API user. Returns whether it was sent as ``me``."""
        if not self._refused_recently(me.id):
            try:
                self._client.request(method, path, body=body, impersonate=me.id)
                return True
            except ImpersonationRefused as exc:
                log.warning("autotask: %s; sending as the API user", exc.detail)
                with self._refused_lock:
                    self._refused_until[me.id] = self._clock() + ROSTER_TTL
        self._client.request(method, path, body=fallback)
        return False

    def _refused_recently(self, resource_id: int) -> bool:
        with self._refused_lock:
            until = self._refused_until.get(resource_id)
            return until is not None and self._clock() < until

    def _name_in_note(self, item: Item, me: Resource, done: str) -> None:
        """After a change made as the API user, an internal note says which technician made
        it (Autotask's history shows only the API user)."""
        try:
            body = {
                "title": (NOTE_TITLE_PREFIX + me.name)[:NOTE_TITLE_MAX],
                "description": f"{me.name} {done} from chat."
                f"{SIGNATURE_START}{_label(me)}{SIGNATURE_END}",
                "noteType": self._vocabulary.note_type().value,
                "publish": self.internal_publish().value,
            }
            self._client.request("POST", f"{TICKETS}/{item.id}/Notes", body=body)
        except TicketingError as exc:
            log.warning(
                "autotask: could not name the technician on ticket %d: %s", item.id, exc.detail
            )


def _choose(field: FieldInfo, wanted: str, what: str) -> PicklistValue:
    """The active value of ``field`` labelled ``wanted``, else :class:`UnknownChoice`."""
    try:
        return field.resolve(wanted, setting="-")
    except ConfigurationError:
        raise UnknownChoice(what, wanted.strip(), [e.label for e in field.active]) from None


def _technician(resource: Resource) -> Technician:
    return Technician(id=str(resource.id), name=resource.name, email=resource.email)


def _label(resource: Resource) -> str:
    return f"{resource.name} <{resource.email}>" if resource.email else resource.name


def _words(name: str) -> list[str]:
    return name.casefold().split()


def _number(item: Item) -> str:
    return item.text("ticketNumber") or str(item.id)
