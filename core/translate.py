"""The three translators: a command, a message read with the dialogue state, a card action —
each becomes one :mod:`core.operations` value.

Each translator is a table (verb → builder, intent → builder, action id → builder): a new
operation adds lines to the tables that need it, never a branch to a chain.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core import actions
from core import technician_words as tech
from core.classifier.drafting import draft_title
from core.commands import VERBS, Command, CommandError, is_command, parse_command
from core.dialogue import (
    adds_detail,
    asks_focus_status,
    asks_to_close_it,
    bare_answer,
    best_match,
    close_by_description,
    escalation,
    fixed_answer,
    follow_up,
    makes_it,
    mute_request,
    priority_edit,
    priority_request,
    reopen_reason,
    reopen_request,
    same_subject,
    says_no,
    says_yes,
    split_second_request,
    stated_priority,
    status_by_description,
    title_edit,
    withdraws,
)
from core.handlers import technicians
from core.intents import Classification, Intent
from core.messages import Event, InboundMessage
from core.operations import (
    AddNote,
    AlreadyDone,
    AnswerQuestion,
    AskForProblem,
    AssignTicket,
    CancelPending,
    ChangePriority,
    CloseTicket,
    CommentRating,
    ConfirmFixed,
    CreateTicket,
    EditPending,
    Explain,
    ForgetChoice,
    Help,
    ListTickets,
    MuteUpdates,
    MyTickets,
    NothingPending,
    Operation,
    ProposeNote,
    ProposeTicket,
    QueueTickets,
    RateTicket,
    Reopen,
    RequestClose,
    RequestPriority,
    SetTicketStatus,
    Several,
    ShowStatus,
    SmallTalk,
    TakeTicket,
    TechnicianNote,
    UnmuteUpdates,
)
from core.ports import DialogueState, PendingAction, TechnicianDesk, TriageBoard
from core.text import sanitize
from core.tickets import STATUS_COMPLETE, Priority, TicketDraft, TicketRef

REOPEN_INTENT = Intent.REOPEN_TICKET.value
PRIORITY_INTENT = Intent.CHANGE_PRIORITY.value

log = logging.getLogger(__name__)

BROKEN_BUTTON = "Sorry, that button doesn't work any more. Type “help”."


@dataclass(frozen=True)
class Translation:
    """An operation and the label stored with the person's turn (``create_ticket``,
    ``confirm``, ``command:list``, ``action:ticket.refresh`` …)."""

    operation: Operation
    label: str | None
    reading: Classification | None = None


def _nobody() -> bool:
    return False


@dataclass(frozen=True)
class Asker:
    """What a translator may need to know about the person and where they wrote: whether they
    are a technician (asked only when a reading depends on it: "my tickets" is their assigned
    tickets) and the ticket whose triage thread the message is in (a technician's reply there
    is a note on it)."""

    technician: Callable[[], bool] = _nobody
    thread_ticket: int | None = None


ANYONE = Asker()


def asker_of(event: Event, desk: TechnicianDesk | None, board: TriageBoard | None) -> Asker:
    """The :class:`Asker` of ``event``: the technician check runs at most once, and only when
    asked; the triage thread is looked up only where there is a board (and a failing board
    only costs the thread: the message is read as any other)."""
    checked: list[bool] = []

    def technician() -> bool:
        if not checked:
            checked.append(technicians.is_technician(desk, event.user))
        return checked[0]

    thread: int | None = None
    if board is not None and isinstance(event, InboundMessage):
        try:
            thread = board.ticket_of_thread(event.conversation)
        except Exception:
            log.exception("triage board could not say whose thread event_id=%s", event.event_id)
    return Asker(technician, thread)


def key_for(event_id: str) -> str:
    """A stable idempotency key for a create caused by one event (redeliveries match)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ticketbot:{event_id}").hex


# -- 1. the command grammar -------------------------------------------------------------------

CommandBuilder = Callable[[Command, str], Operation]


def _ref(command: Command) -> TicketRef:
    assert command.ref is not None  # the grammar guarantees it for these verbs
    return command.ref


