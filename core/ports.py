"""What the core needs from the outside world, as Protocols.

Real implementations live in ``storage/`` (SQLite) and ``core/backends`` / ``core/llm``
(HTTP clients); tests use fakes that follow the same contracts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from core.intents import Classification, LlmUsage
from core.messages import ConversationRef, Reply, UserRef
from core.text import storable
from core.tickets import Priority, Ticket, TicketDraft, TicketRef


class TicketingSystem(Protocol):
    """A help desk the bot files tickets in.

    Authorization is the implementation's job: a ticket the requester may not see raises
    :class:`core.errors.TicketNotFound`, exactly like one that does not exist. Failures raise
    :class:`core.errors.TicketingError` subclasses whose ``user_message`` is fit to show.
    A returned :class:`Ticket` always carries the id and number the backend itself reported.
    """

    name: str

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        """File a new ticket for ``requester`` and return it as stored."""
        ...

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        """The ticket with its latest notes."""
        ...

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        """The requester's tickets that are not complete, newest first."""
        ...

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        """Append ``text`` as a note by ``requester``; return the updated ticket."""
        ...

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        """Set the ticket to its complete status; return the updated ticket."""
        ...

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        """Put a complete ticket back to an open status and add ``reason`` as a note by
        ``requester``; an open ticket is returned unchanged. Backends that cannot raise
        :class:`core.errors.UnsupportedOperation`."""
        ...

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        """Change the ticket's priority (mapped to the backend's own values)."""
        ...

    def check_ready(self) -> None:
        """Raise :class:`core.errors.TicketingError` if the backend cannot be reached."""
        ...

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        """Attach a file to the ticket. Safe to call again after an ambiguous failure (it never
        attaches the same file twice); a backend that cannot hold files raises
        :class:`core.errors.UnsupportedOperation`."""
        ...


@dataclass(frozen=True)
class StoredFile:
    """A file the adapter downloaded, as :class:`AttachmentStore` hands it back."""

    name: str
    content_type: str
    data: bytes


class AttachmentStore(Protocol):
    """Files that came with messages, kept until they are attached (or purged)."""

    def save(self, owner: str, name: str, content_type: str, data: bytes) -> str:
        """Keep ``data`` for ``owner`` (``platform:user_id``); return its id."""
        ...

    def read(self, attachment_id: str, owner: str) -> StoredFile | None:
        """The file, or None when there is no such file or it belongs to someone else."""
        ...

    def discard(self, attachment_id: str) -> None:
        """Forget the file (it reached the ticket; nothing needs it any more)."""
        ...


@dataclass(frozen=True)
class Turn:
    """One stored line of a conversation. Its text is always storable (see
    :func:`core.text.storable`): a reply quoting a backend's odd text can't fail the write."""

    role: Literal["user", "assistant"]
    text: str
    created_at: datetime
    intent: str | None = None
    usage: LlmUsage | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", storable(self.text))


class Classifier(Protocol):
    """Reads one natural-language message (never a command or a card action)."""

    def classify(self, text: str, history: Sequence[Turn] = ()) -> Classification:
        """``history`` is the conversation so far, oldest first, newest last."""
        ...


@dataclass(frozen=True)
class PendingAction:
    """An action waiting for the person's yes/no (a drafted ticket, a close)."""

    action_id: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DialogueState:
    """What a conversation is in the middle of: the action waiting for a yes / no, further
    actions waiting behind it (a second draft offered while the first waits), and the ticket in
    focus (the one just created, shown, noted or listed alone; its id as text)."""

    pending: PendingAction | None = None
    queued: tuple[PendingAction, ...] = ()
    focus: str | None = None


@dataclass(frozen=True)
class ConversationState:
    conversation_id: int
    pending: PendingAction | None = None
    queued: tuple[PendingAction, ...] = ()
    focus: str | None = None

    @property
    def dialogue(self) -> DialogueState:
        return DialogueState(self.pending, self.queued, self.focus)


@dataclass(frozen=True)
class RecordedOutcome:
    """A claimed event: ``replies`` is what it answered, None while it never finished;
    ``claimed_at``: when it was claimed (None where the store does not say)."""

    replies: list[Reply] | None
    claimed_at: datetime | None = None


