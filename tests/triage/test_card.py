"""The triage card: what it shows and offers, one line once closed, and that Slack (Block Kit,
a select menu for each picker) and Teams (Adaptive Cards 1.5, a choice set for each picker)
render it as their clients accept and as their adapters read back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from bots.console import render_reply as console_reply
from bots.slack.blocks import render_reply
from bots.slack.packing import Stash, unpack
from bots.teams.cards import render_card
from core import actions
from core.cards import ticket_card
from core.messages import Reply
from core.tickets import Note, Ticket
from core.triage import (
    PUBLIC_NOTE,
    TriageChoices,
    TriageView,
    fingerprint,
    triage_card,
    triage_reply,
)
from core.wire import reply_from_json, reply_to_json
from tests.fakes.slack_api import validate_message_blocks
from tests.teams.adaptive_card_1_5 import validate
from tests.teams.harness import understood

TICKET = Ticket(
    id=48213,
    number="T20261130.0007",
    title="VPN drops every hour",
    status="New",
    priority="High",
    created_at=datetime(2026, 11, 30, 3, 40, tzinfo=UTC),
    web_url="https://ww5.autotask.net/Autotask/AutotaskExtend/ExecuteCommand.aspx?Code=OpenTicketDetail&TicketID=48213",
)
VIEW = TriageView(TICKET, requester="Alice Example <alice@example.com>", company="example.com")
CHOICES = TriageChoices(
    technicians=("Jordan Lee", "Tess Tech"), statuses=("New", "In Progress", "Complete")
)


def _action(card_actions: tuple[object, ...], action_id: str) -> object:
    return next(a for a in card_actions if getattr(a, "action_id", None) == action_id)


def test_an_open_tickets_card_shows_who_what_and_offers_the_technicians_actions() -> None:
    card = triage_card(VIEW, CHOICES)

    shown = {f.label: f.value for f in card.fields}
    assert card.title == "T20261130.0007 · VPN drops every hour"
    assert shown["Requester"] == "Alice Example <alice@example.com>"
    assert shown["Company"] == "example.com"
    assert shown["Priority"] == "High"
    assert shown["Status"] == "New"
    assert shown["Assigned to"] == "Nobody yet"
    assert shown["Filed"] == "2026-11-30 03:40 UTC"
    assert [a.action_id for a in card.actions] == [
        actions.TRIAGE_TAKE,
        actions.TRIAGE_ASSIGN,
        actions.TRIAGE_PRIORITY,
        actions.TRIAGE_STATUS,
        actions.TRIAGE_NOTE,
    ]
    assert all(a.values[actions.TICKET] == "48213" for a in card.actions)
    # Take and Assign carry who the card showed, so a stale card does not take over unasked.
    assert [a.values.get(actions.SHOWN_ASSIGNEE) for a in card.actions[:3]] == ["", "", None]
    [assignee] = next(a for a in card.actions if a.action_id == actions.TRIAGE_ASSIGN).inputs
    assert assignee.input_id == actions.INPUT_ASSIGNEE
    assert assignee.choices == ("Jordan Lee", "Tess Tech")
    [status] = next(a for a in card.actions if a.action_id == actions.TRIAGE_STATUS).inputs
    assert status.choices == ("New", "In Progress", "Complete")
    assert card.link is not None and "OpenTicketDetail&TicketID=48213" in card.link.url


def test_a_note_is_internal_unless_the_technician_picks_public() -> None:
    card = triage_card(VIEW, CHOICES)
    note, visibility = next(a for a in card.actions if a.action_id == actions.TRIAGE_NOTE).inputs

    assert note.input_id == actions.INPUT_NOTE and note.required
    assert visibility.input_id == actions.PUBLIC
    assert visibility.value == "false"
    assert visibility.choice_label("false").startswith("Internal")
    assert visibility.choice_label(PUBLIC_NOTE) == "Public: the requester sees it"


def test_a_closed_tickets_card_collapses_to_one_line() -> None:
    closed = replace(TICKET, status="Complete", is_closed=True, assignee="Tess Tech")
    card = triage_card(TriageView(closed), CHOICES)

    assert card.title == "✓ T20261130.0007 · VPN drops every hour (Complete, Tess Tech)"
    assert (card.fields, card.actions, card.link, card.subtitle, card.body) == (
        (),
        (),
        None,
        None,
        None,
    )


def test_the_local_desk_card_has_no_autotask_link() -> None:
    card = triage_card(replace(VIEW, ticket=replace(TICKET, web_url=None)), CHOICES)

    assert card.link is None


def test_the_fingerprint_changes_with_what_the_card_shows_only() -> None:
    before = fingerprint(triage_reply(VIEW, CHOICES))

    assert fingerprint(triage_reply(VIEW, CHOICES)) == before
    taken = replace(VIEW, ticket=replace(TICKET, assignee="Tess Tech"))
    assert fingerprint(triage_reply(taken, CHOICES)) != before


def test_the_card_survives_the_wire_with_its_choice_labels() -> None:
    reply = triage_reply(VIEW, CHOICES)

    assert reply_from_json(reply_to_json(reply)) == reply


def test_slack_shows_pickers_as_select_menus_whose_options_carry_the_values() -> None:
    message = render_reply(triage_reply(VIEW, CHOICES), Stash())
    blocks = list(message.blocks)

    assert validate_message_blocks(blocks) is None
    elements = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    kinds = {e["action_id"].split("~")[0]: e["type"] for e in elements if "action_id" in e}
    assert kinds[actions.TRIAGE_TAKE] == "button"
    assert kinds[actions.TRIAGE_NOTE] == "button"  # a dialog: the note and its visibility
    for picker in (actions.TRIAGE_ASSIGN, actions.TRIAGE_PRIORITY, actions.TRIAGE_STATUS):
        assert kinds[picker] == "static_select"
    assign = next(e for e in elements if e["action_id"].startswith(actions.TRIAGE_ASSIGN))
    assert [o["text"]["text"] for o in assign["options"]] == ["Jordan Lee", "Tess Tech"]
    chosen = unpack(assign["options"][1]["value"], Stash())
    assert chosen.values == {
        actions.TICKET: "48213",
        actions.INPUT_ASSIGNEE: "Tess Tech",
        actions.SHOWN_ASSIGNEE: "",
    }
    link = next(e for e in elements if e.get("url"))
    assert "TicketID=48213" in link["url"]
    assert "Alice Example" in json.dumps(blocks)


def test_slack_keeps_a_long_list_of_technicians_within_its_limits() -> None:
    many = TriageChoices(technicians=tuple(f"Technician Number {n:03d}" for n in range(150)))
    message = render_reply(triage_reply(VIEW, many), Stash())

    assert validate_message_blocks(list(message.blocks)) is None


def test_teams_renders_the_card_as_adaptive_cards_1_5_with_inputs_it_reads_back() -> None:
    reply = triage_reply(VIEW, CHOICES)
    assert reply.card is not None
    card = render_card(reply.card, fallback_text=reply.text)

    assert validate(card) == []
    assert understood(card) == []
    titles = [a["title"] for a in card["actions"]]
    assert titles == ["Take it", "Assign…", "Priority…", "Status…", "Note…", "Open in Autotask"]
    note = next(a for a in card["actions"] if a["title"] == "Note…")
    visibility = next(i for i in note["card"]["body"] if i["id"] == actions.PUBLIC)
    assert visibility["value"] == "false"
    assert [c["title"] for c in visibility["choices"]] == [
        "Internal: technicians only",
        "Public: the requester sees it",
    ]


def test_teams_renders_a_closed_card_as_one_line() -> None:
    closed = replace(TICKET, status="Complete", is_closed=True)
    reply = triage_reply(TriageView(closed), CHOICES)
    assert reply.card is not None
    card = render_card(reply.card, fallback_text=reply.text)

    assert validate(card) == []
    assert len(card["body"]) == 1 and "actions" not in card


def test_an_internal_note_is_marked_everywhere_a_technician_reads_the_ticket() -> None:
    at = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    ticket = replace(
        TICKET,
        notes=(
            Note("Tess Tech", "Firewall rule 12 is wrong", at, internal=True),
            Note("Tess Tech", "Please restart the VPN", at),
        ),
    )
    reply = reply_from_json(reply_to_json(Reply("status", card=ticket_card(ticket))))
    assert reply.card is not None
    assert [n.internal for n in reply.card.notes] == [True, False]  # through the outbox too

    console = console_reply(reply)
    slack = json.dumps(render_reply(reply, Stash()).as_kwargs()["blocks"])
    teams = json.dumps(render_card(reply.card))
    assert "[Internal] Tess Tech: Firewall rule 12" in console
    assert "[Internal] Tess Tech: Please restart" not in console
    for rendered in (slack, teams):
        assert rendered.count("Internal") == 1
