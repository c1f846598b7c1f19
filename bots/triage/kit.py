"""Building the triage channel from the settings and the backend (composition helper)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.ports import TicketingSystem
from core.settings import Settings
from core.triage import FeedTriageSource, TriageSource, TriageTarget
from storage.db import Database
from storage.triage import SqlTriageBoard

log = logging.getLogger("ticketbot.triage")


@dataclass
class TriageKit:
    """The board (what the core records) and the source the triage job reads tickets from."""

    board: SqlTriageBoard
    source: TriageSource


def triage_targets(settings: Settings) -> list[TriageTarget]:
    """The configured triage channels (a Teams channel's reference is found when posting)."""
    bot = settings.bot
    targets = []
    if bot.triage_slack_channel.strip():
        targets.append(TriageTarget("slack", bot.triage_slack_channel.strip()))
    if bot.triage_teams_channel.strip():
        targets.append(TriageTarget("teams", bot.triage_teams_channel.strip()))
    return targets


def build_source(
    backend: TicketingSystem, settings: Settings, database: Database
) -> TriageSource | None:
    """How the triage job reads ``backend`` (None: it has no way to, e.g. Waystone)."""
    from core.backends.autotask.tickets import AutotaskTicketing
    from storage.local_desk import STATUSES, LocalDesk

    if isinstance(backend, AutotaskTicketing):
        from core.backends.autotask.triage import AutotaskTriageSource

        return AutotaskTriageSource(backend)
    if isinstance(backend, LocalDesk):
        from storage.desk_updates import LocalDeskFeed

        staff = tuple(settings.bot.staff_emails)
        return FeedTriageSource(
            LocalDeskFeed(database), technicians=lambda: staff, statuses=lambda: STATUSES
        )
    return None


def build_triage(
    settings: Settings,
    database: Database,
    backend: TicketingSystem,
    clock: Callable[[], datetime],
) -> TriageKit | None:
    """The triage kit when a triage channel is configured and the backend can be read for it."""
    targets = triage_targets(settings)
    if not targets:
        return None
    source = build_source(backend, settings, database)
    if source is None:
        log.warning("the triage channel is not available for backend=%s", backend.name)
        return None
    return TriageKit(board=SqlTriageBoard(database, backend.name, targets, clock), source=source)
