"""``ticketbot usage``: LLM calls, tokens and latency per day and model, from stored turns."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TextIO

from bots.cli import Subcommand, at_least
from core.settings import load_settings

if TYPE_CHECKING:
    from storage.db import Database
    from storage.usage_report import UsageRow

HEADERS = (
    "day",
    "model",
    "messages",
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "avg_ms",
    "max_ms",
    "fallbacks",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        type=at_least(1),
        default=30,
        help="how many days back to summarise (default: 30)",
    )
    parser.add_argument(
        "--json", action="store_true", help="a JSON array, one object per day and model"
    )


def _cells(row: UsageRow) -> list[str]:
    return [
        row.day.isoformat(),
        row.model,
        f"{row.messages:,}",
        f"{row.calls:,}",
        f"{row.prompt_tokens:,}",
        f"{row.completion_tokens:,}",
        f"{row.avg_latency_ms:,.0f}",
        f"{row.max_latency_ms:,.0f}",
        f"{row.fallbacks:,}",
    ]


def render_table(rows: Sequence[UsageRow], reasons: dict[str, int], out: TextIO) -> None:
    """A plain aligned table with a total line, then the fallback reasons."""
    total_messages = sum(r.messages for r in rows)
    total = [
        "total",
        "",
        f"{total_messages:,}",
        f"{sum(r.calls for r in rows):,}",
        f"{sum(r.prompt_tokens for r in rows):,}",
        f"{sum(r.completion_tokens for r in rows):,}",
        f"{sum(r.avg_latency_ms * r.messages for r in rows) / max(total_messages, 1):,.0f}",
        f"{max((r.max_latency_ms for r in rows), default=0.0):,.0f}",
        f"{sum(r.fallbacks for r in rows):,}",
    ]
    table = [list(HEADERS), *(_cells(r) for r in rows), total]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    for line in table:
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip(), file=out)
    if reasons:
        listed = ", ".join(f"{reason}={count}" for reason, count in reasons.items())
        print(f"fallback reasons: {listed}", file=out)


def report(
    database: Database | None, since: datetime, out: TextIO, *, as_json: bool = False
) -> int:
    """The summary since ``since``; ``database`` None: there is none yet, so nothing to show."""
    from storage.usage_report import fallback_reasons, usage_by_day

    rows = usage_by_day(database, since) if database is not None else []
    reasons = fallback_reasons(database, since) if database is not None else {}
    if as_json:
        print(json.dumps([asdict(row) | {"day": row.day.isoformat()} for row in rows]), file=out)
        return 0
    if not rows:
        print(
            f"no LLM calls recorded since {since:%Y-%m-%d} "
            "(the LLM is used when OPENAI_API_KEY or OPENAI_BASE_URL is set)",
            file=out,
        )
        return 0
    render_table(rows, reasons, out)
    return 0


def run(args: argparse.Namespace) -> int:
    from bots.composition import NoDatabaseYet, open_database
    from bots.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.bot.log_level, quiet=True, settings=settings)
    since = datetime.now(UTC) - timedelta(days=args.days)
    try:
        database = open_database(settings, create=False)
    except NoDatabaseYet:
        return report(None, since, sys.stdout, as_json=args.json)
    try:
        return report(database, since, sys.stdout, as_json=args.json)
    finally:
        database.dispose()


COMMAND = Subcommand("usage", "LLM calls, tokens and latency per day and model", add_arguments, run)
