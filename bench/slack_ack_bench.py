"""How fast Slack gets its acknowledgement while the work behind it is slow.

The real server (``bots.server.build_web_app`` with the Slack HTTP mount) runs on loopback with
the real Assistant and local desk; the classifier waits 2 s on a loopback "LLM" and every
ticketing call waits 1 s on a loopback "backend"; the Slack Web API is the loopback fake from
the tests. Signed slash commands and DM events are POSTed at a steady rate; the time from
sending a request to receiving its HTTP response (the acknowledgement) is measured per kind.
Target: p99 under 100 ms (Slack allows 3 s), printed as a PASS or FAIL line per kind; exits 1
if one is missed.

    python -m bench.slack_ack_bench [--requests 100] [--rate 25] [--llm-seconds 2]
                                    [--backend-seconds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import requests

from bench.targets import Targets
from bots.composition import Runtime, build_runtime
from bots.server import build_web_app
from bots.slack.app import SLACK_ADAPTER_KEY
from core.intents import Classification, Intent
from core.messages import UserRef
from core.ports import TicketingSystem, Turn
from core.tickets import Priority, Ticket, TicketDraft, TicketRef
from tests.fakes.loopback import start_app
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.harness import (
    ALICE,
    command_form,
    dm_event,
    event_body,
    make_settings,
    signed_headers,
)


class _Sleeper(BaseHTTPRequestHandler):
    """``GET /sleep?s=2``: answers after that many seconds (the slow LLM or backend)."""

    def do_GET(self) -> None:
        seconds = float(self.path.rsplit("=", 1)[-1])
        time.sleep(seconds)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def sleeper() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sleeper)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sleep"
    finally:
        server.shutdown()
        server.server_close()


class SlowClassifier:
    """An LLM that takes ``seconds`` over loopback HTTP, then reads every message as a problem."""

    def __init__(self, url: str, seconds: float) -> None:
        self._url, self._seconds = url, seconds
        self._session = requests.Session()

    def classify(self, text: str, history: Sequence[Turn] = ()) -> Classification:
        self._session.get(f"{self._url}?s={self._seconds}", timeout=30)
        return Classification(Intent.CREATE_TICKET, title=text[:60], source="llm")


class SlowDesk:
    """The local desk behind a backend that takes ``seconds`` per call over loopback HTTP."""

    name = "slow-local"

    def __init__(self, desk: TicketingSystem, url: str, seconds: float) -> None:
        self._desk, self._url, self._seconds = desk, url, seconds

    def _wait(self) -> None:
        requests.get(f"{self._url}?s={self._seconds}", timeout=30)

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        self._wait()
        return self._desk.create(draft, requester)

    def get(self, ref: TicketRef, requester: UserRef) -> Ticket:
        self._wait()
        return self._desk.get(ref, requester)

    def list_open(self, requester: UserRef, limit: int = 10) -> list[Ticket]:
        self._wait()
        return self._desk.list_open(requester, limit)

    def add_note(self, ref: TicketRef, text: str, requester: UserRef) -> Ticket:
        self._wait()
        return self._desk.add_note(ref, text, requester)

    def close(self, ref: TicketRef, requester: UserRef) -> Ticket:
        self._wait()
        return self._desk.close(ref, requester)

    def reopen(self, ref: TicketRef, reason: str, requester: UserRef) -> Ticket:
        self._wait()
        return self._desk.reopen(ref, reason, requester)

    def set_priority(self, ref: TicketRef, priority: Priority, requester: UserRef) -> Ticket:
        self._wait()
        return self._desk.set_priority(ref, priority, requester)

    def check_ready(self) -> None:
        self._wait()

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        self._wait()
        self._desk.attach(ref, name, content_type, data, requester)


def now_utc() -> datetime:
    return datetime.now(UTC)


def build(tmp: Path, fake: FakeSlackApi, url: str, llm: float, backend: float) -> Runtime:
    """The real runtime, with a slow classifier and a slow help desk in front of the local one."""
    runtime = build_runtime(make_settings(tmp, fake), clock=now_utc)
    slow_desk = SlowDesk(runtime.assistant.ticketing, url, backend)
    runtime.assistant.ticketing = runtime.ticketing = slow_desk
    runtime.assistant.classifier = runtime.classifier = SlowClassifier(url, llm)
    return runtime


def request_for(n: int, response_url: str) -> tuple[str, str, str]:
    """(kind, body, content type): alternately a slash command and a DM event."""
    if n % 2 == 0:
        text = f"new Printer {n} is jammed" if n % 4 == 0 else "list"
        form = command_form(text, response_url=response_url, trigger_id=f"bench.{n}")
        return "command", urlencode(form), "application/x-www-form-urlencoded"
    event = dm_event(f"my monitor number {n} flickers", user=ALICE)
    return "event", json.dumps(event_body(event, event_id=f"EvBench{n:06d}")), "application/json"


async def run(args: argparse.Namespace) -> int:
    fake = await FakeSlackApi().start()
    fake.add_user(ALICE, "alice@example.com", "Alice Example")
    with tempfile.TemporaryDirectory() as tmp, sleeper() as url:
        runtime = build(Path(tmp), fake, url, args.llm_seconds, args.backend_seconds)
        app = build_web_app(runtime)
        runner, port = await start_app(app)
        endpoint = f"http://127.0.0.1:{port}/slack/events"
        latencies: dict[str, list[float]] = {"command": [], "event": []}
        statuses: list[int] = []
        async with aiohttp.ClientSession() as session:

            async def send(n: int) -> None:
                kind, body, content_type = request_for(n, fake.response_url("bench"))
                headers = signed_headers(body, content_type=content_type)
                start = time.perf_counter()
                async with session.post(endpoint, data=body.encode(), headers=headers) as resp:
                    await resp.read()
                    statuses.append(resp.status)
                latencies[kind].append((time.perf_counter() - start) * 1000)

            started = time.perf_counter()
            sends = []
            for n in range(args.requests):
                sends.append(asyncio.create_task(send(n)))
                await asyncio.sleep(1 / args.rate)
            await asyncio.gather(*sends)
            acked = time.perf_counter() - started
            adapter = app[SLACK_ADAPTER_KEY]
            await adapter.bot.drain(timeout=600)
            answered = time.perf_counter() - started
        await runner.cleanup()
        runtime.close()
    await fake.stop()

    print(
        f"{args.requests} requests at {args.rate:g}/s; LLM {args.llm_seconds:g} s, "
        f"backend {args.backend_seconds:g} s per call; "
        f"workers {runtime.settings.bot.workers}"
    )
    print(f"HTTP statuses: {sorted(set(statuses))}")
    everything = latencies["command"] + latencies["event"]
    for kind, values in (*latencies.items(), ("all", everything)):
        print(f"ack {kind:8s} n={len(values):4d}  {summary(values)}")
    targets = Targets()
    targets.holds(
        "every request acknowledged with 200",
        set(statuses) == {200},
        f"statuses {sorted(set(statuses))}",
    )
    for kind, values in (*latencies.items(), ("all", everything)):
        targets.at_most(f"ack p99, {kind}", percentile(values, 99), 100)
    print(f"all acknowledged after {acked:.1f} s; all answers posted after {answered:.1f} s")
    notices = sum(1 for c in fake.posted() if c.params.get("text") == "Working on it…")
    notices += sum(1 for r in fake.responses if r.body.get("text") == "Working on it…")
    print(f"'working on it' notices: {notices}")
    return 0 if targets.verdict() else 1


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(values: Sequence[float]) -> str:
    return (
        f"median {statistics.median(values):6.1f} ms  p99 {percentile(values, 99):6.1f} ms  "
        f"max {max(values):6.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rate", type=float, default=25.0, help="requests per second")
    parser.add_argument("--llm-seconds", type=float, default=2.0)
    parser.add_argument("--backend-seconds", type=float, default=1.0)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
