"""Background jobs that must run on one replica at a time (retention purges): on PostgreSQL
the replica holding a session advisory lock runs it and the others skip that round; if it dies,
the lock goes with its connection and the next replica to try runs it. SQLite serves one host,
where its own write lock already keeps two purges from overlapping."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable

from sqlalchemy import text

from storage.db import Database

log = logging.getLogger(__name__)

_NAMESPACE = 0x74696B00  # keeps these keys apart from the migration lock's


def job_key(name: str) -> int:
    """The advisory lock key of job ``name`` (the same in every process and release)."""
    return (_NAMESPACE << 32) | zlib.crc32(name.encode("utf-8"))


def run_once(database: Database, name: str, job: Callable[[], object]) -> bool:
    """Run ``job`` unless another replica is running job ``name`` right now (then False)."""
    if database.dialect != "postgresql":
        job()
        return True
    key = job_key(name)
    with database.engine.connect() as connection:
        took = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        connection.commit()
        if not took.scalar():
            log.info("job %s is running on another replica; skipped here", name)
            return False
        try:
            job()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
    return True
