"""Token buckets in SQLite, and the assistant's per-person and per-backend limits (freezegun)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from core import actions
from core.intents import Classification, Intent
from core.ports import Bucket, RatePolicy
from core.ratelimit import wait_text
from core.settings import TicketbotSettings
from storage.db import Database
from storage.rate_limits import SqlRateLimiter
from tests.ops.support import ops_bot, policy, wall_clock
from tests.support import ALICE, BOB, conversation_for, only

ONE_A_MINUTE = Bucket(capacity=3, refill_per_second=1 / 60)
START = "2026-11-04 09:00:00"
VPN = "the VPN drops every ten minutes"


def test_a_bucket_starts_full_and_refills_over_time(database: Database) -> None:
    limiter = SqlRateLimiter(database, policy())
    with freeze_time(START) as frozen:
        taken = [limiter.take("k", 1, ONE_A_MINUTE, wall_clock()).allowed for _ in range(4)]
        assert taken == [True, True, True, False]

        refused = limiter.take("k", 1, ONE_A_MINUTE, wall_clock())
        assert not refused.allowed
        assert refused.retry_after_seconds == pytest.approx(60)

        frozen.tick(timedelta(seconds=30))
        half = limiter.take("k", 1, ONE_A_MINUTE, wall_clock())
        assert not half.allowed and half.retry_after_seconds == pytest.approx(30)

        frozen.tick(timedelta(seconds=30))
        assert limiter.take("k", 1, ONE_A_MINUTE, wall_clock()).allowed

        frozen.tick(timedelta(hours=5))  # never above the capacity
        assert limiter.level("k", ONE_A_MINUTE, wall_clock()) == pytest.approx(3)


def test_looking_spends_nothing_and_a_cost_above_capacity_is_capped(database: Database) -> None:
    limiter = SqlRateLimiter(database, policy())
    with freeze_time(START):
        for _ in range(5):
            assert limiter.take("k", 3, ONE_A_MINUTE, wall_clock(), consume=False).allowed
        assert limiter.take("k", 99, ONE_A_MINUTE, wall_clock()).allowed  # costs the 3 it holds
        assert limiter.level("k", ONE_A_MINUTE, wall_clock()) == pytest.approx(0)


def test_buckets_are_kept_in_the_database_across_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    with freeze_time(START) as frozen:
        first = Database.connect(url)
        SqlRateLimiter(first, policy()).take("user:slack:U1", 3, ONE_A_MINUTE, wall_clock())
        first.dispose()

        frozen.tick(timedelta(seconds=60))
        second = Database.connect(url)
        limiter = SqlRateLimiter(second, policy())
        assert limiter.level("user:slack:U1", ONE_A_MINUTE, wall_clock()) == pytest.approx(1)
        assert limiter.take("user:slack:U1", 1, ONE_A_MINUTE, wall_clock()).allowed
        assert not limiter.take("user:slack:U1", 1, ONE_A_MINUTE, wall_clock()).allowed
        second.dispose()


def test_concurrent_takers_never_spend_a_token_twice(database: Database) -> None:
    limiter = SqlRateLimiter(database, policy())
    bucket = Bucket(capacity=20, refill_per_second=0)
    allowed: list[bool] = []
    lock = threading.Lock()
    with freeze_time(START):
        now = wall_clock()

        def worker() -> None:
            for _ in range(10):
                result = limiter.take("shared", 1, bucket, now).allowed
                with lock:
                    allowed.append(result)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert len(allowed) == 40
    assert allowed.count(True) == 20


def _senders(limiters: list[SqlRateLimiter], per_thread: int, bucket: Bucket) -> list[bool]:
    """16 threads released together, each taking ``per_thread`` times from one shared row."""
    start = threading.Barrier(16)
    allowed: list[bool] = []
    lock = threading.Lock()

    def sender(limiter: SqlRateLimiter) -> None:
        start.wait()
        for _ in range(per_thread):
            result = limiter.take("backend:local", 1, bucket, wall_clock()).allowed
            with lock:
                allowed.append(result)

    threads = [
        threading.Thread(target=sender, args=(limiters[n % len(limiters)],)) for n in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return allowed


def test_sixteen_concurrent_senders_on_a_full_bucket_are_all_admitted(database: Database) -> None:
    limiter = SqlRateLimiter(database, policy())
    bucket = Bucket(capacity=10_000, refill_per_second=0)

    allowed = _senders([limiter], 40, bucket)

    assert allowed == [True] * 640  # a clash on the row is retried, never a "very busy"
    assert limiter.level("backend:local", bucket, wall_clock()) == pytest.approx(10_000 - 640)


def test_two_processes_sharing_the_file_both_get_through(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = Database.connect(url), Database.connect(url)
    try:
        limiters = [SqlRateLimiter(first, policy()), SqlRateLimiter(second, policy())]
        bucket = Bucket(capacity=10_000, refill_per_second=0)

        allowed = _senders(limiters, 40, bucket)

        assert allowed == [True] * 640
        assert limiters[0].level("backend:local", bucket, wall_clock()) == pytest.approx(
            10_000 - 640
        )
    finally:
        first.dispose()
        second.dispose()


def test_the_write_cost_has_one_default() -> None:
    assert RatePolicy(Bucket(1, 1), Bucket(1, 1)).write_cost == TicketbotSettings().rate_write_cost


# -- the assistant ----------------------------------------------------------------------------


def test_writes_cost_more_than_reads_and_a_limited_person_is_told_when_to_retry(
    database: Database,
) -> None:
    bot = ops_bot(database, rates=policy(user=(10, 6), write_cost=4))  # 0.1 token a second
    with freeze_time(START) as frozen:
        assert "Created ticket" in only(bot.say("ticket new printer jams")).text  # 10 -> 6
        assert "Created ticket" in only(bot.say("ticket new scanner is dead")).text  # 6 -> 2

        refused = only(bot.say("ticket new monitor flickers"))  # needs 4, has 2
        assert "faster than I can take them" in refused.text
        assert "try again in about 20 seconds" in refused.text
        assert len(bot.desk.list_open(ALICE)) == 2

        assert "open tickets" in only(bot.say("ticket list")).text  # reads still pass: 2 -> 1
        assert "open tickets" in only(bot.say("ticket list")).text  # 1 -> 0
        assert "try again in about 10 seconds" in only(bot.say("ticket list")).text

        frozen.tick(timedelta(seconds=40))  # 4 tokens back
        assert "Created ticket" in only(bot.say("ticket new monitor flickers")).text
    assert len(bot.desk.list_open(ALICE)) == 3


def test_the_refused_message_is_stored_and_marked(database: Database) -> None:
    bot = ops_bot(database, rates=policy(user=(1, 1)))
    with freeze_time(START):
        bot.say("ticket list")
        reply = only(bot.say("ticket status 10001"))

    state = bot.store.open_conversation(conversation_for(ALICE), wall_clock())
    *_, user_turn, bot_turn = bot.store.recent_turns(state.conversation_id, 10)
    assert (user_turn.role, user_turn.text, user_turn.intent) == (
        "user",
        "ticket status 10001",
        "rate_limited",
    )
    assert bot_turn.text == reply.text and "saved" in reply.text


def test_a_limited_person_costs_no_llm_call(database: Database) -> None:
    bot = ops_bot(database, rates=policy(user=(1, 1)))
    with freeze_time(START):
        bot.say("hello there")
        calls = len(bot.classifier.calls)
        reply = only(bot.say("my laptop is on fire"))
    assert "try again" in reply.text
    assert len(bot.classifier.calls) == calls


def test_each_person_has_their_own_bucket(database: Database) -> None:
    bot = ops_bot(database, rates=policy(user=(1, 1)))
    with freeze_time(START):
        bot.say("ticket list", ALICE)
        assert "try again" in only(bot.say("ticket list", ALICE)).text
        assert "no open tickets" in only(bot.say("ticket list", BOB)).text


def test_a_refused_yes_keeps_the_draft_for_later(database: Database) -> None:
    script = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops")}
    bot = ops_bot(database, rates=policy(user=(4, 6), write_cost=4), script=script)
    with freeze_time(START) as frozen:
        assert only(bot.say(VPN)).card is not None  # a draft is a read: 4 -> 3
        assert "try again in about 10 seconds" in only(bot.say("yes")).text
        assert bot.desk.list_open(ALICE) == []

        frozen.tick(timedelta(seconds=10))
        assert "Created ticket" in only(bot.say("yes")).text
    assert [t.title for t in bot.desk.list_open(ALICE)] == ["VPN drops"]


def test_a_confirm_button_is_a_write(database: Database) -> None:
    script = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops")}
    bot = ops_bot(database, rates=policy(user=(4, 6), write_cost=4), script=script)
    with freeze_time(START):
        card = only(bot.say(VPN)).card
        assert card is not None
        confirm = next(a for a in card.actions if a.action_id == actions.CREATE_CONFIRM)
        assert "try again" in only(bot.click(confirm.action_id, dict(confirm.values))).text
    assert bot.desk.list_open(ALICE) == []


def test_limits_hold_across_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    with freeze_time(START) as frozen:
        first = Database.connect(url)
        ops_bot(first, rates=policy(user=(2, 6))).say("ticket list")
        ops_bot(first, rates=policy(user=(2, 6))).say("ticket list")
        first.dispose()

        second = Database.connect(url)
        restarted = ops_bot(second, rates=policy(user=(2, 6)))
        assert "try again" in only(restarted.say("ticket list")).text
        frozen.tick(timedelta(seconds=10))
        assert "no open tickets" in only(restarted.say("ticket list")).text
        second.dispose()


def test_the_backend_bucket_is_shared_and_only_backend_work_uses_it(database: Database) -> None:
    bot = ops_bot(database, rates=policy(backend=(2, 1)), backend_limit=True)
    with freeze_time(START):
        assert "no open tickets" in only(bot.say("ticket list", ALICE)).text
        assert "no open tickets" in only(bot.say("ticket list", BOB)).text
        busy = only(bot.say("ticket list", ALICE))
        assert "help desk system is very busy" in busy.text
        assert "in about 60 seconds" in busy.text
        # Small talk and help never reach the backend, so they still work.
        assert "try again" not in only(bot.say("ticket help", BOB)).text

    [entry] = bot.audit.query(action="refused.rate_limit")
    assert entry.detail["scope"] == "backend" and entry.user_id == ALICE.user_id


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.2, "in about 5 seconds"),
        (41, "in about 45 seconds"),
        (61, "in about 2 minutes"),
        (3 * 3600, "in about 3 hours"),
        (float("inf"), "later"),
    ],
)
def test_wait_text_rounds_up(seconds: float, text: str) -> None:
    assert wait_text(seconds) == text


def test_a_technicians_work_from_chat_spends_the_same_backend_budget(tmp_path: Path) -> None:
    from bots.composition import build_runtime
    from core.messages import InboundMessage, UserRef
    from core.settings import Settings
    from core.tickets import TicketDraft

    tech = UserRef("slack", "UTECH", "Tess Tech", "tess@example.com")
    settings = Settings(
        bot=TicketbotSettings(
            database_url=f"sqlite:///{tmp_path / 'ticketbot.db'}",
            staff_emails=["tess@example.com"],
            rate_backend_per_hour=10,  # a read costs 1, a write 4
            rate_user_capacity=0,  # only the backend's limit here
        )
    )
    runtime = build_runtime(settings)
    try:
        ticket = runtime.ticketing.create(TicketDraft("VPN drops", "every ten minutes"), ALICE)

        def say(text: str) -> str:
            event = InboundMessage(f"Ev-{text}", conversation_for(tech), tech, text, wall_clock())
            return " ".join(r.text for r in runtime.assistant.handle(event))

        said = [say(f"ticket note {ticket.id} --internal step {n}") for n in range(3)]

        assert "help desk system is very busy" not in said[0]
        assert "help desk system is very busy" in said[-1]  # 10 tokens: two writes, not three
        notes = runtime.assistant.technicians.ticket(ticket.ref, tech).notes  # type: ignore[union-attr]
        assert [n.text for n in notes if n.internal] == ["step 0", "step 1"]
    finally:
        runtime.close()
