"""The audit trail after scripted conversations through ``Assistant.handle``, its append-only
table, and ``ticketbot audit``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bots.__main__ import main
from bots.cli.audit import parse_since
from core.intents import Classification, Intent, LlmUsage
from core.ports import AuditEntry
from core.tickets import TicketRef
from storage.audit import SqlAuditLog
from storage.db import Database
from tests.ops.support import ops_bot, policy
from tests.support import ALICE, BOB, DownTicketing, only

VPN = "the VPN drops every ten minutes"
LLM_SCRIPT = {
    VPN: Classification(
        Intent.CREATE_TICKET,
        title="VPN drops",
        source="llm",
        usage=LlmUsage(1, 812, 64, 930.5, "gpt-4o-mini", "ok"),
    ),
    "is the wifi down?": Classification(
        Intent.QUESTION,
        usage=LlmUsage(1, 0, 0, 8000.0, "gpt-4o-mini", "fallback:timeout"),
    ),
}


def test_a_conversation_leaves_who_did_what_where_and_how_it_went(database: Database) -> None:
    bot = ops_bot(database, script=LLM_SCRIPT, rates=policy(user=(100, 60)))

    bot.say(VPN)  # an LLM call; a draft, nothing written yet
    bot.say("yes")  # ticket.create
    [ticket] = bot.desk.list_open(ALICE)
    bot.say(f"ticket note {ticket.id} rebooted the router, still dropping")  # ticket.note
    bot.say(f"ticket status {ticket.id}", BOB)  # Bob may not see it: refused
    bot.say(f"ticket note {ticket.id} me too", BOB)  # refused as well
    bot.say(f"ticket close {ticket.id}")
    bot.say("yes")  # ticket.close
    bot.say("is the wifi down?")  # an LLM call that fell back

    entries = bot.audit.query()
    assert [(e.action, e.outcome, e.user_id, e.ticket) for e in entries] == [
        ("llm.classify", "ok", "alice", None),
        ("ticket.create", "ok", "alice", ticket.number),
        ("ticket.note", "ok", "alice", ticket.number),
        ("refused.authorization", "refused", "bob", str(TicketRef.parse(str(ticket.id)))),
        ("refused.authorization", "refused", "bob", str(TicketRef.parse(str(ticket.id)))),
        ("ticket.close", "ok", "alice", ticket.number),
        ("llm.classify", "fallback:timeout", "alice", None),
    ]
    create = entries[1]
    assert create.platform == "console"
    assert create.conversation == "console:tenant:dm:alice"
    assert create.user_email == "alice@example.com"
    assert create.detail == {"ticket_id": ticket.id, "backend": "local"}
    assert [e.detail["operation"] for e in entries[3:5]] == ["get", "note"]
    assert entries[0].detail == {
        "model": "gpt-4o-mini",
        "calls": 1,
        "prompt_tokens": 812,
        "completion_tokens": 64,
        "latency_ms": 930.5,
        "fallback": None,
    }
    assert entries[-1].detail["fallback"] == "timeout"
    # Every entry names the request it came from; one event, one request id.
    assert all(e.request_id for e in entries)
    assert len({e.request_id for e in entries}) == len(entries)


def test_a_failed_write_is_recorded_with_its_error(database: Database) -> None:
    bot = ops_bot(database, ticketing=DownTicketing())

    reply = only(bot.say("ticket new printer jams"))

    assert "isn't answering" in reply.text
    [entry] = bot.audit.query()
    assert entry.action == "ticket.create"
    assert entry.outcome == "error: connection refused (test)"


def test_a_rate_limit_refusal_is_recorded(database: Database) -> None:
    bot = ops_bot(database, rates=policy(user=(4, 6)))
    with freeze_time("2026-11-04 09:00:00"):
        bot.say("ticket list")
        bot.say("ticket list")
        bot.say("ticket new printer jams")

    [entry] = bot.audit.query(action="refused.")
    assert entry.action == "refused.rate_limit"
    assert entry.user_id == "alice"
    # ``ticket new`` is a write (4 tokens); 2 are left and they come back at 0.1 a second.
    assert entry.detail == {"scope": "user", "cost": 4.0, "retry_after_seconds": 20}


def test_adapters_record_bad_signatures_through_the_runtime(tmp_path: Path) -> None:
    from bots.composition import build_runtime
    from core.settings import Settings, TicketbotSettings

    settings = Settings(bot=TicketbotSettings(database_url=f"sqlite:///{tmp_path / 'b.db'}"))
    runtime = build_runtime(settings)
    try:
        runtime.audit_refusal(
            "refused.signature", platform="slack", reason="bad signature", path="/slack/events"
        )
        assert runtime.audit is not None
        [entry] = SqlAuditLog(runtime.database).query()
    finally:
        runtime.close()
    assert (entry.action, entry.outcome, entry.platform) == (
        "refused.signature",
        "bad signature",
        "slack",
    )
    assert entry.detail == {"path": "/slack/events"}


def test_the_audit_table_refuses_updates_and_deletes(database: Database) -> None:
    log = SqlAuditLog(database)
    log.record(AuditEntry(at=datetime.now(UTC), action="ticket.create", user_id="alice"))

    with database.engine.connect() as connection:
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("UPDATE audit_log SET outcome = 'forged'"))
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("DELETE FROM audit_log"))
    assert [e.outcome for e in log.query()] == ["ok"]


def test_query_filters_by_time_person_and_action(database: Database) -> None:
    log = SqlAuditLog(database)
    start = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    for minutes, user, email, action in [
        (0, "alice", "Alice@Example.com", "ticket.create"),
        (10, "bob", "bob@example.com", "ticket.note"),
        (20, "alice", "alice@example.com", "refused.rate_limit"),
    ]:
        log.record(
            AuditEntry(
                at=start + timedelta(minutes=minutes),
                action=action,
                user_id=user,
                user_email=email,
            )
        )

    assert [e.action for e in log.query(since=start + timedelta(minutes=5))] == [
        "ticket.note",
        "refused.rate_limit",
    ]
    assert len(log.query(user="alice@example.com")) == 2  # e-mail matches case-insensitively
    assert [e.user_id for e in log.query(user="bob")] == ["bob"]
    assert [e.action for e in log.query(action="refused.")] == ["refused.rate_limit"]
    assert [e.action for e in log.query(limit=1)] == ["refused.rate_limit"]  # the newest


# -- ticketbot audit -----------------------------------------------------------------------------


@pytest.fixture
def audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", url)
    database = Database.connect(url)
    bot = ops_bot(database, script=LLM_SCRIPT)
    bot.say("ticket new printer jams")
    bot.say("ticket status 99999", BOB)
    bot.say(VPN)
    return database


def test_audit_command_prints_a_table(
    audited: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "time", "(UTC)", "action", "outcome", "who", "platform", "ticket", "detail",
    ]  # fmt: skip
    assert len(out) == 4
    assert "ticket.create" in out[1] and "alice@example.com" in out[1]
    assert "refused.authorization" in out[2] and "#99999" in out[2]
    assert "llm.classify" in out[3] and "model=gpt-4o-mini" in out[3]


def test_audit_command_json_lines_and_filters(
    audited: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--json", "--user", "bob@example.com", "--since", "1d"]) == 0

    [line] = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["action"] == "refused.authorization"
    assert entry["user_email"] == "bob@example.com"
    assert entry["detail"] == {"operation": "get", "backend": "local"}
    assert datetime.fromisoformat(entry["at"]).tzinfo is not None


def test_audit_command_with_nothing_to_show(
    audited: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--user", "nobody@example.com"]) == 0
    assert capsys.readouterr().out.strip() == "No audit entries match."


def test_since_accepts_durations_and_dates() -> None:
    now = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
    assert parse_since("24h", lambda: now) == now - timedelta(hours=24)
    assert parse_since("2w", lambda: now) == now - timedelta(weeks=2)
    assert parse_since("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(Exception, match="not a time"):
        parse_since("yesterday")
