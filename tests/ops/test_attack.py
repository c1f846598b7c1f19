"""Requests aiohttp itself cannot parse, sent as raw bytes to a real ``ticketbot serve``: each
is answered 400 and leaves one warning line in the server's log, never a traceback."""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path

from tests.ops.process import serve_process

RAW = {
    "content-length-and-chunked": b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzzz\r\n\r\n",
    "negative-content-length": b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: -1\r\n\r\n",
    "bytes-in-the-path": b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    "teams-gzip-that-is-not": b"POST /api/messages HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd",
    "slack-gzip-that-is-not": b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd",
}


def _send(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        return connection.recv(200)


def test_requests_aiohttp_cannot_parse_leave_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = {
        "TEAMS_LOCAL_MODE": "true",
        "SLACK_BOT_TOKEN": "xoxb-not-used",
        "SLACK_SIGNING_SECRET": "not-used",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # nothing here reaches Slack
    }
    with serve_process(tmp_path, env) as server:
        answers = {name: _send(server.port, raw) for name, raw in RAW.items()}
        # A valid gzip body still reaches the Teams check behind it (400: not an activity).
        body = gzip.compress(json.dumps([1]).encode())
        head = (
            "POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        answers["teams-real-gzip"] = _send(server.port, head.encode() + body)
        server.terminate()
        assert server.process.wait(timeout=30) == 0
        lines = [json.loads(line) for line in server.logs().splitlines() if line.startswith("{")]

    assert all(
        answer.startswith((b"HTTP/1.0 400", b"HTTP/1.1 400")) for answer in answers.values()
    ), answers
    assert "Traceback" not in server.logs()
    # Start-up says what a person can act on (Alembic's plugin announcements are not that).
    assert not [line for line in lines if line.get("logger") == "alembic.runtime.plugins"]
    assert not [line for line in lines if line.get("level") == "ERROR"]
    refused = [
        line for line in lines if line.get("level") == "WARNING" and "refused" in line["msg"]
    ]
    assert len(refused) == len(RAW) + 1, refused  # one each, the real gzip's included
    malformed = [line for line in refused if line.get("logger") == "aiohttp.server"]
    assert len(malformed) == 3
