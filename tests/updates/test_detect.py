"""The change detector on its own: what counts as a change, and what never shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.tickets import Ticket
from core.updates.detect import detect
from core.updates.model import FeedNote, Snapshot, TicketState
from core.updates.wording import compose
from core.wire import reply_from_json, reply_to_json

T0 = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)


def _state(status: str = "New", *, at: datetime = T0, assignee: str | None = None) -> TicketState:
    ticket = Ticket(
        10001,
        "T20261104.0001",
        "Printer jams",
        status,
        "Medium",
        last_activity_at=at,
        assignee=assignee,
        is_closed=status == "Complete",
    )
    return TicketState(ticket, "alice@example.com")


def test_an_older_state_than_the_one_seen_is_never_shown() -> None:
    seen = Snapshot(status="In Progress", assignee="Jordan", activity_at=T0 + timedelta(hours=1))

    changes, after = detect(seen, _state("New", at=T0), [])

    assert changes == [] and after == seen


def test_notes_seen_internal_and_the_requesters_own_are_not_changes() -> None:
    seen = Snapshot(status="New", activity_at=T0, notes_until=T0)
    notes = [
        FeedNote("1", "Jordan", "old", T0, public=True),
        FeedNote("2", "Jordan", "internal", T0 + timedelta(minutes=1), public=False),
        FeedNote("3", "Alice", "mine", T0 + timedelta(minutes=2), public=True, by_requester=True),
        FeedNote("4", "Jordan", "new", T0 + timedelta(minutes=3), public=True),
    ]

    changes, after = detect(seen, _state(at=T0 + timedelta(minutes=3)), notes)

    assert [(c.kind, c.text) for c in changes] == [("note", "new")]
    assert after.notes_until == T0 + timedelta(minutes=3)


def test_a_message_survives_the_outbox_round_trip() -> None:
    changes, _ = detect(Snapshot(status="New"), _state("Complete", assignee="Jordan"), [])
    reply = compose(_state("Complete", assignee="Jordan").ticket, changes)

    assert reply_from_json(reply_to_json(reply)) == reply
    assert [c.kind for c in changes] == ["assigned", "resolved"]
