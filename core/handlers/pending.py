"""The actions waiting for a yes / no: offering one, consuming one, and what to say about the
ones still waiting once an event is handled."""

from __future__ import annotations

from core import actions
from core.cards import draft_card
from core.handlers.registry import Work
from core.messages import Reply
from core.ports import PendingAction
from core.tickets import Priority, TicketDraft

CONFIRMATION_CARDS = frozenset({"draft", "close_confirm", "priority_confirm", "note_confirm"})


def key_of(pending: PendingAction) -> str:
    """What identifies a waiting action: its draft id, else its request id, else its ticket."""
    values = pending.values
    return (
        values.get(actions.DRAFT_ID)
        or values.get(actions.REQUEST_ID)
        or values.get(actions.TICKET)
        or pending.action_id
    )


def offer(work: Work, pending: PendingAction, *, replaces: str | None = None) -> None:
    """Make ``pending`` the action waiting for a yes; the one waiting before (unless it is
    ``replaces``) waits behind it, so nothing the person asked for is dropped."""
    current = work.pending
    if current is not None and key_of(current) != replaces and key_of(current) != key_of(pending):
        work.queued.insert(0, current)
    work.queued = [p for p in work.queued if key_of(p) not in (key_of(pending), replaces)]
    work.pending = pending


def consume(work: Work, key: str) -> PendingAction | None:
    """Remove the waiting action ``key`` (current or queued) and return it."""
    if work.pending is not None and key_of(work.pending) == key:
        found = work.pending
        work.pending = None
        return found
    for index, waiting in enumerate(work.queued):
        if key_of(waiting) == key:
            return work.queued.pop(index)
    return None


def drop_question(work: Work, action_id: str, ticket_id: int) -> None:
    """Stop waiting for the ``action_id`` question about ``ticket_id`` (answered by a click or
    in words: a "Did this fix it?" answered by reopening the ticket)."""

    def other(p: PendingAction) -> bool:
        return p.action_id != action_id or p.values.get(actions.TICKET) != str(ticket_id)

    if work.pending is not None and not other(work.pending):
        work.pending = None
    work.queued = [p for p in work.queued if other(p)]


def draft_from(values: dict[str, str] | PendingAction) -> TicketDraft:
    raw = values.values if isinstance(values, PendingAction) else values
    title = raw.get(actions.INPUT_TITLE, "")
    return TicketDraft(
        title=title,
        description=raw.get(actions.INPUT_DESCRIPTION, "") or title,
        priority=Priority.parse(raw.get(actions.INPUT_PRIORITY, "")) or Priority.MEDIUM,
        idempotency_key=raw.get(actions.DRAFT_ID) or None,
    )


def waiting_line(pending: PendingAction) -> str:
    """One line saying what still waits for a yes / no."""
    values = pending.values
    if pending.action_id == actions.CREATE_CONFIRM:
        return (
            f"Your draft “{values.get(actions.INPUT_TITLE, '')}” is still waiting: "
            "yes to create it, no to drop it."
        )
    ticket = values.get(actions.TICKET, "")
    if pending.action_id == actions.CLOSE_CONFIRM:
        return f"Still waiting: close ticket #{ticket}? (yes / no)"
    if pending.action_id == actions.PRIORITY_CONFIRM:
        level = values.get(actions.INPUT_PRIORITY, "")
        return f"Still waiting: change ticket #{ticket} to {level}? (yes / no)"
    if pending.action_id == actions.NOTE_CONFIRM:
        return f"Still waiting: add your note to ticket #{ticket}? (yes / no)"
    if pending.action_id == actions.UPDATE_FIXED:
        return f"Still waiting: did the fix on ticket #{ticket} work? (yes / no)"
    return "Something is still waiting for your yes or no."


def settle(work: Work, before: PendingAction | None) -> None:
    """After an operation: bring a queued action forward when the current one is done, or
    remind the person of the one still waiting when the answer was about something else."""
    if work.pending is None and work.queued:
        waiting = work.queued.pop(0)
        work.pending = waiting
        if waiting.action_id == actions.CREATE_CONFIRM:
            draft = draft_from(waiting)
            work.say(
                Reply(
                    f"Your other draft is still waiting: “{draft.title}” (priority "
                    f"{draft.priority.value}). Create it too? (yes / no)",
                    card=draft_card(draft, key_of(waiting)),
                )
            )
        else:
            work.say(Reply(waiting_line(waiting)))
        return
    if (
        work.pending is not None
        and work.pending == before
        and work.replies
        and not any(r.card is not None and r.card.kind in CONFIRMATION_CARDS for r in work.replies)
        and not all(r.ephemeral for r in work.replies)
    ):
        last = work.replies[-1]
        work.replies[-1] = Reply(
            f"{last.text}\n({waiting_line(work.pending)})",
            card=last.card,
            ephemeral=last.ephemeral,
            replaces_source=last.replaces_source,
        )
