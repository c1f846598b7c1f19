"""A consistent copy of the SQLite database while the bot runs (SQLite's online backup API).

The copy is taken in one step, so it is one snapshot even while workers write (WAL lets them
carry on), checked with ``PRAGMA integrity_check``, switched to a self-contained rollback
journal, and only then moved into place: a failed backup never leaves a half-written file
under the target name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup could not be made; the message says why, for the operator."""


@dataclass(frozen=True)
class BackupReport:
    source: Path
    target: Path
    size_bytes: int
    rows: dict[str, int]  # rows per table, as copied
    integrity: str  # "ok"


def sqlite_file(database_url: str) -> Path:
    """The database file behind ``database_url``, or :class:`BackupError` if it has none."""
    url = make_url(database_url)
    if url.get_backend_name() in ("postgres", "postgresql"):
        plain = url._replace(drivername="postgresql", password=None).render_as_string()
        raise BackupError(
            "ticketbot backup copies SQLite databases; PostgreSQL has its own backup tools, "
            f"for instance: pg_dump --format=custom --file=ticketbot.dump '{plain}' "
            "(restore with pg_restore)."
        )
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"ticketbot backup copies SQLite databases; {url.get_backend_name()} has its own "
            "backup tools."
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("The database is in memory: there is no file to back up.")
    return Path(url.database).expanduser()


def backup_sqlite(database_url: str, target: Path) -> BackupReport:
    """Copy the live database to ``target`` (replacing it) and verify the copy."""
    source = sqlite_file(database_url)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    target = target.expanduser()
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("The backup file can't be the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        rows, integrity = _copy(source, partial)
        if integrity != "ok":
            raise BackupError(f"The copy failed its integrity check: {integrity}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(source, target, target.stat().st_size, rows, integrity)


def _copy(source: Path, destination: Path) -> tuple[dict[str, int], str]:
    with (
        contextlib.closing(sqlite3.connect(source, timeout=30)) as src,
        contextlib.closing(sqlite3.connect(destination)) as dst,
    ):
        src.backup(dst)  # pages=-1: everything in one step, one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        integrity = str(dst.execute("PRAGMA integrity_check").fetchone()[0])
        return row_counts(dst), integrity


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of an open SQLite database (restores are checked the same way)."""
    names = [
        str(name)
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    return {
        name: int(connection.execute(f"SELECT count(*) FROM {quoted[name]}").fetchone()[0])
        for name in names
    }
