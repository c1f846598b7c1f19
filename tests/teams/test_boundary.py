"""The Bot Framework SDK is archived: everything that uses it stays in bots/teams, so a move to
the Microsoft 365 Agents SDK touches one folder."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDK_PACKAGES = ("botbuilder", "botframework", "msrest", "jwt")


def test_only_bots_teams_imports_the_bot_framework_sdk() -> None:
    offenders = []
    for folder in ("bots", "core", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.is_relative_to(ROOT / "bots" / "teams"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                stripped = line.strip()
                if stripped.startswith(
                    tuple(f"{kw} {p}" for kw in ("import", "from") for p in SDK_PACKAGES)
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert offenders == []
