"""Builders for the operations tests: an assistant with a rate limiter and an audit log on a
real SQLite file, driven by the wall clock (so freezegun moves it)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from core.assistant import Assistant
from core.intents import Classification
from core.knowledge import YamlKnowledgeBase
from core.messages import ActionInvoked, InboundMessage, Reply, UserRef
from core.ports import Bucket, RatePolicy, TicketingSystem
from core.ratelimit import RateLimitedTicketing
from core.settings import DEFAULT_KNOWLEDGE_FILE
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.history import SqlConversationStore
from storage.local_desk import LocalDesk
from storage.rate_limits import SqlRateLimiter
from tests.fakes.loopback import start_app
from tests.support import ALICE, ScriptedClassifier, conversation_for

_ids = itertools.count(1)


def wall_clock() -> datetime:
    return datetime.now(UTC)


def policy(
    *,
    user: tuple[float, float] = (10.0, 6.0),
    backend: tuple[float, float] = (1000.0, 1000.0),
    write_cost: float = 4.0,
) -> RatePolicy:
    """Buckets as (capacity, refill per minute)."""
    return RatePolicy(
        user=Bucket(user[0], user[1] / 60),
        backend=Bucket(backend[0], backend[1] / 60),
        write_cost=write_cost,
    )


@dataclass
class OpsBot:
    assistant: Assistant
    desk: LocalDesk
    store: SqlConversationStore
    classifier: ScriptedClassifier
    limiter: SqlRateLimiter
    audit: SqlAuditLog

    def say(self, text: str, user: UserRef = ALICE) -> list[Reply]:
        event = InboundMessage(
            f"ops-{next(_ids)}", conversation_for(user), user, text, wall_clock()
        )
        return self.assistant.handle(event)

    def click(self, action_id: str, values: dict[str, str], user: UserRef = ALICE) -> list[Reply]:
        event = ActionInvoked(f"ops-{next(_ids)}", conversation_for(user), user, action_id, values)
        return self.assistant.handle(event)


def ops_bot(
    database: Database,
    *,
    rates: RatePolicy | None = None,
    script: dict[str, Classification] | None = None,
    ticketing: TicketingSystem | None = None,
    backend_limit: bool = False,
    staff: tuple[str, ...] = (),
) -> OpsBot:
    desk = LocalDesk(database, clock=wall_clock, staff_emails=staff)
    limiter = SqlRateLimiter(database, rates or policy())
    audit = SqlAuditLog(database)
    backend: TicketingSystem = ticketing or desk
    if backend_limit:
        backend = RateLimitedTicketing(backend, limiter, wall_clock)
    store = SqlConversationStore(database)
    classifier = ScriptedClassifier(dict(script or {}))
    assistant = Assistant(
        store=store,
        ticketing=backend,
        classifier=classifier,
        knowledge=YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE),
        clock=wall_clock,
        rate_limiter=limiter,
        audit=audit,
    )
    return OpsBot(assistant, desk, store, classifier, limiter, audit)


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """``app`` on 127.0.0.1 (a free port) for the block; yields its base URL."""
    runner, port = await start_app(app)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
