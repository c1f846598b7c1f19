"""An update delivered binds its conversation to the ticket: the ticket becomes the dialogue's
focus (so "I restarted it and it's still slow" in that thread is about it), and a resolved
ticket's "Did this fix it?" waits as the pending action (so a typed yes / no answers it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from core import actions
from core.messages import Reply
from core.ports import ConversationStore, DialogueState, PendingAction
from core.updates.model import Tracked

log = logging.getLogger("ticketbot.updates")


def asks_if_fixed(reply: Reply) -> bool:
    """Whether ``reply`` carries the "Did this fix it?" buttons."""
    card = reply.card
    return card is not None and any(a.action_id == actions.UPDATE_FIXED for a in card.actions)


class ThreadBinder:
    """Called by the dispatcher after each update it sent."""

    def __init__(self, store: ConversationStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def __call__(self, tracked: Tracked, reply: Reply) -> None:
        try:
            self._bind(tracked, reply)
        except Exception:
            # The update was sent; a thread not bound only means the next reply is read alone.
            log.exception("conversation not bound to ticket=%s", tracked.ticket_id)

    def _bind(self, tracked: Tracked, reply: Reply) -> None:
        state = self._store.open_conversation(tracked.conversation, self._clock())
        ticket = str(tracked.ticket_id)
        pending, queued = state.pending, list(state.queued)
        if asks_if_fixed(reply):
            question = PendingAction(actions.UPDATE_FIXED, {actions.TICKET: ticket})
            queued = [p for p in queued if p != question]
            if pending is None or pending.action_id == actions.UPDATE_FIXED:
                pending = question  # the newest resolution is the one to answer
            else:
                queued.append(question)  # after what the person is in the middle of
        self._store.save_dialogue(
            state.conversation_id, DialogueState(pending, tuple(queued), ticket)
        )
