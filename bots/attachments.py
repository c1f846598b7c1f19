"""Taking the files that come with a message, for every adapter: check each against the
:class:`~core.attachments.AttachmentPolicy`, download it (never more than the size limit), keep
it in the attachment store and describe it to the core as an
:class:`~core.messages.AttachmentRef`.

A file that cannot be taken is not an error: it becomes a ref with a ``problem`` the core puts
into its answer, and one log line says why.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import aiohttp

from core.attachments import AttachmentPolicy, refused
from core.messages import AttachmentRef

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_SECONDS = 30.0
CHUNK = 64 * 1024
NOT_FETCHED = "I couldn't download it from the chat service"

Saver = Callable[[str, str, str, bytes], Awaitable[str]]


@dataclass(frozen=True)
class RemoteFile:
    """A file a message points to. ``headers`` authorize the download (never logged);
    ``problem`` is set when the adapter already knows it cannot be fetched."""

    name: str
    content_type: str
    url: str = ""
    size: int | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    problem: str | None = None


class DownloadFailed(Exception):
    """``reason`` is for the person, ``detail`` for the log."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class FileIntake:
    """Downloads and keeps a message's files (shared by the Slack and Teams adapters)."""

    def __init__(self, policy: AttachmentPolicy, save: Saver) -> None:
        self.policy = policy
        self._save = save

    async def take(
        self, files: Sequence[RemoteFile], owner: str, session: aiohttp.ClientSession
    ) -> tuple[AttachmentRef, ...]:
        """One ref per file, in order: stored, or with the reason it was not."""
        refs: list[AttachmentRef] = []
        for index, remote in enumerate(files):
            problem = remote.problem
            if problem is None and index >= self.policy.max_count:
                problem = self.policy.too_many()
            if problem is None:
                problem = self.policy.problem(remote.name, remote.size)
            if problem is not None:
                log.info("file not taken name=%r: %s", remote.name, problem)
                refs.append(refused(remote.name, problem, remote.content_type, remote.size or 0))
                continue
            refs.append(await self._fetch_and_keep(remote, owner, session))
        return tuple(refs)

    async def _fetch_and_keep(
        self, remote: RemoteFile, owner: str, session: aiohttp.ClientSession
    ) -> AttachmentRef:
        try:
            data = await self.download(session, remote)
        except DownloadFailed as exc:
            log.warning("file not downloaded name=%r: %s", remote.name, exc.detail)
            return refused(remote.name, exc.reason, remote.content_type, remote.size or 0)
        try:
            attachment_id = await self._save(owner, remote.name, remote.content_type, data)
        except Exception:
            log.exception("file not stored name=%r", remote.name)
            return refused(remote.name, "I couldn't keep it", remote.content_type, len(data))
        return AttachmentRef(attachment_id, remote.name, remote.content_type, len(data))

    async def download(self, session: aiohttp.ClientSession, remote: RemoteFile) -> bytes:
        """The file's bytes; :class:`DownloadFailed` for an error answer, an HTML page instead
        of a file (a sign-in page: the app lacks the right to read files), or more bytes than
        the policy allows (never read past the limit)."""
        limit = self.policy.max_bytes
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_SECONDS)
        try:
            async with session.get(
                remote.url, headers=dict(remote.headers), timeout=timeout
            ) as response:
                if response.status != 200:
                    raise DownloadFailed(NOT_FETCHED, f"HTTP {response.status}")
                served = response.content_type or ""
                if served == "text/html" and not remote.content_type.startswith("text/html"):
                    raise DownloadFailed(
                        NOT_FETCHED, "an HTML page instead of the file (missing permission?)"
                    )
                if response.content_length is not None and response.content_length > limit:
                    raise DownloadFailed(
                        self.policy.too_big(response.content_length),
                        f"{response.content_length} bytes announced",
                    )
                data = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK):
                    data.extend(chunk)
                    if len(data) > limit:
                        raise DownloadFailed(self.policy.too_big(), f"over {limit} bytes")
                return bytes(data)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DownloadFailed(NOT_FETCHED, type(exc).__name__) from exc
