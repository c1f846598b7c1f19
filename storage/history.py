"""Conversation history, processed events and the dialogue state (pending confirmations, the
ticket in focus) on SQLAlchemy (implements :class:`core.ports.ConversationStore`).

The assistant's path is two statements of this store and one commit: :meth:`start_event`
reads the event's record, the conversation and its recent turns in one query;
:meth:`finish_event` writes the claim with the outcome, the conversation, the turns and the
unit of work's held bookkeeping in one transaction, with core inserts (no ORM flush)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    delete,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from core.intents import LlmUsage
from core.messages import ConversationRef, Reply
from core.ports import (
    ConversationState,
    DialogueState,
    EventStart,
    PendingAction,
    RecordedOutcome,
    Turn,
)
from core.wire import replies_from_json, replies_to_json
from storage.db import Database, dialect_insert, insert_or_merge
from storage.models import ConversationRow, ProcessedEventRow, RateBucketRow, TurnRow
from storage.unit_of_work import BucketRow, current_unit, open_unit, without_nul


class _Duplicate(Exception):
    """Another delivery of the event was recorded first."""


class SqlConversationStore:
    """Implements :class:`core.ports.ConversationStore`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- the assistant's path: one query in, one transaction out ------------------------------

    def unit_of_work(self) -> AbstractContextManager[object]:
        return open_unit(self._db)

    def start_event(
        self,
        event_id: str,
        ref: ConversationRef,
        *,
        history: int,
        buckets: Sequence[str] = (),
    ) -> EventStart:
        unit = current_unit(self._db)
        wanted = list(dict.fromkeys(buckets)) if unit is not None else []
        params = {
            "platform": ref.platform,
            "tenant_id": ref.tenant_id,
            "channel_id": ref.channel_id,
            "thread_id": ref.thread_id or "",
            "event_id": event_id,
            **{f"bucket_{n}": bucket for n, bucket in enumerate(wanted)},
        }
        statement = _start_statement(max(history, 0), len(wanted))
        with self._db.engine.connect() as connection:
            rows = connection.execute(statement, params).all()
        first = rows[0]
        if unit is not None:
            for n, bucket in enumerate(wanted):
                tokens, at = getattr(first, f"b{n}_tokens"), getattr(first, f"b{n}_updated_at")
                unit.buckets[bucket] = BucketRow(tokens, at)
        recorded = None
        if first.claimed is not None:
            outcome = first.outcome
            recorded = RecordedOutcome(replies_from_json(outcome) if outcome is not None else None)
        pending, queued = _dialogue_from_json(first.pending_action)
        said = (
            sorted((row for row in rows if row.turn_id is not None), key=lambda r: r.turn_id)
            if history > 0
            else []
        )
        return EventStart(
            conversation_id=first.id,
            dialogue=DialogueState(pending, queued, first.focus_ticket),
            recorded=recorded,
            history=[
                Turn(
                    role="assistant" if row.role == "assistant" else "user",
                    text=row.text,
                    created_at=row.created_at,
                    intent=row.intent,
                )
                for row in said
            ],
            delivery_ref=first.delivery_ref,
        )

    def finish_event(
        self,
        start: EventStart,
        ref: ConversationRef,
        event_id: str,
        now: datetime,
        turns: Sequence[Turn],
        replies: Sequence[Reply],
        *,
        dialogue: DialogueState | None = None,
        claimed: bool = False,
    ) -> bool:
        unit = current_unit(self._db)
        outcome = replies_to_json(replies)
        try:
            with self._db.writing(), self._db.engine.begin() as connection:
                self._record_claim(connection, event_id, now, outcome, claimed)
                conversation_id = self._keep_conversation(connection, start, ref, now, dialogue)
                if turns:
                    connection.execute(
                        _INSERT_TURNS,
                        [without_nul(connection, _turn_values(conversation_id, t)) for t in turns],
                    )
                if unit is not None:
                    unit.write(connection)
        except _Duplicate:
            return False  # rolled back; the unit's bookkeeping is written when it closes
        if unit is not None:
            unit.clear()
        return True

    def _record_claim(
        self, connection: Connection, event_id: str, now: datetime, outcome: str, claimed: bool
    ) -> None:
        if claimed:
            connection.execute(_ADD_OUTCOME, {"key": event_id, "outcome": outcome})
            return
        # The claim and the outcome at once: a concurrent delivery of the same event (it
        # waits here on the key) finds it taken and keeps nothing of its own.
        inserted = connection.execute(
            _claim_statement(connection.dialect.name),
            {"event_id": event_id, "processed_at": now, "owner": None, "outcome": outcome},
        ).first()
        if inserted is None:
            raise _Duplicate(event_id)

    def _keep_conversation(
        self,
        connection: Connection,
        start: EventStart,
        ref: ConversationRef,
        now: datetime,
        dialogue: DialogueState | None,
    ) -> int:
        changes: dict[str, Any] = {}
        if dialogue is not None:
            changes["pending_action"] = _dialogue_to_json(dialogue.pending, dialogue.queued)
            changes["focus_ticket"] = dialogue.focus
        if ref.delivery_ref and ref.delivery_ref != start.delivery_ref:
            changes["delivery_ref"] = ref.delivery_ref
        if start.conversation_id is not None:
            if changes:
                if "delivery_ref" in changes:
                    changes["updated_at"] = now
                connection.execute(_UPDATE_CONVERSATION, {"key": start.conversation_id, **changes})
            return start.conversation_id
        # New here (or created a moment ago by another worker): one upsert either way.
        values = {
            **{column.key: value for column, value in _key_values(ref)},
            "delivery_ref": ref.delivery_ref,
            "created_at": now,
            "updated_at": now,
            **changes,
        }
        kept = dict(changes) or {"updated_at": now}
        conversation_id = connection.execute(
            insert_or_merge(connection)(ConversationRow)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["platform", "tenant_id", "channel_id", "thread_id"], set_=kept
            )
            .returning(ConversationRow.id)
        ).scalar_one()
        return int(conversation_id)

    # -- the parts, for everything else -------------------------------------------------------

    def claim_event(self, event_id: str, now: datetime, owner: str | None = None) -> bool:
        with self._db.sessions() as session:
            session.add(ProcessedEventRow(event_id=event_id, processed_at=now, owner=owner))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                if owner is None:
                    return False
                # Claimed by this very event before (its retake): still its own.
                row = session.get(ProcessedEventRow, event_id)
                return row is not None and row.owner == owner
        return True

    def recorded_outcome(self, event_id: str) -> RecordedOutcome | None:
        with self._db.sessions() as session:
            row = session.get(ProcessedEventRow, event_id)
            if row is None:
                return None
            replies = replies_from_json(row.outcome) if row.outcome is not None else None
            return RecordedOutcome(replies, claimed_at=row.processed_at)

    def release_event(self, event_id: str) -> None:
        with self._db.sessions() as session:
            session.execute(delete(ProcessedEventRow).where(ProcessedEventRow.event_id == event_id))
            session.commit()

    def open_conversation(self, ref: ConversationRef, now: datetime) -> ConversationState:
        key = {
            "platform": ref.platform,
            "tenant_id": ref.tenant_id,
            "channel_id": ref.channel_id,
            "thread_id": ref.thread_id or "",
        }
        with self._db.sessions() as session:
            row = session.scalars(select(ConversationRow).filter_by(**key)).one_or_none()
            if row is None:
                row = ConversationRow(
                    **key, delivery_ref=ref.delivery_ref, created_at=now, updated_at=now
                )
                session.add(row)
                try:
                    session.commit()
                except IntegrityError:  # created by a concurrent worker a moment ago
                    session.rollback()
                    row = session.scalars(select(ConversationRow).filter_by(**key)).one()
            elif ref.delivery_ref and row.delivery_ref != ref.delivery_ref:
                row.delivery_ref = ref.delivery_ref
                row.updated_at = now
                session.commit()
            pending, queued = _dialogue_from_json(row.pending_action)
            return ConversationState(row.id, pending, queued, row.focus_ticket)

    def delivery_ref(self, conversation_id: int) -> str | None:
        """The latest delivery reference an adapter stored for a conversation (proactive sends)."""
        with self._db.sessions() as session:
            row = session.get(ConversationRow, conversation_id)
            return row.delivery_ref if row else None

    def recent_turns(self, conversation_id: int, limit: int) -> list[Turn]:
        if limit <= 0:
            return []
        with self._db.sessions() as session:
            rows = session.scalars(
                select(TurnRow)
                .where(TurnRow.conversation_id == conversation_id)
                .order_by(TurnRow.id.desc())
                .limit(limit)
            ).all()
        return [_turn_from_row(row) for row in reversed(rows)]

    def append_turns(
        self,
        conversation_id: int,
        turns: Sequence[Turn],
        *,
        dialogue: DialogueState | None = None,
        outcome: tuple[str, Sequence[Reply]] | None = None,
    ) -> None:
        with self._db.sessions() as session:
            session.add_all(_row_from_turn(conversation_id, turn) for turn in turns)
            if outcome is not None:
                event_id, replies = outcome
                claim = session.get(ProcessedEventRow, event_id)
                if claim is not None:
                    claim.outcome = replies_to_json(replies)
            if dialogue is not None:
                row = session.get(ConversationRow, conversation_id)
                if row is not None:
                    row.pending_action = _dialogue_to_json(dialogue.pending, dialogue.queued)
                    row.focus_ticket = dialogue.focus
            session.commit()

    def append_turn(self, conversation_id: int, turn: Turn) -> None:
        self.append_turns(conversation_id, [turn])

    def was_claimed(self, event_id: str, *, except_by: str | None = None) -> bool:
        with self._db.sessions() as session:
            row = session.get(ProcessedEventRow, event_id)
            return row is not None and (except_by is None or row.owner != except_by)

    def set_pending(self, conversation_id: int, pending: PendingAction | None) -> None:
        with self._db.sessions() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                return
            row.pending_action = _dialogue_to_json(pending, ())
            session.commit()

    def save_dialogue(self, conversation_id: int, state: DialogueState) -> None:
        with self._db.sessions() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                return
            row.pending_action = _dialogue_to_json(state.pending, state.queued)
            row.focus_ticket = state.focus
            session.commit()

    def purge_before(self, cutoff: datetime) -> int:
        with self._db.sessions() as session:
            deleted = session.execute(delete(TurnRow).where(TurnRow.created_at < cutoff))
            session.execute(
                delete(ProcessedEventRow).where(ProcessedEventRow.processed_at < cutoff)
            )
            session.commit()
        return int(getattr(deleted, "rowcount", 0) or 0)

    def has_conversation(self, ref: ConversationRef) -> bool:
        found = select(ConversationRow.id).filter_by(
            platform=ref.platform,
            tenant_id=ref.tenant_id,
            channel_id=ref.channel_id,
            thread_id=ref.thread_id or "",
        )
        with self._db.sessions() as session:
            return session.scalars(found.limit(1)).first() is not None


