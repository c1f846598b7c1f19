"""The audit trail in the database (implements :class:`core.ports.AuditLog`) and its query.

The bot only appends. The database refuses any UPDATE of ``audit_log``, and any DELETE of an
entry younger than the retention recorded in ``audit_retention`` (triggers, installed by the
migrations on SQLite and PostgreSQL alike); :meth:`SqlAuditLog.purge_expired` records the
retention and deletes what is past it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from core.ports import AuditEntry
from storage.db import Database
from storage.models import AuditRetentionRow, AuditRow
from storage.unit_of_work import current_unit, without_nul

DetailValue = str | int | float | bool | None
log = logging.getLogger(__name__)


class SqlAuditLog:
    """Implements :class:`core.ports.AuditLog`; :meth:`query` reads it back."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def record(self, entry: AuditEntry) -> None:
        """Append ``entry``: inside a unit of work (an event being handled) with the event's
        one transaction, else at once."""
        values = {
            "at": entry.at,
            "action": _fit("action", entry.action),
            "outcome": entry.outcome,
            "platform": _fit("platform", entry.platform),
            "user_id": _fit("user_id", entry.user_id),
            "user_email": _fit("user_email", entry.user_email),
            "conversation": _fit("conversation", entry.conversation),
            "ticket": _fit("ticket", entry.ticket),
            "request_id": _fit("request_id", entry.request_id),
            "detail": json.dumps(dict(entry.detail), ensure_ascii=False, default=str),
        }
        unit = current_unit(self._db)
        if unit is not None:
            unit.insert(AuditRow, values)
            return
        with self._db.engine.begin() as connection:
            connection.execute(insert(AuditRow), [without_nul(connection, values)])

    def purge_expired(self, retention_days: int | None) -> int:
        """Record ``retention_days`` (None: keep everything) where the append-only guard reads
        it, and delete the entries older than that; returns how many were deleted.

        The horizon is taken from the database's clock, the one the guard judges by, so the
        delete never reaches an entry the guard protects."""
        with self._db.sessions() as session:
            _set_retention(session, retention_days)
            deleted = 0
            if retention_days is not None:
                horizon = _database_now(session) - timedelta(days=retention_days)
                result = session.execute(delete(AuditRow).where(AuditRow.at < horizon))
                deleted = int(getattr(result, "rowcount", 0) or 0)
            session.commit()
        if deleted:
            log.info("audit: deleted %d entries older than %d days", deleted, retention_days)
        return deleted

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


def _set_retention(session: Session, days: int | None) -> None:
    changed = session.execute(
        update(AuditRetentionRow).where(AuditRetentionRow.id == 1).values(days=days)
    )
    if not getattr(changed, "rowcount", 0):
        session.execute(insert(AuditRetentionRow).values(id=1, days=days))


def _database_now(session: Session) -> datetime:
    now = session.scalar(select(func.current_timestamp()))
    if not isinstance(now, datetime):
        raise RuntimeError(f"the database's clock gave {now!r}")
    # PostgreSQL answers with an offset; SQLite in UTC without one.
    return now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)


def _fit(column: str, value: str | None) -> str | None:
    """``value`` cut to the column's length: PostgreSQL refuses longer text (SQLite kept it),
    and an audit entry must never be lost for being long."""
    column_type = AuditRow.__table__.c[column].type
    length = column_type.length if isinstance(column_type, String) else None
    if value is None or length is None or len(value) <= length:
        return value
    return value[: length - 1] + "…"


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
