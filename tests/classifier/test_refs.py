"""Ticket references: both Autotask forms, and numbers that only look like tickets."""

from __future__ import annotations

import pytest

from core.classifier.refs import MAX_REFS, find_ticket_refs, first_ticket_ref
from core.classifier.text import clean
from core.tickets import TicketRef


def ref_in(text: str) -> TicketRef | None:
    found = first_ticket_ref(clean(text))
    return found.ref if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48213", TicketRef("id", "48213")),
        ("#48213", TicketRef("id", "48213")),
        ("ticket 48213", TicketRef("id", "48213")),
        ("Ticket #48213 please", TicketRef("id", "48213")),
        ("ticket no. 48213", TicketRef("id", "48213")),
        ("ticket number: 48213", TicketRef("id", "48213")),
        ("my ticket number is 48213", TicketRef("id", "48213")),
        ("case 48213 again", TicketRef("id", "48213")),
        ("check ticket 5512", TicketRef("id", "5512")),
        ("ticket 7", TicketRef("id", "7")),
        ("status of T20251104.0031", TicketRef("number", "T20251104.0031")),
        ("t20251104.0031 - any update?", TicketRef("number", "T20251104.0031")),
        ("(T20251104.0031)", TicketRef("number", "T20251104.0031")),
        ("status of 20251104.0031", TicketRef("number", "T20251104.0031")),
        ("What's the latest on 30417", TicketRef("id", "30417")),
        ("no longer need 30417, close it out", TicketRef("id", "30417")),
        ("update on 30417: the error message says 'disk full'", TicketRef("id", "30417")),
        ("48213: screenshot shows the same error again", TicketRef("id", "48213")),
        ("re 48213, the issue also happens on the guest wifi", TicketRef("id", "48213")),
        ("close 00048213", TicketRef("id", "48213")),
        ("status of \uff14\uff18\uff12\uff11\uff13", TicketRef("id", "48213")),  # full-width
        ("ticket\u00a048213", TicketRef("id", "48213")),
    ],
)
def test_references_are_found_and_normalised(text: str, expected: TicketRef) -> None:
    assert ref_in(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "for my ticket call me on 555-0142",
        "close the window, my extension is 4417",
        "status update: call me at 5550142",
        "status light blinks at 2:30 and at 14:45",
        "the update to version 2024.1 broke it",
        "update 10.0.0.12 is unreachable",
        "printer in room 204 is jammed, ticket please",
        "printer in room #1204 is jammed, any update?",
        "my 16GB laptop, status unknown",
        "close to 16 GB free, status ok",
        "status: error 0x80070005 when updating",
        "error code 1603 since the update",
        "it has been broken since 2019, any update?",
        "I opened a ticket 2 days ago",
        "update: 1500 users are affected",
        "my #1 priority is the status of the VPN",
        "order 48213 has not arrived, any update?",
        "status of invoice 48213",
        "my ticket is 7 days old",
        "$4500 quote, status?",
        "2024",
        "dial 0161 496 0000 for status",
        "asset tag 55821 laptop is broken, close call",
        "I have 25000 emails, status?",
        "status 12345678901",  # eleven digits: not an Autotask id
    ],
)
def test_numbers_that_are_not_tickets_are_left_alone(text: str) -> None:
    assert ref_in(text) is None


def test_a_bare_number_needs_a_ticket_context() -> None:
    assert ref_in("the printer prints 48213 pages a month and jams") is None
    assert ref_in("my laptop serial starts 48213 and it is slow") is None
    assert ref_in("is 48213 done yet") == TicketRef("id", "48213")


def test_explicit_references_win_over_bare_numbers() -> None:
    found = first_ticket_ref(clean("update on 30417: see ticket #48213 too"))
    assert found is not None
    assert found.ref == TicketRef("id", "48213")


def test_all_references_are_listed_in_reading_order_with_spans() -> None:
    text = clean("merge #48213 into T20251104.0031 and ticket 5512")
    found = find_ticket_refs(text)
    assert [m.ref.value for m in found] == ["48213", "T20251104.0031", "5512"]
    assert [text[m.start : m.end] for m in found] == [
        "#48213",
        "T20251104.0031",
        "ticket 5512",
    ]


def test_reference_lists_are_bounded() -> None:
    text = " ".join(f"#{10000 + i}" for i in range(200))
    assert len(find_ticket_refs(text)) == MAX_REFS
