"""Files that came with messages, in the bot's database until they reach a ticket (implements
:class:`core.ports.AttachmentStore`).

An adapter saves each file it downloaded before it calls the core; the core reads it back by
id when it attaches it to a ticket, and discards it once attached. Files never attached (a
draft the person cancelled) are purged with the conversation history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete

from core.ports import StoredFile
from storage.db import Database
from storage.models import AttachmentRow

NAME_MAX = 255
CONTENT_TYPE_MAX = 255


class SqlAttachmentStore:
    """Implements :class:`core.ports.AttachmentStore`."""

    def __init__(self, database: Database, *, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._clock = clock

    def save(self, owner: str, name: str, content_type: str, data: bytes) -> str:
        attachment_id = uuid.uuid4().hex
        with self._db.sessions() as session:
            session.add(
                AttachmentRow(
                    id=attachment_id,
                    owner=owner,
                    name=name[:NAME_MAX],
                    content_type=content_type[:CONTENT_TYPE_MAX],
                    size=len(data),
                    data=data,
                    created_at=self._clock(),
                )
            )
            session.commit()
        return attachment_id

    def read(self, attachment_id: str, owner: str) -> StoredFile | None:
        with self._db.sessions() as session:
            row = session.get(AttachmentRow, attachment_id)
            if row is None or row.owner != owner:
                return None
            return StoredFile(name=row.name, content_type=row.content_type, data=row.data)

    def discard(self, attachment_id: str) -> None:
        with self._db.sessions() as session:
            session.execute(delete(AttachmentRow).where(AttachmentRow.id == attachment_id))
            session.commit()

    def purge_before(self, cutoff: datetime) -> int:
        """Delete files saved before ``cutoff``; return how many."""
        with self._db.sessions() as session:
            deleted = session.execute(
                delete(AttachmentRow).where(AttachmentRow.created_at < cutoff)
            )
            session.commit()
        return int(getattr(deleted, "rowcount", 0) or 0)
