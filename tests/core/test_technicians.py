"""Technicians working tickets from chat, through the assistant on the local desk: the
commands, the words and the triage card actions, the refusal for everyone else, idempotence on
double clicks and retakes, the audit trail, the triage board being told, and internal notes
never reaching the requester."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from core import actions
from core.errors import TicketingError
from core.intents import Classification, Intent
from core.messages import ConversationRef, Reply, UserRef
from core.ports import Technician, TicketChange
from core.tickets import Ticket, TicketDraft, TicketRef
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.desk_updates import LocalDeskFeed
from storage.local_technicians import LocalTechnicianDesk
from tests.support import ALICE, BOB, Bot, FakeClock, action, make_bot, message, only

JORDAN = UserRef("console", "jordan", "Jordan", "jordan.lee@example.com")
SAM = UserRef("console", "sam", "Sam", "sam.tech@example.com")
STAFF = (JORDAN.email or "", SAM.email or "")
REFUSAL = "Only the help desk's technicians can do that."


@dataclass
class FakeBoard:
    """A triage board that records what it was told; ``threads`` maps a channel (the test
    conversation's ``channel:user``) to the ticket whose card heads it."""

    filed_tickets: list[tuple[int, str]] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)
    threads: dict[str, int] = field(default_factory=dict)
    broken: bool = False

    def filed(self, ticket: Ticket, requester: UserRef) -> None:
        if self.broken:
            raise RuntimeError("board down (test)")
        self.filed_tickets.append((ticket.id, requester.user_id))

    def changed(self, ticket_id: int) -> None:
        if self.broken:
            raise RuntimeError("board down (test)")
        self.changes.append(ticket_id)

    def ticket_of_thread(self, conversation: ConversationRef) -> int | None:
        if self.broken:
            raise RuntimeError("board down (test)")
        return self.threads.get(conversation.channel_id.partition(":")[0])


@dataclass
class Desk:
    bot: Bot
    technicians: LocalTechnicianDesk
    board: FakeBoard
    audit: SqlAuditLog

    def say(self, text: str, user: UserRef = JORDAN, **kwargs: Any) -> list[Reply]:
        return self.bot.say(text, user, **kwargs)

    def click(
        self, action_id: str, values: dict[str, str], user: UserRef = JORDAN, **kwargs: Any
    ) -> list[Reply]:
        return self.bot.assistant.handle(action(action_id, values, user, **kwargs))

    def ticket(self, ticket_id: int) -> Ticket:
        return self.bot.desk.get(TicketRef("id", str(ticket_id)), JORDAN)

    def audited(self, action_name: str) -> list[Any]:
        return [e for e in self.audit.query(limit=100) if e.action == action_name]


@pytest.fixture
def desk(database: Database) -> Desk:
    board = FakeBoard()
    audit = SqlAuditLog(database)
    clock = FakeClock()
    technicians = LocalTechnicianDesk(database, clock=clock, staff_emails=STAFF)
    bot = make_bot(
        database,
        clock=clock,
        staff=STAFF,
        technicians=technicians,
        board=board,
        audit=audit,
        script={
            "my tickets": Classification(Intent.LIST_TICKETS),
            "show my open tickets": Classification(Intent.LIST_TICKETS),
        },
    )
    return Desk(bot, technicians, board, audit)


def filed(desk: Desk, title: str = "Printer jams", user: UserRef = ALICE) -> Ticket:
    return desk.bot.desk.create(TicketDraft(title, f"{title}, please help"), user)


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


