"""Every store on SQLite and PostgreSQL: history and dedupe, the local desk (its numbering
under concurrency too), rate buckets, the usage report and backups."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import event

from core.intents import LlmUsage
from core.messages import ConversationRef
from core.ports import Bucket, PendingAction, RatePolicy, Turn
from core.tickets import Priority, TicketDraft, TicketRef
from storage.backup import BackupError, backup_sqlite
from storage.db import Database
from storage.history import SqlConversationStore
from storage.local_desk import LocalDesk
from storage.rate_limits import SqlRateLimiter
from storage.usage_report import fallback_reasons, usage_by_day
from tests.support import ALICE, BOB, FakeClock

T = TypeVar("T")
NOW = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
DM = ConversationRef(platform="slack", tenant_id="T1", channel_id="D1")
DRAFT = TicketDraft("Printer jams", "The printer on floor 2 jams on every page", Priority.HIGH)


def together(count: int, work: Callable[[int], T]) -> list[T]:
    """``work(i)`` on ``count`` threads released at once; every result, or the first error."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            result = work(i)
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)
            return
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_events_are_claimed_once_even_when_claimed_together(database: Database) -> None:
    store = SqlConversationStore(database)

    claims = together(6, lambda _: store.claim_event("Ev1", NOW))

    assert sorted(claims) == [False] * 5 + [True]
    store.release_event("Ev1")
    assert store.claim_event("Ev1", NOW) is True


def test_conversations_turns_and_pending_actions_round_trip(database: Database) -> None:
    store = SqlConversationStore(database)
    ids = together(4, lambda _: store.open_conversation(DM, NOW).conversation_id)
    assert len(set(ids)) == 1
    conversation = ids[0]

    usage = LlmUsage(1, 812, 64, 930.5, "gpt-4o-mini", "ok")
    store.append_turns(
        conversation,
        [
            Turn("user", "my printer jams", NOW, intent="create_ticket"),
            Turn("assistant", "Shall I file it?", NOW + timedelta(seconds=1), usage=usage),
        ],
    )
    store.set_pending(conversation, PendingAction("create_ticket", {"title": "Printer jams"}))

    turns = store.recent_turns(conversation, 10)
    assert [(t.role, t.text) for t in turns] == [
        ("user", "my printer jams"),
        ("assistant", "Shall I file it?"),
    ]
    assert turns[1].usage == usage and turns[1].created_at == NOW + timedelta(seconds=1)
    pending = store.open_conversation(DM, NOW).pending
    assert pending == PendingAction("create_ticket", {"title": "Printer jams"})


def test_retention_purges_old_turns_and_event_ids(database: Database) -> None:
    store = SqlConversationStore(database)
    conversation = store.open_conversation(DM, NOW).conversation_id
    store.append_turn(conversation, Turn("user", "old", NOW - timedelta(days=100)))
    store.append_turn(conversation, Turn("user", "new", NOW))
    store.claim_event("old-event", NOW - timedelta(days=100))

    assert store.purge_before(NOW - timedelta(days=90)) == 1

    assert [t.text for t in store.recent_turns(conversation, 10)] == ["new"]
    assert store.claim_event("old-event", NOW) is True


def test_local_desk_numbers_stay_unique_when_created_together(database: Database) -> None:
    desk = LocalDesk(database, clock=FakeClock(NOW))

    tickets = together(6, lambda i: [desk.create(DRAFT, ALICE if i % 2 else BOB) for _ in range(3)])

    created = [ticket for batch in tickets for ticket in batch]
    assert len(created) == 18
    assert sorted(t.number for t in created) == [f"T20261104.{n:04d}" for n in range(1, 19)]
    assert sorted(t.id for t in created) == list(range(10001, 10019))


def test_one_idempotency_key_created_together_is_one_ticket(database: Database) -> None:
    desk = LocalDesk(database, clock=FakeClock(NOW))
    keyed = TicketDraft(DRAFT.title, DRAFT.description, DRAFT.priority, idempotency_key="k-1")

    ids = together(4, lambda _: desk.create(keyed, ALICE).id)

    assert len(set(ids)) == 1 and len(desk.list_open(ALICE)) == 1


def test_local_desk_notes_close_and_lookups(database: Database) -> None:
    clock = FakeClock(NOW)
    desk = LocalDesk(database, clock=clock)
    ticket = desk.create(DRAFT, ALICE)
    clock.advance(minutes=5)

    noted = desk.add_note(TicketRef("number", ticket.number.lower()), "tray 2 too", ALICE)
    closed = desk.close(ticket.ref, ALICE)

    assert [(n.text, n.created_at) for n in noted.notes] == [
        ("tray 2 too", NOW + timedelta(minutes=5))
    ]
    assert closed.is_closed and desk.list_open(ALICE) == []
    assert closed.created_at == NOW


def test_rate_buckets_never_spend_a_token_twice(database: Database) -> None:
    bucket = Bucket(capacity=10, refill_per_second=0.0)
    limiter = SqlRateLimiter(database, RatePolicy(user=bucket, backend=bucket))

    decisions = together(
        5, lambda _: [limiter.take("u1", 1, bucket, NOW).allowed for _ in range(4)]
    )

    assert sum(allowed for batch in decisions for allowed in batch) == 10
    assert limiter.level("u1", bucket, NOW) == pytest.approx(0.0)


