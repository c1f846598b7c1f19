"""Builders and small fakes shared by the core tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from core.assistant import Assistant, OnAnswer
from core.errors import BackendUnavailable
from core.intents import Classification, Intent
from core.knowledge import YamlKnowledgeBase
from core.messages import ActionInvoked, ConversationRef, Event, InboundMessage, Reply, UserRef
from core.ports import Turn
from core.settings import DEFAULT_KNOWLEDGE_FILE
from core.tickets import Priority, Ticket, TicketDraft, TicketRef
from storage.db import Database
from storage.history import SqlConversationStore
from storage.local_desk import LocalDesk

# A labelled set kept in the repository (a clone alone runs every test).
DEV_SET = Path(__file__).resolve().parent / "data" / "intents_tuning.jsonl"

ALICE = UserRef("console", "alice", "Alice Example", "alice@example.com")
BOB = UserRef("console", "bob", "Bob Example", "bob@example.com")
_ids = itertools.count(1)


class FakeClock:
    """A settable clock (for code that takes a clock; freezegun covers the rest)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 4, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def conversation_for(user: UserRef, channel: str = "dm") -> ConversationRef:
    return ConversationRef(user.platform, "tenant", f"{channel}:{user.user_id}")


def message(
    text: str, user: UserRef = ALICE, *, event_id: str | None = None, channel: str = "dm"
) -> InboundMessage:
    return InboundMessage(
        event_id=event_id or f"evt-{next(_ids)}",
        conversation=conversation_for(user, channel),
        user=user,
        text=text,
        received_at=datetime(2026, 11, 4, 9, 30, tzinfo=UTC),
    )


def action(
    action_id: str,
    values: dict[str, str] | None = None,
    user: UserRef = ALICE,
    *,
    event_id: str | None = None,
) -> ActionInvoked:
    return ActionInvoked(
        event_id=event_id or f"act-{next(_ids)}",
        conversation=conversation_for(user),
        user=user,
        action_id=action_id,
        values=MappingProxyType(values or {}),
    )


@dataclass
class ScriptedClassifier:
    """Answers with the Classification scripted for a text; records every call."""

    script: dict[str, Classification] = field(default_factory=dict)
    calls: list[tuple[str, Sequence[Turn]]] = field(default_factory=list)

    def classify(self, text: str, history: Sequence[Turn] = ()) -> Classification:
        self.calls.append((text, tuple(history)))
        return self.script.get(text, Classification(Intent.SMALLTALK))


class DownTicketing:
    """A backend that cannot be reached at all."""

    name = "down"

    def __init__(self) -> None:
        self.calls = 0

    def _fail(self) -> Ticket:
        self.calls += 1
        raise BackendUnavailable("connection refused (test)")

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        return self._fail()

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        return self._fail()

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        self._fail()
        return []

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        return self._fail()

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        return self._fail()

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        return self._fail()

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        return self._fail()

    def check_ready(self) -> None:
        self._fail()

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        self._fail()


@dataclass
class Bot:
    """An assistant on a real SQLite file with the local desk, for conversation tests."""

    assistant: Assistant
    desk: LocalDesk
    store: SqlConversationStore
    classifier: ScriptedClassifier
    clock: FakeClock

    def say(self, text: str, user: UserRef = ALICE, **kwargs: str) -> list[Reply]:
        return self.assistant.handle(message(text, user, **kwargs))

    def click(
        self, action_id: str, values: dict[str, str] | None = None, user: UserRef = ALICE
    ) -> list[Reply]:
        return self.assistant.handle(action(action_id, values, user))


def make_bot(
    database: Database,
    *,
    script: dict[str, Classification] | None = None,
    clock: FakeClock | None = None,
    staff: Sequence[str] = (),
    ticketing: object | None = None,
    **options: Any,
) -> Bot:
    clock = clock or FakeClock()
    desk = LocalDesk(database, clock=clock, staff_emails=staff)
    store = SqlConversationStore(database)
    classifier = ScriptedClassifier(dict(script or {}))
    assistant = Assistant(
        store=store,
        ticketing=ticketing or desk,  # type: ignore[arg-type]
        classifier=classifier,
        knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
        clock=clock,
        **options,
    )
    return Bot(assistant, desk, store, classifier, clock)


def count_core_calls(assistant: Assistant, calls: list[Event]) -> None:
    """Record every event that reaches ``assistant.handle`` (to prove what never did)."""
    original = assistant.handle

    def counting_handle(
        event: Event, *, retake: bool = False, on_answer: OnAnswer | None = None
    ) -> list[Reply]:
        calls.append(event)
        return original(event, retake=retake, on_answer=on_answer)

    assistant.handle = counting_handle  # type: ignore[method-assign]


def only(replies: list[Reply]) -> Reply:
    assert len(replies) == 1, replies
    return replies[0]


AnyCallable = Callable[..., object]
