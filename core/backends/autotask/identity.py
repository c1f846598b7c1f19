"""Who is asking: the chat user's e-mail as an Autotask contact (a requester, with a company)
or a resource (a technician: staff). Answers are cached so a warm conversation costs nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.query import MAX_RECORDS, any_of, cond, eq
from core.backends.coalesced import CoalescedReads
from core.backends.parsing import Item, item_of
from core.messages import UserRef

log = logging.getLogger("ticketbot.autotask")

T = TypeVar("T")
# An e-mail no contact has is asked again sooner: the admin may be adding the contact right
# now. (A found contact keeps AUTOTASK_IDENTITY_CACHE_SECONDS.)
NEGATIVE_CONTACT_TTL = timedelta(minutes=2)
# The technicians are re-read at least this often, for everyone at once: one query.
ROSTER_TTL = timedelta(minutes=15)
ROSTER = "active"
# E-mails asked together in one Contacts query (three `in` lists of this many).
EMAILS_PER_QUERY = 100
CONTACT_EMAIL_FIELDS = ("emailAddress", "emailAddress2", "emailAddress3")
CONTACT_FIELDS = ("id", "companyID", "firstName", "lastName", *CONTACT_EMAIL_FIELDS)
RESOURCE_EMAIL_FIELDS = ("email", "email2", "email3")
RESOURCE_FIELDS = (
    "id",
    "firstName",
    "lastName",
    *RESOURCE_EMAIL_FIELDS,
    "defaultServiceDeskRoleID",
)


@dataclass(frozen=True)
class Contact:
    id: int
    company_id: int | None
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Resource:
    id: int
    name: str
    email: str | None = None
    default_role_id: int | None = None  # its default service desk role (for assigning)


@dataclass(frozen=True)
class Requester:
    """The person behind a chat message, as Autotask knows them."""

    email: str | None
    display_name: str
    contact: Contact | None = None
    resource: Resource | None = None
    is_staff: bool = False

    @property
    def label(self) -> str:
        if self.display_name and self.email:
            return f"{self.display_name} <{self.email}>"
        return self.display_name or self.email or "someone"


def _name(item: Item) -> str:
    parts = [item.text("firstName") or "", item.text("lastName") or ""]
    return " ".join(part.strip() for part in parts if part.strip())


def _contact(item: Item) -> Contact:
    return Contact(
        id=item.id,
        company_id=item.integer("companyID"),
        name=_name(item) or f"Contact {item.id}",
        email=item.text("emailAddress"),
    )


def _resource(item: Item) -> Resource:
    return Resource(
        id=item.id,
        name=_name(item) or f"Resource {item.id}",
        email=item.text("email"),
        default_role_id=item.integer("defaultServiceDeskRoleID"),
    )


class Directory:
    """Contacts and resources by e-mail and by id, cached with a time-to-live.

    Lookups are shared: the same e-mail asked by several threads at once is one query, and the
    e-mails asked while a query is in flight go out together in the next one. Technicians come
    from one roster query of the active resources, so telling staff from requesters costs no
    request per person."""

    def __init__(
        self,
        client: AutotaskClient,
        *,
        clock: Callable[[], datetime],
        ttl: timedelta,
        staff_emails: Iterable[str] = (),
        parallel: int = 1,
    ) -> None:
        self._client = client
        self._by_email: CoalescedReads[str, Contact] = CoalescedReads(
            self._fetch_contacts_by_email,
            clock=clock,
            ttl=ttl,
            negative_ttl=NEGATIVE_CONTACT_TTL,
            max_batch=EMAILS_PER_QUERY,
            parallel=parallel,
        )
        self._roster: CoalescedReads[str, _Roster] = CoalescedReads(
            lambda _: {ROSTER: self._fetch_roster()}, clock=clock, ttl=min(ttl, ROSTER_TTL)
        )

        def by_id(
            entity: str, include: tuple[str, ...], shape: Callable[[Item], T]
        ) -> CoalescedReads[int, T]:
            return CoalescedReads(
                lambda ids: self._fetch_by_id(entity, ids, include, shape),
                clock=clock,
                ttl=ttl,
                max_batch=MAX_RECORDS,
                parallel=parallel,
            )

        self._contacts = by_id("Contacts", CONTACT_FIELDS, _contact)
        self._resources = by_id("Resources", RESOURCE_FIELDS, _resource)
        self._staff = {email.strip().casefold() for email in staff_emails if email.strip()}

    def identify(self, user: UserRef) -> Requester:
        email = (user.email or "").strip().casefold() or None
        if email is None:
            return Requester(email=None, display_name=user.display_name)
        contact = self.contact_by_email(email)
        resource = self.resource_by_email(email)
        return Requester(
            email=email,
            display_name=user.display_name or (contact.name if contact else ""),
            contact=contact,
            resource=resource,
            is_staff=resource is not None or email in self._staff,
        )

    def contact_by_email(self, email: str) -> Contact | None:
        """The active contact with ``email`` in any of its three addresses (the lowest id when
        several share it)."""
        return self._by_email.get(email.strip().casefold())

    def resource_by_email(self, email: str) -> Resource | None:
        """The active resource (technician) with ``email`` in any of its three addresses."""
        return self._roster_now().by_email.get(email.strip().casefold())

    def active_resources(self) -> list[Resource]:
        """Every active resource (the technicians), by id: the cached roster."""
        return list(self._roster_now().by_id.values())

    def resource(self, resource_id: int | None) -> Resource | None:
        """A technician by id (for "assigned to"), from the roster or, for one who left, read
        once and cached."""
        if resource_id is None:
            return None
        return self.resources([resource_id]).get(resource_id)

    def resources(self, resource_ids: Iterable[int | None]) -> dict[int, Resource | None]:
        """Technicians by id: the roster's, and the others read together in one query."""
        wanted = {value for value in resource_ids if value is not None}
        roster = self._roster_now().by_id
        found: dict[int, Resource | None] = {key: roster[key] for key in wanted if key in roster}
        found.update(self._resources.get_many(sorted(wanted - found.keys())))
        return found

    def contact(self, contact_id: int | None) -> Contact | None:
        """A contact by id (for "requested by" on a technician's view), cached."""
        if contact_id is None:
            return None
        return self._contacts.get(contact_id)

    def contacts(self, contact_ids: Iterable[int | None]) -> dict[int, Contact | None]:
        """Contacts by id, the ones not cached read together in one query."""
        return self._contacts.get_many(sorted({v for v in contact_ids if v is not None}))

    # -- reading ----------------------------------------------------------------------------

    def _fetch_contacts_by_email(self, emails: Sequence[str]) -> dict[str, Contact | None]:
        if len(emails) == 1:
            addresses = [eq(name, emails[0]) for name in CONTACT_EMAIL_FIELDS]
        else:
            addresses = [cond("in", name, list(emails)) for name in CONTACT_EMAIL_FIELDS]
        rows = self._client.query_all(
            "Contacts", [any_of(*addresses), eq("isActive", 1)], include=CONTACT_FIELDS
        )
        found: dict[str, Contact | None] = {}
        for email in emails:
            matching = sorted(
                (_contact(row) for row in rows if email in _addresses(row, CONTACT_EMAIL_FIELDS)),
                key=lambda contact: contact.id,
            )
            if len(matching) > 1:
                log.warning(
                    "autotask: %d active contacts share one e-mail; using contact %d",
                    len(matching),
                    matching[0].id,
                )
            found[email] = matching[0] if matching else None
            if matching:
                self._contacts.put(matching[0].id, matching[0])
        return found

    def _fetch_roster(self) -> _Roster:
        rows = self._client.query_all("Resources", [eq("isActive", True)], include=RESOURCE_FIELDS)
        roster = _Roster()
        for row in sorted(rows, key=lambda item: item.id):
            resource = _resource(row)
            roster.by_id[resource.id] = resource
            for email in _addresses(row, RESOURCE_EMAIL_FIELDS):
                roster.by_email.setdefault(email, resource)
        return roster

    def _roster_now(self) -> _Roster:
        return self._roster.get(ROSTER) or _Roster()

    def _fetch_by_id(
        self,
        entity: str,
        ids: Sequence[int],
        include: tuple[str, ...],
        shape: Callable[[Item], T],
    ) -> dict[int, T | None]:
        if len(ids) == 1:
            item = item_of(self._client.get(f"{entity}/{ids[0]}"))
            return {ids[0]: shape(item) if item is not None else None}
        rows = self._client.query_page(entity, [cond("in", "id", list(ids))], include=include)
        return {row.id: shape(row) for row in rows}


@dataclass
class _Roster:
    """The active resources, by id and by each of their e-mail addresses (folded)."""

    by_id: dict[int, Resource] = field(default_factory=dict)
    by_email: dict[str, Resource] = field(default_factory=dict)


def _addresses(item: Item, names: tuple[str, ...]) -> set[str]:
    return {text.strip().casefold() for name in names if (text := item.text(name))}
