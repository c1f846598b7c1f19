"""A loopback OpenAI-compatible chat-completions server for tests.

It follows the documented wire contract of ``POST /v1/chat/completions`` (request JSON with
``model``, ``messages``, ``response_format``; response ``chat.completion`` objects and
``{"error": {...}}`` bodies with the usual status codes), serves scripted responses in order
and records every request, so tests drive the real ``openai`` SDK over real HTTP.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Scripted:
    """One response: a status, a JSON body (or raw text) and an optional delay before it."""

    status: int = 200
    body: Any = None
    raw: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def response_format(self) -> dict[str, Any] | None:
        value = self.body.get("response_format")
        return value if isinstance(value, dict) else None


def completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    model: str = "fake-model",
    usage: tuple[int, int] | None = (120, 30),
) -> Scripted:
    """A ``chat.completion`` with one choice whose message says ``content``."""
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
    }
    if usage is not None:
        body["usage"] = {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1],
        }
    return Scripted(body=body)


def answer(**fields: Any) -> Scripted:
    """A completion whose content is the JSON answer ``fields`` (missing keys become null)."""
    keys = ("intent", "ticket", "title", "description", "priority", "reply")
    payload = {key: fields.get(key) for key in keys}
    return completion(json.dumps(payload))


def error(
    status: int,
    message: str,
    *,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Scripted:
    """An OpenAI-style error body (``{"error": {"message", "type", "param", "code"}}``)."""
    kinds = {400: "invalid_request_error", 429: "rate_limit_exceeded", 500: "server_error"}
    body = {
        "error": {
            "message": message,
            "type": kinds.get(status, "api_error"),
            "param": param,
            "code": None,
        }
    }
    return Scripted(status=status, body=body, headers=dict(headers or {}))


class FakeOpenAIServer:
    """Serves scripted responses on 127.0.0.1 (port 0) and records the requests.

    ``reject_json_schema`` imitates servers without strict structured output: any request
    with ``response_format.type == "json_schema"`` gets a 400 naming ``response_format``
    (``reject_json_object`` likewise for ``json_object``). An empty script answers 500.
    """

    def __init__(self, *, reject_json_schema: bool = False, reject_json_object: bool = False):
        self.reject_json_schema = reject_json_schema
        self.reject_json_object = reject_json_object
        self.requests: list[RecordedRequest] = []
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def push(self, *responses: Scripted) -> None:
        with self._lock:
            self._script.extend(responses)

    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # ends any delayed response at once
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, request: RecordedRequest) -> Scripted:
        response_format = (request.response_format or {}).get("type")
        if self.reject_json_schema and response_format == "json_schema":
            return error(
                400, "response_format json_schema is not supported", param="response_format"
            )
        if self.reject_json_object and response_format == "json_object":
            return error(400, "response_format.type must be 'json_schema' or 'text'")
        with self._lock:
            if self._script:
                return self._script.popleft()
        return error(500, "the test scripted no response for this request")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_unparsed": raw.decode("utf-8", "replace")}
                request = RecordedRequest(
                    method="POST",
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with server._lock:
                    server.requests.append(request)
                scripted = server._next(request)
                if scripted.delay_seconds and server._released.wait(scripted.delay_seconds):
                    return  # the server is stopping: drop the connection
                payload = (
                    scripted.raw.encode()
                    if scripted.raw is not None
                    else json.dumps(scripted.body).encode()
                )
                try:
                    self.send_response(scripted.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in scripted.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout); that is the point of the test

        return Handler


@contextmanager
def running_openai_server(**options: bool) -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer(**options).start()
    try:
        yield server
    finally:
        server.stop()
