"""What a person can do with an update: confirm a resolution (or reopen with their words),
rate the help, and mute a ticket's updates (a card button, ``ticket mute 48213`` or "stop
updates on 48213"). The assistant hands each event here first (``Assistant.updates_hook``);
None means "not mine"."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import Protocol

from core.cards import ticket_card
from core.messages import ActionInvoked, Event, InboundMessage, Reply, UserRef
from core.ports import AuditEntry, AuditLog, TicketingSystem
from core.text import sanitize
from core.tickets import TicketRef
from core.updates.service import awaiting_answer_key, person_key
from core.updates.wording import (
    COMMENT,
    FIXED,
    INPUT_NOTE,
    MUTE,
    RATE,
    REOPEN,
    UPDATE_ACTIONS,
    rating_card,
)

log = logging.getLogger("ticketbot.updates")

_MUTE_RE = re.compile(
    r"^(?:ticket\s+)?(?P<verb>mute|unmute)\s+(?:updates\s+(?:on|for)\s+)?(?:ticket\s+)?"
    r"(?P<ref>\S+?)[.!]?$"
    r"|^(?P<stop>stop|resume|restart)\s+(?:the\s+)?updates\s+(?:on|for|about)\s+(?:ticket\s+)?"
    r"(?P<ref2>\S+?)[.!]?$",
    re.IGNORECASE,
)


_FIXED_RE = re.compile(
    r"^(?:yes|yep|yeah)?[,.! ]*(?:it'?s |it is |that |this )?(?:fixed|solved|works|working)"
    r"(?: it| now)?[,.! ]*(?:thanks?|thank you)?[,.! ]*$|^yes,? close it[.! ]*$",
    re.IGNORECASE,
)
_NOT_FIXED_RE = re.compile(
    r"^(?:no|nope)?[,.! ]*(?:it'?s |it is )?(?:not fixed|still (?:broken|not working|failing))"
    r"|^no,? reopen",
    re.IGNORECASE,
)


class MuteStore(Protocol):
    def set_muted(self, backend: str, ticket_id: int, user_email: str, muted: bool) -> bool: ...

    def get_state(self, name: str) -> str | None: ...

    def delete_state(self, name: str) -> None: ...


class RatingStore(Protocol):
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


class UpdateActions:
    """Confirm / reopen / rate / mute; a reopen goes through the ticketing port's own."""

    def __init__(
        self,
        *,
        ticketing: TicketingSystem,
        mutes: MuteStore,
        ratings: RatingStore,
        backend: str,
        clock: Callable[[], datetime],
        audit: AuditLog | None = None,
    ) -> None:
        self.ticketing = ticketing
        self._mutes = mutes
        self._ratings = ratings
        self._backend = backend
        self._clock = clock
        self._audit = audit

    def handle(self, event: Event) -> list[Reply] | None:
        if isinstance(event, ActionInvoked):
            if event.action_id not in UPDATE_ACTIONS:
                return None
            ref = TicketRef.parse(event.values.get("ticket", ""))
            if ref is None:
                return [Reply("Sorry, that button doesn't work any more. Type “help”.")]
            return self._act(event.action_id, ref, event)
        text = sanitize(event.text)
        answered = self._typed_answer(event, text)
        if answered is not None:
            return answered
        match = _MUTE_RE.match(text)
        if match is None:
            return None
        ref = TicketRef.parse(match.group("ref") or match.group("ref2") or "")
        if ref is None:
            return [Reply("Which ticket? For example: ticket mute 48213.")]
        verb = (match.group("verb") or match.group("stop") or "").lower()
        return self._mute(ref, event.user, muted=verb in ("mute", "stop"))

    def _typed_answer(self, event: InboundMessage, text: str) -> list[Reply] | None:
        """ "It's fixed" / "not fixed, …" typed after a "Did this fix it?" in this
        conversation (nothing else is taken: a bare yes/no stays the assistant's)."""
        fixed = _FIXED_RE.match(text) is not None
        if not fixed and _NOT_FIXED_RE.match(text) is None:
            return None
        name = awaiting_answer_key(event.conversation, person_key(event.user))
        waiting = self._mutes.get_state(name)
        if waiting is None or not waiting.isdigit():
            return None
        self._mutes.delete_state(name)
        values = {"ticket": waiting, INPUT_NOTE: text}
        action = ActionInvoked(
            event_id=event.event_id,
            conversation=event.conversation,
            user=event.user,
            action_id=FIXED if fixed else REOPEN,
            values=MappingProxyType(values),
            received_at=event.received_at,
        )
        replies = self._act(action.action_id, TicketRef("id", waiting), action)
        return [replace(reply, replaces_source=False) for reply in replies]

    def _act(self, action_id: str, ref: TicketRef, event: ActionInvoked) -> list[Reply]:
        user = event.user
        if action_id == MUTE:
            return self._mute(ref, user, muted=True)
        ticket = self.ticketing.get(ref, user)  # also the authorization check
        if action_id == FIXED:
            if not ticket.is_closed:
                ticket = self.ticketing.close(ref, user)
            self._record(user, "ticket.confirm", ticket.id, {"fixed": True})
            return [
                Reply(f"Great, ticket {ticket.number} stays closed.", replaces_source=True),
                Reply("One more thing, if you like:", card=rating_card(ticket)),
            ]
        if action_id == REOPEN:
            words = (event.values.get(INPUT_NOTE) or "").strip()
            if not words:
                return [Reply(f"What is still wrong with {ticket.number}? Tell me in a sentence.")]
            if ticket.is_closed:  # the core's reopen adds the words as its note
                self.ticketing.reopen(ref, words, user)
            else:
                self.ticketing.add_note(ref, f"Not fixed yet: {words}", user)
            self._ratings.reopened(self._backend, ticket.id)
            self._record(user, "ticket.reopen", ticket.id, {"fixed": False})
            ticket = self.ticketing.get(ref, user)
            return [
                Reply(
                    f"I've reopened {ticket.number} with your words; a technician will pick it up.",
                    card=ticket_card(ticket),
                    replaces_source=True,
                )
            ]
        if action_id == RATE:
            rating = _rating(event.values.get("rating", ""))
            if rating is None:
                return [Reply("Please pick a rating from 1 to 5.")]
            self._ratings.rate(self._backend, ticket.id, self._clock(), rating=rating)
            self._record(user, "ticket.rating", ticket.id, {"rating": rating})
            return [Reply(f"Thanks for rating {ticket.number}: {rating} of 5.")]
        assert action_id == COMMENT
        comment = (event.values.get(INPUT_NOTE) or "").strip()
        if not comment:
            return [Reply("What would you like to tell us?")]
        self._ratings.rate(self._backend, ticket.id, self._clock(), comment=comment[:3000])
        self._record(user, "ticket.rating", ticket.id, {"comment": True})
        return [Reply("Thanks, your comment is with the help desk team.")]

    def _mute(self, ref: TicketRef, user: UserRef, *, muted: bool) -> list[Reply]:
        ticket = self.ticketing.get(ref, user)  # only their own tickets
        known = self._mutes.set_muted(self._backend, ticket.id, person_key(user), muted)
        if not known:
            return [Reply(f"I'm not sending you updates on {ticket.number}.")]
        if muted:
            return [
                Reply(
                    f"OK, no more updates on {ticket.number}. "
                    f"Type “ticket unmute {ticket.id}” to get them again."
                )
            ]
        return [Reply(f"OK, I'll tell you again when {ticket.number} changes.")]

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


def _rating(text: str) -> int | None:
    return int(text) if text.strip() in {"1", "2", "3", "4", "5"} else None
