"""Migrations: the newest revision is exactly storage/models.py, a database made by the release
before migrations is adopted with its rows, and replicas starting together upgrade once."""

from __future__ import annotations

import importlib.util
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

import storage.models  # noqa: F401  (registers the tables)
from bots.__main__ import main
from core.messages import ConversationRef
from storage.audit import SqlAuditLog
from storage.db import Base, Database, DatabaseError, database_url
from storage.history import SqlConversationStore
from storage.migrations import ADVISORY_LOCK_KEY, current_state, head, upgrade

RELEASE_0_1 = Path(__file__).parent / "data"
SLACK_C1 = ConversationRef(platform="slack", tenant_id="T1", channel_id="C1")


def test_the_newest_revision_is_exactly_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    # A column or table added to storage/models.py without a migration shows up here.
    assert differences == [], 'models changed without a migration: python -m storage.migrations "…"'

    assert current_state(database.engine).current == head()


def _build_release_0_1(url: str) -> None:
    """The schema as ticketbot 0.1 made it (create_all, no alembic_version), with rows."""
    engine = create_engine(database_url(url))
    ddl = (RELEASE_0_1 / f"release_0_1_{engine.dialect.name}.sql").read_text()
    lines = [line for line in ddl.splitlines() if not line.startswith("--")]
    with engine.begin() as connection:
        for statement in "\n".join(lines).split(";\n"):
            if statement.strip():
                connection.exec_driver_sql(statement)
        connection.execute(
            text(
                "INSERT INTO conversations (platform, tenant_id, channel_id, thread_id, "
                "created_at, updated_at) VALUES ('slack', 'T1', 'C1', '', :at, :at)"
            ),
            {"at": datetime(2026, 11, 1, 9, 0)},
        )
        connection.execute(
            text(
                "INSERT INTO turns (conversation_id, role, text, created_at, llm_calls, "
                "prompt_tokens, completion_tokens, llm_latency_ms) "
                "VALUES (1, 'user', 'the printer is on fire', :at, 0, 0, 0, 0)"
            ),
            {"at": datetime(2026, 11, 1, 9, 0)},
        )
        connection.execute(
            text(
                "INSERT INTO audit_log (at, action, outcome, platform, user_id, conversation, "
                "detail) VALUES (:at, 'ticket.create', 'ok', 'slack', 'U1', 'C1', '{}')"
            ),
            {"at": datetime(2026, 11, 1, 9, 0)},
        )
    engine.dispose()


