"""Better reading of single messages (issue 10, part 3): numbers that are not tickets, reopen and
priority requests, short and foreign status questions, a second request, priority reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.classifier.rules import RuleClassifier
from core.intents import Classification, Intent
from core.ports import Turn
from core.tickets import Priority, TicketRef


def classify(text: str) -> Classification:
    return RuleClassifier().classify(text)


@pytest.mark.parametrize(
    "text",
    [
        "update: my Dell Latitude 7440 won't boot",
        "any news? the printer 3320 is still jammed",
        "status light on the HP 4250 is blinking orange",
        "check the laptop 7440 again, the fan is loud",
        "still broken after update 2409",
        "my phone ext is 4417, the handset keeps dropping calls",
        "invoice 88412 won't print from the finance app, please check",
        "the ticket printer at gate 5521 is jammed",
        "Outlook shows 3021 unread but the folder is empty, please check",
        "the badge 100245 is rejected at the door since the update",
    ],
)
def test_a_number_that_names_something_else_keeps_the_report(text: str) -> None:
    result = classify(text)
    assert result.ticket is None
    assert result.intent is Intent.CREATE_TICKET
    assert result.description == text


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("any update on ticket 4821? it's the Latitude 7440", "4821"),
        ("has 10012 been picked up yet", "10012"),
        ("20322 is still not fixed", "20322"),
        ("case 55102 - call 07700 900456 if needed", "55102"),
        ("Wie ist der Stand von Vorgang 5521?", "5521"),
        ("¿Cómo va el caso 7710?", "7710"),
    ],
)
def test_a_number_where_a_ticket_stands_is_one(text: str, ref: str) -> None:
    assert classify(text).ticket == TicketRef.parse(ref)


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("reopen 10004", "10004"),
        ("ticket reopen 10004", "10004"),
        ("please re-open #10021, the fix didn't hold", "10021"),
        ("10024 should not have been closed, the scanner still fails", "10024"),
        ("the Outlook problem is back, reopen it please", None),
        ("it's broken again", None),
        ("the same issue came back this morning", None),
    ],
)
def test_reopen_requests(text: str, ticket: str | None) -> None:
    result = classify(text)
    assert result.intent is Intent.REOPEN_TICKET
    assert result.ticket == (TicketRef.parse(ticket) if ticket else None)


@pytest.mark.parametrize(
    "text",
    [
        "don't reopen 10004, it's fine",
        "48213 happens again after every reboot",  # an open ticket: new information
        "my laptop crashes again and again",
    ],
)
def test_again_alone_is_not_a_reopen(text: str) -> None:
    assert classify(text).intent is not Intent.REOPEN_TICKET


@pytest.mark.parametrize(
    ("text", "ticket", "level"),
    [
        ("can you make 10006 urgent?", "10006", Priority.HIGH),
        ("bump 48213 to high", "48213", Priority.HIGH),
        ("please set T20251104.0031 to critical", "T20251104.0031", Priority.CRITICAL),
        ("lower the priority of my ticket", None, Priority.LOW),
        ("escalate 10028 please", "10028", Priority.HIGH),
        ("10027 can be low priority now", "10027", Priority.LOW),
        ("make it p1", None, Priority.CRITICAL),
        ("could 55120 get escalated? the auditors come monday", "55120", Priority.HIGH),
    ],
)
def test_priority_change_requests_carry_the_level(
    text: str, ticket: str | None, level: Priority
) -> None:
    result = classify(text)
    assert result.intent is Intent.CHANGE_PRIORITY
    assert result.ticket == (TicketRef.parse(ticket) if ticket else None)
    assert result.priority is level


def test_a_report_that_names_its_priority_is_still_a_report() -> None:
    result = classify("my printer is broken and it's jammed, priority high")
    assert result.intent is Intent.CREATE_TICKET
    assert result.priority is Priority.HIGH
    assert result.priority_reason == "You asked for High priority."


@pytest.mark.parametrize(
    "text",
    [
        "status?",
        "any update?",
        "update?",
        "what about that one?",
        "who is working on my ticket?",
        "who has it?",
        "where are we with the request",
        "¿Hay alguna novedad sobre mi solicitud?",
        "Gibt es Neuigkeiten zu meiner Anfrage?",
        "Où en est mon ticket ?",
    ],
)
def test_status_questions_without_a_number_are_never_a_new_ticket(text: str) -> None:
    result = classify(text)
    assert result.intent is Intent.TICKET_STATUS
    assert result.ticket is None


@pytest.mark.parametrize(
    "text",
    [
        "¿cuál es el estado del ticket 4821?",
        "Wie ist der Stand von Ticket 4821?",
        "Quel est le statut du ticket 4821 ?",
    ],
)
def test_status_questions_in_spanish_german_and_french(text: str) -> None:
    result = classify(text)
    assert (result.intent, result.ticket) == (Intent.TICKET_STATUS, TicketRef("id", "4821"))


def test_an_english_report_with_a_status_word_is_not_read_as_foreign() -> None:
    assert classify("the status page of our monitoring app is blank").intent is (
        Intent.CREATE_TICKET
    )


@pytest.mark.parametrize(
    ("text", "intent", "ticket", "remainder"),
    [
        (
            "can you check 10002 and also my mouse is broken",
            Intent.TICKET_STATUS,
            "10002",
            "my mouse is broken",
        ),
        (
            "close 10031, and I need a new charger",
            Intent.CLOSE_TICKET,
            "10031",
            "I need a new charger",
        ),
        (
            "my keyboard is dead and also the scanner on 2 is jammed",
            Intent.CREATE_TICKET,
            None,
            "the scanner on 2 is jammed",
        ),
        (
            "the wifi keeps dropping. Also, any news on 10032?",
            Intent.CREATE_TICKET,
            None,
            "any news on 10032?",
        ),
    ],
)
def test_a_second_request_is_kept_as_the_remainder(
    text: str, intent: Intent, ticket: str | None, remainder: str
) -> None:
    result = classify(text)
    assert result.intent is intent
    assert result.ticket == (TicketRef.parse(ticket) if ticket else None)
    assert result.remainder == remainder
    assert remainder not in (result.description or "")


@pytest.mark.parametrize(
    "text",
    [
        "my screen flickers and also the sound crackles",  # one report, two symptoms
        "my monitor flickers and also it beeps",
        "add to 10013: it also happens on the guest network",
        "10014 - restarted it, and also the cable was swapped",
    ],
)
def test_one_request_has_no_remainder(text: str) -> None:
    assert classify(text).remainder is None


@pytest.mark.parametrize(
    ("text", "level", "reason_word"),
    [
        (
            "I clicked a link in a fake invoice email and entered my password",
            "Critical",
            "security",
        ),
        ("nobody in the office can get online", "Critical", "whole site"),
        ("the whole accounts team is locked out of the ERP", "High", "team"),
        ("clients are getting errors on our booking page", "High", "Customers"),
        ("my laptop won't boot and my report is due by 4pm today", "High", "deadline"),
        ("Teams is slow for me but it works eventually", "Medium", "work can go on"),
        ("could I get a second keyboard", "Low", "request"),
        ("the logo on the intranet looks blurry", "Low", "cosmetic"),
    ],
)
def test_priority_comes_with_a_reason(text: str, level: str, reason_word: str) -> None:
    result = classify(text)
    assert result.intent is Intent.CREATE_TICKET
    assert result.priority == Priority(level)
    assert reason_word.lower() in (result.priority_reason or "").lower()


def test_new_fields_default_to_none_for_old_callers() -> None:
    old_style = Classification(Intent.HELP)
    assert (old_style.priority_reason, old_style.remainder) == (None, None)
    assert classify("what can you do?").remainder is None


def _after_ticket_created() -> tuple[Turn, ...]:
    when = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
    return (
        Turn("user", "the label printer is jammed", when),
        Turn("assistant", "Created ticket #10001: The label printer is jammed", when),
    )


@pytest.mark.parametrize(
    "text",
    ["also it happens on my laptop", "it also does it on the other printer", "and now it beeps"],
)
def test_an_addition_right_after_a_ticket_is_a_note_on_it(text: str) -> None:
    result = RuleClassifier().classify(text, _after_ticket_created())
    assert (result.intent, result.ticket) == (Intent.ADD_NOTE, TicketRef("id", "10001"))
    assert result.description == text


def test_an_addition_with_no_ticket_before_it_stays_a_report() -> None:
    assert classify("also it happens on my laptop").intent is Intent.CREATE_TICKET


@pytest.mark.parametrize(
    ("text", "ticket"),
    [("no, it's urgent", "10001"), ("it's urgent after all", "10001")],
)
def test_urgency_said_of_the_ticket_just_discussed_changes_its_priority(
    text: str, ticket: str
) -> None:
    result = RuleClassifier().classify(text, _after_ticket_created())
    assert result.intent is Intent.CHANGE_PRIORITY
    assert result.ticket == TicketRef.parse(ticket)
    assert result.priority is Priority.HIGH


@pytest.mark.parametrize("text", ["go ahead", "sure thing", "oui", "ja bitte", "sí, por favor"])
def test_bare_agreement_in_four_languages_is_small_talk_not_a_question(text: str) -> None:
    assert classify(text).intent is Intent.SMALLTALK


def test_more_about_the_named_ticket_is_not_a_second_request() -> None:
    result = classify("ticket 30555 - any news? Also the fan now rattles")
    assert (result.intent, result.ticket) == (Intent.TICKET_STATUS, TicketRef("id", "30555"))
    assert result.remainder is None


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("12345 is my employee number and my payslip is wrong", None),
        ("231020 screenshot uploaded to OneDrive", "231020"),
        ("when do you think 231015 will be done", "231015"),
        ("we don't need 231003 now, thanks", "231003"),
    ],
)
def test_numbers_that_open_or_end_a_message(text: str, ref: str | None) -> None:
    assert classify(text).ticket == (TicketRef.parse(ref) if ref else None)


@pytest.mark.parametrize(
    "text",
    [
        "what else are you able to help me with?",
        "which requests do you understand?",
        "show me the list of commands",
    ],
)
def test_questions_about_what_the_bot_does_are_help(text: str) -> None:
    assert classify(text).intent is Intent.HELP


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("please add to my ticket that the dock is a WD19", "the dock is a WD19"),
        ("mention on the ticket that I rebooted twice", "I rebooted twice"),
    ],
)
def test_add_to_my_ticket_that_is_a_note_with_only_what_is_added(text: str, note: str) -> None:
    result = classify(text)
    assert (result.intent, result.description) == (Intent.ADD_NOTE, note)


def test_update_as_a_verb_asks_for_a_change_not_for_progress() -> None:
    result = classify("please update my office number in the staff directory")
    assert result.intent is Intent.CREATE_TICKET


@pytest.mark.parametrize(
    "text", ["Vous avez avancé sur mon dossier ?", "¿Han avanzado con mi solicitud?"]
)
def test_progress_said_as_a_verb_is_a_status_question_in_french_and_spanish(text: str) -> None:
    assert classify(text).intent is Intent.TICKET_STATUS
