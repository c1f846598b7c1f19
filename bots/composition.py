"""The composition root: the one place that reads settings and builds engines, clients and SDK
objects. Everything else receives what it needs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bots.observability.logformat import protect
from bots.observability.metrics import (
    MeteredClassifier,
    MeteredTicketing,
    Metrics,
    MetricsObserver,
)
from bots.observability.redaction import secret_values
from bots.updates.kit import UpdatesKit, build_update_actions, build_updates
from core.assistant import Assistant
from core.context import current_request_id
from core.knowledge import YamlKnowledgeBase
from core.ports import AuditEntry, AuditLog, Bucket, Classifier, RatePolicy, TicketingSystem
from core.ratelimit import RateLimitedTicketing
from core.settings import Settings, TicketbotSettings
from core.updates.tracking import TrackingTicketing
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.history import SqlConversationStore
from storage.rate_limits import SqlRateLimiter

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything a front end (console, server) needs, built once from :class:`Settings`."""

    settings: Settings
    database: Database
    store: SqlConversationStore
    ticketing: TicketingSystem
    classifier: Classifier
    knowledge: YamlKnowledgeBase
    assistant: Assistant
    clock: Callable[[], datetime]
    rate_limiter: SqlRateLimiter | None = None
    audit: AuditLog | None = None
    metrics: Metrics = field(default_factory=Metrics)
    updates: UpdatesKit | None = None  # updates: tracking, change detection, polling

    def close(self) -> None:
        self.database.dispose()

    def audit_refusal(
        self, action: str, *, platform: str, reason: str, **detail: str | int | float | None
    ) -> None:
        """Record a request an adapter turned away, e.g. ``refused.signature`` for a bad or
        stale signature (``reason`` says which). Never raises."""
        if self.audit is None:
            return
        entry = AuditEntry(
            at=self.clock(),
            action=action,
            outcome=reason,
            platform=platform,
            request_id=current_request_id(),
            detail=detail,
        )
        try:
            self.audit.record(entry)
        except Exception:
            log.exception("audit entry not recorded action=%s", action)


def build_ticketing(settings: Settings, database: Database) -> TicketingSystem:
    """The backend named by ``TICKETBOT_BACKEND``."""
    backend = settings.bot.backend
    if backend == "local":
        from storage.local_desk import LocalDesk

        return LocalDesk(database, staff_emails=settings.bot.staff_emails, clock=utc_now)
    if backend == "autotask":
        from core.backends.autotask import build_autotask

        if settings.autotask.missing:
            raise SystemExit(
                f"TICKETBOT_BACKEND=autotask needs {', '.join(settings.autotask.missing)} "
                "(the API-only user's name, its secret and the API tracking identifier); "
                "`ticketbot doctor` checks the whole configuration."
            )
        return build_autotask(
            settings.autotask, staff_emails=settings.bot.staff_emails, clock=utc_now
        )
    if backend == "waystone":
        from core.backends.waystone import WaystoneTicketing

        if settings.waystone.missing:
            raise SystemExit(
                f"TICKETBOT_BACKEND=waystone needs {', '.join(settings.waystone.missing)}."
            )
        return WaystoneTicketing.from_settings(settings.waystone)
    raise SystemExit(f"TICKETBOT_BACKEND={backend} is not available in this build")


def build_classifier(settings: Settings, knowledge: YamlKnowledgeBase) -> Classifier:
    """The offline classifier; when an LLM is configured (``OPENAI_API_KEY``,
    ``OPENAI_BASE_URL`` or Azure), the LLM classifier with the offline one as its fallback."""
    from core.classifier.rules import RuleClassifier

    offline = RuleClassifier()
    if not settings.llm.configured:
        return offline
    from core.llm.classifier import LlmClassifier

    return LlmClassifier.from_settings(settings.llm, fallback=offline, knowledge=knowledge)


def watch_backend(backend: TicketingSystem, metrics: Metrics) -> None:
    """Export what a backend knows about its own limits (Autotask's hourly API threshold)."""
    from core.backends.autotask.tickets import AutotaskTicketing

    if isinstance(backend, AutotaskTicketing):
        client = backend.client

        def share() -> float | None:
            status = client.threshold_status
            return status.share if status else None

        metrics.watch_autotask(lambda: client.requests_this_hour, share)


def rate_policy(bot: TicketbotSettings) -> RatePolicy:
    """The limits from ``TICKETBOT_RATE_*``; the backend's bucket holds one hour's allowance."""
    return RatePolicy(
        user=Bucket(bot.rate_user_capacity, bot.rate_user_per_minute / 60),
        backend=Bucket(bot.rate_backend_per_hour, bot.rate_backend_per_hour / 3600),
        read_cost=1.0,
        write_cost=bot.rate_write_cost,
    )


def build_runtime(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Runtime:
    protect(secret_values(settings))  # mask secrets even if logging was set up without them
    database = Database.connect(settings.bot.database_url)
    store = SqlConversationStore(database)
    store.purge_before(clock() - timedelta(days=settings.bot.history_retention_days))
    knowledge = YamlKnowledgeBase.load(settings.bot.knowledge_file)
    metrics = Metrics()
    limiter = SqlRateLimiter(database, rate_policy(settings.bot))
    audit = SqlAuditLog(database)
    backend = build_ticketing(settings, database)
    watch_backend(backend, metrics)
    ticketing: TicketingSystem = MeteredTicketing(backend, metrics)
    if settings.bot.rate_backend_per_hour > 0:  # 0 turns the backend's limit off
        ticketing = RateLimitedTicketing(ticketing, limiter, clock)
    classifier = MeteredClassifier(build_classifier(settings, knowledge), metrics)
    updates = build_updates(settings, database, backend, clock)  # updates:
    assistant = Assistant(
        store=store,
        ticketing=TrackingTicketing(ticketing, updates.tracker),  # updates:
        classifier=classifier,
        knowledge=knowledge,
        clock=clock,
        history_turns=settings.bot.history_turns,
        max_message_chars=settings.bot.max_message_chars,
        # 0 turns the per-person limit off
        rate_limiter=limiter if settings.bot.rate_user_capacity > 0 else None,
        audit=audit,
        observer=MetricsObserver(metrics),
    )
    assistant.updates_hook = build_update_actions(  # updates: confirm/reopen, rating, mute
        updates, backend, assistant.ticketing, clock, audit
    ).handle
    return Runtime(
        settings=settings,
        database=database,
        store=store,
        ticketing=ticketing,
        classifier=classifier,
        knowledge=knowledge,
        assistant=assistant,
        clock=clock,
        rate_limiter=limiter,
        audit=audit,
        metrics=metrics,
        updates=updates,  # updates:
    )
