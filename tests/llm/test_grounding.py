"""Which ticket references count as coming from the conversation."""

from __future__ import annotations

import pytest

from core.llm.grounding import grounded_ref, refs_in, reply_refs
from core.tickets import TicketRef


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("any news on 48213?", {TicketRef("id", "48213")}),
        ("#48213 please", {TicketRef("id", "48213")}),
        ("T20251104.0031 and #12", {TicketRef("number", "T20251104.0031"), TicketRef("id", "12")}),
        ("version 3.5 at 10:30 on 2025-11-04, v2", set()),
        ("no numbers at all", set()),
    ],
)
def test_refs_in(text: str, expected: set[TicketRef]) -> None:
    assert refs_in(text) == expected


def test_a_ticket_number_does_not_leak_bare_ids() -> None:
    # "0031" inside T20251104.0031 is not ticket #31.
    assert TicketRef("id", "31") not in refs_in("T20251104.0031")


def test_grounded_ref() -> None:
    allowed = refs_in("about #48213 and T20251104.0031")
    assert grounded_ref("48213", allowed) == TicketRef("id", "48213")
    assert grounded_ref("#48213", allowed) == TicketRef("id", "48213")
    assert grounded_ref("t20251104.0031", allowed) == TicketRef("number", "T20251104.0031")
    assert grounded_ref("48214", allowed) is None
    assert grounded_ref("every ticket", allowed) is None
    assert grounded_ref(None, allowed) is None


def test_reply_refs_only_counts_explicit_references() -> None:
    found = reply_refs("Ticket 123 and #45 and T20251104.0031 should be done in 5 minutes.")
    assert found == {
        TicketRef("id", "123"),
        TicketRef("id", "45"),
        TicketRef("number", "T20251104.0031"),
    }
