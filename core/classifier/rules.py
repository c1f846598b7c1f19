"""The offline classifier: deterministic word cues, no network, no model.

How a message is read, in order:

1. Nothing to read: ``help``. A ``ticket ...`` command: its verb.
2. Only greetings, thanks or goodbyes: ``smalltalk``. Only a request for help with the bot
   itself ("what can you do?"): ``help``.
3. A ticket reference in the message: one of ``ticket_status`` (a progress question),
   ``close_ticket`` (an instruction to close, not negated) or ``add_note`` (new information),
   by weighted cues.
4. Otherwise weighted cues for ``list_tickets``, a status question about "my ticket",
   ``close_ticket`` ("close it"), ``add_note`` ("add a note: ..."), ``question`` (how do I /
   where can I / what's your / do you) and ``create_ticket`` (problem statements and requests).

Where a status, close or note names no ticket ("any update on it?"), the newest reference in the
recent history is used.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from core.classifier import followups as fu
from core.classifier import lexicon as lx
from core.classifier.drafting import draft_title, note_text
from core.classifier.priority import assess_priority
from core.classifier.refs import RefMatch, find_ticket_refs, first_ticket_ref
from core.classifier.text import ANALYSIS_LIMIT, clean, for_cues
from core.commands import Command, is_command, parse_command
from core.intents import Classification, Intent, LlmUsage
from core.ports import Turn
from core.tickets import Priority, TicketRef

_log = logging.getLogger(__name__)

SOURCE = "rules"
HISTORY_TURNS = 6
# Pleasantries and questions about the bot are short; longer messages skip those checks.
SHORT_MESSAGE = 300
_NO_USAGE = LlmUsage()

_WORD_RE = re.compile(r"[^\W_]+")
_CLAUSE_RE = re.compile(r"[,.;!?]\s+|\s[-\u2013\u2014]\s")
_ADDRESSING_WORDS = frozenset(
    re.findall(
        r"\w+",
        "ticket tkt case request incident note add a an the to on for re regarding about my please "
        "update of number no id fyi just adding info more t",
    )
)
_NOTE_NO_REF_LEAD_RE = re.compile(
    r"^\s*(?:please\s+)?(?:(?:add|append|put|post|leave|attach)\s+(?:a\s+|this\s+|the following\s+"
    r"|an?\s+)?(?:note|comment|remark|update)(?:\s+(?:to|on|for)\s+(?:my|the|that|this)\s+"
    r"(?:ticket|request|case))?|(?:add|append|mention)\s+(?:to|on)\s+(?:my|the|that|this)\s+"
    r"(?:ticket|request|case)(?:\s+that)?|note|comment)\s*[:,\-\u2013\u2014]?\s*",
    re.IGNORECASE,
)

_COMMAND_INTENTS = {
    "status": Intent.TICKET_STATUS,
    "new": Intent.CREATE_TICKET,
    "note": Intent.ADD_NOTE,
    "list": Intent.LIST_TICKETS,
    "close": Intent.CLOSE_TICKET,
    "reopen": Intent.REOPEN_TICKET,
    "priority": Intent.CHANGE_PRIORITY,
    "help": Intent.HELP,
}


class RuleClassifier:
    """:class:`core.ports.Classifier` from word cues; the default when no LLM is configured.

    Deterministic and cheap (well under a millisecond for a typical message); it only reads
    the first few thousand characters of a message and never raises.
    """

    def classify(self, text: str, history: Sequence[Turn] = ()) -> Classification:
        """Read ``text`` (``history`` oldest first) into an intent and its entities."""
        try:
            return self._classify(text if isinstance(text, str) else str(text), history)
        except Exception:
            # A bug here must not cost the person their message: answer as a question, which
            # the core turns into "I don't know, shall I open a ticket?".
            _log.exception("rule classifier failed on a %d-character message", len(str(text)))
            return Classification(Intent.QUESTION, source=SOURCE, usage=_NO_USAGE)

    def _classify(self, text: str, history: Sequence[Turn]) -> Classification:
        cleaned = clean(text[:ANALYSIS_LIMIT])
        low = for_cues(cleaned)
        if not low:
            return _result(Intent.HELP)
        if not _WORD_RE.search(low):
            return _result(Intent.HELP if "?" in low else Intent.SMALLTALK)
        if is_command(cleaned.strip()):
            command = parse_command(clean(text).strip())
            if isinstance(command, Command) and command.verb in _COMMAND_INTENTS:
                return _from_command(command)
        if len(low) <= SHORT_MESSAGE:
            if _is_smalltalk(low):
                return _result(Intent.SMALLTALK)
            if _is_help(low):
                return _result(Intent.HELP)

        split = _second_request(cleaned)
        if split is not None:
            first_end, second_start = split
            first = self._read_one(text[:first_end], history)
            second = self._read_one(text[second_start:], history)
            if _is_separate_request(first, second, for_cues(cleaned[second_start:])):
                return replace(first, remainder=text[second_start:].strip())
        return self._read_one(text, history)

    def _read_one(self, text: str, history: Sequence[Turn]) -> Classification:
        cleaned = clean(text[:ANALYSIS_LIMIT])
        low = for_cues(cleaned)
        ref = first_ticket_ref(cleaned)
        if ref is not None:
            return _with_reference(text, low, ref)
        return _without_reference(text, low, history)


# A second request in the same message: "... and also ...", "...? Also, ...", ", and my ...".
_SECOND_REQUEST_RE = re.compile(
    r"(?:[.?!;,]\s*|\s+and\s+|[.?!;,]\s*and\s+)(?:also|as well|another thing|separately"
    r"|unrelated(?: to that)?|by the way|btw|oh and|plus)\b[\s,:;-]*"
    r"|,\s*and\s+(?=(?:my|our|the|can|could|i|i'm|i've|we|please|any)\b)",
    re.IGNORECASE,
)
# What a second request may be: something the bot acts on, not a remark or a question.
_ACTIONABLE = frozenset(
    {
        Intent.CREATE_TICKET,
        Intent.TICKET_STATUS,
        Intent.CLOSE_TICKET,
        Intent.LIST_TICKETS,
        Intent.REOPEN_TICKET,
        Intent.CHANGE_PRIORITY,
    }
)


# Words that make a second part more about the same ticket: "the screen now flickers too".
_MORE_OF_THE_SAME_RE = re.compile(r"\b(?:now|still|again|too|as well|it also|also it)\b")


def _second_request(cleaned: str) -> tuple[int, int] | None:
    """Where the first request ends and a second begins, when a joining word says so."""
    head = cleaned[:ANALYSIS_LIMIT]
    match = _SECOND_REQUEST_RE.search(head)
    if match is None or match.start() < 3 or len(head) - match.end() < 3:
        return None
    return match.start(), match.end()


def _is_separate_request(first: Classification, second: Classification, second_low: str) -> bool:
    """Two different things asked for: a ticket operation and a new problem, or operations on
    two tickets. Two problem statements are one report; notes keep their own words whole; "now
    it also beeps" after a ticket is more about that ticket."""
    if first.intent not in _ACTIONABLE or second.intent not in _ACTIONABLE:
        return False
    if (
        first.ticket is not None
        and second.ticket is None
        and _MORE_OF_THE_SAME_RE.search(second_low)
    ):
        return False
    if first.intent is Intent.CREATE_TICKET and second.intent is Intent.CREATE_TICKET:
        return _different_things(first.description or "", second_low)
    if first.intent is second.intent:
        return first.ticket is not None and second.ticket not in (None, first.ticket)
    return True


