"""What ``ticketbot doctor`` says about updates in the chat (Autotask)."""

from __future__ import annotations

import requests

from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.diagnose import Check
from core.backends.autotask.webhooks import STATE_NAME, InstalledWebhook, WebhookAdmin
from core.errors import TicketingError
from core.settings import Settings
from storage.db import Database
from storage.updates import SqlUpdateStore


def update_checks(settings: Settings, session: requests.Session) -> list[Check]:
    """One line: the installed webhook's state, or polling (or neither)."""
    poll = settings.bot.updates_poll_seconds
    database = Database.connect(settings.bot.database_url)
    try:
        installed = InstalledWebhook.from_json(SqlUpdateStore(database).get_state(STATE_NAME))
    finally:
        database.dispose()
    if installed is None:
        if poll > 0:
            return [Check(True, "updates", f"polling every {poll:.0f} s (no webhook installed)")]
        return [
            Check(
                True,
                "updates",
                "off: no webhook and TICKETBOT_UPDATES_POLL_SECONDS=0",
                warn=True,
            )
        ]
    try:
        client = AutotaskClient.from_settings(settings.autotask, session)
        status = WebhookAdmin(client).status(installed)
    except TicketingError as exc:
        return [Check(False, "updates webhook", exc.detail)]
    if status is None:
        return [Check(False, "updates webhook", "gone from Autotask: `ticketbot webhooks install`")]
    fine = bool(status["active"] and status["ready"] and status["guid_matches"])
    detail = (
        f"webhook {installed.webhook_id} active and ready, calling {status['url']}"
        if fine
        else f"webhook {installed.webhook_id}: active={status['active']} "
        f"ready={status['ready']} guid_matches={status['guid_matches']}"
    )
    return [Check(fine, "updates webhook", detail)]
