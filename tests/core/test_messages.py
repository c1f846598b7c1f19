from __future__ import annotations

import json
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from core.cards import draft_card, ticket_card
from core.messages import (
    ActionInvoked,
    ConversationRef,
    InboundMessage,
    Reply,
    UserRef,
    event_from_json,
    to_json,
)
from core.tickets import Note, Priority, Ticket, TicketDraft, TicketRef

CONV = ConversationRef("teams", "tenant-1", "19:abc", "1700", delivery_ref='{"serviceUrl": "x"}')
USER = UserRef("teams", "29:1", "Ana", "ana@example.com")


def test_events_round_trip_through_json() -> None:
    when = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
    inbound = InboundMessage("a1", CONV, USER, "status of 48213", when)
    clicked = ActionInvoked("a2", CONV, USER, "ticket.refresh", MappingProxyType({"ticket": "1"}))

    assert event_from_json(to_json(inbound)) == inbound
    restored = event_from_json(to_json(clicked))
    assert isinstance(restored, ActionInvoked) and dict(restored.values) == {"ticket": "1"}


def test_replies_with_cards_serialise_to_plain_json() -> None:
    ticket = Ticket(
        id=48213,
        number="T20251104.0031",
        title="VPN drops",
        status="New",
        priority="High",
        notes=(Note("Ana", "still failing", datetime(2026, 11, 4, tzinfo=UTC)),),
        web_url="https://ww15.autotask.net/x",
    )
    reply = Reply("status", card=ticket_card(ticket))

    data = json.loads(to_json(reply))

    assert data["card"]["title"] == "T20251104.0031 · VPN drops"
    assert data["card"]["link"]["url"] == "https://ww15.autotask.net/x"
    assert data["card"]["notes"][0]["created_at"].startswith("2026-11-04")


def test_draft_card_carries_everything_needed_to_create() -> None:
    draft = TicketDraft("Printer", "It jams on every page", Priority.LOW)
    card = draft_card(draft, "d-1")
    confirm = card.actions[0]

    assert dict(confirm.values) == {
        "draft_id": "d-1",
        "title": "Printer",
        "description": "It jams on every page",
        "priority": "Low",
    }
    assert [i.input_id for i in card.inputs] == ["title", "priority"]
    assert card.inputs[1].choices == ("Low", "Medium", "High", "Critical")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48213", TicketRef("id", "48213")),
        ("#48213", TicketRef("id", "48213")),
        ("t20251104.0031", TicketRef("number", "T20251104.0031")),
        ("T2025110.0031", None),
        ("0", None),
        ("forty", None),
        ("", None),
    ],
)
def test_ticket_ref_parse(text: str, expected: TicketRef | None) -> None:
    assert TicketRef.parse(text) == expected
