"""Autotask PSA's REST API as a ticketing backend.

- :mod:`.client`: HTTP, zone discovery, authentication headers, errors, retries and limits.
- :mod:`.picklists` / :mod:`.vocabulary`: field definitions and the bot's words as tenant values.
- :mod:`.identity`: chat e-mail -> contact (requester) or resource (staff).
- :mod:`.categories`: the ticket category of new tickets and what its defaults fill.
- :mod:`.tickets`: :class:`AutotaskTicketing`, the :class:`core.ports.TicketingSystem`.
- :mod:`.technicians`: :class:`AutotaskTechnicianDesk`, the :class:`core.ports.TechnicianDesk`.
- :mod:`.diagnose`: the checks behind ``ticketbot doctor``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

import requests

from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.technicians import AutotaskTechnicianDesk
from core.backends.autotask.tickets import AutotaskTicketing
from core.backends.http import utc_now
from core.settings import AutotaskSettings

__all__ = [
    "AutotaskClient",
    "AutotaskTechnicianDesk",
    "AutotaskTicketing",
    "build_autotask",
    "build_technician_desk",
]


def build_autotask(
    settings: AutotaskSettings,
    *,
    session: requests.Session | None = None,
    staff_emails: Iterable[str] = (),
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
) -> AutotaskTicketing:
    """The backend from ``AUTOTASK_*`` settings (no request is sent until first use).

    Raises :class:`core.errors.ConfigurationError` naming any missing credential."""
    client = AutotaskClient.from_settings(
        settings, session or requests.Session(), clock=clock, sleep=sleep
    )
    return AutotaskTicketing(client, settings, clock=clock, staff_emails=staff_emails, sleep=sleep)


def build_technician_desk(
    ticketing: AutotaskTicketing,
    settings: AutotaskSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
) -> AutotaskTechnicianDesk:
    """The technicians' desk over ``ticketing`` (sharing its client, caches and directory)."""
    return AutotaskTechnicianDesk(ticketing, settings, clock=clock, sleep=sleep)