# What one computer has several of at once: its screen and its sound are one device's symptoms.
_PARTS_OF_ONE_DEVICE = frozenset(
    """screen display sound audio volume battery fan picture image video mic microphone
    speaker speakers""".split()  # noqa: SIM905
)
_POINTS_BACK_RE = re.compile(r"^\W*(?:it|its|it's|this|that|they|these|those|same)\b")


def _different_things(first: str, second_low: str) -> bool:
    """Two problem reports in one message are two tickets only when each names its own device
    ("my mouse is dead and also the printer on 3 jams"); "the screen flickers and also the
    sound crackles" is one report with two symptoms."""
    if _POINTS_BACK_RE.match(second_low):
        return False
    named_first = set(lx.IT_NOUN_RE.findall(for_cues(clean(first)))) - _PARTS_OF_ONE_DEVICE
    named_second = set(lx.IT_NOUN_RE.findall(second_low)) - _PARTS_OF_ONE_DEVICE
    return bool(named_first and named_second) and not named_first & named_second


def _result(
    intent: Intent,
    *,
    ticket: TicketRef | None = None,
    title: str | None = None,
    description: str | None = None,
    priority: Priority | None = None,
    priority_reason: str | None = None,
) -> Classification:
    return Classification(
        intent,
        ticket=ticket,
        title=title,
        description=description,
        priority=priority,
        source=SOURCE,
        usage=_NO_USAGE,
        priority_reason=priority_reason,
    )


