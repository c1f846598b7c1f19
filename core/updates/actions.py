"""What a person's answers to an update leave behind: a mute, a confirmation, a reopening
counted, a rating. The :class:`~core.ports.TicketFollowUps` port the update handlers
(core/handlers/updates.py) call; the composition root builds it on the updates store."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from core.messages import UserRef
from core.ports import AuditEntry, AuditLog
from core.updates.service import FactStore, UpdateStore, person_key

log = logging.getLogger("ticketbot.updates")


class UpdateFollowUps:
    """The updates store and the ticket facts of one backend, audited."""

    def __init__(
        self,
        *,
        mutes: UpdateStore,
        ratings: FactStore,
        backend: str,
        clock: Callable[[], datetime],
        audit: AuditLog | None = None,
    ) -> None:
        self._mutes = mutes
        self._ratings = ratings
        self._backend = backend
        self._clock = clock
        self._audit = audit

    def set_muted(self, ticket_id: int, user: UserRef, muted: bool) -> bool:
        return self._mutes.set_muted(self._backend, ticket_id, person_key(user), muted)

    def confirmed(self, ticket_id: int, user: UserRef) -> None:
        self._record(user, "ticket.confirm", ticket_id, {"fixed": True})

    def reopened(self, ticket_id: int, user: UserRef) -> None:
        self._ratings.reopened(self._backend, ticket_id)

    def rate(
        self,
        ticket_id: int,
        user: UserRef,
        *,
        rating: int | None = None,
        comment: str | None = None,
    ) -> None:
        self._ratings.rate(self._backend, ticket_id, self._clock(), rating=rating, comment=comment)
        detail: dict[str, object] = {"rating": rating} if rating is not None else {"comment": True}
        self._record(user, "ticket.rating", ticket_id, detail)

    def _record(
        self, user: UserRef, action: str, ticket_id: int, detail: dict[str, object]
    ) -> None:
        if self._audit is None:
            return
        try:
            self._audit.record(
                AuditEntry(
                    at=self._clock(),
                    action=action,
                    platform=user.platform,
                    user_id=user.user_id,
                    user_email=user.email,
                    ticket=str(ticket_id),
                    detail={k: v for k, v in detail.items() if isinstance(v, bool | int | str)},
                )
            )
        except Exception:
            log.exception("audit entry not recorded action=%s", action)
