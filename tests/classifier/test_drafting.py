"""Ticket titles drafted from problem reports, and notes cut out of messages."""

from __future__ import annotations

import pytest

from core.classifier.drafting import FALLBACK_TITLE, TITLE_LIMIT, draft_title, note_text
from core.classifier.refs import first_ticket_ref
from core.classifier.text import clean


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("My computer won't start", "My computer won't start"),
        (
            "oh, separately, the printer says out of paper when it's full",
            "The printer says out of paper when it's full",
        ),
        ("another thing: my dock stopped charging", "My dock stopped charging"),
        ("the copier is printing blank pages", "The copier is printing blank pages"),
        ("Open a ticket for the broken projector in room B", "The broken projector in room B"),
        (
            "please install Zoom on the front desk PC when you get a chance",
            "Install Zoom on the front desk PC",
        ),
        (
            "Word crashes when I save to SharePoint, pretty urgent",
            "Word crashes when I save to SharePoint",
        ),
        ("not urgent but my desk phone display is dim", "My desk phone display is dim"),
        (
            "Hi team, I'd like to report that my VPN keeps dropping every 10 minutes",
            "My VPN keeps dropping every 10 minutes",
        ),
        (
            "hello, my docking station stopped charging my laptop",
            "My docking station stopped charging my laptop",
        ),
        ("could you please install Visio on my PC", "Install Visio on my PC"),
        (
            "Hi Anna, the scanner jams on every page. It started yesterday.",
            "The scanner jams on every page",
        ),
        (
            "can someone look at my laptop? the trackpad has stopped responding",
            "Look at my laptop: the trackpad has stopped responding",
        ),
        (
            "Hello IT team,\nSince this morning I cannot access any network drives.\nThanks, Anna",
            "Since this morning I cannot access any network drives",
        ),
        ("urgent: can't print invoices", "Can't print invoices"),
        ("I need help with my printer, it's not working", "My printer, it's not working"),
    ],
)
def test_titles_drop_greetings_politeness_and_urgency(text: str, title: str) -> None:
    assert draft_title(text) == title


def test_long_reports_are_cut_at_a_clause_or_word_boundary() -> None:
    text = (
        "the shared printer next to the kitchen prints every page twice, "
        "and the second copy always comes out with grey streaks across the middle"
    )
    title = draft_title(text)
    assert title == "The shared printer next to the kitchen prints every page twice"

    words = "word " * 60
    cut = draft_title(words)
    assert len(cut) <= TITLE_LIMIT
    assert cut.endswith("\u2026")
    assert not cut.endswith(" \u2026")


@pytest.mark.parametrize("text", ["", "   ", "??", "!!!", "\x00\x01"])
def test_titles_never_come_out_empty(text: str) -> None:
    assert draft_title(text) == FALLBACK_TITLE


@pytest.mark.parametrize(
    ("text", "note"),
    [
        (
            "add a note to #10422: it happens only on battery power",
            "it happens only on battery power",
        ),
        (
            "ticket 88001 - I tried a different cable, still nothing",
            "I tried a different cable, still nothing",
        ),
        (
            "update on 30417: the error message says 'disk full'",
            "the error message says 'disk full'",
        ),
        ("for #99120 my phone number is 555-0142", "my phone number is 555-0142"),
        ("#77310 more info: it only fails after lunch", "it only fails after lunch"),
        (
            "just to add on T20251030.0021, the error code is 0x8004010F",
            "the error code is 0x8004010F",
        ),
        (
            "re 48213, the issue also happens on the guest wifi",
            "the issue also happens on the guest wifi",
        ),
        # Words other than addressing before the reference: keep the whole message.
        (
            "please let the tech on T20251101.0003 know I'm in the office tomorrow",
            "please let the tech on T20251101.0003 know I'm in the office tomorrow",
        ),
        (
            "I tried rebooting for #88001 but it still freezes",
            "I tried rebooting for #88001 but it still freezes",
        ),
        # Nothing after the reference: keep the whole message.
        ("add a note to #10422", "add a note to #10422"),
    ],
)
def test_notes_lose_only_the_addressing_prefix(text: str, note: str) -> None:
    ref = first_ticket_ref(clean(text))
    assert ref is not None
    assert note_text(text, ref) == note


def test_note_keeps_the_persons_own_characters() -> None:
    text = "ticket 48213: it\u2019s the \u201cDell\u201d in room\u00a012 \U0001f605"
    ref = first_ticket_ref(clean(text))
    assert ref is not None
    assert note_text(text, ref) == "it\u2019s the \u201cDell\u201d in room\u00a012 \U0001f605"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("hola, el proyector no enciende", "El proyector no enciende"),
        ("Bonjour, mon écran reste noir", "Mon écran reste noir"),
        ("Hallo, der Scanner ist offline", "Der Scanner ist offline"),
    ],
)
def test_greetings_in_other_languages_leave_the_title(text: str, title: str) -> None:
    assert draft_title(text) == title