def _new_ticket(text: str, *, priority: Priority | None = None) -> Classification:
    """A problem report: a title drafted from ``text``, its words whole, its priority weighed
    (unless the person named one)."""
    reading = assess_priority(for_cues(clean(text[:ANALYSIS_LIMIT])))
    return _result(
        Intent.CREATE_TICKET,
        title=draft_title(text),
        description=text,
        priority=priority or reading.level,
        priority_reason=f"You asked for {priority.value} priority." if priority else reading.reason,
    )


def _from_command(command: Command) -> Classification:
    intent = _COMMAND_INTENTS[command.verb]
    if intent is Intent.CREATE_TICKET:
        return _new_ticket(command.text, priority=command.priority)
    if intent is Intent.ADD_NOTE:
        return _result(intent, ticket=command.ref, description=command.text)
    if intent is Intent.CHANGE_PRIORITY:
        return _result(intent, ticket=command.ref, priority=command.priority)
    return _result(intent, ticket=command.ref)


def _is_smalltalk(low: str) -> bool:
    if not lx.SMALLTALK_PHRASE_RE.search(low):
        return False
    rest = lx.SMALLTALK_PHRASE_RE.sub(" ", lx.EMOTICON_RE.sub(" ", low))
    rest = lx.SMALLTALK_FILLER_RE.sub(" ", rest)
    return not _WORD_RE.search(rest)


def _is_help(low: str) -> bool:
    """Only a question about the bot itself, possibly after a short lead-in ("I'm new here,
    what can you do?"), never a problem report that asks for help."""
    core = lx.COURTESY_EDGE_RE.sub("", low).strip()
    if lx.HELP_WHOLE_RE.search(core):
        return True
    clauses = _CLAUSE_RE.split(core)
    return (
        len(clauses) > 1
        and bool(lx.HELP_WHOLE_RE.search(lx.COURTESY_EDGE_RE.sub("", clauses[-1]).strip()))
        and lx.score(lx.CREATE_CUES, core) < 3.0
    )


# A question asked in the middle of a message: "ticket 4821 - when is the engineer coming? ..."
_QUESTION_SENTENCE_RE = re.compile(
    r"(?:^|[.!?:;,\u2013\u2014-]\s*)(?:when|what|who|how|is|are|has|have|did|will|can|could|where"
    r"|why|any)\b[^.!?]{0,80}\?"
)


def _is_question_form(low: str) -> bool:
    return bool(lx.QUESTION_START_RE.match(low)) or low.rstrip(" .!").endswith("?")


def _with_reference(original: str, low: str, ref: RefMatch) -> Classification:
    if fu.asks_to_reopen(low, has_ref=True):
        return _result(Intent.REOPEN_TICKET, ticket=ref.ref)
    level = fu.requested_priority(low, has_ref=True)
    if level is not None:
        return _result(Intent.CHANGE_PRIORITY, ticket=ref.ref, priority=level)
    if fu.foreign_status_question(low, has_ref=True):
        return _result(Intent.TICKET_STATUS, ticket=ref.ref)
    question_form = _is_question_form(low) or bool(_QUESTION_SENTENCE_RE.search(low))
    close = lx.score(lx.CLOSE_WITH_REF, low)
    status = lx.score(lx.STATUS_WITH_REF, low)
    note = lx.score(lx.NOTE_WITH_REF, low)
    if question_form:
        status += 2.0 + lx.score(lx.STATUS_QUESTION_WITH_REF, low)
    elif _content_words(low) >= 2:
        note += 2.0
    if status >= 3.0 and "?" in low:
        status += 2.0  # a progress question beside new information: answer the question
    if lx.CLOSE_NEGATED_RE.search(low):
        close = 0.0
        note += 2.0
    # A polite "can you close 48213?" is still an instruction.
    if close >= 4.0 and question_form and re.search(r"\b(?:can|could|would|will) you\b", low):
        close += 2.0

    if close >= 4.0 and close > status and close > note:
        return _result(Intent.CLOSE_TICKET, ticket=ref.ref)
    if note > status:
        return _result(Intent.ADD_NOTE, ticket=ref.ref, description=note_text(original, ref))
    return _result(Intent.TICKET_STATUS, ticket=ref.ref)


def _content_words(low: str) -> int:
    words = [w for w in _WORD_RE.findall(low) if not w.isdigit()]
    return sum(1 for w in words if w not in _ADDRESSING_WORDS and not re.fullmatch(r"t\d+", w))


