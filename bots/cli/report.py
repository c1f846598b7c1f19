"""``ticketbot report``: tickets per day, time to first response, time to resolve and
satisfaction (CSAT), overall and per company, for tickets filed through the bot."""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bots.cli import Subcommand
from core.settings import load_settings

if TYPE_CHECKING:
    from storage.models import UpdateTicketFactRow


@dataclass(frozen=True)
class Summary:
    """One line of the report (``company`` "" is everyone)."""

    company: str
    tickets: int
    median_first_response_hours: float | None
    median_resolve_hours: float | None
    ratings: int
    csat_percent: float | None  # share of ratings that are 4 or 5
    average_rating: float | None


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 3600


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def summarise(company: str, rows: Sequence[UpdateTicketFactRow]) -> Summary:
    ratings = [row.rating for row in rows if row.rating is not None]
    return Summary(
        company=company,
        tickets=len(rows),
        median_first_response_hours=_median(
            [_hours(r.created_at, r.first_response_at) for r in rows]
        ),
        median_resolve_hours=_median([_hours(r.created_at, r.resolved_at) for r in rows]),
        ratings=len(ratings),
        csat_percent=round(100 * sum(1 for r in ratings if r >= 4) / len(ratings), 1)
        if ratings
        else None,
        average_rating=round(statistics.mean(ratings), 2) if ratings else None,
    )


def per_day(rows: Sequence[UpdateTicketFactRow]) -> dict[str, int]:
    days = Counter(row.created_at.date().isoformat() for row in rows if row.created_at)
    return dict(sorted(days.items()))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=30, help="how far back (default: 30)")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of text")


def _show(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:g}{unit}"


def run(args: argparse.Namespace) -> int:
    from storage.db import Database
    from storage.updates import SqlTicketFacts

    settings = load_settings()
    database = Database.connect(settings.bot.database_url)
    try:
        since = datetime.now(UTC) - timedelta(days=max(1, args.days))
        rows = SqlTicketFacts(database).all(settings.bot.backend, since)
    finally:
        database.dispose()
    companies: dict[str, list[UpdateTicketFactRow]] = defaultdict(list)
    for row in rows:
        companies[row.company or "(unknown)"].append(row)
    overall = summarise("", rows)
    by_company = [summarise(name, found) for name, found in sorted(companies.items())]
    if args.json:
        print(
            json.dumps(
                {
                    "since": since.date().isoformat(),
                    "per_day": per_day(rows),
                    "overall": asdict(overall),
                    "per_company": [asdict(s) for s in by_company],
                }
            )
        )
        return 0
    print(f"Tickets filed through the bot since {since.date().isoformat()}: {overall.tickets}")
    for day, count in per_day(rows).items():
        print(f"  {day}  {count}")
    print()
    print(
        f"{'company':<24} {'tickets':>7} {'1st resp h':>10} {'resolve h':>9} {'CSAT':>6} {'avg':>5}"
    )
    for summary in [*by_company, overall]:
        name = summary.company or "all"
        print(
            f"{name[:24]:<24} {summary.tickets:>7} "
            f"{_show(summary.median_first_response_hours):>10} "
            f"{_show(summary.median_resolve_hours):>9} "
            f"{_show(summary.csat_percent, '%'):>6} {_show(summary.average_rating):>5}"
        )
    return 0


COMMAND = Subcommand(
    "report", "tickets per day, response and resolve times, CSAT, per company", add_arguments, run
)
