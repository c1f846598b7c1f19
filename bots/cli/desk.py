"""``ticketbot desk``: a technician's actions on the local desk (assign, status, notes). Each
raises the same "ticket touched" signal as an Autotask webhook, so the requester's chat (the
terminal, Slack or Teams of a running server) hears about it."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bots.cli import Subcommand
from core.settings import load_settings
from core.tickets import (
    STATUS_COMPLETE,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_WAITING_CUSTOMER,
    TicketRef,
)

DEFAULT_TECHNICIAN = "Help Desk"
STATUSES = (STATUS_NEW, STATUS_IN_PROGRESS, STATUS_WAITING_CUSTOMER, STATUS_COMPLETE)


def _now() -> datetime:
    return datetime.now(UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="technician", default=DEFAULT_TECHNICIAN, help="the technician's name"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    assign = actions.add_parser("assign", help="assign a ticket to a technician")
    assign.add_argument("ticket", help="ticket id or number (10001, T20251104.0001)")
    assign.add_argument("name", help="the technician's display name")
    status = actions.add_parser("status", help="change a ticket's status")
    status.add_argument("ticket")
    status.add_argument("status", help=f"one of: {', '.join(STATUSES)}")
    note = actions.add_parser("note", help="add a note (public: the requester is told)")
    note.add_argument("ticket")
    note.add_argument("text")
    note.add_argument("--internal", action="store_true", help="staff only: never sent")


def run(args: argparse.Namespace) -> int:
    from bots.logs import configure_logging
    from core.errors import TicketNotFound
    from storage.db import Database
    from storage.desk_updates import LocalDeskStaff
    from storage.updates import SqlUpdateStore

    settings = load_settings()
    configure_logging(settings.bot.log_level, quiet=True, settings=settings)
    if settings.bot.backend != "local":
        print(
            "ticketbot desk works on the local desk only (TICKETBOT_BACKEND=local); "
            f"this bot uses {settings.bot.backend}.",
            file=sys.stderr,
        )
        return 2
    ref = TicketRef.parse(args.ticket)
    if ref is None:
        print(f"{args.ticket!r} is not a ticket id or number.", file=sys.stderr)
        return 2
    database = Database.connect(settings.bot.database_url)
    store = SqlUpdateStore(database)
    staff = LocalDeskStaff(
        database, clock=_now, notify=lambda signal: store.record_signal(signal, _now())
    )
    try:
        if args.action == "assign":
            ticket = staff.assign(ref, args.name, args.technician)
        elif args.action == "status":
            ticket = staff.set_status(ref, args.status, args.technician)
        else:
            ticket = staff.add_note(ref, args.text, args.technician, internal=args.internal)
    except TicketNotFound:
        print(f"There is no ticket {ref} on the local desk.", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"ticketbot desk: {exc}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    who = ticket.assignee or "nobody"
    print(f"{ticket.number} (#{ticket.id}) {ticket.title}: {ticket.status}, assigned to {who}")
    return 0


COMMAND = Subcommand("desk", "act on a local desk ticket as a technician", add_arguments, run)
