from __future__ import annotations

import pytest

from core.commands import USAGE, Command, CommandError, is_command, parse_command
from core.tickets import Priority, TicketRef


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ticket status 48213", Command("status", ref=TicketRef("id", "48213"))),
        ("/ticket status #48213", Command("status", ref=TicketRef("id", "48213"))),
        (
            "ticket status t20251104.0031",
            Command("status", ref=TicketRef("number", "T20251104.0031")),
        ),
        (
            "ticket new VPN drops every ten minutes --priority high",
            Command("new", text="VPN drops every ten minutes", priority=Priority.HIGH),
        ),
        ("Ticket NEW printer jam", Command("new", text="printer jam")),
        (
            "ticket note 48213 it also happens on my desktop",
            Command("note", ref=TicketRef("id", "48213"), text="it also happens on my desktop"),
        ),
        ("ticket list", Command("list")),
        (
            "ticket close T20251104.0031",
            Command("close", ref=TicketRef("number", "T20251104.0031")),
        ),
        ("ticket help", Command("help")),
    ],
)
def test_well_formed_commands(text: str, expected: Command) -> None:
    assert is_command(text)
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "usage_of"),
    [
        ("ticket status", "status"),
        ("ticket status banana", "status"),
        ("ticket note 48213", "note"),
        ("ticket close 48213 now please", "close"),
        ("ticket new", "new"),
        ("ticket new printer --priority whenever", "new"),
        ("ticket list everything", "list"),
    ],
)
def test_malformed_commands_answer_with_their_usage(text: str, usage_of: str) -> None:
    result = parse_command(text)
    assert isinstance(result, CommandError)
    assert result.usage == USAGE[usage_of]


def test_unknown_slash_verb_lists_every_usage() -> None:
    result = parse_command("/ticket frobnicate")
    assert isinstance(result, CommandError) and "frobnicate" in result.message
    assert all(line in result.usage for line in USAGE.values())


@pytest.mark.parametrize(
    "text",
    [
        "ticket 88001 - I tried a different cable, still nothing",
        "tickets are piling up, I need help",
        "my ticket printer is broken",
        "what's the status of 48213?",
    ],
)
def test_natural_language_is_not_taken_for_a_command(text: str) -> None:
    assert not is_command(text)


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("ticket clsoe 48213", "close"),
        ("ticket stauts 48213", "status"),
        ("ticket nwe printer jams", "new"),
        ("ticket lsit", "list"),
        ("ticket reopne 48213", "reopen"),
        ("ticket prioirty 48213 high", "priority"),
    ],
)
def test_one_slip_in_a_verb_is_forgiven(text: str, verb: str) -> None:
    assert is_command(text)
    result = parse_command(text)
    assert isinstance(result, Command) and result.verb == verb


@pytest.mark.parametrize(
    "text", ["ticket not updating since monday", "ticket now works", "ticket lost in the queue"]
)
def test_a_real_word_after_ticket_is_not_taken_for_a_slip(text: str) -> None:
    assert not is_command(text)


def test_a_slip_that_could_be_two_verbs_asks_which() -> None:
    result = parse_command("/ticket gew")
    assert isinstance(result, CommandError)
    assert result.message == "Did you mean “ticket new” or “ticket status”?"


def test_reopen_and_priority_commands() -> None:
    reopen = parse_command("ticket reopen 48213 it broke again")
    priority = parse_command("ticket priority T20251104.0031 p1")
    bad = parse_command("ticket priority 48213 whenever")

    assert isinstance(reopen, Command) and reopen.text == "it broke again"
    assert isinstance(priority, Command) and priority.priority is Priority.CRITICAL
    assert isinstance(bad, CommandError) and bad.usage == USAGE["priority"]


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("ticket stat 10001", "status"),
        ("ticket prio 10001 high", "priority"),
        ("ticket reop 10001", "reopen"),
    ],
)
def test_a_verb_cut_short_is_understood(text: str, verb: str) -> None:
    assert is_command(text)
    parsed = parse_command(text)
    assert isinstance(parsed, Command) and parsed.verb == verb


@pytest.mark.parametrize("text", ["ticket opne 10001", "ticket open 10001", "ticket printer 10001"])
def test_a_word_before_a_ticket_number_is_a_command_and_never_files_a_ticket(text: str) -> None:
    assert is_command(text)
    parsed = parse_command(text)
    assert isinstance(parsed, CommandError)
    assert USAGE["reopen"] in parsed.usage and USAGE["status"] in parsed.usage
