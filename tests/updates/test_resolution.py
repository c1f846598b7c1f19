"""Resolved → "Did this fix it?": Yes closes and asks for an optional rating (stored, audited,
reported); No reopens with the person's words. And muting a ticket's updates."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bots.cli import report
from core.updates.wording import COMMENT, FIXED, MUTE, RATE, REOPEN
from storage.db import Database
from tests.updates.harness import Loop, build_loop


def _resolved(loop: Loop) -> tuple[int, list[str]]:
    loop.bot.say("ticket new Printer on floor 2 jams")
    [ticket] = loop.bot.desk.list_open(loop.bot_user)
    loop.clock.advance(minutes=30)
    loop.staff.assign(loop.ref(ticket.id), "Jordan Lee", "Jordan Lee")
    loop.round()
    loop.staff.set_status(loop.ref(ticket.id), "Complete", "Jordan Lee")
    [reply] = loop.round()
    assert reply.card is not None
    return ticket.id, [a.action_id for a in reply.card.actions]


def test_resolved_asks_and_yes_leads_to_a_stored_and_audited_rating(database: Database) -> None:
    loop = build_loop(database)
    ticket_id, buttons = _resolved(loop)
    ref = {"ticket": str(ticket_id)}

    confirmed = loop.bot.click(FIXED, ref)
    rated = loop.bot.click(RATE, {**ref, "rating": "4"})
    commented = loop.bot.click(COMMENT, {**ref, "note": "Quick and friendly"})

    assert buttons[:2] == [FIXED, REOPEN] and MUTE in buttons
    assert "stays closed" in confirmed[0].text
    assert confirmed[1].card is not None
    assert [a.action_id for a in confirmed[1].card.actions][:5] == [RATE] * 5
    assert "4 of 5" in rated[0].text and "Thanks" in commented[0].text
    [facts] = loop.facts.all("local", loop.clock.now.replace(year=2000))
    assert (facts.rating, facts.comment) == (4, "Quick and friendly")
    assert facts.first_response_at is not None and facts.resolved_at is not None
    assert [e.action for e in loop.audit.entries] == [
        "ticket.confirm",
        "ticket.rating",
        "ticket.rating",
    ]


def test_no_reopens_the_ticket_with_the_persons_words(database: Database) -> None:
    loop = build_loop(database)
    ticket_id, _ = _resolved(loop)

    [reply] = loop.bot.click(REOPEN, {"ticket": str(ticket_id), "note": "Still jams on A3"})
    ticket = loop.bot.desk.get(loop.ref(ticket_id), loop.bot_user)

    assert "reopened" in reply.text.lower()  # the core's Reopen answers
    # The core's reopen: back to the queue's new status, the words as its note.
    assert ticket.status == "New" and not ticket.is_closed
    assert ticket.notes[-1].text == "Reopened: Still jams on A3"
    assert loop.round() == []  # their own reopening is not announced back


def test_a_rating_out_of_range_is_refused_politely(database: Database) -> None:
    loop = build_loop(database)
    ticket_id, _ = _resolved(loop)

    [reply] = loop.bot.click(RATE, {"ticket": str(ticket_id), "rating": "9"})

    assert "1 to 5" in reply.text
    [facts] = loop.facts.all("local", loop.clock.now.replace(year=2000))
    assert facts.rating is None


@pytest.mark.parametrize("phrase", ["stop updates on {id}", "ticket mute {id}"])
def test_muting_by_command_or_button_stops_updates(database: Database, phrase: str) -> None:
    loop = build_loop(database)
    loop.bot.say("ticket new Printer on floor 2 jams")
    [ticket] = loop.bot.desk.list_open(loop.bot_user)

    [muted] = loop.bot.say(phrase.format(id=ticket.id))
    loop.staff.assign(loop.ref(ticket.id), "Jordan Lee", "Jordan Lee")
    silent = loop.round()
    [unmuted] = loop.bot.say(f"ticket unmute {ticket.id}")
    loop.staff.set_status(loop.ref(ticket.id), "In Progress", "Jordan Lee")
    heard = loop.round()
    loop.bot.click(MUTE, {"ticket": str(ticket.id)})
    loop.staff.add_note(loop.ref(ticket.id), "On my way", "Jordan Lee", internal=False)

    assert "no more updates" in muted.text and "tell you again" in unmuted.text
    assert silent == [] and len(heard) == 1
    assert loop.round() == []


def test_someone_elses_ticket_cannot_be_muted_or_rated(database: Database) -> None:
    from tests.support import BOB

    loop = build_loop(database)
    ticket_id, _ = _resolved(loop)

    [mute] = loop.bot.say(f"ticket mute {ticket_id}", BOB)
    [rate] = loop.bot.click(RATE, {"ticket": str(ticket_id), "rating": "1"}, BOB)

    assert "couldn't find" in mute.text.lower() or "not" in mute.text.lower()
    assert "1 of 5" not in rate.text
    [facts] = loop.facts.all("local", loop.clock.now.replace(year=2000))
    assert facts.rating is None


def test_report_summarises_per_day_response_resolve_and_csat(
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    loop = build_loop(database)
    ticket_id, _ = _resolved(loop)
    loop.bot.click(FIXED, {"ticket": str(ticket_id)})
    loop.bot.click(RATE, {"ticket": str(ticket_id), "rating": "5"})
    loop.bot.say("ticket new The scanner is offline")
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", str(database.engine.url))
    monkeypatch.chdir(tmp_path)

    assert report.run(argparse.Namespace(days=3650, json=True)) == 0
    found = json.loads(capsys.readouterr().out)

    assert found["per_day"] == {"2026-11-04": 2}
    overall = found["overall"]
    assert overall["tickets"] == 2 and overall["ratings"] == 1
    assert overall["csat_percent"] == 100.0 and overall["average_rating"] == 5
    assert overall["median_first_response_hours"] == 0.5
    assert overall["median_resolve_hours"] == pytest.approx(0.5 + 61 / 3600, abs=0.01)
    assert [c["company"] for c in found["per_company"]] == ["example.com"]


def test_typed_answers_to_did_this_fix_it(database: Database) -> None:
    loop = build_loop(database)
    first, _ = _resolved(loop)

    fixed = loop.bot.say("it's fixed, thanks")
    again = loop.bot.say("it's fixed, thanks")

    assert loop.audit.entries[0].action == "ticket.confirm"
    assert "stays closed" in fixed[0].text and fixed[1].card is not None
    assert all("stays closed" not in r.text for r in again)  # answered once

    second, _ = _resolved(loop)
    [reopened] = loop.bot.say("not fixed, still jams on A3")
    ticket = loop.bot.desk.get(loop.ref(second), loop.bot_user)

    assert "reopened" in reopened.text.lower()
    assert ticket.status == "New"
    assert ticket.notes[-1].text == "Reopened: not fixed, still jams on A3"
    assert loop.bot.desk.get(loop.ref(first), loop.bot_user).is_closed
