from __future__ import annotations

from datetime import UTC, datetime

from bots.console import render_card, render_reply
from core.cards import (
    close_confirm_card,
    draft_card,
    help_card,
    note_confirm_card,
    priority_confirm_card,
    ticket_card,
)
from core.messages import Reply
from core.tickets import Note, Priority, Ticket, TicketDraft

TICKET = Ticket(
    id=48213,
    number="T20251104.0031",
    title="VPN drops",
    status="In Progress",
    priority="High",
    assignee="Tess Tech",
    notes=(Note("Ana", "also on my desktop", datetime(2026, 11, 4, 10, 0, tzinfo=UTC)),),
    web_url="https://ww15.autotask.net/ticket/48213",
)


def test_ticket_card_reads_as_text_with_fields_notes_link_and_what_to_type() -> None:
    text = render_card(ticket_card(TICKET))

    assert text.splitlines()[0] == "┌ T20251104.0031 · VPN drops"
    assert "Assigned to   : Tess Tech" in text
    assert "2026-11-04 10:00 Ana: also on my desktop" in text
    assert "Open in Autotask: https://ww15.autotask.net/ticket/48213" in text
    assert text.splitlines()[-1] == (
        "└ ticket note 48213 <text> · ticket status 48213 · ticket close 48213"
    )


def test_a_closed_ticket_does_not_offer_close() -> None:
    closed = Ticket(
        id=1, number="T20251104.0001", title="x", status="Complete", priority="Low", is_closed=True
    )

    text = render_card(ticket_card(closed))
    assert "ticket close" not in text and text.endswith("ticket reopen 1 <why>")


def test_confirmation_cards_say_to_type_yes_or_no() -> None:
    draft = render_card(draft_card(TicketDraft("Printer", "jams", Priority.LOW), "d1"))
    close = render_card(close_confirm_card(TICKET))

    priority = render_card(priority_confirm_card(TICKET, Priority.CRITICAL, "r1"))
    note = render_card(note_confirm_card(TICKET, "also on Wi-Fi", "r2"))

    assert draft.endswith("Type yes to confirm or no to cancel.")
    assert close.endswith("Type yes to confirm or no to cancel.")
    assert priority.endswith("Type yes to confirm or no to cancel.")
    assert note.endswith("Type yes to confirm or no to cancel.")


def test_reply_shows_its_first_line_then_the_card_and_help_as_text() -> None:
    rendered = render_reply(Reply("Here it is.\nmore", card=ticket_card(TICKET)))
    helped = render_reply(Reply("All the commands", card=help_card()))

    assert rendered.startswith("Here it is.\n┌ T20251104.0031")
    assert helped == "All the commands"
