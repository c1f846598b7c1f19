"""The triage board's table on SQLite and PostgreSQL: what ``filed`` and ``changed`` record,
claims that only one runner wins, and reports from a runner whose claim was taken over."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from core.messages import ConversationRef, UserRef
from core.tickets import Ticket
from core.triage import TriageTarget
from storage.db import Database
from storage.triage import SqlTriageBoard
from tests.support import FakeClock

ALICE = UserRef("slack", "U1", "Alice Example", "alice@example.com")
SLACK = TriageTarget("slack", "CTRIAGE")
TEAMS = TriageTarget("teams", "19:triage@thread.tacv2")


def _ticket(ticket_id: int) -> Ticket:
    return Ticket(id=ticket_id, number=f"T{ticket_id}", title="VPN", status="New", priority="High")


def _board(database: Database, clock: FakeClock) -> SqlTriageBoard:
    return SqlTriageBoard(database, "local", (SLACK, TEAMS), clock)


def test_filed_records_one_card_per_channel_once(database: Database) -> None:
    clock = FakeClock()
    board = _board(database, clock)

    board.filed(_ticket(7), ALICE)
    board.filed(_ticket(7), ALICE)  # a retaken event files nothing twice

    cards = board.cards(7)
    assert [(c.platform, c.channel, c.state) for c in cards] == [
        ("slack", "CTRIAGE", "pending"),
        ("teams", "19:triage@thread.tacv2", "pending"),
    ]
    assert cards[0].requester == "Alice Example <alice@example.com>"
    assert cards[0].company == "example.com"


def test_a_card_is_claimed_by_one_runner_only(database: Database) -> None:
    clock = FakeClock()
    board = _board(database, clock)
    for ticket_id in range(1, 6):
        board.filed(_ticket(ticket_id), ALICE)

    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: board.claim_due(clock(), ("slack",)), range(4)))

    claimed = [card.ticket_id for batch in claims for card in batch]
    assert sorted(claimed) == [1, 2, 3, 4, 5]
    assert board.claim_due(clock(), ("slack",)) == []  # all leased


def test_a_posted_card_is_due_again_only_after_a_change(database: Database) -> None:
    clock = FakeClock()
    board = _board(database, clock)
    board.filed(_ticket(9), ALICE)
    [card] = board.claim_due(clock(), ("slack",))
    assert board.posting(card, clock())

    assert board.posted(card, "1700000001.000100", "fp1")
    assert board.claim_due(clock(), ("slack",)) == []
    board.changed(9)
    [again] = board.claim_due(clock(), ("slack",))

    assert again.message_ref == "1700000001.000100"
    assert again.fingerprint == "fp1"
    assert again.posting_since is None
    assert board.rendered(again, "fp2")
    assert board.claim_due(clock(), ("slack",)) == []


def test_a_change_while_a_runner_edits_keeps_the_card_due(database: Database) -> None:
    clock = FakeClock()
    board = _board(database, clock)
    board.filed(_ticket(3), ALICE)
    [card] = board.claim_due(clock(), ("slack",))
    board.changed(3)  # lands while the runner posts what it read before

    board.posted(card, "1700000002.000100", "fp")

    [again] = board.claim_due(clock(), ("slack",))
    assert again.message_ref == "1700000002.000100"
    assert [c.state for c in board.cards(3) if c.platform == "slack"] == ["dirty"]


def test_an_interrupted_post_is_reported_to_the_next_runner(database: Database) -> None:
    clock = FakeClock()
    board = _board(database, clock)
    board.filed(_ticket(4), ALICE)
    [card] = board.claim_due(clock(), ("slack",))
    board.posting(card, clock())
    # The runner dies here: no report. Its lease runs out.
    clock.advance(minutes=3)

    [again] = board.claim_due(clock(), ("slack",))

    assert again.posting_since is not None
    assert again.message_ref is None
    # The first runner comes back late: its claim is gone, its report changes nothing.
    assert not board.posted(card, "late", "fp")
    assert board.posted(again, "1700000003.000100", "fp")
    assert [c.message_ref for c in board.cards(4) if c.platform == "slack"] == ["1700000003.000100"]


def test_a_failure_waits_for_its_retry_time_and_a_final_one_stops(database: Database) -> None:
    clock = FakeClock()
    board = _board(database, clock)
    board.filed(_ticket(5), ALICE)
    [card] = board.claim_due(clock(), ("slack",))

    board.failed(card, "ratelimited", retry_at=clock() + timedelta(seconds=30), nothing_posted=True)
    assert board.claim_due(clock(), ("slack",)) == []
    clock.advance(seconds=31)
    [again] = board.claim_due(clock(), ("slack",))
    assert again.attempts == 1
    board.failed(again, "channel_not_found", retry_at=None, nothing_posted=True)
    clock.advance(hours=1)

    assert board.claim_due(clock(), ("slack",)) == []
    assert [c.state for c in board.cards(5) if c.platform == "slack"] == ["failed"]


def test_the_thread_under_a_posted_card_names_its_ticket(database: Database) -> None:
    clock = FakeClock()
    board = _board(database, clock)
    board.filed(_ticket(11), ALICE)
    [card] = board.claim_due(clock(), ("slack",))
    board.posted(card, "1700000004.000100", "fp")

    under = ConversationRef("slack", "T1", "CTRIAGE", thread_id="1700000004.000100")
    elsewhere = ConversationRef("slack", "T1", "CGENERAL", thread_id="1700000004.000100")
    assert board.ticket_of_thread(under) == 11
    assert board.ticket_of_thread(elsewhere) is None
    assert board.ticket_of_thread(ConversationRef("slack", "T1", "CTRIAGE")) is None


def test_the_boards_calls_never_raise() -> None:
    clock = FakeClock()
    # A database that cannot be opened: the person's request must still go through.
    broken = SqlTriageBoard(
        Database.connect("sqlite:////nonexistent/dir/x.db", create=False), "local", (SLACK,), clock
    )

    broken.filed(_ticket(1), ALICE)
    broken.changed(1)
    assert broken.ticket_of_thread(ConversationRef("slack", "T", "C", "1.0")) is None


def test_a_card_another_runner_posted_after_this_one_looked_is_not_claimed_again(
    database: Database,
) -> None:
    clock = FakeClock()
    board = _board(database, clock)
    board.filed(_ticket(11), ALICE)
    other = _board(database, clock)
    sessions = database.sessions
    opened: list[bool] = []

    def the_other_runner_posts_it_meanwhile() -> object:
        opened.append(True)
        if len(opened) == 2:  # after this runner's look at what is due, before its claim
            [card] = other.claim_due(clock(), ("slack",))
            assert other.posting(card, clock())
            assert other.posted(card, "1700000002.000100", "fp1")
        return sessions()

    slow = Database(database.engine, the_other_runner_posts_it_meanwhile)  # type: ignore[arg-type]
    late = SqlTriageBoard(slow, "local", (SLACK, TEAMS), clock)

    assert late.claim_due(clock(), ("slack",)) == []  # what it saw was stale: posted already
    assert [c.message_ref for c in board.cards(11) if c.platform == "slack"] == [
        "1700000002.000100"
    ]
