"""``ticketbot db upgrade`` / ``ticketbot db current``: the database schema's migrations.

``serve`` and the other commands upgrade a database that is behind by themselves; these are
for doing it beforehand (a deployment step) and for looking.
"""

from __future__ import annotations

import argparse
import sys

from bots.cli import Subcommand
from bots.logs import configure_logging
from core.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    upgrade = actions.add_parser(
        "upgrade",
        help="bring the schema to the newest revision (adopting a database made before migrations)",
    )
    upgrade.add_argument(
        "--revision", default="head", help="the revision to reach (default: the newest)"
    )
    actions.add_parser("current", help="show the database's revision and whether it is behind")


def run(args: argparse.Namespace) -> int:
    # Imported here: the rest of the CLI shouldn't pay for Alembic.
    from alembic.util import CommandError
    from sqlalchemy.exc import OperationalError

    from bots.composition import check_database_url, sqlite_path
    from storage.db import Database, DatabaseError, describe_unreachable
    from storage.migrations import current_state, upgrade

    settings = load_settings()
    configure_logging(settings.bot.log_level, quiet=True, settings=settings)
    check_database_url(settings.bot.database_url)  # one line for a URL this build can't use
    path = sqlite_path(settings.bot.database_url)
    if args.db_action == "current" and path is not None and not path.exists():
        # Looking creates nothing (opening an SQLite file that isn't there would).
        print(
            f"there is no database yet at {path} (TICKETBOT_DATABASE_URL): `ticketbot db "
            "upgrade` or `ticketbot serve` creates it"
        )
        return 0
    try:
        database = Database.connect(settings.bot.database_url, create=False)
    except DatabaseError as exc:
        print(f"ticketbot db: {exc}", file=sys.stderr)
        return 1
    shown = database.engine.url.render_as_string(hide_password=True)
    try:
        if args.db_action == "upgrade":
            result = upgrade(database.engine, args.revision)
            if not result.changed:
                print(f"{shown}: already at {result.after}, nothing to do")
            else:
                adopted = (
                    " (adopted: made before migrations)" if result.before.unversioned_tables else ""
                )
                print(
                    f"{shown}: upgraded from {result.before.current or 'none'}{adopted} "
                    f"to {result.after}"
                )
        else:
            state = current_state(database.engine)
            status = (
                "up to date"
                if state.up_to_date
                else "behind: run `ticketbot db upgrade` (serve does it at start-up)"
            )
            current = state.current or (
                "none (made before migrations)" if state.unversioned_tables else "none (empty)"
            )
            if state.newer_than_release:
                status = "newer than this release: run the newer ticketbot"
            print(f"{shown}: revision {current}, newest {state.head}: {status}")
    except DatabaseError as exc:
        print(f"ticketbot db: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        print(f"ticketbot db: {describe_unreachable(database.engine.url, exc)}", file=sys.stderr)
        return 1
    except CommandError as exc:  # an unknown or backwards --revision
        print(f"ticketbot db: {exc}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    return 0


COMMAND = Subcommand("db", "database schema: upgrade, current", add_arguments, run)
