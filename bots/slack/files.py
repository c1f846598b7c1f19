"""Files shared in a Slack message (``subtype: file_share``): read from the event, downloaded
from ``url_private_download`` with the bot token (scope ``files:read``), kept for the core.

The token is only ever sent to Slack's own file hosts (or to the Web API's host, which is where
a test's loopback Slack serves files): a file URL anywhere else is not fetched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bots.attachments import NOT_FETCHED, FileIntake, RemoteFile
from bots.slack.errors import SLACK_CALL_ERRORS, reason
from core.messages import AttachmentRef

log = logging.getLogger(__name__)

FILE_HOSTS = frozenset({"files.slack.com", "files.slack-gov.com"})
NOT_A_FILE = "it is a link or a post, not a file I can attach"


@dataclass(frozen=True)
class SlackFile:
    """What a message event says about one shared file."""

    id: str
    name: str
    mimetype: str = "application/octet-stream"
    size: int | None = None
    url: str = ""
    mode: str = "hosted"
    file_access: str = "visible"


def files_of(event: Mapping[str, Any]) -> tuple[SlackFile, ...]:
    """The files of a message event (``files``), in order."""
    found = []
    for raw in event.get("files") or []:
        if isinstance(raw, Mapping) and raw.get("id"):
            found.append(_file(raw))
    return tuple(found)


def _file(raw: Mapping[str, Any]) -> SlackFile:
    size = raw.get("size")
    return SlackFile(
        id=str(raw["id"]),
        name=str(raw.get("name") or raw.get("title") or raw["id"]),
        mimetype=str(raw.get("mimetype") or "application/octet-stream"),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        url=str(raw.get("url_private_download") or raw.get("url_private") or ""),
        mode=str(raw.get("mode") or "hosted"),
        file_access=str(raw.get("file_access") or "visible"),
    )


class SlackFiles:
    """Downloads a message's files with the Web API client's token and session."""

    def __init__(self, client: AsyncWebClient, intake: FileIntake) -> None:
        self.client = client
        self.intake = intake

    async def take(self, files: Sequence[SlackFile], owner: str) -> tuple[AttachmentRef, ...]:
        remotes = [self._remote(await self._described(f)) for f in files]
        session = self.client.session
        if session is not None and not session.closed:
            return await self.intake.take(remotes, owner, session)
        async with aiohttp.ClientSession() as own:
            return await self.intake.take(remotes, owner, own)

    async def _described(self, file: SlackFile) -> SlackFile:
        """Slack sends only the id of some files (``file_access: check_file_info``)."""
        if file.file_access != "check_file_info":
            return file
        try:
            response = await self.client.files_info(file=file.id)
        except SLACK_CALL_ERRORS as exc:
            log.warning("files.info failed file=%s: %s", file.id, reason(exc))
            return replace(file, file_access="access_denied")
        raw = response.get("file")
        return _file(raw) if isinstance(raw, Mapping) and raw.get("id") else file

    def _remote(self, file: SlackFile) -> RemoteFile:
        problem: str | None = None
        if file.file_access not in ("visible", "check_file_info"):
            problem = NOT_FETCHED
        elif file.mode in ("external", "post", "space"):
            problem = NOT_A_FILE
        elif not file.url:  # deleted, or hidden by the workspace's plan
            problem = NOT_FETCHED
        elif not self._trusted(file.url):
            log.warning("file URL not on a Slack file host: file=%s", file.id)
            problem = NOT_FETCHED
        token = self.client.token or ""
        return RemoteFile(
            name=file.name,
            content_type=file.mimetype,
            url=file.url,
            size=file.size,
            headers={"Authorization": f"Bearer {token}"} if problem is None else {},
            problem=problem,
        )

    def _trusted(self, url: str) -> bool:
        """Slack's file hosts over https, or the Web API's own origin."""
        if "\\" in url or "@" in url.split("//", 1)[-1].split("/", 1)[0]:
            return False
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname in FILE_HOSTS and parts.port is None:
            return True
        api = urlsplit(self.client.base_url)
        return (parts.scheme, parts.hostname, parts.port) == (api.scheme, api.hostname, api.port)