# -- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "ticket take {id}",
        "ticket assign {id} Sam",
        "ticket status {id} in progress",
        "ticket note {id} --internal private words",
        "ticket note {id} --public public words",
        "I'll take {id}",
        "give {id} to Jordan",
        "put {id} on waiting customer",
        "ticket mine",
        "ticket queue",
    ],
)
def test_an_end_user_is_refused_politely_and_nothing_is_revealed_or_changed(
    desk: Desk, command: str
) -> None:
    ticket = filed(desk, user=BOB)  # not Alice's: she may not even see it
    answer = text_of(desk.say(command.format(id=ticket.id), ALICE))
    missing = text_of(desk.say(command.format(id=99999), ALICE))

    assert REFUSAL in answer
    assert answer == missing  # the same words whether or not the ticket exists
    assert ticket.title not in answer and ticket.number not in answer
    after = desk.ticket(ticket.id)
    assert (after.assignee, after.status, after.notes) == (None, "New", ())
    assert desk.audited("refused.technician")
    assert desk.board.changes == []


def test_a_card_click_by_an_end_user_is_refused_and_changes_nothing(desk: Desk) -> None:
    ticket = filed(desk)
    for action_id, values in [
        (actions.TRIAGE_TAKE, {}),
        (actions.TRIAGE_PRIORITY, {actions.INPUT_PRIORITY: "Critical"}),
        (actions.TRIAGE_STATUS, {actions.INPUT_STATUS: "Complete"}),
    ]:
        replies = desk.click(action_id, {actions.TICKET: str(ticket.id), **values}, ALICE)
        assert REFUSAL in only(replies).text
    after = desk.ticket(ticket.id)
    assert (after.assignee, after.priority, after.status) == (None, "Medium", "New")


def test_without_technician_tools_the_answer_says_so(database: Database) -> None:
    bot = make_bot(database, staff=STAFF)
    ticket = bot.desk.create(TicketDraft("Printer", "jams"), ALICE)

    reply = only(bot.say(f"ticket take {ticket.id}", JORDAN))

    assert reply.text == "Technician tools (take) are not available on this help desk (local)."


# -- the commands ----------------------------------------------------------------------------


def test_take_assign_status_and_notes_by_command_change_the_ticket_and_are_audited(
    desk: Desk,
) -> None:
    ticket = filed(desk)

    took = text_of(desk.say(f"ticket take {ticket.id}"))
    gave = text_of(desk.say(f"ticket assign {ticket.id} sam.tech@example.com"))
    moved = text_of(desk.say(f"ticket status {ticket.id} waiting customer"))
    internal = text_of(desk.say(f"ticket note {ticket.id} --internal customer sounds annoyed"))
    public = text_of(desk.say(f"ticket note {ticket.id} --public a new fuser is on its way"))

    assert f"You've taken ticket {ticket.number}" in took
    assert "to Sam Tech (was Jordan Lee)" in gave
    assert "is now Waiting Customer (was New)" in moved
    assert "internal note" in internal and "doesn't see it" in internal
    assert "public note" in public
    after = desk.ticket(ticket.id)
    assert (after.assignee, after.status) == ("Sam Tech", "Waiting Customer")
    assert [(n.author, n.text) for n in after.notes] == [
        ("Jordan Lee", "a new fuser is on its way")
    ]
    changes = {
        e.detail["field"]: (e.detail["before"], e.detail["after"], e.detail["by"], e.ticket)
        for e in desk.audit.query(limit=50)
        if e.action.startswith("technician.")
    }
    assert changes["status"] == ("New", "Waiting Customer", JORDAN.email, ticket.number)
    assert changes["assignee"][:3] == ("Jordan Lee", "Sam Tech", JORDAN.email)
    assert {e.action for e in desk.audit.query(limit=50)} >= {
        "technician.take",
        "technician.assign",
        "technician.status",
        "technician.note",
    }
    assert desk.board.changes == [ticket.id] * 5


def test_status_without_words_still_shows_the_ticket(desk: Desk) -> None:
    ticket = filed(desk)
    reply = only(desk.say(f"ticket status {ticket.id}", ALICE))
    assert reply.card is not None and reply.card.kind == "ticket"
    assert desk.ticket(ticket.id).status == "New"


