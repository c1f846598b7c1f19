"""The one registry: operation type → the handler that carries it out, and what a handler
works with (:class:`Work`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from core import attachments as files_
from core.messages import AttachmentRef, Reply, UserRef
from core.operations import Operation
from core.ports import (
    AttachmentStore,
    ConversationStore,
    DialogueState,
    KnowledgeBase,
    PendingAction,
    TechnicianDesk,
    TicketFollowUps,
    TicketingSystem,
    TriageBoard,
)
from core.tickets import Ticket, TicketRef

log = logging.getLogger(__name__)


@dataclass
class Work:
    """One event being handled: the services a handler may use, the person, the dialogue state
    (changed in place by handlers, stored by the assistant afterwards) and the replies so far."""

    ticketing: TicketingSystem
    knowledge: KnowledgeBase
    store: ConversationStore
    clock: Callable[[], datetime]
    user: UserRef
    pending: PendingAction | None = None
    queued: list[PendingAction] = field(default_factory=list)
    focus: str | None = None
    replies: list[Reply] = field(default_factory=list)
    files: tuple[AttachmentRef, ...] = ()  # the files that came with this message
    attachments: AttachmentStore | None = None
    files_used: bool = False  # the files went to a ticket or a draft
    updates: TicketFollowUps | None = None  # mutes, ratings (None: no updates in the chat)
    event_id: str | None = None  # the event being handled: what it claims stays its own
    retake: bool = False  # handed out again after an unfinished attempt: writes may be done
    desk: TechnicianDesk | None = None  # technicians' tools (None: the backend has none)
    board: TriageBoard | None = None  # the triage channel's cards (None: no triage channel)
    # In a triage card's thread (or a click on the card): the board edits the card itself, so
    # a technician's change is answered with one line, not a second copy of the ticket.
    in_triage: bool = False

    @classmethod
    def starting(
        cls,
        state: DialogueState,
        *,
        ticketing: TicketingSystem,
        knowledge: KnowledgeBase,
        store: ConversationStore,
        clock: Callable[[], datetime],
        user: UserRef,
        files: tuple[AttachmentRef, ...] = (),
        attachments: AttachmentStore | None = None,
        updates: TicketFollowUps | None = None,
        event_id: str | None = None,
        retake: bool = False,
        desk: TechnicianDesk | None = None,
        board: TriageBoard | None = None,
    ) -> Work:
        return cls(
            event_id=event_id,
            retake=retake,
            ticketing=ticketing,
            knowledge=knowledge,
            store=store,
            clock=clock,
            user=user,
            pending=state.pending,
            queued=list(state.queued),
            focus=state.focus,
            files=files,
            attachments=attachments,
            updates=updates,
            desk=desk,
            board=board,
        )

    @property
    def dialogue(self) -> DialogueState:
        return DialogueState(self.pending, tuple(self.queued), self.focus)

    def say(self, reply: Reply) -> None:
        self.replies.append(reply)

    def claim(self, key: str) -> bool:
        """Record ``key`` once (a confirmation carried out); False if it already was."""
        return self.store.claim_event(key, self.clock(), owner=self.event_id)

    def release(self, key: str) -> None:
        self.store.release_event(key)

    def filed(self, ticket: Ticket) -> None:
        """Tell the triage board a ticket was just filed for this person (never fails)."""
        if self.board is None:
            return
        try:
            self.board.filed(ticket, self.user)
        except Exception:
            log.exception("triage board not told of new ticket id=%s", ticket.id)

    def changed(self, ticket_id: int) -> None:
        """Tell the triage board a ticket changed, so its card is edited (never fails)."""
        if self.board is None:
            return
        try:
            self.board.changed(ticket_id)
        except Exception:
            log.exception("triage board not told of change ticket id=%s", ticket_id)

    def attach(self, ref: TicketRef, label: str, files: tuple[AttachmentRef, ...]) -> None:
        """Attach ``files`` to a ticket just written and say how it went. Called only after
        the write succeeded: a file that fails never undoes or repeats the write."""
        if not files:
            return
        self.files_used = True
        store = self.attachments or files_.NO_STORE
        result = files_.attach_all(self.ticketing, store, ref, files, self.user, ticket_label=label)
        if result.text:
            self.say(Reply(result.text))


Handler = Callable[[Any, Work], None]
HANDLERS: dict[type[Operation], Handler] = {}

OpT = TypeVar("OpT", bound=Operation)


def handles(
    kind: type[OpT],
) -> Callable[[Callable[[OpT, Work], None]], Callable[[OpT, Work], None]]:
    """Register the decorated function as the handler of ``kind``."""

    def register(handler: Callable[[OpT, Work], None]) -> Callable[[OpT, Work], None]:
        if kind in HANDLERS:
            raise RuntimeError(f"{kind.__name__} has a handler already")
        HANDLERS[kind] = handler
        return handler

    return register


def run(operation: Operation, work: Work) -> None:
    """Carry out ``operation`` with its registered handler."""
    HANDLERS[type(operation)](operation, work)