def _without_reference(original: str, low: str, history: Sequence[Turn]) -> Classification:
    question_form = _is_question_form(low)
    create = lx.score(lx.CREATE_CUES, low)
    if fu.asks_to_reopen(low, has_ref=False):
        return _result(Intent.REOPEN_TICKET, ticket=_ref_from_history(low, history))
    level = fu.requested_priority(low, has_ref=False)
    if level is not None and (create < 3.0 or fu.names_a_ticket(low)):
        return _result(
            Intent.CHANGE_PRIORITY, ticket=_ref_from_history(low, history), priority=level
        )
    if fu.adds_to_the_last_ticket(low) and not question_form:
        focus = _ref_from_history(low, history, any_length=True)
        if focus is not None:
            return _result(Intent.ADD_NOTE, ticket=focus, description=original.strip())
    if fu.short_status_question(low) or fu.foreign_status_question(low, has_ref=False):
        return _result(Intent.TICKET_STATUS, ticket=_ref_from_history(low, history))
    question = lx.score(lx.QUESTION_CUES, low)
    listing = lx.score(lx.LIST_CUES, low)
    status = lx.score(lx.STATUS_NO_REF, low)
    close = lx.score(lx.CLOSE_NO_REF, low)
    note = lx.score(lx.NOTE_NO_REF, low)

    if question_form:
        question += 1.5
        if lx.COMPLAINT_QUESTION_RE.search(low) and (create >= 2.0 or lx.IT_NOUN_RE.search(low)):
            create += 2.0
            question -= 2.0
        if lx.OUTAGE_QUESTION_RE.search(low):
            create += 4.0
        if lx.REQUEST_QUESTION_RE.search(low):
            create += 3.0
            question -= 4.0
    elif lx.IT_NOUN_RE.search(low):
        create += 1.5
    if lx.RESOLVED_STATE_RE.search(low) and create < 3.0 and close < 4.0:
        return _result(Intent.SMALLTALK)

    ranked = [
        (listing if listing >= 4.0 else 0.0, Intent.LIST_TICKETS),
        (close if close >= 4.0 else 0.0, Intent.CLOSE_TICKET),
        (note if note >= 5.0 else 0.0, Intent.ADD_NOTE),
        (status if status >= 3.0 else 0.0, Intent.TICKET_STATUS),
        (create, Intent.CREATE_TICKET),
        (question, Intent.QUESTION),
    ]
    best_score, intent = max(ranked, key=lambda pair: pair[0])  # first of equals wins
    if best_score < 2.0:
        intent = _default_intent(low, question_form)

    if intent is Intent.CREATE_TICKET:
        return _new_ticket(original)
    if intent in (Intent.TICKET_STATUS, Intent.CLOSE_TICKET, Intent.ADD_NOTE):
        ticket = _ref_from_history(low, history)
        if intent is Intent.ADD_NOTE:
            body = _NOTE_NO_REF_LEAD_RE.sub("", original, count=1).strip() or original.strip()
            return _result(intent, ticket=ticket, description=body)
        return _result(intent, ticket=ticket)
    return _result(intent)


def _default_intent(low: str, question_form: bool) -> Intent:
    """No cue is strong: a question reads as one; thanks and greetings around something
    unknown are smalltalk; a statement about an IT thing, or a longer one, is a problem report;
    anything else is treated as a question (answered from the knowledge base, which offers a
    ticket when it knows nothing)."""
    if question_form:
        return Intent.QUESTION
    if lx.COURTESY_RE.search(low) and not lx.IT_NOUN_RE.search(low):
        return Intent.SMALLTALK  # "that was quick, thank you!"
    if lx.IT_NOUN_RE.search(low) or len(_WORD_RE.findall(low)) >= 5:
        return Intent.CREATE_TICKET
    return Intent.QUESTION


def _ref_from_history(
    low: str, history: Sequence[Turn], *, any_length: bool = False
) -> TicketRef | None:
    if not history:
        return None
    if not (any_length or lx.ANAPHORA_RE.search(low) or len(_WORD_RE.findall(low)) <= 6):
        return None
    for turn in list(history)[-HISTORY_TURNS:][::-1]:
        found = find_ticket_refs(clean(turn.text[:ANALYSIS_LIMIT]))
        if not found:
            continue
        # "T20251104.0031 (#10001)" names one ticket twice; "#10001 and #10002" is a choice the
        # person has to make, so the core asks which one.
        ids = {m.ref for m in found if m.ref.kind == "id"}
        numbers = {m.ref for m in found if m.ref.kind == "number"}
        if len(ids) > 1 or len(numbers) > 1:
            return None
        return found[0].ref
    return None
