"""A burst of 200 Slack messages from 50 people, answered by ``ticketbot serve`` and, in the same
run, by a naive bot that works before it answers Slack.

Everything talks real HTTP on loopback: signed Slack requests go to the server; its answers go to
the fake Slack Web API (``chat.postMessage``, ``response_url``); the LLM is an OpenAI-compatible
server that takes ``--llm-seconds`` per answer (the bot's own ``openai`` client calls it); the
help desk is the fake Autotask tenant taking ``--autotask-seconds`` per request, whose limit of 3
concurrent requests per endpoint both bots respect. Each person sends four messages: two status
questions in the DM (read by the LLM; one about their own ticket, one about the company's outage
ticket), ``/ticket status <own ticket>`` and ``/ticket list``; all 200 are sent within
``--window`` seconds (2: fifty people typing at once), after one warm-up message of each kind (a
server that has answered before). Measured: the acknowledgement (HTTP response) latency and the
time until each message is answered (its "working on it" note does not count), for each bot;
then ``ticketbot serve`` on the local desk without an LLM, messages per second end to end (the
median of three runs, each with the server's CPU time per message); the
start-up time of the command line; and whether a local-desk lookup by ticket number uses an
index. Targets are printed PASS / FAIL; the exit status is 1 when one is missed. The bots run in
processes of their own; the fakes and the sender share this one (a loaded machine shows in the
figures: run it alone).

The naive bot is what a first Slack bot looks like: one thread per request that asks the LLM,
then Autotask (the contact, then the ticket), posts the answer and only then answers Slack's
request. It caches nothing. Slack would retry a request not acknowledged within 3 s; neither bot
gets retries here.

    python -m bench.burst_bench [--people 50] [--window 2] [--llm-seconds 2]
                                [--autotask-seconds 1] [--local-messages 600]
                                [--serve-env KEY=VALUE ...] [--only-ticketbot]
    (BURST_BENCH_SERVE_LOG=path keeps the server's log)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode

import aiohttp
import requests
from aiohttp import web

from bench.targets import Targets
from tests.fakes.autotask_server import FakeAutotask, load_models
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.ops.process import entrypoint, free_port, slack_autotask_env
from tests.slack.harness import SECRET, command_form, dm_event, event_body, signed_headers

ACK_P99_MS = 100.0
ANSWERED_SHARE = 0.6  # of the naive bot's time to answer everything
LOCAL_RATE = 150.0  # messages per second end to end, local desk, no LLM
LOCAL_RUNS = 3  # the local-desk figure is the median of these
COMPANY = 100
QUEUE = 29683354
WORKING_ON_IT = "Working on it…"
SERVE_LOG_COPY = os.environ.get("BURST_BENCH_SERVE_LOG")  # a path: keep the server's log there
NUMBER = re.compile(r"\b(\d{5})\b")


# -- the slow LLM --------------------------------------------------------------------------------


class _LlmHandler(BaseHTTPRequestHandler):
    """``POST /v1/chat/completions``: after ``seconds``, reads the last user message as a status
    question about the five-digit ticket number in it (a list request without one)."""

    seconds = 2.0
    calls: ClassVar[list[float]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        self.calls.append(time.monotonic())
        time.sleep(self.seconds)
        users = [m for m in request.get("messages", []) if m.get("role") == "user"]
        text = str(users[-1].get("content", "")) if users else ""
        numbers = NUMBER.findall(text)
        reading = {
            "intent": "ticket_status" if numbers else "list_tickets",
            "ticket": numbers[-1] if numbers else None,
            "title": None,
            "description": None,
            "priority": None,
            "reply": None,
        }
        body = json.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": request.get("model", "bench"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": json.dumps(reading)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # a burst connects all at once


@contextmanager
def slow_llm(seconds: float) -> Iterator[tuple[str, list[float]]]:
    calls: list[float] = []
    handler = type("Llm", (_LlmHandler,), {"seconds": seconds, "calls": calls})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", calls
    finally:
        server.shutdown()
        server.server_close()


# -- the fake Slack Web API, with the time each answer arrived --------------------------------


@dataclass
class TimedSlack(FakeSlackApi):
    """The tests' fake Web API, noting when each answer arrived (the bench's monotonic clock)."""

    posted_at: dict[str, list[tuple[float, str]]] = field(default_factory=dict)

    def _chat_postMessage(self, call: Any) -> dict[str, Any]:
        self._note(str(call.params.get("channel")), str(call.params.get("text") or ""))
        return super()._chat_postMessage(call)

    def _chat_postEphemeral(self, call: Any) -> dict[str, Any]:
        self._note(str(call.params.get("channel")), str(call.params.get("text") or ""))
        return super()._chat_postEphemeral(call)

    async def _response(self, request: web.Request) -> web.Response:
        answer = await super()._response(request)
        self._note(f"response:{request.match_info['name']}", self.responses[-1].body.get("text"))
        return answer

    def _note(self, where: str, text: object) -> None:
        self.posted_at.setdefault(where, []).append((time.monotonic(), str(text or "")))

    def answers(self, where: str) -> list[float]:
        """When the answers (not the "working on it" notices) to ``where`` arrived."""
        return [at for at, text in self.posted_at.get(where, []) if text != WORKING_ON_IT]

    def notices(self) -> int:
        return sum(
            1 for posts in self.posted_at.values() for _, text in posts if text == WORKING_ON_IT
        )


# -- the burst ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: str
    email: str
    dm: str
    ticket: int


@dataclass(frozen=True)
class Message:
    n: int
    person: Person
    kind: str  # "dm", "status", "list"
    body: str
    content_type: str
    answered_where: str  # the TimedSlack key its answer arrives under


def burst(people: Sequence[Person], outage: int, slack: TimedSlack) -> list[Message]:
    """Four messages per person, interleaved so that everyone's first message comes first."""
    messages: list[Message] = []
    for round_ in range(4):
        for person in people:
            n = len(messages)
            if round_ < 2:
                number = person.ticket if round_ == 0 else outage
                text = f"hi, what's the status of my ticket {number}?"
                event = dm_event(text, user=person.user_id, channel=person.dm)
                body = json.dumps(event_body(event, event_id=f"EvBurst{n:05d}"))
                messages.append(Message(n, person, "dm", body, "application/json", person.dm))
            else:
                text = f"status {person.ticket}" if round_ == 2 else "list"
                name = f"burst{n}"
                form = command_form(
                    text,
                    user=person.user_id,
                    channel=person.dm,
                    response_url=slack.response_url(name),
                )
                kind = "status" if round_ == 2 else "list"
                messages.append(
                    Message(
                        n,
                        person,
                        kind,
                        urlencode(form),
                        "application/x-www-form-urlencoded",
                        f"response:{name}",
                    )
                )
    return messages


