"""What the assistant writes to the audit trail: ticket writes, LLM calls, refusals.

Who and where come from the request context (:mod:`core.context`) the assistant binds for each
event, so the ticket operations themselves stay unchanged. Recording never breaks a
conversation: a failed write to the trail is logged and the person still gets their answer.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

from core.context import current
from core.errors import NotATechnician, TicketingError, TicketNotFound
from core.intents import LlmUsage
from core.messages import UserRef
from core.ports import (
    AuditEntry,
    AuditLog,
    Technician,
    TechnicianDesk,
    TicketChange,
    TicketingSystem,
)
from core.ratelimit import RateLimited
from core.tickets import Priority, Ticket, TicketDraft, TicketRef

log = logging.getLogger(__name__)

OUTCOME_MAX = 300
Detail = Mapping[str, str | int | float | bool | None]
_R = TypeVar("_R")


class AuditTrail:
    """Builds :class:`AuditEntry` values from the current request context and records them."""

    def __init__(self, audit: AuditLog, clock: Callable[[], datetime]) -> None:
        self._audit = audit
        self._clock = clock

    def record(
        self,
        action: str,
        *,
        outcome: str = "ok",
        ticket: str | None = None,
        detail: Detail | None = None,
    ) -> None:
        ctx = current()
        entry = AuditEntry(
            at=self._clock(),
            action=action,
            outcome=outcome[:OUTCOME_MAX],
            platform=ctx.platform if ctx else "",
            user_id=ctx.user_id if ctx else "",
            user_email=ctx.user_email if ctx else None,
            conversation=ctx.conversation if ctx else "",
            ticket=ticket,
            request_id=ctx.request_id if ctx else None,
            detail=dict(detail or {}),
        )
        try:
            self._audit.record(entry)
        except Exception:
            log.exception("audit entry not recorded action=%s", action)

    def llm_call(self, usage: LlmUsage | None) -> None:
        """One entry per message the LLM was asked about (or meant to be, before a fallback)."""
        if usage is None or (usage.calls == 0 and usage.outcome == "none"):
            return
        fallback = usage.outcome.partition(":")[2] if usage.outcome.startswith("fallback") else None
        self.record(
            "llm.classify",
            outcome="ok" if usage.outcome == "ok" else usage.outcome,
            detail={
                "model": usage.model,
                "calls": usage.calls,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "latency_ms": round(usage.latency_ms, 1),
                "fallback": fallback or None,
            },
        )

    def rate_limited(self, exc: RateLimited) -> None:
        wait = exc.retry_after_seconds
        self.record(
            "refused.rate_limit",
            outcome="refused",
            detail={
                "scope": exc.scope,
                "cost": exc.cost,
                "retry_after_seconds": round(wait) if math.isfinite(wait) else None,
            },
        )


class AuditedTicketing:
    """A :class:`TicketingSystem` whose writes and refusals go to the audit trail."""

    def __init__(self, inner: TicketingSystem, trail: AuditTrail) -> None:
        self.inner = inner
        self.name = inner.name
        self._trail = trail

    def _write(
        self,
        operation: str,
        ticket: str | None,
        call: Callable[[], Ticket],
        *,
        detail: Detail | None = None,
    ) -> Ticket:
        try:
            result = call()
        except RateLimited:
            raise  # the assistant records the refusal itself
        except TicketNotFound as exc:
            self._refused(operation, exc)
            raise
        except TicketingError as exc:
            self._trail.record(f"ticket.{operation}", outcome=f"error: {exc.detail}", ticket=ticket)
            raise
        except Exception as exc:
            self._trail.record(
                f"ticket.{operation}", outcome=f"error: {type(exc).__name__}", ticket=ticket
            )
            raise
        self._trail.record(
            f"ticket.{operation}",
            ticket=result.number,
            detail={"ticket_id": result.id, "backend": self.name, **(detail or {})},
        )
        return result

    def _refused(self, operation: str, exc: TicketNotFound) -> None:
        self._trail.record(
            "refused.authorization",
            outcome="refused",
            ticket=str(exc.ref),
            detail={"operation": operation, "backend": self.name},
        )

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        return self._write("create", None, lambda: self.inner.create(draft, requester))

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        return self._write("note", str(ref), lambda: self.inner.add_note(ref, text, requester))

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        return self._write("close", str(ref), lambda: self.inner.close(ref, requester))

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        return self._write("reopen", str(ref), lambda: self.inner.reopen(ref, reason, requester))

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        return self._write(
            "priority",
            str(ref),
            lambda: self.inner.set_priority(ref, priority, requester),
            detail={"priority": priority.value},
        )

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        try:
            return self.inner.get(ref, requester)
        except TicketNotFound as exc:
            self._refused("get", exc)
            raise

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        return self.inner.list_open(requester, limit)

    def check_ready(self) -> None:
        self.inner.check_ready()

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        try:
            self.inner.attach(ref, name, content_type, data, requester)
        except RateLimited:
            raise
        except TicketingError as exc:
            self._trail.record("ticket.attach", outcome=f"error: {exc.detail}", ticket=str(ref))
            raise
        self._trail.record(
            "ticket.attach",
            ticket=str(ref),
            detail={"backend": self.name, "file": name, "bytes": len(data)},
        )


class AuditedTechnicianDesk:
    """A :class:`TechnicianDesk` whose actions and refusals go to the audit trail: who (the
    request context, and the technician's e-mail), what, which ticket, before and after."""

    def __init__(self, inner: TechnicianDesk, trail: AuditTrail) -> None:
        self.inner = inner
        self.name = inner.name
        self._trail = trail

    def _change(
        self, operation: str, ref: TicketRef, user: UserRef, call: Callable[[], TicketChange]
    ) -> TicketChange:
        action = f"technician.{operation}"
        try:
            change = call()
        except RateLimited:
            raise
        except NotATechnician:
            self._not_technician(operation, user, str(ref))
            raise
        except TicketNotFound as exc:
            self._trail.record(
                "refused.authorization",
                outcome="refused",
                ticket=str(exc.ref),
                detail={"operation": action, "backend": self.name, "by": user.email},
            )
            raise
        except TicketingError as exc:
            self._trail.record(
                action,
                outcome=f"error: {exc.detail}",
                ticket=str(ref),
                detail={"backend": self.name, "by": user.email},
            )
            raise
        self._trail.record(
            action,
            ticket=change.ticket.number,
            detail={
                "ticket_id": change.ticket.id,
                "backend": self.name,
                "by": user.email,
                "field": change.field,
                "before": change.before,
                "after": change.after,
                "as_technician": change.as_technician,
            },
        )
        return change

    def _not_technician(self, operation: str, user: UserRef, ticket: str | None) -> None:
        self._trail.record(
            "refused.technician",
            outcome="refused",
            ticket=ticket,
            detail={"operation": f"technician.{operation}", "backend": self.name, "by": user.email},
        )

    def _read(self, operation: str, user: UserRef, call: Callable[[], _R]) -> _R:
        try:
            return call()
        except NotATechnician:
            self._not_technician(operation, user, None)
            raise

    def technician(self, user: UserRef) -> Technician:
        # Who someone is gets asked for every "my tickets" and "help": not a refused action.
        return self.inner.technician(user)

    def ticket(self, ref: TicketRef, user: UserRef) -> Ticket:
        return self._read("ticket", user, lambda: self.inner.ticket(ref, user))

    def take(self, ref: TicketRef, user: UserRef) -> TicketChange:
        return self._change("take", ref, user, lambda: self.inner.take(ref, user))

    def assign(
        self, ref: TicketRef, assignee: str, user: UserRef, *, role_id: int | None = None
    ) -> TicketChange:
        return self._change(
            "assign", ref, user, lambda: self.inner.assign(ref, assignee, user, role_id=role_id)
        )

    def set_status(self, ref: TicketRef, status: str, user: UserRef) -> TicketChange:
        return self._change("status", ref, user, lambda: self.inner.set_status(ref, status, user))

    def add_note(
        self, ref: TicketRef, text: str, user: UserRef, *, internal: bool = True
    ) -> TicketChange:
        return self._change(
            "note", ref, user, lambda: self.inner.add_note(ref, text, user, internal=internal)
        )

    def set_priority(self, ref: TicketRef, priority: Priority, user: UserRef) -> TicketChange:
        return self._change(
            "priority", ref, user, lambda: self.inner.set_priority(ref, priority, user)
        )

    def mine(self, user: UserRef, limit: int = 20) -> list[Ticket]:
        return self._read("mine", user, lambda: self.inner.mine(user, limit))

    def queue(self, user: UserRef, name: str | None = None, limit: int = 20) -> list[Ticket]:
        return self._read("queue", user, lambda: self.inner.queue(user, name, limit))

    def technicians(self, user: UserRef) -> list[Technician]:
        return self._read("technicians", user, lambda: self.inner.technicians(user))

    def statuses(self, user: UserRef) -> list[str]:
        return self._read("statuses", user, lambda: self.inner.statuses(user))

    def queues(self, user: UserRef) -> list[str]:
        return self._read("queues", user, lambda: self.inner.queues(user))
