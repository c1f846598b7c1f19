"""Which conversation a ticket belongs to: a :class:`TicketingSystem` wrapper that tells the
tracker about every ticket a person creates, reads or changes through the bot, in the
conversation the current event came from."""

from __future__ import annotations

import logging

from core.context import current
from core.messages import UserRef
from core.ports import TicketingSystem
from core.tickets import Priority, Ticket, TicketDraft, TicketRef
from core.updates.model import TicketTracker

log = logging.getLogger("ticketbot.updates")


class TrackingTicketing:
    """Passes every call to ``inner``; a ticket it returns is tracked in the event's
    conversation (outside an event, e.g. App Home, nothing is tracked)."""

    def __init__(self, inner: TicketingSystem, tracker: TicketTracker) -> None:
        self.inner = inner
        self.tracker = tracker
        self.name = inner.name

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        return self._track(self.inner.create(draft, requester), requester)

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        return self._track(self.inner.get(ref, requester), requester)

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        return self.inner.list_open(requester, limit)

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        return self._track(self.inner.add_note(ref, text, requester), requester)

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        return self._track(self.inner.close(ref, requester), requester)

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        return self._track(self.inner.reopen(ref, reason, requester), requester)

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        return self._track(self.inner.set_priority(ref, priority, requester), requester)

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        self.inner.attach(ref, name, content_type, data, requester)

    def check_ready(self) -> None:
        self.inner.check_ready()

    def _track(self, ticket: Ticket, requester: UserRef) -> Ticket:
        context = current()
        event = context.event if context is not None else None
        if event is not None and event.user == requester:
            self.tracker.track(ticket, event.conversation, requester)
        return ticket
