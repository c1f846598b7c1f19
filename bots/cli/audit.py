"""``ticketbot audit``: who did what, when: ticket writes, LLM calls and refused requests."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bots.cli import Subcommand, at_least
from core.ports import AuditEntry
from core.settings import load_settings

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
HEADERS = ("time (UTC)", "action", "outcome", "who", "platform", "ticket", "detail")
WIDTHS = (19, 21, 24, 28, 8, 16, 60)


def parse_since(value: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> datetime:
    """``30m``, ``24h``, ``7d``, ``2w`` back from now, or an ISO date / date-time (UTC unless it
    says otherwise)."""
    text = value.strip()
    match = _RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now() - timedelta(**{_UNITS[unit]: amount})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a time: use 30m, 24h, 7d, 2w or a date like 2026-11-04 "
            "or 2026-11-04T09:30"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", type=parse_since, help="from this time on: 24h, 7d, 2w or an ISO date (UTC)"
    )
    parser.add_argument("--user", help="only this person (chat user id or e-mail)")
    parser.add_argument(
        "--action", help="only this action, or a family ending in a dot (e.g. refused.)"
    )
    parser.add_argument(
        "--limit", type=at_least(1), default=500, help="at most this many, newest (default 500)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def to_json(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "at": entry.at.isoformat(),
            "action": entry.action,
            "outcome": entry.outcome,
            "platform": entry.platform,
            "user_id": entry.user_id,
            "user_email": entry.user_email,
            "conversation": entry.conversation,
            "ticket": entry.ticket,
            "request_id": entry.request_id,
            "detail": dict(entry.detail),
        },
        ensure_ascii=False,
    )


def _cells(entry: AuditEntry) -> list[str]:
    detail = " ".join(f"{k}={v}" for k, v in entry.detail.items() if v not in (None, ""))
    return [
        entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        entry.action,
        entry.outcome,
        entry.user_email or entry.user_id or "-",
        entry.platform or "-",
        entry.ticket or "-",
        detail or "-",
    ]


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(entries: Sequence[AuditEntry], out: TextIO) -> None:
    rows = [[_clip(c, w) for c, w in zip(_cells(e), WIDTHS, strict=True)] for e in entries]
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(HEADERS)]
    for row in [list(HEADERS), *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
            file=out,
        )


def run(args: argparse.Namespace) -> int:
    from bots.composition import NoDatabaseYet, open_database
    from storage.audit import SqlAuditLog

    settings = load_settings()
    try:
        database = open_database(settings, create=False)
    except NoDatabaseYet as exc:
        if not args.json:
            print(f"No audit entries: {exc}.")
        return 0
    try:
        entries = SqlAuditLog(database).query(
            since=args.since, user=args.user, action=args.action, limit=args.limit
        )
    finally:
        database.dispose()
    if args.json:
        for entry in entries:
            print(to_json(entry))
    elif entries:
        print_table(entries, sys.stdout)
    else:
        print("No audit entries match.")
    return 0


COMMAND = Subcommand(
    "audit", "show the audit trail: ticket writes, LLM calls, refusals", add_arguments, run
)
