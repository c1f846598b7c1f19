"""Handlers that read or change tickets: status, notes, the list, close, reopen, priority."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence

from core import actions
from core.cards import (
    close_confirm_card,
    close_values,
    note_confirm_card,
    note_values,
    priority_confirm_card,
    priority_values,
    ticket_card,
    ticket_list_card,
    ticket_summary,
)
from core.dialogue import descriptive_words
from core.handlers.pending import consume, drop_question, offer
from core.handlers.registry import Work, handles
from core.handlers.technicians import is_technician, technician_priority
from core.messages import Reply
from core.operations import (
    AddNote,
    ChangePriority,
    CloseTicket,
    ForgetChoice,
    ListTickets,
    ProposeNote,
    Reopen,
    RequestClose,
    RequestPriority,
    ShowStatus,
)
from core.ports import PendingAction
from core.tickets import Priority, Ticket, TicketRef

CHOICE_THEN, CHOICE_OPTIONS, CHOICE_REASON = (
    actions.CHOICE_THEN,
    actions.CHOICE_OPTIONS,
    actions.CHOICE_REASON,
)
_STATUS = {CHOICE_THEN: "status"}
_CLOSE = {CHOICE_THEN: "close"}


def _focus_on(work: Work, ticket: Ticket) -> None:
    work.focus = str(ticket.id)


def ask_which(
    work: Work,
    question: str,
    tickets: Sequence[Ticket] | None = None,
    *,
    then: Mapping[str, str] | None = None,
) -> None:
    """Ask which ticket, listing the person's open ones when there are any. ``then`` says
    what to do with the answer ("10002", "the first one", "the printer one")."""
    if tickets is None:
        tickets = work.ticketing.list_open(work.user)
    if then is not None:
        values = {
            **then,
            actions.REQUEST_ID: uuid.uuid4().hex,
            CHOICE_OPTIONS: ",".join(str(t.id) for t in tickets),
            actions.CHOICE_TITLES: "\n".join(t.title.replace("\n", " ") for t in tickets),
        }
        offer(work, PendingAction(actions.CHOOSE_TICKET, values))
    if not tickets:
        work.say(
            Reply(
                f"{question} You have no open tickets; give me its number, like 48213 or "
                "T20251104.0031."
            )
        )
        return
    lines = "\n".join(f"• {t.number} (#{t.id}) {t.title}" for t in tickets)
    work.say(Reply(f"{question} Your open tickets:\n{lines}", card=ticket_list_card(tickets)))


def resolve(
    work: Work, ref: TicketRef | None, question: str, then: Mapping[str, str] | None = None
) -> TicketRef | None:
    """``ref``, else the ticket in focus, else the person's only open ticket; otherwise ask
    which one (and return None)."""
    if ref is not None:
        return ref
    if work.focus:
        focused = TicketRef.parse(work.focus)
        if focused is not None:
            return focused
    tickets = work.ticketing.list_open(work.user)
    if len(tickets) == 1:
        return tickets[0].ref
    ask_which(work, question, tickets, then=then)
    return None


def confirmed_write(
    work: Work, kind: str, request_id: str | None, already: str, write: Callable[[], Ticket]
) -> Ticket | None:
    """Carry out the write a confirmation asked for, once: a second click (or a redelivered
    "yes") finds it claimed and only gets a private note. The confirmation stops waiting."""
    key = f"{kind}:{request_id}" if request_id else None
    if key is not None and not work.claim(key):
        work.say(Reply(already, ephemeral=True))
        return None
    try:
        ticket = write()
    except Exception:
        if key is not None:
            work.release(key)  # nothing was done: the person may try again
        raise
    if request_id:
        consume(work, request_id)
    _focus_on(work, ticket)
    return ticket


@handles(ShowStatus)
def show_status(op: ShowStatus, work: Work) -> None:
    ref = op.ref
    if ref is None and op.words:
        tickets = work.ticketing.list_open(work.user)
        found = matching(op.words, tickets)
        if len(found) != 1:
            ask_which(work, "Which ticket do you mean?", found or tickets, then=_STATUS)
            return
        ref = found[0].ref
    ref = resolve(work, ref, "Which ticket do you mean?", _STATUS)
    if ref is None:
        return
    ticket = _as_seen(work, ref)
    _focus_on(work, ticket)
    work.say(Reply(ticket_summary(ticket), card=ticket_card(ticket), replaces_source=op.in_place))


def _as_seen(work: Work, ref: TicketRef) -> Ticket:
    """The ticket as the person may see it: a technician with its internal notes (marked),
    anyone else through the end users' port, which never reads them."""
    if work.desk is not None and is_technician(work.desk, work.user):
        return work.desk.ticket(ref, work.user)
    return work.ticketing.get(ref, work.user)


