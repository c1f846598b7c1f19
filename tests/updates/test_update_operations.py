"""The answers to ticket updates are typed operations: translated (a card action, the command
grammar, a typed phrase read with the dialogue state), admitted by the rate limiter like any
operation, carried out by their handler. An update delivered binds its conversation to the
ticket: it becomes the focus, and "Did this fix it?" waits as the pending action."""

from __future__ import annotations

from core import actions
from core.classifier.rules import RuleClassifier
from core.ports import Bucket, RatePolicy
from core.tickets import Priority
from storage.db import Database
from storage.rate_limits import SqlRateLimiter
from tests.updates.harness import Loop, build_loop


def _resolved(loop: Loop) -> int:
    loop.bot.say("ticket new Printer on floor 2 jams")
    [ticket] = loop.bot.desk.list_open(loop.bot_user)
    loop.staff.set_status(loop.ref(ticket.id), "Complete", "Jordan Lee")
    [update] = loop.round()
    assert update.card is not None
    assert actions.UPDATE_FIXED in [a.action_id for a in update.card.actions]
    return ticket.id


def test_no_reopen_click_is_rate_limited_and_reopens_through_the_core(
    database: Database,
) -> None:
    # Before: the update buttons were handled ahead of the assistant's limiter.
    policy = RatePolicy(
        user=Bucket(10.0, 1e-9), backend=Bucket(1e9, 1e9), read_cost=1.0, write_cost=4.0
    )
    loop = build_loop(database, rate_limiter=SqlRateLimiter(database, policy))
    ticket_id = _resolved(loop)  # the command cost 4: 6 left
    loop.bot.say("ticket list")  # 1: 5 left
    loop.bot.say("ticket list")  # 1: 4 left
    loop.bot.say("ticket list")  # 1: 3 left, less than a write
    values = {"ticket": str(ticket_id), "note": "Still jams on A3"}

    [refused] = loop.bot.click(actions.UPDATE_REOPEN, values)

    assert "faster than I can take them" in refused.text
    assert loop.bot.desk.get(loop.ref(ticket_id), loop.bot_user).is_closed


def test_no_reopen_click_reopens_with_the_words_and_counts_it(database: Database) -> None:
    loop = build_loop(database)
    ticket_id = _resolved(loop)

    [reply] = loop.bot.click(
        actions.UPDATE_REOPEN, {"ticket": str(ticket_id), "note": "Still jams on A3"}
    )
    ticket = loop.bot.desk.get(loop.ref(ticket_id), loop.bot_user)

    assert reply.text.startswith("Reopened ticket") and reply.replaces_source
    assert not ticket.is_closed and ticket.notes[-1].text == "Reopened: Still jams on A3"
    [facts] = loop.facts.all("local", loop.clock.now.replace(year=2000))
    assert facts.reopened == 1
    assert loop.bot.say("yes")[0].text.startswith("There's nothing waiting")


def test_typed_yes_answers_did_this_fix_it(database: Database) -> None:
    loop = build_loop(database)
    ticket_id = _resolved(loop)

    confirmed = loop.bot.say("yes")

    assert "stays closed" in confirmed[0].text and confirmed[1].card is not None
    assert loop.bot.desk.get(loop.ref(ticket_id), loop.bot_user).is_closed
    assert [e.action for e in loop.audit.entries] == ["ticket.confirm"]


def test_typed_no_answers_did_this_fix_it_by_reopening(database: Database) -> None:
    loop = build_loop(database)
    ticket_id = _resolved(loop)

    [reopened] = loop.bot.say("no")

    assert reopened.text.startswith("Reopened ticket")
    assert not loop.bot.desk.get(loop.ref(ticket_id), loop.bot_user).is_closed


def test_stop_updates_typed_without_a_number_means_the_ticket_of_the_thread(
    database: Database,
) -> None:
    loop = build_loop(database)
    loop.bot.say("ticket new Printer on floor 2 jams")
    [ticket] = loop.bot.desk.list_open(loop.bot_user)
    loop.bot.say("ticket new The scanner is offline")  # the focus moves to the scanner
    loop.staff.assign(loop.ref(ticket.id), "Jordan Lee", "Jordan Lee")
    [update] = loop.round()  # ... and the update about the printer brings it back

    [muted] = loop.bot.say("stop updates")
    loop.staff.add_note(loop.ref(ticket.id), "On my way", "Jordan Lee", internal=False)

    assert "printer" in update.text.lower()
    assert "no more updates" in muted.text and ticket.number in muted.text
    assert loop.round() == []


def test_stop_updates_on_a_number_typed(database: Database) -> None:
    loop = build_loop(database)
    loop.bot.say("ticket new Printer on floor 2 jams")
    [ticket] = loop.bot.desk.list_open(loop.bot_user)

    [muted] = loop.bot.say(f"please stop updates on #{ticket.id}")
    [resumed] = loop.bot.say(f"resume updates on {ticket.id}")

    assert "no more updates" in muted.text and "tell you again" in resumed.text
    assert loop.bot.classifier.calls == []  # read by the translator, no classifier call


def test_a_reply_in_the_thread_after_an_update_becomes_a_note_on_that_ticket(
    database: Database,
) -> None:
    loop = build_loop(database)
    loop.bot.assistant.classifier = RuleClassifier()
    loop.bot.say("ticket new Printer on floor 2 jams")
    [ticket] = loop.bot.desk.list_open(loop.bot_user)
    loop.bot.say("ticket new The scanner is offline", channel="other")
    loop.staff.add_note(
        loop.ref(ticket.id), "Cable replaced, try now", "Jordan Lee", internal=False
    )
    loop.round()

    [asked] = loop.bot.say("I restarted it and it's still slow")
    loop.bot.say("yes")
    notes = loop.bot.desk.get(loop.ref(ticket.id), loop.bot_user).notes

    assert ticket.number in asked.text or f"#{ticket.id}" in asked.text
    assert notes[-1].text == "I restarted it and it's still slow"
    assert len(loop.bot.desk.list_open(loop.bot_user)) == 2  # no new ticket


def test_priority_is_untouched_by_update_answers(database: Database) -> None:
    # A rating is not a write on the ticket: the ticket is only read (the authorization).
    loop = build_loop(database)
    ticket_id = _resolved(loop)
    loop.bot.click(actions.UPDATE_FIXED, {"ticket": str(ticket_id)})

    [rated] = loop.bot.click(actions.UPDATE_RATE, {"ticket": str(ticket_id), "rating": "5"})

    assert "5 of 5" in rated.text
    assert loop.bot.desk.get(loop.ref(ticket_id), loop.bot_user).priority == Priority.MEDIUM


def test_news_after_did_this_fix_it_reopens_and_other_talk_keeps_the_question(
    database: Database,
) -> None:
    loop = build_loop(database)
    ticket_id = _resolved(loop)

    [hello] = loop.bot.say("hello")
    [reopened] = loop.bot.say("I restarted it and it's still slow")
    ticket = loop.bot.desk.get(loop.ref(ticket_id), loop.bot_user)

    assert f"did the fix on ticket #{ticket_id} work?" in hello.text
    assert reopened.text.startswith("Reopened ticket") and not ticket.is_closed
    assert ticket.notes[-1].text == "Reopened: I restarted it and it's still slow"
