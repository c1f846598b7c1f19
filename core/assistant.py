"""The conversation loop: dedupe → translate → admit → handle → remember.

:meth:`Assistant.handle` is the core's one entry point. Every adapter (Slack, Teams, terminal)
turns what arrives into an :class:`~core.messages.InboundMessage` or
:class:`~core.messages.ActionInvoked`, calls it, and renders the :class:`~core.messages.Reply`
list it gets back. What to do is decided by a translator (:mod:`core.translate`), what it costs
by the operation (:func:`core.ratelimit.operation_cost`), and how it is done by the operation's
handler (:mod:`core.handlers`).

One event is one unit of work (:meth:`ConversationStore.unit_of_work`): one query reads what
is recorded for the event, the dialogue state, the recent history and the person's rate
bucket; one transaction at the end records the event's claim with its answer, the turns, the
dialogue state and the bookkeeping (audit entries, rate charges, tracking). An operation that
changes a ticket claims the event first, in a commit of its own, so that a concurrent
delivery never writes twice; a read is claimed with its answer, and a concurrent delivery
that loses that race keeps nothing and answers nothing.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import actions
from core import attachments as files_
from core.audit_trail import AuditedTechnicianDesk, AuditedTicketing, AuditTrail
from core.context import bind_event
from core.errors import NotATechnician, TicketingError, TicketNotFound, UnknownChoice
from core.handlers import Work, run, settle
from core.intents import Classification, LlmUsage
from core.messages import ActionInvoked, ConversationRef, Event, InboundMessage, Reply, UserRef
from core.operations import (
    AlreadyDone,
    AnswerQuestion,
    AskForProblem,
    CancelPending,
    EditPending,
    Explain,
    ForgetChoice,
    Help,
    ListTickets,
    MyTickets,
    NothingPending,
    Operation,
    ProposeNote,
    ProposeTicket,
    QueueTickets,
    RequestClose,
    RequestPriority,
    Several,
    ShowStatus,
    SmallTalk,
)
from core.ports import (
    AttachmentStore,
    AuditLog,
    Bucket,
    Classifier,
    ConversationStore,
    DialogueState,
    EventObserver,
    EventStart,
    HandledEvent,
    KnowledgeBase,
    PendingAction,
    RateLimiter,
    RatePolicy,
    TechnicianDesk,
    TicketFollowUps,
    TicketingSystem,
    TriageBoard,
    Turn,
)
from core.ratelimit import RateLimited, UserGate, backend_key, operation_cost, user_key
from core.text import sanitize
from core.tickets import Ticket
from core.translate import Asker, Translation, asker_of, translate_action, translate_message

log = logging.getLogger(__name__)

# Given an event's answer inside its unit of work (see :meth:`Assistant.handle`).
OnAnswer = Callable[[list[Reply]], None]

SORRY = (
    "Sorry, something went wrong on my side. Your message is saved; please try again in a moment."
)
# After something was already done (a ticket filed, say): what is above stands; never "try again".
AFTER_DONE = (
    "Something went wrong on my side after that, but what I said above is done: "
    "there's no need to send it again."
)
# Backend errors that are the answer to what the person asked, logged without a warning.
_ANSWERS = (TicketNotFound, NotATechnician, UnknownChoice)
EMPTY = "I didn't get any text there. Tell me what's wrong, or type “help” to see what I can do."

# Without a limiter nothing is charged; the costs only need to exist.
_UNLIMITED = RatePolicy(user=Bucket(1.0, 1.0), backend=Bucket(1.0, 1.0))

# Operations whose every effect is the answer, the dialogue state and bookkeeping the unit of
# work writes with the event's record: claimed with their answer, at the end. Anything else
# (a ticket write, a rating, a mute, an operation added later) claims the event before it acts.
_RECORDED_AT_THE_END: tuple[type[Operation], ...] = (
    AlreadyDone,
    AnswerQuestion,
    AskForProblem,
    CancelPending,
    EditPending,
    Explain,
    ForgetChoice,
    Help,
    ListTickets,
    MyTickets,
    NothingPending,
    ProposeNote,
    ProposeTicket,
    QueueTickets,
    RequestClose,
    RequestPriority,
    ShowStatus,
    SmallTalk,
)


def claims_first(operation: Operation) -> bool:
    """Whether ``operation`` must claim its event (committed) before it acts."""
    if isinstance(operation, Several):
        return any(claims_first(step) for step in operation.steps)
    return operation.writes or not isinstance(operation, _RECORDED_AT_THE_END)


@dataclass
class _Outcome:
    """What handling one event produced, for the reply and the stored turns."""

    replies: list[Reply] = field(default_factory=list)
    intent: str | None = None
    usage: LlmUsage | None = None
    status: str = "ok"  # ok | rate_limited | backend_error | error | duplicate

    def say(self, reply: Reply) -> _Outcome:
        self.replies.append(reply)
        return self


class Assistant:
    """The help desk conversation, independent of any chat platform."""

    def __init__(
        self,
        *,
        store: ConversationStore,
        ticketing: TicketingSystem,
        classifier: Classifier,
        knowledge: KnowledgeBase,
        clock: Callable[[], datetime],
        history_turns: int = 20,
        max_message_chars: int = 8000,
        rate_limiter: RateLimiter | None = None,
        audit: AuditLog | None = None,
        observer: EventObserver | None = None,
        attachments: AttachmentStore | None = None,
        updates: TicketFollowUps | None = None,
        technicians: TechnicianDesk | None = None,
        board: TriageBoard | None = None,
    ) -> None:
        self.store = store
        self.classifier = classifier
        self.knowledge = knowledge
        self.clock = clock
        self.history_turns = history_turns
        self.max_message_chars = max_message_chars
        self._gate = UserGate(rate_limiter, clock) if rate_limiter is not None else None
        self._trail = AuditTrail(audit, clock) if audit is not None else None
        self.ticketing: TicketingSystem = (
            AuditedTicketing(ticketing, self._trail) if self._trail is not None else ticketing
        )
        self.observer = observer
        self.attachments = attachments  # files that came with messages, until attached
        self.updates = updates  # mutes and ratings of ticket updates (None: no updates)
        self.technicians: TechnicianDesk | None = (  # technicians' tools (None: none)
            AuditedTechnicianDesk(technicians, self._trail)
            if technicians is not None and self._trail is not None
            else technicians
        )
        self.board = board  # the triage channel's cards (None: no triage channel)

    def handle(
        self, event: Event, *, retake: bool = False, on_answer: OnAnswer | None = None
    ) -> list[Reply]:
        """Answer one event. A redelivered ``event_id`` returns ``[]`` and changes nothing.

        ``retake``: the inbox hands the event out again (the worker that had it died). An
        event that finished answers what it answered then; one that never finished runs
        again, its writes idempotent (a create finds its ticket by the idempotency key, a note
        already there is not added twice).

        ``on_answer`` is called with the answer inside the event's unit of work, before it is
        recorded (and again, should the answer change, before the unit closes): a write it
        holds in the unit (the inbox's "done") is made in the same transaction."""
        started = time.perf_counter()
        with bind_event(event):
            outcome = self._handle(event, retake, on_answer)
            self._report(event, outcome, time.perf_counter() - started)
        return outcome.replies

    def _handle(self, event: Event, retake: bool, on_answer: OnAnswer | None) -> _Outcome:
        with self.store.unit_of_work():
            outcome = self._handle_unit(event, retake, on_answer)
            if on_answer is not None:
                on_answer(outcome.replies)  # the last word: a duplicate found late says nothing
            return outcome

    def _handle_unit(self, event: Event, retake: bool, on_answer: OnAnswer | None) -> _Outcome:
        now = self.clock()
        start = self.store.start_event(
            event.event_id,
            event.conversation,
            history=self.history_turns,
            buckets=self._buckets(event.user),
        )
        recorded = start.recorded
        if recorded is not None and retake and recorded.replies is not None:
            log.info("retaken event answered as before event_id=%s", event.event_id)
            return _Outcome(replies=recorded.replies, intent="duplicate", status="duplicate")
        if recorded is not None and not retake:
            log.info("duplicate event dropped event_id=%s", event.event_id)
            return _Outcome(intent="duplicate", status="duplicate")
        if recorded is not None:
            log.warning("event retaken after an unfinished attempt event_id=%s", event.event_id)
        claimed = recorded is not None  # an unfinished attempt claimed it already
        before = start.dialogue
        work = self._work(before, event, retake=recorded is not None)
        outcome = _Outcome(replies=work.replies)
        try:
            asker = asker_of(event, self.technicians, self.board)
            work.in_triage = asker.thread_ticket is not None or (
                isinstance(event, ActionInvoked) and event.action_id in actions.TRIAGE_ACTIONS
            )
            translation = self._translate(event, before, start.history, outcome, asker)
            outcome.intent = translation.label
            self._admit(event.user, operation_cost(translation.operation, self._policy))
            if not claimed and claims_first(translation.operation):
                if not self.store.claim_event(event.event_id, now):
                    log.info("duplicate event dropped event_id=%s", event.event_id)
                    return _Outcome(intent="duplicate", status="duplicate")
                claimed = True
            run(translation.operation, work)
            if work.files and not work.files_used and _has_words(event):
                work.say(Reply(files_.unused_note(work.files)))  # named, never dropped silently
            settle(work, before.pending)
        except RateLimited as exc:
            self._refuse(exc, event, outcome)
            # A refused request changes nothing: a "yes" refused now still works later.
            work = self._work(before, event)
        except TicketingError as exc:
            # A ticket that does not exist (or is not theirs), a refusal to a non-technician and
            # a choice that is not there are answers, not failures.
            log.log(
                logging.INFO if isinstance(exc, _ANSWERS) else logging.WARNING,
                "ticketing failed backend=%s event_id=%s: %s",
                self.ticketing.name,
                event.event_id,
                exc.detail,
            )
            outcome.status = "backend_error"
            outcome.say(Reply(exc.user_message))
        except Exception:
            log.exception("unexpected failure event_id=%s", event.event_id)
            outcome.status = "error"
            # What was already said reports work that was done: keep it, never "try again".
            outcome.replies = (
                [*outcome.replies, Reply(AFTER_DONE)] if outcome.replies else [Reply(SORRY)]
            )
        if on_answer is not None:
            on_answer(outcome.replies)
        if not self._remember(event, start, before, work.dialogue, outcome, claimed=claimed):
            log.info("duplicate event dropped after the work event_id=%s", event.event_id)
            return _Outcome(intent="duplicate", status="duplicate")
        return outcome

    def _buckets(self, user: UserRef) -> tuple[str, ...]:
        """The rate buckets an event may charge, read with its first query."""
        if self._gate is None:
            return (backend_key(self.ticketing.name),)
        return (user_key(user), backend_key(self.ticketing.name))

    def _work(self, state: DialogueState, event: Event, *, retake: bool = False) -> Work:
        return Work.starting(
            state,
            event_id=event.event_id,
            retake=retake,
            ticketing=self.ticketing,
            knowledge=self.knowledge,
            store=self.store,
            clock=self.clock,
            user=event.user,
            files=event.attachments if isinstance(event, InboundMessage) else (),
            attachments=self.attachments,
            updates=self.updates,
            desk=self.technicians,
            board=self.board,
        )

    # -- translate --------------------------------------------------------------------------

    def _translate(
        self,
        event: Event,
        state: DialogueState,
        history: list[Turn],
        outcome: _Outcome,
        asker: Asker,
    ) -> Translation:
        if isinstance(event, ActionInvoked):
            return translate_action(
                event.action_id,
                event.values,
                state,
                event_id=event.event_id,
                was_claimed=lambda key: self.store.was_claimed(key, except_by=event.event_id),
                asker=asker,
            )
        text = sanitize(event.text)
        if not text and event.attachments:
            return Translation(Explain(files_.files_only_text(event.attachments)), None)
        if not text:
            return Translation(Explain(EMPTY), None)
        if len(text) > self.max_message_chars:
            log.warning(
                "message too long event_id=%s chars=%d limit=%d",
                event.event_id,
                len(text),
                self.max_message_chars,
            )
            return Translation(
                Explain(
                    f"That message is very long ({len(text):,} characters) and I can take at "
                    f"most {self.max_message_chars:,}. I've kept it in our conversation; please "
                    "send a shorter summary and I'll take it from there."
                ),
                None,
            )

        def classify(words: str) -> Classification:
            # A look before classifying, so a limited person costs no LLM call.
            self._admit(event.user, self._policy.read_cost, consume=False)
            context = list(history)
            if state.focus:
                # The ticket in focus, as the newest context line: a language model (and the
                # offline reader's look back for "it") then resolve "it" to the same ticket.
                context.append(
                    Turn("assistant", f"(ticket in focus: #{state.focus})", self.clock())
                )
            reading = self.classifier.classify(words, context)
            outcome.usage = reading.usage
            if self._trail is not None:
                self._trail.llm_call(reading.usage)
            return reading

        return translate_message(
            text,
            state,
            classify,
            event_id=event.event_id,
            was_claimed=lambda key: self.store.was_claimed(key, except_by=event.event_id),
            asker=asker,
        )

    # -- read queries for adapters ----------------------------------------------------------

    def open_tickets(self, user: UserRef, limit: int = 10) -> list[Ticket]:
        """The person's open tickets (Slack's App Home): rate-limited, logged and observed like
        every request. Raises :class:`~core.errors.TicketingError` when unavailable."""
        started = time.perf_counter()
        status = "ok"
        try:
            self._admit(user, self._policy.read_cost)
            return self.ticketing.list_open(user, limit)
        except RateLimited:
            status = "rate_limited"
            raise
        except TicketingError:
            status = "backend_error"
            raise
        finally:
            self._report_query(user.platform, "query:open_tickets", status, started)

    def pending_action(self, conversation: ConversationRef) -> PendingAction | None:
        """The confirmation ``conversation`` is waiting for, with its full values."""
        started = time.perf_counter()
        state = self.store.open_conversation(conversation, self.clock())
        self._report_query(conversation.platform, "query:pending", "ok", started)
        return state.pending

    def _report_query(self, platform: str, intent: str, status: str, started: float) -> None:
        seconds = time.perf_counter() - started
        log.info(
            "query handled",
            extra={
                "platform": platform,
                "intent": intent,
                "outcome": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        if self.observer is not None:
            try:
                self.observer.event_handled(HandledEvent(platform, intent, status, 0, seconds))
            except Exception:
                log.exception("event observer failed intent=%s", intent)

    # -- limits, audit and reporting --------------------------------------------------------

    @property
    def _policy(self) -> RatePolicy:
        return self._gate.policy if self._gate is not None else _UNLIMITED

    def _admit(self, user: UserRef, cost: float, *, consume: bool = True) -> None:
        """Take ``cost`` from the person's bucket, or raise :class:`RateLimited`."""
        if self._gate is not None and cost > 0:
            self._gate.admit(user, cost, consume=consume)

    def _refuse(self, exc: RateLimited, event: Event, outcome: _Outcome) -> None:
        log.info("rate limited event_id=%s: %s", event.event_id, exc.detail)
        if self._trail is not None:
            self._trail.rate_limited(exc)
        outcome.intent = "rate_limited"
        outcome.status = "rate_limited"
        outcome.replies = [Reply(exc.user_message)]

    def _report(self, event: Event, outcome: _Outcome, seconds: float) -> None:
        """The one log line per event, and the observer (metrics)."""
        summary = HandledEvent(
            platform=event.user.platform,
            intent=outcome.intent or "none",
            outcome=outcome.status,
            replies=len(outcome.replies),
            seconds=seconds,
        )
        log.info(
            "event handled",
            extra={
                "event_id": event.event_id,
                "platform": summary.platform,
                "intent": summary.intent,
                "outcome": summary.outcome,
                "replies": summary.replies,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        if self.observer is not None:
            try:
                self.observer.event_handled(summary)
            except Exception:
                log.exception("event observer failed event_id=%s", event.event_id)

    # -- bookkeeping ------------------------------------------------------------------------

    def _remember(
        self,
        event: Event,
        start: EventStart,
        before: DialogueState,
        after: DialogueState,
        outcome: _Outcome,
        *,
        claimed: bool,
    ) -> bool:
        """Record the event with its turns and state; False when a concurrent delivery of it
        was recorded first (this one's answer is then dropped)."""
        now = self.clock()
        if isinstance(event, InboundMessage):
            said = event.text + files_.turn_suffix(event.attachments)
        else:
            said = f"[{event.action_id}] {json.dumps(dict(event.values), ensure_ascii=False)}"
        turns = [Turn("user", said, now, intent=outcome.intent, usage=outcome.usage)]
        # Replies a moment later, so the order survives identical timestamps.
        later = now + timedelta(microseconds=1)
        turns.extend(Turn("assistant", reply.text, later) for reply in outcome.replies)
        try:
            # The outcome with the turns, in one transaction: a retake answers the same.
            return self.store.finish_event(
                start,
                event.conversation,
                event.event_id,
                now,
                turns,
                outcome.replies,
                dialogue=after if after != before else None,
                claimed=claimed,
            )
        except Exception:
            # The work is done and the answer says what happened; only the record is missing.
            log.exception("history not stored event_id=%s", event.event_id)
            return True


def _has_words(event: Event) -> bool:
    """Whether a message said anything (files alone get their own question instead)."""
    return isinstance(event, InboundMessage) and bool(sanitize(event.text))
