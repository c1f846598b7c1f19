"""A JSON HTTP service on 127.0.0.1 in a thread, for the fakes of outside services."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from aiohttp import web


class Service(Protocol):
    def handle(self, handler: JsonHandler, method: str) -> None:
        """Answer one request through ``handler.answer`` (or ``handler.drop``)."""
        ...


class JsonHandler(BaseHTTPRequestHandler):
    """Passes every request to ``owner.handle(handler, method)``."""

    owner: Service
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def do_GET(self) -> None:
        self.owner.handle(self, "GET")

    def do_POST(self) -> None:
        self.owner.handle(self, "POST")

    def do_PATCH(self) -> None:
        self.owner.handle(self, "PATCH")

    def do_PUT(self) -> None:
        self.owner.handle(self, "PUT")

    def do_DELETE(self) -> None:
        self.owner.handle(self, "DELETE")

    def answer(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def drop(self) -> None:
        """Close the connection without an answer (a dropped connection or a dead proxy)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read what the fake recorded instead."""


class LoopbackServer:
    """Serves one :class:`Service` on 127.0.0.1 (a free port) until :meth:`stop`."""

    def __init__(self, service: Service) -> None:
        owner = service

        class Handler(JsonHandler):
            pass

        Handler.owner = owner
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


async def start_app(app: web.Application, **runner_options: Any) -> tuple[web.AppRunner, int]:
    """Start an aiohttp ``app`` on 127.0.0.1 (a free port); the caller cleans the runner up."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, int(runner.addresses[0][1])
