"""Handlers of the answers to ticket updates: "it's fixed", a rating and its comment, mute and
unmute. ("No, reopen" is the core's :class:`~core.operations.Reopen`.) What they keep goes
through the :class:`~core.ports.TicketFollowUps` port on :class:`Work`."""

from __future__ import annotations

from core import actions
from core.handlers.pending import drop_question
from core.handlers.registry import Work, handles
from core.handlers.tickets import resolve
from core.messages import Reply
from core.operations import CommentRating, ConfirmFixed, MuteUpdates, RateTicket, UnmuteUpdates
from core.tickets import TicketRef
from core.updates.wording import rating_card

NOT_AVAILABLE = "Updates in the chat are not available with this help desk."
COMMENT_MAX = 3000


@handles(ConfirmFixed)
def confirm_fixed(op: ConfirmFixed, work: Work) -> None:
    ticket = work.ticketing.get(op.ref, work.user)  # also the authorization check
    drop_question(work, actions.UPDATE_FIXED, ticket.id)
    if not ticket.is_closed:
        ticket = work.ticketing.close(op.ref, work.user)
        work.changed(ticket.id)
    work.focus = str(ticket.id)
    if work.updates is not None:
        work.updates.confirmed(ticket.id, work.user)
    work.say(Reply(f"Great, ticket {ticket.number} stays closed.", replaces_source=op.in_place))
    work.say(Reply("One more thing, if you like:", card=rating_card(ticket)))


@handles(RateTicket)
def rate_ticket(op: RateTicket, work: Work) -> None:
    ticket = work.ticketing.get(op.ref, work.user)
    if work.updates is None:
        work.say(Reply(NOT_AVAILABLE))
        return
    work.updates.rate(ticket.id, work.user, rating=op.rating)
    work.say(Reply(f"Thanks for rating {ticket.number}: {op.rating} of 5."))


@handles(CommentRating)
def comment_rating(op: CommentRating, work: Work) -> None:
    comment = op.text.strip()
    if not comment:
        work.say(Reply("What would you like to tell us?"))
        return
    ticket = work.ticketing.get(op.ref, work.user)
    if work.updates is None:
        work.say(Reply(NOT_AVAILABLE))
        return
    work.updates.rate(ticket.id, work.user, comment=comment[:COMMENT_MAX])
    work.say(Reply("Thanks, your comment is with the help desk team."))


def _set_muted(ref: TicketRef | None, work: Work, *, muted: bool) -> None:
    verb = "stop" if muted else "resume"
    found = resolve(work, ref, f"Which ticket should I {verb} updates on?")
    if found is None:
        return
    ticket = work.ticketing.get(found, work.user)  # only their own tickets
    work.focus = str(ticket.id)
    if work.updates is None:
        work.say(Reply(NOT_AVAILABLE))
        return
    if not work.updates.set_muted(ticket.id, work.user, muted):
        work.say(Reply(f"I'm not sending you updates on {ticket.number}."))
    elif muted:
        work.say(
            Reply(
                f"OK, no more updates on {ticket.number}. "
                f"Type “ticket unmute {ticket.id}” to get them again."
            )
        )
    else:
        work.say(Reply(f"OK, I'll tell you again when {ticket.number} changes."))


@handles(MuteUpdates)
def mute_updates(op: MuteUpdates, work: Work) -> None:
    _set_muted(op.ref, work, muted=True)


@handles(UnmuteUpdates)
def unmute_updates(op: UnmuteUpdates, work: Work) -> None:
    _set_muted(op.ref, work, muted=False)
