"""``ticketbot worker``: a process without an HTTP server answers what waits in the inbox; its
answers wait in the outbox for a ``serve`` replica to deliver."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.cli.worker import work
from bots.composition import build_runtime
from core.settings import load_settings
from storage.inbox import SqlInbox
from tests.support import ALICE, message


@pytest.mark.anyio
async def test_the_worker_answers_queued_events_into_the_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("TICKETBOT_INBOX_POLL_SECONDS", "0.05")
    runtime = build_runtime(load_settings())
    inbox = SqlInbox(runtime.database)
    event = message("ticket new Projector in room 4 is dead", ALICE, event_id="EvQ1")
    assert inbox.put(event, "slack", '{"channel": "D1"}', datetime.now(UTC))
    stop = asyncio.Event()
    try:
        worker = asyncio.create_task(work(runtime, stop))
        for _ in range(200):  # bounded: at most 20 s
            if inbox.depth(datetime.now(UTC)).unsent == 1:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(worker, 30)
        [outgoing] = inbox.due(datetime.now(UTC), timedelta(seconds=30), platforms=["slack"])
    finally:
        runtime.close()

    assert inbox.depth(datetime.now(UTC)).pending == 0
    assert "Created ticket" in outgoing.replies[0].text
    assert outgoing.destination == '{"channel": "D1"}'
