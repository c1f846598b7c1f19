"""Conversation history, processed events and the dialogue state (pending confirmations, the
ticket in focus) on SQLAlchemy (implements :class:`core.ports.ConversationStore`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from core.intents import LlmUsage
from core.messages import ConversationRef, Reply
from core.ports import ConversationState, DialogueState, PendingAction, RecordedOutcome, Turn
from core.wire import replies_from_json, replies_to_json
from storage.db import Database
from storage.models import ConversationRow, ProcessedEventRow, TurnRow


class SqlConversationStore:
    """Implements :class:`core.ports.ConversationStore`."""

    def __init__(self, database: Database) -> None:
        self._db = database

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
            return RecordedOutcome(replies)

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
