"""Ticket categories: which one new tickets get, and what its field defaults fill.

On some tenants the ticket category, not the field list, makes ``queueID`` or ``dueDateTime``
required, and Autotask is not documented to apply a category's defaults to a ticket created
through the API. So the bot reads ``TicketCategories`` and ``TicketCategoryFieldDefaults``, sends
the chosen category with each create, and fills from its defaults what no setting fills. The
category is ``AUTOTASK_TICKET_CATEGORY`` (name, nickname or id), else the tenant's default
(``isGlobalDefault``, else the default of the tickets' ``ticketCategory`` picklist).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.picklists import EntityFields
from core.backends.autotask.query import eq
from core.backends.coalesced import CoalescedReads
from core.backends.http import Rejected
from core.backends.parsing import Item, as_int
from core.errors import ConfigurationError
from core.settings import AutotaskSettings
from core.tickets import Priority

log = logging.getLogger("ticketbot.autotask")

CATEGORIES = "TicketCategories"
FIELD_DEFAULTS = "TicketCategoryFieldDefaults"
SETTING = "AUTOTASK_TICKET_CATEGORY"
# TicketCategoryFieldDefaults field -> the Ticket field it fills. (Priority and status are the
# person's and the bot's; title and description are the person's words.)
FILLED_FROM_DEFAULTS = {
    "queueID": "queueID",
    "ticketTypeID": "ticketType",
    "issueTypeID": "issueType",
    "subIssueTypeID": "subIssueType",
    "sourceID": "source",
    "serviceLevelAgreementID": "serviceLevelAgreementID",
}
# When nothing else sets a due date: hours from now, by priority.
DEFAULT_DUE_HOURS = {
    Priority.CRITICAL: 4,
    Priority.HIGH: 8,
    Priority.MEDIUM: 24,
    Priority.LOW: 72,
}


@dataclass(frozen=True)
class TicketCategory:
    """A category and the ticket fields its defaults fill (ticket field name -> value)."""

    id: int
    name: str
    why: str
    defaults: dict[str, int] = field(default_factory=dict)


def due_hours(settings: AutotaskSettings, priority: Priority) -> int:
    """Hours until a new ticket of ``priority`` is due: ``AUTOTASK_DUE_HOURS`` (one number, or
    JSON by priority name), else :data:`DEFAULT_DUE_HOURS`. 0 means: send no due date."""
    configured = settings.due_hours
    if isinstance(configured, int):
        return configured
    overrides = {str(key).strip().casefold(): hours for key, hours in (configured or {}).items()}
    return overrides.get(priority.value.casefold(), DEFAULT_DUE_HOURS[priority])


class TicketCategories:
    """The category new tickets get, with its field defaults, cached with a time-to-live."""

    def __init__(
        self,
        client: AutotaskClient,
        fields: EntityFields,
        settings: AutotaskSettings,
        *,
        ttl: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._fields = fields
        self._settings = settings
        # Shared while in flight: a burst of creates on a cold process reads them once.
        self._cached: CoalescedReads[str, TicketCategory] = CoalescedReads(
            lambda keys: {key: self._choose() for key in keys}, clock=clock, ttl=ttl
        )

    def chosen(self) -> TicketCategory | None:
        """The category for new tickets; ``None`` when the tenant has none the API user may
        read (and none is configured)."""
        return self._cached.get(CATEGORIES)

    def _choose(self) -> TicketCategory | None:
        wanted = self._settings.ticket_category
        try:
            rows = self._client.query_all(
                CATEGORIES,
                [eq("isActive", True)],
                include=("id", "name", "nickname", "isActive", "isGlobalDefault"),
            )
        except (Rejected, ConfigurationError) as exc:
            if wanted is not None:
                raise
            # The API user may not be allowed to read categories: file without one, as before.
            log.warning("autotask: ticket categories cannot be read (%s); sending none", exc.detail)
            return None
        active = [row for row in rows if row.get("isActive") is not False]
        row: Item | None
        if wanted is not None:
            row, why = _match(active, str(wanted)), f"{SETTING}={wanted}"
        else:
            row, why = self._tenant_default(active)
        if row is None:
            return None
        return TicketCategory(
            id=row.id,
            name=row.text("name") or str(row.id),
            why=why,
            defaults=self._defaults(row.id),
        )

    def _tenant_default(self, active: list[Item]) -> tuple[Item | None, str]:
        flagged = [row for row in active if row.get("isGlobalDefault") is True]
        if flagged:
            return min(flagged, key=lambda row: row.id), "the tenant's default (isGlobalDefault)"
        info = self._fields.field("Tickets", "ticketCategory")
        default = info.default() if info is not None else None
        if default is not None:
            for row in active:
                if row.id == default.value:
                    return row, "the default of the tickets' ticketCategory picklist"
        return None, ""

    def _defaults(self, category_id: int) -> dict[str, int]:
        rows = self._client.query_all(FIELD_DEFAULTS, [eq("ticketCategoryID", category_id)])
        if not rows:
            return {}
        row = min(rows, key=lambda item: item.id)
        filled: dict[str, int] = {}
        for source, target in FILLED_FROM_DEFAULTS.items():
            value = as_int(row.get(source))
            if value is not None:
                filled[target] = value
        return filled


def _match(rows: list[Item], wanted: str) -> Item:
    """The active category whose id, name or nickname is ``wanted`` (case-insensitive)."""
    number = as_int(wanted)
    folded = wanted.strip().casefold()
    found = [
        row
        for row in rows
        if (number is not None and row.id == number)
        or (row.text("name") or "").strip().casefold() == folded
        or (row.text("nickname") or "").strip().casefold() == folded
    ]
    if len(found) == 1:
        return found[0]
    choices = ", ".join(f"{row.text('name')!r} ({row.id})" for row in rows) or "none"
    raise ConfigurationError(
        f"Autotask has no single active ticket category {wanted!r}. Set {SETTING} to one of: "
        f"{choices}."
    )
