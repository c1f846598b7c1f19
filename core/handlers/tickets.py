"""Handlers that read or change tickets: status, notes, the list, close, reopen, priority."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence

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
from core.handlers.pending import consume, offer
from core.handlers.registry import Work, handles
from core.messages import Reply
from core.operations import (
    AddNote,
    ChangePriority,
    CloseTicket,
    ListTickets,
    ProposeNote,
    Reopen,
    RequestClose,
    RequestPriority,
    ShowStatus,
)
from core.ports import PendingAction
from core.tickets import Priority, Ticket, TicketRef


def _focus_on(work: Work, ticket: Ticket) -> None:
    work.focus = str(ticket.id)


def ask_which(work: Work, question: str, tickets: Sequence[Ticket] | None = None) -> None:
    """Ask which ticket, listing the person's open ones when there are any."""
    if tickets is None:
        tickets = work.ticketing.list_open(work.user)
    if not tickets:
        work.say(Reply(f"{question} Give me its number, like 48213 or T20251104.0031."))
        return
    lines = "\n".join(f"• {t.number} (#{t.id}) {t.title}" for t in tickets)
    work.say(Reply(f"{question} Your open tickets:\n{lines}", card=ticket_list_card(tickets)))


def resolve(work: Work, ref: TicketRef | None, question: str) -> TicketRef | None:
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
    ask_which(work, question, tickets)
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
            ask_which(work, "Which ticket do you mean?", found or tickets)
            return
        ref = found[0].ref
    ref = resolve(work, ref, "Which ticket do you mean?")
    if ref is None:
        return
    ticket = work.ticketing.get(ref, work.user)
    _focus_on(work, ticket)
    work.say(Reply(ticket_summary(ticket), card=ticket_card(ticket), replaces_source=op.in_place))


@handles(AddNote)
def add_note(op: AddNote, work: Work) -> None:
    ref = resolve(
        work, op.ref, "Which ticket should I add that to? For example: ticket note 48213 <note>."
    )
    if ref is None:
        return
    note = op.text.strip()
    if not note:
        work.say(Reply(f"What should the note on {ref} say?"))
        return
    ticket = confirmed_write(
        work,
        "note",
        op.request_id,
        "That note was already added.",
        lambda: work.ticketing.add_note(ref, note, work.user),
    )
    if ticket is None:
        return
    work.say(
        Reply(
            f"Added your note to ticket {ticket.number}.",
            card=ticket_card(ticket),
            replaces_source=op.in_place,
        )
    )


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
    if len(tickets) == 1:
        _focus_on(work, tickets[0])
    lines = "\n".join(f"• {t.number} (#{t.id}) {t.title}: {t.status}" for t in tickets)
    work.say(Reply(f"Your open tickets:\n{lines}", card=ticket_list_card(tickets)))


# -- closing ----------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_NOT_DESCRIPTIVE = frozenset(
    """close closed closing the one that this ticket tickets can you could would please pls for
    about with mine done resolved fixed sorted solved finished thanks thank now also and
    issue problem request case its it's all any out off was were has have had been you your
    don't dont need anymore more not just mark complete completed shut down""".split()  # noqa: SIM905
)


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def matching(words: str, tickets: Sequence[Ticket]) -> list[Ticket]:
    """The open tickets whose title or description mentions a descriptive word of ``words``
    ("close the iPhone one" → the ticket about the iPhone); the best-matching ones only."""
    wanted = {_stem(w) for w in _WORD_RE.findall(words.casefold()) if w not in _NOT_DESCRIPTIVE}
    if not wanted:
        return []
    scored: list[tuple[int, Ticket]] = []
    for ticket in tickets:
        said = {
            _stem(w) for w in _WORD_RE.findall(f"{ticket.title} {ticket.description}".casefold())
        }
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
            ask_which(work, "Which ticket should I close?", found or tickets)
            return
    ref = resolve(work, ref, "Which ticket should I close?")
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
    work.say(
        Reply(
            f"Done: ticket {ticket.number} is now {ticket.status}.",
            card=ticket_card(ticket),
            replaces_source=op.in_place,
        )
    )


@handles(Reopen)
def reopen(op: Reopen, work: Work) -> None:
    ref = resolve(work, op.ref, "Which ticket should I reopen?")
    if ref is None:
        return
    ticket = work.ticketing.get(ref, work.user)
    _focus_on(work, ticket)
    if not ticket.is_closed:
        work.say(
            Reply(
                f"Ticket {ticket.number} is still open ({ticket.status}); no need to reopen it. "
                "Tell me what's new and I'll add it as a note.",
                card=ticket_card(ticket),
            )
        )
        return
    who = work.user.display_name or work.user.email or work.user.user_id
    reason = op.reason.strip() or f"reopened by {who} in chat"
    ticket = work.ticketing.reopen(ref, reason, work.user)
    work.say(
        Reply(
            f"Reopened ticket {ticket.number}: it's {ticket.status} again, with your reason as "
            "a note.",
            card=ticket_card(ticket),
        )
    )


@handles(RequestPriority)
def request_priority(op: RequestPriority, work: Work) -> None:
    ref = resolve(work, op.ref, "Which ticket's priority should I change?")
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
    ticket = confirmed_write(
        work,
        "priority",
        op.request_id,
        "That priority change was already made.",
        lambda: work.ticketing.set_priority(op.ref, op.priority, work.user),
    )
    if ticket is None:
        return
    work.say(
        Reply(
            f"Done: ticket {ticket.number} is now {ticket.priority} priority.",
            card=ticket_card(ticket),
            replaces_source=op.in_place,
        )
    )