_COMMANDS: dict[str, CommandBuilder] = {
    "help": lambda c, _: Help(),
    "list": lambda c, _: ListTickets(),
    "new": lambda c, event_id: CreateTicket(
        TicketDraft(
            title=draft_title(c.text),
            description=c.text,
            priority=c.priority or Priority.MEDIUM,
            idempotency_key=key_for(event_id),
        )
    ),
    "status": lambda c, _: SetTicketStatus(_ref(c), c.text) if c.text else ShowStatus(_ref(c)),
    "note": lambda c, _: (
        AddNote(_ref(c), c.text)
        if c.internal is None
        else TechnicianNote(_ref(c), c.text, internal=c.internal)
    ),
    "close": lambda c, _: RequestClose(_ref(c)),
    "reopen": lambda c, _: Reopen(_ref(c), c.text),
    "priority": lambda c, _: RequestPriority(_ref(c), c.priority or Priority.MEDIUM),
    "mute": lambda c, _: MuteUpdates(_ref(c)),
    "unmute": lambda c, _: UnmuteUpdates(_ref(c)),
    "take": lambda c, _: TakeTicket(_ref(c)),
    # "assign 48213 me" says outright to take it, from whoever has it.
    "assign": lambda c, _: (
        TakeTicket(_ref(c), take_over=True) if tech.is_me(c.text) else AssignTicket(_ref(c), c.text)
    ),
    "mine": lambda c, _: MyTickets(),
    "queue": lambda c, _: QueueTickets(c.text or None),
}
assert set(_COMMANDS) == set(VERBS), "every verb of the grammar has a builder"


def translate_command(parsed: Command | CommandError, event_id: str) -> Translation:
    if isinstance(parsed, CommandError):
        return Translation(Explain(f"{parsed.message}\nUsage: {parsed.usage}"), "command_error")
    return Translation(_COMMANDS[parsed.verb](parsed, event_id), f"command:{parsed.verb}")


# -- 2. a message, read with the dialogue state ------------------------------------------------

Classify = Callable[[str], Classification]


def translate_message(
    text: str,
    state: DialogueState,
    classify: Classify,
    *,
    event_id: str,
    was_claimed: Callable[[str], bool],
    asker: Asker = ANYONE,
) -> Translation:
    """``text`` is sanitised and non-empty. Commands first; then a technician's reply in a
    triage thread, and technicians' requests by ticket number; then the short replies that only
    make sense in this dialogue; then the classifier's reading, completed with the state."""
    if is_command(text):
        return translate_command(parse_command(text), event_id)
    answers = state.pending is not None and (says_yes(text) or says_no(text))
    if asker.thread_ticket is not None and not answers and asker.technician():
        note, internal = tech.thread_note(text)
        thread = TicketRef("id", str(asker.thread_ticket))
        return Translation(
            TechnicianNote(thread, note, internal=internal), "technician:thread_note"
        )
    technician = _technician_words(text, asker)
    if technician is not None:
        return technician
    muting = mute_request(text)
    if muting is not None:
        ref, muted = muting
        return Translation(MuteUpdates(ref) if muted else UnmuteUpdates(ref), "updates:mute")
    pending = state.pending
    if pending is not None and pending.action_id == actions.CHOOSE_TICKET:
        return _answer_to_which(text, pending, state, classify, event_id, was_claimed, asker)
    if pending is not None and pending.action_id == actions.UPDATE_FIXED:
        return _answer_to_fixed(text, pending, state, classify, event_id, was_claimed, asker)
    if pending is not None:
        if says_yes(text):
            return Translation(
                _from_action(pending.action_id, pending.values, state, event_id, was_claimed),
                "confirm",
            )
        if says_no(text):
            cancel = _CANCEL_OF.get(pending.action_id)
            if cancel is None or (pending.action_id == actions.NOTE_CONFIRM and withdraws(text)):
                return Translation(CancelPending(), "cancel")
            operation = _from_action(cancel, pending.values, state, event_id, was_claimed)
            return Translation(operation, "cancel")
        if pending.action_id == actions.CREATE_CONFIRM:
            changed = _yes_with_a_change(text, pending.values)
            if changed is not None:
                operation = _from_action(pending.action_id, changed, state, event_id, was_claimed)
                return Translation(operation, "confirm")
            edit = _draft_edit(text, pending.values)
            if edit is not None:
                return Translation(edit, "edit")
    else:
        answer = bare_answer(text)
        if answer is None and withdraws(text) and len(text.split()) <= 4:
            answer = "no"  # "cancel", "never mind": nothing to withdraw, and a draft is no help
        if answer is not None:
            return Translation(NothingPending(answer), "confirm" if answer == "yes" else "cancel")
    reading = classify(text)
    if reading.source != "llm":
        # The offline reading is one message at a time: requests about "it" are read here,
        # with the dialogue state. A language model reads them with the history itself.
        about_focus = _about_focus(text)
        if about_focus is not None:
            return Translation(about_focus.operation, about_focus.label, reading)
    operation = _from_reading(reading, text, state)
    if isinstance(operation, ListTickets) and asker.technician():
        operation = MyTickets()  # a technician's "my tickets": the ones they work on
    remainder = _remainder(reading, text)
    if remainder and remainder != text:
        more = translate_message(
            remainder.strip(),
            state,
            classify,
            event_id=f"{event_id}:more",
            was_claimed=was_claimed,
            asker=asker,
        )
        operation = Several((operation, more.operation))
    return Translation(operation, reading.intent.value, reading)


