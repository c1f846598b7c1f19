"""The dialogue state the core keeps per conversation: the pending action, actions waiting
behind it, and the ticket in focus — on a real SQLite file with the local desk."""

from __future__ import annotations

import pytest

from core import actions
from core.classifier.rules import RuleClassifier
from core.intents import Classification, Intent
from core.ports import Bucket, HandledEvent, RatePolicy
from core.ratelimit import RateLimited
from core.tickets import Priority
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.history import SqlConversationStore
from storage.rate_limits import SqlRateLimiter
from tests.support import ALICE, make_bot, message, only

PRINTER = "the printer on floor 2 jams"
MOUSE = "my mouse stopped working"
SCRIPT = {
    PRINTER: Classification(Intent.CREATE_TICKET, title="Printer jams"),
    MOUSE: Classification(Intent.CREATE_TICKET, title="Mouse stopped working"),
}


def _confirm_values(bot_reply_card: object) -> dict[str, str]:
    card = bot_reply_card
    assert card is not None
    button = next(a for a in card.actions if a.action_id == actions.CREATE_CONFIRM)  # type: ignore[attr-defined]
    return dict(button.values)


def test_extra_clicks_cost_nothing_say_nothing_public_and_keep_the_pending_draft(
    database: Database,
) -> None:
    # Issue 14 item 9: each extra click used to post "already submitted" for everyone, cost a
    # write, and clear the pending draft, so the next typed "yes" got small talk.
    policy = RatePolicy(
        user=Bucket(10.0, 1e-9), backend=Bucket(1e9, 1e9), read_cost=1.0, write_cost=4.0
    )
    bot = make_bot(database, script=SCRIPT, rate_limiter=SqlRateLimiter(database, policy))
    first = _confirm_values(only(bot.say(PRINTER)).card)  # 1 token
    bot.click(actions.CREATE_CONFIRM, first)  # 4 tokens: 5 left
    bot.say(MOUSE)  # a second draft waits: 4 left

    extra = [only(bot.click(actions.CREATE_CONFIRM, first)) for _ in range(3)]

    assert all(reply.ephemeral and "already created" in reply.text for reply in extra)
    created = only(bot.say("yes"))  # 4 tokens: exactly what is left
    assert "Created ticket" in created.text and "Mouse" in created.text
    assert sorted(t.title for t in bot.desk.list_open(ALICE)) == [
        "Mouse stopped working",
        "Printer jams",
    ]


def test_dialogue_state_survives_a_restart(database: Database) -> None:
    bot = make_bot(database, script=SCRIPT)
    bot.say(PRINTER)

    again = make_bot(database, script=SCRIPT)  # a new process on the same database
    assert "Created ticket" in only(again.say("yes")).text
    [ticket] = again.desk.list_open(ALICE)
    state = SqlConversationStore(database).open_conversation(
        message("x").conversation, again.clock()
    )
    assert state.focus == str(ticket.id) and state.pending is None


def test_a_second_problem_is_its_own_draft_and_the_first_still_waits(database: Database) -> None:
    bot = make_bot(database, script=SCRIPT)
    bot.say(PRINTER)

    second = only(bot.say(MOUSE))
    assert second.card is not None and "Mouse" in second.text and "still waits" in second.text

    replies = bot.say("yes")
    assert "Mouse" in replies[0].text
    assert "Printer jams" in replies[1].text and replies[1].card is not None
    bot.say("yes please")
    assert len(bot.desk.list_open(ALICE)) == 2


def test_edits_to_a_waiting_draft_show_it_again_and_are_used(database: Database) -> None:
    bot = make_bot(database, script=SCRIPT)
    bot.say(PRINTER)

    urgent = only(bot.say("actually make it urgent"))
    renamed = only(bot.say("call it 'Kitchen printer jams'"))
    bot.say("it's the one by the kitchen")
    bot.say("go ahead")

    assert "priority High" in urgent.text and "Kitchen printer jams" in renamed.text
    [ticket] = bot.desk.list_open(ALICE)
    assert (ticket.title, ticket.priority) == ("Kitchen printer jams", "High")
    assert ticket.description == f"{PRINTER}\nit's the one by the kitchen"


@pytest.mark.parametrize(
    ("reply", "level"),
    [
        ("no wait, it's critical, the whole floor is affected", "Critical"),
        ("can we bump it up to high?", "High"),
        ("please escalate it", "High"),
    ],
)
def test_a_correction_about_it_edits_the_draft_and_asks_no_ticket(
    database: Database, reply: str, level: str
) -> None:
    bot = make_bot(database, script=SCRIPT)
    bot.say(PRINTER)

    edited = only(bot.say(reply))
    bot.say("yes")

    assert "Updated the draft" in edited.text
    [ticket] = bot.desk.list_open(ALICE)
    assert ticket.priority == level