# Built once: building a statement costs more than running it. What they set is named by the
# parameters they are run with.
_INSERT_TURNS = insert(TurnRow)
_ADD_OUTCOME = update(ProcessedEventRow).where(ProcessedEventRow.event_id == bindparam("key"))
_UPDATE_CONVERSATION = update(ConversationRow).where(ConversationRow.id == bindparam("key"))


@functools.cache
def _claim_statement(dialect: str) -> Any:
    return (
        dialect_insert(dialect)(ProcessedEventRow)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProcessedEventRow.event_id)
    )


@functools.cache
def _start_statement(history: int, buckets: int) -> Select[Any]:
    """The one query an event starts with (built once per shape: building a statement costs
    more than running it). One row per recent turn, each carrying the conversation, the
    event's record and the buckets' levels; one row when there is no turn."""
    key = [
        ConversationRow.platform == bindparam("platform"),
        ConversationRow.tenant_id == bindparam("tenant_id"),
        ConversationRow.channel_id == bindparam("channel_id"),
        ConversationRow.thread_id == bindparam("thread_id"),
    ]
    conversation = (
        select(
            ConversationRow.id,
            ConversationRow.delivery_ref,
            ConversationRow.pending_action,
            ConversationRow.focus_ticket,
        )
        .where(*key)
        .subquery("c")
    )
    claim = (
        select(ProcessedEventRow.outcome, literal(1).label("claimed"))
        .where(ProcessedEventRow.event_id == bindparam("event_id"))
        .subquery("p")
    )
    columns: list[Any] = [
        conversation.c.id,
        conversation.c.delivery_ref,
        conversation.c.pending_action,
        conversation.c.focus_ticket,
        claim.c.outcome,
        claim.c.claimed,
    ]
    for n in range(buckets):
        for column in (RateBucketRow.tokens, RateBucketRow.updated_at):
            columns.append(
                select(column)
                .where(RateBucketRow.key == bindparam(f"bucket_{n}"))
                .scalar_subquery()
                .label(f"b{n}_{column.key}")
            )
    anchor = select(literal(1).label("one")).subquery("one")
    joined = anchor.outerjoin(conversation, true()).outerjoin(claim, true())
    if history > 0:
        this_conversation = select(ConversationRow.id).where(*key).scalar_subquery()
        turns = (
            select(*_TURN_COLUMNS)
            .where(TurnRow.conversation_id == this_conversation)
            .order_by(TurnRow.id.desc())
            .limit(history)
            .subquery("t")
        )
        columns.extend(turns.c)
        joined = joined.outerjoin(turns, true())
    return select(*columns).select_from(joined)