def _technician_words(text: str, asker: Asker) -> Translation | None:
    """Technicians' requests by ticket number ("I'll take 48213", "give 48213 to Jordan",
    "put 48213 on waiting customer"), and "what's assigned to me" / "what's in the queue".
    They are rule-only (the language model's intents are the end users'): a message that names
    its ticket reads the same whoever reads it. Only where an end user means something else
    ("mark 48213 as done", "my assigned tickets", the queue) does the person's role decide."""
    taken = tech.take_request(text)
    if taken is not None:
        return Translation(TakeTicket(taken), "technician:take")
    assigned = tech.assign_request(text)
    if assigned is not None:
        ref, who = assigned
        operation: Operation = (
            TakeTicket(ref, take_over=True) if tech.is_me(who) else AssignTicket(ref, who)
        )
        return Translation(operation, "technician:assign")
    status = tech.status_request(text)
    if status is not None and not tech.closes(status[1]):
        return Translation(SetTicketStatus(*status), "technician:status")
    if status is not None and asker.technician():
        # "mark 48213 as done": the help desk's complete status.
        return Translation(SetTicketStatus(status[0], STATUS_COMPLETE), "technician:status")
    if tech.asks_assigned_to_me(text):
        if asker.technician():
            return Translation(MyTickets(), "technician:mine")
        return Translation(ListTickets(), Intent.LIST_TICKETS.value)
    queue = tech.queue_request(text)
    if queue is not None and asker.technician():
        return Translation(QueueTickets(queue[0]), "technician:queue")
    return None


_SPLIT_AFTER = frozenset(
    {Intent.TICKET_STATUS.value, Intent.LIST_TICKETS.value, Intent.CLOSE_TICKET.value}
)


def _remainder(reading: Classification, text: str) -> str | None:
    """A second request in the same message: as the classifier read it, else a plain
    "… and also …" after a request about a ticket (a language model may not split it)."""
    if reading.remainder and reading.remainder.strip():
        return reading.remainder.strip()
    parts = split_second_request(text) if reading.intent.value in _SPLIT_AFTER else None
    return parts[1] if parts else None


CHOICE_THEN, CHOICE_OPTIONS, CHOICE_REASON = (
    actions.CHOICE_THEN,
    actions.CHOICE_OPTIONS,
    actions.CHOICE_REASON,
)
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3}
_NUMBER_RE = re.compile(r"(?<![\w.])#?(T\d{8}\.\d{4}|\d{3,10})(?![\w.])", re.IGNORECASE)
_ORDINAL_RE = re.compile(r"\b(first|1st|second|2nd|third|3rd|fourth|last)\b", re.IGNORECASE)
MAX_CHOICE_WORDS = 6


def _answer_to_which(
    text: str,
    pending: PendingAction,
    state: DialogueState,
    classify: Classify,
    event_id: str,
    was_claimed: Callable[[str], bool],
    asker: Asker = ANYONE,
) -> Translation:
    """The reply to "which ticket?": a number, "the first one", "the printer one" — or, when
    it is none of those, a new request (and the question is dropped)."""
    values = pending.values
    forget = ForgetChoice(values.get(actions.REQUEST_ID, ""))
    then = values.get(CHOICE_THEN, "")
    ref: TicketRef | None = None
    number = _NUMBER_RE.search(text)
    ordinal = _ORDINAL_RE.search(text)
    options = [o for o in values.get(CHOICE_OPTIONS, "").split(",") if o]
    if number:
        ref = TicketRef.parse(number.group(1))
    elif ordinal and options:
        word = ordinal.group(1).casefold()
        index = -1 if word == "last" else _ORDINALS[word]
        ref = TicketRef.parse(options[index]) if index < len(options) else None
    if ref is None and options and len(text.split()) <= MAX_CHOICE_WORDS:
        titles = values.get(actions.CHOICE_TITLES, "").split("\n")
        match = best_match(text, titles)
        if match is not None and match < len(options):
            ref = TicketRef.parse(options[match])
    if ref is not None:
        chosen = _CHOSEN[then](ref, values) if then in _CHOSEN else ShowStatus(ref)
        return Translation(Several((forget, chosen)), "choose")
    return _moved_on(text, forget, state, classify, event_id, was_claimed, asker)


