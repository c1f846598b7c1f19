"""Values too long for a chat platform's button or form (Slack's 2,000-character button
value), kept by token in the database so that a click landing on any replica finds them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from storage.db import Database
from storage.models import CardValuesRow


class SqlCardValues:
    """Parked values by token, until ``ttl`` after they were parked."""

    def __init__(self, database: Database, clock: Callable[[], datetime], ttl: timedelta) -> None:
        self._db = database
        self._clock = clock
        self._ttl = ttl

    def put(self, values: Mapping[str, str]) -> str:
        token = secrets.token_urlsafe(12)
        row = CardValuesRow(
            token=token,
            values=json.dumps(dict(values), ensure_ascii=False),
            expires_at=self._clock() + self._ttl,
        )
        with self._db.sessions() as session:
            session.add(row)
            session.commit()
        return token

    def get(self, token: str) -> dict[str, str] | None:
        with self._db.sessions() as session:
            row = session.get(CardValuesRow, token[:32])
        if row is None or row.expires_at < self._clock():
            return None
        data = json.loads(row.values)
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None

    def count(self) -> int:
        with self._db.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(CardValuesRow)) or 0)

    def purge_expired(self) -> int:
        with self._db.sessions() as session:
            result = session.execute(
                delete(CardValuesRow).where(CardValuesRow.expires_at < self._clock())
            )
            session.commit()
        return int(getattr(result, "rowcount", 0) or 0)
