"""Reading the short replies that only make sense in a dialogue."""

from __future__ import annotations

import pytest

from core.dialogue import (
    adds_detail,
    bare_answer,
    follow_up,
    priority_edit,
    priority_request,
    reopen_reason,
    says_no,
    says_yes,
    status_by_description,
    title_edit,
)
from core.tickets import Priority, TicketRef


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "yse",
        "Yes please, log it",
        "go ahead",
        "sure thing",
        "sí, por favor",
        "ja, bitte",
        "oui d'accord",
        "vale",
        "👍",
        "ok do it",
        "perfect, create it",
        "oui, vas-y",
        "yeas",
        "jo, passt",
    ],
)
def test_confirmations(text: str) -> None:
    assert says_yes(text) and not says_no(text)


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "nope",
        "never mind",
        "forget it",
        "actually, forget it",
        "it works again",
        "sorry, never mind, it's fine now",
        "nein danke",
        "non merci",
        "nvm",
        "no, that's not IT, sorry",
        "scrap that",
        "ah never mind, I got in now",
        "oh, I managed to fix it myself",
    ],
)
def test_refusals(text: str) -> None:
    assert says_no(text) and not says_yes(text)


@pytest.mark.parametrize(
    "text", ["never mind the title, make it urgent", "I got an error on login", "scrap metal"]
)
def test_a_withdrawal_word_that_still_asks_for_something_is_no_refusal(text: str) -> None:
    assert not says_no(text)


@pytest.mark.parametrize(
    "text",
    [
        "yes but the title is wrong",
        "no, it's urgent",
        "yes, and also my mouse is broken",
        "the printer is broken",
        "I said yes to the wrong thing yesterday and now nothing works",
    ],
)
def test_neither_when_more_is_said(text: str) -> None:
    assert not says_yes(text) or not says_no(text)
    assert not says_yes(text)


def test_a_bare_yes_or_no_only_when_that_is_all() -> None:
    assert bare_answer("yes") == "yes" and bare_answer("Nope") == "no"
    assert bare_answer("ok thanks") is None and bare_answer("yes the printer") is None


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("actually make it urgent", Priority.HIGH),
        ("make it critical", Priority.CRITICAL),
        ("no, it's urgent", Priority.HIGH),
        ("not urgent after all", Priority.LOW),
        ("make it high priority", Priority.HIGH),
        ("the server is down, it's critical", None),
    ],
)
def test_priority_edits(text: str, level: Priority | None) -> None:
    assert priority_edit(text) == level


def test_priority_requests_name_the_ticket_or_it() -> None:
    assert priority_request("can you make 10006 urgent?") == (
        TicketRef("id", "10006"),
        Priority.HIGH,
    )
    assert priority_request("bump it up to high") == (None, Priority.HIGH)
    assert priority_request("the VPN is down and this is important") is None


def test_titles_follow_ups_and_reasons() -> None:
    assert title_edit("call it 'Outlook crashes'") == "Outlook crashes"
    assert title_edit("title should be Printer jam") == "Printer jam"
    assert follow_up("also it happens on my laptop") == "sure"
    assert follow_up("it keeps freezing") == "maybe"
    assert follow_up("my mouse is broken") is None
    assert reopen_reason("can you reopen ticket 10004, it broke again") == "it broke again"
    assert reopen_reason("reopen 10004") == ""


def test_a_short_real_word_near_several_yeses_is_no_yes() -> None:
    assert not says_yes("yet")


@pytest.mark.parametrize(
    "text", ["the serial number is CN-0F3KX 2231, model P2422H", "asset tag 40517", "model T14s"]
)
def test_what_identifies_the_device_is_detail_for_the_draft(text: str) -> None:
    assert adds_detail(text)


@pytest.mark.parametrize("text", ["the wifi one", "my laptop ticket?", "what about the phone one?"])
def test_naming_a_ticket_by_its_subject_asks_about_it(text: str) -> None:
    assert status_by_description(text)


def test_a_report_is_not_a_ticket_named_by_its_subject() -> None:
    assert not status_by_description("the printer on 3 is jammed")


def test_a_title_change_after_a_short_clause_and_a_judgement_that_is_no_title() -> None:
    assert title_edit("no that's wrong, the title should be VPN login fails") == "VPN login fails"
    assert title_edit("the title is wrong") is None
    assert title_edit("hmm, the title is not right") is None


def test_a_level_said_of_it_with_a_contraction_is_a_priority_request() -> None:
    assert priority_request("it's actually critical") == (None, Priority.CRITICAL)
    assert priority_request("it's broken") is None