def _moved_on(
    text: str,
    forget: ForgetChoice,
    state: DialogueState,
    classify: Classify,
    event_id: str,
    was_claimed: Callable[[str], bool],
    asker: Asker = ANYONE,
) -> Translation:
    """Not an answer to the question waiting: the question is dropped and ``text`` read anew,
    against what waits next ("yes" to the draft the question was asked in front of), not
    against an empty dialogue."""
    following = state.queued[0] if state.queued else None
    moved_on = translate_message(
        text,
        DialogueState(following, state.queued[1:], state.focus),
        classify,
        event_id=event_id,
        was_claimed=was_claimed,
        asker=asker,
    )
    return Translation(Several((forget, moved_on.operation)), moved_on.label, moved_on.reading)


def _answer_to_fixed(
    text: str,
    pending: PendingAction,
    state: DialogueState,
    classify: Classify,
    event_id: str,
    was_claimed: Callable[[str], bool],
    asker: Asker = ANYONE,
) -> Translation:
    """The reply to a resolved ticket's "Did this fix it?": "yes" / "it's fixed" confirms;
    "no", "not fixed, it still jams" or news about it ("I restarted it and it's still slow")
    reopens it with those words. Anything else is read as a new message, and the question
    keeps waiting (its reminder follows the answer)."""
    ref = TicketRef.parse(pending.values.get(actions.TICKET, ""))
    answer = fixed_answer(text)
    if ref is not None and answer == "fixed":
        return Translation(ConfirmFixed(ref), "confirm")
    if ref is not None and (answer == "not fixed" or follow_up(text) is not None):
        return Translation(Reopen(ref, "" if says_no(text) else text), "cancel")
    return translate_message(
        text,
        DialogueState(None, state.queued, state.focus),
        classify,
        event_id=event_id,
        was_claimed=was_claimed,
        asker=asker,
    )


def _rate(click: _Click, ref: TicketRef) -> Operation:
    text = click.get("rating").strip()
    if text not in {"1", "2", "3", "4", "5"}:
        return Explain("Please pick a rating from 1 to 5.")
    return RateTicket(ref, int(text))


_CHOSEN: dict[str, Callable[[TicketRef, Mapping[str, str]], Operation]] = {
    "status": lambda ref, v: ShowStatus(ref),
    "close": lambda ref, v: RequestClose(ref),
    "note": lambda ref, v: AddNote(ref, v.get(actions.INPUT_NOTE, "")),
    "reopen": lambda ref, v: Reopen(ref, v.get(CHOICE_REASON, "")),
    "priority": lambda ref, v: RequestPriority(
        ref, Priority.parse(v.get(actions.INPUT_PRIORITY, ""))
    ),
}


_YES_BUT_RE = re.compile(
    r"^(?P<yes>[^,;:]{1,30}?)(?:[,;:]\s*|\s+)(?:but|and|just|only)\s+(?P<rest>.+)$"
)


def _yes_with_a_change(text: str, draft: Mapping[str, str]) -> dict[str, str] | None:
    """ "yes but make it high": the draft's values with the change, to be created at once."""
    match = _YES_BUT_RE.match(text.strip())
    if match is None or not says_yes(match["yes"]):
        return None
    edit = _draft_edit(match["rest"], draft)
    if edit is None or (edit.title is None and edit.priority is None):
        return None
    values = dict(draft)
    if edit.title:
        values[actions.INPUT_TITLE] = edit.title[:100]
    if edit.priority:
        values[actions.INPUT_PRIORITY] = edit.priority.value
    if edit.detail:
        values[actions.INPUT_DESCRIPTION] = (
            f"{values.get(actions.INPUT_DESCRIPTION, '')}\n{edit.detail}"
        )
    return values


_INTERJECTION_RE = re.compile(
    r"^\s*(?:(?:no|nah|wait|hold on|actually|oh|ah|hmm|um|sorry|oops|well|ok|okay)\b[,!.:;\s-]*)+",
    re.IGNORECASE,
)


def _draft_edit(text: str, draft: Mapping[str, str]) -> EditPending | None:
    """A reply that changes the waiting draft. Leading "no, wait, actually" only says the
    person is correcting something: "no wait, it's critical" edits, it does not refuse."""
    said = _INTERJECTION_RE.sub("", text) or text
    edit = _edit_of(said, draft)
    if edit is None and said != text:
        edit = _edit_of(text, draft)
    if edit is not None and edit.detail is not None:
        edit = EditPending(title=edit.title, priority=edit.priority, detail=said)
    return edit


