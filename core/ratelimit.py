"""Rate limiting: what a request costs, the person's bucket, and the backend's shared bucket.

The assistant decides the cost once it knows what it will do (the typed operation a command, a
message or a button translates to) and before any backend call: reads cost
:attr:`RatePolicy.read_cost`, writes :attr:`RatePolicy.write_cost`
(:func:`operation_cost`). The backend's bucket is
charged per backend operation by :class:`RateLimitedTicketing`, so small talk and help never
use it up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from core.errors import TicketingError
from core.messages import UserRef
from core.operations import Operation, Several
from core.ports import (
    RateDecision,
    RateLimiter,
    RatePolicy,
    Technician,
    TechnicianDesk,
    TicketChange,
    TicketingSystem,
)
from core.tickets import Priority, Ticket, TicketDraft, TicketRef

Scope = Literal["user", "backend"]


class RateLimited(TicketingError):
    """A bucket is empty. ``user_message`` says politely when to try again."""

    def __init__(self, scope: Scope, key: str, cost: float, decision: RateDecision) -> None:
        wait = wait_text(decision.retry_after_seconds)
        if scope == "user":
            message = (
                "You're sending me requests faster than I can take them. Your message is "
                f"saved; please try again {wait}."
            )
        else:
            message = (
                "The help desk system is very busy right now. Your message is saved; please "
                f"try again {wait}."
            )
        super().__init__(
            message,
            detail=f"rate limited scope={scope} key={key} cost={cost:g} "
            f"retry_after={decision.retry_after_seconds:.0f}s",
        )
        self.scope: Scope = scope
        self.key = key
        self.cost = cost
        self.retry_after_seconds = decision.retry_after_seconds


def wait_text(seconds: float) -> str:
    """``in about 40 seconds`` / ``in about 3 minutes``: rounded up, never "in 0 seconds"."""
    if not math.isfinite(seconds):
        return "later"
    if seconds <= 60:
        return f"in about {max(5, math.ceil(seconds / 5) * 5)} seconds"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"in about {minutes} minutes"
    return f"in about {math.ceil(minutes / 60)} hours"


def user_key(user: UserRef) -> str:
    return f"user:{user.platform}:{user.user_id}"


def backend_key(backend: str) -> str:
    """The bucket everyone shares for the backend named ``backend``."""
    return f"backend:{backend}"


def operation_cost(operation: Operation, policy: RatePolicy) -> float:
    """What ``operation`` costs: a write's cost when it changes a ticket now, else a read's
    (a draft or a close question is a read; its confirmation pays the write); nothing for
    an extra click on something already done; the sum for several requests in one message."""
    if isinstance(operation, Several):
        return sum(operation_cost(step, policy) for step in operation.steps)
    if operation.free:
        return 0.0
    return policy.write_cost if operation.writes else policy.read_cost


class UserGate:
    """The per-person check the assistant runs before it acts."""

    def __init__(self, limiter: RateLimiter, clock: Callable[[], datetime]) -> None:
        self.limiter = limiter
        self.policy = limiter.policy
        self._clock = clock

    def admit(self, user: UserRef, cost: float, *, consume: bool = True) -> None:
        """Take ``cost`` from the person's bucket or raise :class:`RateLimited`."""
        key = user_key(user)
        decision = self.limiter.take(key, cost, self.policy.user, self._clock(), consume=consume)
        if not decision.allowed:
            raise RateLimited("user", key, cost, decision)


class _BackendBucket:
    """Charges the shared bucket of the help desk called ``name``."""

    def __init__(self, name: str, limiter: RateLimiter, clock: Callable[[], datetime]) -> None:
        self._limiter = limiter
        self._clock = clock
        self._key = backend_key(name)

    def _charge(self, cost: float) -> None:
        decision = self._limiter.take(self._key, cost, self._limiter.policy.backend, self._clock())
        if not decision.allowed:
            raise RateLimited("backend", self._key, cost, decision)

    def _read(self) -> None:
        self._charge(self._limiter.policy.read_cost)

    def _write(self) -> None:
        self._charge(self._limiter.policy.write_cost)


class RateLimitedTicketing(_BackendBucket):
    """A :class:`TicketingSystem` that charges the backend's shared bucket per operation."""

    def __init__(
        self, inner: TicketingSystem, limiter: RateLimiter, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(inner.name, limiter, clock)
        self.inner = inner
        self.name = inner.name

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        self._write()
        return self.inner.create(draft, requester)

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        self._read()
        return self.inner.get(ref, requester)

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        self._read()
        return self.inner.list_open(requester, limit)

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        self._write()
        return self.inner.add_note(ref, text, requester)

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        self._write()
        return self.inner.close(ref, requester)

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        self._write()
        return self.inner.reopen(ref, reason, requester)

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        self._write()
        return self.inner.set_priority(ref, priority, requester)

    def check_ready(self) -> None:
        self.inner.check_ready()  # a probe, not a person's request: free

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        self._write()
        self.inner.attach(ref, name, content_type, data, requester)


class RateLimitedTechnicianDesk(_BackendBucket):
    """A :class:`TechnicianDesk` whose reads and writes of tickets charge the backend's shared
    bucket as :class:`RateLimitedTicketing` does: a technician working from chat spends the
    same help desk API budget as everyone else. Who is a technician, and the pickers' lists,
    are lookups the desk keeps for itself, and free."""

    def __init__(
        self, inner: TechnicianDesk, limiter: RateLimiter, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(inner.name, limiter, clock)
        self.inner = inner
        self.name = inner.name

    def technician(self, user: UserRef) -> Technician:
        return self.inner.technician(user)

    def ticket(self, ref: TicketRef, user: UserRef) -> Ticket:
        self._read()
        return self.inner.ticket(ref, user)

    def take(self, ref: TicketRef, user: UserRef) -> TicketChange:
        self._write()
        return self.inner.take(ref, user)

    def assign(
        self, ref: TicketRef, assignee: str, user: UserRef, *, role_id: int | None = None
    ) -> TicketChange:
        self._write()
        return self.inner.assign(ref, assignee, user, role_id=role_id)

    def set_status(self, ref: TicketRef, status: str, user: UserRef) -> TicketChange:
        self._write()
        return self.inner.set_status(ref, status, user)

    def add_note(
        self, ref: TicketRef, text: str, user: UserRef, *, internal: bool = True
    ) -> TicketChange:
        self._write()
        return self.inner.add_note(ref, text, user, internal=internal)

    def set_priority(self, ref: TicketRef, priority: Priority, user: UserRef) -> TicketChange:
        self._write()
        return self.inner.set_priority(ref, priority, user)

    def mine(self, user: UserRef, limit: int = 20) -> list[Ticket]:
        self._read()
        return self.inner.mine(user, limit)

    def queue(self, user: UserRef, name: str | None = None, limit: int = 20) -> list[Ticket]:
        self._read()
        return self.inner.queue(user, name, limit)

    def technicians(self, user: UserRef) -> list[Technician]:
        return self.inner.technicians(user)

    def statuses(self, user: UserRef) -> list[str]:
        return self.inner.statuses(user)

    def queues(self, user: UserRef) -> list[str]:
        return self.inner.queues(user)
