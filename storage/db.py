"""The database: one SQLAlchemy engine, its session factory and the per-dialect tuning.

SQLite is the embedded default; PostgreSQL (``pip install "ticketbot[postgres]"``) is the
production database. The schema is brought to the current migration when the database is
opened (see :mod:`storage.migrations`).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapper, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

POSTGRES_DRIVER = "postgresql+psycopg"
SQLITE_POOL_SIZE = 80  # the core's workers and spares, plus the inbox's bookkeeping threads
URGENT_CONNECTIONS = 4  # see Database.urgent: as many as the inbox keeps requests side by side


class Base(DeclarativeBase):
    """Declarative base of every table the bot keeps."""


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC without an offset (SQLite has no time zones) and always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def _without_nul(_: Mapper[Any], connection: Connection, row: object) -> None:
    # PostgreSQL text can't hold NUL characters (SQLite keeps them): a message with one pasted
    # in is still kept there, with U+FFFD in its place.
    if connection.dialect.name != "postgresql":
        return
    for key, value in list(vars(row).items()):  # loaded values only: nothing is fetched
        if isinstance(value, str) and "\x00" in value:
            setattr(row, key, value.replace("\x00", "\ufffd"))


event.listen(Base, "before_insert", _without_nul, propagate=True)
event.listen(Base, "before_update", _without_nul, propagate=True)


class DatabaseError(Exception):
    """The database can't be used; the message says why, for the operator (no password)."""


def database_url(url: str) -> URL:
    """``url`` as SQLAlchemy should open it. ``postgres://`` and ``postgresql://`` (as hosting
    platforms and users write them) use psycopg 3; a driver named explicitly is kept."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise DatabaseError(
            "TICKETBOT_DATABASE_URL is not a database URL "
            "(sqlite:///path/ticketbot.db or postgresql://user:password@host/database)."
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    if parsed.drivername == POSTGRES_DRIVER and importlib.util.find_spec("psycopg") is None:
        raise DatabaseError(
            'PostgreSQL needs the psycopg driver: pip install "ticketbot[postgres]".'
        )
    return parsed


def _tune_sqlite(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # First: switching to WAL needs the file to itself for a moment, and must wait for a
    # process that is migrating or writing rather than fail at once.
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL lets the server read while a worker writes; NORMAL is durable enough with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class WriterLock:
    """One writer at a time, with a queue that goes first: a writer marked ``urgent`` (a
    request to keep before its platform is acknowledged) is let in before the ordinary
    ones waiting (answers being recorded), however many of those there are."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._urgent = threading.Condition(self._guard)
        self._ordinary = threading.Condition(self._guard)
        self._busy = False
        self._urgent_waiting = 0
        self._ordinary_waiting = 0

    @contextmanager
    def hold(self, *, urgent: bool = False) -> Iterator[None]:
        with self._guard:
            if urgent:
                self._urgent_waiting += 1
                while self._busy:
                    self._urgent.wait()
                self._urgent_waiting -= 1
            else:
                self._ordinary_waiting += 1
                while self._busy or self._urgent_waiting:
                    self._ordinary.wait()
                self._ordinary_waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._guard:
                self._busy = False
                if self._urgent_waiting:
                    self._urgent.notify()
                elif self._ordinary_waiting:
                    self._ordinary.notify()


@dataclass
class Database:
    """An engine plus its session factory. Build it once, in the composition root."""

    engine: Engine
    sessions: sessionmaker[Session]
    _writer: WriterLock = field(default_factory=WriterLock, repr=False)
    _urgent: Engine | None = field(default=None, repr=False)
    _urgent_guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def writing(self, *, urgent: bool = False) -> AbstractContextManager[object]:
        """Hold around a write transaction. SQLite lets one writer in at a time: queueing
        this process's writers here is cheaper than its busy handler's sleeps, and lets the
        ``urgent`` ones go first. PostgreSQL queues them on the rows themselves."""
        return self._writer.hold(urgent=urgent) if self.dialect == "sqlite" else nullcontext()

    @classmethod
    def connect(cls, url: str, *, create: bool = True) -> Database:
        """Open ``url`` (SQLite by default) and, unless ``create`` is false, create its schema
        or upgrade it to the newest migration (under a lock, so replicas starting together
        don't race)."""
        parsed = database_url(url)
        is_sqlite = parsed.get_backend_name() == "sqlite"
        if is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {}
        if is_sqlite and parsed.database not in (None, "", ":memory:"):
            # A SQLite connection costs a file handle and its PRAGMAs: keep enough of them for
            # every worker at once, instead of opening and closing overflow ones in a burst.
            options |= {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}
        engine = _engine(parsed, **options)
        database = cls(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
        if create:
            from storage.migrations import upgrade

            try:
                upgrade(engine)
            except OperationalError as exc:
                engine.dispose()
                raise DatabaseError(describe_unreachable(parsed, exc)) from exc
            except DatabaseError:
                engine.dispose()
                raise
        return database

    def urgent(self) -> Engine:
        """An engine with a few connections of its own for the writes a platform waits on
        (keeping a request before its 200): those never wait for a connection that the core's
        work holds (PostgreSQL's pool is small: replicas share the server's connections)."""
        database = self.engine.url.database
        if self.dialect == "sqlite" and database in (None, "", ":memory:"):
            return self.engine  # another engine would open another (empty) database
        with self._urgent_guard:
            if self._urgent is None:
                self._urgent = _engine(
                    self.engine.url, pool_size=URGENT_CONNECTIONS, max_overflow=0
                )
            return self._urgent

    def dispose(self) -> None:
        self.engine.dispose()
        with self._urgent_guard:
            if self._urgent is not None:
                self._urgent.dispose()
                self._urgent = None


def _engine(url: URL, **options: Any) -> Engine:
    is_sqlite = url.get_backend_name() == "sqlite"
    # pre_ping: a PostgreSQL restart or an idle timeout must not fail the next message.
    engine = create_engine(url, pool_pre_ping=not is_sqlite, **options)
    if is_sqlite:
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def serialise_transaction(session: Session, key: int) -> None:
    """Make the rest of ``session``'s transaction run one at a time with every other
    transaction that passes the same ``key``: a PostgreSQL advisory lock, released at commit
    or rollback. SQLite already lets one writer at a time in, so there it does nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def insert_or_merge(connection: Connection) -> Any:
    """The dialect's INSERT construct, the one with ``on_conflict_do_nothing`` /
    ``on_conflict_do_update`` (SQLite and PostgreSQL spell ON CONFLICT the same)."""
    return dialect_insert(connection.dialect.name)


def dialect_insert(dialect: str) -> Any:
    """:func:`insert_or_merge` by the dialect's name."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def describe_unreachable(url: URL, exc: OperationalError) -> str:
    """One line for a database that can't be opened: where, and the driver's first line."""
    lines = str(exc.orig or exc).strip().splitlines()
    reason = lines[0] if lines else type(exc.orig or exc).__name__
    return f"can't open the database {url.render_as_string(hide_password=True)}: {reason}"