def _edit_of(text: str, draft: Mapping[str, str]) -> EditPending | None:
    title = title_edit(text)
    if title:
        return EditPending(title=title)
    level = priority_edit(text)
    if level is not None:
        return EditPending(priority=level)
    level = makes_it(text)
    if level is not None:
        return EditPending(priority=level, detail=text)
    # "can we bump it to high?", "escalate it": a change for "it" is a change to the draft.
    wanted = priority_request(text)
    if wanted is not None and wanted[0] is None:
        return EditPending(priority=wanted[1])
    escalate = escalation(text)
    if escalate is not None and escalate[0] is None:
        current = Priority.parse(draft.get(actions.INPUT_PRIORITY, "")) or Priority.MEDIUM
        return EditPending(priority=_ONE_UP.get(current, current))
    about = f"{draft.get(actions.INPUT_TITLE, '')} {draft.get(actions.INPUT_DESCRIPTION, '')}"
    if text.strip().casefold() == draft.get(actions.INPUT_DESCRIPTION, "").strip().casefold():
        return EditPending()  # said again: show the same draft
    if adds_detail(text) or same_subject(text, about):
        # "it's for the CEO, treat it as critical": the detail and the priority it states.
        return EditPending(detail=text, priority=stated_priority(text))
    return None


_ONE_UP = {
    Priority.LOW: Priority.MEDIUM,
    Priority.MEDIUM: Priority.HIGH,
    Priority.HIGH: Priority.CRITICAL,
}


def _about_focus(text: str) -> Translation | None:
    """Requests that name "it" or one ticket in a way the classifier may not read: a status
    question about "it", a priority change, a reopen."""
    reopen = reopen_request(text)
    if reopen is not None:
        return Translation(Reopen(reopen[0], reopen_reason(text)), REOPEN_INTENT)
    wanted = priority_request(text)
    if wanted is not None:
        return Translation(RequestPriority(*wanted), PRIORITY_INTENT)
    escalate = escalation(text)
    if escalate is not None:
        return Translation(RequestPriority(escalate[0], None), PRIORITY_INTENT)
    if asks_focus_status(text):
        return Translation(ShowStatus(None), Intent.TICKET_STATUS.value)
    if close_by_description(text) or asks_to_close_it(text):
        return Translation(RequestClose(None, words=text), Intent.CLOSE_TICKET.value)
    if status_by_description(text):
        return Translation(ShowStatus(None, words=text), Intent.TICKET_STATUS.value)
    return None


ReadingBuilder = Callable[[Classification, str, DialogueState], Operation]


def _note_words(found: Classification, text: str) -> str:
    # Only the person's own words go into a note: a classifier's paraphrase does not.
    if found.description and found.description.strip() and found.description.strip() in text:
        return found.description.strip()
    return text


def _more_about_focus(found: Classification, text: str, state: DialogueState) -> Operation | None:
    """ "it's still down", "also …" right after a ticket was in focus: a note on it (or the
    offer of one), whether the message read as a report or as a question."""
    focus = TicketRef.parse(state.focus) if state.focus else None
    if focus is None or found.ticket is not None:
        return None
    kind = follow_up(text)
    if kind == "sure":
        return AddNote(focus, text)
    if kind == "maybe":
        return ProposeNote(focus, text)
    return None


def _question(found: Classification, text: str, state: DialogueState) -> Operation:
    if "?" not in text:
        more = _more_about_focus(found, text, state)
        if more is not None:
            return more
    return AnswerQuestion(text, found.reply if found.source == "llm" else None)


def _create(found: Classification, text: str, state: DialogueState) -> Operation:
    more = _more_about_focus(found, text, state)
    if more is not None:
        return more
    return ProposeTicket(
        TicketDraft(
            title=found.title or draft_title(text),
            description=text,  # the person's own words, whole
            priority=found.priority or Priority.MEDIUM,
        ),
        priority_reason=found.priority_reason,
    )


def _priority(found: Classification, text: str, state: DialogueState) -> Operation:
    level = found.priority or stated_priority(text)
    if level is None:
        return Explain("Which priority should it have: Low, Medium, High or Critical?")
    return RequestPriority(found.ticket, level)


