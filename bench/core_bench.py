"""The core's own cost per message: offline classifier, local desk, SQLite history.

Runs a mixed conversation against a fresh database, then again after loading 100,000 earlier
turns, then a multi-turn dialogue that keeps the dialogue state busy (drafts edited and
confirmed, a second draft queued, follow-ups noted on the ticket in focus, status of "it",
priority changes), and prints median and p99 milliseconds per message for each (targets:
median < 5 ms, p99 < 20 ms, and no growth with history size), each with a PASS or FAIL line;
exits 1 if one is missed.

    python -m bench.core_bench [--turns 100000] [--messages 400]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.targets import Targets
from bots.composition import build_runtime
from core.messages import ConversationRef, InboundMessage, UserRef
from core.settings import Settings, TicketbotSettings
from core.tickets import TicketDraft
from storage.models import ConversationRow, TurnRow

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


def measure(db_url: str, messages: int, script: tuple[str, ...] | None = None) -> list[float]:
    # Measure the work, not the rate limiter's refusals: one user sends hundreds of messages.
    settings = Settings(
        bot=TicketbotSettings(
            database_url=db_url,
            rate_user_capacity=1e9,
            rate_user_per_minute=1e9,
            rate_backend_per_hour=1e12,
        )
    )
    runtime = build_runtime(settings)
    user = UserRef("slack", "U1", "Bench User", "bench@example.com")
    conversation = ConversationRef("slack", "T1", "D-bench")
    ticket = runtime.ticketing.create(TicketDraft("Bench", "bench"), user)
    timings = []
    for n in range(messages):
        lines = script or MESSAGES
        text = lines[n % len(lines)].format(ref=ticket.id)
        event = InboundMessage(f"bench-{uuid.uuid4()}", conversation, user, text, datetime.now(UTC))
        started = time.perf_counter()
        runtime.assistant.handle(event)
        timings.append((time.perf_counter() - started) * 1000)
    runtime.close()
    return timings


def report(label: str, timings: list[float]) -> tuple[float, float]:
    """Print the figures; return (median, p99) in milliseconds."""
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(timings)
    print(
        f"{label:<28} messages={len(timings):>5}  median={median:6.2f} ms"
        f"  p99={p99:6.2f} ms  max={ordered[-1]:6.2f} ms"
    )
    return median, p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args()
    targets = Targets()
    with tempfile.TemporaryDirectory() as folder:
        empty = f"sqlite:///{Path(folder) / 'empty.db'}"
        full = f"sqlite:///{Path(folder) / 'full.db'}"
        median, p99 = report("empty history", measure(empty, args.messages))
        targets.at_most("median, empty history", median, 5)
        targets.at_most("p99, empty history", p99, 20)
        started = time.perf_counter()
        load_history(full, args.turns)
        print(f"(loaded {args.turns:,} earlier turns in {time.perf_counter() - started:.1f} s)")
        loaded_median, loaded_p99 = report(
            f"{args.turns:,} earlier turns", measure(full, args.messages)
        )
        targets.at_most(f"median, {args.turns:,} earlier turns", loaded_median, 5)
        targets.at_most(f"p99, {args.turns:,} earlier turns", loaded_p99, 20)
        # "No growth": within half the empty median plus a millisecond of noise.
        targets.at_most("growth with history (median)", loaded_median - median, 0.5 * median + 1)
        dialogue = f"sqlite:///{Path(folder) / 'dialogue.db'}"
        talk_median, talk_p99 = report(
            "with the dialogue state", measure(dialogue, args.messages, DIALOGUE)
        )
        targets.at_most("median, with the dialogue state", talk_median, 5)
        targets.at_most("p99, with the dialogue state", talk_p99, 20)
    return 0 if targets.verdict() else 1


if __name__ == "__main__":
    raise SystemExit(main())