def test_a_status_or_person_that_is_not_there_answers_with_the_choices(desk: Desk) -> None:
    ticket = filed(desk)

    status = only(desk.say(f"ticket status {ticket.id} on fire")).text
    person = only(desk.say(f"ticket assign {ticket.id} Morgan")).text

    assert "New, In Progress, Waiting Customer, Complete" in status
    assert "“on fire” isn't one of the statuses here" in status
    assert "Jordan Lee, Sam Tech" in person
    assert desk.ticket(ticket.id).status == "New"
    nobody = {actions.TICKET: str(ticket.id), actions.INPUT_ASSIGNEE: " "}
    picked = only(desk.click(actions.TRIAGE_ASSIGN, nobody)).text
    assert picked == "Which one? The technicians here: Jordan Lee, Sam Tech."
    assert REFUSAL in only(desk.click(actions.TRIAGE_ASSIGN, nobody, ALICE)).text


def test_mine_and_queue_list_what_they_should(desk: Desk) -> None:
    mine = filed(desk, "Mine")
    waiting = filed(desk, "Waiting in the queue")
    sams = filed(desk, "Sam's")
    desk.say(f"ticket take {mine.id}")
    desk.say(f"ticket assign {sams.id} Sam")

    listed = text_of(desk.say("ticket mine"))
    queued = text_of(desk.say("ticket queue"))
    in_service_desk = text_of(desk.say("ticket queue service desk"))
    nowhere = text_of(desk.say("ticket queue Level 9"))

    assert mine.number in listed and waiting.number not in listed and sams.number not in listed
    assert waiting.number in queued and mine.number not in queued and sams.number not in queued
    assert waiting.number in in_service_desk
    assert "“Level 9” isn't one of the queues here. Choose one of: Service Desk." in nowhere


# -- in words --------------------------------------------------------------------------------


def test_the_words_of_a_technician(desk: Desk) -> None:
    ticket = filed(desk)

    desk.say(f"I'll grab {ticket.id}")
    assert desk.ticket(ticket.id).assignee == "Jordan Lee"
    desk.say(f"give {ticket.id} to Sam")
    assert desk.ticket(ticket.id).assignee == "Sam Tech"
    desk.say(f"assign {ticket.id} to me")
    assert desk.ticket(ticket.id).assignee == "Jordan Lee"
    desk.say(f"set {ticket.id} to in progress")
    assert desk.ticket(ticket.id).status == "In Progress"
    desk.say(f"put {ticket.id} on waiting customer")
    assert desk.ticket(ticket.id).status == "Waiting Customer"

    assert ticket.number in text_of(desk.say("what's assigned to me?"))
    assert ticket.number in text_of(desk.say("my tickets"))  # a technician's: assigned
    assert "Nothing open is assigned to you" in text_of(desk.say("show my open tickets", SAM))


def test_an_end_users_words_keep_their_meaning(desk: Desk) -> None:
    own = filed(desk, "My laptop")

    listed = text_of(desk.say("my tickets", ALICE))
    assigned = text_of(desk.say("what's assigned to me?", ALICE))
    done = text_of(desk.say(f"mark {own.id} as done", ALICE))

    assert "Your open tickets" in listed and own.number in listed
    assert "Your open tickets" in assigned
    assert REFUSAL not in done  # read as the person's own request, never a status change
    assert desk.ticket(own.id).status == "New"


def test_set_to_a_priority_is_still_a_priority_request(desk: Desk) -> None:
    ticket = filed(desk)
    reply = text_of(desk.say(f"set {ticket.id} to high", ALICE))
    assert "from Medium to High priority?" in reply


# -- card actions ----------------------------------------------------------------------------


def test_a_double_click_on_take_assigns_once_and_says_so(desk: Desk) -> None:
    ticket = filed(desk)
    values = {actions.TICKET: str(ticket.id)}

    first = only(desk.click(actions.TRIAGE_TAKE, values)).text
    second = only(desk.click(actions.TRIAGE_TAKE, values)).text

    assert first.startswith("You've taken ticket")
    assert "is already assigned to you" in second
    taken = desk.audited("technician.take")
    assert [(e.detail["before"], e.detail["after"]) for e in taken] == [
        (None, "Jordan Lee"),
        ("Jordan Lee", "Jordan Lee"),
    ]


