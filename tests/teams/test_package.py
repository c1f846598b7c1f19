"""The Teams app package: zip layout, icon sizes and transparency, manifest fields, and
``ticketbot teams-package``."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bots.__main__ import main
from bots.teams.package import (
    COMMAND_DESCRIPTION_MAX,
    COMMAND_TITLE_MAX,
    MANIFEST_SCHEMA,
    MANIFEST_VERSION,
    PackageError,
    build_manifest,
    build_package,
)
from core.commands import USAGE, is_command, parse_command
from core.settings import TeamsSettings

APP_ID = str(uuid.UUID("6f1b3c2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"))


def settings(**changes: Any) -> TeamsSettings:
    values: dict[str, Any] = {
        "microsoft_app_id": APP_ID,
        "microsoft_app_password": "test-secret",
        "teams_app_version": "1.2.3",
        "teams_website_url": "https://helpdesk.example.com/",
        "teams_valid_domains": ["helpdesk.example.com", "*.example.org"],
    }
    values.update(changes)
    return TeamsSettings(**values)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_package_has_the_manifest_and_both_icons_at_its_root() -> None:
    files = unzip(build_package(settings()))

    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_icons_have_the_sizes_teams_requires_and_the_outline_is_white_on_transparent() -> None:
    files = unzip(build_package(settings()))

    color = Image.open(io.BytesIO(files["color.png"]))
    outline = Image.open(io.BytesIO(files["outline.png"]))

    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    pixels = [outline.getpixel((x, y)) for x in range(32) for y in range(32)]
    drawn = [p for p in pixels if p[3] > 0]  # type: ignore[index]
    assert drawn, "the outline icon is empty"
    assert len(drawn) < len(pixels) // 2, "the outline icon is not mostly transparent"
    assert {p[:3] for p in drawn} == {(255, 255, 255)}  # type: ignore[index]
    assert outline.getpixel((0, 0))[3] == 0  # type: ignore[index]
    # The colour icon is the accent colour with a white glyph.
    assert color.convert("RGB").getpixel((0, 0)) == (0x2B, 0x57, 0x9A)
    rgb = color.convert("RGB")
    assert (255, 255, 255) in {rgb.getpixel((x, y)) for x in range(192) for y in range(192)}


def test_the_manifest_names_the_bot_its_scopes_commands_and_domains() -> None:
    manifest = build_manifest(settings())

    assert manifest["$schema"] == MANIFEST_SCHEMA
    assert MANIFEST_SCHEMA.endswith(f"/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == MANIFEST_VERSION
    assert manifest["version"] == "1.2.3"
    assert manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    (commands,) = bot["commandLists"]
    assert commands["scopes"] == ["personal", "team", "groupChat"]
    assert [c["title"] for c in commands["commands"]] == [f"ticket {verb}" for verb in USAGE]
    for command in commands["commands"]:
        assert 0 < len(command["title"]) <= COMMAND_TITLE_MAX
        assert 0 < len(command["description"]) <= COMMAND_DESCRIPTION_MAX
        # What Teams puts in the compose box is the start of a command the core parses.
        assert is_command(command["title"])
    assert len(commands["commands"]) <= 10
    assert manifest["validDomains"] == ["helpdesk.example.com", "*.example.org"]
    assert manifest["developer"] == {
        "name": "IT help desk",
        "websiteUrl": "https://helpdesk.example.com/",
        "privacyUrl": "https://helpdesk.example.com/",
        "termsOfUseUrl": "https://helpdesk.example.com/",
    }
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert manifest["accentColor"] == "#2B579A"


def test_every_listed_command_parses_once_completed() -> None:
    examples = {
        "ticket status": "ticket status 48213",
        "ticket new": "ticket new printer jammed --priority High",
        "ticket note": "ticket note 48213 it happened again",
        "ticket list": "ticket list",
        "ticket close": "ticket close 48213",
        "ticket reopen": "ticket reopen 48213 it broke again",
        "ticket priority": "ticket priority 48213 High",
        "ticket mute": "ticket mute 48213",
        "ticket unmute": "ticket unmute 48213",
        "ticket help": "ticket help",
    }
    titles = [
        c["title"] for c in build_manifest(settings())["bots"][0]["commandLists"][0]["commands"]
    ]

    assert sorted(titles) == sorted(examples)
    for title in titles:
        parsed = parse_command(examples[title])
        assert getattr(parsed, "verb", None) == title.split()[1]


def test_the_website_defaults_to_the_first_valid_domain() -> None:
    manifest = build_manifest(
        settings(teams_website_url="", teams_privacy_url="https://p.example/")
    )

    assert manifest["developer"]["websiteUrl"] == "https://helpdesk.example.com"
    assert manifest["developer"]["privacyUrl"] == "https://p.example/"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"microsoft_app_id": ""}, "MICROSOFT_APP_ID is not set"),
        ({"microsoft_app_id": "my-bot"}, "is not a GUID"),
        ({"teams_app_version": "1.0"}, "TEAMS_APP_VERSION"),
        ({"teams_accent_color": "blue"}, "TEAMS_ACCENT_COLOR"),
        ({"teams_valid_domains": ["https://helpdesk.example.com/x"]}, "TEAMS_VALID_DOMAINS"),
        ({"teams_website_url": "http://helpdesk.example.com"}, "not an https address"),
        ({"teams_website_url": "https://evil.example\\@helpdesk.example.com/"}, "not an https"),
        ({"teams_privacy_url": "https://user@helpdesk.example.com/"}, "not an https address"),
        ({"teams_website_url": "", "teams_valid_domains": []}, "TEAMS_WEBSITE_URL is not set"),
    ],
)
def test_settings_that_cannot_make_a_valid_package_are_named(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PackageError, match=message):
        build_package(settings(**changes))


def test_the_command_writes_the_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("TEAMS_WEBSITE_URL", "https://helpdesk.example.com/")
    monkeypatch.setenv("TEAMS_VALID_DOMAINS", "helpdesk.example.com, bot.example.com")
    monkeypatch.setenv("TEAMS_APP_VERSION", "2.0.1")
    out = tmp_path / "out" / "app.zip"
    out.parent.mkdir()

    assert main(["teams-package", "--out", str(out)]) == 0

    manifest = json.loads(unzip(out.read_bytes())["manifest.json"])
    assert manifest["version"] == "2.0.1"
    assert manifest["validDomains"] == ["helpdesk.example.com", "bot.example.com"]
    assert str(out) in capsys.readouterr().out


def test_the_command_explains_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MICROSOFT_APP_ID", "")

    assert main(["teams-package", "--out", str(tmp_path / "app.zip")]) == 1

    assert "MICROSOFT_APP_ID is not set" in capsys.readouterr().err
    assert not (tmp_path / "app.zip").exists()
