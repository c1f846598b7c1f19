"""What a person can ask the bot: one vocabulary of typed operations.

Three translators turn what arrives into one of these (:mod:`core.translate`: the command
grammar, the classifier's reading with the dialogue state, a card action); one registry
(:mod:`core.handlers`) maps each type to the handler that carries it out. An operation declares
whether it changes a ticket (``writes``); its rate-limit cost follows from that alone
(:func:`core.ratelimit.operation_cost`).

A ticket ``ref`` of ``None`` means "the one we are talking about": the handler resolves it
against the ticket in focus, the person's only open ticket, or asks which one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.tickets import Priority, TicketDraft, TicketRef


class Operation:
    """Base of every operation. ``writes``: it changes a ticket now (costs a write);
    ``free``: it costs nothing at all (an extra click on something already done)."""

    writes: ClassVar[bool] = False
    free: ClassVar[bool] = False


# -- tickets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposeTicket(Operation):
    """Show a draft and wait for yes / no (a draft is a read; its confirmation writes)."""

    draft: TicketDraft
    intro: str = "I can open this ticket for you:"
    priority_reason: str | None = None
    replaces: str | None = None  # the waiting action this draft takes the place of


@dataclass(frozen=True)
class CreateTicket(Operation):
    """File ``draft`` now. ``draft_id``: the draft being confirmed (claimed once, so a second
    click never files twice); ``in_place``: the answer replaces the card that was clicked."""

    writes: ClassVar[bool] = True
    draft: TicketDraft
    draft_id: str | None = None
    in_place: bool = False


@dataclass(frozen=True)
class ShowStatus(Operation):
    """``words``: the ticket named by its subject ("what about the phone one?")."""

    ref: TicketRef | None = None
    in_place: bool = False
    words: str = ""


@dataclass(frozen=True)
class AddNote(Operation):
    writes: ClassVar[bool] = True
    ref: TicketRef | None
    text: str
    in_place: bool = False
    request_id: str | None = None  # the confirmation it answers ("add it as a note?")


@dataclass(frozen=True)
class ProposeNote(Operation):
    """A follow-up that probably belongs on ``ref``: ask before adding it."""

    ref: TicketRef
    text: str


@dataclass(frozen=True)
class ListTickets(Operation):
    pass


@dataclass(frozen=True)
class RequestClose(Operation):
    """Ask before closing. ``ref`` None: pick by ``words`` ("the iPhone one"), else the focus."""

    ref: TicketRef | None = None
    words: str = ""


@dataclass(frozen=True)
class CloseTicket(Operation):
    writes: ClassVar[bool] = True
    ref: TicketRef
    request_id: str | None = None
    in_place: bool = False


@dataclass(frozen=True)
class Reopen(Operation):
    """Put a closed ticket back to an open status, with a note saying why (also the "No,
    reopen" answer to a resolved ticket's "Did this fix it?")."""

    writes: ClassVar[bool] = True
    ref: TicketRef | None
    reason: str = ""
    in_place: bool = False


@dataclass(frozen=True)
class RequestPriority(Operation):
    """Ask before changing a ticket's priority (``None``: one level up, "escalate it")."""

    ref: TicketRef | None
    priority: Priority | None


@dataclass(frozen=True)
class ChangePriority(Operation):
    """``technician``: a technician's change from a triage card, made at once through the
    technicians' desk (in their name; anyone else is refused)."""

    writes: ClassVar[bool] = True
    ref: TicketRef
    priority: Priority
    request_id: str | None = None
    in_place: bool = False
    technician: bool = False


# -- technicians (core/handlers/technicians.py; only for a chat user the desk knows as one) ----


@dataclass(frozen=True)
class TakeTicket(Operation):
    """ "I'll take 48213": assign the ticket to the technician asking. A ticket someone else
    holds is not taken over without asking, unless ``take_over`` (the person said so: "assign
    48213 to me", the "Take it over" button) or ``shown`` names that holder (the card clicked
    showed them: the person saw whose it was)."""

    writes: ClassVar[bool] = True
    ref: TicketRef
    in_place: bool = False
    shown: str | None = None  # the assignee the clicked card showed ("": nobody; None: no card)
    take_over: bool = False


@dataclass(frozen=True)
class AssignTicket(Operation):
    """ "give 48213 to Jordan": ``assignee`` as the person wrote it (name, e-mail or id)."""

    writes: ClassVar[bool] = True
    ref: TicketRef
    assignee: str
    in_place: bool = False
    shown: str | None = None  # the assignee the clicked card showed: asks if it changed since


@dataclass(frozen=True)
class SetTicketStatus(Operation):
    """ "put 48213 on waiting customer": ``status`` is a label of the desk's active statuses."""

    writes: ClassVar[bool] = True
    ref: TicketRef
    status: str
    in_place: bool = False


@dataclass(frozen=True)
class TechnicianNote(Operation):
    """A technician's note: internal (never shown to the requester) unless ``internal`` is
    False ("/public", or the triage card's public-note button)."""

    writes: ClassVar[bool] = True
    ref: TicketRef
    text: str
    internal: bool = True
    request_id: str | None = None  # a triage card's note form: claimed once (double clicks)


@dataclass(frozen=True)
class MyTickets(Operation):
    """ "ticket mine": open tickets assigned to the technician asking."""


@dataclass(frozen=True)
class QueueTickets(Operation):
    """ "ticket queue [name]": unassigned open tickets in a queue (``None``: every queue)."""

    name: str | None = None


# -- updates about a ticket (core/handlers/updates.py) ----------------------------------------


@dataclass(frozen=True)
class ConfirmFixed(Operation):
    """ "Yes, it's fixed" to a resolved ticket's "Did this fix it?": it stays (or is) closed,
    and a rating is offered."""

    writes: ClassVar[bool] = True
    ref: TicketRef
    in_place: bool = False


@dataclass(frozen=True)
class RateTicket(Operation):
    """The requester's 1-5 rating of the help on a ticket (stored for ``ticketbot report``)."""

    ref: TicketRef
    rating: int


@dataclass(frozen=True)
class CommentRating(Operation):
    """A comment with the rating (stored, never sent to the ticket)."""

    ref: TicketRef
    text: str


@dataclass(frozen=True)
class MuteUpdates(Operation):
    """No more updates on ``ref`` (``None``: the ticket in focus) in the person's chat."""

    ref: TicketRef | None


@dataclass(frozen=True)
class UnmuteUpdates(Operation):
    ref: TicketRef | None


# -- the pending action -----------------------------------------------------------------------


@dataclass(frozen=True)
class EditPending(Operation):
    """Change the waiting draft ("make it critical", "call it …", extra detail) and show it."""

    title: str | None = None
    priority: Priority | None = None
    detail: str | None = None


@dataclass(frozen=True)
class CancelPending(Operation):
    """Drop the waiting action (or the one a card names: ``key`` is its draft or request id)."""

    key: str | None = None
    action_id: str | None = None  # which kind of confirmation a card's Cancel belonged to
    in_place: bool = False


@dataclass(frozen=True)
class NothingPending(Operation):
    """A bare yes / no with nothing waiting for one."""

    answer: str  # "yes" | "no"


@dataclass(frozen=True)
class ForgetChoice(Operation):
    """Stop waiting for "which ticket?" (answered, or the person moved on)."""

    free: ClassVar[bool] = True
    key: str


@dataclass(frozen=True)
class AlreadyDone(Operation):
    """An extra click on an action already carried out: costs nothing, changes nothing."""

    free: ClassVar[bool] = True
    text: str


# -- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerQuestion(Operation):
    text: str
    reply: str | None = None  # a classifier's grounded answer, shown as text


@dataclass(frozen=True)
class Help(Operation):
    reply: str | None = None


@dataclass(frozen=True)
class SmallTalk(Operation):
    text: str
    reply: str | None = None


@dataclass(frozen=True)
class AskForProblem(Operation):
    """ "New ticket" with nothing in it yet."""


@dataclass(frozen=True)
class Explain(Operation):
    """Say something and do nothing: a malformed command, a button that no longer works,
    "did you mean …"."""

    text: str


@dataclass(frozen=True)
class Several(Operation):
    """More than one request in one message: each is carried out, in order."""

    steps: tuple[Operation, ...]
