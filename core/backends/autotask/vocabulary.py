"""The bot's words (Low..Critical, New, Complete, a chat note) as this tenant's picklist values."""

from __future__ import annotations

from dataclasses import dataclass

from core.backends.autotask.picklists import EntityFields, FieldInfo, PicklistValue
from core.errors import ConfigurationError
from core.settings import AutotaskSettings
from core.tickets import STATUS_COMPLETE, STATUS_NEW, Priority

TICKETS = "Tickets"
TICKET_NOTES = "TicketNotes"
ALL_USERS_LABEL = "All Autotask Users"
COMMON_NOTE_TYPE = "Task Notes"


@dataclass(frozen=True)
class Choice:
    """A picklist value the bot chose and why; ``guessed`` when no setting or tenant default
    decided it."""

    value: PicklistValue
    why: str
    guessed: bool = False


class TicketVocabulary:
    """Maps through the live picklists, with the ``AUTOTASK_*`` overrides taking precedence."""

    def __init__(self, fields: EntityFields, settings: AutotaskSettings) -> None:
        self._fields = fields
        self._settings = settings

    def priority(self, priority: Priority) -> PicklistValue:
        overrides = {
            key.strip().casefold(): value for key, value in self._settings.priority_map.items()
        }
        wanted = str(overrides.get(priority.value.casefold(), priority.value))
        return self._picklist(TICKETS, "priority").resolve(
            wanted,
            setting=f'AUTOTASK_PRIORITY_MAP (e.g. {{"{priority.value}": "<label or value>"}})',
        )

    def status_new(self) -> PicklistValue:
        return self._picklist(TICKETS, "status").resolve(
            self._settings.status_new or STATUS_NEW, setting="AUTOTASK_STATUS_NEW"
        )

    def status_complete(self) -> PicklistValue:
        return self._picklist(TICKETS, "status").resolve(
            self._settings.status_complete or STATUS_COMPLETE, setting="AUTOTASK_STATUS_COMPLETE"
        )

    def note_type(self) -> PicklistValue:
        return self.note_type_choice().value

    def note_type_choice(self) -> Choice:
        """The note type: ``AUTOTASK_NOTE_TYPE`` (label or value), else the picklist's default,
        else the commonly used "Task Notes", else the lowest active value (a guess ``doctor``
        warns about: many tenants flag no default)."""
        field = self._picklist(TICKET_NOTES, "noteType")
        if self._settings.note_type is not None:
            value = field.resolve(str(self._settings.note_type), setting="AUTOTASK_NOTE_TYPE")
            return Choice(value, "AUTOTASK_NOTE_TYPE")
        default = field.default()
        if default is not None:
            return Choice(default, "the picklist's default")
        if not field.active:
            raise ConfigurationError(
                f"Autotask's {field.name} picklist has no active value: add one in Autotask."
            )
        for entry in field.active:
            if entry.label.strip().casefold() == COMMON_NOTE_TYPE.casefold():
                return Choice(entry, f"no default flagged; the common {COMMON_NOTE_TYPE!r}", True)
        lowest = min(field.active, key=lambda entry: entry.value)
        return Choice(lowest, "no default flagged; the lowest active value", True)

    def note_publish(self) -> PicklistValue:
        field = self._picklist(TICKET_NOTES, "publish")
        if self._settings.note_publish is not None:
            return field.resolve(str(self._settings.note_publish), setting="AUTOTASK_NOTE_PUBLISH")
        for entry in field.active:
            if entry.label.strip().casefold() == ALL_USERS_LABEL.casefold():
                return entry
        return _default_or_only(field, setting="AUTOTASK_NOTE_PUBLISH")

    def requester_note_publish(self) -> frozenset[int]:
        """Note ``publish`` values a requester may read (staff read every note)."""
        if self._settings.requester_note_publish:
            return frozenset(self._settings.requester_note_publish)
        return frozenset({self.note_publish().value})

    def label(self, entity: str, field: str, value: int | None) -> str | None:
        """The tenant's label for ``value`` (``None`` when the field or value is unknown)."""
        if value is None:
            return None
        info = self._fields.field(entity, field)
        return info.label_for(value) if info is not None else None

    def _picklist(self, entity: str, name: str) -> FieldInfo:
        return self._fields.picklist(entity, name)


def _default_or_only(field: FieldInfo, *, setting: str) -> PicklistValue:
    default = field.default()
    if default is not None:
        return default
    if len(field.active) == 1:
        return field.active[0]
    choices = ", ".join(f"{entry.label!r} ({entry.value})" for entry in field.active) or "none"
    raise ConfigurationError(
        f"Autotask's {field.name} picklist has no default value: set {setting} to one of {choices}."
    )
