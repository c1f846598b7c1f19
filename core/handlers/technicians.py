"""Handlers of the technicians' operations: take, assign, status, technician notes, their own
tickets and the queue (and a priority set from a triage card).

Everything goes through the technicians' desk (:class:`core.ports.TechnicianDesk` on
:attr:`Work.desk`), which refuses anyone who is not a technician before it reads a ticket, so a
refusal never says whether a ticket exists. Take, assign, status and priority set a value: done
twice (a double click, a retaken event) they find it set and change nothing. A note is added
once per event: a retaken event that reached the note before finds its marker.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from core import actions
from core.cards import ticket_card, ticket_list_card
from core.errors import NotATechnician, TechnicianToolsUnavailable, TicketingError
from core.handlers.registry import Work, handles
from core.messages import Card, CardAction, CardField, Reply, UserRef
from core.operations import (
    AssignTicket,
    ChangePriority,
    MyTickets,
    QueueTickets,
    SetTicketStatus,
    TakeTicket,
    TechnicianNote,
)
from core.ports import TechnicianDesk, TicketChange
from core.tickets import Ticket, TicketRef

log = logging.getLogger(__name__)

NOT_IN_YOUR_NAME = (
    " The help desk would not record the change in your name, so the bot made it and an "
    "internal note names you."
)


def desk_of(work: Work, operation: str) -> TechnicianDesk:
    """The technicians' desk, or the plain answer that this help desk has none."""
    if work.desk is None:
        raise TechnicianToolsUnavailable(operation, work.ticketing.name)
    return work.desk


def is_technician(desk: TechnicianDesk | None, user: UserRef) -> bool:
    """Whether ``user`` is an active technician of ``desk`` (False when in doubt: an
    unreachable help desk reads as "not a technician", and the end-user meaning is kept)."""
    if desk is None:
        return False
    try:
        desk.technician(user)
    except (NotATechnician, TechnicianToolsUnavailable):
        return False
    except TicketingError as exc:
        log.info("technician check failed: %s", exc.detail)
        return False
    return True


def _changed(work: Work, change: TicketChange, text: str, *, in_place: bool = False) -> None:
    """Answer a change; the ticket comes into focus and its triage card is edited."""
    work.focus = str(change.ticket.id)
    work.changed(change.ticket.id)
    if not change.as_technician:
        text += NOT_IN_YOUR_NAME
    card = None if work.in_triage else ticket_card(change.ticket)
    work.say(Reply(text, card=card, replaces_source=in_place))


def _label(ticket: Ticket) -> str:
    return f"{ticket.number} (#{ticket.id})"


def _held_by_someone_else(
    desk: TechnicianDesk, ref: TicketRef, shown: str | None, work: Work
) -> Ticket | None:
    """The ticket, when another technician holds it and the person did not see that (no card,
    or a card drawn before they took it); else None. Only asked for a technician: anyone else
    goes straight to the desk's refusal, which says nothing about the ticket."""
    if not is_technician(desk, work.user):
        return None
    me = desk.technician(work.user)
    ticket = desk.ticket(ref, work.user)
    holder = (ticket.assignee or "").strip().casefold()
    if not holder or holder == me.name.strip().casefold():
        return None
    if shown is not None and holder == shown.strip().casefold():
        return None
    return ticket


def _ask_first(work: Work, ticket: Ticket, question: str, button: CardAction) -> None:
    """Ask before changing a ticket someone else holds: a button, and the words that do it."""
    work.focus = str(ticket.id)
    card = Card(
        kind="take_over",
        title=f"{ticket.number} · {ticket.title}",
        subtitle=f"Ticket #{ticket.id}",
        fields=(
            CardField("Assigned to", ticket.assignee or "Nobody yet"),
            CardField("Status", ticket.status),
        ),
        actions=(button,),
    )
    work.say(Reply(question, card=card))


@handles(TakeTicket)
def take_ticket(op: TakeTicket, work: Work) -> None:
    desk = desk_of(work, "take")
    held = None if op.take_over else _held_by_someone_else(desk, op.ref, op.shown, work)
    if held is not None:
        values = {
            actions.TICKET: str(held.id),
            actions.SHOWN_ASSIGNEE: held.assignee or "",
            actions.TAKE_OVER: "true",
        }
        _ask_first(
            work,
            held,
            f"{held.assignee} already has ticket {_label(held)} “{held.title}”. Take it over? "
            f"(Or type “ticket assign {held.id} me”.)",
            CardAction(actions.TRIAGE_TAKE, "Take it over", values, style="primary"),
        )
        return
    change = desk.take(op.ref, work.user)
    ticket = change.ticket
    if change.before == change.after:
        text = f"Ticket {_label(ticket)} “{ticket.title}” is already assigned to you."
    else:
        text = f"You've taken ticket {_label(ticket)} “{ticket.title}”."
        if change.before:
            text += f" (It was assigned to {change.before}.)"
    _changed(work, change, text, in_place=op.in_place)


