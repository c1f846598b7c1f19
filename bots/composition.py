"""The composition root: the one place that reads settings and builds engines, clients and SDK
objects. Everything else receives what it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.assistant import Assistant
from core.knowledge import YamlKnowledgeBase
from core.ports import Classifier, TicketingSystem
from core.settings import Settings
from storage.db import Database
from storage.history import SqlConversationStore


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

    def close(self) -> None:
        self.database.dispose()


def build_ticketing(settings: Settings, database: Database) -> TicketingSystem:
    """The backend named by ``TICKETBOT_BACKEND``."""
    backend = settings.bot.backend
    if backend == "local":
        from storage.local_desk import LocalDesk

        return LocalDesk(database, staff_emails=settings.bot.staff_emails, clock=utc_now)
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


def build_runtime(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Runtime:
    database = Database.connect(settings.bot.database_url)
    store = SqlConversationStore(database)
    store.purge_before(clock() - timedelta(days=settings.bot.history_retention_days))
    knowledge = YamlKnowledgeBase.load(settings.bot.knowledge_file)
    ticketing = build_ticketing(settings, database)
    classifier = build_classifier(settings, knowledge)
    assistant = Assistant(
        store=store,
        ticketing=ticketing,
        classifier=classifier,
        knowledge=knowledge,
        clock=clock,
        history_turns=settings.bot.history_turns,
        max_message_chars=settings.bot.max_message_chars,
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
    )
