"""Building the Slack adapter: the Web API client, the Bolt ``AsyncApp`` and its listeners,
all from the settings handed in (nothing is read from the environment here)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bots.attachments import FileIntake
from bots.slack.bot import SlackBot
from bots.slack.files import SlackFiles
from bots.slack.gateway import CoreGateway
from bots.slack.listeners import SlackListeners, register
from bots.slack.packing import Stash
from bots.slack.users import UserDirectory
from core.attachments import AttachmentPolicy
from core.settings import Settings, SlackSettings

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def http_mode(settings: SlackSettings) -> bool:
    """HTTP mode (``/slack/events``): a bot token and a signing secret, no app-level token."""
    return bool(settings.bot_token and settings.signing_secret and not settings.app_token)


def socket_mode(settings: SlackSettings) -> bool:
    """Socket Mode: a bot token and an app-level (``xapp-``) token."""
    return bool(settings.bot_token and settings.app_token)


@dataclass
class SlackAdapter:
    """The Bolt app plus the behaviour behind it."""

    app: AsyncApp
    bot: SlackBot

    async def aclose(self, timeout: float) -> None:
        """Let work in flight finish (up to ``timeout`` seconds)."""
        if not await self.bot.drain(timeout):
            log.warning("Slack work still running after %.0f s at shutdown", timeout)


SLACK_ADAPTER_KEY = web.AppKey("slack_adapter", SlackAdapter)


def build_slack_adapter(
    settings: Settings,
    core: CoreGateway,
    *,
    clock: Callable[[], datetime] = _utc_now,
    stash: Stash | None = None,
) -> SlackAdapter:
    """The adapter for ``settings.slack``; ``core`` answers its events."""
    slack = settings.slack
    if slack.bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    client = AsyncWebClient(
        token=slack.bot_token.get_secret_value(),
        base_url=slack.api_url,
        logger=logging.getLogger("slack_sdk.web"),
    )
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    # Single-workspace authorization calls auth.test once, on the first request, and learns
    # the bot's own user id there (used to ignore its own messages).
    app = AsyncApp(
        client=client,
        signing_secret=slack.signing_secret.get_secret_value() if slack.signing_secret else "",
        name="ticketbot",
        logger=logging.getLogger("slack_bolt"),
        # Bolt's ack-first mode: the HTTP response goes out as soon as ack() is called.
        process_before_response=False,
    )
    stash = Stash() if stash is None else stash
    bot = SlackBot(
        core=core,
        client=client,
        users=UserDirectory(client),
        stash=stash,
        clock=clock,
        slow_notice_seconds=settings.bot.slow_reply_notice_seconds,
        files=SlackFiles(  # attachments:
            client, FileIntake(AttachmentPolicy.from_settings(settings.bot), core.save_attachment)
        ),
    )
    register(app, SlackListeners(bot, clock))
    return SlackAdapter(app=app, bot=bot)
