from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from freezegun import freeze_time

from core.intents import LlmUsage
from core.messages import ConversationRef
from core.ports import PendingAction, Turn
from storage.db import Database
from storage.history import SqlConversationStore

DM = ConversationRef("slack", "T1", "D1")
THREAD = ConversationRef("slack", "T1", "C1", thread_id="1700000000.0001")


def test_conversations_are_keyed_by_platform_channel_and_thread(database: Database) -> None:
    store = SqlConversationStore(database)
    now = datetime.now(UTC)

    dm = store.open_conversation(DM, now)
    thread = store.open_conversation(THREAD, now)

    assert dm.conversation_id != thread.conversation_id
    assert store.open_conversation(DM, now).conversation_id == dm.conversation_id


def test_recent_turns_are_the_last_n_oldest_first_with_usage(database: Database) -> None:
    store = SqlConversationStore(database)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    cid = store.open_conversation(DM, start).conversation_id
    for n in range(30):
        store.append_turn(cid, Turn("user", f"message {n}", start + timedelta(minutes=n)))
    usage = LlmUsage(
        calls=1,
        prompt_tokens=120,
        completion_tokens=30,
        latency_ms=850.0,
        model="gpt-test",
        outcome="ok",
    )
    store.append_turn(cid, Turn("user", "last", start + timedelta(hours=1), "create_ticket", usage))

    turns = store.recent_turns(cid, 5)

    assert [t.text for t in turns] == [
        "message 26",
        "message 27",
        "message 28",
        "message 29",
        "last",
    ]
    assert turns[-1].usage == usage and turns[-1].intent == "create_ticket"
    assert turns[-1].created_at == start + timedelta(hours=1)


def test_delivery_ref_is_kept_current_for_proactive_messages(database: Database) -> None:
    store = SqlConversationStore(database)
    now = datetime.now(UTC)
    cid = store.open_conversation(DM, now).conversation_id

    store.open_conversation(ConversationRef("slack", "T1", "D1", delivery_ref='{"v": 2}'), now)

    assert store.delivery_ref(cid) == '{"v": 2}'


def test_pending_action_round_trips_and_clears(database: Database) -> None:
    store = SqlConversationStore(database)
    cid = store.open_conversation(DM, datetime.now(UTC)).conversation_id

    store.set_pending(cid, PendingAction("ticket.close.confirm", {"ticket": "48213"}))
    assert store.open_conversation(DM, datetime.now(UTC)).pending == PendingAction(
        "ticket.close.confirm", {"ticket": "48213"}
    )
    store.set_pending(cid, None)
    assert store.open_conversation(DM, datetime.now(UTC)).pending is None


def test_events_are_claimed_once_and_can_be_released(database: Database) -> None:
    store = SqlConversationStore(database)
    now = datetime.now(UTC)

    assert store.claim_event("Ev1", now) is True
    assert store.claim_event("Ev1", now) is False
    store.release_event("Ev1")
    assert store.claim_event("Ev1", now) is True


def test_claims_hold_across_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    first = Database.connect(url)
    SqlConversationStore(first).claim_event("Ev-restart", datetime.now(UTC))
    first.dispose()

    second = Database.connect(url)
    assert SqlConversationStore(second).claim_event("Ev-restart", datetime.now(UTC)) is False
    second.dispose()


def test_retention_purges_old_turns_and_event_ids_only(database: Database) -> None:
    store = SqlConversationStore(database)
    with freeze_time("2026-08-01 12:00:00"):
        cid = store.open_conversation(DM, datetime.now(UTC)).conversation_id
        store.append_turn(cid, Turn("user", "old news", datetime.now(UTC)))
        store.claim_event("Ev-old", datetime.now(UTC))
    with freeze_time("2026-11-20 12:00:00"):
        store.append_turn(cid, Turn("user", "fresh", datetime.now(UTC)))
        store.claim_event("Ev-new", datetime.now(UTC))

        removed = store.purge_before(datetime.now(UTC) - timedelta(days=90))

        assert removed == 1
        assert [t.text for t in store.recent_turns(cid, 10)] == ["fresh"]
        assert store.claim_event("Ev-old", datetime.now(UTC)) is True
        assert store.claim_event("Ev-new", datetime.now(UTC)) is False


def test_sqlite_runs_in_wal_mode(database: Database) -> None:
    with database.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
