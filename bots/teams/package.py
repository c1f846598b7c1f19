"""The Teams app package: a zip with ``manifest.json``, ``color.png`` and ``outline.png`` at its
root, ready to upload in Teams (Apps → Manage your apps → Upload an app) or the Teams admin
center.

The manifest follows the current app manifest schema; its bot is the Azure bot registration
(``MICROSOFT_APP_ID``) in personal chats, teams and group chats, and its command list is the
command grammar of :mod:`core.commands`, so the commands appear in the compose box.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bots.teams.icons import color_icon, outline_icon
from core.commands import USAGE
from core.settings import TeamsSettings

MANIFEST_VERSION = "1.22"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
SCOPES = ("personal", "team", "groupChat")
COMMAND_TITLE_MAX = 32
COMMAND_DESCRIPTION_MAX = 128
COMMANDS_MAX = 10
SHORT_NAME_MAX = 30
COLOR_FILE = "color.png"
OUTLINE_FILE = "outline.png"

COMMAND_DESCRIPTIONS = {
    "status": "Show a ticket: status, priority, who has it and the latest notes",
    "new": "Open a ticket: a short summary, optionally --priority Low|Medium|High|Critical",
    "note": "Add a note to one of your tickets",
    "list": "List your open tickets",
    "close": "Close one of your tickets (asks first)",
    "help": "What I can do, with examples",
}

_SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_DOMAIN_RE = re.compile(r"^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?$")


class PackageError(ValueError):
    """The settings can't make a valid package; the message says which setting to fix."""


def commands() -> list[dict[str, str]]:
    """The compose-box commands: one per verb of the command grammar."""
    listed = []
    for verb, usage in USAGE.items():
        title = f"ticket {verb}"
        description = COMMAND_DESCRIPTIONS.get(verb) or " ".join(usage.split())
        listed.append(
            {
                "title": title[:COMMAND_TITLE_MAX],
                "description": description[:COMMAND_DESCRIPTION_MAX],
            }
        )
    return listed[:COMMANDS_MAX]


def build_manifest(settings: TeamsSettings) -> dict[str, Any]:
    """``manifest.json`` for ``settings``. Raises :class:`PackageError` naming what to fix."""
    app_id = settings.microsoft_app_id.strip()
    if not app_id:
        raise PackageError(
            "MICROSOFT_APP_ID is not set: the package needs the bot's Azure app registration id"
        )
    try:
        uuid.UUID(app_id)
    except ValueError as exc:
        raise PackageError(f"MICROSOFT_APP_ID {app_id!r} is not a GUID") from exc
    version = settings.teams_app_version.strip()
    if not _SEMVER_RE.match(version):
        raise PackageError(f"TEAMS_APP_VERSION {version!r} is not like 1.0.0")
    accent = settings.teams_accent_color.strip()
    if not _COLOR_RE.match(accent):
        raise PackageError(f"TEAMS_ACCENT_COLOR {accent!r} is not like #2B579A")
    domains = [d.strip() for d in settings.teams_valid_domains if d.strip()]
    for domain in domains:
        if not _DOMAIN_RE.match(domain):
            raise PackageError(
                f"TEAMS_VALID_DOMAINS entry {domain!r} is not a domain (no https://, no path)"
            )
    website = _https(
        "TEAMS_WEBSITE_URL",
        settings.teams_website_url or (f"https://{domains[0].lstrip('*.')}" if domains else ""),
    )
    name = settings.teams_app_name.strip() or "Ticketbot"
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": settings.teams_developer_name.strip() or name,
            "websiteUrl": website,
            "privacyUrl": _https("TEAMS_PRIVACY_URL", settings.teams_privacy_url or website),
            "termsOfUseUrl": _https("TEAMS_TERMS_URL", settings.teams_terms_url or website),
        },
        "name": {"short": name[:SHORT_NAME_MAX], "full": f"{name}: IT help desk assistant"},
        "description": {
            "short": "Open and follow IT help desk tickets from chat",
            "full": (
                "Tell the help desk assistant what's wrong in your own words and it opens a "
                "ticket, or ask it about one you have: status, notes, closing. In a channel or "
                "group chat, mention it. Commands: "
                + "; ".join(" ".join(u.split()) for u in USAGE.values())
                + "."
            ),
        },
        "icons": {"color": COLOR_FILE, "outline": OUTLINE_FILE},
        "accentColor": accent.upper(),
        "bots": [
            {
                "botId": app_id,
                "scopes": list(SCOPES),
                "supportsFiles": True,  # personal chats can send the bot files
                "isNotificationOnly": False,
                "commandLists": [{"scopes": list(SCOPES), "commands": commands()}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        # triage: replies under a triage card arrive without a mention of the bot (the team's
        # owner consents at install); every other unmentioned channel message is dropped.
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [{"name": "ChannelMessage.Read.Group", "type": "Application"}]
            }
        },
        "validDomains": domains,
    }


def build_package(settings: TeamsSettings) -> bytes:
    """The app package zip. Raises :class:`PackageError` naming what to fix."""
    manifest = build_manifest(settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        archive.writestr(COLOR_FILE, color_icon(manifest["accentColor"]))
        archive.writestr(OUTLINE_FILE, outline_icon())
    return buffer.getvalue()


def write_package(settings: TeamsSettings, path: Path) -> Path:
    path.write_bytes(build_package(settings))
    return path


def _https(setting: str, url: str) -> str:
    url = url.strip()
    if not url:
        raise PackageError(
            f"{setting} is not set: Teams needs https links for the developer's website, "
            "privacy and terms (TEAMS_WEBSITE_URL is enough; the others default to it)"
        )
    parts = urlsplit(url)
    # A backslash or user info makes parsers disagree on the host (browsers read "\\" as "/").
    if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc or "\\" in url:
        raise PackageError(f"{setting} {url!r} is not an https address")
    return url