@dataclass(frozen=True)
class EventStart:
    """What handling an event starts from, read in one query
    (:meth:`ConversationStore.start_event`).

    ``conversation_id`` is None for a conversation never seen before (it is created when the
    event is recorded); ``recorded`` is what is recorded for the event id (None: nothing);
    ``history`` the newest turns, oldest first."""

    conversation_id: int | None
    dialogue: DialogueState
    recorded: RecordedOutcome | None
    history: list[Turn]
    delivery_ref: str | None = None


class ConversationStore(Protocol):
    """Conversation history, processed-event bookkeeping and pending confirmations."""

    def unit_of_work(self) -> AbstractContextManager[object]:
        """Handle one event inside: until it closes, the bookkeeping the stores on this
        store's database write (audit entries, rate-limit charges, ticket tracking) is held,
        and written in the transaction of :meth:`finish_event` (or when it closes, if the
        event was never finished). Nothing is held open meanwhile."""
        ...

    def start_event(
        self,
        event_id: str,
        ref: ConversationRef,
        *,
        history: int,
        buckets: Sequence[str] = (),
    ) -> EventStart:
        """In one query: what is recorded for ``event_id``, the conversation of ``ref`` (its
        dialogue state) and its last ``history`` turns. Inside a unit of work, the rate buckets
        named in ``buckets`` are read along, so the event's takes need no query of their own.
        Writes nothing."""
        ...

    def finish_event(
        self,
        start: EventStart,
        ref: ConversationRef,
        event_id: str,
        now: datetime,
        turns: Sequence[Turn],
        replies: Sequence[Reply],
        *,
        dialogue: DialogueState | None = None,
        claimed: bool = False,
    ) -> bool:
        """Record a handled event in one transaction: its claim with what it answered
        (``claimed``: it was claimed before, only the answer is added), the conversation
        (created if new; ``dialogue``, when given, and the delivery reference kept current),
        ``turns`` in order, and what the open unit of work holds. False when another delivery
        of the same event was recorded first: then none of this event's own writes are kept
        (the unit's bookkeeping still is)."""
        ...

    def claim_event(self, event_id: str, now: datetime, owner: str | None = None) -> bool:
        """Record ``event_id``; False if it was already recorded (a redelivery) — unless it
        was recorded with the same ``owner`` (the event that claimed it, being retaken)."""
        ...

    def recorded_outcome(self, event_id: str) -> RecordedOutcome | None:
        """What is recorded for an event: None when it was never claimed."""
        ...

    def release_event(self, event_id: str) -> None:
        """Forget ``event_id`` (its work failed before anything changed: a retry may run)."""
        ...

    def open_conversation(self, ref: ConversationRef, now: datetime) -> ConversationState:
        """Find or create the conversation for ``ref`` (keeps ``delivery_ref`` current)."""
        ...

    def has_conversation(self, ref: ConversationRef) -> bool:
        """Whether a conversation for ``ref`` exists (read only: nothing is created)."""
        ...

    def recent_turns(self, conversation_id: int, limit: int) -> list[Turn]:
        """The last ``limit`` turns, oldest first."""
        ...

    def append_turns(
        self,
        conversation_id: int,
        turns: Sequence[Turn],
        *,
        dialogue: DialogueState | None = None,
        outcome: tuple[str, Sequence[Reply]] | None = None,
    ) -> None:
        """Store ``turns`` in order, the new ``dialogue`` state when given, and ``outcome``
        (an event id claimed before, and what it answered) in one transaction."""
        ...

    def was_claimed(self, event_id: str, *, except_by: str | None = None) -> bool:
        """True if ``event_id`` was recorded (without recording it) — by another event than
        ``except_by`` when given."""
        ...

    def set_pending(self, conversation_id: int, pending: PendingAction | None) -> None: ...

    def save_dialogue(self, conversation_id: int, state: DialogueState) -> None:
        """Store the conversation's dialogue state (pending, queued actions and focus)."""
        ...

    def purge_before(self, cutoff: datetime) -> int:
        """Delete turns and processed-event records older than ``cutoff``; return turns deleted."""
        ...


@dataclass(frozen=True)
class KnowledgeEntry:
    entry_id: str
    question: str
    answer: str
    keywords: tuple[str, ...] = ()


