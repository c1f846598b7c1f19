"""Action ids on the core's cards. Adapters send them back in :class:`ActionInvoked` unchanged.

Values each action carries (``ActionInvoked.values``):

- ``CREATE_CONFIRM``: ``draft_id``, ``title``, ``description``, ``priority`` (the inputs
  ``title`` and ``priority`` may have been edited by the person before submitting).
- ``CREATE_CANCEL``: ``draft_id``.
- ``CLOSE_REQUEST``: ``ticket`` (shows the close confirmation card).
- ``CLOSE_CONFIRM`` / ``CLOSE_CANCEL``: ``ticket`` and ``request_id`` (the confirmation asked).
- ``PRIORITY_CONFIRM`` / ``PRIORITY_CANCEL``: ``ticket``, ``priority``, ``request_id``.
- ``NOTE_CONFIRM`` / ``NOTE_CANCEL``: ``ticket``, ``note``, ``request_id`` (a follow-up the bot
  asked to add to a ticket; cancelling offers it as a new ticket instead).
- ``REOPEN``: ``ticket`` (on a closed ticket's card).
- ``ADD_NOTE``: ``ticket`` and the input ``note`` (the text the person typed).
- ``REFRESH``: ``ticket`` (the answer replaces the card it came from).
- ``NEW_TICKET``: optional ``title``, ``description``, ``priority`` (e.g. a modal or a message
  shortcut); creates at once when ``title`` is given, like ``ticket new``.
- ``LIST_TICKETS``: none.
- ``UPDATE_FIXED`` / ``UPDATE_REOPEN``: ``ticket`` (the answer to "Did this fix it?" on a
  resolved update; reopen also carries the input ``note``: what is still wrong).
- ``UPDATE_RATE``: ``ticket``, ``rating`` (1-5); ``UPDATE_COMMENT``: ``ticket`` and ``note``.
- ``UPDATE_MUTE``: ``ticket`` (no more updates on it in this conversation's person's chat).
- Triage cards (a technicians' channel; core/triage.py draws them): ``TRIAGE_TAKE``:
  ``ticket`` and ``shown_assignee`` (who the card showed as the assignee, "" for nobody: a
  ticket someone else took since is not taken over without asking); ``TRIAGE_ASSIGN``:
  ``ticket``, ``shown_assignee`` and the input ``assignee`` (a technician's id or name from the
  picker); ``TRIAGE_PRIORITY``: ``ticket`` and the input ``priority``;
  ``TRIAGE_STATUS``: ``ticket`` and the input ``status`` (a status label); ``TRIAGE_NOTE``:
  ``ticket``, the input ``note`` and ``public`` ("true" for a note the requester sees).
  Each answer replaces nothing in the channel: the card itself is edited by the triage board.

``ticket`` is a reference as :meth:`core.tickets.TicketRef.parse` reads it (``48213`` or
``T20251104.0031``).
"""

from __future__ import annotations

CREATE_CONFIRM = "ticket.create.confirm"
CREATE_CANCEL = "ticket.create.cancel"
CLOSE_REQUEST = "ticket.close.request"
CLOSE_CONFIRM = "ticket.close.confirm"
CLOSE_CANCEL = "ticket.close.cancel"
ADD_NOTE = "ticket.note.add"
REFRESH = "ticket.refresh"
NEW_TICKET = "ticket.new"
LIST_TICKETS = "ticket.list"
PRIORITY_CONFIRM = "ticket.priority.confirm"
PRIORITY_CANCEL = "ticket.priority.cancel"
NOTE_CONFIRM = "ticket.note.confirm"
NOTE_CANCEL = "ticket.note.cancel"
REOPEN = "ticket.reopen"
# Buttons on ticket updates (core/updates/wording.py draws the cards).
UPDATE_FIXED = "ticket.update.fixed"
UPDATE_REOPEN = "ticket.update.reopen"
UPDATE_RATE = "ticket.update.rate"
UPDATE_COMMENT = "ticket.update.comment"
UPDATE_MUTE = "ticket.update.mute"
# Buttons on triage cards in the technicians' channel.
TRIAGE_TAKE = "ticket.triage.take"
TRIAGE_ASSIGN = "ticket.triage.assign"
TRIAGE_PRIORITY = "ticket.triage.priority"
TRIAGE_STATUS = "ticket.triage.status"
TRIAGE_NOTE = "ticket.triage.note"

ALL_ACTIONS = frozenset(
    {
        CREATE_CONFIRM,
        CREATE_CANCEL,
        CLOSE_REQUEST,
        CLOSE_CONFIRM,
        CLOSE_CANCEL,
        ADD_NOTE,
        REFRESH,
        NEW_TICKET,
        LIST_TICKETS,
        PRIORITY_CONFIRM,
        PRIORITY_CANCEL,
        NOTE_CONFIRM,
        NOTE_CANCEL,
        REOPEN,
        UPDATE_FIXED,
        UPDATE_REOPEN,
        UPDATE_RATE,
        UPDATE_COMMENT,
        UPDATE_MUTE,
        TRIAGE_TAKE,
        TRIAGE_ASSIGN,
        TRIAGE_PRIORITY,
        TRIAGE_STATUS,
        TRIAGE_NOTE,
    }
)
# Not a button: the conversation waits for the person to say which ticket they meant. Its
# values: what to do then (status | note | close | reopen | priority), the ticket ids listed in
# order ("the first one"), and what the request carried (the note, the reason, the priority).
CHOOSE_TICKET = "ticket.choose"
CHOICE_THEN = "then"
CHOICE_OPTIONS = "options"
CHOICE_REASON = "reason"
CHOICE_TITLES = "titles"  # their titles, one a line, in the same order
# The triage card's own actions (a technician's change there is answered in one line).
TRIAGE_ACTIONS = frozenset(
    {TRIAGE_TAKE, TRIAGE_ASSIGN, TRIAGE_PRIORITY, TRIAGE_STATUS, TRIAGE_NOTE}
)
# Confirmations a typed "yes" answers, and what a typed "no" cancels.
CONFIRMATIONS = frozenset({CREATE_CONFIRM, CLOSE_CONFIRM, PRIORITY_CONFIRM, NOTE_CONFIRM})

# Input ids on cards (submitted values land in ActionInvoked.values under these keys).
INPUT_NOTE = "note"
INPUT_TITLE = "title"
INPUT_DESCRIPTION = "description"
INPUT_PRIORITY = "priority"
INPUT_ASSIGNEE = "assignee"
INPUT_STATUS = "status"
PUBLIC = "public"
SHOWN_ASSIGNEE = "shown_assignee"  # the assignee a triage card showed when it was drawn
TAKE_OVER = "take_over"  # "true": the "Take it over?" button (its answer replaces the question)
# Values that say which confirmation an action answers.
DRAFT_ID = "draft_id"
REQUEST_ID = "request_id"
TICKET = "ticket"
PRIORITY_REASON = "priority_reason"
SUPERSEDES = "supersedes"