def warm_up(person: Person, outage: int, slack: TimedSlack) -> list[Message]:
    """One message of each kind from someone outside the burst (a different user id)."""
    stranger = Person("UWARMUP01", person.email, "DWARMUP01", person.ticket)
    slack.add_user(stranger.user_id, person.email, "Warm Up")
    messages = burst([stranger], outage, slack)
    return [Message(m.n, m.person, m.kind, *_renumbered(m, 9000 + m.n, slack)) for m in messages]


def seed(tenant: FakeAutotask, slack: TimedSlack, count: int) -> tuple[list[Person], int]:
    """``count`` people of one company, each with a ticket of their own, and an outage ticket."""
    tess = tenant.add_resource("tess.tech@msp.example", "Tess", "Tech")
    people: list[Person] = []
    for i in range(count):
        email = f"person{i}@client.example"
        contact = tenant.add_contact(email, COMPANY, "Person", str(i))
        ticket = tenant.add_ticket(
            title=f"Laptop {i} will not dock",
            companyID=COMPANY,
            contactID=contact,
            assignedResourceID=tess,
        )
        tenant.add_note(ticket, "Looking into it", creator=tess)
        user_id = f"UBURST{i:03d}"
        slack.add_user(user_id, email, f"Person {i}")
        people.append(Person(user_id, email, f"DBURST{i:03d}", ticket))
    first = min(tenant.contacts)  # someone's: the outage ticket is the company's
    outage = tenant.add_ticket(
        title="Internet down at the main office",
        companyID=COMPANY,
        contactID=first,
        assignedResourceID=tess,
    )
    tenant.add_note(outage, "The provider is on it", creator=tess)
    return people, outage