class KnowledgeBase(Protocol):
    def search(self, text: str, limit: int = 3) -> list[KnowledgeEntry]:
        """Entries relevant to ``text``, best first; empty when nothing is relevant."""
        ...

    def answer(self, text: str) -> KnowledgeEntry | None:
        """The one entry that answers ``text`` confidently, or None."""
        ...


@dataclass(frozen=True)
class Bucket:
    """A token bucket's shape: it holds at most ``capacity`` tokens and regains
    ``refill_per_second`` of them every second."""

    capacity: float
    refill_per_second: float


@dataclass(frozen=True)
class RatePolicy:
    """The limits: one bucket per chat user, one shared by everyone per backend.

    A read (status, list, help, a question, small talk, a draft) costs ``read_cost``; anything
    that changes a ticket (create, note, close, reopen, priority) costs ``write_cost``
    (see :func:`core.ratelimit.operation_cost`).
    """

    user: Bucket
    backend: Bucket
    read_cost: float = 1.0
    write_cost: float = 3.0  # also TICKETBOT_RATE_WRITE_COST's default (core/settings.py)


@dataclass(frozen=True)
class RateDecision:
    """The answer of :meth:`RateLimiter.take`."""

    allowed: bool
    tokens: float  # left in the bucket (after taking, when allowed)
    retry_after_seconds: float = 0.0  # until ``cost`` tokens are back; 0 when allowed


class RateLimiter(Protocol):
    """Token buckets that survive restarts (kept in the database), keyed by a string such as
    ``user:slack:U123`` or ``backend:autotask``."""

    policy: RatePolicy

    def take(
        self, key: str, cost: float, bucket: Bucket, now: datetime, *, consume: bool = True
    ) -> RateDecision:
        """Take ``cost`` tokens from the bucket ``key`` if it holds them (a new bucket starts
        full). ``consume=False`` only looks. A cost above the capacity is capped at it, so
        every request can pass once the bucket is full."""
        ...


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail: who did what, where, to which ticket, and how it went.

    ``action`` is one of ``ticket.create``, ``ticket.note``, ``ticket.close``, ``ticket.reopen``,
    ``ticket.priority``, ``llm.classify``, a technician's ``technician.take`` / ``.assign`` /
    ``.status`` / ``.note`` / ``.priority`` (detail: ``by``, ``field``, ``before``, ``after``),
    ``refused.authorization``, ``refused.rate_limit``, ``refused.signature``,
    ``refused.technician`` (adapters may add their own ``refused.*``). ``outcome`` is ``ok``
    or a short error text. ``detail`` holds plain JSON values (an LLM call's model, tokens,
    latency and fallback, say); never a secret.
    """

    at: datetime
    action: str
    outcome: str = "ok"
    platform: str = ""
    user_id: str = ""
    user_email: str | None = None
    conversation: str = ""
    ticket: str | None = None
    request_id: str | None = None
    detail: Mapping[str, str | int | float | bool | None] = field(default_factory=dict)


class AuditLog(Protocol):
    """Append-only from the bot's point of view: entries are recorded, never changed."""

    def record(self, entry: AuditEntry) -> None:
        """Store ``entry``. Must not raise for a well-formed entry while the database is up."""
        ...


@dataclass(frozen=True)
class HandledEvent:
    """What handling one event came to, for metrics and the one log line per event."""

    platform: str
    intent: str  # the stored intent, "duplicate" for a redelivery, "none" when unknown
    outcome: str  # ok | rate_limited | backend_error | error | duplicate
    replies: int
    seconds: float


class EventObserver(Protocol):
    """Told about every event the assistant handled (metrics, structured logs)."""

    def event_handled(self, summary: HandledEvent) -> None: ...


@dataclass(frozen=True)
class Technician:
    """A help-desk technician as the backend knows them (an active resource in Autotask);
    ``id`` is the backend's own, as text."""

    id: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class TicketChange:
    """What a technician's action did: the ticket after it, what changed (``assignee``,
    ``status`` or ``note``) with its value before and after, and whether the help desk recorded
    the technician as the author (``False``: it refused to act in their name, so the bot's own
    API user made the change and named the technician in a note)."""

    ticket: Ticket
    field: str  # assignee | status | note | priority
    before: str | None
    after: str | None
    as_technician: bool = True


