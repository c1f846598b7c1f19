"""The durable inbox and outbox on SQLite and PostgreSQL: duplicates refused by the key, leases
(taken once even by takers on separate engines), takeovers after a lease runs out, finishing
with the replies in one transaction, delivery retries, and the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.messages import Card, CardAction, Reply
from storage.db import Database
from storage.inbox import Arrival, InboxDepth, SqlInbox, Taken
from storage.unit_of_work import open_unit
from tests.storage.test_stores import together
from tests.support import action, message

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
WHERE = '{"channel": "D1"}'
REPLIES = [
    Reply("Created ticket T1", card=Card("T1", actions=(CardAction("ticket.refresh", "Refresh"),)))
]


def test_an_event_is_kept_once_and_read_back_whole(database: Database) -> None:
    inbox = SqlInbox(database)
    event = action("ticket.create_confirm", {"draft_id": "d1"}, event_id="Ev1")

    assert inbox.put(event, "slack", WHERE, NOW) is True
    assert inbox.put(event, "slack", WHERE, NOW) is False  # a retry is refused by the key
    [taken] = inbox.take("w1", NOW, LEASE, limit=5)

    assert taken.event == event and taken.destination == WHERE and not taken.retake
    assert inbox.take("w2", NOW, LEASE) == []  # held


def test_takers_on_separate_engines_never_share_an_event(database_url_for_test: str) -> None:
    databases = [Database.connect(database_url_for_test) for _ in range(3)]
    try:
        for i in range(30):
            SqlInbox(databases[0]).put(message("hi", event_id=f"Ev{i}"), "slack", WHERE, NOW)

        def drain(i: int) -> list[str]:
            inbox, mine = SqlInbox(databases[i % 3]), list[str]()
            for _ in range(40):
                mine.extend(t.event_id for t in inbox.take(f"w{i}", NOW, LEASE, limit=2))
            return mine

        taken = [event_id for batch in together(6, drain) for event_id in batch]
    finally:
        for db in databases:
            db.dispose()

    assert sorted(taken) == sorted(f"Ev{i}" for i in range(30))


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(
    database: Database,
) -> None:
    inbox = SqlInbox(database)
    inbox.put(message("hi", event_id="Ev1"), "slack", WHERE, NOW)
    [first] = inbox.take("dead", NOW, LEASE)

    later = NOW + LEASE + timedelta(seconds=1)
    [again] = inbox.take("alive", later, LEASE)

    assert again.retake and again.takeover and again.attempts == 2
    assert inbox.finish(first, "dead", REPLIES, later) is False
    assert inbox.finish(again, "alive", REPLIES, later) is True
    assert inbox.take("third", later + LEASE * 2, LEASE) == []  # done is done


def test_finishing_puts_the_replies_in_the_outbox_and_delivery_retries(
    database: Database,
) -> None:
    inbox = SqlInbox(database)
    inbox.put(message("hi", event_id="Ev1"), "teams", WHERE, NOW)
    [taken] = inbox.take("w1", NOW, LEASE)
    inbox.finish(taken, "w1", REPLIES, NOW)

    [out] = inbox.due(NOW, LEASE)
    assert (out.replies, out.platform, out.destination, out.attempts) == (
        REPLIES,
        "teams",
        WHERE,
        1,
    )
    assert inbox.due(NOW, LEASE) == []  # held by its deliverer
    inbox.retry(out, NOW + timedelta(seconds=2))
    assert inbox.due(NOW + timedelta(seconds=1), LEASE) == []  # backing off
    [again] = inbox.due(NOW + timedelta(seconds=2), LEASE)
    inbox.sent(again, NOW)

    assert again.attempts == 2
    assert inbox.due(NOW + timedelta(hours=1), LEASE) == []


def test_released_events_are_taken_at_once_without_counting_as_a_takeover(
    database: Database,
) -> None:
    inbox = SqlInbox(database)
    inbox.put(message("hi", event_id="Ev1"), "slack", WHERE, NOW)
    inbox.take("stopping", NOW, LEASE)

    assert inbox.release("stopping") == 1
    [again] = inbox.take("other", NOW, LEASE)

    assert again.retake and not again.takeover


def test_depth_and_oldest_age_and_purge(database: Database) -> None:
    inbox = SqlInbox(database)
    inbox.put(message("a", event_id="Ev1"), "slack", WHERE, NOW)
    inbox.put(message("b", event_id="Ev2"), "slack", WHERE, NOW + timedelta(seconds=5))
    [taken] = inbox.take("w1", NOW, LEASE)
    inbox.finish(taken, "w1", REPLIES, NOW)

    depth = inbox.depth(NOW + timedelta(seconds=15))
    [out] = inbox.due(NOW, LEASE)
    inbox.sent(out, NOW)

    assert (depth.pending, depth.oldest_pending_seconds, depth.unsent) == (1, 10.0, 1)
    assert inbox.purge_before(NOW + timedelta(days=1)) == 1
    assert inbox.depth(NOW).pending == 1  # what is pending is never purged


def test_a_received_request_is_refused_twice_and_prepared_only_by_its_holder(
    database: Database,
) -> None:
    inbox = SqlInbox(database)
    event = message("ticket new Printer jams", event_id="EvR1")
    intake = '{"adapter": "request"}'

    assert inbox.receive("EvR1", "slack", intake, WHERE, NOW, owner="r1", lease=LEASE)
    assert not inbox.receive("EvR1", "slack", intake, WHERE, NOW, owner="r2", lease=LEASE)
    assert inbox.take("w1", NOW, LEASE) == []  # not an event for the core yet
    assert inbox.depth(NOW).pending == 1
    assert not inbox.prepare(event, WHERE, NOW, owner="r2", lease=LEASE)  # not its holder
    assert inbox.prepare(event, WHERE, NOW, owner="r1", lease=LEASE)
    assert not inbox.prepare(event, WHERE, NOW, owner="r1", lease=LEASE)  # prepared once
    assert inbox.take("w1", NOW, LEASE) == []  # still held by r1, now as the neutral event
    [taken] = inbox.take("w1", NOW + LEASE * 2, LEASE)  # r1 died
    assert taken.event == event and taken.takeover


def test_a_dead_receivers_request_is_taken_by_a_process_with_its_adapter(
    database: Database,
) -> None:
    inbox = SqlInbox(database)
    inbox.receive("EvR1", "slack", '{"a": 1}', WHERE, NOW, owner="dead", lease=LEASE)
    later = NOW + LEASE * 2

    assert inbox.take_received("teams-only", later, LEASE, ["teams"]) == []
    [received] = inbox.take_received("alive", later, LEASE, ["slack"])
    assert (received.event_id, received.intake, received.destination) == (
        "EvR1",
        '{"a": 1}',
        WHERE,
    )
    assert inbox.take_received("other", later, LEASE, ["slack"]) == []  # held by "alive"
    event = message("hello", event_id="EvR1")
    assert inbox.prepare(event, WHERE, later, owner="alive", pending=False)  # for any worker
    [taken] = inbox.take("worker", later, LEASE)
    assert taken.event == event


def test_a_received_request_set_aside_is_done_with_nothing_to_deliver(database: Database) -> None:
    inbox = SqlInbox(database)
    inbox.receive("EvR1", "slack", "{}", WHERE, NOW, owner="r1", lease=LEASE)

    assert not inbox.set_aside("EvR1", "r2", NOW)
    assert inbox.set_aside("EvR1", "r1", NOW)
    assert inbox.depth(NOW) == InboxDepth(0, 0.0, 0)
    assert inbox.take_received("r2", NOW + LEASE * 2, LEASE, ["slack"]) == []
    assert not inbox.receive("EvR1", "slack", "{}", WHERE, NOW, owner="r2", lease=LEASE)


def test_release_gives_back_received_requests_too(database: Database) -> None:
    inbox = SqlInbox(database)
    inbox.receive("EvR1", "slack", "{}", WHERE, NOW, owner="stopping", lease=LEASE)

    assert inbox.release("stopping") == 1
    [received] = inbox.take_received("next", NOW, LEASE, ["slack"])  # at once, no lease wait
    assert received.event_id == "EvR1"


def test_a_burst_received_together_is_kept_in_one_go_and_repeats_are_refused(
    database: Database,
) -> None:
    inbox = SqlInbox(database)
    inbox.receive("EvOld", "slack", "{}", WHERE, NOW, owner="r1", lease=LEASE)
    arrivals = [
        Arrival("EvA", "slack", '{"n": 1}', WHERE),
        Arrival("EvOld", "slack", '{"n": 2}', WHERE),  # a redelivery of one kept before
        Arrival("EvB", "slack", '{"n": 3}', WHERE),
        Arrival("EvA", "slack", '{"n": 4}', WHERE),  # a retry storm inside the burst
    ]

    assert inbox.receive_all(arrivals, NOW, owner="r1", lease=LEASE) == [True, False, True, False]
    received = inbox.take_received("r2", NOW + LEASE * 2, LEASE, ["slack"], limit=10)
    assert sorted((r.event_id, r.intake) for r in received) == [
        ("EvA", '{"n": 1}'),
        ("EvB", '{"n": 3}'),
        ("EvOld", "{}"),
    ]


def test_its_receiver_finishes_a_request_it_answered_without_preparing_it(
    database: Database,
) -> None:
    inbox = SqlInbox(database)
    event = message("hello", event_id="EvR1")
    inbox.receive("EvR1", "slack", "{}", WHERE, NOW, owner="r1", lease=LEASE)
    taken = Taken("EvR1", "slack", event, WHERE, 1, False, False)

    assert not inbox.finish(taken, "r2", REPLIES, NOW)  # only its holder
    assert inbox.finish(taken, "r1", REPLIES, NOW, deliver_by_until=NOW + LEASE)
    assert not inbox.finish(taken, "r1", REPLIES, NOW)  # once
    assert inbox.depth(NOW) == InboxDepth(0, 0.0, 1)
    assert inbox.due(NOW, LEASE) == []  # its receiver posts them itself
    [outgoing] = inbox.due(NOW + LEASE * 2, LEASE)
    assert outgoing.replies == REPLIES and outgoing.again


def test_the_finish_is_written_in_the_unit_that_records_the_answer(database: Database) -> None:
    inbox = SqlInbox(database)
    event = message("hello", event_id="EvU1")
    inbox.receive("EvU1", "slack", "{}", WHERE, NOW, owner="r1", lease=LEASE)
    taken = Taken("EvU1", "slack", event, WHERE, 1, False, False)
    finishing = inbox.finishing(taken, "r1", lambda: NOW, deliver_for=LEASE)

    with open_unit(database) as unit:
        finishing([Reply("first draft")])
        finishing(REPLIES)  # the last answer wins
        assert inbox.depth(NOW).pending == 1  # nothing written before the unit is
        assert finishing.finished is None
        with database.engine.begin() as connection:  # the core's recording transaction
            unit.write(connection)
            unit.clear()

    assert finishing.finished is True
    assert inbox.depth(NOW) == InboxDepth(0, 0.0, 1)
    [outgoing] = inbox.due(NOW + LEASE * 2, LEASE)
    assert outgoing.replies == REPLIES


def test_outside_a_unit_of_work_the_finish_is_left_to_the_caller(database: Database) -> None:
    inbox = SqlInbox(database)
    inbox.receive("EvU2", "slack", "{}", WHERE, NOW, owner="r1", lease=LEASE)
    taken = Taken("EvU2", "slack", message("hi", event_id="EvU2"), WHERE, 1, False, False)
    finishing = inbox.finishing(taken, "r1", lambda: NOW)

    finishing(REPLIES)

    assert finishing.finished is None
    assert inbox.depth(NOW).pending == 1


def test_answers_marked_sent_together(database: Database) -> None:
    inbox = SqlInbox(database)
    for n in range(3):
        event_id = f"EvS{n}"
        inbox.receive(event_id, "slack", "{}", WHERE, NOW, owner="r1", lease=LEASE)
        taken = Taken(event_id, "slack", message("hi", event_id=event_id), WHERE, 1, False, False)
        inbox.finish(taken, "r1", REPLIES, NOW, deliver_by_until=NOW + LEASE)

    inbox.delivered_all(["EvS0", "EvS2"], NOW)

    assert inbox.depth(NOW).unsent == 1
    [outgoing] = inbox.due(NOW + LEASE * 2, LEASE)
    assert outgoing.event_id == "EvS1"