@dataclass
class Run:
    label: str
    ack_ms: list[float]
    answered_s: list[float]
    total_s: float
    statuses: set[int]
    unanswered: int
    notices: int = 0
    autotask_requests: int = 0
    autotask_max_in_flight: int = 0
    autotask_by_endpoint: dict[str, int] = field(default_factory=dict)
    llm_calls: int = 0
    serve_cpu_ms: float = 0.0  # the server's CPU time over the whole burst


async def send_burst(
    endpoint: str, messages: Sequence[Message], slack: TimedSlack, timeout: float, window: float
) -> Run:
    """POST every message within ``window`` seconds; wait until each one is answered (or
    ``timeout``)."""
    sent_at: dict[int, float] = {}
    ack_ms: dict[int, float] = {}
    statuses: set[int] = set()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:

        async def send(message: Message) -> None:
            headers = signed_headers(message.body, content_type=message.content_type)
            sent_at[message.n] = began = time.monotonic()
            async with session.post(endpoint, data=message.body.encode(), headers=headers) as r:
                body = await r.read()
                statuses.add(r.status)
            done = time.monotonic()
            ack_ms[message.n] = (done - began) * 1000
            if message.kind != "dm" and body.strip():  # the naive bot answers in its response
                slack._note(message.answered_where, "answered in the response")

        started = time.monotonic()
        sends = []
        for m in messages:
            sends.append(asyncio.create_task(send(m)))
            await asyncio.sleep(window / len(messages))
        await asyncio.gather(*sends)
        deadline = time.monotonic() + timeout

        def answered() -> dict[int, float]:
            times: dict[int, float] = {}
            by_place: dict[str, list[Message]] = defaultdict(list)
            for m in messages:
                by_place[m.answered_where].append(m)
            for place, waiting in by_place.items():
                # A person's DMs are answered in the order they were sent.
                ordered = sorted(waiting, key=lambda m: sent_at[m.n])
                for m, at in zip(ordered, slack.answers(place), strict=False):
                    times[m.n] = at - sent_at[m.n]
            return times

        while len(answered()) < len(messages) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        times = answered()
    total = max((sent_at[n] + t for n, t in times.items()), default=started) - started

    return Run(
        "",
        list(ack_ms.values()),
        list(times.values()),
        total,
        statuses,
        len(messages) - len(times),
    )


# -- the two bots --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process ``pid`` has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SERVE_PIDS: dict[str, int] = {}  # endpoint -> the pid of the server behind it


