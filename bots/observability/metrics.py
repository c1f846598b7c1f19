"""Prometheus metrics, in a registry the composition root creates (never at import time), and
the port decorators that feed them: backend requests, LLM calls, handled events."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from core import actions
from core.errors import (
    BackendUnavailable,
    ConfigurationError,
    RequesterUnknown,
    TicketingError,
    TicketNotFound,
    UnsupportedOperation,
)
from core.intents import Classification
from core.messages import UserRef
from core.ports import Classifier, HandledEvent, TicketingSystem, Turn
from core.tickets import Priority, Ticket, TicketDraft, TicketRef

log = logging.getLogger(__name__)
T = TypeVar("T")


class InboxFigures(Protocol):
    """What :meth:`Metrics.observe_inbox` reads (``storage.inbox.InboxDepth``)."""

    @property
    def pending(self) -> int: ...
    @property
    def oldest_pending_seconds(self) -> float: ...
    @property
    def unsent(self) -> int: ...


# Seconds. Acknowledgements must stay far below Slack's 3 s; LLM and PSA calls take longer.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
_STATUS = (
    (TicketNotFound, "not_found"),
    (RequesterUnknown, "requester_unknown"),
    (UnsupportedOperation, "unsupported"),
    (BackendUnavailable, "unavailable"),
    (ConfigurationError, "misconfigured"),
)


class Metrics:
    """Every instrument the bot exports, registered in its own :class:`CollectorRegistry`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.messages = Counter(
            "ticketbot_messages",
            "Events handled, by platform and intent",
            ["platform", "intent"],
            registry=r,
        )
        self.replies = Counter(
            "ticketbot_replies",
            "Replies sent back, by platform and outcome",
            ["platform", "outcome"],
            registry=r,
        )
        self.event_seconds = Histogram(
            "ticketbot_event_seconds",
            "Time the core took to answer one event",
            ["platform"],
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.llm_requests = Counter(
            "ticketbot_llm_requests",
            "Messages the LLM was asked about, by model and outcome",
            ["model", "outcome"],
            registry=r,
        )
        self.llm_calls = Counter(
            "ticketbot_llm_calls",
            "HTTP calls to the LLM (retries included)",
            ["model"],
            registry=r,
        )
        self.llm_tokens = Counter(
            "ticketbot_llm_tokens",
            "LLM tokens, by model and kind (prompt, completion)",
            ["model", "kind"],
            registry=r,
        )
        self.llm_latency = Histogram(
            "ticketbot_llm_latency_seconds",
            "LLM latency per message",
            ["model"],
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.backend_requests = Counter(
            "ticketbot_backend_requests",
            "Help desk backend operations, by status",
            ["backend", "operation", "status"],
            registry=r,
        )
        self.backend_latency = Histogram(
            "ticketbot_backend_latency_seconds",
            "Help desk backend operation latency",
            ["backend", "operation"],
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.http_requests = Counter(
            "ticketbot_http_requests",
            "HTTP requests to the server, by route and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.ack_latency = Histogram(
            "ticketbot_ack_latency_seconds",
            "Time from receiving an HTTP request to acknowledging it",
            ["route"],
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self.autotask_requests_this_hour = Gauge(
            "ticketbot_autotask_requests_this_hour",
            "Requests this process sent to Autotask in the last 60 minutes",
            registry=r,
        )
        self.autotask_threshold_used = Gauge(
            "ticketbot_autotask_threshold_used_ratio",
            "The tenant's share of its hourly API limit in use (every integration), as last read",
            registry=r,
        )

        self.inbox_pending = Gauge(
            "ticketbot_inbox_pending",
            "Acknowledged events not yet answered (the durable inbox's depth)",
            registry=r,
        )
        self.inbox_oldest_pending_seconds = Gauge(
            "ticketbot_inbox_oldest_pending_seconds",
            "Age of the oldest acknowledged event not yet answered",
            registry=r,
        )
        self.outbox_unsent = Gauge(
            "ticketbot_outbox_unsent", "Answers waiting to be delivered", registry=r
        )
        self.inbox_takeovers = Counter(
            "ticketbot_inbox_lease_takeovers",
            "Events taken over after their worker's lease ran out (a replica died)",
            registry=r,
        )
        self.outbox_retries = Counter(
            "ticketbot_outbox_retries", "Deliveries of answers that failed and wait", registry=r
        )
        self.triage_cards = Counter(
            "ticketbot_triage_cards",
            "Triage channel cards: posted, edited, unchanged, retry, failed",
            ["outcome"],
            registry=r,
        )

    def triage_card(self, outcome: str) -> None:
        """One triage card handled by the triage job, with its ``outcome``."""
        self.triage_cards.labels(outcome=outcome).inc()

    def observe_inbox(self, depth: InboxFigures) -> None:
        """The inbox's figures as the inbox loop last read them."""
        self.inbox_pending.set(depth.pending)
        self.inbox_oldest_pending_seconds.set(depth.oldest_pending_seconds)
        self.outbox_unsent.set(depth.unsent)

    def watch_autotask(
        self, requests_this_hour: Callable[[], int], threshold_share: Callable[[], float | None]
    ) -> None:
        """Read the Autotask client's own counters at scrape time (the limit is per tenant and
        shared by every integration, so admins want to see it before it suspends the API)."""
        self.autotask_requests_this_hour.set_function(requests_this_hour)
        self.autotask_threshold_used.set_function(lambda: threshold_share() or 0.0)


def intent_label(intent: str) -> str:
    """Bounded label values: an unknown button id from a payload must not mint a new series."""
    if intent.startswith("action:") and intent[len("action:") :] not in actions.ALL_ACTIONS:
        return "action:unknown"
    return intent[:40]


def backend_status(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    for kind, label in _STATUS:
        if isinstance(exc, kind):
            return label
    return "error" if isinstance(exc, TicketingError) else "exception"


class MetricsObserver:
    """Implements :class:`core.ports.EventObserver`: counts messages, replies, core time."""

    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics

    def event_handled(self, summary: HandledEvent) -> None:
        self._m.messages.labels(summary.platform, intent_label(summary.intent)).inc()
        self._m.replies.labels(summary.platform, summary.outcome).inc(summary.replies)
        if summary.outcome != "duplicate":
            self._m.event_seconds.labels(summary.platform).observe(summary.seconds)


class MeteredTicketing:
    """A :class:`TicketingSystem` that counts and times every backend operation."""

    def __init__(self, inner: TicketingSystem, metrics: Metrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._m = metrics

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        started = time.perf_counter()
        failure: BaseException | None = None
        try:
            return call()
        except BaseException as exc:
            failure = exc
            raise
        finally:
            seconds = time.perf_counter() - started
            status = backend_status(failure)
            self._m.backend_requests.labels(self.name, operation, status).inc()
            self._m.backend_latency.labels(self.name, operation).observe(seconds)
            log.debug(
                "backend request",
                extra={
                    "backend": self.name,
                    "operation": operation,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        return self._call("create", lambda: self.inner.create(draft, requester))

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        return self._call("get", lambda: self.inner.get(ref, requester))

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        return self._call("list_open", lambda: self.inner.list_open(requester, limit))

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        return self._call("add_note", lambda: self.inner.add_note(ref, text, requester))

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        return self._call("close", lambda: self.inner.close(ref, requester))

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        return self._call("reopen", lambda: self.inner.reopen(ref, reason, requester))

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        return self._call("set_priority", lambda: self.inner.set_priority(ref, priority, requester))

    def check_ready(self) -> None:
        self._call("check_ready", self.inner.check_ready)

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        self._call("attach", lambda: self.inner.attach(ref, name, content_type, data, requester))


class MeteredClassifier:
    """A :class:`Classifier` that counts LLM calls, tokens and latency from
    :attr:`Classification.usage` (the offline classifier reports none)."""

    def __init__(self, inner: Classifier, metrics: Metrics) -> None:
        self.inner = inner
        self._m = metrics

    def classify(self, text: str, history: Sequence[Turn] = ()) -> Classification:
        found = self.inner.classify(text, history)
        usage = found.usage
        if usage is not None and (usage.calls or usage.outcome != "none"):
            model = (usage.model or "none")[:64]
            outcome = "ok" if usage.outcome == "ok" else usage.outcome[:40]
            self._m.llm_requests.labels(model, outcome).inc()
            self._m.llm_calls.labels(model).inc(usage.calls)
            self._m.llm_tokens.labels(model, "prompt").inc(usage.prompt_tokens)
            self._m.llm_tokens.labels(model, "completion").inc(usage.completion_tokens)
            if usage.calls:
                self._m.llm_latency.labels(model).observe(usage.latency_ms / 1000)
        return found