def add_note_once(work: Work, ref: TicketRef, note: str) -> Ticket:
    """Add ``note``; when the event is retaken after an unfinished attempt, a note with the
    same text by the same person already on the ticket is that attempt's, not added again."""
    if work.retake:
        ticket = work.ticketing.get(ref, work.user)
        who = {work.user.display_name, work.user.email or "", work.user.user_id} - {""}
        if any(n.text.strip() == note and n.author in who for n in ticket.notes):
            return ticket
    return work.ticketing.add_note(ref, note, work.user)


@handles(AddNote)
def add_note(op: AddNote, work: Work) -> None:
    note = op.text.strip()
    ref = resolve(
        work,
        op.ref,
        "Which ticket should I add that to? For example: ticket note 48213 <note>.",
        {CHOICE_THEN: "note", actions.INPUT_NOTE: note} if note else None,
    )
    if ref is None:
        return
    if not note:
        work.say(Reply(f"What should the note on {ref} say?"))
        return
    ticket = confirmed_write(
        work,
        "note",
        op.request_id,
        "That note was already added.",
        lambda: add_note_once(work, ref, note),
    )
    if ticket is None:
        return
    work.changed(ticket.id)
    work.say(
        Reply(
            f"Added your note to ticket {ticket.number}.",
            card=ticket_card(ticket),
            replaces_source=op.in_place,
        )
    )
    work.attach(ticket.ref, ticket.number, work.files)


@handles(ProposeNote)
def propose_note(op: ProposeNote, work: Work) -> None:
    ticket = work.ticketing.get(op.ref, work.user)
    request_id = uuid.uuid4().hex
    offer(work, PendingAction(actions.NOTE_CONFIRM, note_values(ticket, op.text, request_id)))
    work.say(
        Reply(
            f"Is that about ticket {ticket.number} “{ticket.title}”? Shall I add it as a note? "
            "(yes / no — no makes it a new ticket)",
            card=note_confirm_card(ticket, op.text, request_id),
        )
    )


@handles(ListTickets)
def list_tickets(op: ListTickets, work: Work) -> None:
    tickets = work.ticketing.list_open(work.user)
    if not tickets:
        work.say(Reply("You have no open tickets. Tell me if something needs fixing."))
        return
    # One ticket listed alone is the one we talk about; several leave "it" open to question.
    work.focus = str(tickets[0].id) if len(tickets) == 1 else None
    lines = "\n".join(f"• {t.number} (#{t.id}) {t.title}: {t.status}" for t in tickets)
    work.say(Reply(f"Your open tickets:\n{lines}", card=ticket_list_card(tickets)))


# -- closing ----------------------------------------------------------------------------------


def matching(words: str, tickets: Sequence[Ticket]) -> list[Ticket]:
    """The open tickets whose title or description mentions a descriptive word of ``words``
    ("close the iPhone one" → the ticket about the iPhone); the best-matching ones only."""
    wanted = descriptive_words(words)
    if not wanted:
        return []
    scored: list[tuple[int, Ticket]] = []
    for ticket in tickets:
        said = descriptive_words(f"{ticket.title} {ticket.description}")
        score = len(wanted & said)
        if score:
            scored.append((score, ticket))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    return [ticket for score, ticket in scored if score == best]


_ONE_TICKET_RE = re.compile(
    r"\b(?:it|that|this|that one|this one|my ticket|the ticket|my request)\b", re.IGNORECASE
)


@handles(RequestClose)
def request_close(op: RequestClose, work: Work) -> None:
    ref = op.ref
    if ref is None and op.words:
        tickets = work.ticketing.list_open(work.user)
        found = matching(op.words, tickets)
        if len(found) == 1:
            ref = found[0].ref
        elif len(found) > 1 or not _ONE_TICKET_RE.search(op.words):
            # "close every ticket" names no one ticket: the focus is not a guess worth making.
            ask_which(work, "Which ticket should I close?", found or tickets, then=_CLOSE)
            return
    ref = resolve(work, ref, "Which ticket should I close?", _CLOSE)
    if ref is None:
        return
    ticket = work.ticketing.get(ref, work.user)
    _focus_on(work, ticket)
    if ticket.is_closed:
        work.say(Reply(f"Ticket {ticket.number} is already {ticket.status}."))
        return
    request_id = uuid.uuid4().hex
    offer(work, PendingAction(actions.CLOSE_CONFIRM, close_values(ticket, request_id)))
    work.say(
        Reply(
            f"Close ticket {ticket.number} “{ticket.title}”? (yes / no)",
            card=close_confirm_card(ticket, request_id),
        )
    )


