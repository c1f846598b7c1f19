"""``ticketbot backup FILE``: a consistent copy of the SQLite database, safe while the bot runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bots.cli import Subcommand
from core.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="where to write the copy (replaced if it exists)")


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import ArgumentError

    from storage.backup import BackupError, backup_sqlite

    settings = load_settings()
    try:
        report = backup_sqlite(settings.bot.database_url, args.file)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    except ArgumentError:
        print("backup failed: TICKETBOT_DATABASE_URL is not a database URL.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"backup failed: can't write {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    rows = sum(report.rows.values())
    print(
        f"backed up {report.source} to {report.target}: {report.size_bytes:,} bytes, "
        f"{len(report.rows)} tables, {rows:,} rows, integrity {report.integrity}"
    )
    return 0


COMMAND = Subcommand(
    "backup", "copy the SQLite database to FILE while the bot runs", add_arguments, run
)
