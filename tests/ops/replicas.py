"""Several ``ticketbot serve`` (and ``ticketbot worker``) child processes on one PostgreSQL
database, for the replica tests: a fresh schema per test, each process in a folder of its own,
Slack events sent to them signed (with Slack's retries), and what the database says about the
inbox."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from storage.db import Database
from tests.fakes.autotask_server import FakeAutotask
from tests.fakes.slack_api import FakeSlackApi
from tests.ops.process import _PREFIXES, ServeProcess, entrypoint, serve_process
from tests.slack.harness import dm_event, event_body, signed_headers
from tests.storage.conftest import fresh_postgres_schema

COMPANY = 100


@contextlib.contextmanager
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh schema on the test server (skips when none answers), migrated once here so
    the replicas start on the newest schema."""
    with fresh_postgres_schema(request) as url:
        Database.connect(url).dispose()
        yield url


def person(number: int) -> str:
    return f"UREP{number:05d}"


def channel_of(user: str) -> str:
    return f"D{user}"


def add_people(slack: FakeSlackApi, tenant: FakeAutotask, count: int) -> None:
    tenant.add_company(COMPANY)
    for number in range(count):
        user = person(number)
        email = f"{user.lower()}@example.com"
        slack.add_user(user, email, f"Person {number}")
        tenant.add_contact(email, COMPANY, "Person", str(number))


def create_body(number: int) -> str:
    user = person(number)
    event = dm_event(f"ticket new Laptop {number} won't boot", user=user, channel=channel_of(user))
    return json.dumps(event_body(event, event_id=f"EvREP{number:05d}"))


async def post_event(
    session: aiohttp.ClientSession, base_url: str, body: str, retry: int = 0
) -> int:
    """Slack's POST of one event (``retry``: its X-Slack-Retry-Num); the status, or 0 when
    the process did not answer."""
    headers = signed_headers(body, content_type="application/json")
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    try:
        async with session.post(
            f"{base_url}/slack/events",
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=10),
        ) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


def answers_by_channel(slack: FakeSlackApi) -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in slack.posted():
        channel = str(call.params.get("channel"))
        counts[channel] = counts.get(channel, 0) + 1
    return counts


def titles_filed(tenant: FakeAutotask) -> list[str]:
    return [str(ticket["title"]) for ticket in list(tenant.tickets.values())]


@dataclass
class InboxView:
    """What the shared database says about the inbox (read with a connection of its own)."""

    url: str

    def _rows(self, sql: str, **params: object) -> Sequence[tuple[object, ...]]:
        database = Database.connect(self.url, create=False)
        try:
            with database.engine.connect() as connection:
                return list(connection.execute(text(sql), params).tuples())
        finally:
            database.dispose()

    def unfinished_of(self, pid: int) -> set[str]:
        """Events the process ``pid`` holds and has not finished."""
        rows = self._rows(
            "SELECT event_id FROM inbox WHERE status <> 'done' AND lease_owner LIKE :owner",
            owner=f"%:{pid}:%",
        )
        return {str(row[0]) for row in rows}

    def done(self, event_ids: set[str]) -> set[str]:
        rows = self._rows("SELECT event_id, status FROM inbox")
        return {str(e) for e, status in rows if status == "done" and e in event_ids}

    def waiting(self) -> int:
        [(count,)] = self._rows("SELECT count(*) FROM inbox WHERE status <> 'done'")
        return int(str(count))


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_file: Path

    def logs(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def worker_process(folder: Path, env: Mapping[str, str]) -> Iterator[WorkerProcess]:
    """``ticketbot worker`` in ``folder`` with only ``env`` (and what any process needs)."""
    folder.mkdir(parents=True, exist_ok=True)
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(_PREFIXES)}
    child_env |= {"TICKETBOT_LOG_FORMAT": "json", **env}
    command = [*entrypoint()[:-1], "worker"]
    log_file = folder / "worker.log"
    with log_file.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=folder, env=child_env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield WorkerProcess(process, log_file)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def replicas(folder: Path, env: Mapping[str, str], count: int) -> Iterator[list[ServeProcess]]:
    """``count`` ``serve`` processes on ``env`` (one database), each in a folder of its own."""
    with contextlib.ExitStack() as stack:
        started = []
        for number in range(count):
            where = folder / f"replica{number}"
            where.mkdir(parents=True, exist_ok=True)
            started.append(stack.enter_context(serve_process(where, env)))
        yield started
