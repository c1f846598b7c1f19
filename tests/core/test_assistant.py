"""The conversation loop on a real SQLite file with the local desk and a scripted classifier."""

from __future__ import annotations

import pytest

from core import actions
from core.assistant import SORRY
from core.intents import Classification, Intent
from core.tickets import Priority, TicketRef
from storage.db import Database
from tests.support import ALICE, BOB, DownTicketing, make_bot, message, only

VPN = "the VPN drops every ten minutes"
CREATE = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops", priority=Priority.HIGH)}


def test_free_text_drafts_a_ticket_and_creates_nothing_until_confirmed(database: Database) -> None:
    bot = make_bot(database, script=CREATE)

    draft = only(bot.say(VPN))

    assert draft.card is not None and draft.card.kind == "draft"
    assert {a.action_id for a in draft.card.actions} == {
        actions.CREATE_CONFIRM,
        actions.CREATE_CANCEL,
    }
    confirm = next(a for a in draft.card.actions if a.action_id == actions.CREATE_CONFIRM)
    assert confirm.values["description"] == VPN  # the person's words, whole
    assert confirm.values["priority"] == "High"
    assert bot.desk.list_open(ALICE) == []

    created = only(bot.say("yes"))

    [ticket] = bot.desk.list_open(ALICE)
    assert ticket.title == "VPN drops" and ticket.priority == "High"
    assert ticket.number in created.text and created.card is not None
    assert created.card.title.startswith(ticket.number)


def test_no_cancels_the_draft_and_a_later_yes_does_nothing(database: Database) -> None:
    bot = make_bot(database, script=CREATE)
    bot.say(VPN)

    assert "won't open" in only(bot.say("no")).text
    bot.say("yes")

    assert bot.desk.list_open(ALICE) == []


def test_confirm_button_clicked_twice_files_one_ticket(database: Database) -> None:
    bot = make_bot(database, script=CREATE)
    card = only(bot.say(VPN)).card
    assert card is not None
    confirm = next(a for a in card.actions if a.action_id == actions.CREATE_CONFIRM)

    first = only(bot.click(confirm.action_id, dict(confirm.values)))
    second = only(bot.click(confirm.action_id, dict(confirm.values)))

    assert first.replaces_source
    assert second.ephemeral and "already created" in second.text
    assert len(bot.desk.list_open(ALICE)) == 1


def test_edited_title_and_priority_on_the_card_are_used(database: Database) -> None:
    bot = make_bot(database, script=CREATE)
    card = only(bot.say(VPN)).card
    assert card is not None
    values = dict(next(a for a in card.actions if a.action_id == actions.CREATE_CONFIRM).values)
    values.update(title="VPN keeps disconnecting", priority="critical")

    bot.click(actions.CREATE_CONFIRM, values)

    [ticket] = bot.desk.list_open(ALICE)
    assert (ticket.title, ticket.priority, ticket.description) == (
        "VPN keeps disconnecting",
        "Critical",
        VPN,
    )


def test_redelivered_event_acts_once(database: Database) -> None:
    bot = make_bot(database)
    event = message("ticket new printer jam", event_id="slack-Ev123")

    assert len(bot.assistant.handle(event)) == 1
    assert bot.assistant.handle(event) == []
    assert len(bot.desk.list_open(ALICE)) == 1


def test_commands_act_at_once_without_the_classifier(database: Database) -> None:
    bot = make_bot(database)

    created = only(bot.say("ticket new Printer on floor 2 jams --priority low"))
    [ticket] = bot.desk.list_open(ALICE)
    status = only(bot.say(f"ticket status {ticket.number}"))
    noted = only(bot.say(f"ticket note {ticket.id} tried another tray"))
    listed = only(bot.say("ticket list"))

    assert ticket.priority == "Low" and ticket.number in created.text
    assert status.card is not None and status.card.kind == "ticket"
    assert noted.card is not None and noted.card.notes[-1].text == "tried another tray"
    assert listed.card is not None and ticket.number in listed.card.fields[0].label
    assert bot.classifier.calls == []


