"""Turning "ticket touched" signals into queued messages, and queued messages into sends."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from core.backoff import backoff
from core.messages import ConversationRef, Reply, UserRef
from core.tickets import STATUS_NEW, Ticket
from core.updates.detect import detect
from core.updates.model import (
    DeliveryResult,
    FeedNote,
    Outgoing,
    Snapshot,
    TicketFeed,
    TicketState,
    TicketTouched,
    Tracked,
)
from core.updates.wording import compose
from core.wire import reply_from_json, reply_to_json

log = logging.getLogger("ticketbot.updates")

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


class UpdateStore(Protocol):
    """What :class:`UpdateService` keeps (``storage.updates.SqlUpdateStore``)."""

    def track(
        self,
        backend: str,
        ticket_id: int,
        conversation: ConversationRef,
        *,
        user_id: str,
        user_email: str,
        snapshot: Snapshot,
        now: datetime,
    ) -> None: ...

    def tracked(self, backend: str, ticket_id: int) -> list[Tracked]: ...

    def set_muted(self, backend: str, ticket_id: int, user_email: str, muted: bool) -> bool: ...

    def record_signal(self, touched: TicketTouched, now: datetime) -> bool: ...

    def due_tickets(
        self, backend: str, now: datetime, *, quiet: timedelta, max_wait: timedelta
    ) -> list[int]: ...

    def mark_processed(self, backend: str, ticket_id: int, now: datetime) -> None: ...

    def save(
        self,
        tracking_id: int,
        snapshot: Snapshot,
        now: datetime,
        *,
        message: tuple[str, str] | None = None,
    ) -> bool: ...

    def due_messages(
        self,
        now: datetime,
        platforms: Collection[str],
        limit: int = 100,
        *,
        accepts: Callable[[Tracked], bool] | None = None,
    ) -> list[Outgoing]: ...

    def put_state(self, name: str, value: str, now: datetime) -> None: ...

    def finish(
        self,
        outbox_id: int,
        status: str,
        now: datetime,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None: ...


class FactStore(Protocol):
    """Service facts for the report, ratings and reopenings included
    (``storage.updates.SqlTicketFacts``)."""

    def observe(
        self,
        backend: str,
        ticket_id: int,
        *,
        company: str,
        created_at: datetime | None,
        responded_at: datetime | None = None,
        resolved_at: datetime | None = None,
    ) -> None: ...

    def rate(
        self,
        backend: str,
        ticket_id: int,
        now: datetime,
        *,
        rating: int | None = None,
        comment: str | None = None,
    ) -> None: ...

    def reopened(self, backend: str, ticket_id: int) -> None: ...


def person_key(user: UserRef) -> str:
    """Who a tracking row is for: the e-mail, else ``platform:user_id`` (as the local desk
    names a requester without an e-mail)."""
    if user.email and user.email.strip():
        return user.email.strip().casefold()
    return f"{user.platform}:{user.user_id}".casefold()


class StoreTracker:
    """The :class:`~core.updates.model.TicketTracker` the conversation side calls."""

    def __init__(
        self,
        store: UpdateStore,
        backend: str,
        clock: Callable[[], datetime],
        *,
        facts: FactStore | None = None,
    ) -> None:
        self._store = store
        self._backend = backend
        self._clock = clock
        self._facts = facts

    def track(self, ticket: Ticket, conversation: ConversationRef, user: UserRef) -> None:
        try:
            self._store.track(
                self._backend,
                ticket.id,
                conversation,
                user_id=user.user_id,
                user_email=person_key(user),
                snapshot=Snapshot.of(ticket),
                now=self._clock(),
            )
            if self._facts is not None:
                # The local desk's companies are e-mail domains; a PSA's come with the ticket.
                domain = (user.email or "").rpartition("@")[2] if self._backend == "local" else ""
                self._facts.observe(
                    self._backend, ticket.id, company=domain, created_at=ticket.created_at
                )
        except Exception:
            # Following a ticket is a bonus: the person's own request must not fail for it.
            log.exception("ticket not tracked ticket=%s", ticket.id)


class UpdateService:
    """Signals in, messages queued: reads each touched ticket once per batch, compares it
    with what each follower last saw, and queues one message per follower with changes."""

    def __init__(
        self,
        store: UpdateStore,
        feed: TicketFeed,
        clock: Callable[[], datetime],
        *,
        coalesce: timedelta = timedelta(seconds=60),
        invalidate: Callable[[int], None] | None = None,
        facts: FactStore | None = None,
    ) -> None:
        self.store = store
        self.facts = facts
        self.feed = feed
        self.clock = clock
        self.max_wait = coalesce
        self.quiet = coalesce / 4
        self._invalidate = invalidate
        # Told the id of every ticket with a fresh signal (the triage board's ``changed``).
        self.on_change: list[Callable[[int], None]] = []

    def touched(self, signal: TicketTouched) -> bool:
        """Store ``signal`` for the next batch; False for a redelivery."""
        fresh = self.store.record_signal(signal, self.clock())
        if fresh and self._invalidate is not None:
            try:
                self._invalidate(signal.ticket_id)
            except Exception:
                log.exception("ticket cache not invalidated ticket=%s", signal.ticket_id)
        for hook in self.on_change if fresh else ():
            try:
                hook(signal.ticket_id)
            except Exception:
                log.exception("ticket change not passed on ticket=%s", signal.ticket_id)
        return fresh

    def process_due(self) -> int:
        """Handle every ticket whose signals are due; the number of messages queued."""
        now = self.clock()
        queued = 0
        for ticket_id in self.store.due_tickets(
            self.feed.backend, now, quiet=self.quiet, max_wait=self.max_wait
        ):
            try:
                queued += self.process_ticket(ticket_id, now)
            except Exception:
                # Left unprocessed: the next round tries again.
                log.exception("update not processed ticket=%s", ticket_id)
                continue
            self.store.mark_processed(self.feed.backend, ticket_id, now)
        return queued

    def process_ticket(self, ticket_id: int, now: datetime) -> int:
        followers = self.store.tracked(self.feed.backend, ticket_id)
        if not followers:
            return 0
        state = self.feed.state(ticket_id)
        if state is None:
            log.info("tracked ticket is gone ticket=%s", ticket_id)
            return 0
        since = min(
            (f.snapshot.notes_until for f in followers if f.snapshot.notes_until is not None),
            default=None,
        )
        if any(f.snapshot.notes_until is None for f in followers):
            since = None
        notes = self.feed.notes_since(ticket_id, since)
        self._observe(state, notes)
        requester = (state.requester_email or "").strip().casefold()
        queued = 0
        for follower in followers:
            if not requester or follower.user_email != requester:
                # Only the ticket's own requester hears about it (a technician who looked at it
                # from the chat, or a ticket moved to another contact, gets nothing).
                log.info(
                    "update not sent: not the requester ticket=%s tracking=%s",
                    ticket_id,
                    follower.tracking_id,
                )
                continue
            changes, after = detect(follower.snapshot, state, notes)
            if not changes or follower.muted:
                self.store.save(follower.tracking_id, after, now)
                continue
            reply = compose(state.ticket, changes)
            fingerprint = hashlib.sha256(
                "|".join(f"{c.kind}:{c.text}:{c.at}" for c in changes).encode()
            ).hexdigest()[:24]
            key = f"{self.feed.backend}:{ticket_id}:{follower.tracking_id}:{fingerprint}"
            message = (key, reply_to_json(reply))
            if self.store.save(follower.tracking_id, after, now, message=message):
                queued += 1
        return queued

    def _observe(self, state: TicketState, notes: list[FeedNote]) -> None:
        if self.facts is None:
            return
        ticket = state.ticket
        staff_notes = [n.created_at for n in notes if n.public and not n.by_requester]
        touched = bool(ticket.assignee) or ticket.status != STATUS_NEW or bool(staff_notes)
        try:
            self.facts.observe(
                self.feed.backend,
                ticket.id,
                company=state.company,
                created_at=ticket.created_at,
                responded_at=min(staff_notes, default=ticket.last_activity_at) if touched else None,
                resolved_at=ticket.last_activity_at if ticket.is_closed else None,
            )
        except Exception:
            log.exception("ticket facts not kept ticket=%s", ticket.id)


class UpdateSender(Protocol):
    """Posts a message into a stored conversation (Slack, Teams, the terminal)."""

    platform: str

    async def send(self, tracked: Tracked, reply: Reply) -> tuple[DeliveryResult, str]:
        """Post ``reply`` into ``tracked.conversation``: ("sent", ""), ("retry", why) for a
        failure worth retrying, or ("gone", why) when the person left or blocked the bot."""
        ...


def retry_delay(attempts: int) -> timedelta:
    """Backoff after ``attempts`` failed sends: 30 s, 1 min, 2 min … at most an hour."""
    return backoff(attempts, first=FIRST_RETRY, longest=LONGEST_RETRY)


class Dispatcher:
    """Sends what the outbox holds through the platform senders, recording each outcome."""

    def __init__(
        self,
        store: UpdateStore,
        senders: Mapping[str, UpdateSender],
        clock: Callable[[], datetime],
        *,
        accepts: Callable[[Tracked], bool] | None = None,
        bind: Callable[[Tracked, Reply], None] | None = None,
    ) -> None:
        self.store = store
        self.senders = dict(senders)
        self.clock = clock
        self._accepts = accepts
        self._bind = bind  # after a send: the conversation is about that ticket now

    async def deliver_due(self) -> int:
        """Send every due message once; the number sent."""
        if not self.senders:
            return 0
        due = await asyncio.to_thread(
            lambda: self.store.due_messages(
                self.clock(), tuple(self.senders), accepts=self._accepts
            )
        )
        sent = 0
        for message in due:
            sent += await self._deliver(message)
        return sent

    async def _deliver(self, message: Outgoing) -> int:
        tracked = message.tracked
        sender = self.senders[tracked.conversation.platform]
        if tracked.muted:
            await self._finish(message, "failed", "muted before it was sent")
            return 0
        reply = reply_from_json(message.reply_json)
        try:
            result, why = await sender.send(tracked, reply)
        except Exception as exc:
            log.exception("update send crashed key=%s", message.key)
            result, why = "retry", type(exc).__name__
        if result == "sent":
            log.info("update sent key=%s platform=%s", message.key, sender.platform)
            await self._finish(message, "sent", None)
            if self._bind is not None:
                await asyncio.to_thread(self._bind, tracked, reply)
            return 1
        if result == "gone":
            log.warning(
                "update not sent, the person left or blocked the bot key=%s: %s", message.key, why
            )
            await self._finish(message, "gone", why)
            return 0
        attempts = message.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.error("update given up after %d attempts key=%s: %s", attempts, message.key, why)
            await self._finish(message, "failed", why)
            return 0
        delay = retry_delay(attempts)
        log.warning(
            "update send failed key=%s attempt=%d, retry in %ds: %s",
            message.key,
            attempts,
            delay.total_seconds(),
            why,
        )
        await self._finish(message, "pending", why, retry_at=self.clock() + delay)
        return 0

    async def _finish(
        self, message: Outgoing, status: str, why: str | None, retry_at: datetime | None = None
    ) -> None:
        await asyncio.to_thread(
            self.store.finish,
            message.outbox_id,
            status,
            self.clock(),
            error=why,
            retry_at=retry_at,
        )