def test_sixteen_takers_on_a_full_rate_bucket_are_all_admitted(database: Database) -> None:
    bucket = Bucket(capacity=10_000, refill_per_second=0.0)
    limiter = SqlRateLimiter(database, RatePolicy(user=bucket, backend=bucket))

    decisions = together(
        16, lambda _: [limiter.take("backend:local", 1, bucket, NOW).allowed for _ in range(20)]
    )

    assert [allowed for batch in decisions for allowed in batch] == [True] * 320
    assert limiter.level("backend:local", bucket, NOW) == 10_000 - 320  # exactly


def test_rate_buckets_refill_in_the_database(database: Database) -> None:
    bucket = Bucket(capacity=3, refill_per_second=1 / 60)
    limiter = SqlRateLimiter(database, RatePolicy(user=bucket, backend=bucket))
    assert limiter.take("u1", 3, bucket, NOW).tokens == 0

    refused = limiter.take("u1", 1, bucket, NOW + timedelta(seconds=30))
    assert not refused.allowed and refused.retry_after_seconds == pytest.approx(30)
    # A second and a half refills 0.025 tokens: microseconds count, not only whole seconds.
    taken = limiter.take("u1", 0.5, bucket, NOW + timedelta(seconds=31.5))
    assert taken.allowed and taken.tokens == pytest.approx(0.025, abs=1e-9)
    # A clock that stepped back refills nothing and does not move the bucket's time back.
    assert not limiter.take("u1", 0.1, bucket, NOW).allowed
    assert limiter.level("u1", bucket, NOW + timedelta(seconds=31.5)) == pytest.approx(0.025)
    assert limiter.take("u1", 3, bucket, NOW + timedelta(hours=5)).tokens == 0  # capped


def test_a_rate_bucket_take_is_one_statement_and_one_commit(database: Database) -> None:
    bucket = Bucket(capacity=2, refill_per_second=0.0)
    limiter = SqlRateLimiter(database, RatePolicy(user=bucket, backend=bucket))
    seen = {"statements": 0, "commits": 0}

    def count(kind: str) -> Callable[..., None]:
        return lambda *_: seen.__setitem__(kind, seen[kind] + 1)

    event.listen(database.engine, "before_cursor_execute", count("statements"))
    event.listen(database.engine, "commit", count("commits"))

    def cost(action: Callable[[], object]) -> tuple[int, int]:
        seen.update(statements=0, commits=0)
        action()
        return seen["statements"], seen["commits"]

    assert cost(lambda: limiter.take("u1", 1, bucket, NOW)) == (1, 1)  # a new bucket
    assert cost(lambda: limiter.take("u1", 1, bucket, NOW)) == (1, 1)  # an existing one
    assert cost(lambda: limiter.take("u1", 1, bucket, NOW, consume=False)) == (1, 0)  # a look
    assert cost(lambda: limiter.take("u1", 1, bucket, NOW)) == (2, 1)  # refused: reads why


def test_usage_report_groups_by_day_and_model(database: Database) -> None:
    store = SqlConversationStore(database)
    conversation = store.open_conversation(DM, NOW).conversation_id
    ok = LlmUsage(1, 100, 10, 500.0, "gpt-4o-mini", "ok")
    timeout = LlmUsage(1, 0, 0, 8000.0, "gpt-4o-mini", "fallback:timeout")
    store.append_turns(
        conversation,
        [
            Turn("assistant", "a", NOW, usage=ok),
            Turn("assistant", "b", NOW + timedelta(minutes=1), usage=timeout),
            Turn("assistant", "c", NOW + timedelta(days=1), usage=ok),
            Turn("user", "no llm", NOW),
        ],
    )

    rows = usage_by_day(database)

    assert [(r.day, r.model, r.messages, r.calls, r.prompt_tokens, r.fallbacks) for r in rows] == [
        (date(2026, 11, 4), "gpt-4o-mini", 2, 2, 100, 1),
        (date(2026, 11, 5), "gpt-4o-mini", 1, 1, 100, 0),
    ]
    assert rows[0].avg_latency_ms == pytest.approx(4250.0)
    assert fallback_reasons(database, since=NOW) == {"timeout": 1}


def test_backup_copies_sqlite_and_points_postgresql_to_pg_dump(
    database: Database, tmp_path: Path
) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    if database.dialect == "postgresql":
        with pytest.raises(BackupError, match="pg_dump --format=custom") as raised:
            backup_sqlite(url, tmp_path / "copy.db")
        assert "@127.0.0.1:5432/test" in str(raised.value)
        return
    SqlConversationStore(database).claim_event("Ev1", NOW)
    report = backup_sqlite(url, tmp_path / "copy.db")
    assert report.integrity == "ok" and report.rows["processed_events"] == 1


def test_text_with_nul_characters_is_stored_on_every_database(database: Database) -> None:
    store = SqlConversationStore(database)
    conversation = store.open_conversation(DM, NOW).conversation_id
    desk = LocalDesk(database, clock=FakeClock(NOW))

    store.append_turn(conversation, Turn("user", "pasted\x00binary", NOW))
    ticket = desk.create(TicketDraft("a\x00b", "c\x00d", Priority.LOW), ALICE)

    [turn] = store.recent_turns(conversation, 1)
    assert turn.text == "pastedbinary"  # a Turn's text is made storable at the boundary
    if database.dialect == "postgresql":  # its text can't hold NUL: kept with � in its place
        assert (ticket.title, ticket.description) == ("a\ufffdb", "c\ufffdd")
    else:
        assert (ticket.title, ticket.description) == ("a\x00b", "c\x00d")
