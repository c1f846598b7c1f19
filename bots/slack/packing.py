"""Carrying a card action's values through Slack's small containers.

A button's ``value`` holds at most 2,000 characters and a modal's ``private_metadata`` 3,000,
but a drafted ticket's values include the person's whole description. :func:`pack` keeps the
small values inline and parks the largest ones in a bounded, expiring in-process
:class:`Stash`; :func:`unpack` reports which parked values could not be found (after a restart
or expiry) so the caller can recover them or say so, never silently dropping them.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

BUTTON_VALUE_MAX = 2000
PRIVATE_METADATA_MAX = 3000

# The fields of a packed value: the values, where the parked ones are, and the callers' extras.
VALUES = "values"
STASH = "stash"
PARKED = "parked"
INPUTS = "inputs"  # the inputs a button's form asks for (``blocks.input_spec``)
ACTION = "action"  # the core action an Edit form or a modal submits
LABEL = "label"  # that action's label, for the modal's submit button
DESTINATION = "destination"  # where a modal's answers go (``Destination.compact``)
REQUIRED = "required"  # inputs that must not be left blank
MISSING = "missing"  # values already lost when the modal opened
# Buttons and modals posted before the fields had names carry one letter each.
_LEGACY = {
    "v": VALUES,
    "s": STASH,
    "k": PARKED,
    "i": INPUTS,
    "a": ACTION,
    "l": LABEL,
    "d": DESTINATION,
    "q": REQUIRED,
    "m": MISSING,
}


class Stash:
    """Values too large for Slack, by token; least recently stored entries go first."""

    def __init__(
        self,
        *,
        max_entries: int = 5000,
        ttl_seconds: float = 7 * 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[str, tuple[float, dict[str, str]]] = OrderedDict()
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._clock = clock

    def put(self, values: Mapping[str, str]) -> str:
        token = secrets.token_urlsafe(12)
        self._entries[token] = (self._clock() + self._ttl, dict(values))
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return token

    def get(self, token: str) -> dict[str, str] | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        expires, values = entry
        if expires < self._clock():
            del self._entries[token]
            return None
        return dict(values)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class Unpacked:
    """What :func:`unpack` found: the values, the extra fields and the keys it lost."""

    values: dict[str, str]
    extra: dict[str, Any]
    missing: tuple[str, ...] = ()


def pack(
    values: Mapping[str, str], stash: Stash, *, limit: int, extra: Mapping[str, Any] | None = None
) -> str:
    """Compact JSON of ``extra`` plus ``values`` (under :data:`VALUES`), at most ``limit``
    characters.

    ``extra`` must be small: only ``values`` entries are moved to the stash.
    """
    inline = dict(values)
    parked: dict[str, str] = {}
    doc: dict[str, Any] = {**(extra or {}), VALUES: inline}
    encoded = _dumps(doc)
    while len(encoded) > limit and inline:
        largest = max(inline, key=lambda key: len(inline[key]))
        parked[largest] = inline.pop(largest)
        # Placeholder length of the final token, so the size check is honest.
        doc = {**(extra or {}), VALUES: inline, STASH: "x" * 16, PARKED: sorted(parked)}
        encoded = _dumps(doc)
    if parked:
        doc[STASH] = stash.put(parked)
        encoded = _dumps(doc)
    if len(encoded) > limit:
        raise ValueError(f"cannot pack into {limit} characters: extra fields are too large")
    return encoded


def unpack(raw: str, stash: Stash) -> Unpacked:
    """Read what :func:`pack` wrote, now or with one-letter keys before. Raises
    ``ValueError`` for anything else."""
    try:
        found = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        # RecursionError: a forged value nested too deeply for the parser.
        raise ValueError("not a packed value") from exc
    if not isinstance(found, dict):
        raise ValueError("not a packed value")
    doc: dict[str, Any] = {_LEGACY.get(str(key), str(key)): v for key, v in found.items()}
    if not isinstance(doc.get(VALUES), dict):
        raise ValueError("not a packed value")
    values = {str(k): str(v) for k, v in doc.pop(VALUES).items()}
    token = doc.pop(STASH, None)
    parked_keys = doc.pop(PARKED, [])
    if not isinstance(parked_keys, list):
        raise ValueError("not a packed value")
    keys = [str(k) for k in parked_keys]
    missing: tuple[str, ...] = ()
    if token is not None:
        parked = stash.get(str(token))
        if parked is None:
            missing = tuple(keys)
        else:
            values.update(parked)
    return Unpacked(values=values, extra=doc, missing=missing)


def _dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class ParkedValues(Protocol):
    """Where a :class:`SharedStash` keeps values (``storage.card_values.SqlCardValues``)."""

    def put(self, values: Mapping[str, str]) -> str: ...
    def get(self, token: str) -> dict[str, str] | None: ...
    def count(self) -> int: ...


class SharedStash(Stash):
    """A :class:`Stash` in the database: every replica finds what any of them parked."""

    def __init__(self, parked: ParkedValues) -> None:
        super().__init__()
        self._parked = parked

    def put(self, values: Mapping[str, str]) -> str:
        return self._parked.put(values)

    def get(self, token: str) -> dict[str, str] | None:
        return self._parked.get(token)

    def __len__(self) -> int:
        return self._parked.count()