_LISTED_REFS_RE = re.compile(
    r"(?:#|ticket\s*)?(T\d{8}\.\d{4}|\d{5,10})(?:\s*(?:,|and|&|\+|or)\s*(?:#|ticket\s*)?"
    r"(?:T\d{8}\.\d{4}|\d{5,10}))+",
    re.IGNORECASE,
)
_REF_IN_LIST_RE = re.compile(r"T\d{8}\.\d{4}|\d{5,10}", re.IGNORECASE)


def _each(
    found: Classification, text: str, make: Callable[[TicketRef | None], Operation]
) -> Operation:
    """One operation per ticket in "close 10001 and 10002" (the reading names the first)."""
    listed = _LISTED_REFS_RE.search(text)
    refs = [TicketRef.parse(r) for r in _REF_IN_LIST_RE.findall(listed.group(0))] if listed else []
    named = [r for r in dict.fromkeys(refs) if r is not None]
    if found.ticket is None or len(named) < 2 or found.ticket not in named:
        return make(found.ticket)
    return Several(tuple(make(ref) for ref in named))


_READINGS: dict[str, ReadingBuilder] = {
    Intent.CREATE_TICKET.value: _create,
    Intent.TICKET_STATUS.value: lambda f, t, s: _each(f, t, lambda ref: ShowStatus(ref)),
    Intent.ADD_NOTE.value: lambda f, t, s: AddNote(f.ticket, _note_words(f, t)),
    Intent.LIST_TICKETS.value: lambda f, t, s: ListTickets(),
    Intent.CLOSE_TICKET.value: lambda f, t, s: _each(f, t, lambda ref: RequestClose(ref, words=t)),
    Intent.QUESTION.value: _question,
    Intent.HELP.value: lambda f, t, s: Help(f.reply if f.source == "llm" else None),
    Intent.SMALLTALK.value: lambda f, t, s: SmallTalk(t, f.reply),
    REOPEN_INTENT: lambda f, t, s: Reopen(f.ticket, reopen_reason(t) or t),
    PRIORITY_INTENT: _priority,
}


def _from_reading(found: Classification, text: str, state: DialogueState) -> Operation:
    builder = _READINGS.get(found.intent.value, _READINGS[Intent.SMALLTALK.value])
    return builder(found, text, state)


# -- 3. a card action --------------------------------------------------------------------------

ActionBuilder = Callable[["_Click"], Operation]


@dataclass(frozen=True)
class _Click:
    values: Mapping[str, str]
    event_id: str
    in_place: bool
    was_claimed: Callable[[str], bool]
    state: DialogueState
    asker: Asker = ANYONE

    def ref(self) -> TicketRef | None:
        return TicketRef.parse(self.values.get(actions.TICKET, ""))

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def shown(self) -> str | None:
        """The assignee the clicked triage card showed ("": nobody), None if it did not say."""
        return self.values.get(actions.SHOWN_ASSIGNEE)

    def taking_over(self) -> bool:
        """The "Take it over?" question's button: its answer replaces the question."""
        return self.get(actions.TAKE_OVER) == "true"

    def waiting(self, key: str) -> bool:
        """Whether the confirmation ``key`` (a draft or request id) still waits for an answer."""
        return any(
            key in (p.values.get(actions.DRAFT_ID), p.values.get(actions.REQUEST_ID))
            for p in (self.state.pending, *self.state.queued)
            if p is not None
        )


def _with_ref(build: Callable[[_Click, TicketRef], Operation]) -> ActionBuilder:
    def checked(click: _Click) -> Operation:
        ref = click.ref()
        return build(click, ref) if ref is not None else Explain(BROKEN_BUTTON)

    return checked


def _create_confirm(click: _Click) -> Operation:
    draft_id = click.get(actions.DRAFT_ID)
    if draft_id and click.was_claimed(f"draft:{draft_id}"):
        return AlreadyDone("That ticket was already created.")
    pending = click.state.pending
    values = click.values
    if (
        draft_id
        and pending is not None
        and pending.values.get(actions.SUPERSEDES) == draft_id
        and pending.values.get(actions.DRAFT_ID)
    ):
        # A click on a draft the person changed in words since: the changed one is meant.
        values = pending.values
        draft_id = pending.values[actions.DRAFT_ID]
    title = sanitize(values.get(actions.INPUT_TITLE, ""))
    if not draft_id or not title:
        return Explain("The ticket needs a title. Please add one and try again.")
    description = values.get(actions.INPUT_DESCRIPTION, "") or title
    priority = Priority.parse(values.get(actions.INPUT_PRIORITY, "")) or Priority.MEDIUM
    draft = TicketDraft(title, description, priority, idempotency_key=draft_id)
    return CreateTicket(draft, draft_id=draft_id, in_place=click.in_place)


