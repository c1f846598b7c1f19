"""``ticketbot usage``: LLM calls, tokens and latency per day and model, from stored turns."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bots.cli import Subcommand
from bots.logs import configure_logging
from core.settings import load_settings
from storage.db import Database
from storage.usage_report import UsageRow, fallback_reasons, usage_by_day

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
        "--days", type=int, default=30, help="how many days back to summarise (default: 30)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


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


def report(database: Database, since: datetime, out: TextIO, *, as_json: bool = False) -> int:
    rows = usage_by_day(database, since)
    reasons = fallback_reasons(database, since)
    if as_json:
        for row in rows:
            print(json.dumps(asdict(row) | {"day": row.day.isoformat()}), file=out)
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
    settings = load_settings()
    configure_logging(settings.bot.log_level, quiet=True, settings=settings)
    if args.days < 1:
        print("--days must be at least 1", file=sys.stderr)
        return 2
    database = Database.connect(settings.bot.database_url)
    try:
        since = datetime.now(UTC) - timedelta(days=args.days)
        return report(database, since, sys.stdout, as_json=args.json)
    finally:
        database.dispose()


COMMAND = Subcommand("usage", "LLM calls, tokens and latency per day and model", add_arguments, run)