def test_db_upgrade_adopts_a_release_0_1_database_and_keeps_its_rows(
    database_url_for_test: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _build_release_0_1(database_url_for_test)
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", database_url_for_test)

    assert main(["db", "current"]) == 0
    assert "none (made before migrations)" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"adopted: made before migrations) to {head()}" in capsys.readouterr().out

    database = Database.connect(database_url_for_test, create=False)
    try:
        assert current_state(database.engine).current == head()
        store = SqlConversationStore(database)
        conversation = store.open_conversation(
            SLACK_C1, datetime(2026, 11, 2, tzinfo=UTC)
        ).conversation_id
        assert [t.text for t in store.recent_turns(conversation, 10)] == ["the printer is on fire"]
        [entry] = SqlAuditLog(database).query()
        assert entry.action == "ticket.create" and entry.user_id == "U1"
        with database.engine.connect() as connection, pytest.raises(DBAPIError, match="append"):
            connection.execute(text("DELETE FROM audit_log"))
    finally:
        database.dispose()

    assert main(["db", "upgrade"]) == 0
    assert f"already at {head()}, nothing to do" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert f"revision {head()}, newest {head()}: up to date" in capsys.readouterr().out


def test_start_up_upgrades_a_database_one_revision_behind(database_url_for_test: str) -> None:
    engine = create_engine(database_url(database_url_for_test))
    upgrade(engine, "0001")
    engine.dispose()
    database = Database.connect(database_url_for_test)  # what serve does at start-up
    try:
        assert current_state(database.engine).up_to_date
        SqlAuditLog(database).purge_expired(30)  # the table revision 0002 added is there
    finally:
        database.dispose()


def test_replicas_starting_together_upgrade_once(database_url_for_test: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            barrier.wait()
            Database.connect(database_url_for_test).dispose()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    engine = create_engine(database_url(database_url_for_test))
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert versions == [(head(),)]


def test_sqlite_starters_open_the_file_only_under_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opening switches the file to WAL, which needs it to itself: starters doing so beside
    # another's migration ran out of busy timeout on a loaded machine.
    fcntl = pytest.importorskip("fcntl")
    there_when_locked: list[list[str]] = []
    real_flock = fcntl.flock

    def flock(handle: object, operation: int) -> None:
        if operation == fcntl.LOCK_EX:
            there_when_locked.append(sorted(p.name for p in tmp_path.iterdir()))
        real_flock(handle, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    Database.connect(f"sqlite:///{tmp_path / 'ticketbot.db'}").dispose()
    assert there_when_locked == [["ticketbot.db.migrate-lock"]]


@pytest.mark.parametrize(
    ("written", "opened"),
    [
        (
            "postgres://bot:pw@db.example:5432/tickets",
            "postgresql+psycopg://bot:***@db.example:5432/tickets",
        ),
        (
            "postgresql://bot@db/tickets?sslmode=require",
            "postgresql+psycopg://bot@db/tickets?sslmode=require",
        ),
        ("postgresql+psycopg2://bot@db/tickets", "postgresql+psycopg2://bot@db/tickets"),
        (" sqlite:///data/ticketbot.db ", "sqlite:///data/ticketbot.db"),
    ],
)
def test_urls_are_opened_as_users_write_them(written: str, opened: str) -> None:
    assert database_url(written).render_as_string(hide_password=True) == opened


def test_a_url_that_is_not_one_is_one_clear_line() -> None:
    with pytest.raises(DatabaseError, match="is not a database URL") as raised:
        database_url("tickets on the shared drive")
    assert "\n" not in str(raised.value)


def test_an_unreachable_server_is_one_line_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgres://bot:hunter2-secret@127.0.0.1:1/tickets?connect_timeout=2"
    with pytest.raises(DatabaseError) as raised:
        Database.connect(url)
    assert "127.0.0.1:1" in str(raised.value) and "hunter2" not in str(raised.value)

    monkeypatch.setenv("TICKETBOT_DATABASE_URL", url)
    assert main(["db", "current"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "can't open the database" in err and "hunter2" not in err


def test_on_postgresql_an_upgrade_waits_for_the_one_in_progress(postgres_url: str) -> None:
    engine = create_engine(database_url(postgres_url))
    results: list[str] = []
    with engine.connect() as holder:
        # Another replica is upgrading: it holds the lock.
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        holder.commit()
        starting = threading.Thread(
            target=lambda: results.append(Database.connect(postgres_url).dialect)
        )
        starting.start()
        waiting = False
        for _ in range(600):  # until the starting replica is seen queued behind the lock
            waiting = bool(
                holder.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND objid = :key"
                    ),
                    {"key": ADVISORY_LOCK_KEY},
                )
            )
            holder.commit()
            if waiting or not starting.is_alive():
                break
            threading.Event().wait(0.05)
        assert waiting and results == []  # queued, and nothing migrated meanwhile
        assert not inspect(holder).has_table("alembic_version")
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        holder.commit()
    starting.join()
    assert results == ["postgresql"]
    assert current_state(engine).up_to_date
    engine.dispose()


def test_postgresql_without_its_driver_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "psycopg" else real_find_spec(name, *a),
    )

    with pytest.raises(DatabaseError, match=r'pip install "ticketbot\[postgres\]"'):
        Database.connect("postgres://bot@db.example/tickets")


def test_a_database_from_a_newer_release_is_refused_in_one_line(
    database: Database,
    database_url_for_test: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))

    with pytest.raises(DatabaseError, match="revision 0099, newer than this release knows"):
        Database.connect(database_url_for_test)  # a rolled-back bot starting up
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", database_url_for_test)
    assert main(["db", "current"]) == 0
    assert "revision 0099" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 1
    assert "newer than this release" in capsys.readouterr().err
