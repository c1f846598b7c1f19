"""Reading JSON answers of help desk APIs: field names in any case, UTC times."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_FRACTION_RE = re.compile(r"(\.\d{6})\d+")


class Item:
    """One entity as Autotask returned it, read with case-insensitive field names.

    The API answers in camelCase (``ticketNumber``, ``companyID``) while the Swagger models are
    PascalCase; reading by lower-cased name accepts both.
    """

    __slots__ = ("_fields", "raw")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)
        self._fields = {str(key).lower(): value for key, value in raw.items()}

    def get(self, name: str) -> Any:
        return self._fields.get(name.lower())

    def integer(self, name: str) -> int | None:
        return as_int(self.get(name))

    def text(self, name: str) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def time(self, name: str) -> datetime | None:
        return parse_time(self.get(name))

    @property
    def id(self) -> int:
        value = self.integer("id")
        if value is None:
            raise ValueError("Autotask item without an id")
        return value

    def __repr__(self) -> str:
        return f"Item({self.raw!r})"


def as_int(value: Any) -> int | None:
    """An integer from an int, a float with no fraction or a string holding one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def parse_time(value: Any) -> datetime | None:
    """Autotask times are UTC, often written without an offset (``2016-03-30T13:10:35.563``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = _FRACTION_RE.sub(r"\1", value.strip())  # .NET writes 7 fractional digits
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    """A UTC time as Autotask accepts it in a request body."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def items_of(answer: Mapping[str, Any]) -> list[Item]:
    """The ``items`` of a query answer (an absent or null list reads as empty)."""
    raw = Item(answer).get("items")
    if not isinstance(raw, list):
        return []
    return [Item(entry) for entry in raw if isinstance(entry, Mapping)]


def item_of(answer: Mapping[str, Any]) -> Item | None:
    """The ``item`` of a single-entity answer; ``None`` when Autotask answered ``null``."""
    raw = Item(answer).get("item")
    return Item(raw) if isinstance(raw, Mapping) else None
