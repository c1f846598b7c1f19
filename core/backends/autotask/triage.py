"""Autotask as the triage channel reads it: a ticket as the bot's own staff view (requester's
name, the link to Autotask's ticket page), active resources and active statuses."""

from __future__ import annotations

from core.backends.autotask.identity import Requester
from core.backends.autotask.tickets import AutotaskTicketing
from core.backends.autotask.vocabulary import TICKETS
from core.errors import TicketNotFound
from core.tickets import TicketRef
from core.triage import TriageChoices, TriageView

# The bot itself, reading as staff: every ticket, every contact's name, no notes asked for.
_BOT = Requester(email=None, display_name="ticketbot", is_staff=True)


class AutotaskTriageSource:
    """:class:`core.triage.TriageSource` over an :class:`AutotaskTicketing` (its caches and
    request budget)."""

    backend = "autotask"

    def __init__(self, tickets: AutotaskTicketing) -> None:
        self._tickets = tickets

    def view(self, ticket_id: int) -> TriageView | None:
        try:
            item = self._tickets.authorized(TicketRef("id", str(ticket_id)), _BOT)
        except TicketNotFound:
            return None
        ticket = self._tickets.shape(item, _BOT, notes=())
        return TriageView(ticket, requester=ticket.requester or "")

    def choices(self) -> TriageChoices:
        resources = sorted(
            self._tickets.directory.active_resources(), key=lambda r: (r.name.casefold(), r.id)
        )
        statuses = self._tickets.fields.picklist(TICKETS, "status").active
        return TriageChoices(
            technicians=tuple(r.name for r in resources if r.name),
            statuses=tuple(entry.label for entry in statuses),
        )
