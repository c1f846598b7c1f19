"""Schema migrations (Alembic): bring a database to the newest revision, safely.

The first revision is the schema the bot had before migrations existed. A database made by
that release has tables but no ``alembic_version``: it is adopted (its tables are kept, the
revision is recorded) rather than created again. Upgrades take a lock first — a PostgreSQL
advisory lock, or a lock file beside a SQLite database — so replicas starting together
upgrade once, one after the other.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TextIO

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError

from storage.db import DatabaseError

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
# Any fixed number: every process of every release must use the same one.
ADVISORY_LOCK_KEY = 0x7469636B  # "tick"
KNOWN_TABLE = "conversations"  # present in every release's schema


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its recorded revision and the newest one this release has."""

    current: str | None  # None: never migrated (new, or made before migrations existed)
    head: str
    unversioned_tables: bool  # tables exist without a recorded revision (an older release)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def newer_than_release(self) -> bool:
        """Stamped by a later release (this one was rolled back onto its database)."""
        return self.current is not None and self.current not in _known()


@dataclass(frozen=True)
class UpgradeResult:
    before: SchemaState
    after: str

    @property
    def changed(self) -> bool:
        return self.before.current != self.after


def alembic_config(connection: Connection | None = None, stdout: TextIO | None = None) -> Config:
    """Alembic's configuration for this package's migrations (no alembic.ini needed)."""
    config = Config(stdout=stdout) if stdout is not None else Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@cache
def _known() -> frozenset[str]:
    return frozenset(script.revision for script in _scripts().walk_revisions())


def head() -> str:
    """The newest revision this release knows."""
    revision = _scripts().get_current_head()
    if revision is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no migrations found")
    return revision


def state(connection: Connection) -> SchemaState:
    """The database's revision next to this release's head."""
    current = MigrationContext.configure(connection).get_current_revision()
    unversioned = current is None and inspect(connection).has_table(KNOWN_TABLE)
    return SchemaState(current=current, head=head(), unversioned_tables=unversioned)


def current_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        return state(connection)


def upgrade(engine: Engine, revision: str = "head") -> UpgradeResult:
    """Upgrade to ``revision`` if the database is behind; a no-op (without a lock, on
    PostgreSQL) when not."""
    # SQLite: starters take the lock file before they open the database at all. Opening it
    # switches it to WAL, which needs the file to itself; starters that did so side by side
    # with another's migration could run out of busy timeout on a loaded machine and fail.
    with _file_lock(engine):
        return _upgrade(engine, revision)


def _upgrade(engine: Engine, revision: str) -> UpgradeResult:
    try:
        before = current_state(engine)
    except OperationalError as exc:
        if engine.dialect.name != "sqlite" or "locked" not in str(exc.orig):
            raise
        # SQLite busy past its timeout (another process writing, a loaded machine): look
        # again below, under PostgreSQL's lock (SQLite's lock file is held already).
        log.info("database busy; waiting for the migration lock")
    else:
        if revision == "head" and before.up_to_date:
            return UpgradeResult(before, before.head)
    with _locked(engine) as connection:
        before = state(connection)  # another process may have upgraded while we waited
        if revision == "head" and before.up_to_date:
            return UpgradeResult(before, before.head)
        if before.newer_than_release:
            raise DatabaseError(
                f"the database schema is at revision {before.current}, newer than this release "
                f"knows (its newest is {before.head}): run the newer ticketbot, or restore a "
                "backup taken before the upgrade"
            )
        if before.unversioned_tables:
            log.info("adopting a database made before migrations: its tables are kept")
        command.upgrade(alembic_config(connection), revision)
        after = MigrationContext.configure(connection).get_current_revision()
    log.info("database schema upgraded from %s to %s", before.current or "(none)", after)
    return UpgradeResult(before, after or "")


@contextlib.contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that only one process at a time holds; committed at the
    end (rolled back on an error, which also releases the lock)."""
    with engine.connect() as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            # Released with the transaction, so a crashed upgrade never leaves it held.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
        yield connection


@contextlib.contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # Windows: one process at a time is the operator's job there
        yield
        return
    lock_path = Path(database).expanduser().with_name(Path(database).name + ".migrate-lock")
    try:
        handle = lock_path.open("a")
    except OSError:  # a read-only folder: nothing can be migrated there, so nothing to lock
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
