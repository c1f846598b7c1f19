"""Handlers for drafts and the pending action: propose, create, edit, cancel."""

from __future__ import annotations

import dataclasses
import logging
import uuid

from core import actions
from core import attachments as files_
from core.cards import draft_card, draft_values, ticket_card
from core.errors import BackendUnavailable, TicketingError
from core.handlers.pending import consume, draft_from, key_of, offer
from core.handlers.registry import Work, handles
from core.messages import AttachmentRef, Reply
from core.operations import (
    AlreadyDone,
    AskForProblem,
    CancelPending,
    CreateTicket,
    EditPending,
    NothingPending,
    ProposeTicket,
)
from core.ports import PendingAction
from core.tickets import TicketDraft

log = logging.getLogger(__name__)

_CANCELLED = {
    actions.CREATE_CONFIRM: "OK, I won't open a ticket. Tell me if anything else comes up.",
    actions.CLOSE_CONFIRM: "OK, the ticket stays open.",
    actions.PRIORITY_CONFIRM: "OK, the priority stays as it is.",
    actions.NOTE_CONFIRM: "OK, I won't add it.",
}


def _show_draft(
    work: Work,
    draft: TicketDraft,
    intro: str,
    *,
    reason: str | None,
    replaces: str | None,
    files: tuple[AttachmentRef, ...] = (),
) -> None:
    draft_id = uuid.uuid4().hex
    values = {**draft_values(draft, draft_id), **files_.to_pending(files)}  # never on the card
    if reason:
        values[actions.PRIORITY_REASON] = reason
    if replaces:
        values[actions.SUPERSEDES] = replaces
    offer(work, PendingAction(actions.CREATE_CONFIRM, values), replaces=replaces)
    work.say(
        Reply(
            f"{intro} “{draft.title}” (priority {draft.priority.value}). Create it? (yes / no)",
            card=draft_card(draft, draft_id, priority_reason=reason),
        )
    )
    if files:
        work.files_used = True
        work.say(Reply(files_.draft_note(files)))


@handles(ProposeTicket)
def propose_ticket(op: ProposeTicket, work: Work) -> None:
    waiting = work.pending
    intro = op.intro
    if op.replaces is None and waiting is not None and waiting.action_id == actions.CREATE_CONFIRM:
        earlier = waiting.values.get(actions.INPUT_TITLE, "")
        if any(r.card is not None and r.card.kind == "draft" for r in work.replies):
            # Both problems came in this one message: the first is asked about first.
            intro = f"And the other problem as its own ticket, once “{earlier}” is answered:"
        else:
            intro = (
                "That sounds like a separate problem, so I've drafted it on its own (your draft "
                f"“{earlier}” still waits after this one):"
            )
    _show_draft(
        work, op.draft, intro, reason=op.priority_reason, replaces=op.replaces, files=work.files
    )


@handles(CreateTicket)
def create_ticket(op: CreateTicket, work: Work) -> None:
    claim = f"draft:{op.draft_id}" if op.draft_id else None
    if claim is not None and not work.claim(claim):
        work.say(Reply("That ticket was already created.", ephemeral=True))
        return
    # The local desk files in one transaction with its key: no request of it can linger.
    remote = work.ticketing.name != "local"
    attempt = f"create:{op.draft.idempotency_key}" if remote and op.draft.idempotency_key else None
    draft = _noting_attempt(work, op.draft, attempt)
    try:
        ticket = work.ticketing.create(draft, work.user)
    except TicketingError as exc:
        if claim is not None:
            work.release(claim)  # nothing was filed: let them try again
        if attempt is not None and not isinstance(exc, BackendUnavailable):
            work.release(attempt)  # refused outright; an outage may have left it in flight
        raise
    # The files kept with the confirmed draft; a direct `ticket new` brings its own.
    files = work.files if op.draft_id is None else ()
    if op.draft_id:
        confirmed = consume(work, op.draft_id)
        files = files_.from_pending(confirmed.values) if confirmed is not None else ()
    log.info(
        "ticket created backend=%s id=%s number=%s", work.ticketing.name, ticket.id, ticket.number
    )
    work.focus = str(ticket.id)
    work.filed(ticket)
    work.say(
        Reply(
            f"Created ticket {ticket.number} (#{ticket.id}): “{ticket.title}”. "
            "A technician will pick it up; you can ask me about it any time.",
            card=ticket_card(ticket),
            replaces_source=op.in_place,
        )
    )
    work.attach(ticket.ref, ticket.number, files)


def _noting_attempt(work: Work, draft: TicketDraft, attempt: str | None) -> TicketDraft:
    """Record when this create is attempted, just before it is sent; on a retake, the draft
    carries when the unfinished attempt began (its request may still be in flight, and a
    ticket it files shows up only once it lands)."""
    if attempt is None:
        return draft
    earlier = work.store.recorded_outcome(attempt) if work.retake else None
    if earlier is not None and earlier.claimed_at is not None:
        log.info("create retaken: an earlier attempt began at %s", earlier.claimed_at.isoformat())
        return dataclasses.replace(draft, attempted_at=earlier.claimed_at)
    if not work.claim(attempt):  # left by an earlier event's failed try: this one is now
        work.release(attempt)
        work.claim(attempt)
    return draft


@handles(EditPending)
def edit_pending(op: EditPending, work: Work) -> None:
    waiting = work.pending
    if waiting is None or waiting.action_id != actions.CREATE_CONFIRM:
        work.say(
            Reply("There's no draft waiting to change. Tell me what's wrong and I'll draft one.")
        )
        return
    draft = draft_from(waiting)
    values = dict(waiting.values)
    reason = values.get(actions.PRIORITY_REASON) or None
    if op.title:
        draft = TicketDraft(op.title[:100], draft.description, draft.priority)
    if op.priority:
        draft = TicketDraft(draft.title, draft.description, op.priority)
        reason = f"You asked for {op.priority.value} priority."
    if op.detail:
        draft = TicketDraft(
            draft.title, f"{draft.description}\n{op.detail}".strip(), draft.priority
        )
    files = (*files_.from_pending(waiting.values), *work.files)
    _show_draft(
        work, draft, "Updated the draft:", reason=reason, replaces=key_of(waiting), files=files
    )


@handles(CancelPending)
def cancel_pending(op: CancelPending, work: Work) -> None:
    key = op.key if op.key is not None else (key_of(work.pending) if work.pending else None)
    dropped = consume(work, key) if key is not None else None
    action_id = dropped.action_id if dropped is not None else op.action_id
    text = _CANCELLED.get(action_id or "", "OK, cancelled.")
    work.say(Reply(text, replaces_source=op.in_place))


@handles(NothingPending)
def nothing_pending(op: NothingPending, work: Work) -> None:
    if op.answer == "yes":
        text = (
            "There's nothing waiting for a yes right now: no draft or confirmation is open. "
            "Tell me what you need, or type “ticket list” to see your open tickets."
        )
    else:
        text = "OK. There's nothing waiting to cancel right now."
    work.say(Reply(text))


@handles(AlreadyDone)
def already_done(op: AlreadyDone, work: Work) -> None:
    work.say(Reply(op.text, ephemeral=True))


@handles(AskForProblem)
def ask_for_problem(op: AskForProblem, work: Work) -> None:
    work.say(Reply("Sure. What's the problem? Describe it in a sentence or two."))
