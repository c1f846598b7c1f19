"""What running it for real costs per message: a token bucket take, an audit entry, and a whole
``Assistant.handle`` with limits, audit and metrics on versus off; and a ``/metrics`` render.

Prints median and p99 milliseconds and a PASS or FAIL line per target (a take and an audit
entry < 2 ms median; the operational layer adds < 3 ms median to a message); exits 1 if one
is missed. A take is also counted (SQL statements, commits, CPU time by ``process_time``, which
a loaded machine disturbs less than wall time) beside a dedupe insert in the same run: a take
must cost no more than that insert (issue 12). ``--postgres URL`` counts on PostgreSQL too.

    python -m bench.ops_bench [--messages 400] [--postgres postgresql://127.0.0.1/test]
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
from sqlalchemy import event

from bench.targets import Targets
from bots.composition import build_runtime
from core.messages import ConversationRef, InboundMessage, UserRef
from core.ports import AuditEntry, Bucket, RatePolicy
from core.settings import Settings, TicketbotSettings
from storage.audit import SqlAuditLog
from storage.db import Database
from storage.history import SqlConversationStore
from storage.rate_limits import SqlRateLimiter

MESSAGES = ("hi", "ticket list", "ticket new printer jams", "thanks!", "ticket help")

# The take before issue 12 (a read, then a compare-and-set update; a new bucket inserted and
# committed first), measured with this bench's counting on SQLite and PostgreSQL:
# statements, commits, CPU ms per take.
BEFORE = {
    "sqlite": {"new bucket": (3, 2, 1.11), "existing bucket": (2, 1, 0.71), "look": (1, 0, 0.20)},
    "postgresql": {
        "new bucket": (3, 2, 2.29),
        "existing bucket": (2, 1, 1.73),
        "look": (1, 0, 0.65),
    },
}


class SqlCount:
    """SQL statements and commits ``database`` runs, and CPU time, per call of an action."""

    def __init__(self, database: Database) -> None:
        self.statements = self.commits = 0
        event.listen(database.engine, "before_cursor_execute", self._statement)
        event.listen(database.engine, "commit", self._commit)

    def _statement(self, *_: object) -> None:
        self.statements += 1

    def _commit(self, *_: object) -> None:
        self.commits += 1

    def per_call(self, action: Callable[[int], object], repeat: int) -> tuple[float, float, float]:
        """Statements, commits and CPU milliseconds per call of ``action(i)``."""
        self.statements = self.commits = 0
        started = time.process_time()
        for i in range(repeat):
            action(i)
        cpu = (time.process_time() - started) * 1000 / repeat
        return self.statements / repeat, self.commits / repeat, cpu


def take_cost(url: str, targets: Targets, repeat: int = 400) -> None:
    """Count a take (new bucket, existing bucket, a look) beside a dedupe insert on ``url``."""
    database = Database.connect(url)
    try:
        dialect = database.dialect
        count = SqlCount(database)
        bucket = Bucket(1e9, 1e9)
        limiter = SqlRateLimiter(database, RatePolicy(bucket, bucket))
        store = SqlConversationStore(database)
        now = datetime.now(UTC)
        run = uuid.uuid4().hex[:8]
        limiter.take(f"bench:{run}", 1, bucket, now)
        store.claim_event(f"bench-{run}-warm", now)
        dedupe = count.per_call(lambda i: store.claim_event(f"bench-{run}-{i}", now), repeat)
        figures = {
            "new bucket": count.per_call(
                lambda i: limiter.take(f"bench:{run}:{i}", 1, bucket, now), repeat
            ),
            "existing bucket": count.per_call(
                lambda i: limiter.take(f"bench:{run}", 1, bucket, now), repeat
            ),
            "look": count.per_call(
                lambda i: limiter.take(f"bench:{run}", 1, bucket, now, consume=False), repeat
            ),
        }
        print(f"{dialect}: statements / commits / CPU ms per call (before issue 12 -> now)")
        print(f"  {'dedupe insert':<16} {dedupe[0]:.0f} / {dedupe[1]:.0f} / {dedupe[2]:.3f}")
        for name, (statements, commits, cpu) in figures.items():
            old = BEFORE[dialect][name]
            print(
                f"  take, {name:<16} {old[0]} / {old[1]} / {old[2]:.3f} -> "
                f"{statements:.0f} / {commits:.0f} / {cpu:.3f}"
            )
            targets.holds(
                f"{dialect} take ({name}) <= dedupe insert",
                statements <= dedupe[0] and commits <= dedupe[1] and cpu <= dedupe[2] * 1.25,
                f"{statements:.0f} statements, {commits:.0f} commits, {cpu:.3f} ms CPU "
                f"(dedupe insert: {dedupe[0]:.0f}, {dedupe[1]:.0f}, {dedupe[2]:.3f} ms; "
                "CPU within 25% for a loaded machine)",
            )
    finally:
        database.dispose()


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
    count = SqlCount(runtime.database)
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
        label = "on" if ops else "off"
        print(
            f"{'SQL per message, limits/audit/metrics ' + label:<42} "
            f"{count.statements / messages:6.2f} statements {count.commits / messages:5.2f} commits"
        )
        if ops:
            report("/metrics render", timed(lambda: generate_latest(runtime.metrics.registry), 50))
        return samples
    finally:
        runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--postgres", help="also count a take on this PostgreSQL database")
    args = parser.parse_args()
    targets = Targets()
    with tempfile.TemporaryDirectory(prefix="ticketbot-ops-bench-") as folder:
        base = Path(folder)
        take_cost(f"sqlite:///{base / 'counts.db'}", targets)
        if args.postgres:
            take_cost(args.postgres, targets)
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
