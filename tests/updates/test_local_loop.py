"""The whole loop on the local desk: a ticket created in the chat, a technician acting on it
(``ticketbot desk``), the update arriving once in the right conversation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.messages import UserRef
from storage.db import Database
from tests.support import ALICE, BOB
from tests.updates.harness import Loop, build_loop


def _created(loop: Loop, user: UserRef = ALICE) -> int:
    loop.bot.say("ticket new Printer on floor 2 jams", user)
    [ticket] = loop.bot.desk.list_open(user)
    return ticket.id


def test_assignment_reaches_the_requesters_conversation_once(database: Database) -> None:
    loop = build_loop(database)
    ticket_id = _created(loop)

    loop.staff.assign(loop.ref(ticket_id), "Jordan Lee", "Jordan Lee")
    [reply] = loop.round()
    again = loop.round()

    assert "Jordan Lee is on it" in reply.text
    assert reply.card is not None and reply.card.kind == "ticket"
    [(tracked, _)] = loop.sender.sent
    assert tracked.conversation.channel_id == "dm:alice"
    assert again == []


def test_a_burst_is_one_message_and_internal_notes_never_go_out(database: Database) -> None:
    loop = build_loop(database)
    ref = loop.ref(_created(loop))

    loop.staff.assign(ref, "Jordan Lee", "Jordan Lee")
    loop.clock.advance(seconds=5)
    loop.staff.add_note(ref, "Probably the fuser, ordering one", "Jordan Lee", internal=True)
    loop.clock.advance(seconds=5)
    loop.staff.set_status(ref, "In Progress", "Jordan Lee")
    loop.clock.advance(seconds=5)
    loop.staff.add_note(ref, "I'll come by at 3pm.", "Jordan Lee", internal=False)
    [reply] = loop.round(after_seconds=20)

    assert "Jordan Lee is on it" in reply.text
    assert "In Progress" in reply.text
    assert "Jordan Lee wrote: “I'll come by at 3pm.”" in reply.text
    assert "fuser" not in reply.text
    assert reply.card is not None and all("fuser" not in n.text for n in reply.card.notes)


def test_nothing_is_sent_before_the_burst_settles(database: Database) -> None:
    loop = build_loop(database)
    ref = loop.ref(_created(loop))

    loop.staff.assign(ref, "Jordan Lee", "Jordan Lee")

    assert loop.round(after_seconds=5) == []
    assert len(loop.round(after_seconds=20)) == 1


def test_waiting_customer_is_a_question_and_resolved_asks_if_it_is_fixed(
    database: Database,
) -> None:
    loop = build_loop(database)
    ref = loop.ref(_created(loop))

    loop.staff.set_status(ref, "Waiting Customer", "Jordan Lee")
    [waiting] = loop.round()
    loop.staff.set_status(ref, "Complete", "Jordan Lee")
    [resolved] = loop.round()

    assert "waiting for you" in waiting.text
    assert "resolved" in resolved.text and "Did this fix it?" in resolved.text


def test_the_persons_own_changes_are_not_echoed(database: Database) -> None:
    loop = build_loop(database)
    ticket_id = _created(loop)
    ref = loop.ref(ticket_id)

    loop.bot.say(f"ticket note {ticket_id} It also jams on the first page")
    loop.staff.set_status(ref, "In Progress", "Jordan Lee")
    [reply] = loop.round()

    assert "In Progress" in reply.text
    assert "first page" not in reply.text


def test_a_redelivered_signal_changes_nothing_even_after_a_restart(database: Database) -> None:
    loop = build_loop(database)
    ref = loop.ref(_created(loop))
    loop.staff.add_note(ref, "On my way", "Jordan Lee", internal=False)
    [signal] = loop.signals
    assert len(loop.round()) == 1

    restarted = build_loop(database)
    fresh = restarted.service.touched(signal)
    restarted.clock.now = loop.clock.now
    replies = restarted.round()

    assert fresh is False
    assert replies == []


def test_only_the_requester_hears_about_their_ticket(database: Database) -> None:
    loop = build_loop(database, staff=(BOB.email or "",))
    ticket_id = _created(loop)
    loop.bot.say(f"ticket status {ticket_id}", BOB)  # staff looks at Alice's ticket

    loop.staff.add_note(loop.ref(ticket_id), "Fixed the tray", "Jordan Lee", internal=False)
    loop.round()

    assert [t.user_email for t, _ in loop.sender.sent] == ["alice@example.com"]


def test_a_muted_ticket_stays_quiet(database: Database) -> None:
    loop = build_loop(database)
    ticket_id = _created(loop)

    assert loop.store.set_muted("local", ticket_id, "alice@example.com", True)
    loop.staff.assign(loop.ref(ticket_id), "Jordan Lee", "Jordan Lee")

    assert loop.round() == []


def test_a_failed_send_is_retried_with_backoff_and_a_gone_person_is_not(
    database: Database,
) -> None:
    loop = build_loop(database)
    first = _created(loop)
    loop.sender.results = [("retry", "HTTP 502")]
    loop.staff.assign(loop.ref(first), "Jordan Lee", "Jordan Lee")

    assert loop.round() == []
    assert loop.round(after_seconds=10) == []  # the first retry waits 30 s
    assert len(loop.round(after_seconds=25)) == 1

    loop.sender.results = [("gone", "channel_not_found")]
    loop.staff.set_status(loop.ref(first), "In Progress", "Jordan Lee")
    loop.round()
    attempts = loop.sender.attempts
    loop.round(after_seconds=3600)

    assert loop.sender.attempts == attempts
    outbox = loop.store.outbox()
    assert [(status, attempts, error) for _, status, attempts, error in outbox] == [
        ("sent", 2, None),
        ("gone", 1, "channel_not_found"),
    ]


def test_the_conversation_last_discussed_in_gets_the_update(database: Database) -> None:
    loop = build_loop(database)
    ticket_id = _created(loop)
    loop.bot.say(f"ticket status {ticket_id}", ALICE, channel="helpdesk")

    loop.staff.assign(loop.ref(ticket_id), "Jordan Lee", "Jordan Lee")
    loop.round()

    [(tracked, _)] = loop.sender.sent
    assert tracked.conversation.channel_id == "helpdesk:alice"
    assert asyncio.run(loop.dispatcher.deliver_due()) == 0


def test_old_signals_and_sent_messages_are_purged(database: Database) -> None:
    loop = build_loop(database)
    ref = loop.ref(_created(loop))
    loop.staff.assign(ref, "Jordan Lee", "Jordan Lee")
    loop.round()
    loop.staff.set_status(ref, "In Progress", "Jordan Lee")  # not processed yet: kept

    removed = loop.store.purge_before(loop.clock.now + timedelta(seconds=1))

    assert removed == 2  # the processed signal and the sent message
    assert len(loop.round()) == 1
