"""Field definitions and picklists from ``/V1.0/{Entity}/entityInformation/fields``.

Picklist values are per tenant: the integer behind "High" differs, labels differ ("Severity 4 -
TwoDays"), and values get retired. So the bot never hard-codes them: labels are mapped to values
through the live picklist, case-insensitively and among active values only, and the answer is
cached for a while (picklists change rarely).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.backends.autotask.client import AutotaskClient
from core.backends.coalesced import CoalescedReads
from core.backends.parsing import Item, as_int
from core.errors import ConfigurationError


@dataclass(frozen=True)
class PicklistValue:
    value: int
    label: str
    is_active: bool = True
    is_default: bool = False


@dataclass(frozen=True)
class FieldInfo:
    """One field of an entity as ``entityInformation/fields`` describes it."""

    name: str
    data_type: str = ""
    is_required: bool = False
    is_read_only: bool = False
    is_picklist: bool = False
    values: tuple[PicklistValue, ...] = ()

    @property
    def active(self) -> tuple[PicklistValue, ...]:
        return tuple(value for value in self.values if value.is_active)

    def label_for(self, value: int | None) -> str | None:
        """The label of ``value`` (retired values keep their label for display)."""
        for entry in self.values:
            if entry.value == value:
                return entry.label
        return None

    def default(self) -> PicklistValue | None:
        """The tenant's default value, if it marked an active one."""
        return next((entry for entry in self.active if entry.is_default), None)

    def resolve(self, wanted: str, *, setting: str) -> PicklistValue:
        """The active value labelled ``wanted`` (case-insensitive), or whose integer value is
        ``wanted``; failing an exact label, the one active label containing ``wanted`` as a whole
        word. Anything else is a :class:`ConfigurationError` that names ``setting``."""
        text = wanted.strip()
        active = self.active
        number = as_int(text)
        if number is not None:
            for entry in active:
                if entry.value == number:
                    return entry
        folded = text.casefold()
        exact = [entry for entry in active if entry.label.strip().casefold() == folded]
        if len(exact) == 1:
            return exact[0]
        if not exact and folded:
            word = re.compile(rf"(?<![\w]){re.escape(folded)}(?![\w])")
            near = [entry for entry in active if word.search(entry.label.casefold())]
            if len(near) == 1:
                return near[0]
        choices = ", ".join(f"{entry.label!r} ({entry.value})" for entry in active) or "none"
        raise ConfigurationError(
            f"The Autotask {self.name} picklist has no single active value for {wanted!r}. "
            f"Set {setting} to one of its active labels or values: {choices}."
        )


def parse_field(raw: Item) -> FieldInfo:
    values: list[PicklistValue] = []
    for entry in raw.get("picklistValues") or ():
        if not isinstance(entry, Mapping):
            continue
        item = Item(entry)
        number = as_int(item.get("value"))  # a string holding an integer
        if number is None:
            continue
        values.append(
            PicklistValue(
                value=number,
                label=item.text("label") or str(number),
                is_active=item.get("isActive") is not False,
                is_default=item.get("isDefaultValue") is True,
            )
        )
    return FieldInfo(
        name=raw.text("name") or "",
        data_type=raw.text("dataType") or "",
        is_required=raw.get("isRequired") is True,
        is_read_only=raw.get("isReadOnly") is True,
        is_picklist=raw.get("isPickList") is True,
        values=tuple(values),
    )


class EntityFields:
    """Cached field definitions per entity (``Tickets``, ``TicketNotes``) with a time-to-live."""

    def __init__(
        self, client: AutotaskClient, *, ttl: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self._client = client
        # Shared while in flight: a burst on a cold process reads each entity once.
        self._cache: CoalescedReads[str, dict[str, FieldInfo]] = CoalescedReads(
            lambda entities: {entity: self._read(entity) for entity in entities},
            clock=clock,
            ttl=ttl,
        )

    def fields(self, entity: str) -> dict[str, FieldInfo]:
        """Field name (lower case) -> definition."""
        return self._cache.get(entity) or {}

    def _read(self, entity: str) -> dict[str, FieldInfo]:
        answer = Item(self._client.get(f"{entity}/entityInformation/fields"))
        raw_fields = answer.get("fields")
        fields: dict[str, FieldInfo] = {}
        for raw in raw_fields if isinstance(raw_fields, list) else ():
            if isinstance(raw, Mapping):
                info = parse_field(Item(raw))
                if info.name:
                    fields[info.name.lower()] = info
        return fields

    def field(self, entity: str, name: str) -> FieldInfo | None:
        return self.fields(entity).get(name.lower())

    def picklist(self, entity: str, name: str) -> FieldInfo:
        """A picklist field; a :class:`ConfigurationError` if the tenant has no such picklist."""
        info = self.field(entity, name)
        if info is None or not info.values:
            raise ConfigurationError(
                f"Autotask's {entity} entity has no picklist {name!r}: is the API user allowed "
                f"to read {entity}?"
            )
        return info

    def clear(self) -> None:
        self._cache.clear()
