"""Every setting is in ``.env.example`` and the README, and the defaults they show are the ones
the code uses (the same ``ticketbot config`` prints): a new setting can't be forgotten."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bots.cli.config import UNSET, Row, rows
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
_EXAMPLE_LINE = re.compile(r"^# ([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)
# A README settings row: | `NAME` | default | meaning |, or several names with their defaults
# in the same order (`A` / `B` | `1` / `2`), or one default cell for all of them.
_README_ROW = re.compile(r"^\| ((?:`[A-Z][A-Z0-9_]*`(?:, | / )?)+) \| ((?:[^|\\]|\\.)*) \|", re.M)


@pytest.fixture
def defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Row]:
    """``ticketbot config``'s rows for an empty environment and no .env."""
    monkeypatch.chdir(tmp_path)
    for row in rows(Settings()):
        monkeypatch.delenv(row.name, raising=False)
    return list(rows(Settings()))


def test_every_setting_is_in_env_example_and_the_readme(defaults: list[Row]) -> None:
    in_example = set(dict(_EXAMPLE_LINE.findall(EXAMPLE)))

    assert [r.name for r in defaults if r.name not in in_example] == []
    assert [r.name for r in defaults if f"`{r.name}`" not in README] == []
    assert sorted(in_example - {r.name for r in defaults}) == []  # nothing stale


def test_env_example_shows_the_defaults_and_loads_as_them(
    defaults: list[Row], tmp_path: Path
) -> None:
    example = dict(_EXAMPLE_LINE.findall(EXAMPLE))
    # Uncommenting every line that has a value must change nothing.
    (tmp_path / ".env").write_text(
        "".join(f"{name}={value}\n" for name, value in example.items() if value),
        encoding="utf-8",
    )
    loaded = {row.name: row.value for row in rows(Settings())}

    for row in defaults:
        assert loaded[row.name] == row.value, row.name
        if row.value in (UNSET, "[]", "{}"):
            assert example[row.name] == "", row.name
        elif row.name != "TICKETBOT_KNOWLEDGE_FILE":  # shown empty: the shipped file
            assert _same(example[row.name], row.value), row.name


def _documented_defaults() -> dict[str, str]:
    found: dict[str, str] = {}
    for names_cell, default_cell in _README_ROW.findall(README):
        separator = " / " if " / " in names_cell else ", "
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", names_cell)
        cells = default_cell.split(separator)
        if len(cells) == 1:
            cells = cells * len(names)
        if len(cells) == len(names):
            found.update(zip(names, cells, strict=True))
    return found


def test_readme_defaults_agree_with_config(defaults: list[Row]) -> None:
    documented = _documented_defaults()
    assert {"OPENAI_API_VERSION", "AUTOTASK_STATUS_NEW", "PORT"} <= set(documented)
    wrong = []
    for row in defaults:
        cell = documented.get(row.name)
        if cell is None or row.name == "TICKETBOT_KNOWLEDGE_FILE":  # the shipped file's path
            continue  # (or documented in the text rather than a table)
        literals = re.findall(r"`([^`]*)`", cell)
        if row.value in (UNSET, "[]", "{}"):
            if literals:
                wrong.append(f"{row.name}: README says {cell.strip()}, config says not set")
        elif not any(_same(literal, row.value) for literal in literals):
            wrong.append(f"{row.name}: README says {cell.strip()}, config says {row.value}")

    assert wrong == []


def _same(documented: str, shown: str) -> bool:
    """``3`` and ``3.0``, ``true`` and ``True`` are the same default."""

    def norm(text: str) -> str:
        text = text.strip().lower()
        return text[:-2] if text.endswith(".0") else text

    return norm(documented) == norm(shown)