def test_triage_buttons_assign_set_status_and_priority_at_once(desk: Desk) -> None:
    ticket = filed(desk)
    ref = {actions.TICKET: str(ticket.id)}

    desk.click(actions.TRIAGE_ASSIGN, {**ref, actions.INPUT_ASSIGNEE: "sam.tech@example.com"})
    desk.click(actions.TRIAGE_STATUS, {**ref, actions.INPUT_STATUS: "In Progress"})
    priority = only(desk.click(actions.TRIAGE_PRIORITY, {**ref, actions.INPUT_PRIORITY: "High"}))

    after = desk.ticket(ticket.id)
    assert (after.assignee, after.status, after.priority) == ("Sam Tech", "In Progress", "High")
    assert "now High priority (was Medium)" in priority.text
    assert (
        desk.bot.store.open_conversation(
            message("x", JORDAN).conversation, desk.bot.clock()
        ).pending
        is None
    )  # no confirmation asked
    assert [e.detail["after"] for e in desk.audited("technician.priority")] == ["High"]


def test_a_triage_note_double_clicked_is_added_once(desk: Desk) -> None:
    ticket = filed(desk)
    values = {
        actions.TICKET: str(ticket.id),
        actions.INPUT_NOTE: "rebooted the print server",
        actions.PUBLIC: "true",
        actions.REQUEST_ID: "note-form-1",
    }

    first = only(desk.click(actions.TRIAGE_NOTE, values)).text
    second = only(desk.click(actions.TRIAGE_NOTE, values))

    assert "public note" in first
    assert second.text == "That note was already added." and second.ephemeral
    other = only(desk.click(actions.TRIAGE_NOTE, {**values, actions.INPUT_NOTE: "and again"}))
    assert "public note" in other.text  # other words from the same card: a new note
    assert [n.text for n in desk.ticket(ticket.id).notes] == [
        "rebooted the print server",
        "and again",
    ]


# -- the triage thread -----------------------------------------------------------------------


def test_a_technicians_reply_in_a_triage_thread_is_an_internal_note_unless_marked_public(
    desk: Desk, database: Database
) -> None:
    ticket = filed(desk)
    desk.board.threads["triage"] = ticket.id

    internal = text_of(desk.say("checked the logs, driver crash", channel="triage"))
    public = text_of(desk.say("/public We're replacing the driver today.", channel="triage"))

    assert "internal note" in internal and "public note" in public
    assert [n.text for n in desk.ticket(ticket.id).notes] == ["We're replacing the driver today."]
    feed = LocalDeskFeed(database).notes_since(ticket.id, None)
    assert [(n.text, n.public) for n in feed] == [
        ("checked the logs, driver crash", False),
        ("We're replacing the driver today.", True),
    ]


def test_a_yes_in_a_triage_thread_answers_the_question_waiting_there(desk: Desk) -> None:
    ticket = filed(desk)
    desk.board.threads["triage"] = ticket.id

    asked = text_of(desk.say(f"ticket close {ticket.id}", channel="triage"))
    done = text_of(desk.say("yes", channel="triage"))

    assert "Close ticket" in asked and "is now Complete" in done
    assert desk.ticket(ticket.id).notes == ()


def test_the_requester_never_sees_an_internal_note(desk: Desk, database: Database) -> None:
    ticket = filed(desk)
    desk.say(f"ticket note {ticket.id} --internal SECRET-REMARK the user broke it")

    status = only(desk.say(f"ticket status {ticket.id}", ALICE))
    listed = text_of(desk.say("ticket list", ALICE))
    state = LocalDeskFeed(database).state(ticket.id)

    assert status.card is not None and status.card.notes == ()
    assert "SECRET" not in status.text + listed
    assert state is not None and state.ticket.notes == ()
    assert all(n.public is False for n in LocalDeskFeed(database).notes_since(ticket.id, None))
    turns = desk.bot.store.recent_turns(
        desk.bot.store.open_conversation(
            message("x", ALICE).conversation, desk.bot.clock()
        ).conversation_id,
        50,
    )
    assert turns and all("SECRET" not in t.text for t in turns)


