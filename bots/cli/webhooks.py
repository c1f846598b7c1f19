"""``ticketbot webhooks install|status|remove``: the Autotask ticket webhook that tells the bot
about changes at once (polling is the fallback and needs no public URL)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bots.cli import Subcommand
from core.settings import Settings, load_settings

if TYPE_CHECKING:
    import requests

    from core.backends.autotask.client import AutotaskClient
    from core.backends.autotask.webhooks import InstalledWebhook, WebhookAdmin
    from storage.updates import SqlUpdateStore

WEBHOOK_PATH = "/autotask/webhook"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="create the ticket webhook in Autotask")
    install.add_argument(
        "--url",
        required=True,
        help=f"the bot's public base URL (…{WEBHOOK_PATH} is added when missing)",
    )
    install.add_argument(
        "--email", help="where Autotask reports a deactivated webhook (default: the API user)"
    )
    actions.add_parser("status", help="what Autotask says about the installed webhook")
    actions.add_parser("remove", help="delete the webhook (the bot falls back to polling)")


def webhook_url(base: str) -> str:
    base = base.strip().rstrip("/")
    return base if base.endswith(WEBHOOK_PATH) else base + WEBHOOK_PATH


def run(args: argparse.Namespace) -> int:
    import requests

    from bots.logs import configure_logging
    from core.backends.autotask.webhooks import WebhookAdmin
    from core.errors import TicketingError
    from storage.db import Database
    from storage.updates import SqlUpdateStore

    settings = load_settings()
    configure_logging(settings.bot.log_level, quiet=True, settings=settings)
    if settings.autotask.missing:
        print(
            f"ticketbot webhooks needs Autotask: {', '.join(settings.autotask.missing)} not set.",
            file=sys.stderr,
        )
        return 2
    database = Database.connect(settings.bot.database_url)
    store = SqlUpdateStore(database)
    try:
        with requests.Session() as session:
            admin = WebhookAdmin(_client(settings, session))
            return _act(args, admin, store, settings)
    except TicketingError as exc:
        print(f"Autotask refused: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        database.dispose()


def _client(settings: Settings, session: requests.Session) -> AutotaskClient:
    from core.backends.autotask.client import AutotaskClient

    return AutotaskClient.from_settings(settings.autotask, session)


def _act(
    args: argparse.Namespace, admin: WebhookAdmin, store: SqlUpdateStore, settings: Settings
) -> int:
    from core.backends.autotask.webhooks import STATE_NAME, InstalledWebhook

    installed = InstalledWebhook.from_json(store.get_state(STATE_NAME))
    if args.action == "install":
        if installed is not None:
            print(
                f"A webhook is already installed (id {installed.webhook_id}, {installed.url}); "
                "`ticketbot webhooks remove` first."
            )
            return 1
        email = args.email or settings.autotask.username or ""
        installed = admin.install(webhook_url(args.url), email)
        store.put_state(STATE_NAME, installed.to_json(), datetime.now(UTC))
        notes = "and ticket notes" if installed.note_webhook_id else "(no ticket-note webhooks)"
        print(f"Installed ticket webhook {installed.webhook_id} {notes} → {installed.url}")
        return 0
    if installed is None:
        print("No webhook installed: updates come from polling (TICKETBOT_UPDATES_POLL_SECONDS).")
        return 0 if args.action == "status" else 1
    if args.action == "status":
        print(describe(installed, admin.status(installed)))
        return 0
    admin.remove(installed)
    store.delete_state(STATE_NAME)
    print(f"Removed webhook {installed.webhook_id}; updates come from polling again.")
    return 0


def describe(installed: InstalledWebhook, status: object) -> str:
    if not isinstance(status, dict):
        return f"Webhook {installed.webhook_id} is gone from Autotask; run install again."
    state = "active" if status["active"] else "INACTIVE"
    ready = "ready" if status["ready"] else "not ready (no subscribed field)"
    guid = "" if status["guid_matches"] else "; its Guid changed: reinstall"
    return f"Webhook {installed.webhook_id}: {state}, {ready}, calls {status['url']}{guid}"


COMMAND = Subcommand(
    "webhooks", "install, check or remove the Autotask ticket webhook", add_arguments, run
)
