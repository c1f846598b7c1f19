"""LLM usage per day and model, summed from the turns table (for ``ticketbot usage``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from storage.db import Database
from storage.models import TurnRow


@dataclass(frozen=True)
class UsageRow:
    """One day and model: how many messages the LLM read and what it cost."""

    day: date
    model: str
    messages: int
    calls: int
    prompt_tokens: int
    completion_tokens: int
    avg_latency_ms: float
    max_latency_ms: float
    fallbacks: int


def usage_by_day(database: Database, since: datetime | None = None) -> list[UsageRow]:
    """Turns that went to an LLM (``llm_model`` set), grouped by UTC day and model, oldest
    first. A fallback turn counts as a message and as a fallback; its calls and any tokens the
    server reported still count."""
    day = func.date(TurnRow.created_at)
    query = (
        select(
            day,
            TurnRow.llm_model,
            func.count(),
            func.sum(TurnRow.llm_calls),
            func.sum(TurnRow.prompt_tokens),
            func.sum(TurnRow.completion_tokens),
            func.avg(TurnRow.llm_latency_ms),
            func.max(TurnRow.llm_latency_ms),
            func.sum(case((TurnRow.llm_outcome.like("fallback:%"), 1), else_=0)),
        )
        .where(TurnRow.llm_model.is_not(None))
        .group_by(day, TurnRow.llm_model)
        .order_by(day, TurnRow.llm_model)
    )
    if since is not None:
        query = query.where(TurnRow.created_at >= since)
    with database.sessions() as session:
        rows = session.execute(query).all()
    return [
        UsageRow(
            day=_as_date(row[0]),
            model=str(row[1]),
            messages=int(row[2]),
            calls=int(row[3] or 0),
            prompt_tokens=int(row[4] or 0),
            completion_tokens=int(row[5] or 0),
            avg_latency_ms=float(row[6] or 0.0),
            max_latency_ms=float(row[7] or 0.0),
            fallbacks=int(row[8] or 0),
        )
        for row in rows
    ]


def fallback_reasons(database: Database, since: datetime | None = None) -> dict[str, int]:
    """How often each fallback reason occurred (``timeout``, ``rate_limited``, ...)."""
    query = (
        select(TurnRow.llm_outcome, func.count())
        .where(TurnRow.llm_outcome.like("fallback:%"))
        .group_by(TurnRow.llm_outcome)
        .order_by(func.count().desc(), TurnRow.llm_outcome)
    )
    if since is not None:
        query = query.where(TurnRow.created_at >= since)
    with database.sessions() as session:
        rows = session.execute(query).all()
    return {str(outcome).removeprefix("fallback:"): int(count) for outcome, count in rows}


def _as_date(value: object) -> date:
    # SQLite's date() gives text, other databases a date.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
