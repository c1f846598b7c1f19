"""The core's own cost per message: offline classifier, local desk, SQLite history, with the
runtime the server builds (rate limits, audit trail, ticket tracking on).

Runs a mixed conversation against a fresh database, then again after loading 20,000 earlier
turns, then a multi-turn dialogue that keeps the dialogue state busy (drafts edited and
confirmed, a second draft queued, follow-ups noted on the ticket in focus, status of "it",
priority changes), and prints median, p95 and p99 milliseconds per message for each, with the
SQL statements and commits per message (targets: median < 5 ms, p99 < 20 ms, no growth with
history size; the same medians in process CPU time, which a busy machine disturbs least).
Then counts the common message path one message at a time — small talk, status
questions, a draft and its edit (issue 12: one unit of work): at most 6 statements of the bot's
own (the local desk's are the backend's) and exactly 1 commit each. A PASS or FAIL line per
target; exits 1 if one is missed.

    python -m bench.core_bench [--turns 20000] [--messages 400]
                               [--postgres postgresql://postgres@127.0.0.1:5432/test]

``--postgres``: count the common path on that PostgreSQL server too (in a schema of its own,
dropped afterwards).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.targets import Targets
from bots.composition import Runtime, build_runtime
from core.messages import ConversationRef, InboundMessage, UserRef
from core.settings import Settings, TicketbotSettings
from core.tickets import TicketDraft
from storage.models import ConversationRow, TurnRow
from tests.sql_count import SqlCounter
from tests.storage.support import postgres_schema

MESSAGES = (
    "hi",
    "what's the status of ticket {ref}?",
    "show me my open tickets",
    "when is the helpdesk open?",
    "ticket status {ref}",
    "add a note to #{ref}: it happens only on battery power",
    "thanks!",
    "my second monitor flickers when I move the cable",
)


# A dialogue that reads and writes the dialogue state on every turn.
DIALOGUE = (
    "the label printer prints blank pages",
    "actually make it urgent",
    "it's the one by the mail room",
    "and my docking station stopped charging too",
    "yes",
    "yes please",
    "also it happens with the small labels",
    "status?",
    "who is working on it?",
    "make it critical",
    "yes",
    "ticket lsit",
    "close it",
    "no",
    "thanks!",
)

# The common path (issue 12), each message measured alone after the conversation has begun.
COMMON = (
    ("small talk", "thanks!"),
    ("status question", "what's the status of ticket {ref}?"),
    ("status of the focus", "status?"),
    ("a draft", "my second monitor flickers when I move the cable"),
    ("editing the draft", "actually make it urgent"),
    ("a question", "when is the helpdesk open?"),
)
STATEMENT_BUDGET = 6


class Bookkeeping(SqlCounter):
    """The bot's own statements (the local desk's are the backend's) and every commit."""

    def _statement(self, _conn: object, _cursor: object, statement: str, *rest: object) -> None:
        if "local_ticket" not in statement:
            super()._statement(_conn, _cursor, statement, *rest)


@dataclass
class Run:
    timings: list[float]
    cpu: list[float]  # process CPU per message: what a busy machine disturbs least
    statements: float  # per message, every statement (the local desk's included)
    commits: float


def load_history(runtime_db_url: str, turns: int, conversations: int = 200) -> None:
    """Bulk-insert ``turns`` earlier turns spread over ``conversations`` conversations."""
    from storage.db import Database

    db = Database.connect(runtime_db_url)
    start = datetime.now(UTC) - timedelta(days=10)
    with db.engine.begin() as connection:
        connection.execute(
            insert(ConversationRow),
            [
                {
                    "platform": "slack",
                    "tenant_id": "T1",
                    "channel_id": f"D{n}",
                    "thread_id": "",
                    "created_at": start,
                    "updated_at": start,
                }
                for n in range(conversations)
            ],
        )
        batch = []
        for n in range(turns):
            batch.append(
                {
                    "conversation_id": 1 + n % conversations,
                    "role": "user" if n % 2 == 0 else "assistant",
                    "text": f"earlier message number {n} about a printer",
                    "intent": "smalltalk",
                    "created_at": start + timedelta(seconds=n),
                }
            )
            if len(batch) == 10_000:
                connection.execute(insert(TurnRow), batch)
                batch.clear()
        if batch:
            connection.execute(insert(TurnRow), batch)
    db.dispose()


def settings_for(db_url: str) -> Settings:
    # Measure the work, not the rate limiter's refusals: one user sends hundreds of messages.
    return Settings(
        bot=TicketbotSettings(
            database_url=db_url,
            rate_user_capacity=1e9,
            rate_user_per_minute=1e9,
            rate_backend_per_hour=1e12,
        )
    )


USER = UserRef("slack", "U1", "Bench User", "bench@example.com")
CONVERSATION = ConversationRef("slack", "T1", "D-bench")


