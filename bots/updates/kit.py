"""Building the update machinery from the settings and the backend (composition helper)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.ports import AuditLog, TicketingSystem
from core.settings import Settings
from core.updates.actions import UpdateFollowUps
from core.updates.model import TicketFeed
from core.updates.polling import Poller
from core.updates.service import StoreTracker, UpdateService
from storage.db import Database
from storage.updates import SqlTicketFacts, SqlUpdateStore

log = logging.getLogger("ticketbot.updates")


def build_follow_ups(
    kit: UpdatesKit, backend: TicketingSystem, clock: Callable[[], datetime], audit: AuditLog | None
) -> UpdateFollowUps:
    """What the update handlers keep (mutes, confirmations, ratings) on ``backend``."""
    return UpdateFollowUps(
        mutes=kit.store, ratings=kit.facts, backend=backend.name, clock=clock, audit=audit
    )


@dataclass
class UpdatesKit:
    """The store and tracker always exist; the service only where the backend can be read
    for updates (not Waystone), the poller only where it can be polled."""

    store: SqlUpdateStore
    tracker: StoreTracker
    facts: SqlTicketFacts
    service: UpdateService | None = None
    poller: Poller | None = None


def build_feed(backend: TicketingSystem, database: Database) -> TicketFeed | None:
    """The update feed of ``backend`` (None when updates are not available for it)."""
    from core.backends.autotask.tickets import AutotaskTicketing
    from storage.local_desk import LocalDesk

    if isinstance(backend, LocalDesk):
        from storage.desk_updates import LocalDeskFeed

        return LocalDeskFeed(database)
    if isinstance(backend, AutotaskTicketing):
        from core.backends.autotask.updates import AutotaskFeed

        return AutotaskFeed(backend)
    return None


def build_updates(
    settings: Settings,
    database: Database,
    backend: TicketingSystem,
    clock: Callable[[], datetime],
) -> UpdatesKit:
    store = SqlUpdateStore(database)
    facts = SqlTicketFacts(database)
    kit = UpdatesKit(
        store=store, tracker=StoreTracker(store, backend.name, clock, facts=facts), facts=facts
    )
    feed = build_feed(backend, database)
    if feed is None:
        log.info("updates in the chat are not available for backend=%s", backend.name)
        return kit
    invalidate = getattr(feed, "invalidate", None)
    kit.service = UpdateService(
        store,
        feed,
        clock,
        coalesce=timedelta(seconds=max(0.0, settings.bot.updates_coalesce_seconds)),
        invalidate=invalidate if callable(invalidate) else None,
        facts=kit.facts,
    )
    poll_seconds = settings.bot.updates_poll_seconds
    if poll_seconds > 0 and hasattr(feed, "touched_since") and hasattr(feed, "busy"):
        kit.poller = Poller(
            store,
            feed,  # type: ignore[arg-type]
            kit.service,
            clock,
            interval=timedelta(seconds=poll_seconds),
        )
    return kit