# What a classifier reads of the history (its LLM figures are for reports, not for reading).
_TURN_COLUMNS = (
    TurnRow.id.label("turn_id"),
    TurnRow.role,
    TurnRow.text,
    TurnRow.intent,
    TurnRow.created_at,
)


def _key_values(ref: ConversationRef) -> Iterator[tuple[Any, str]]:
    yield ConversationRow.platform, ref.platform
    yield ConversationRow.tenant_id, ref.tenant_id
    yield ConversationRow.channel_id, ref.channel_id
    yield ConversationRow.thread_id, ref.thread_id or ""


def _conversation_key(ref: ConversationRef) -> list[ColumnElement[bool]]:
    return [column == value for column, value in _key_values(ref)]


def _turn_values(conversation_id: int, turn: Turn) -> dict[str, Any]:
    usage = turn.usage or LlmUsage()
    return {
        "conversation_id": conversation_id,
        "role": turn.role,
        "text": turn.text,
        "intent": turn.intent,
        "created_at": turn.created_at,
        "llm_calls": usage.calls,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "llm_latency_ms": usage.latency_ms,
        "llm_model": usage.model,
        "llm_outcome": usage.outcome if turn.usage else None,
    }


def _row_from_turn(conversation_id: int, turn: Turn) -> TurnRow:
    usage = turn.usage or LlmUsage()
    return TurnRow(
        conversation_id=conversation_id,
        role=turn.role,
        text=turn.text,
        intent=turn.intent,
        created_at=turn.created_at,
        llm_calls=usage.calls,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        llm_latency_ms=usage.latency_ms,
        llm_model=usage.model,
        llm_outcome=usage.outcome if turn.usage else None,
    )


