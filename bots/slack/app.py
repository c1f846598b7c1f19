"""Building the Slack adapter: the Web API client, the Bolt ``AsyncApp`` and its listeners,
all from the settings handed in (nothing is read from the environment here)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bots.attachments import FileIntake
from bots.slack.bot import SlackBot
from bots.slack.files import SlackFiles
from bots.slack.gateway import CoreGateway
from bots.slack.listeners import SlackListeners, register
from bots.slack.packing import SharedStash, Stash
from bots.slack.payloads import handled_type, problem
from bots.slack.users import UserDirectory
from core.attachments import AttachmentPolicy
from core.settings import Settings, SlackSettings
from storage.db import Database

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
    verifier: SignatureVerifier | None = None
    """Checks the signature of HTTP requests (``None`` in Socket Mode)."""

    async def aclose(self, timeout: float) -> None:
        """Let work in flight finish (up to ``timeout`` seconds)."""
        if not await self.bot.drain(timeout):
            log.warning("Slack work still running after %.0f s at shutdown", timeout)

    async def open_connections(self) -> None:
        """One pool of HTTP connections, kept alive, for every Web API and ``response_url``
        call of this process (on the running loop). Without it the SDK opens a session (a TCP
        and TLS handshake) per call."""
        client = self.bot.client
        if client.session is None or client.session.closed:
            client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=client.timeout)
            )

    async def close_connections(self) -> None:
        """Close the pool (shutdown). A call after it still works: the SDK then opens a session
        of its own for it, as it does for a closed one."""
        session, self.bot.client.session = self.bot.client.session, None
        if session is not None:
            await session.close()


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
    # Single-workspace authorization calls auth.test once, on the first request, and learns
    # the bot's own user id there (used to ignore its own messages). Bolt builds the Web API
    # client from the token; given a client too, it would warn that the token is unused
    # (it reads SLACK_BOT_TOKEN from the environment itself when no token is passed).
    app = CheckedApp(
        token=slack.bot_token.get_secret_value(),
        signing_secret=slack.signing_secret.get_secret_value() if slack.signing_secret else "",
        name="ticketbot",
        logger=logging.getLogger("slack_bolt"),
        # The HTTP response goes out when the listener returns: a listener keeps the request
        # in the durable inbox first (fast), and leaves the slow work to a background task.
        process_before_response=True,
    )
    client: AsyncWebClient = app.client
    client.base_url = slack.api_url
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
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
    app.error(_one_line_error)
    secret = slack.signing_secret
    verifier = SignatureVerifier(secret.get_secret_value()) if secret else None
    return SlackAdapter(app=app, bot=bot, verifier=verifier)


class CheckedApp(AsyncApp):
    """Bolt's app behind a check of the payload's shape (HTTP and Socket Mode alike): Bolt
    indexes into payloads before any middleware runs (``body["actions"][0]``...), so a
    malformed one would fail with a 500. It gets a 400 and one log line instead.

    In HTTP mode the signature is checked before this (see :mod:`bots.slack.http`)."""

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        reason = problem(req.body)
        if reason is not None:
            log.warning("Slack request refused: %s", reason)
            return BoltResponse(status=400, body={"error": "malformed payload"})
        if not handled_type(req.body):
            log.warning("Slack request not handled: payload type %.40r", req.body.get("type"))
            return BoltResponse(status=404, body={"error": "unhandled request"})
        return await super().async_dispatch(req)

    def _handle_unmatched_requests(self, req: AsyncBoltRequest, resp: BoltResponse) -> BoltResponse:
        # Bolt's own warning spans a dozen lines (a code suggestion); one line is enough.
        body = req.body
        event = body.get("event")
        log.warning(
            "Slack request not handled: type=%.40r event=%.40r command=%.40r",
            body.get("type"),
            event.get("type") if isinstance(event, dict) else None,
            body.get("command"),
        )
        return resp


# Errors Bolt or a listener raise while handling a request. A Web API that cannot be reached
# (auth.test on the first request) is a 503, so that Slack delivers the event again.
_UNAVAILABLE = (aiohttp.ClientError, TimeoutError, SlackApiError)


async def _one_line_error(error: Exception) -> BoltResponse:
    """Bolt's error handler: one log line instead of Bolt's traceback (kept at debug level)."""
    log.error("Slack request failed: %s: %s", type(error).__name__, error)
    log.debug("Slack request failure", exc_info=error)
    if isinstance(error, _UNAVAILABLE):
        return BoltResponse(status=503, body={"error": "Slack API unavailable"})
    return BoltResponse(status=500, body={"error": "internal error"})


def database_stash(database: Database, clock: Callable[[], datetime]) -> SharedStash:
    """Card values too long for Slack, kept in the database for every replica (a week)."""
    from storage.card_values import SqlCardValues

    return SharedStash(SqlCardValues(database, clock, timedelta(days=7)))
