"""A loopback Waystone API for tests: real HTTP on 127.0.0.1, standard library only.

It follows the original design document exactly and nothing more:

- every request needs ``Authorization: Bearer <key>`` (401 ``{"error": "..."}`` otherwise);
- ``POST {base}/tickets`` takes exactly ``{"title", "description", "priority", "status"}``
  (priority one of Low/Medium/High/Critical, status "New") and answers 201 with the ticket as
  JSON; anything else is 400 ``{"errors": [...]}``;
- ``GET {base}/tickets/{id}`` answers the ticket, or 404;
- there is no other endpoint (no notes, no listing, no closing, no idempotency keys).

Faults (:meth:`FakeWaystone.fail`) make it answer an error or drop the connection, before or
after doing the work.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.loopback import JsonHandler, LoopbackServer

BASE_PATH = "/api/v1"
FIELDS = {"title", "description", "priority", "status"}
PRIORITIES = {"Low", "Medium", "High", "Critical"}


@dataclass
class WaystoneCall:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class WaystoneFault:
    method: str
    path: re.Pattern[str]
    mode: str  # status | drop | drop_after
    times: int = 1
    status: int = 500
    body: Any = None


class FakeWaystone:
    def __init__(self, *, api_key: str = "test-waystone-key") -> None:
        self.api_key = api_key
        self.tickets: dict[int, dict[str, Any]] = {}
        self.requests: list[WaystoneCall] = []
        self.violations: list[str] = []
        self._faults: list[WaystoneFault] = []
        self._next_id = 700
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None

    def start(self) -> FakeWaystone:
        self._server = LoopbackServer(self)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"{self._server.origin}{BASE_PATH}"

    def fail(self, method: str, path: str, mode: str = "status", **options: Any) -> None:
        """Script a fault for requests whose path (after the base) fully matches ``path``."""
        self._faults.append(WaystoneFault(method.upper(), re.compile(path), mode, **options))

    def calls(self, method: str | None = None) -> list[WaystoneCall]:
        return [r for r in self.requests if method is None or r.method == method.upper()]

    def add_ticket(self, **fields: Any) -> int:
        with self._lock:
            self._next_id += 1
            ticket_id = self._next_id
        now = datetime.now(UTC).isoformat()
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "title": "Seeded",
            "description": "",
            "priority": "Medium",
            "status": "New",
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        return ticket_id

    def handle(self, handler: JsonHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            handler.answer(400, {"errors": ["The body is not valid JSON."]})
            return
        if not parts.path.startswith(BASE_PATH + "/"):
            handler.answer(404, {"error": "Not found"})
            return
        path = parts.path[len(BASE_PATH) :]
        self.requests.append(WaystoneCall(method, path, dict(handler.headers), body))
        if handler.headers.get("Authorization") != f"Bearer {self.api_key}":
            handler.answer(401, {"error": "Invalid or missing API key"})
            return
        fault = self._take_fault(method, path)
        if fault is not None and fault.mode == "status":
            handler.answer(fault.status, fault.body)
            return
        if fault is not None and fault.mode == "drop":
            handler.drop()
            return
        status, answer = self._route(method, path, body)
        if fault is not None and fault.mode == "drop_after":
            handler.drop()
            return
        handler.answer(status, answer)

    def _take_fault(self, method: str, path: str) -> WaystoneFault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.method == method and fault.path.fullmatch(path):
                    fault.times -= 1
                    return fault
        return None

    def _route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path == "/tickets":
            if method != "POST":
                return 405, {"error": "Method not allowed"}
            return self._create(body)
        match = re.fullmatch(r"/tickets/(\d+)", path)
        if match:
            if method != "GET":
                return 405, {"error": "Method not allowed"}
            ticket = self.tickets.get(int(match.group(1)))
            return (200, ticket) if ticket else (404, {"error": "Ticket not found"})
        return 404, {"error": "Not found"}

    def _create(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, {"errors": ["A JSON object is required."]}
        extra = set(body) - FIELDS
        if extra:
            self.violations.append(f"POST /tickets with fields outside the design: {sorted(extra)}")
            return 400, {"errors": [f"Unknown fields: {', '.join(sorted(extra))}"]}
        missing = sorted(name for name in FIELDS if not body.get(name))
        if missing:
            return 400, {"errors": [f"{name} is required" for name in missing]}
        if body["priority"] not in PRIORITIES:
            return 400, {"errors": [f"priority must be one of {', '.join(sorted(PRIORITIES))}"]}
        if body["status"] != "New":
            return 400, {"errors": ["status must be New for a new ticket"]}
        ticket_id = self.add_ticket(**body)
        return 201, self.tickets[ticket_id]
