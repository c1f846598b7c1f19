"""Files that came with a message: which ones may be taken, attaching them to a ticket after
it was created or noted, and what the person is told about each.

The adapters download files and describe them as :class:`~core.messages.AttachmentRef`;
:class:`AttachmentPolicy` is the one rule they all apply (size, count, type). The assistant
calls :func:`attach_all` after a ticket write succeeded: attaching never undoes, repeats or
fails that write, and its answer names every file that was not attached and why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from core.errors import BackendUnavailable, TicketingError, TicketNotFound, UnsupportedOperation
from core.messages import AttachmentRef, UserRef
from core.ports import AttachmentStore, StoredFile, TicketingSystem
from core.ratelimit import RateLimited
from core.settings import BLOCKED_EXTENSIONS, TicketbotSettings
from core.tickets import TicketRef

log = logging.getLogger(__name__)

_DEFAULTS = TicketbotSettings.model_fields
DEFAULT_MAX_BYTES: int = _DEFAULTS["attachment_max_bytes"].default
DEFAULT_MAX_COUNT: int = _DEFAULTS["attachment_max_count"].default
PENDING_KEY = "attachments"  # where a pending draft keeps its files (JSON)
NOT_FETCHED = "I couldn't fetch it"


class AttachmentRejected(TicketingError):
    """The help desk refused one file (its size or type); ``user_message`` says why."""


def owner_of(user: UserRef) -> str:
    """Whose files these are, as the attachment store records it."""
    return f"{user.platform}:{user.user_id}"


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} KB"
    return f"{size} bytes"


@dataclass(frozen=True)
class AttachmentPolicy:
    """What the adapters take from a message: at most ``max_count`` files of at most
    ``max_bytes`` each, none with a ``blocked_extensions`` ending."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_count: int = DEFAULT_MAX_COUNT
    blocked_extensions: tuple[str, ...] = BLOCKED_EXTENSIONS

    @classmethod
    def from_settings(cls, bot: TicketbotSettings) -> AttachmentPolicy:
        return cls(
            max_bytes=bot.attachment_max_bytes,
            max_count=bot.attachment_max_count,
            blocked_extensions=tuple(bot.attachment_blocked_extensions),
        )

    def problem(self, name: str, size: int | None) -> str | None:
        """Why the file cannot be taken (words for the person), or None."""
        extension = PurePosixPath(name.lower()).suffix.lstrip(".")
        if extension and extension in {e.lower().lstrip(".") for e in self.blocked_extensions}:
            return f".{extension} files aren't accepted by the help desk"
        if size is not None and size > self.max_bytes:
            return self.too_big(size)
        return None

    def too_big(self, size: int | None = None) -> str:
        what = f"it is {human_size(size)}" if size else "it is too big"
        return f"{what}; the help desk takes files up to {human_size(self.max_bytes)}"

    def too_many(self) -> str:
        return f"I take at most {self.max_count} files per message"


def refused(name: str, problem: str, content_type: str = "", size: int = 0) -> AttachmentRef:
    """A file that was not taken, and why."""
    return AttachmentRef(
        id="",
        name=name,
        content_type=content_type or "application/octet-stream",
        size=size,
        problem=problem,
    )


# -- carrying files along with a draft ------------------------------------------------------


def to_pending(attachments: Sequence[AttachmentRef]) -> dict[str, str]:
    """Values to keep in a pending draft so the files are attached when it is confirmed."""
    if not attachments:
        return {}
    plain = [
        {
            "id": a.id,
            "name": a.name,
            "content_type": a.content_type,
            "size": a.size,
            "problem": a.problem,
        }
        for a in attachments
    ]
    return {PENDING_KEY: json.dumps(plain, ensure_ascii=False)}


def from_pending(values: Mapping[str, str]) -> tuple[AttachmentRef, ...]:
    """The files a pending draft carries (none when its values hold nothing readable)."""
    raw = values.get(PENDING_KEY)
    if not raw:
        return ()
    try:
        items = json.loads(raw)
    except ValueError:
        log.warning("pending attachments unreadable")
        return ()
    found: list[AttachmentRef] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        found.append(
            AttachmentRef(
                id=str(item.get("id") or ""),
                name=item["name"],
                content_type=str(item.get("content_type") or "application/octet-stream"),
                size=int(item.get("size") or 0),
                problem=str(item.get("problem") or ""),
            )
        )
    return tuple(found)


# -- attaching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachOutcome:
    """Which files reached the ticket and which did not (with the reason)."""

    ticket: str
    attached: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    unsupported: str | None = None  # the backend holds no files at all: its own words

    @property
    def text(self) -> str | None:
        """The answer to add to the create or note reply; None when there were no files."""
        lines: list[str] = []
        if self.attached:
            lines.append(f"Attached to ticket {self.ticket}: {_names(self.attached)}.")
        if self.unsupported is not None:
            names = _names([name for name, _ in self.failed])
            lines.append(f"{self.unsupported} Not on the ticket: {names}.")
        elif self.failed:
            reasons = "; ".join(f"{name} ({why})" for name, why in self.failed)
            lines.append(f"Not attached: {reasons}.")
            lines.append(
                f"The ticket itself is fine. To add a file later, send it with "
                f"“ticket note {self.ticket} <a few words>”."
            )
        return "\n".join(lines) or None