def _create_cancel(click: _Click) -> Operation:
    draft_id = click.get(actions.DRAFT_ID)
    if draft_id and click.was_claimed(f"draft:{draft_id}"):
        return AlreadyDone("That ticket was already created; it stays open.")
    if draft_id and not click.waiting(draft_id):
        return AlreadyDone("That draft was already dropped.")
    return CancelPending(
        key=draft_id or None, action_id=actions.CREATE_CONFIRM, in_place=click.in_place
    )


def _new_ticket(click: _Click) -> Operation:
    title = sanitize(click.get(actions.INPUT_TITLE))
    description = click.get(actions.INPUT_DESCRIPTION).strip()
    priority = Priority.parse(click.get(actions.INPUT_PRIORITY)) or Priority.MEDIUM
    if title:
        key = key_for(click.event_id)
        return CreateTicket(TicketDraft(title, description or title, priority, key))
    if description:
        return ProposeTicket(
            TicketDraft(draft_title(description), description, priority),
            intro="Here's a ticket drafted from that message:",
        )
    return AskForProblem()


def _confirmed(kind: str, click: _Click) -> Operation | None:
    request_id = click.get(actions.REQUEST_ID)
    if request_id and click.was_claimed(f"{kind}:{request_id}"):
        return AlreadyDone(f"That was already done ({kind}).")
    return None


def _close_confirm(click: _Click, ref: TicketRef) -> Operation:
    done = _confirmed("close", click)
    request_id = click.get(actions.REQUEST_ID) or None
    return done or CloseTicket(ref, request_id, in_place=click.in_place)


def _priority_confirm(click: _Click, ref: TicketRef) -> Operation:
    level = Priority.parse(click.get(actions.INPUT_PRIORITY))
    if level is None:
        return Explain(BROKEN_BUTTON)
    done = _confirmed("priority", click)
    request_id = click.get(actions.REQUEST_ID) or None
    return done or ChangePriority(ref, level, request_id, in_place=click.in_place)


def _cancel(action_id: str) -> ActionBuilder:
    def build(click: _Click) -> Operation:
        request_id = click.get(actions.REQUEST_ID)
        if request_id and not click.waiting(request_id):
            return AlreadyDone("That was already answered.")
        key = request_id or click.get(actions.TICKET) or None
        return CancelPending(key=key, action_id=action_id, in_place=click.in_place)

    return build


def _note_cancel(click: _Click) -> Operation:
    """Not about that ticket: offer the words as a new ticket instead, so nothing is lost."""
    text = click.get(actions.INPUT_NOTE)
    if not text.strip():
        return _cancel(actions.NOTE_CONFIRM)(click)
    return ProposeTicket(
        TicketDraft(draft_title(text), text),
        intro="OK, not on that ticket. Shall I open a new one instead?",
        replaces=click.get(actions.REQUEST_ID) or None,
    )


def _triage_priority(click: _Click, ref: TicketRef) -> Operation:
    level = Priority.parse(click.get(actions.INPUT_PRIORITY))
    if level is None:
        return Explain("Pick a priority: Low, Medium, High or Critical.")
    return ChangePriority(ref, level, technician=True)


def _triage_note(click: _Click, ref: TicketRef) -> Operation:
    request_id = click.get(actions.REQUEST_ID) or None
    if request_id and click.was_claimed(
        technicians.note_claim(request_id, click.get(actions.INPUT_NOTE))
    ):
        return AlreadyDone("That note was already added.")
    public = click.get(actions.PUBLIC).strip().casefold() in {"true", "1", "yes", "on"}
    return TechnicianNote(
        ref, click.get(actions.INPUT_NOTE), internal=not public, request_id=request_id
    )


