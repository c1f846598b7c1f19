"""The technicians' grammar and words, translated: commands, sentences, triage card actions and
a reply in a triage thread, each to its operation (and what must stay an end user's)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core import actions
from core.commands import (
    TECHNICIAN_USAGE,
    USAGE,
    Command,
    CommandError,
    is_command,
    parse_command,
)
from core.handlers.technicians import note_claim
from core.intents import Classification, Intent
from core.operations import (
    AddNote,
    AlreadyDone,
    AssignTicket,
    ChangePriority,
    Explain,
    ListTickets,
    MyTickets,
    Operation,
    QueueTickets,
    RequestClose,
    RequestPriority,
    SetTicketStatus,
    ShowStatus,
    TakeTicket,
    TechnicianNote,
)
from core.ports import DialogueState
from core.tickets import Priority, TicketRef
from core.translate import Asker, translate_action, translate_message

REF = TicketRef("id", "48213")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ticket take 48213", Command("take", ref=REF)),
        ("/ticket tkae #48213", Command("take", ref=REF)),
        ("ticket assign 48213 Jordan Lee", Command("assign", ref=REF, text="Jordan Lee")),
        ("ticket assign 48213 to Jordan", Command("assign", ref=REF, text="Jordan")),
        ("ticket status 48213 waiting  customer", Command("status", REF, "waiting customer")),
        ("ticket status 48213", Command("status", ref=REF)),
        ("ticket note 48213 --internal rang him", Command("note", REF, "rang him", internal=True)),
        (
            "ticket note 48213 part ordered --public",
            Command("note", REF, "part ordered", internal=False),
        ),
        ("ticket note 48213 plain words", Command("note", ref=REF, text="plain words")),
        ("ticket mine", Command("mine")),
        ("ticket queue", Command("queue")),
        ("ticket queue Level 2", Command("queue", text="Level 2")),
    ],
)
def test_technician_commands_parse(text: str, expected: Command) -> None:
    assert is_command(text)
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("ticket assign 48213", TECHNICIAN_USAGE["assign"]),
        ("ticket take", TECHNICIAN_USAGE["take"]),
        ("ticket mine please", TECHNICIAN_USAGE["mine"]),
        ("ticket note 48213 --internal", TECHNICIAN_USAGE["internal"]),
        ("ticket note 48213", USAGE["note"]),
    ],
)
def test_malformed_technician_commands_answer_with_their_usage(text: str, usage: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, CommandError) and parsed.usage == usage


def test_words_one_slip_from_a_new_verb_stay_sentences() -> None:
    assert not is_command("ticket make it urgent")
    parsed = parse_command("ticket make 48213 high")
    assert isinstance(parsed, CommandError) and "make" in parsed.message


def test_the_end_users_command_list_is_unchanged() -> None:
    assert "take" not in USAGE and len(USAGE) == 10  # Teams lists at most ten


def read(
    text: str,
    *,
    technician: bool = False,
    thread: int | None = None,
    reading: Classification | None = None,
) -> Operation:
    def classify(words: str) -> Classification:
        return reading or Classification(Intent.SMALLTALK)

    asked: Callable[[], bool] = lambda: technician  # noqa: E731
    return translate_message(
        text,
        DialogueState(),
        classify,
        event_id="e",
        was_claimed=lambda key: False,
        asker=Asker(asked, thread),
    ).operation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ticket take 48213", TakeTicket(REF)),
        ("ticket assign 48213 me", TakeTicket(REF, take_over=True)),  # outright: no question
        ("ticket assign 48213 jordan@example.com", AssignTicket(REF, "jordan@example.com")),
        ("ticket status 48213 in progress", SetTicketStatus(REF, "in progress")),
        ("ticket status 48213", ShowStatus(REF)),
        ("ticket note 48213 --internal rang him", TechnicianNote(REF, "rang him")),
        ("ticket note 48213 --public rang him", TechnicianNote(REF, "rang him", internal=False)),
        ("ticket note 48213 rang him", AddNote(REF, "rang him")),
        ("ticket mine", MyTickets()),
        ("ticket queue Level 2", QueueTickets("Level 2")),
        ("I'll take 48213", TakeTicket(REF)),
        ("I'll grab #48213", TakeTicket(REF)),
        ("give 48213 to Jordan", AssignTicket(REF, "Jordan")),
        ("give 48213 to me", TakeTicket(REF, take_over=True)),
        ("assign 48213 to jordan@example.com", AssignTicket(REF, "jordan@example.com")),
        ("put 48213 on waiting customer", SetTicketStatus(REF, "waiting customer")),
        ("set 48213 to in progress", SetTicketStatus(REF, "in progress")),
        ("put 48213 on hold", SetTicketStatus(REF, "on hold")),
        ("can you assign 48213 to Jordan please", AssignTicket(REF, "Jordan")),
        ("ok, could you set 48213 to in progress?", SetTicketStatus(REF, "in progress")),
    ],
)
def test_what_anyone_says_by_ticket_number(text: str, expected: Operation) -> None:
    # The same for an end user: the handler refuses them, politely.
    assert read(text) == expected
    assert read(text, technician=True) == expected


@pytest.mark.parametrize(
    ("text", "technician", "expected"),
    [
        ("what's assigned to me?", True, MyTickets()),
        ("what's assigned to me?", False, ListTickets()),
        ("what's in the queue?", True, QueueTickets(None)),
        ("show me the Level 2 queue", True, QueueTickets("Level 2")),
        ("mark 48213 as done", True, SetTicketStatus(REF, "Complete")),
    ],
)
def test_what_depends_on_who_asks(text: str, technician: bool, expected: Operation) -> None:
    assert read(text, technician=technician) == expected


def test_an_end_users_words_keep_their_meaning() -> None:
    listing = Classification(Intent.LIST_TICKETS)
    closing = Classification(Intent.CLOSE_TICKET, ticket=REF)
    assert read("my tickets", reading=listing) == ListTickets()
    assert read("my tickets", technician=True, reading=listing) == MyTickets()
    assert not isinstance(read("what's in the queue?"), QueueTickets)
    assert isinstance(read("mark 48213 as done", reading=closing), RequestClose)
    assert read("set 48213 to high") == RequestPriority(REF, Priority.HIGH)


def test_a_reply_in_a_triage_thread() -> None:
    assert read("rang him, no answer", technician=True, thread=48213) == TechnicianNote(
        REF, "rang him, no answer"
    )
    assert read("/public: the part is ordered", technician=True, thread=48213) == TechnicianNote(
        REF, "the part is ordered", internal=False
    )
    assert read("ticket take 48213", technician=True, thread=1) == TakeTicket(REF)
    assert not isinstance(read("hello", thread=48213), TechnicianNote)


def click(action_id: str, **values: str) -> Operation:
    return translate_action(
        action_id,
        {actions.TICKET: "48213", **values},
        DialogueState(),
        event_id="c",
        was_claimed=lambda key: key == note_claim("done", "hi"),
    ).operation


def test_triage_card_actions() -> None:
    assert click(actions.TRIAGE_TAKE) == TakeTicket(REF)
    assert click(actions.TRIAGE_ASSIGN, assignee="29682885") == AssignTicket(REF, "29682885")
    assert click(actions.TRIAGE_STATUS, status="Waiting Customer") == SetTicketStatus(
        REF, "Waiting Customer"
    )
    assert click(actions.TRIAGE_PRIORITY, priority="Critical") == ChangePriority(
        REF, Priority.CRITICAL, technician=True
    )
    assert isinstance(click(actions.TRIAGE_PRIORITY, priority="whenever"), Explain)
    assert click(actions.TRIAGE_NOTE, note="hi") == TechnicianNote(REF, "hi")
    assert click(actions.TRIAGE_NOTE, note="hi", public="true", request_id="r") == (
        TechnicianNote(REF, "hi", internal=False, request_id="r")
    )
    assert isinstance(click(actions.TRIAGE_NOTE, note="hi", request_id="done"), AlreadyDone)


@pytest.mark.parametrize(
    "text",
    ["I'll take 48213", "give 48213 to Jordan", "put 48213 on waiting customer", "ticket mine"],
)
def test_technicians_words_never_reach_a_classifier_or_language_model(text: str) -> None:
    """Rule-only by design: the language model's intents (core/llm/schema.py) stay the end
    users' ones, and a technician's request costs no LLM call."""

    def classify(words: str) -> Classification:
        raise AssertionError(f"classified {words!r}")

    translated = translate_message(
        text, DialogueState(), classify, event_id="e", was_claimed=lambda key: False
    )
    assert isinstance(translated.operation, (TakeTicket, AssignTicket, SetTicketStatus, MyTickets))
