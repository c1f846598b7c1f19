"""The conversation loop: dedupe → history → classify → act → reply.

:meth:`Assistant.handle` is the core's one entry point. Every adapter (Slack, Teams, terminal)
turns what arrives into an :class:`~core.messages.InboundMessage` or
:class:`~core.messages.ActionInvoked`, calls it, and renders the :class:`~core.messages.Reply`
list it gets back.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import actions
from core.audit_trail import AuditedTicketing, AuditTrail
from core.cards import (
    close_confirm_card,
    draft_card,
    draft_values,
    help_card,
    ticket_card,
    ticket_list_card,
    ticket_summary,
)
from core.classifier.drafting import draft_title
from core.commands import Command, CommandError, is_command, parse_command
from core.context import bind_event
from core.errors import TicketingError, TicketNotFound
from core.intents import Classification, Intent, LlmUsage
from core.messages import ActionInvoked, Event, InboundMessage, Reply, UserRef
from core.ports import (
    AuditLog,
    Bucket,
    Classifier,
    ConversationStore,
    EventObserver,
    HandledEvent,
    KnowledgeBase,
    PendingAction,
    RateLimiter,
    RatePolicy,
    TicketingSystem,
    Turn,
)
from core.ratelimit import RateLimited, UserGate, action_cost, command_cost, intent_cost
from core.text import sanitize
from core.tickets import Priority, TicketDraft, TicketRef

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on my side. Your message is saved; please try again in a moment."
)
_YES_RE = re.compile(
    r"^(y|yes|yep|yeah|yup|sure|ok|okay|confirm|confirmed|create( it)?|close( it)?|do it|"
    r"go ahead|please do|correct|right|affirmative)[.! ]*(please)?[.!]*$",
    re.IGNORECASE,
)
_NO_RE = re.compile(
    r"^(n|no|nope|nah|cancel|stop|never ?mind|don'?t|do not|abort|no thanks|no,? thank you|"
    r"keep it( open)?|leave it)[.! ]*$",
    re.IGNORECASE,
)


# Without a limiter nothing is charged; the costs only need to exist.
_UNLIMITED = RatePolicy(user=Bucket(1.0, 1.0), backend=Bucket(1.0, 1.0))


@dataclass
class _Outcome:
    """What handling one event produced, for the reply and the stored turns."""

    replies: list[Reply] = field(default_factory=list)
    intent: str | None = None
    usage: LlmUsage | None = None
    pending: PendingAction | None = None
    keep_pending: bool = False
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
        # updates: buttons and commands of ticket updates (core/updates/actions.py); None = not
        # theirs. The lead re-hooks this into the operations rewrite.
        self.updates_hook: Callable[[Event], list[Reply] | None] | None = None

    def handle(self, event: Event) -> list[Reply]:
        """Answer one event. A redelivered ``event_id`` returns ``[]`` and changes nothing."""
        started = time.perf_counter()
        with bind_event(event):
            outcome = self._handle(event)
            self._report(event, outcome, time.perf_counter() - started)
        return outcome.replies

    def _handle(self, event: Event) -> _Outcome:
        now = self.clock()
        if not self.store.claim_event(event.event_id, now):
            log.info("duplicate event dropped event_id=%s", event.event_id)
            return _Outcome(intent="duplicate", status="duplicate")
        state = self.store.open_conversation(event.conversation, now)
        history = self.store.recent_turns(state.conversation_id, self.history_turns)
        outcome = _Outcome()
        try:
            extra = self.updates_hook(event) if self.updates_hook is not None else None  # updates:
            if extra is not None:  # updates:
                outcome.intent, outcome.replies = "updates", extra
            elif isinstance(event, InboundMessage):
                self._on_message(event, state.pending, history, outcome)
            else:
                self._on_action(event, state.pending, outcome)
        except RateLimited as exc:
            self._refuse(exc, event, outcome)
        except TicketingError as exc:
            # A ticket that does not exist (or is not theirs) is an answer, not a failure.
            log.log(
                logging.INFO if isinstance(exc, TicketNotFound) else logging.WARNING,
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
            outcome.replies = [Reply(SORRY)]
        finally:
            self._remember(event, state.conversation_id, state.pending, outcome)
        return outcome

    # -- messages ---------------------------------------------------------------------------

    def _on_message(
        self,
        event: InboundMessage,
        pending: PendingAction | None,
        history: list[Turn],
        outcome: _Outcome,
    ) -> None:
        text = sanitize(event.text)
        if not text:
            outcome.say(
                Reply(
                    "I didn't get any text there. Tell me what's wrong, or type “help” to "
                    "see what I can do."
                )
            )
            return
        if len(text) > self.max_message_chars:
            log.warning(
                "message too long event_id=%s chars=%d limit=%d",
                event.event_id,
                len(text),
                self.max_message_chars,
            )
            outcome.say(
                Reply(
                    f"That message is very long ({len(text):,} characters) and I can take at "
                    f"most {self.max_message_chars:,}. I've kept it in our conversation; please "
                    "send a shorter summary and I'll take it from there."
                )
            )
            return
        if pending is not None and _YES_RE.match(text):
            outcome.intent = "confirm"
            self._admit(event.user, action_cost(pending.action_id, pending.values, self._policy))
            self._run_action(pending.action_id, pending.values, event, outcome, typed=True)
            return
        if pending is not None and _NO_RE.match(text):
            outcome.intent = "cancel"
            self._admit(event.user, self._policy.read_cost)
            outcome.say(Reply(_cancel_text(pending.action_id)))
            return
        if is_command(text):
            command = parse_command(text)
            self._admit(event.user, command_cost(command, self._policy))
            self._on_command(command, event, outcome)
            return
        # A look before classifying, so a limited person costs no LLM call.
        self._admit(event.user, self._policy.read_cost, consume=False)
        classification = self.classifier.classify(text, history)
        outcome.intent = classification.intent.value
        outcome.usage = classification.usage
        if self._trail is not None:
            self._trail.llm_call(classification.usage)
        self._admit(event.user, intent_cost(classification, self._policy))
        self._on_intent(classification, text, event, outcome)

    def _on_command(
        self, command: Command | CommandError, event: InboundMessage, outcome: _Outcome
    ) -> None:
        if isinstance(command, CommandError):
            outcome.intent = "command_error"
            outcome.say(Reply(f"{command.message}\nUsage: {command.usage}"))
            return
        outcome.intent = f"command:{command.verb}"
        user = event.user
        if command.verb == "help":
            self._help(outcome)
        elif command.verb == "list":
            self._list(user, outcome)
        elif command.verb == "new":
            draft = TicketDraft(
                title=draft_title(command.text),
                description=command.text,
                priority=command.priority or Priority.MEDIUM,
                idempotency_key=_key_for(event.event_id),
            )
            self._create(draft, user, outcome)
        elif command.ref is not None and command.verb == "status":
            self._status(command.ref, user, outcome)
        elif command.ref is not None and command.verb == "note":
            self._note(command.ref, command.text, user, outcome)
        elif command.ref is not None and command.verb == "close":
            self._ask_close(command.ref, user, outcome)

    def _on_intent(
        self, found: Classification, text: str, event: InboundMessage, outcome: _Outcome
    ) -> None:
        user = event.user
        intent = found.intent
        if intent is Intent.CREATE_TICKET:
            draft = TicketDraft(
                title=found.title or draft_title(text),
                description=text,  # the person's own words, whole
                priority=found.priority or Priority.MEDIUM,
            )
            self._propose_draft(draft, outcome, intro="I can open this ticket for you:")
        elif intent is Intent.TICKET_STATUS:
            if found.ticket:
                self._status(found.ticket, user, outcome)
            else:
                self._which_ticket(user, outcome, "Which ticket do you mean?")
        elif intent is Intent.ADD_NOTE:
            if found.ticket:
                self._note(found.ticket, _note_text(found, text), user, outcome)
            else:
                self._which_ticket(
                    user,
                    outcome,
                    "Which ticket should I add that to? For example: ticket note 48213 "
                    "<your note>.",
                )
        elif intent is Intent.LIST_TICKETS:
            self._list(user, outcome)
        elif intent is Intent.CLOSE_TICKET:
            if found.ticket:
                self._ask_close(found.ticket, user, outcome)
            else:
                self._which_ticket(user, outcome, "Which ticket should I close?")
        elif intent is Intent.QUESTION:
            self._answer_question(found, text, outcome)
        elif intent is Intent.HELP:
            self._help(outcome, found.reply if found.source == "llm" else None)
        else:
            outcome.say(Reply(found.reply if found.reply else _smalltalk(text)))

    # -- actions ----------------------------------------------------------------------------

    def _on_action(
        self, event: ActionInvoked, pending: PendingAction | None, outcome: _Outcome
    ) -> None:
        outcome.intent = f"action:{event.action_id}"
        values: Mapping[str, str] = event.values
        draft_id = values.get("draft_id")
        if draft_id and pending is not None and pending.values.get("draft_id") == draft_id:
            # An adapter may not carry a long description back; the stored draft has it whole.
            values = {**pending.values, **{k: v for k, v in values.items() if v}}
        self._admit(event.user, action_cost(event.action_id, values, self._policy))
        self._run_action(event.action_id, values, event, outcome, typed=False)

    def _run_action(
        self,
        action_id: str,
        values: Mapping[str, str],
        event: Event,
        outcome: _Outcome,
        *,
        typed: bool,
    ) -> None:
        user = event.user
        in_place = not typed
        if action_id == actions.CREATE_CONFIRM:
            self._confirm_create(values, user, outcome, in_place)
        elif action_id == actions.CREATE_CANCEL:
            outcome.say(Reply(_cancel_text(action_id), replaces_source=in_place))
        elif action_id == actions.NEW_TICKET:
            self._new_from_action(values, event, outcome)
        elif action_id == actions.LIST_TICKETS:
            self._list(user, outcome)
        elif action_id == actions.CLOSE_CANCEL:
            outcome.say(Reply(_cancel_text(action_id), replaces_source=in_place))
        else:
            ref = TicketRef.parse(values.get("ticket", ""))
            if ref is None or action_id not in actions.ALL_ACTIONS:
                log.warning("unusable action action_id=%s values=%s", action_id, dict(values))
                outcome.say(Reply("Sorry, that button doesn't work any more. Type “help”."))
                return
            if action_id == actions.REFRESH:
                ticket = self.ticketing.get(ref, user)
                outcome.say(
                    Reply(ticket_summary(ticket), card=ticket_card(ticket), replaces_source=True)
                )
            elif action_id == actions.ADD_NOTE:
                self._note(ref, values.get(actions.INPUT_NOTE, ""), user, outcome)
            elif action_id == actions.CLOSE_REQUEST:
                self._ask_close(ref, user, outcome)
            elif action_id == actions.CLOSE_CONFIRM:
                ticket = self.ticketing.close(ref, user)
                outcome.say(
                    Reply(
                        f"Done: ticket {ticket.number} is now {ticket.status}.",
                        card=ticket_card(ticket),
                        replaces_source=in_place,
                    )
                )

    def _confirm_create(
        self, values: Mapping[str, str], user: UserRef, outcome: _Outcome, in_place: bool
    ) -> None:
        draft_id = values.get("draft_id", "")
        title = sanitize(values.get(actions.INPUT_TITLE, ""))
        description = values.get(actions.INPUT_DESCRIPTION, "") or title
        priority = Priority.parse(values.get(actions.INPUT_PRIORITY, "")) or Priority.MEDIUM
        if not draft_id or not title:
            outcome.say(Reply("The ticket needs a title. Please add one and try again."))
            outcome.keep_pending = True
            return
        claim = f"draft:{draft_id}"
        if not self.store.claim_event(claim, self.clock()):
            outcome.say(
                Reply("That ticket was already submitted. Type “ticket list” to see your tickets.")
            )
            return
        draft = TicketDraft(title, description, priority, idempotency_key=draft_id)
        try:
            self._create(draft, user, outcome, in_place=in_place)
        except TicketingError:
            self.store.release_event(claim)  # nothing was filed: let them try again
            outcome.keep_pending = True
            raise

    def _new_from_action(self, values: Mapping[str, str], event: Event, outcome: _Outcome) -> None:
        title = sanitize(values.get(actions.INPUT_TITLE, ""))
        description = values.get(actions.INPUT_DESCRIPTION, "").strip()
        priority = Priority.parse(values.get(actions.INPUT_PRIORITY, "")) or Priority.MEDIUM
        if title:
            draft = TicketDraft(
                title, description or title, priority, idempotency_key=_key_for(event.event_id)
            )
            self._create(draft, event.user, outcome)
        elif description:
            draft = TicketDraft(draft_title(description), description, priority)
            self._propose_draft(draft, outcome, intro="Here's a ticket drafted from that message:")
        else:
            outcome.say(Reply("Sure. What's the problem? Describe it in a sentence or two."))

    # -- ticket operations ------------------------------------------------------------------

    def _propose_draft(self, draft: TicketDraft, outcome: _Outcome, *, intro: str) -> None:
        draft_id = uuid.uuid4().hex
        outcome.pending = PendingAction(actions.CREATE_CONFIRM, draft_values(draft, draft_id))
        outcome.say(
            Reply(
                f"{intro} “{draft.title}” (priority {draft.priority.value}). Create it? (yes / no)",
                card=draft_card(draft, draft_id),
            )
        )

    def _create(
        self, draft: TicketDraft, user: UserRef, outcome: _Outcome, *, in_place: bool = False
    ) -> None:
        ticket = self.ticketing.create(draft, user)
        log.info(
            "ticket created backend=%s id=%s number=%s",
            self.ticketing.name,
            ticket.id,
            ticket.number,
        )
        outcome.say(
            Reply(
                f"Created ticket {ticket.number} (#{ticket.id}): “{ticket.title}”. "
                "A technician will pick it up; you can ask me about it any time.",
                card=ticket_card(ticket),
                replaces_source=in_place,
            )
        )

    def _status(self, ref: TicketRef, user: UserRef, outcome: _Outcome) -> None:
        ticket = self.ticketing.get(ref, user)
        outcome.say(Reply(ticket_summary(ticket), card=ticket_card(ticket)))

    def _note(self, ref: TicketRef, text: str, user: UserRef, outcome: _Outcome) -> None:
        note = text.strip()
        if not note:
            outcome.say(Reply(f"What should the note on {ref} say?"))
            return
        ticket = self.ticketing.add_note(ref, note, user)
        outcome.say(
            Reply(
                f"Added your note to ticket {ticket.number}.",
                card=ticket_card(ticket),
            )
        )

    def _ask_close(self, ref: TicketRef, user: UserRef, outcome: _Outcome) -> None:
        ticket = self.ticketing.get(ref, user)
        if ticket.is_closed:
            outcome.say(Reply(f"Ticket {ticket.number} is already {ticket.status}."))
            return
        outcome.pending = PendingAction(actions.CLOSE_CONFIRM, {"ticket": str(ticket.id)})
        outcome.say(
            Reply(
                f"Close ticket {ticket.number} “{ticket.title}”? (yes / no)",
                card=close_confirm_card(ticket),
            )
        )

    def _list(self, user: UserRef, outcome: _Outcome) -> None:
        tickets = self.ticketing.list_open(user)
        if not tickets:
            outcome.say(Reply("You have no open tickets. Tell me if something needs fixing."))
            return
        lines = "\n".join(f"• {t.number} (#{t.id}) {t.title}: {t.status}" for t in tickets)
        outcome.say(Reply(f"Your open tickets:\n{lines}", card=ticket_list_card(tickets)))

    def _which_ticket(self, user: UserRef, outcome: _Outcome, question: str) -> None:
        tickets = self.ticketing.list_open(user)
        if not tickets:
            outcome.say(Reply(f"{question} Give me its number, like 48213 or T20251104.0031."))
            return
        lines = "\n".join(f"• {t.number} (#{t.id}) {t.title}" for t in tickets)
        outcome.say(
            Reply(f"{question} Your open tickets:\n{lines}", card=ticket_list_card(tickets))
        )

    # -- answers ----------------------------------------------------------------------------

    def _answer_question(self, found: Classification, text: str, outcome: _Outcome) -> None:
        if found.source == "llm" and found.reply:
            outcome.say(Reply(found.reply))
            return
        entry = self.knowledge.answer(text)
        if entry is not None:
            outcome.say(Reply(entry.answer))
            return
        draft = TicketDraft(title=draft_title(text), description=text)
        self._propose_draft(
            draft,
            outcome,
            intro="I don't know the answer to that one. Shall I open a ticket so a technician "
            "can answer?",
        )

    def _help(self, outcome: _Outcome, reply: str | None = None) -> None:
        card = help_card()
        outcome.say(Reply(reply or f"{card.subtitle}\n{card.body}", card=card))

    # -- limits, audit and reporting --------------------------------------------------------

    @property
    def _policy(self) -> RatePolicy:
        return self._gate.policy if self._gate is not None else _UNLIMITED

    def _admit(self, user: UserRef, cost: float, *, consume: bool = True) -> None:
        """Take ``cost`` from the person's bucket, or raise :class:`RateLimited`."""
        if self._gate is not None:
            self._gate.admit(user, cost, consume=consume)

    def _refuse(self, exc: RateLimited, event: Event, outcome: _Outcome) -> None:
        log.info("rate limited event_id=%s: %s", event.event_id, exc.detail)
        if self._trail is not None:
            self._trail.rate_limited(exc)
        outcome.intent = "rate_limited"
        outcome.status = "rate_limited"
        outcome.keep_pending = True  # a "yes" refused now still works later
        outcome.pending = None
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
        conversation_id: int,
        previous: PendingAction | None,
        outcome: _Outcome,
    ) -> None:
        now = self.clock()
        if isinstance(event, InboundMessage):
            said = event.text
        else:
            said = f"[{event.action_id}] {json.dumps(dict(event.values), ensure_ascii=False)}"
        turns = [Turn("user", said, now, intent=outcome.intent, usage=outcome.usage)]
        # Replies a moment later, so the order survives identical timestamps.
        later = now + timedelta(microseconds=1)
        turns.extend(Turn("assistant", reply.text, later) for reply in outcome.replies)
        self.store.append_turns(conversation_id, turns)
        if outcome.pending is not None:
            self.store.set_pending(conversation_id, outcome.pending)
        elif previous is not None and not outcome.keep_pending:
            self.store.set_pending(conversation_id, None)


def _key_for(event_id: str) -> str:
    """A stable idempotency key for a create caused by one event (redeliveries match)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ticketbot:{event_id}").hex


def _note_text(found: Classification, text: str) -> str:
    # Only the person's own words go into a note: a classifier's paraphrase does not.
    if found.description and found.description.strip() and found.description.strip() in text:
        return found.description.strip()
    return text


def _cancel_text(action_id: str) -> str:
    if action_id in (actions.CLOSE_CONFIRM, actions.CLOSE_CANCEL):
        return "OK, the ticket stays open."
    return "OK, I won't open a ticket. Tell me if anything else comes up."


_THANKS_RE = re.compile(r"\b(thanks?|thank you|thx|ty|cheers|appreciate|perfect|great)\b", re.I)
_BYE_RE = re.compile(r"\b(bye|goodbye|see you|later|good night)\b", re.I)


def _smalltalk(text: str) -> str:
    if _THANKS_RE.search(text):
        return "You're welcome! Tell me if anything else needs fixing."
    if _BYE_RE.search(text):
        return "Bye for now! I'm here whenever you need IT help."
    return "Hi! I'm the IT help desk assistant. Tell me what's wrong, or ask about a ticket."
