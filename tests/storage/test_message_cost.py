"""One message, one unit of work (issue 12): the common message path — small talk, a status
question, a draft and its edit — costs a handful of SQL statements and exactly one commit, on
SQLite and PostgreSQL, with every limit, the audit trail and ticket tracking on (the runtime
the server builds). Counts are deterministic, so these are tests, not benches.

Statements on the local desk's own tables are the ticketing backend's work (with Autotask they
are HTTP requests) and are not counted; commits are, all of them. A concurrent delivery of the
same read still answers once: the claim is written with the answer, and the loser keeps
nothing. Around the core, the durable inbox adds one write to keep the request and one to mark
its answer sent; the event is marked done in the core's own commit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bots.composition import Runtime, build_runtime
from core.messages import ConversationRef, InboundMessage, Reply, UserRef
from core.ports import Bucket, RatePolicy
from core.settings import Settings, TicketbotSettings
from core.tickets import TicketDraft
from storage.db import Database
from storage.history import SqlConversationStore
from storage.inbox import SqlInbox
from storage.rate_limits import SqlRateLimiter
from tests.sql_count import SqlCost, SqlCounter
from tests.storage.test_stores import together

USER = UserRef("slack", "U1", "Alice Example", "alice@example.com")
WHERE = ConversationRef("slack", "T1", "D1")


@pytest.fixture
def runtime(database_url_for_test: str) -> Iterator[Runtime]:
    built = build_runtime(Settings(bot=TicketbotSettings(database_url=database_url_for_test)))
    yield built
    built.close()


def say(runtime: Runtime, text: str, event_id: str | None = None) -> list[Reply]:
    event = InboundMessage(event_id or f"Ev-{uuid.uuid4()}", WHERE, USER, text, datetime.now(UTC))
    return runtime.assistant.handle(event)


class Bookkeeping(SqlCounter):
    """The bot's own statements (not the local desk's) and every commit."""

    def _statement(self, _conn: object, _cursor: object, statement: str, *rest: object) -> None:
        if "local_ticket" not in statement:
            super()._statement(_conn, _cursor, statement, *rest)


def cost(runtime: Runtime, text: str) -> SqlCost:
    with Bookkeeping(runtime.database.engine) as counter:
        return counter.cost(lambda: say(runtime, text))


def test_the_common_message_path_is_one_unit_of_work(runtime: Runtime) -> None:
    ticket = runtime.ticketing.create(TicketDraft("VPN drops", "every ten minutes"), USER)
    say(runtime, "hi")  # the conversation exists from here on
    say(runtime, f"what's the status of ticket {ticket.id}?")  # now in focus and tracked

    small_talk = cost(runtime, "thanks!")
    status = cost(runtime, "status?")
    draft = cost(runtime, "my second monitor flickers when I move the cable")
    edit = cost(runtime, "actually make it urgent")

    # Read the event, the dialogue state, the history and the buckets (1); then the claim with
    # the answer, the turns, the rate charges (3), and the dialogue state when it changed (1).
    assert (small_talk.statements, small_talk.commits) == (4, 1), small_talk
    assert (draft.statements, draft.commits) == (5, 1), draft
    assert (edit.statements, edit.commits) == (5, 1), edit
    # A status question also reads whether the ticket is tracked, with its facts (1): unchanged,
    # so neither is written again.
    assert (status.statements, status.commits) == (5, 1), status


def test_a_ticket_write_claims_its_event_before_it_writes(runtime: Runtime) -> None:
    # The write path's legitimate extra commit: the claim, before the backend is called.
    with Bookkeeping(runtime.database.engine) as counter:
        said = counter.cost(lambda: say(runtime, "ticket new printer jams on every page"))
    claim = next(i for i, s in enumerate(said.statements_run) if "processed_events" in s)
    assert said.statements_run[claim].startswith("INSERT INTO processed_events")
    assert claim < min(i for i, s in enumerate(said.statements_run) if "audit_log" in s)
    assert said.commits <= 3, said  # the claim, the desk's own write, the event's record


def test_the_same_status_question_five_times_at_once_is_answered_once(runtime: Runtime) -> None:
    ticket = runtime.ticketing.create(TicketDraft("VPN drops", "every ten minutes"), USER)
    say(runtime, "hi")

    answers = together(5, lambda _: say(runtime, f"ticket status {ticket.id}", "EvSAME"))

    assert sorted(len(a) for a in answers) == [0, 0, 0, 0, 1]
    store = SqlConversationStore(runtime.database)
    state = store.open_conversation(WHERE, datetime.now(UTC))
    said = [t.text for t in store.recent_turns(state.conversation_id, 20) if t.role == "user"]
    assert said == ["hi", f"ticket status {ticket.id}"]  # the losers kept nothing
    assert say(runtime, f"ticket status {ticket.id}", "EvSAME") == []  # and a redelivery drops


def test_two_processes_answer_one_delivery_once(
    runtime: Runtime, database_url_for_test: str
) -> None:
    other = build_runtime(Settings(bot=TicketbotSettings(database_url=database_url_for_test)))
    try:
        say(runtime, "hi")
        event = InboundMessage(
            "EvTWICE", WHERE, USER, "when is the help desk open?", datetime.now(UTC)
        )
        runtimes = [runtime, other]

        answers = together(6, lambda i: runtimes[i % 2].assistant.handle(event))

        assert sorted(len(a) for a in answers) == [0, 0, 0, 0, 0, 1]
        created = together(
            4,
            lambda i: runtimes[i % 2].assistant.handle(
                InboundMessage(
                    "EvNEW", WHERE, USER, "ticket new scanner is dead", datetime.now(UTC)
                )
            ),
        )
        assert sorted(len(a) for a in created) == [0, 0, 0, 1]
        assert len(runtime.ticketing.list_open(USER)) == 1
    finally:
        other.close()


def test_bookkeeping_of_a_message_whose_record_failed_is_still_written(runtime: Runtime) -> None:
    def broken(*_: object, **__: object) -> bool:
        raise RuntimeError("disk full")

    store = runtime.assistant.store
    store.finish_event = broken  # type: ignore[method-assign]
    replies = say(runtime, "my laptop is on fire")

    assert replies and "try again" not in replies[0].text
    # The read was charged although its record was lost (a new bucket: full less one read).
    with runtime.database.engine.connect() as connection:
        tokens = connection.execute(
            text("SELECT tokens FROM rate_buckets WHERE key = :key"),
            {"key": f"user:{USER.platform}:{USER.user_id}"},
        ).scalar_one()
    assert tokens == pytest.approx(runtime.settings.bot.rate_user_capacity - 1)


def test_a_take_inside_a_unit_of_work_is_charged_with_the_events_transaction(
    database_url_for_test: str,
) -> None:
    database = Database.connect(database_url_for_test)
    store, bucket = SqlConversationStore(database), Bucket(capacity=3, refill_per_second=0.0)
    limiter = SqlRateLimiter(database, RatePolicy(bucket, bucket))
    now = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)

    def unit(cost: float, *, during: Callable[[], None] | None = None) -> bool:
        with store.unit_of_work():
            store.start_event(f"Ev-{uuid.uuid4()}", WHERE, history=0, buckets=["u"])
            if during is not None:
                during()
            return limiter.take("u", cost, bucket, now).allowed

    try:
        with SqlCounter(database.engine) as counter, store.unit_of_work():
            store.start_event("Ev1", WHERE, history=20, buckets=["u"])
            assert limiter.take("u", 2, bucket, now).allowed
            assert not limiter.take("u", 2, bucket, now).allowed  # 1 left in this event
            assert limiter.take("u", 1, bucket, now, consume=False).allowed
            assert (counter.statements, counter.commits) == (1, 0)  # the event's first read
            assert limiter.level("u", bucket, now) == 3  # held, not written yet
        assert limiter.level("u", bucket, now) == pytest.approx(1)  # written when it closed

        # Two events of one person racing for the last token both pass, and both pay: the
        # bucket owes one, and the next request waits until it is paid back.
        racing: list[bool] = []
        assert unit(1, during=lambda: racing.append(together(1, lambda _: unit(1))[0]))
        assert racing == [True]
        assert limiter.level("u", bucket, now) == pytest.approx(-1)
        assert not unit(1)
    finally:
        database.dispose()


class OffLoop:
    """Runs the blocking calls in a thread, as the server's pools do (the core's unit of work
    lives on the thread that handles the event)."""

    async def run(self, fn: Callable[[], object]) -> object:
        return await asyncio.to_thread(fn)


@pytest.mark.anyio
async def test_the_inbox_adds_one_write_to_keep_and_one_to_mark_sent(runtime: Runtime) -> None:
    """The durable inbox around the core: the request is kept before it is acknowledged (a
    burst of them in one transaction), the event is done with its replies in the core's own
    commit, and the replies are marked sent; nothing else is written."""
    from bots.inbox import DurableCore

    ticket = runtime.ticketing.create(TicketDraft("VPN drops", "every ten minutes"), USER)
    say(runtime, "hi")
    durable = DurableCore(
        SqlInbox(runtime.database),
        runtime.assistant,
        OffLoop(),
        lambda: datetime.now(UTC),
        lease_seconds=30,
        poll_seconds=60,
        bookkeeping=OffLoop(),
    )

    async def one_message(n: int) -> list[Reply]:
        event_id = f"EvCOST{n}"
        assert await durable.receive(event_id, "slack", "{}", "{}")
        event = InboundMessage(event_id, WHERE, USER, f"status of {ticket.id}?", datetime.now(UTC))
        replies = await durable.handle(event, "slack", "{}")
        await durable.delivered(event_id)
        return replies

    await one_message(0)  # in focus, tracked: the next ones read as the common path does
    engines = (runtime.database.engine, runtime.database.urgent())  # requests: their own
    counters = [Bookkeeping(engine) for engine in engines]

    def counted() -> SqlCost:
        seen = tuple(s for c in counters for s in c.seen)
        cost = SqlCost(sum(c.statements for c in counters), sum(c.commits for c in counters), seen)
        for c in counters:
            c.reset()
        return cost

    try:
        for c in counters:
            c.reset()
        assert await one_message(1)
        lone = counted()
        kept = await asyncio.gather(
            *(durable.receive(f"EvBURST{n}", "slack", "{}", "{}") for n in range(20))
        )
        burst = counted()
    finally:
        for c in counters:
            c.close()

    # Kept (1), the core's five (see above) with the event done and its replies in the
    # outbox (2) in its one commit, marked sent (1): three commits in all.
    assert (lone.statements, lone.commits) == (9, 3), lone
    assert sum(s.startswith("INSERT INTO inbox") for s in lone.statements_run) == 1
    assert all(kept)
    # Twenty requests arriving together: the first written at once, the others together.
    assert burst.statements == 20 and burst.commits <= 2, burst
