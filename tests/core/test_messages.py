from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bots.composition import build_runtime
from bots.console import ConsoleChat, console_user
from core.cards import draft_card
from core.messages import ActionInvoked, ConversationRef, InboundMessage, UserRef, make_event
from core.ports import Turn
from core.settings import Settings, TicketbotSettings
from core.tickets import Priority, TicketDraft, TicketRef
from storage.db import Database
from tests.support import ALICE, make_bot, message, only

CONV = ConversationRef("teams", "tenant-1", "19:abc", "1700", delivery_ref='{"serviceUrl": "x"}')
USER = UserRef("teams", "29:1", "Ana", "ana@example.com")


def test_make_event_cleans_lone_surrogates_and_nuls_everywhere_a_person_typed() -> None:
    when = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
    odd = UserRef("teams", "29:1", "Ana\ud800", "ana@example.com\x00")

    said = make_event(
        event_id="a1", conversation=CONV, user=odd, received_at=when, text="VPN \ud800 drops\x00"
    )
    clicked = make_event(
        event_id="a2",
        conversation=CONV,
        user=odd,
        received_at=when,
        action_id="ticket.note",
        values={"note\udfff": "also \ud83d\ude00 here\x00"},
    )

    assert isinstance(said, InboundMessage) and said.text == "VPN \ufffd drops"
    assert said.user.display_name == "Ana\ufffd" and said.user.email == "ana@example.com"
    assert isinstance(clicked, ActionInvoked)
    # A surrogate pair split in two becomes the one character it should have been.
    assert dict(clicked.values) == {"note\ufffd": "also 😀 here"}
    for text in (said.text, *clicked.values, *clicked.values.values()):
        text.encode("utf-8")  # nothing a database or a platform would refuse


def test_ordinary_text_passes_through_unchanged() -> None:
    text = "Drucker im 2. Stock 🖨️ — «urgent»\n\tzweite Zeile"
    event = make_event(
        event_id="a1", conversation=CONV, user=USER, received_at=datetime.now(UTC), text=text
    )

    assert isinstance(event, InboundMessage) and event.text == text


def test_a_turn_quoting_odd_text_is_storable() -> None:
    turn = Turn("assistant", "Created ticket: “VPN \ud800”", datetime.now(UTC))

    assert turn.text == "Created ticket: “VPN \ufffd”"


def test_a_lone_surrogate_through_the_console_files_one_ticket_and_stores_the_text(
    tmp_path: Path,
) -> None:
    settings = Settings(bot=TicketbotSettings(database_url=f"sqlite:///{tmp_path / 'bot.db'}"))
    runtime = build_runtime(settings)
    try:
        chat = ConsoleChat(runtime.assistant, console_user("ana@example.com", "Ana"), runtime.clock)

        replies = chat.send("ticket new VPN \ud800 drops every hour\x00")
        listed = chat.send("ticket list")

        assert replies[0].text.startswith("Created ticket "), replies[0].text
        assert "VPN \ufffd drops every hour" in replies[0].text
        assert "try again" not in replies[0].text
        assert listed[0].card is not None and len(listed[0].card.fields) == 1
        state = runtime.store.open_conversation(chat.conversation, runtime.clock())
        said = [t.text for t in runtime.store.recent_turns(state.conversation_id, 10)]
        assert "ticket new VPN \ufffd drops every hour" in said
    finally:
        runtime.close()


def test_a_lone_surrogate_reaching_the_core_directly_is_filed_once_and_stored(
    database: Database,
) -> None:
    bot = make_bot(database)
    said = "ticket new Printer \ud800 jams"

    created = only(bot.say(said))  # an InboundMessage built without make_event

    assert created.text.startswith("Created ticket "), created.text
    assert len(bot.desk.list_open(ALICE)) == 1
    state = bot.store.open_conversation(message("x").conversation, bot.clock())
    stored = [t.text for t in bot.store.recent_turns(state.conversation_id, 10)]
    assert stored[0] == "ticket new Printer \ufffd jams" and stored[1] == created.text


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