def test_an_end_user_in_a_triage_thread_is_read_as_any_message(desk: Desk) -> None:
    ticket = filed(desk)
    desk.board.threads["triage"] = ticket.id

    desk.say("hello there", ALICE, channel="triage")

    assert desk.ticket(ticket.id).notes == ()


# -- the board is told, and never fails a request --------------------------------------------


def test_end_user_writes_tell_the_board(desk: Desk) -> None:
    desk.say("ticket new The scanner is offline", ALICE)
    [(ticket_id, who)] = desk.board.filed_tickets
    assert who == ALICE.user_id

    desk.say(f"ticket note {ticket_id} it is still offline", ALICE)
    desk.say(f"ticket priority {ticket_id} high", ALICE)
    desk.say("yes", ALICE)

    assert desk.board.changes == [ticket_id, ticket_id]


def test_a_broken_board_never_fails_the_request(desk: Desk) -> None:
    desk.board.broken = True
    created = text_of(desk.say("ticket new The scanner is offline", ALICE))
    ticket_id = int(created.split("(#")[1].split(")")[0])

    took = text_of(desk.say(f"ticket take {ticket_id}"))

    assert created.startswith("Created ticket") and took.startswith("You've taken ticket")


# -- the help desk's own refusal, in its words ------------------------------------------------


class RefusingDesk(LocalTechnicianDesk):
    def take(self, ref: TicketRef, user: UserRef) -> TicketChange:
        self.technician(user)
        raise TicketingError("Autotask refused: your security level can't edit this ticket.")


def test_the_help_desks_refusal_is_shown_in_its_words(database: Database) -> None:
    clock = FakeClock()
    bot = make_bot(
        database,
        clock=clock,
        staff=STAFF,
        technicians=RefusingDesk(database, clock=clock, staff_emails=STAFF),
    )
    ticket = bot.desk.create(TicketDraft("Printer", "jams"), ALICE)

    reply = only(bot.say(f"ticket take {ticket.id}", JORDAN))

    assert reply.text == "Autotask refused: your security level can't edit this ticket."


# -- retakes -----------------------------------------------------------------------------------


class Crash(BaseException):
    """The process dying after the write: nothing after it runs, not even the history."""


def test_a_note_whose_event_died_after_the_write_is_not_added_again(
    desk: Desk, database: Database
) -> None:
    ticket = filed(desk)
    event = message(f"ticket note {ticket.id} --internal called the user", JORDAN, event_id="e1")
    real: Callable[..., TicketChange] = desk.technicians.add_note
    real_history = desk.bot.store.append_turns

    def no_history(*_: object, **__: object) -> None:
        raise Crash

    def dying(*args: Any, **kwargs: Any) -> TicketChange:
        real(*args, **kwargs)
        desk.bot.store.append_turns = no_history  # type: ignore[method-assign]
        raise Crash

    desk.technicians.add_note = dying  # type: ignore[method-assign]
    with pytest.raises(Crash):
        desk.bot.assistant.handle(event)
    desk.technicians.add_note = real  # type: ignore[method-assign]
    desk.bot.store.append_turns = real_history  # type: ignore[method-assign]

    again = text_of(desk.bot.assistant.handle(event, retake=True))

    assert "Added an internal note" in again
    notes = LocalDeskFeed(database).notes_since(ticket.id, None)
    assert [n.text for n in notes] == ["called the user"]


def test_a_take_retaken_changes_nothing_more(desk: Desk) -> None:
    ticket = filed(desk)
    event = message(f"ticket take {ticket.id}", JORDAN, event_id="t1")
    desk.bot.assistant.handle(event)
    desk.bot.store.append_turns = lambda *a, **k: None  # type: ignore[method-assign]

    desk.bot.assistant.handle(event, retake=True)

    assert desk.ticket(ticket.id).assignee == "Jordan Lee"


# -- help ---------------------------------------------------------------------------------------