class TechnicianDesk(Protocol):
    """What a help desk's technicians can do from chat, apart from :class:`TicketingSystem` so
    that end-user code cannot reach it by accident.

    Every method takes the acting chat user and raises :class:`core.errors.NotATechnician` for
    anyone who is not an active technician (before any ticket is read, so nothing is revealed).
    A status, queue or person that matches none of the help desk's raises
    :class:`core.errors.UnknownChoice` with the valid ones; a backend without technician tools
    raises :class:`core.errors.TechnicianToolsUnavailable`; the help desk's own refusal (the
    technician's security level) is a :class:`core.errors.TicketingError` in its own words.
    """

    name: str

    def technician(self, user: UserRef) -> Technician:
        """Who ``user`` is as a technician."""
        ...

    def ticket(self, ref: TicketRef, user: UserRef) -> Ticket:
        """The ticket as a technician sees it: its latest notes, internal ones included and
        marked (:attr:`core.tickets.Note.internal`)."""
        ...

    def take(self, ref: TicketRef, user: UserRef) -> TicketChange:
        """Assign the ticket to ``user``."""
        ...

    def assign(
        self, ref: TicketRef, assignee: str, user: UserRef, *, role_id: int | None = None
    ) -> TicketChange:
        """Assign the ticket to the technician named by ``assignee`` (e-mail, name or id)."""
        ...

    def set_status(self, ref: TicketRef, status: str, user: UserRef) -> TicketChange:
        """Set the ticket's status to the active status labelled ``status``."""
        ...

    def add_note(
        self, ref: TicketRef, text: str, user: UserRef, *, internal: bool = True
    ) -> TicketChange:
        """Add a note by ``user``: internal (never shown to the requester) unless ``internal``
        is False."""
        ...

    def set_priority(self, ref: TicketRef, priority: Priority, user: UserRef) -> TicketChange:
        """Set the ticket's priority (the bot's level, mapped to the help desk's own)."""
        ...

    def mine(self, user: UserRef, limit: int = 20) -> list[Ticket]:
        """Open tickets assigned to ``user``, newest first."""
        ...

    def queue(self, user: UserRef, name: str | None = None, limit: int = 20) -> list[Ticket]:
        """Unassigned open tickets in the queue labelled ``name`` (unset: every queue), oldest
        first."""
        ...

    def technicians(self, user: UserRef) -> list[Technician]:
        """The active technicians, by name (for an "Assign…" picker)."""
        ...

    def statuses(self, user: UserRef) -> list[str]:
        """The active status labels (for a "Status…" picker)."""
        ...

    def queues(self, user: UserRef) -> list[str]:
        """The active queue labels."""
        ...


class TriageBoard(Protocol):
    """The technicians' triage channel(s): one card per ticket filed through the bot, kept
    current. Both calls only record what to do (the triage job posts and edits the cards), so
    they are cheap and never fail the person's own request; implementations log and swallow
    their own errors."""

    def filed(self, ticket: Ticket, requester: UserRef) -> None:
        """``ticket`` was just filed for ``requester``: post its card."""
        ...

    def changed(self, ticket_id: int) -> None:
        """The ticket changed (by the bot, or in the help desk itself): edit its card."""
        ...

    def ticket_of_thread(self, conversation: ConversationRef) -> int | None:
        """The ticket whose triage card heads the thread ``conversation`` is in (a reply there
        is a note on it), or None."""
        ...


class TicketFollowUps(Protocol):
    """What the update handlers keep about a ticket the person follows in the chat (the
    updates store; core/updates/actions.py). Each method records and audits; none raises for
    a ticket the person does not follow (``set_muted`` says False)."""

    def set_muted(self, ticket_id: int, user: UserRef, muted: bool) -> bool:
        """Mute or unmute the person's updates on the ticket; False if they get none."""
        ...

    def confirmed(self, ticket_id: int, user: UserRef) -> None:
        """The person said the resolution fixed it."""
        ...

    def reopened(self, ticket_id: int, user: UserRef) -> None:
        """The person reopened the ticket (counted for the report)."""
        ...

    def rate(
        self,
        ticket_id: int,
        user: UserRef,
        *,
        rating: int | None = None,
        comment: str | None = None,
    ) -> None:
        """Store the person's rating (1-5) or comment of the help on the ticket."""
        ...
