"""The composition root: the one place that reads settings and builds engines, clients and SDK
objects. Everything else receives what it needs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bots.errors import ConfigurationError
from bots.observability.logformat import protect
from bots.observability.metrics import (
    MeteredClassifier,
    MeteredTicketing,
    Metrics,
    MetricsObserver,
)
from bots.observability.redaction import secret_values
from bots.triage.kit import TriageKit, build_triage
from bots.updates.kit import UpdatesKit, build_follow_ups, build_updates
from core.assistant import Assistant
from core.attachments import AttachmentPolicy
from core.context import current_request_id
from core.knowledge import KnowledgeFileError, YamlKnowledgeBase
from core.ports import (
    AuditEntry,
    AuditLog,
    Bucket,
    Classifier,
    RatePolicy,
    TechnicianDesk,
    TicketingSystem,
)
from core.ratelimit import RateLimitedTechnicianDesk, RateLimitedTicketing
from core.settings import Settings, TicketbotSettings
from core.updates.model import TicketTouched
from core.updates.tracking import TrackingTicketing
from storage.attachments import SqlAttachmentStore
from storage.audit import SqlAuditLog
from storage.card_values import SqlCardValues
from storage.db import Database, DatabaseError, database_url
from storage.history import SqlConversationStore
from storage.inbox import SqlInbox
from storage.jobs import run_once
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
    attachments: SqlAttachmentStore | None = None
    attachment_policy: AttachmentPolicy = field(default_factory=AttachmentPolicy)
    updates: UpdatesKit | None = None  # updates: tracking, change detection, polling
    triage: TriageKit | None = None  # triage: the technicians' channel (None: not configured)

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


class NoDatabaseYet(ConfigurationError):
    """A command that only reads found no database file (nothing has been stored yet)."""


def check_database_url(url: str) -> None:
    """Refuse, in one sentence, a database URL this build cannot use (before anything connects).
    The URL itself is never echoed, since it may hold a password."""
    try:
        backend = database_url(url).get_backend_name()
    except DatabaseError as exc:
        raise ConfigurationError(str(exc)) from None
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"TICKETBOT_DATABASE_URL names a {backend} database, which ticketbot does not "
            "support; use SQLite (sqlite:////data/ticketbot.db) or PostgreSQL"
        )


def sqlite_path(url: str) -> Path | None:
    """The file an SQLite URL points at (None for in-memory databases and other databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def open_database(settings: Settings, *, create: bool = True) -> Database:
    """The database of ``TICKETBOT_DATABASE_URL``. With ``create=False`` (commands that only
    read or delete) a missing SQLite file is :class:`NoDatabaseYet`, and none is created."""
    url = settings.bot.database_url
    check_database_url(url)
    path = sqlite_path(url)
    if not create and path is not None and not path.exists():
        raise NoDatabaseYet(f"there is no database yet at {path} (TICKETBOT_DATABASE_URL)")
    try:
        # Even a command that only reads brings an existing database to the newest schema.
        return Database.connect(url, create=True)
    except DatabaseError as exc:
        raise ConfigurationError(str(exc)) from exc
    except OSError as exc:
        raise ConfigurationError(
            f"can't create the database at {path or 'TICKETBOT_DATABASE_URL'}: "
            f"{exc.strerror or exc}"
        ) from exc
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise ConfigurationError(
            f"can't open the database at {path or 'TICKETBOT_DATABASE_URL'}: {reason}"
        ) from exc


def load_knowledge(settings: Settings) -> YamlKnowledgeBase:
    """The knowledge file of ``TICKETBOT_KNOWLEDGE_FILE``; a missing or malformed one is a
    :class:`ConfigurationError` naming the setting."""
    try:
        return YamlKnowledgeBase.load(settings.bot.knowledge_file)
    except KnowledgeFileError as exc:
        raise ConfigurationError(f"TICKETBOT_KNOWLEDGE_FILE: {exc}") from exc


def check_backend_settings(settings: Settings) -> None:
    """Stop (``SystemExit`` with one sentence) when ``TICKETBOT_BACKEND`` lacks its settings."""
    backend = settings.bot.backend
    if backend == "autotask" and settings.autotask.missing:
        raise SystemExit(
            f"TICKETBOT_BACKEND=autotask needs {', '.join(settings.autotask.missing)} "
            "(the API-only user's name, its secret and the API tracking identifier); "
            "`ticketbot doctor` checks the whole configuration."
        )
    if backend == "waystone" and settings.waystone.missing:
        raise SystemExit(
            f"TICKETBOT_BACKEND=waystone needs {', '.join(settings.waystone.missing)}."
        )
    if backend not in ("local", "autotask", "waystone"):
        raise SystemExit(f"TICKETBOT_BACKEND={backend} is not available in this build")


def build_ticketing(settings: Settings, database: Database) -> TicketingSystem:
    """The backend named by ``TICKETBOT_BACKEND``."""
    check_backend_settings(settings)
    backend = settings.bot.backend
    if backend == "autotask":
        from core.backends.autotask import build_autotask

        return build_autotask(
            settings.autotask, staff_emails=settings.bot.staff_emails, clock=utc_now
        )
    if backend == "waystone":
        from core.backends.waystone import WaystoneTicketing

        return WaystoneTicketing.from_settings(settings.waystone)
    from storage.local_desk import LocalDesk

    return LocalDesk(database, staff_emails=settings.bot.staff_emails, clock=utc_now)


def build_technicians(
    settings: Settings,
    database: Database,
    backend: TicketingSystem,
    notify: Callable[[TicketTouched], object] | None = None,
) -> TechnicianDesk | None:
    """The technicians' tools of ``backend`` (the assistant records them in the audit trail).
    ``notify`` hears of each local desk change (the update service's signals)."""
    from core.backends.autotask.tickets import AutotaskTicketing
    from core.backends.waystone import WaystoneTechnicianDesk, WaystoneTicketing
    from storage.local_desk import LocalDesk

    if isinstance(backend, LocalDesk):
        from storage.local_technicians import LocalTechnicianDesk

        return LocalTechnicianDesk(
            database, clock=utc_now, staff_emails=settings.bot.staff_emails, notify=notify
        )
    if isinstance(backend, AutotaskTicketing):
        from core.backends.autotask import build_technician_desk

        return build_technician_desk(backend, settings.autotask, clock=utc_now)
    if isinstance(backend, WaystoneTicketing):
        return WaystoneTechnicianDesk()
    return None


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
    import sys

    if "core.backends.autotask.tickets" not in sys.modules:
        return  # not Autotask (and the local desk need not import its client to know it)
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
    # Settings and files first: a mistake in them stops the bot before a database is created.
    check_backend_settings(settings)
    knowledge = load_knowledge(settings)
    database = open_database(settings)
    store = SqlConversationStore(database)
    attachments = SqlAttachmentStore(database, clock=clock)
    metrics = Metrics()
    limiter = SqlRateLimiter(database, rate_policy(settings.bot))
    audit = SqlAuditLog(database)

    def purge() -> None:
        history_cutoff = clock() - timedelta(days=settings.bot.history_retention_days)
        store.purge_before(history_cutoff)
        SqlInbox(database).purge_before(history_cutoff)
        attachments.purge_before(clock() - timedelta(days=settings.bot.attachment_retention_days))
        audit.purge_expired(settings.bot.audit_retention_days)
        SqlCardValues(database, clock, timedelta(0)).purge_expired()

    run_once(database, "retention-purge", purge)  # one replica at a time
    backend = build_ticketing(settings, database)
    watch_backend(backend, metrics)
    ticketing: TicketingSystem = MeteredTicketing(backend, metrics)
    if settings.bot.rate_backend_per_hour > 0:  # 0 turns the backend's limit off
        ticketing = RateLimitedTicketing(ticketing, limiter, clock)
    classifier = MeteredClassifier(build_classifier(settings, knowledge), metrics)
    updates = build_updates(settings, database, backend, clock)  # updates:
    triage = build_triage(settings, database, backend, clock)  # triage:
    if triage is not None and updates.service is not None:
        updates.service.on_change.append(triage.board.changed)  # changed in the help desk
    technicians = build_technicians(
        settings, database, backend, lambda touched: updates.store.record_signal(touched, clock())
    )
    if technicians is not None and settings.bot.rate_backend_per_hour > 0:
        technicians = RateLimitedTechnicianDesk(technicians, limiter, clock)
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
        attachments=attachments,
        updates=build_follow_ups(updates, backend, clock, audit),  # updates: mutes, ratings
        technicians=technicians,  # audited by the assistant (AuditedTechnicianDesk)
        board=triage.board if triage is not None else None,  # triage:
    )
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
        attachments=attachments,
        attachment_policy=AttachmentPolicy.from_settings(settings.bot),
        updates=updates,  # updates:
        triage=triage,  # triage:
    )