def test_close_always_asks_first(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new Monitor flickers")
    [ticket] = bot.desk.list_open(ALICE)

    ask = only(bot.say(f"ticket close {ticket.id}"))
    assert ask.card is not None and ask.card.kind == "close_confirm"
    assert not bot.desk.get(ticket.ref, ALICE).is_closed

    done = only(bot.click(actions.CLOSE_CONFIRM, {"ticket": str(ticket.id)}))
    assert bot.desk.get(ticket.ref, ALICE).is_closed
    assert "Complete" in done.text and done.replaces_source


def test_malformed_command_answers_with_usage(database: Database) -> None:
    bot = make_bot(database)

    reply = only(bot.say("ticket status"))

    assert "Usage: ticket status <ticket>" in reply.text
    assert bot.classifier.calls == []


def test_someone_elses_ticket_answers_like_a_missing_one(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new Alice's laptop", user=ALICE)
    [ticket] = bot.desk.list_open(ALICE)

    theirs = only(bot.say(f"ticket status {ticket.id}", user=BOB)).text
    missing = only(bot.say("ticket status 99999", user=BOB)).text

    assert theirs == missing.replace("99999", str(ticket.id))
    assert only(bot.say(f"ticket note {ticket.id} hi", user=BOB)).text.startswith("I couldn't find")
    assert bot.desk.get(ticket.ref, ALICE).notes == ()


def test_status_intent_uses_the_reference_the_classifier_found(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new Outlook crashes")
    [ticket] = bot.desk.list_open(ALICE)
    text = f"any news on {ticket.number}?"
    bot.classifier.script[text] = Classification(
        Intent.TICKET_STATUS, ticket=TicketRef("number", ticket.number)
    )

    reply = only(bot.say(text))

    assert reply.card is not None and reply.card.title.startswith(ticket.number)


def test_note_keeps_only_the_persons_own_words(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new Scanner offline")
    [ticket] = bot.desk.list_open(ALICE)
    text = f"add to {ticket.id} that it also happens on my desktop"
    bot.classifier.script[text] = Classification(
        Intent.ADD_NOTE, ticket=ticket.ref, description="User says it also fails on desktop."
    )

    bot.say(text)

    assert bot.desk.get(ticket.ref, ALICE).notes[-1].text == text


def test_question_from_knowledge_and_unknown_question_offers_a_ticket(database: Database) -> None:
    hours = "Can you tell me your operating hours?"
    unknown = "Who decides the colour of the lobby carpet?"
    bot = make_bot(
        database,
        script={
            hours: Classification(Intent.QUESTION),
            unknown: Classification(Intent.QUESTION),
        },
    )

    answer = only(bot.say(hours))
    offer = only(bot.say(unknown))

    assert "Monday to Friday" in answer.text
    assert "don't know" in offer.text and offer.card is not None
    assert offer.card.kind == "draft"


def test_empty_binary_and_huge_messages_get_polite_answers_and_are_kept(
    database: Database,
) -> None:
    bot = make_bot(database, max_message_chars=100)
    huge = "x" * 5000

    empty = only(bot.say("   "))
    binary = only(bot.say("\x00\x01\x02"))
    long = only(bot.say(huge))

    assert "didn't get any text" in empty.text and "didn't get any text" in binary.text
    assert "5,000 characters" in long.text
    state = bot.store.open_conversation(message("x").conversation, bot.clock())
    stored = [t.text for t in bot.store.recent_turns(state.conversation_id, 10) if t.role == "user"]
    assert huge in stored and "\x01\x02" in stored  # NUL dropped at the boundary: storable
    assert bot.classifier.calls == []


def test_backend_down_answers_politely_and_keeps_the_message(database: Database) -> None:
    down = DownTicketing()
    bot = make_bot(database, ticketing=down)

    reply = only(bot.say("ticket status 48213"))

    assert "isn't answering" in reply.text and down.calls == 1
    state = bot.store.open_conversation(message("x").conversation, bot.clock())
    assert bot.store.recent_turns(state.conversation_id, 5)[0].text == "ticket status 48213"


def test_unexpected_failure_says_sorry_and_is_logged(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    bot = make_bot(database)

    def explode(*_: object) -> None:
        raise RuntimeError("boom")

    bot.desk.list_open = explode  # type: ignore[method-assign, assignment]

    assert only(bot.say("ticket list")).text == SORRY
    assert any("unexpected failure" in r.message for r in caplog.records)


def test_failed_create_can_be_confirmed_again(database: Database) -> None:
    bot = make_bot(database, script=CREATE)
    card = only(bot.say(VPN)).card
    assert card is not None
    values = dict(next(a for a in card.actions if a.action_id == actions.CREATE_CONFIRM).values)
    bot.assistant.ticketing = DownTicketing()

    assert "isn't answering" in only(bot.click(actions.CREATE_CONFIRM, values)).text
    bot.assistant.ticketing = bot.desk
    created = only(bot.click(actions.CREATE_CONFIRM, values))

    assert "Created ticket" in created.text
    assert len(bot.desk.list_open(ALICE)) == 1


def test_classifier_sees_the_conversation_so_far(database: Database) -> None:
    bot = make_bot(database)
    bot.say("hello")
    bot.say("any news on that one?")

    _, history = bot.classifier.calls[-1]
    assert [t.role for t in history] == ["user", "assistant"]
    assert history[0].text == "hello"


def test_unknown_button_is_answered_not_crashed(database: Database) -> None:
    bot = make_bot(database)

    reply = only(bot.click("ticket.frobnicate", {"ticket": "abc"}))

    assert "doesn't work any more" in reply.text


def test_a_confirm_without_the_description_uses_the_stored_draft(database: Database) -> None:
    long_report = (VPN + ". " + "It started after the update. " * 200).strip()
    bot = make_bot(
        database, script={long_report: Classification(Intent.CREATE_TICKET, title="VPN drops")}
    )
    card = only(bot.say(long_report)).card
    assert card is not None
    values = dict(next(a for a in card.actions if a.action_id == actions.CREATE_CONFIRM).values)
    del values["description"]  # e.g. a button value that could not hold it

    bot.click(actions.CREATE_CONFIRM, values)

    [ticket] = bot.desk.list_open(ALICE)
    assert ticket.description == long_report
