"""An event handed out again after its worker died (the inbox's retake): what finished answers
the same, what never finished runs again, and no write happens twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core import actions
from core.assistant import SORRY
from core.intents import Classification, Intent
from core.messages import Event, Reply
from core.tickets import Priority, TicketDraft
from storage.db import Database
from tests.support import ALICE, Bot, action, make_bot, message, only

VPN = "the VPN drops every ten minutes"
CREATE = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops", priority=Priority.HIGH)}


class Crash(BaseException):
    """The process dying (SIGKILL): nothing after it runs, not even the history write."""


def crashing(bot: Bot, write: Callable[..., Any], *, after: bool) -> Callable[..., Any]:
    """``write`` that dies before or after doing its work, taking the history write along."""

    def dying(*args: Any) -> Any:
        def no_history(*_: object, **__: object) -> None:
            raise Crash

        bot.store.finish_event = no_history  # type: ignore[method-assign,assignment]
        if after:
            write(*args)
        raise Crash

    return dying


def confirm_event(bot: Bot) -> Event:
    card = only(bot.say(VPN)).card
    assert card is not None
    confirm = next(a for a in card.actions if a.action_id == actions.CREATE_CONFIRM)
    return action(confirm.action_id, dict(confirm.values), event_id="click-1")


def retake_after_crash(bot: Bot, event: Event, method: str, *, after: bool) -> list[Reply]:
    desk_write = getattr(bot.desk, method)
    finish_event = bot.store.finish_event
    setattr(bot.desk, method, crashing(bot, desk_write, after=after))
    with pytest.raises(Crash):
        bot.assistant.handle(event)
    setattr(bot.desk, method, desk_write)  # the restarted process
    bot.store.finish_event = finish_event  # type: ignore[method-assign]
    return bot.assistant.handle(event, retake=True)


def test_a_finished_event_retaken_answers_as_before_and_a_redelivery_still_drops(
    database: Database,
) -> None:
    bot = make_bot(database)
    event = message("ticket new printer jam", event_id="Ev1")

    first = only(bot.assistant.handle(event))
    again = only(bot.assistant.handle(event, retake=True))

    assert again == first and "Created ticket" in again.text
    assert bot.assistant.handle(event) == []
    assert len(bot.desk.list_open(ALICE)) == 1


@pytest.mark.parametrize("after", [False, True], ids=["before-the-create", "after-the-create"])
def test_a_confirm_that_died_mid_work_files_one_ticket_when_retaken(
    database: Database, after: bool
) -> None:
    bot = make_bot(database, script=CREATE)
    event = confirm_event(bot)

    reply = only(retake_after_crash(bot, event, "create", after=after))

    # The draft's claim was the dead attempt's own: no "already created" without a ticket.
    assert "Created ticket" in reply.text
    assert len(bot.desk.list_open(ALICE)) == 1


def test_a_typed_create_that_died_after_filing_is_not_filed_twice(database: Database) -> None:
    bot = make_bot(database)
    event = message("ticket new printer jam", event_id="Ev2")

    reply = only(retake_after_crash(bot, event, "create", after=True))

    assert "Created ticket" in reply.text
    assert len(bot.desk.list_open(ALICE)) == 1


def test_a_note_that_died_after_it_was_added_is_added_once(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new printer jam")
    [ticket] = bot.desk.list_open(ALICE)
    event = message(f"ticket note {ticket.id} tried another tray", event_id="Ev3")

    reply = only(retake_after_crash(bot, event, "add_note", after=True))

    notes = [n.text for n in bot.desk.get(ticket.ref, ALICE).notes]
    assert notes.count("tried another tray") == 1
    assert reply.text != SORRY and "try again" not in reply.text


def test_the_same_note_sent_again_by_the_person_is_added_again(database: Database) -> None:
    bot = make_bot(database)
    bot.say("ticket new printer jam")
    [ticket] = bot.desk.list_open(ALICE)

    bot.say(f"ticket note {ticket.id} still jammed")
    bot.say(f"ticket note {ticket.id} still jammed")

    notes = [n.text for n in bot.desk.get(ticket.ref, ALICE).notes]
    assert notes.count("still jammed") == 2  # only a retake looks for its own note


def test_history_write_failing_after_a_create_says_it_was_created(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    bot = make_bot(database)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk full")

    bot.store.finish_event = broken  # type: ignore[method-assign,assignment]
    reply = only(bot.say("ticket new printer jam"))

    assert "Created ticket" in reply.text and "try again" not in reply.text
    assert any("history not stored" in r.message for r in caplog.records)


def test_a_failure_after_the_write_keeps_what_was_done_and_never_says_try_again(
    database: Database,
) -> None:
    bot = make_bot(database)
    bot.say("ticket new printer jam")
    [ticket] = bot.desk.list_open(ALICE)
    close = bot.desk.close

    def closed_then_failed(*args: Any) -> Any:
        closed = close(*args)
        bot.assistant.ticketing = None  # type: ignore[assignment]  # the next call fails
        return closed

    bot.desk.close = closed_then_failed  # type: ignore[method-assign, assignment]
    card = only(bot.say(f"ticket close {ticket.id}")).card
    assert card is not None
    yes = next(a for a in card.actions if a.style == "danger" or "close" in a.action_id)
    replies = bot.click(yes.action_id, dict(yes.values))

    assert bot.desk.get(ticket.ref, ALICE).is_closed
    assert all("try again" not in r.text for r in replies)


def test_a_read_that_died_before_it_was_recorded_answers_once_when_retaken(
    database: Database,
) -> None:
    bot = make_bot(database)
    event = message("ticket list", event_id="Ev9")
    finish_event = bot.store.finish_event

    def dying(*_: object, **__: object) -> bool:
        raise Crash

    bot.store.finish_event = dying  # type: ignore[method-assign]
    with pytest.raises(Crash):
        bot.assistant.handle(event)
    bot.store.finish_event = finish_event  # type: ignore[method-assign]

    # A read claims its event with its answer: nothing was recorded, so it simply runs.
    reply = only(bot.assistant.handle(event, retake=True))
    assert "open tickets" in reply.text
    assert bot.assistant.handle(event, retake=True) == [reply]  # answered as before
    assert bot.assistant.handle(event) == []  # a redelivery drops


def test_only_reads_are_claimed_with_their_answer() -> None:
    from core import operations
    from core.assistant import _RECORDED_AT_THE_END, claims_first

    kinds = [
        kind
        for kind in vars(operations).values()
        if isinstance(kind, type) and issubclass(kind, operations.Operation)
    ]
    assert all(not kind.writes for kind in _RECORDED_AT_THE_END)
    assert all(kind in _RECORDED_AT_THE_END for kind in kinds if kind.free)
    draft = TicketDraft("VPN drops", "every ten minutes")
    status, create = operations.ShowStatus(), operations.CreateTicket(draft)
    assert not claims_first(status) and claims_first(create)
    assert claims_first(operations.Several((status, create)))
    assert claims_first(operations.MuteUpdates(None))  # a write of the bot's own: first too
