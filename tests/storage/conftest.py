"""Storage tests run on SQLite and on PostgreSQL: the ``database_url`` and ``database``
fixtures are parametrized over both. Each PostgreSQL test gets a schema of its own, dropped
afterwards. PostgreSQL tests are skipped only when no server answers (the run's summary says
so); ``TICKETBOT_TEST_POSTGRES_URL`` points them at another server."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage.db import Database, database_url
from tests.storage.support import postgres_schema

CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
_skipped: list[str] = []
_ran: list[str] = []


@cache
def postgres_server() -> tuple[str | None, str]:
    """A PostgreSQL URL that answers, or None and why not."""
    configured = os.environ.get("TICKETBOT_TEST_POSTGRES_URL")
    reasons = []
    for url in (configured,) if configured else CANDIDATES:
        engine = create_engine(database_url(url), connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return url, ""
        except OperationalError as exc:
            reasons.append(str(exc.orig).strip().splitlines()[0])
        finally:
            engine.dispose()
    return None, "; ".join(reasons)


@contextlib.contextmanager
def fresh_postgres_schema(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL whose connections use a new, empty schema (dropped afterwards); skips the test
    when no PostgreSQL server answers."""
    server, reason = postgres_server()
    if server is None:
        _skipped.append(request.node.nodeid)
        pytest.skip(f"no PostgreSQL server answered ({reason})")
    _ran.append(request.node.nodeid)
    with postgres_schema(server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url_for_test(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ticketbot.db'}"
        return
    with fresh_postgres_schema(request) as url:
        yield url


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL schema, for what only PostgreSQL does."""
    with fresh_postgres_schema(request) as url:
        yield url


@pytest.fixture
def database(database_url_for_test: str) -> Iterator[Database]:
    """The bot's database, migrated to the newest schema, on SQLite or PostgreSQL."""
    db = Database.connect(database_url_for_test)
    yield db
    db.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped:
        _, reason = postgres_server()
        terminalreporter.write_line(
            f"PostgreSQL: {len(_skipped)} storage tests SKIPPED, no server answered ({reason})",
            yellow=True,
        )
    elif _ran:
        server, _ = postgres_server()
        shown = make_url(server or "").render_as_string(hide_password=True)
        terminalreporter.write_line(f"PostgreSQL: {len(_ran)} storage tests ran on {shown}")
