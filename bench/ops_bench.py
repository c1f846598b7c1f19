"""What running it for real costs per message: a token bucket take, an audit entry, and a whole
``Assistant.handle`` with limits, audit and metrics on versus off; and a ``/metrics`` render.

Prints median and p99 milliseconds and a PASS or FAIL line per target (a take and an audit
entry < 2 ms median; the operational layer adds < 3 ms median to a message); exits 1 if one
is missed.

    python -m bench.ops_bench [--messages 400]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import generate_latest

from bench.targets import Targets
from bots.composition import build_runtime
from core.messages import ConversationRef, InboundMessage, UserRef
from core.ports import AuditEntry, Bucket
from core.settings import Settings, TicketbotSettings
from storage.audit import SqlAuditLog
from storage.rate_limits import SqlRateLimiter

MESSAGES = ("hi", "ticket list", "ticket new printer jams", "thanks!", "ticket help")


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float]) -> float:
    """Print median and p99; return the median in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(ordered)
    print(f"{label:<42} median {median:6.2f} ms   p99 {p99:6.2f} ms")
    return median


def conversation(folder: Path, name: str, messages: int, *, ops: bool) -> list[float]:
    settings = Settings(bot=TicketbotSettings(database_url=f"sqlite:///{folder / name}"))
    if not ops:  # 0 turns a limit off
        settings.bot.rate_user_capacity = settings.bot.rate_backend_per_hour = 0
    runtime = build_runtime(settings)
    if not ops:
        # No audit and no event metrics either: the bare loop.
        runtime.assistant._trail = None
        runtime.assistant.ticketing = runtime.ticketing  # without the audit wrapper
        runtime.assistant.observer = None
    where = ConversationRef("slack", "T1", "D1")
    try:
        samples = []
        for n in range(messages):
            # A new person every few messages, so the limits measure bookkeeping, not refusals.
            user = UserRef("slack", f"U{n // 4}", "Bench", f"u{n // 4}@example.com")
            event = InboundMessage(
                f"b-{uuid.uuid4()}", where, user, MESSAGES[n % len(MESSAGES)], datetime.now(UTC)
            )
            start = time.perf_counter()
            runtime.assistant.handle(event)
            samples.append((time.perf_counter() - start) * 1000)
        if ops:
            report("/metrics render", timed(lambda: generate_latest(runtime.metrics.registry), 50))
        return samples
    finally:
        runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args()
    targets = Targets()
    with tempfile.TemporaryDirectory(prefix="ticketbot-ops-bench-") as folder:
        base = Path(folder)
        runtime = build_runtime(
            Settings(bot=TicketbotSettings(database_url=f"sqlite:///{base / 'parts.db'}"))
        )
        limiter = runtime.rate_limiter
        assert isinstance(limiter, SqlRateLimiter)
        bucket = Bucket(1e9, 1e9)
        now = datetime.now(UTC)
        take = report(
            "rate limit take (one bucket)", timed(lambda: limiter.take("k", 1, bucket, now), 500)
        )
        targets.at_most("rate limit take (median)", take, 2)
        audit = SqlAuditLog(runtime.database)
        entry = AuditEntry(at=now, action="ticket.create", user_id="U1", detail={"ticket_id": 1})
        targets.at_most(
            "audit entry (median)",
            report("audit entry", timed(lambda: audit.record(entry), 500)),
            2,
        )
        runtime.close()

        bare = conversation(base, "bare.db", args.messages, ops=False)
        full = conversation(base, "full.db", args.messages, ops=True)
        report("message, limits/audit/metrics off", bare)
        report("message, limits/audit/metrics on", full)
        extra = statistics.median(full) - statistics.median(bare)
        print(f"{'operational layer adds (median)':<42} {extra:6.2f} ms")
        targets.at_most("operational layer per message (median)", extra, 3)
    return 0 if targets.verdict() else 1


if __name__ == "__main__":
    raise SystemExit(main())
