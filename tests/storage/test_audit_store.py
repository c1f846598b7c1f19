"""The audit trail on SQLite and PostgreSQL: append-only for live entries, retention for old
ones, and long values kept rather than refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bots.__main__ import main
from core.ports import AuditEntry
from storage.audit import SqlAuditLog
from storage.db import Database


def _entry(at: datetime, user: str = "alice") -> AuditEntry:
    return AuditEntry(at=at, action="ticket.create", user_id=user, detail={"n": 1})


def test_live_entries_cant_be_changed_deleted_or_truncated(database: Database) -> None:
    log = SqlAuditLog(database)
    log.record(_entry(datetime.now(UTC)))

    statements = ["UPDATE audit_log SET outcome = 'forged'", "DELETE FROM audit_log"]
    if database.dialect == "postgresql":
        statements.append("TRUNCATE audit_log")
    for statement in statements:
        with database.engine.connect() as connection, pytest.raises(DBAPIError, match="append"):
            connection.execute(text(statement))
    assert [(e.outcome, e.user_id) for e in log.query()] == [("ok", "alice")]


def test_retention_purges_old_entries_and_still_guards_live_ones(database: Database) -> None:
    log = SqlAuditLog(database)
    now = datetime.now(UTC)
    log.record(_entry(now - timedelta(days=400), "old"))
    log.record(_entry(now - timedelta(days=366), "older than a year"))
    log.record(_entry(now - timedelta(days=364), "recent"))
    log.record(_entry(now, "live"))

    assert log.purge_expired(None) == 0  # the default keeps everything
    assert len(log.query()) == 4
    assert log.purge_expired(365) == 2

    assert [e.user_id for e in log.query()] == ["recent", "live"]
    with database.engine.connect() as connection:
        for statement in (
            "DELETE FROM audit_log",
            "UPDATE audit_log SET outcome = 'forged' WHERE user_id = 'recent'",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                connection.execute(text(statement))
            connection.rollback()
    assert [e.user_id for e in log.query()] == ["recent", "live"]


def test_turning_retention_off_again_protects_every_entry(database: Database) -> None:
    log = SqlAuditLog(database)
    log.record(_entry(datetime.now(UTC) - timedelta(days=30), "month old"))
    log.purge_expired(365)
    log.purge_expired(None)

    with database.engine.connect() as connection, pytest.raises(DBAPIError, match="append"):
        connection.execute(text("DELETE FROM audit_log"))
    assert [e.user_id for e in log.query()] == ["month old"]


def test_retention_below_a_day_is_refused_by_the_database(database: Database) -> None:
    with pytest.raises(DBAPIError), database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_retention SET days = 0"))


def test_long_values_are_cut_to_fit_not_refused(database: Database) -> None:
    log = SqlAuditLog(database)
    log.record(
        AuditEntry(
            at=datetime.now(UTC),
            action="refused." + "x" * 100,
            ticket="T" * 500,
            conversation="c" * 5000,
        )
    )

    [entry] = log.query()
    assert entry.ticket is not None and len(entry.ticket) == 64 and entry.ticket.endswith("…")
    assert len(entry.conversation) == 1024 and len(entry.action) == 64


def test_query_matches_emails_case_insensitively_and_action_prefixes(database: Database) -> None:
    log = SqlAuditLog(database)
    at = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    log.record(AuditEntry(at=at, action="refused.rate_limit", user_email="Alice@Example.com"))
    log.record(AuditEntry(at=at + timedelta(minutes=1), action="ticket.create", user_id="bob"))

    [alice] = log.query(user="alice@example.com")
    assert alice.action == "refused.rate_limit" and alice.at == at
    assert [e.user_id for e in log.query(action="ticket.")] == ["bob"]
    assert log.query(action="refused_") == []  # a LIKE wildcard is a plain character
    assert [e.action for e in log.query(since=at + timedelta(seconds=30))] == ["ticket.create"]


def test_start_up_and_purge_apply_the_audit_retention_setting(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = SqlAuditLog(database)
    log.record(_entry(datetime.now(UTC) - timedelta(days=40), "expired"))
    log.record(_entry(datetime.now(UTC), "live"))
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", str(database.engine.url.render_as_string(False)))

    assert main(["purge"]) == 0  # default: keep forever
    assert [e.user_id for e in log.query()] == ["expired", "live"]
    monkeypatch.setenv("TICKETBOT_AUDIT_RETENTION_DAYS", "30")
    assert main(["purge"]) == 0

    assert [e.user_id for e in log.query()] == ["live"]
