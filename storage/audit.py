"""The audit trail in the database (implements :class:`core.ports.AuditLog`) and its query.

The bot only appends; on SQLite, triggers refuse any UPDATE or DELETE of ``audit_log``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from core.ports import AuditEntry
from storage.db import Database
from storage.models import AuditRow

DetailValue = str | int | float | bool | None


class SqlAuditLog:
    """Implements :class:`core.ports.AuditLog`; :meth:`query` reads it back."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def record(self, entry: AuditEntry) -> None:
        with self._db.sessions() as session:
            session.add(
                AuditRow(
                    at=entry.at,
                    action=entry.action,
                    outcome=entry.outcome,
                    platform=entry.platform,
                    user_id=entry.user_id,
                    user_email=entry.user_email,
                    conversation=entry.conversation,
                    ticket=entry.ticket,
                    request_id=entry.request_id,
                    detail=json.dumps(dict(entry.detail), ensure_ascii=False, default=str),
                )
            )
            session.commit()

    def query(
        self,
        *,
        since: datetime | None = None,
        user: str | None = None,
        action: str | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """Entries oldest first. ``user`` matches a user id or an e-mail (case-insensitive);
        ``action`` matches an action or a prefix ending in a dot (``refused.``)."""
        statement = select(AuditRow)
        if since is not None:
            statement = statement.where(AuditRow.at >= since)
        if user:
            statement = statement.where(
                or_(AuditRow.user_id == user, AuditRow.user_email.ilike(user))
            )
        if action:
            statement = statement.where(
                AuditRow.action.startswith(action, autoescape=True)
                if action.endswith(".")
                else AuditRow.action == action
            )
        # The newest ``limit`` entries, shown oldest first.
        statement = statement.order_by(AuditRow.id.desc()).limit(limit)
        with self._db.sessions() as session:
            rows = session.scalars(statement).all()
        return [_entry(row) for row in reversed(rows)]


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        action=row.action,
        outcome=row.outcome,
        platform=row.platform,
        user_id=row.user_id,
        user_email=row.user_email,
        conversation=row.conversation,
        ticket=row.ticket,
        request_id=row.request_id,
        detail=_detail(row.detail),
    )


def _detail(raw: str) -> Mapping[str, DetailValue]:
    try:
        data: Any = json.loads(raw or "{}")
    except ValueError:
        return {"raw": raw}
    if not isinstance(data, dict):
        return {"raw": raw}
    return {
        str(k): v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in data.items()
    }
