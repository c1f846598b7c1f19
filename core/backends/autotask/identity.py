"""Who is asking: the chat user's e-mail as an Autotask contact (a requester, with a company)
or a resource (a technician: staff). Answers are cached so a warm conversation costs nothing."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.query import any_of, eq
from core.backends.parsing import Item, item_of
from core.messages import UserRef

log = logging.getLogger("ticketbot.autotask")

T = TypeVar("T")
# An e-mail no contact has is asked again sooner: the admin may be adding the contact right
# now. (Most people are no technician: that answer keeps the full time-to-live.)
NEGATIVE_CONTACT_TTL = timedelta(minutes=2)


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


class _TtlCache(Generic[T]):
    def __init__(
        self, clock: Callable[[], datetime], ttl: timedelta, negative_ttl: timedelta | None = None
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._negative_ttl = min(ttl, negative_ttl) if negative_ttl is not None else ttl
        self._lock = threading.Lock()
        self._entries: dict[object, tuple[datetime, T | None]] = {}

    def get(self, key: object) -> tuple[bool, T | None]:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return False, None
        expires, value = entry
        if self._clock() >= expires:
            return False, None
        return True, value

    def put(self, key: object, value: T | None) -> None:
        ttl = self._ttl if value is not None else self._negative_ttl
        with self._lock:
            self._entries[key] = (self._clock() + ttl, value)


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
    return Resource(id=item.id, name=_name(item) or f"Resource {item.id}", email=item.text("email"))


class Directory:
    """Contacts and resources by e-mail and by id, cached with a time-to-live."""

    def __init__(
        self,
        client: AutotaskClient,
        *,
        clock: Callable[[], datetime],
        ttl: timedelta,
        staff_emails: Iterable[str] = (),
    ) -> None:
        self._client = client
        self._contacts: _TtlCache[Contact] = _TtlCache(clock, ttl, NEGATIVE_CONTACT_TTL)
        self._resources: _TtlCache[Resource] = _TtlCache(clock, ttl)
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
        key = ("email", email)
        hit, cached = self._contacts.get(key)
        if hit:
            return cached
        rows = self._client.query_all(
            "Contacts",
            [
                any_of(
                    eq("emailAddress", email),
                    eq("emailAddress2", email),
                    eq("emailAddress3", email),
                ),
                eq("isActive", 1),
            ],
            include=(
                "id",
                "companyID",
                "firstName",
                "lastName",
                "emailAddress",
                "emailAddress2",
                "emailAddress3",
            ),
        )
        contacts = sorted((_contact(row) for row in rows), key=lambda contact: contact.id)
        if len(contacts) > 1:
            log.warning(
                "autotask: %d active contacts share one e-mail; using contact %d",
                len(contacts),
                contacts[0].id,
            )
        found = contacts[0] if contacts else None
        self._contacts.put(key, found)
        if found is not None:
            self._contacts.put(("id", found.id), found)
        return found

    def resource_by_email(self, email: str) -> Resource | None:
        key = ("email", email)
        hit, cached = self._resources.get(key)
        if hit:
            return cached
        rows = self._client.query_all(
            "Resources",
            [
                any_of(eq("email", email), eq("email2", email), eq("email3", email)),
                eq("isActive", True),
            ],
            include=("id", "firstName", "lastName", "email"),
        )
        resources = sorted((_resource(row) for row in rows), key=lambda resource: resource.id)
        found = resources[0] if resources else None
        self._resources.put(key, found)
        if found is not None:
            self._resources.put(("id", found.id), found)
        return found

    def resource(self, resource_id: int | None) -> Resource | None:
        """A technician by id (for "assigned to"), cached."""
        if resource_id is None:
            return None
        key = ("id", resource_id)
        hit, cached = self._resources.get(key)
        if hit:
            return cached
        item = item_of(self._client.get(f"Resources/{resource_id}"))
        found = _resource(item) if item is not None else None
        self._resources.put(key, found)
        return found

    def contact(self, contact_id: int | None) -> Contact | None:
        """A contact by id (for "requested by" on a technician's view), cached."""
        if contact_id is None:
            return None
        key = ("id", contact_id)
        hit, cached = self._contacts.get(key)
        if hit:
            return cached
        item = item_of(self._client.get(f"Contacts/{contact_id}"))
        found = _contact(item) if item is not None else None
        self._contacts.put(key, found)
        return found