def test_help_shows_technician_commands_to_technicians_only(desk: Desk) -> None:
    technician = only(desk.say("ticket help")).card
    end_user = only(desk.say("ticket help", ALICE)).card

    assert technician is not None and "ticket take <ticket>" in (technician.body or "")
    assert end_user is not None and "ticket take" not in (end_user.body or "")


def test_the_local_roster_is_the_staff_list_named_from_the_e_mail(desk: Desk) -> None:
    assert desk.technicians.technicians(JORDAN) == [
        Technician("jordan.lee@example.com", "Jordan Lee", "jordan.lee@example.com"),
        Technician("sam.tech@example.com", "Sam Tech", "sam.tech@example.com"),
    ]
    assert desk.technicians.statuses(SAM) == ["New", "In Progress", "Waiting Customer", "Complete"]
    assert desk.technicians.queues(SAM) == ["Service Desk"]


# -- in a triage thread, one line -------------------------------------------------------------


def test_in_a_triage_thread_a_technicians_change_is_answered_in_one_line(desk: Desk) -> None:
    ticket = filed(desk)
    desk.board.threads["triage"] = ticket.id
    ref = {actions.TICKET: str(ticket.id)}

    note = only(desk.say("checked the logs", channel="triage"))
    took = only(desk.say(f"ticket take {ticket.id}", channel="triage"))
    moved = only(desk.click(actions.TRIAGE_STATUS, {**ref, actions.INPUT_STATUS: "In Progress"}))
    elsewhere = only(desk.say(f"ticket status {ticket.id} waiting customer"))

    assert "internal note" in note.text and note.card is None
    assert took.text.startswith("You've taken ticket") and took.card is None
    assert "is now In Progress" in moved.text and moved.card is None
    # Outside the triage channel the ticket's card comes with the answer, as ever.
    assert elsewhere.card is not None and elsewhere.card.kind == "ticket"


# -- "My tickets" -----------------------------------------------------------------------------


def test_the_my_tickets_button_lists_a_technicians_assigned_tickets(desk: Desk) -> None:
    assigned = filed(desk, "Printer jams")
    own = filed(desk, "My own laptop is slow", user=JORDAN)
    desk.say(f"ticket take {assigned.id}")

    button = only(desk.click(actions.LIST_TICKETS, {}))
    filed_list = text_of(desk.say("ticket list"))
    alices = only(desk.click(actions.LIST_TICKETS, {}, ALICE))

    assert button.text.startswith("Open tickets assigned to you")
    assert "Printer jams" in button.text and own.title not in button.text
    assert own.title in filed_list  # "ticket list": the ones they filed
    assert alices.text.startswith("Your open tickets") and "Printer jams" in alices.text


# -- taking a ticket someone else holds -------------------------------------------------------


def test_take_asks_before_taking_a_ticket_from_someone_else(desk: Desk) -> None:
    ticket = filed(desk)
    desk.say(f"ticket assign {ticket.id} Sam")

    for words in (f"ticket take {ticket.id}", f"I'll take {ticket.id}"):
        asked = only(desk.say(words))
        assert asked.text.startswith(f"Sam Tech already has ticket {ticket.number}")
        assert f"ticket assign {ticket.id} me" in asked.text
        assert desk.ticket(ticket.id).assignee == "Sam Tech"  # nothing changed
    assert asked.card is not None
    [button] = asked.card.actions
    assert button.action_id == actions.TRIAGE_TAKE

    taken = only(desk.click(button.action_id, dict(button.values)))

    assert "(It was assigned to Sam Tech.)" in taken.text
    assert taken.replaces_source  # the answer takes the question's place
    assert desk.ticket(ticket.id).assignee == "Jordan Lee"


def test_assign_to_me_takes_over_without_asking(desk: Desk) -> None:
    ticket = filed(desk)
    desk.say(f"ticket assign {ticket.id} Sam")

    said = text_of(desk.say(f"ticket assign {ticket.id} me"))

    assert "You've taken ticket" in said
    assert desk.ticket(ticket.id).assignee == "Jordan Lee"


