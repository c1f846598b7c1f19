"""Building the Teams adapter: the Bot Framework adapter and the activity handler, from the
settings handed in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from botbuilder.core import BotAdapter

from bots.attachments import FileIntake
from bots.teams.adapter import AuthMode, auth_mode, build_cloud_adapter
from bots.teams.bot import TeamsBot
from bots.teams.cards import EXECUTE, SUBMIT, ActionType
from bots.teams.conversations import Conversations
from bots.teams.delivery import Delivery
from bots.teams.files import TeamsFiles
from bots.teams.gateway import CoreGateway
from bots.teams.roster import Roster
from core.attachments import AttachmentPolicy
from core.settings import TeamsSettings

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TeamsAdapter:
    """The Bot Framework adapter plus the behaviour behind it."""

    adapter: BotAdapter
    bot: TeamsBot
    auth: AuthMode

    async def aclose(self, timeout: float) -> None:
        """Let work in flight finish (up to ``timeout`` seconds)."""
        if not await self.bot.drain(timeout):
            log.warning("Teams work still running after %.0f s at shutdown", timeout)


TEAMS_ADAPTER_KEY = web.AppKey("teams_adapter", TeamsAdapter)


def action_type(settings: TeamsSettings) -> ActionType:
    return SUBMIT if settings.teams_card_actions == "submit" else EXECUTE


def build_teams_adapter(
    settings: TeamsSettings,
    core: CoreGateway,
    *,
    adapter: BotAdapter | None = None,
    roster: Roster | None = None,
    clock: Callable[[], datetime] = _utc_now,
    invoke_budget_seconds: float = 10.0,
    typing_every_seconds: float = 3.0,
    attachment_policy: AttachmentPolicy | None = None,
) -> TeamsAdapter:
    """The Teams adapter for ``settings``; ``core`` answers its events. ``adapter`` defaults
    to a ``CloudAdapter`` (tests pass botbuilder's ``TestAdapter``)."""
    bot_adapter = adapter if adapter is not None else build_cloud_adapter(settings)
    conversations = Conversations(bot_adapter, settings.microsoft_app_id.strip())
    delivery = Delivery(action_type(settings))
    bot = TeamsBot(
        core=core,
        conversations=conversations,
        roster=roster or Roster(),
        delivery=delivery,
        clock=clock,
        invoke_budget_seconds=invoke_budget_seconds,
        typing_every_seconds=typing_every_seconds,
        files=TeamsFiles(  # attachments:
            FileIntake(attachment_policy or AttachmentPolicy(), core.save_attachment)
        ),
    )
    return TeamsAdapter(
        adapter=bot_adapter,
        bot=bot,
        auth=auth_mode(settings),
    )