def test_a_yes_after_an_unanswered_which_ticket_question_answers_what_waits_next(
    database: Database,
) -> None:
    bot = make_bot(database, script=SCRIPT)
    bot.say(PRINTER)
    bot.say("ticket list")
    bot.say("is it fixed yet?")  # nothing in focus, no open ticket: "which one?"

    created = bot.say("yes")

    assert "Created ticket" in created[0].text
    assert "nothing waiting" not in " ".join(r.text for r in created)
    assert len(bot.desk.list_open(ALICE)) == 1


def test_a_status_question_about_my_ticket_while_a_draft_waits_edits_nothing(
    database: Database,
) -> None:
    bot = make_bot(database, script=SCRIPT)
    bot.say("ticket new Outlook asks for my password")
    bot.say(PRINTER)

    answer = bot.say("how's my ticket?")
    asked_with_a_slip = bot.say("ticket stat 10001")

    assert "Outlook asks for my password" in answer[0].text
    assert "Updated the draft" not in " ".join(r.text for r in (*answer, *asked_with_a_slip))
    assert "Outlook asks for my password" in asked_with_a_slip[0].text


@pytest.mark.parametrize("text", ["cancel", "never mind", "forget it"])
def test_a_withdrawal_with_nothing_waiting_says_so_and_drafts_nothing(
    database: Database, text: str
) -> None:
    bot = make_bot(database, script={text: Classification(Intent.QUESTION)})

    answer = only(bot.say(text))

    assert "nothing waiting to cancel" in answer.text and answer.card is None


def test_more_about_the_ticket_in_focus_read_as_a_question_is_still_a_note(
    database: Database,
) -> None:
    bot = make_bot(database, script={"it's still down": Classification(Intent.QUESTION)})
    bot.say("ticket new File server down")

    bot.say("it's still down")

    [ticket] = bot.desk.list_open(ALICE)
    assert [n.text for n in bot.desk.get(ticket.ref, ALICE).notes] == ["it's still down"]


def test_two_devices_in_one_message_are_two_drafts_asked_in_order(database: Database) -> None:
    text = "my keyboard is dead and also the scanner on 2 is jammed"
    second = "the scanner on 2 is jammed"
    rules = RuleClassifier()
    bot = make_bot(database, script={t: rules.classify(t) for t in (text, second)})

    offered = bot.say(text)
    bot.say("yes")
    bot.say("yes")

    assert "once “My keyboard is dead” is answered" in offered[1].text
    titles = [t.title for t in bot.desk.list_open(ALICE)]
    assert sorted(titles) == ["My keyboard is dead", "The scanner on 2 is jammed"]


@pytest.mark.parametrize(
    ("reply", "title", "level"),
    [
        ("yes but make it high", "Printer jams", "High"),
        ("ok, just call it 'Floor 2 printer jams'", "Floor 2 printer jams", "Medium"),
    ],
)
def test_a_yes_with_a_change_creates_the_changed_draft_at_once(
    database: Database, reply: str, title: str, level: str
) -> None:
    bot = make_bot(database, script=SCRIPT)
    bot.say(PRINTER)

    created = bot.say(reply)

    assert "Created ticket" in created[0].text
    [ticket] = bot.desk.list_open(ALICE)
    assert (ticket.title, ticket.priority) == (title, level)


def test_a_click_on_the_card_shown_before_an_edit_files_the_edited_draft(
    database: Database,
) -> None:
    bot = make_bot(database, script=SCRIPT)
    old = _confirm_values(only(bot.say(PRINTER)).card)
    bot.say("make it critical")

    bot.click(actions.CREATE_CONFIRM, old)

    [ticket] = bot.desk.list_open(ALICE)
    assert ticket.priority == "Critical"


def test_yes_or_no_with_nothing_waiting_says_so(database: Database) -> None:
    bot = make_bot(database)

    assert "nothing waiting for a yes" in only(bot.say("yes")).text
    assert "nothing waiting to cancel" in only(bot.say("no")).text
    assert bot.classifier.calls == []


def test_a_question_while_a_draft_waits_keeps_it_and_says_so(database: Database) -> None:
    bot = make_bot(database, script=SCRIPT)
    bot.say(PRINTER)

    listed = only(bot.say("ticket list"))

    assert "still waiting" in listed.text
    assert "Created ticket" in only(bot.say("yes")).text


def test_follow_ups_become_notes_on_the_ticket_in_focus(database: Database) -> None:
    also = "also it happens on the second tray"
    bot = make_bot(
        database, script={**SCRIPT, also: Classification(Intent.CREATE_TICKET, title="x")}
    )
    bot.say(PRINTER)
    bot.say("yes")

    noted = only(bot.say(also))

    [ticket] = bot.desk.list_open(ALICE)
    assert "Added your note" in noted.text
    assert [n.text for n in bot.desk.get(ticket.ref, ALICE).notes] == [also]