def test_a_stale_triage_card_asks_and_a_current_one_takes_over(desk: Desk) -> None:
    ticket = filed(desk)
    drawn_empty = {actions.TICKET: str(ticket.id), actions.SHOWN_ASSIGNEE: ""}
    only(desk.click(actions.TRIAGE_TAKE, drawn_empty, SAM))  # Sam was quicker

    stale = only(desk.click(actions.TRIAGE_TAKE, drawn_empty))
    stale_assign = only(
        desk.click(actions.TRIAGE_ASSIGN, {**drawn_empty, actions.INPUT_ASSIGNEE: "Jordan Lee"})
    )

    assert stale.text.startswith("Sam Tech already has ticket") and "Take it over?" in stale.text
    assert "since that card was drawn" in stale_assign.text
    assert desk.ticket(ticket.id).assignee == "Sam Tech"
    # A card that showed Sam: the technician saw whose it was.
    current = {actions.TICKET: str(ticket.id), actions.SHOWN_ASSIGNEE: "Sam Tech"}
    taken = only(desk.click(actions.TRIAGE_TAKE, current))
    assert "(It was assigned to Sam Tech.)" in taken.text
    assert desk.ticket(ticket.id).assignee == "Jordan Lee"
    assert [(e.detail["before"], e.detail["after"]) for e in desk.audited("technician.take")] == [
        (None, "Sam Tech"),
        ("Sam Tech", "Jordan Lee"),
    ]


def test_the_assign_question_button_assigns(desk: Desk) -> None:
    ticket = filed(desk)
    drawn_empty = {actions.TICKET: str(ticket.id), actions.SHOWN_ASSIGNEE: ""}
    desk.click(actions.TRIAGE_TAKE, drawn_empty, SAM)
    asked = only(
        desk.click(actions.TRIAGE_ASSIGN, {**drawn_empty, actions.INPUT_ASSIGNEE: "Jordan Lee"})
    )
    assert asked.card is not None
    [button] = asked.card.actions

    done = only(desk.click(button.action_id, dict(button.values)))

    assert "to Jordan Lee (was Sam Tech)" in done.text and done.replaces_source
    assert desk.ticket(ticket.id).assignee == "Jordan Lee"


def test_an_end_users_forged_take_over_learns_nothing(desk: Desk) -> None:
    ticket = filed(desk, user=BOB)
    desk.click(actions.TRIAGE_TAKE, {actions.TICKET: str(ticket.id)}, SAM)

    answers = [
        only(desk.click(actions.TRIAGE_TAKE, {actions.TICKET: ref, **extra}, ALICE)).text
        for ref in (str(ticket.id), "99999")
        for extra in ({}, {actions.SHOWN_ASSIGNEE: ""}, {actions.TAKE_OVER: "true"})
    ]

    assert len(set(answers)) == 1 and REFUSAL in answers[0]  # the same words, whatever the ticket
    assert ticket.title not in answers[0] and "Sam" not in answers[0]
    assert desk.ticket(ticket.id).assignee == "Sam Tech"


# -- internal notes in a technician's view ----------------------------------------------------


def test_a_technician_sees_internal_notes_marked_and_the_requester_never(desk: Desk) -> None:
    ticket = filed(desk)
    desk.say(f"ticket note {ticket.id} --internal SECRET-REMARK the user broke it")
    desk.bot.clock.advance(minutes=1)
    desk.say(f"ticket note {ticket.id} --public A new fuser is on its way")

    technician = only(desk.say(f"ticket status {ticket.id}"))
    requester = only(desk.say(f"ticket status {ticket.id}", ALICE))

    assert technician.card is not None and requester.card is not None
    assert [(n.text, n.internal) for n in technician.card.notes] == [
        ("SECRET-REMARK the user broke it", True),
        ("A new fuser is on its way", False),
    ]
    assert [(n.text, n.internal) for n in requester.card.notes] == [
        ("A new fuser is on its way", False)
    ]