def _pending_json(pending: PendingAction) -> dict[str, object]:
    return {"action_id": pending.action_id, "values": dict(pending.values)}


def _dialogue_to_json(pending: PendingAction | None, queued: Sequence[PendingAction]) -> str | None:
    # Actions waiting behind the pending one ride in the same column: one row, one write.
    if pending is None and not queued:
        return None
    data: dict[str, object] = _pending_json(pending) if pending else {}
    if queued:
        data["queued"] = [_pending_json(p) for p in queued]
    return json.dumps(data)


def _pending_from(data: dict[str, object]) -> PendingAction | None:
    action_id = data.get("action_id")
    values = data.get("values")
    if not isinstance(action_id, str):
        return None
    clean = {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}
    return PendingAction(action_id=action_id, values=clean)


def _dialogue_from_json(raw: str | None) -> tuple[PendingAction | None, tuple[PendingAction, ...]]:
    if not raw:
        return None, ()
    data = json.loads(raw)
    queued_raw = data.get("queued")
    queued = (
        tuple(
            p
            for p in (_pending_from(q) for q in queued_raw if isinstance(q, dict))
            if p is not None
        )
        if isinstance(queued_raw, list)
        else ()
    )
    return _pending_from(data), queued


def _turn_from_row(row: TurnRow) -> Turn:
    usage = (
        LlmUsage(
            calls=row.llm_calls,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            latency_ms=row.llm_latency_ms,
            model=row.llm_model,
            outcome=row.llm_outcome,
        )
        if row.llm_outcome
        else None
    )
    role: Literal["user", "assistant"] = "assistant" if row.role == "assistant" else "user"
    return Turn(role=role, text=row.text, created_at=row.created_at, intent=row.intent, usage=usage)