def attach_all(
    ticketing: TicketingSystem,
    store: AttachmentStore,
    ref: TicketRef,
    attachments: Sequence[AttachmentRef],
    user: UserRef,
    *,
    ticket_label: str,
) -> AttachOutcome:
    """Attach each file to the ticket ``ref`` (already created or noted). Never raises: a file
    that fails is named in the outcome, and the ticket write stands."""
    attached: list[str] = []
    failed: list[tuple[str, str]] = []
    owner = owner_of(user)
    for index, item in enumerate(attachments):
        if item.problem or not item.id:
            failed.append((item.name, item.problem or NOT_FETCHED))
            continue
        try:
            stored = store.read(item.id, owner)
            if stored is None:
                failed.append((item.name, "I no longer have it"))
                continue
            ticketing.attach(ref, stored.name, stored.content_type, stored.data, user)
        except UnsupportedOperation as exc:
            log.info("attachments not supported backend=%s", ticketing.name)
            rest = [(a.name, "") for a in attachments[index:] if not a.problem and a.id]
            return AttachOutcome(
                ticket_label,
                tuple(attached),
                tuple(failed + rest),
                unsupported=exc.user_message,
            )
        except TicketingError as exc:
            log.warning(
                "attachment failed backend=%s ticket=%s file=%s: %s",
                ticketing.name,
                ref,
                item.id,
                exc.detail,
            )
            failed.append((item.name, _reason(exc)))
            continue
        except Exception:
            log.exception(
                "attachment failed backend=%s ticket=%s file=%s", ticketing.name, ref, item.id
            )
            failed.append((item.name, "something went wrong on my side"))
            continue
        attached.append(stored.name)
        try:
            store.discard(item.id)
        except Exception:  # it is attached; the purge removes the copy later
            log.exception("attached file not discarded file=%s", item.id)
    return AttachOutcome(ticket_label, tuple(attached), tuple(failed))


def _reason(exc: TicketingError) -> str:
    if isinstance(exc, AttachmentRejected):
        return exc.user_message
    if isinstance(exc, RateLimited):
        return "the help desk has had too many requests from me just now"
    if isinstance(exc, BackendUnavailable):
        return "the help desk didn't answer in time"
    if isinstance(exc, TicketNotFound):
        return "I couldn't find the ticket"
    return "the help desk refused it"


def _names(names: Sequence[str]) -> str:
    listed = list(names)
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


class _NoStore:
    """Where files are read from when the assistant was given no store: nothing is there."""

    def save(self, owner: str, name: str, content_type: str, data: bytes) -> str:
        raise RuntimeError("no attachment store")

    def read(self, attachment_id: str, owner: str) -> StoredFile | None:
        return None

    def discard(self, attachment_id: str) -> None:
        return None


NO_STORE: AttachmentStore = _NoStore()


# -- what the person is told when the files are not used yet --------------------------------


def draft_note(attachments: Sequence[AttachmentRef]) -> str:
    """Added to a drafted ticket: which files go with it, which cannot."""
    usable = [a.name for a in attachments if not a.problem and a.id]
    refused_ = [(a.name, a.problem) for a in attachments if a.problem or not a.id]
    lines: list[str] = []
    if usable:
        lines.append(f"I'll attach {_names(usable)} when you confirm.")
    if refused_:
        reasons = "; ".join(f"{name} ({why or NOT_FETCHED})" for name, why in refused_)
        lines.append(f"I can't attach: {reasons}.")
    return "\n".join(lines)


def unused_note(attachments: Sequence[AttachmentRef]) -> str:
    """For a message whose files went nowhere (a status question with a screenshot)."""
    names = _names([a.name for a in attachments])
    return (
        f"I didn't attach {names} to anything. To add it to a ticket, send it again with "
        "“ticket note <ticket number> <a few words>”, or describe the problem with it to open "
        "a new ticket."
    )


def turn_suffix(attachments: Sequence[AttachmentRef]) -> str:
    """What the stored turn says about the message's files ("" without files)."""
    if not attachments:
        return ""
    return f"\n[files: {', '.join(a.name for a in attachments)}]"


def files_only_text(attachments: Sequence[AttachmentRef]) -> str:
    """For a message with files and no words."""
    names = _names([a.name for a in attachments])
    return (
        f"I got {names}, but no words with it. Send it again with a sentence about what's "
        "wrong and I'll draft a ticket with it attached (or “ticket note <ticket number> "
        "<a few words>” to add it to a ticket you have)."
    )