def send(runtime: Runtime, text: str) -> None:
    event = InboundMessage(f"bench-{uuid.uuid4()}", CONVERSATION, USER, text, datetime.now(UTC))
    runtime.assistant.handle(event)


def measure(db_url: str, messages: int, script: tuple[str, ...] | None = None) -> Run:
    runtime = build_runtime(settings_for(db_url))
    ticket = runtime.ticketing.create(TicketDraft("Bench", "bench"), USER)
    timings, cpu = [], []
    with SqlCounter(runtime.database.engine) as counter:
        for n in range(messages):
            lines = script or MESSAGES
            text = lines[n % len(lines)].format(ref=ticket.id)
            started, started_cpu = time.perf_counter(), time.process_time()
            send(runtime, text)
            cpu.append((time.process_time() - started_cpu) * 1000)
            timings.append((time.perf_counter() - started) * 1000)
        run = Run(timings, cpu, counter.statements / messages, counter.commits / messages)
    runtime.close()
    return run


def common_path(db_url: str, targets: Targets, dialect: str = "sqlite") -> None:
    """Statements and commits of each common message, measured alone."""
    runtime = build_runtime(settings_for(db_url))
    ticket = runtime.ticketing.create(TicketDraft("Bench", "bench"), USER)
    send(runtime, "hi")
    send(runtime, f"ticket status {ticket.id}")  # in focus and tracked, as in a conversation
    print(f"common path on {dialect}, per message: the bot's own statements / commits")
    with Bookkeeping(runtime.database.engine) as counter:
        for label, line in COMMON:
            text = line.format(ref=ticket.id)
            cost = counter.cost(lambda: send(runtime, text))  # noqa: B023 (called at once)
            print(f"  {label:<22} {cost.statements:>2} / {cost.commits}")
            targets.holds(
                f"common path ({dialect}): {label}",
                cost.statements <= STATEMENT_BUDGET and cost.commits == 1,
                f"{cost.statements} statements, {cost.commits} commit(s) "
                f"(target <= {STATEMENT_BUDGET} statements, 1 commit)",
            )
    runtime.close()


def report(label: str, run: Run) -> tuple[float, float, float]:
    """Print the figures; return (median, p99, CPU median) in milliseconds."""
    ordered = sorted(run.timings)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(ordered)
    cpu = statistics.median(run.cpu)
    print(
        f"{label:<26} messages={len(ordered):>4}  median={median:5.2f} ms  p95={p95:6.2f} ms"
        f"  p99={p99:6.2f} ms  max={ordered[-1]:6.2f} ms  CPU median={cpu:5.2f} ms"
        f"  SQL/message={run.statements:5.2f}  commits/message={run.commits:4.2f}"
    )
    return median, p99, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--postgres", help="also count the common path on this server")
    args = parser.parse_args()
    targets = Targets()
    with tempfile.TemporaryDirectory() as folder:
        empty = f"sqlite:///{Path(folder) / 'empty.db'}"
        full = f"sqlite:///{Path(folder) / 'full.db'}"
        median, p99, cpu = report("empty history", measure(empty, args.messages))
        targets.at_most("median, empty history", median, 5)
        targets.at_most("CPU median, empty history", cpu, 5)
        targets.at_most("p99, empty history", p99, 20)
        started = time.perf_counter()
        load_history(full, args.turns)
        print(f"(loaded {args.turns:,} earlier turns in {time.perf_counter() - started:.1f} s)")
        loaded_median, loaded_p99, loaded_cpu = report(
            f"{args.turns:,} earlier turns", measure(full, args.messages)
        )
        targets.at_most(f"median, {args.turns:,} earlier turns", loaded_median, 5)
        targets.at_most(f"CPU median, {args.turns:,} earlier turns", loaded_cpu, 5)
        targets.at_most(f"p99, {args.turns:,} earlier turns", loaded_p99, 20)
        # "No growth": within half the empty median plus a millisecond of noise.
        targets.at_most("growth with history (median)", loaded_median - median, 0.5 * median + 1)
        dialogue = f"sqlite:///{Path(folder) / 'dialogue.db'}"
        talk_median, talk_p99, talk_cpu = report(
            "with the dialogue state", measure(dialogue, args.messages, DIALOGUE)
        )
        targets.at_most("median, with the dialogue state", talk_median, 5)
        targets.at_most("CPU median, with the dialogue state", talk_cpu, 5)
        targets.at_most("p99, with the dialogue state", talk_p99, 20)
        common_path(f"sqlite:///{Path(folder) / 'common.db'}", targets)
        if args.postgres:
            with postgres_schema(args.postgres, prefix="core_bench") as url:
                common_path(url, targets, "postgresql")
    return 0 if targets.verdict() else 1


if __name__ == "__main__":
    raise SystemExit(main())
