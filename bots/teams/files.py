"""Files sent to the bot in Teams, downloaded and kept for the core.

- A file shared in a personal chat arrives as an attachment of type
  ``application/vnd.microsoft.teams.file.download.info`` whose ``content.downloadUrl`` is a
  short-lived, pre-authorised link: it is fetched as it is, never with the bot's token.
- A pasted image arrives as ``image/*`` with a ``contentUrl`` on the Bot Connector: that one
  needs the bot's token, which is only sent to the connector the activity came from.
- The message's own HTML copy (``text/html``) and cards are not files. Anything else with no
  URL to fetch (a file in a channel, which the bot can only reach through Microsoft Graph) is
  named to the person as not attached.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity
from botframework.connector.auth import AppCredentials

from bots.attachments import NOT_FETCHED, FileIntake, RemoteFile
from core.messages import AttachmentRef

log = logging.getLogger(__name__)

DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
NOT_FILES = (
    "text/html",
    "application/vnd.microsoft.card.",
    "application/vnd.microsoft.teams.card.",
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
NO_LINK = "Teams didn't give me a way to download it (files in channels aren't supported yet)"


@dataclass(frozen=True)
class TeamsFile:
    """One attachment of a message that is a file."""

    name: str
    content_type: str
    url: str
    on_connector: bool = False  # fetched with the bot's token


def files_of(activity: Activity) -> tuple[TeamsFile, ...]:
    """The files of a message activity, in order (its HTML copy and cards left out)."""
    connector = _origin(activity.service_url or "")
    found: list[TeamsFile] = []
    for attachment in activity.attachments or []:
        kind = str(attachment.content_type or "")
        if kind.lower().startswith(NOT_FILES):
            continue
        name = str(attachment.name or "")
        if kind == DOWNLOAD_INFO:
            content = attachment.content if isinstance(attachment.content, Mapping) else {}
            guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
            url = str(content.get("downloadUrl") or "")
            found.append(TeamsFile(name or "file", guessed, url))
            continue
        url = str(attachment.content_url or "")
        if kind.startswith("image/") and kind != "image/*":
            content_type = kind
        elif kind.startswith("image/"):
            content_type = "image/png"  # Teams says image/* for a pasted picture
        else:
            content_type = kind or "application/octet-stream"
        default = "image" + (mimetypes.guess_extension(content_type) or "")
        found.append(
            TeamsFile(
                name or default,
                content_type,
                url,
                on_connector=bool(url) and connector is not None and _origin(url) == connector,
            )
        )
    return tuple(found)


class TeamsFiles:
    """Downloads a message's files: links as they are, connector images with the bot token."""

    def __init__(self, intake: FileIntake) -> None:
        self.intake = intake

    async def take(
        self, turn_context: TurnContext, files: Sequence[TeamsFile], owner: str
    ) -> tuple[AttachmentRef, ...]:
        token = await _bot_token(turn_context) if any(f.on_connector for f in files) else None
        remotes = [_remote(f, token) for f in files]
        async with aiohttp.ClientSession() as session:
            return await self.intake.take(remotes, owner, session)


def _remote(file: TeamsFile, token: str | None) -> RemoteFile:
    problem: str | None = None
    if not file.url:
        problem = NO_LINK
    elif not _fetchable(file.url):
        log.warning("Teams file URL refused (not https): %s", urlsplit(file.url).hostname)
        problem = NOT_FETCHED
    headers = {"Authorization": f"Bearer {token}"} if file.on_connector and token else {}
    return RemoteFile(
        name=file.name,
        content_type=file.content_type,
        url=file.url,
        headers=headers,
        problem=problem,
    )


def _fetchable(url: str) -> bool:
    """https anywhere; plain http only on this machine (the Emulator, tests)."""
    if "\\" in url:
        return False
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)


def _origin(url: str) -> tuple[str, str | None, int | None] | None:
    try:
        parts = urlsplit(url)
        return (parts.scheme, parts.hostname, parts.port) if parts.hostname else None
    except ValueError:
        return None


async def _bot_token(turn_context: TurnContext) -> str | None:
    """The token the turn's connector client uses (none in local mode)."""
    client = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    credentials = getattr(getattr(client, "config", None), "credentials", None)
    if not isinstance(credentials, AppCredentials) or not credentials.microsoft_app_id:
        return None
    try:
        # MSAL is synchronous; its token is cached, so this is quick after the first time.
        return await asyncio.get_running_loop().run_in_executor(None, credentials.get_access_token)
    except Exception:
        log.exception("could not get the bot's token to download a Teams image")
        return None