@handles(CloseTicket)
def close_ticket(op: CloseTicket, work: Work) -> None:
    ticket = confirmed_write(
        work,
        "close",
        op.request_id,
        "That ticket was already closed.",
        lambda: work.ticketing.close(op.ref, work.user),
    )
    if ticket is None:
        return
    if op.request_id is None:
        consume(work, op.ref.value)  # a confirmation asked before request ids existed
    work.changed(ticket.id)
    work.say(
        Reply(
            f"Done: ticket {ticket.number} is now {ticket.status}.",
            card=ticket_card(ticket),
            replaces_source=op.in_place,
        )
    )


@handles(Reopen)
def reopen(op: Reopen, work: Work) -> None:
    ref = resolve(
        work,
        op.ref,
        "Which ticket should I reopen?",
        {CHOICE_THEN: "reopen", CHOICE_REASON: op.reason},
    )
    if ref is None:
        return
    ticket = work.ticketing.get(ref, work.user)
    _focus_on(work, ticket)
    drop_question(work, actions.UPDATE_FIXED, ticket.id)  # "No, reopen" answers it
    if not ticket.is_closed:
        if op.reason.strip() and op.in_place:
            # "No, reopen" on an update the ticket has moved on from: the words still count.
            ticket = work.ticketing.add_note(ref, op.reason.strip(), work.user)
            work.changed(ticket.id)
        work.say(
            Reply(
                f"Ticket {ticket.number} is still open ({ticket.status}); no need to reopen it. "
                + (
                    "I've added your words as a note."
                    if op.reason.strip() and op.in_place
                    else "Tell me what's new and I'll add it as a note."
                ),
                card=ticket_card(ticket),
                replaces_source=op.in_place,
            )
        )
        return
    who = work.user.display_name or work.user.email or work.user.user_id
    reason = op.reason.strip() or f"reopened by {who} in chat"
    ticket = work.ticketing.reopen(ref, reason, work.user)
    work.changed(ticket.id)
    if work.updates is not None:
        work.updates.reopened(ticket.id, work.user)
    work.say(
        Reply(
            f"Reopened ticket {ticket.number}: it's {ticket.status} again, with your reason as "
            "a note.",
            card=ticket_card(ticket),
            replaces_source=op.in_place,
        )
    )


@handles(RequestPriority)
def request_priority(op: RequestPriority, work: Work) -> None:
    ref = resolve(
        work,
        op.ref,
        "Which ticket's priority should I change?",
        {CHOICE_THEN: "priority", actions.INPUT_PRIORITY: op.priority.value if op.priority else ""},
    )
    if ref is None:
        return
    ticket = work.ticketing.get(ref, work.user)
    _focus_on(work, ticket)
    if ticket.is_closed:
        work.say(
            Reply(
                f"Ticket {ticket.number} is {ticket.status}. Reopen it first (“ticket reopen "
                f"{ticket.id}”) if it needs work again."
            )
        )
        return
    level = op.priority or _one_up(ticket.priority)
    if ticket.priority.casefold() == level.value.casefold():
        work.say(Reply(f"Ticket {ticket.number} is already {ticket.priority} priority."))
        return
    request_id = uuid.uuid4().hex
    offer(work, PendingAction(actions.PRIORITY_CONFIRM, priority_values(ticket, level, request_id)))
    work.say(
        Reply(
            f"Change ticket {ticket.number} “{ticket.title}” from {ticket.priority} to "
            f"{level.value} priority? (yes / no)",
            card=priority_confirm_card(ticket, level, request_id),
        )
    )


_LEVELS = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL)


def _one_up(label: str) -> Priority:
    current = Priority.parse(label) or Priority.MEDIUM
    return _LEVELS[min(_LEVELS.index(current) + 1, len(_LEVELS) - 1)]


@handles(ChangePriority)
def change_priority(op: ChangePriority, work: Work) -> None:
    if op.technician:
        technician_priority(op, work)
        return
    ticket = confirmed_write(
        work,
        "priority",
        op.request_id,
        "That priority change was already made.",
        lambda: work.ticketing.set_priority(op.ref, op.priority, work.user),
    )
    if ticket is None:
        return
    work.changed(ticket.id)
    work.say(
        Reply(
            f"Done: ticket {ticket.number} is now {ticket.priority} priority.",
            card=ticket_card(ticket),
            replaces_source=op.in_place,
        )
    )


@handles(ForgetChoice)
def forget_choice(op: ForgetChoice, work: Work) -> None:
    consume(work, op.key)