@contextmanager
def ticketbot_serve(folder: Path, env: dict[str, str]) -> Iterator[str]:
    """``ticketbot serve`` in a process of its own; yields its Slack endpoint."""
    port = free_port()
    child_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TICKETBOT_", "SLACK_", "OPENAI_", "AUTOTASK_", "TEAMS_"))
    }
    child_env.update(
        {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "TICKETBOT_DATABASE_URL": f"sqlite:///{folder / 'ticketbot.db'}",
            "TICKETBOT_LOG_LEVEL": "WARNING",
            **env,
        }
    )
    with (folder / "serve.log").open("wb") as sink:
        process = subprocess.Popen(
            entrypoint(), cwd=folder, env=child_env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        wait_for_health(f"http://127.0.0.1:{port}/healthz", process, folder / "serve.log")
        endpoint = f"http://127.0.0.1:{port}/slack/events"
        SERVE_PIDS[endpoint] = process.pid
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if SERVE_LOG_COPY:
            Path(SERVE_LOG_COPY).write_bytes((folder / "serve.log").read_bytes())


def wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> float:
    """Seconds until ``url`` answers 200 (the process must not exit first)."""
    began = time.monotonic()
    while time.monotonic() - began < 60:
        if process.poll() is not None:
            raise SystemExit(f"the server exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - began
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')}")


@contextmanager
def naive_bot(env: dict[str, str]) -> Iterator[str]:
    """The naive bot (:func:`naive_main`) in a process of its own; yields its endpoint."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.burst_bench", "--naive-port", str(port)],
        env={**os.environ, **env},
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}/healthz", process, Path(os.devnull))
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        process.terminate()
        process.wait(timeout=30)


def naive_main(port: int) -> None:
    """A first Slack bot: the work happens inside the request, one thread per request."""
    from openai import OpenAI
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(os.environ["SLACK_SIGNING_SECRET"])
    slack_api = os.environ["SLACK_API_URL"]
    autotask = os.environ["AUTOTASK_API_URL"].rstrip("/") + "/V1.0/"
    llm = OpenAI(base_url=os.environ["OPENAI_BASE_URL"], api_key="unused", max_retries=0)
    autotask_headers = {
        "UserName": os.environ["AUTOTASK_USERNAME"],
        "Secret": os.environ["AUTOTASK_SECRET"],
        "ApiIntegrationCode": os.environ["AUTOTASK_INTEGRATION_CODE"],
        "Content-Type": "application/json",
    }
    # Autotask's limit of three requests in flight per endpoint, respected.
    limits = {name: threading.BoundedSemaphore(3) for name in ("Contacts", "Tickets")}

    def call_autotask(endpoint: str, path: str, body: dict[str, Any] | None = None) -> Any:
        with limits[endpoint]:
            if body is None:
                answer = requests.get(autotask + path, headers=autotask_headers, timeout=60)
            else:
                answer = requests.post(
                    autotask + path, headers=autotask_headers, json=body, timeout=60
                )
        return answer.json()

    def answer_for(user_id: str, text: str) -> str:
        user = requests.post(
            slack_api + "users.info",
            data={"user": user_id},
            headers={"Authorization": f"Bearer {BOT_TOKEN}"},
            timeout=30,
        ).json()["user"]
        email = user["profile"]["email"]
        numbers = NUMBER.findall(text)
        if not text.startswith(("status", "list")):
            reading = llm.chat.completions.create(
                model="bench", messages=[{"role": "user", "content": text}]
            )
            content = json.loads(reading.choices[0].message.content or "{}")
            numbers = [content["ticket"]] if content.get("ticket") else []
        contacts = call_autotask(
            "Contacts",
            "Contacts/query",
            {"filter": [{"op": "eq", "field": "emailAddress", "value": email}]},
        )
        contact = contacts["items"][0]["id"]
        if numbers:
            ticket = call_autotask("Tickets", f"Tickets/{numbers[0]}")["item"]
            return f"Ticket {ticket['ticketNumber']}: status {ticket['status']}"
        tickets = call_autotask(
            "Tickets",
            "Tickets/query",
            {"filter": [{"op": "eq", "field": "contactID", "value": contact}]},
        )
        return f"You have {len(tickets['items'])} tickets"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._send(200, b"ok")

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if not verifier.is_valid(
                raw,
                self.headers.get("X-Slack-Request-Timestamp", ""),
                self.headers.get("X-Slack-Signature", ""),
            ):
                self._send(401, b"")
                return
            if self.headers.get("Content-Type", "").startswith("application/json"):
                event = json.loads(raw)["event"]
                text = answer_for(event["user"], event["text"])
                requests.post(
                    slack_api + "chat.postMessage",
                    json={"channel": event["channel"], "text": text},
                    headers={"Authorization": f"Bearer {BOT_TOKEN}"},
                    timeout=30,
                )
                self._send(200, b"")
            else:
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                text = answer_for(form["user_id"], form["text"])
                self._send(200, json.dumps({"text": text}).encode())

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    _Server(("127.0.0.1", port), Handler).serve_forever()


# -- the runs ------------------------------------------------------------------------------------


async def burst_runs(args: argparse.Namespace) -> tuple[Run, Run]:
    """The same burst against ``ticketbot serve`` and against the naive bot."""
    runs: list[Run] = []
    for label in ("ticketbot serve", "naive bot")[: 1 if args.only_ticketbot else 2]:
        slack = TimedSlack()
        await slack.start()
        tenant = FakeAutotask(load_models()).start()
        tenant.delay = args.autotask_seconds
        people, outage = seed(tenant, slack, args.people)
        messages = burst(people, outage, slack)
        with (
            tempfile.TemporaryDirectory() as tmp,
            slow_llm(args.llm_seconds) as (llm_url, llm_calls),
        ):
            env = slack_autotask_env(
                slack,
                tenant,
                AUTOTASK_API_URL=tenant.api_url,
                AUTOTASK_DEFAULT_QUEUE_ID=str(QUEUE),
                AUTOTASK_COMPANY_VISIBILITY="true",
                OPENAI_BASE_URL=llm_url,
                TICKETBOT_LLM_MODEL="bench",
                TICKETBOT_RATE_USER_CAPACITY="0",
                TICKETBOT_RATE_BACKEND_PER_HOUR="0",
            )
            if label.startswith("ticketbot"):
                env.update(dict(kv.split("=", 1) for kv in args.serve_env))
            bot = (
                ticketbot_serve(Path(tmp), env) if label.startswith("ticketbot") else naive_bot(env)
            )
            with bot as endpoint:
                # A server that has answered before (the first answer in a process pays for
                # lazy imports and for compiling its queries): one person, one of each kind.
                await send_burst(endpoint, warm_up(people[0], outage, slack), slack, 60, 0.1)
                slack.posted_at.clear()
                tenant.reset_log()
                before = len(llm_calls)
                run = await send_burst(endpoint, messages, slack, args.timeout, args.window)
                run.llm_calls = len(llm_calls) - before
        run.label = label
        run.notices = slack.notices()
        run.autotask_requests = len(tenant.requests)
        run.autotask_max_in_flight = max(tenant.max_in_flight.values(), default=0)
        by_endpoint: dict[str, int] = defaultdict(int)
        for request in tenant.requests:
            by_endpoint[request.method + " " + request.path.split("/")[0]] += 1
        run.autotask_by_endpoint = dict(by_endpoint)
        tenant.stop()
        await slack.stop()
        runs.append(run)
    return runs[0], runs[-1]


async def local_run(messages: int, window: float, serve_env: Sequence[str] = ()) -> Run:
    """``ticketbot serve`` on the local desk without an LLM: end-to-end messages per second."""
    from storage.db import Database
    from storage.local_desk import LocalDesk

    slack = TimedSlack()
    await slack.start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = Database.connect(f"sqlite:///{folder / 'ticketbot.db'}", create=True)
        desk = LocalDesk(database, clock=lambda: datetime.now(UTC))
        from core.messages import UserRef
        from core.tickets import TicketDraft

        people: list[Person] = []
        for i in range(50):
            email = f"person{i}@client.example"
            user = UserRef("slack", f"UBURST{i:03d}", f"Person {i}", email)
            ticket = desk.create(TicketDraft(f"Laptop {i} will not dock", "It does not"), user)
            slack.add_user(user.user_id, email, f"Person {i}")
            people.append(Person(user.user_id, email, f"DBURST{i:03d}", int(ticket.ref.value)))
        database.dispose()
        burst_messages = [
            m
            for _ in range(max(1, messages // 200))
            for m in burst(people, people[0].ticket, slack)
        ][:messages]
        burst_messages = [
            Message(n, m.person, m.kind, *_renumbered(m, n, slack))
            for n, m in enumerate(burst_messages)
        ]
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "TICKETBOT_RATE_USER_CAPACITY": "0",
            "TICKETBOT_RATE_BACKEND_PER_HOUR": "0",
        }
        env.update(dict(kv.split("=", 1) for kv in serve_env))
        with ticketbot_serve(folder, env) as endpoint:
            await send_burst(endpoint, warm_up(people[0], people[0].ticket, slack), slack, 60, 0.1)
            slack.posted_at.clear()
            cpu_before = cpu_seconds(SERVE_PIDS[endpoint])
            run = await send_burst(endpoint, burst_messages, slack, 120, window)
            run.serve_cpu_ms = (cpu_seconds(SERVE_PIDS[endpoint]) - cpu_before) * 1000
    run.label = "local desk"
    run.notices = slack.notices()
    await slack.stop()
    return run


def _renumbered(message: Message, n: int, slack: TimedSlack) -> tuple[str, str, str]:
    """``message`` with an event id / response URL of its own (repeated rounds)."""
    if message.kind == "dm":
        body = json.loads(message.body)
        body["event_id"] = f"EvLocal{n:05d}"
        body["event"]["ts"] = f"1700100{n:05d}.000100"
        return json.dumps(body), message.content_type, message.answered_where
    form = {k: v[0] for k, v in parse_qs(message.body).items()}
    form["response_url"] = slack.response_url(f"local{n}")
    form["trigger_id"] = f"trig.local.{n}"
    return urlencode(form), message.content_type, f"response:local{n}"


def startup_seconds() -> dict[str, float]:
    """Wall time of ``ticketbot --help`` and of a one-line ``ticketbot chat`` (best of 3)."""
    figures: dict[str, float] = {}
    script = str(Path(sys.executable).with_name("ticketbot"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKETBOT_", "OPENAI_"))}
        for label, argv, stdin in (
            ("ticketbot --help", ["--help"], ""),
            ("ticketbot chat (one line)", ["chat"], "ticket list\n"),
        ):
            best = float("inf")
            for _ in range(3):
                began = time.monotonic()
                subprocess.run(
                    [script, *argv], input=stdin.encode(), cwd=tmp, env=env, capture_output=True
                )
                best = min(best, time.monotonic() - began)
            figures[label] = best
    return figures


def lookup_uses_index() -> tuple[bool, str]:
    """Whether the local desk finds a ticket by its number through an index (SQLite's plan)."""
    from sqlalchemy import text

    from core.tickets import TicketRef
    from storage.db import Database
    from storage.local_desk import lookup

    with tempfile.TemporaryDirectory() as tmp:
        database = Database.connect(f"sqlite:///{Path(tmp) / 'plan.db'}", create=True)
        statement, params = lookup(TicketRef("number", "T20261130.0001"))
        query = statement.params(**params)
        compiled = query.compile(database.engine, compile_kwargs={"literal_binds": True})
        with database.engine.connect() as connection:
            plan = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).fetchall()
        database.dispose()
    detail = "; ".join(str(row[-1]) for row in plan)
    return "USING INDEX" in detail or "USING COVERING INDEX" in detail, detail


# -- figures ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def describe(run: Run) -> None:
    ack, answered = run.ack_ms, run.answered_s
    print(f"{run.label}: HTTP statuses {sorted(run.statuses)}")
    print(f"  ack       median {statistics.median(ack):8.1f} ms  p99 {percentile(ack, 99):8.1f} ms")
    if answered:
        print(
            f"  answered  median {statistics.median(answered):8.2f} s   "
            f"p99 {percentile(answered, 99):8.2f} s   all {run.total_s:.2f} s "
            f"({run.unanswered} unanswered)"
        )
    print(
        f"  LLM calls {run.llm_calls}; 'working on it' notices {run.notices}; "
        f"Autotask requests {run.autotask_requests}, "
        f"most in flight on one endpoint {run.autotask_max_in_flight}"
    )
    if run.autotask_by_endpoint:
        print(
            "  Autotask requests by endpoint: "
            + ", ".join(f"{k} {v}" for k, v in sorted(run.autotask_by_endpoint.items()))
        )


async def main(args: argparse.Namespace) -> int:
    count = args.people * 4
    print(
        f"burst: {count} messages from {args.people} people within {args.window:g} s; "
        f"LLM {args.llm_seconds:g} s, "
        f"Autotask {args.autotask_seconds:g} s per request (3 per endpoint at a time)"
    )
    if args.only_local:
        local = await local_run(args.local_messages, args.local_window, args.serve_env)
        rate = len(local.answered_s) / local.total_s if local.total_s else 0.0
        print(
            f"local: {rate:.0f}/s; ack p99 {percentile(local.ack_ms, 99):.1f} ms; "
            f"server CPU {local.serve_cpu_ms / max(1, len(local.answered_s)):.2f} ms a message"
        )
        return 0
    ours, naive = await burst_runs(args)
    describe(ours)
    if args.only_ticketbot:
        return 0
    describe(naive)
    # A shared machine's neighbours move a single run by a third either way: the figure is
    # the median of a few, each one printed.
    locals_ = []
    for _ in range(LOCAL_RUNS):
        run = await local_run(args.local_messages, args.local_messages / LOCAL_RATE / 2)
        rate = (len(run.answered_s) / run.total_s) if run.total_s else 0.0
        print(
            f"local desk, no LLM: {len(run.answered_s)} messages answered in {run.total_s:.2f} s "
            f"= {rate:.0f}/s; ack p99 {percentile(run.ack_ms, 99):.1f} ms; the server used "
            f"{run.serve_cpu_ms / max(1, len(run.answered_s)):.2f} ms of CPU a message"
        )
        locals_.append((rate, run))
    local_rate, local = sorted(locals_, key=lambda pair: pair[0])[len(locals_) // 2]
    for label, seconds in startup_seconds().items():
        print(f"start-up: {label:28s} {seconds * 1000:6.0f} ms")
    indexed, plan = lookup_uses_index()

    targets = Targets()
    targets.at_most("burst ack p99", percentile(ours.ack_ms, 99), ACK_P99_MS)
    targets.holds(
        "every burst message answered",
        ours.unanswered == 0 and ours.statuses == {200},
        f"{ours.unanswered} unanswered, statuses {sorted(ours.statuses)}",
    )
    ratio = ours.total_s / naive.total_s if naive.total_s else float("inf")
    targets.holds(
        "burst answered in <= 0.6x the naive bot's time",
        ratio <= ANSWERED_SHARE and naive.unanswered == 0,
        f"{ours.total_s:.1f} s vs {naive.total_s:.1f} s = {ratio:.2f}x "
        f"(target <= {ANSWERED_SHARE:g}x)",
    )
    targets.holds(
        "Autotask's 3 concurrent requests per endpoint respected",
        ours.autotask_max_in_flight <= 3,
        f"at most {ours.autotask_max_in_flight} in flight on one endpoint",
    )
    targets.holds(
        "local desk end to end",
        local_rate >= LOCAL_RATE and local.unanswered == 0,
        f"{local_rate:.0f} messages/s, median of {LOCAL_RUNS} runs (target >= {LOCAL_RATE:g}/s)",
    )
    targets.holds("local-desk lookup by ticket number indexed", indexed, plan)
    return 0 if targets.verdict() else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--llm-seconds", type=float, default=2.0)
    parser.add_argument("--autotask-seconds", type=float, default=1.0)
    parser.add_argument("--local-messages", type=int, default=600)
    parser.add_argument(
        "--window", type=float, default=2.0, help="seconds over which the burst is sent"
    )
    parser.add_argument(
        "--serve-env", action="append", default=[], help="KEY=VALUE for ticketbot serve"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per burst at most")
    parser.add_argument(
        "--only-ticketbot", action="store_true", help="only the ticketbot burst (no targets)"
    )
    parser.add_argument("--only-local", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--local-window", type=float, default=2.0, help=argparse.SUPPRESS)
    parser.add_argument("--naive-port", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.naive_port:
        naive_main(arguments.naive_port)
        raise SystemExit(0)
    raise SystemExit(asyncio.run(main(arguments)))