@handles(AssignTicket)
def assign_ticket(op: AssignTicket, work: Work) -> None:
    # No one named: the desk refuses an end user, and lists the technicians to a technician.
    desk = desk_of(work, "assign")
    held = None
    if op.shown is not None and op.assignee.strip():
        held = _held_by_someone_else(desk, op.ref, op.shown, work)
    if held is not None and (held.assignee or "").casefold() != op.assignee.strip().casefold():
        values = {
            actions.TICKET: str(held.id),
            actions.SHOWN_ASSIGNEE: held.assignee or "",
            actions.INPUT_ASSIGNEE: op.assignee.strip(),
            actions.TAKE_OVER: "true",
        }
        _ask_first(
            work,
            held,
            f"{held.assignee} has had ticket {_label(held)} since that card was drawn. "
            f"Assign it to {op.assignee.strip()} anyway?",
            CardAction(actions.TRIAGE_ASSIGN, f"Assign to {op.assignee.strip()}", values),
        )
        return
    change = desk.assign(op.ref, op.assignee, work.user)
    ticket = change.ticket
    if change.before == change.after:
        text = f"Ticket {_label(ticket)} is already assigned to {change.after}."
    else:
        was = change.before or "nobody"
        text = f"Assigned ticket {_label(ticket)} “{ticket.title}” to {change.after} (was {was})."
    _changed(work, change, text, in_place=op.in_place)


@handles(SetTicketStatus)
def set_ticket_status(op: SetTicketStatus, work: Work) -> None:
    change = desk_of(work, "status").set_status(op.ref, op.status, work.user)
    ticket = change.ticket
    if change.before == change.after:
        text = f"Ticket {_label(ticket)} is already {change.after}."
    else:
        text = f"Ticket {_label(ticket)} is now {change.after} (was {change.before or 'unset'})."
    _changed(work, change, text, in_place=op.in_place)


def note_claim(request_id: str, text: str) -> str:
    """What a note from a card's form claims: the same words sent twice from one card (a
    double click) are added once; other words from the same card are a new note."""
    digest = hashlib.sha256(text.strip().encode()).hexdigest()[:16]
    return f"technician-note:{request_id}:{digest}"


def _note_marker(work: Work, op: TechnicianNote) -> str | None:
    """The key a note's first attempt records just before it writes (per event): a retaken
    event that finds it does not add the note again."""
    if work.event_id is None:
        return None
    digest = hashlib.sha256(f"{op.ref}\n{op.text.strip()}".encode()).hexdigest()[:16]
    return f"technician-note:{work.event_id}:{digest}"


@handles(TechnicianNote)
def technician_note(op: TechnicianNote, work: Work) -> None:
    desk = desk_of(work, "internal notes" if op.internal else "notes")
    text = op.text.strip()  # an empty one is the desk's to refuse (after who is asking)
    kind = "an internal" if op.internal else "a public"
    claim = note_claim(op.request_id, text) if op.request_id else None
    if claim is not None and not work.claim(claim):
        work.say(Reply("That note was already added.", ephemeral=True))
        return
    try:
        _add_technician_note(op, work, desk, text, kind)
    except Exception:
        if claim is not None:
            work.release(claim)
        raise


def _add_technician_note(
    op: TechnicianNote, work: Work, desk: TechnicianDesk, text: str, kind: str
) -> None:
    marker = _note_marker(work, op)
    if work.retake and marker is not None and work.store.was_claimed(marker):
        # The first attempt got as far as the note: adding it again would say it twice.
        ticket = work.ticketing.get(op.ref, work.user)
        work.focus = str(ticket.id)
        work.changed(ticket.id)
        card = None if work.in_triage else ticket_card(ticket)
        work.say(Reply(f"Added {kind} note to ticket {_label(ticket)}.", card=card))
        return
    if marker is not None:
        work.claim(marker)
    try:
        change = desk.add_note(op.ref, text, work.user, internal=op.internal)
    except TicketingError:
        if marker is not None:
            work.release(marker)  # refused (not a technician, say): nothing was added
        raise
    seen = "the requester doesn't see it" if op.internal else "the requester sees it"
    _changed(work, change, f"Added {kind} note to ticket {_label(change.ticket)} ({seen}).")


def technician_priority(op: ChangePriority, work: Work) -> None:
    """A technician's priority change from a triage card (no confirmation: it is their job)."""
    change = desk_of(work, "priority").set_priority(op.ref, op.priority, work.user)
    ticket = change.ticket
    if change.before == change.after:
        text = f"Ticket {_label(ticket)} is already {change.after} priority."
    else:
        text = f"Ticket {_label(ticket)} is now {change.after} priority (was {change.before})."
    _changed(work, change, text, in_place=op.in_place)


def _list(work: Work, tickets: Sequence[Ticket], heading: str, title: str) -> None:
    work.focus = str(tickets[0].id) if len(tickets) == 1 else None
    lines = "\n".join(
        f"• {t.number} (#{t.id}) {t.title}: {t.status}, {t.priority}"
        + (f", {t.requester}" if t.requester else "")
        for t in tickets
    )
    work.say(Reply(f"{heading}\n{lines}", card=ticket_list_card(tickets, title=title)))


@handles(MyTickets)
def my_tickets(op: MyTickets, work: Work) -> None:
    tickets = desk_of(work, "mine").mine(work.user)
    if not tickets:
        work.say(
            Reply(
                "Nothing open is assigned to you. “ticket queue” shows the unassigned tickets; "
                "“ticket list” the ones you filed yourself."
            )
        )
        return
    _list(work, tickets, "Open tickets assigned to you:", "Assigned to you")


@handles(QueueTickets)
def queue_tickets(op: QueueTickets, work: Work) -> None:
    name = (op.name or "").strip() or None
    tickets = desk_of(work, "queue").queue(work.user, name)
    where = f"the {name} queue" if name else "any queue"
    if not tickets:
        work.say(Reply(f"No unassigned open tickets in {where}."))
        return
    title = f"Unassigned: {name}" if name else "Unassigned tickets"
    _list(work, tickets, f"Unassigned open tickets in {where}, oldest first:", title)