_ACTIONS: dict[str, ActionBuilder] = {
    actions.CREATE_CONFIRM: _create_confirm,
    actions.CREATE_CANCEL: _create_cancel,
    actions.NEW_TICKET: _new_ticket,
    # "My tickets": a technician's are the ones they work on ("ticket list": the ones filed).
    actions.LIST_TICKETS: lambda click: MyTickets() if click.asker.technician() else ListTickets(),
    actions.REFRESH: _with_ref(lambda click, ref: ShowStatus(ref, in_place=True)),
    actions.ADD_NOTE: _with_ref(lambda click, ref: AddNote(ref, click.get(actions.INPUT_NOTE))),
    actions.CLOSE_REQUEST: _with_ref(lambda click, ref: RequestClose(ref)),
    actions.CLOSE_CONFIRM: _with_ref(_close_confirm),
    actions.CLOSE_CANCEL: _cancel(actions.CLOSE_CONFIRM),
    actions.PRIORITY_CONFIRM: _with_ref(_priority_confirm),
    actions.PRIORITY_CANCEL: _cancel(actions.PRIORITY_CONFIRM),
    actions.NOTE_CONFIRM: _with_ref(
        lambda click, ref: (
            _confirmed("note", click)
            or AddNote(
                ref,
                click.get(actions.INPUT_NOTE),
                in_place=click.in_place,
                request_id=click.get(actions.REQUEST_ID) or None,
            )
        )
    ),
    actions.NOTE_CANCEL: _note_cancel,
    actions.REOPEN: _with_ref(lambda click, ref: Reopen(ref)),
    actions.UPDATE_FIXED: _with_ref(lambda click, ref: ConfirmFixed(ref, in_place=click.in_place)),
    actions.UPDATE_REOPEN: _with_ref(
        lambda click, ref: Reopen(ref, click.get(actions.INPUT_NOTE), in_place=click.in_place)
    ),
    actions.UPDATE_RATE: _with_ref(_rate),
    actions.UPDATE_COMMENT: _with_ref(
        lambda click, ref: CommentRating(ref, click.get(actions.INPUT_NOTE))
    ),
    actions.UPDATE_MUTE: _with_ref(lambda click, ref: MuteUpdates(ref)),
    # Triage cards: the card is edited by the board, so no answer replaces it.
    actions.TRIAGE_TAKE: _with_ref(
        lambda click, ref: TakeTicket(ref, shown=click.shown(), in_place=click.taking_over())
    ),
    actions.TRIAGE_ASSIGN: _with_ref(
        lambda click, ref: AssignTicket(
            ref,
            click.get(actions.INPUT_ASSIGNEE),
            shown=click.shown(),
            in_place=click.taking_over(),
        )
    ),
    actions.TRIAGE_PRIORITY: _with_ref(_triage_priority),
    actions.TRIAGE_STATUS: _with_ref(
        lambda click, ref: SetTicketStatus(ref, click.get(actions.INPUT_STATUS))
    ),
    actions.TRIAGE_NOTE: _with_ref(_triage_note),
}
assert set(_ACTIONS) == set(actions.ALL_ACTIONS), "every card action has a builder"
# A typed "no" is the waiting confirmation's own cancel button.
_CANCEL_OF = {
    actions.CREATE_CONFIRM: actions.CREATE_CANCEL,
    actions.CLOSE_CONFIRM: actions.CLOSE_CANCEL,
    actions.PRIORITY_CONFIRM: actions.PRIORITY_CANCEL,
    actions.NOTE_CONFIRM: actions.NOTE_CANCEL,
}


def _from_action(
    action_id: str,
    values: Mapping[str, str],
    state: DialogueState,
    event_id: str,
    was_claimed: Callable[[str], bool],
    *,
    in_place: bool = False,
    asker: Asker = ANYONE,
) -> Operation:
    builder = _ACTIONS.get(action_id)
    if builder is None:
        return Explain(BROKEN_BUTTON)
    return builder(_Click(values, event_id, in_place, was_claimed, state, asker))


def filled(action_id: str, values: Mapping[str, str], state: DialogueState) -> dict[str, str]:
    """The click's values completed from the waiting action it answers (an adapter may not
    carry a long description, or may lose parts of a button's value, back to the core)."""
    known = dict(values)
    identity = [k for k in (actions.DRAFT_ID, actions.REQUEST_ID) if known.get(k)]
    for waiting in (state.pending, *state.queued):
        if waiting is None or not identity:
            continue
        if waiting.action_id != action_id and not action_id.startswith(
            waiting.action_id.rsplit(".", 1)[0]
        ):
            continue
        if all(waiting.values.get(k) == known[k] for k in identity):
            return {**waiting.values, **{k: v for k, v in known.items() if v}}
    return known


def translate_action(
    action_id: str,
    values: Mapping[str, str],
    state: DialogueState,
    *,
    event_id: str,
    was_claimed: Callable[[str], bool],
    asker: Asker = ANYONE,
) -> Translation:
    complete = filled(action_id, values, state)
    operation = _from_action(
        action_id, complete, state, event_id, was_claimed, in_place=True, asker=asker
    )
    return Translation(operation, f"action:{action_id}")