def test_status_question_without_a_number_uses_the_only_open_ticket(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new Monitor flickers")
    other = make_bot(database)  # a fresh conversation: no focus there
    reply = other.assistant.handle(message("any update?", channel="other"))

    assert only(reply).card is not None and "Monitor flickers" in only(reply).text


def test_reopen_and_change_priority_on_the_local_desk(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new Docking station dead")
    [ticket] = bot.desk.list_open(ALICE)
    bot.say(f"ticket close {ticket.id}")
    bot.say("yes")

    reopened = only(bot.say(f"ticket reopen {ticket.id} it died again after lunch"))
    asked = only(bot.say(f"ticket priority {ticket.id} critical"))
    assert bot.desk.get(ticket.ref, ALICE).priority == "Medium"  # asked, not changed yet
    bot.say("sí")

    now = bot.desk.get(ticket.ref, ALICE)
    assert "Reopened" in reopened.text and not now.is_closed and now.status == "New"
    assert now.notes[-1].text == "Reopened: it died again after lunch"
    assert asked.card is not None and asked.card.kind == "priority_confirm"
    assert now.priority == Priority.CRITICAL.value


def test_typo_in_a_command_verb_is_forgiven_or_asked_about(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket nwe Scanner offline")
    [ticket] = bot.desk.list_open(ALICE)

    status = only(bot.say(f"ticket stauts {ticket.id}"))
    close = only(bot.say(f"ticket clsoe {ticket.id}"))

    assert status.card is not None and status.card.kind == "ticket"
    assert close.card is not None and close.card.kind == "close_confirm"
    assert bot.classifier.calls == []


def test_priority_changes_and_reopens_are_audited(database: Database) -> None:
    audit = SqlAuditLog(database)
    bot = make_bot(database, audit=audit)
    bot.say("ticket new Projector flickers")
    [ticket] = bot.desk.list_open(ALICE)
    bot.say(f"ticket priority {ticket.id} high")
    bot.say("yes")
    bot.say(f"ticket close {ticket.id}")
    bot.say("yes")
    bot.say(f"ticket reopen {ticket.id} flickers again")

    entries = {e.action: e for e in audit.query()}
    assert entries["ticket.priority"].detail["priority"] == "High"
    assert entries["ticket.priority"].ticket == ticket.number
    assert entries["ticket.reopen"].outcome == "ok"


def test_adapter_read_queries_go_through_the_limiter_and_the_observer(
    database: Database,
) -> None:
    seen: list[HandledEvent] = []

    class Observer:
        def event_handled(self, summary: HandledEvent) -> None:
            seen.append(summary)

    policy = RatePolicy(user=Bucket(2.0, 1e-9), backend=Bucket(1e9, 1e9))
    bot = make_bot(
        database,
        script=SCRIPT,
        rate_limiter=SqlRateLimiter(database, policy),
        observer=Observer(),
    )
    bot.say(PRINTER)  # 1 token left

    pending = bot.assistant.pending_action(message("x").conversation)
    assert bot.assistant.open_tickets(ALICE) == []  # the last token
    with pytest.raises(RateLimited):
        bot.assistant.open_tickets(ALICE)

    assert pending is not None and pending.action_id == actions.CREATE_CONFIRM
    assert [s.intent for s in seen[1:]] == [
        "query:pending",
        "query:open_tickets",
        "query:open_tickets",
    ]
    assert seen[-1].outcome == "rate_limited"


def test_listing_several_tickets_leaves_it_open_which_one_is_meant(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new VPN drops")
    bot.say("ticket new Printer jams")
    bot.say("ticket list")

    asked = only(bot.say("any update?"))
    shown = only(bot.say("the vpn one"))

    assert asked.text.startswith("Which ticket do you mean?")
    assert shown.card is not None and "VPN drops" in shown.text


def test_the_classifier_is_told_the_ticket_in_focus(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new Badge reader dead")
    [ticket] = bot.desk.list_open(ALICE)

    bot.say("the printer on floor 3 jams")

    _, history = bot.classifier.calls[-1]
    assert history[-1].role == "assistant"
    assert history[-1].text == f"(ticket in focus: #{ticket.id})"


def test_a_second_click_on_cancel_is_a_private_note(database: Database) -> None:
    bot = make_bot(database, script=SCRIPT)
    card = only(bot.say(PRINTER)).card
    assert card is not None
    cancel = next(a for a in card.actions if a.action_id == actions.CREATE_CANCEL)

    first = only(bot.click(cancel.action_id, dict(cancel.values)))
    second = only(bot.click(cancel.action_id, dict(cancel.values)))

    assert "won't open" in first.text and not first.ephemeral
    assert second.ephemeral and "already dropped" in second.text
