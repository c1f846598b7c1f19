"""A loopback Slack Web API for tests: real HTTP (aiohttp) on 127.0.0.1, port 0.

It answers the methods the bot calls the way Slack documents them (``{"ok": true, ...}`` or
``{"ok": false, "error": ...}``) and records every call:

- ``auth.test``, ``users.info`` (from :meth:`FakeSlackApi.add_user`), ``conversations.open``,
  ``conversations.history`` (the messages the bot posted at a channel's top level since
  ``oldest``, newest first — thread replies are not listed, as in Slack — with their
  ``metadata`` only when ``include_all_metadata`` is set, paged by ``limit`` / ``cursor``),
  ``conversations.replies`` (a thread's messages the bot posted, oldest first, the same way),
  ``chat.postMessage`` (``metadata`` checked: an object with ``event_type`` and
  ``event_payload``) / ``chat.update`` / ``chat.postEphemeral``, ``views.open`` /
  ``views.publish``, ``apps.connections.open`` (Socket Mode: a WebSocket on the same server).
- A bot token is required (``invalid_auth`` otherwise), and ``apps.connections.open`` needs
  the app-level token.
- Every Block Kit payload is parsed back with ``slack_sdk.models`` and validated
  (``validate_json``) the way Slack enforces its limits: an invalid one is answered
  ``invalid_blocks`` and kept in :attr:`FakeSlackApi.invalid`, which tests assert stays empty.
  Messages with blocks but no ``text`` are kept in :attr:`FakeSlackApi.missing_text`.
- ``response_url`` endpoints (:meth:`response_url`) record what is POSTed to them.
- Message ``ts`` values are the wall clock's (unique, increasing), as in Slack, so ``oldest``
  compares them with the bot's own clock.
- Files (:meth:`add_file`) are served at their ``url_private_download`` the way Slack serves
  them: with ``Authorization: Bearer <bot token>`` the bytes, without it a 200 HTML sign-in
  page; ``files.info`` describes them.

Faults: :meth:`fail` makes the next calls of a method answer an error.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.fakes.loopback import start_app

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0000001"
MESSAGE_BLOCKS_MAX = 50


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Posted:
    """What a ``response_url`` received."""

    name: str
    body: dict[str, Any]


@dataclass
class FakeSlackApi:
    bot_token: str = BOT_TOKEN
    app_token: str = APP_TOKEN
    calls: list[ApiCall] = field(default_factory=list)
    responses: list[Posted] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    missing_text: list[ApiCall] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, tuple[dict[str, Any], bytes]] = field(default_factory=dict)
    downloads: list[tuple[str, str | None]] = field(default_factory=list)  # (file id, auth)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> posts
    # The client's end (host, port) of the connection each API / response_url call came over.
    peers: list[tuple[str, int]] = field(default_factory=list)
    _failures: dict[str, list[str]] = field(default_factory=dict)
    _holds: dict[str, asyncio.Event] = field(default_factory=dict)
    _afters: dict[str, Callable[[ApiCall], None]] = field(default_factory=dict)
    _last_ts: float = 0.0
    _runner: web.AppRunner | None = None
    _port: int = 0
    _socket_outbox: asyncio.Queue[dict[str, Any]] | None = None
    _socket_connected: asyncio.Event | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._download)
        self._runner, self._port = await start_app(app)
        self._socket_outbox = asyncio.Queue()
        self._socket_connected = asyncio.Event()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self._port}/response/{name}"

    # -- test controls --------------------------------------------------------------------------

    def add_user(self, user_id: str, email: str | None, name: str = "") -> None:
        profile: dict[str, Any] = {"display_name": name, "real_name": name}
        if email is not None:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower().replace(" ", ".") or user_id,
            "real_name": name,
            "is_bot": False,
            "profile": profile,
        }

    def add_file(
        self, file_id: str, name: str, data: bytes, mimetype: str = "image/png"
    ) -> dict[str, Any]:
        """A file the workspace holds; returns its object as a ``file_share`` event lists it."""
        url = f"http://127.0.0.1:{self._port}/files-pri/{TEAM_ID}-{file_id}/download/{name}"
        described = {
            "id": file_id,
            "created": 1_700_000_000,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1],
            "user": "UALICE01",
            "mode": "hosted",
            "size": len(data),
            "url_private": url.replace("/download/", "/"),
            "url_private_download": url,
            "is_public": False,
        }
        self.files[file_id] = (described, data)
        return dict(described)

    def fail(self, method: str, error: str, times: int = 1) -> None:
        self._failures.setdefault(method, []).extend([error] * times)

    def hold(self, method: str) -> asyncio.Event:
        """Calls to ``method`` (recorded at once) wait to be answered until the returned event
        is set."""
        self._holds[method] = asyncio.Event()
        return self._holds[method]

    def after(self, method: str, then: Callable[[ApiCall], None] | None) -> None:
        """Call ``then`` once a call to ``method`` has taken effect (a post is in the
        channel's history), before its answer is sent: what the caller learns, it learns
        after that (a test kills the caller there). ``None``: no longer."""
        if then is None:
            self._afters.pop(method, None)
        else:
            self._afters[method] = then

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def posted(self) -> list[ApiCall]:
        """Everything the bot said: posts, ephemeral posts and updates."""
        kinds = ("chat.postMessage", "chat.postEphemeral", "chat.update")
        return [c for c in self.calls if c.method in kinds]

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Socket Mode: deliver ``envelope`` to the connected client."""
        assert self._socket_outbox is not None
        await self._socket_outbox.put(envelope)

    async def wait_socket_connected(self, timeout: float = 5.0) -> None:
        assert self._socket_connected is not None
        await asyncio.wait_for(self._socket_connected.wait(), timeout)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll ``condition`` (for work that runs outside the test's control: Socket Mode)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.01)

    # -- the Web API ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        call = ApiCall(method, params, token)
        self.calls.append(call)
        self._peer(request)
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return _error("invalid_auth")
        held = self._holds.get(method)
        if held is not None:
            await held.wait()
        queued = self._failures.get(method)
        if queued:
            return _error(queued.pop(0))
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return _error("unknown_method")
        result: dict[str, Any] = handler(call)
        then = self._afters.get(method)
        if then is not None and result.get("ok"):
            then(call)
        return web.json_response(result)

    def _auth_test(self, call: ApiCall) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "ticketbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _users_info(self, call: ApiCall) -> dict[str, Any]:
        user = self.users.get(str(call.params.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _conversations_open(self, call: ApiCall) -> dict[str, Any]:
        users = str(call.params.get("users") or "")
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0]}}

    def _chat_postMessage(self, call: ApiCall) -> dict[str, Any]:
        error = self._check_message(call)
        if error:
            return {"ok": False, "error": error}
        ts = self._next_ts()
        message = {"type": "message", "text": call.params.get("text"), "ts": ts}
        if call.params.get("thread_ts"):
            message["thread_ts"] = call.params["thread_ts"]
        metadata = _json_param(call.params.get("metadata"))
        if metadata is not None:
            problem = _metadata_problem(metadata)
            if problem:
                return {"ok": False, "error": problem}
            message["metadata"] = metadata
        self.history.setdefault(str(call.params["channel"]), []).append(
            {**message, "user": BOT_USER_ID, "bot_id": BOT_ID}
        )
        return {"ok": True, "channel": call.params["channel"], "ts": ts, "message": message}

    def _conversations_history(self, call: ApiCall) -> dict[str, Any]:
        channel = str(call.params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        top_level = [
            m
            for m in reversed(self.history.get(channel, []))
            if m.get("thread_ts") in (None, m["ts"])
        ]
        return _page(call, top_level)

    def _conversations_replies(self, call: ApiCall) -> dict[str, Any]:
        channel = str(call.params.get("channel") or "")
        thread = str(call.params.get("ts") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        in_thread = [
            m for m in self.history.get(channel, []) if thread in (m["ts"], m.get("thread_ts"))
        ]
        return _page(call, in_thread)

    def _chat_update(self, call: ApiCall) -> dict[str, Any]:
        if not call.params.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        error = self._check_message(call)
        if error:
            return {"ok": False, "error": error}
        return {"ok": True, "channel": call.params["channel"], "ts": call.params["ts"]}

    def _chat_postEphemeral(self, call: ApiCall) -> dict[str, Any]:
        if not call.params.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        error = self._check_message(call)
        if error:
            return {"ok": False, "error": error}
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, call: ApiCall) -> dict[str, Any]:
        if not call.params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = self._check_view(call)
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {**view, "id": f"V{self._next_ts()}"}}

    def _views_publish(self, call: ApiCall) -> dict[str, Any]:
        if not call.params.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = self._check_view(call)
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {**view, "id": "VHOME"}}

    def _files_info(self, call: ApiCall) -> dict[str, Any]:
        found = self.files.get(str(call.params.get("file")))
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": found[0]}

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["team_file"].partition("-")[2]
        auth = request.headers.get("Authorization")
        self.downloads.append((file_id, auth))
        found = self.files.get(file_id)
        if found is None:
            return web.Response(status=404, text="Not found")
        if auth != f"Bearer {self.bot_token}":
            # What Slack does without the token: a sign-in page, with 200.
            return web.Response(
                text="<html><body>Sign in to Slack</body></html>", content_type="text/html"
            )
        described, data = found
        return web.Response(body=data, content_type=described["mimetype"])

    def _apps_connections_open(self, call: ApiCall) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket"}

    # -- validation -----------------------------------------------------------------------------

    def _check_message(self, call: ApiCall) -> str | None:
        if not call.params.get("channel"):
            return "channel_not_found"
        blocks = _json_param(call.params.get("blocks"))
        text = call.params.get("text")
        if not text and not blocks:
            return "no_text"
        if blocks and not text:
            self.missing_text.append(call)
        if blocks is not None and not self._valid_blocks(call.method, blocks):
            return "invalid_blocks"
        return None

    def _valid_blocks(self, where: str, blocks: Any) -> bool:
        problem = validate_message_blocks(blocks)
        if problem:
            self.invalid.append((where, problem))
            return False
        return True

    def _check_view(self, call: ApiCall) -> dict[str, Any] | None:
        view = _json_param(call.params.get("view"))
        problem = validate_view(view)
        if problem:
            self.invalid.append((call.method, problem))
            return None
        assert isinstance(view, dict)
        return view

    def _peer(self, request: web.Request) -> None:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer is not None:
            self.peers.append((str(peer[0]), int(peer[1])))

    def _next_ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    # -- response_url and Socket Mode -----------------------------------------------------------

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append(Posted(request.match_info["name"], body))
        self._peer(request)
        blocks = body.get("blocks")
        if blocks is not None and not self._valid_blocks("response_url", blocks):
            return web.json_response({"ok": False, "error": "invalid_blocks"}, status=400)
        if not body.get("text"):
            return web.json_response({"ok": False, "error": "no_text"}, status=400)
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        assert self._socket_outbox is not None and self._socket_connected is not None
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        self._socket_connected.set()

        async def pump() -> None:
            assert self._socket_outbox is not None
            while True:
                envelope = await self._socket_outbox.get()
                await ws.send_json(envelope)

        sender = asyncio.create_task(pump())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(message.data))
        finally:
            sender.cancel()
        return ws


def validate_message_blocks(blocks: Any) -> str | None:
    """Slack's checks on a message's blocks, via ``slack_sdk.models``; ``None`` when valid."""
    if not isinstance(blocks, list) or not blocks:
        return "blocks must be a non-empty list"
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        return f"{len(blocks)} blocks (at most {MESSAGE_BLOCKS_MAX})"
    block_ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        return "duplicate block_id"
    for raw in blocks:
        try:
            block = Block.parse(raw)
            if block is None:
                return f"unknown block {raw!r:.80}"
            block.validate_json()
            if block.to_dict() != raw:
                return f"block does not round-trip: {raw!r:.200}"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        for element in raw.get("elements") or []:
            if element.get("type") == "button" and len(element.get("value") or "") > 2000:
                return "button value over 2000 characters"
        ids = [e.get("action_id") for e in raw.get("elements") or [] if e.get("action_id")]
        if len(ids) != len(set(ids)):
            return "duplicate action_id in a block"
    return None


def validate_view(view: Any) -> str | None:
    """Slack's checks on a modal or Home view, via ``slack_sdk.models``."""
    if not isinstance(view, dict):
        return "view must be an object"
    try:
        View(**view).validate_json()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    for raw in view.get("blocks") or []:
        try:
            block = Block.parse(raw)
            if block is None:
                return f"unknown block {raw!r:.80}"
            block.validate_json()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
    return None


def _page(call: ApiCall, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """``conversations.history`` / ``.replies``: the messages since ``oldest`` (exclusive, as
    Slack's default ``inclusive=false``), ``metadata`` only with ``include_all_metadata``, one
    page of ``limit`` with a ``next_cursor`` for the rest."""
    oldest = float(call.params.get("oldest") or 0)
    with_metadata = str(call.params.get("include_all_metadata")).lower() in ("true", "1")
    shown = []
    for message in messages:
        if float(message["ts"]) <= oldest:
            continue
        copy = dict(message)
        if not with_metadata:
            copy.pop("metadata", None)
        shown.append(copy)
    start = int(call.params.get("cursor") or 0)
    limit = int(call.params.get("limit") or 100)
    page = shown[start : start + limit]
    more = len(shown) > start + limit
    answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
    answer["response_metadata"] = {"next_cursor": str(start + limit) if more else ""}
    return answer


def _metadata_problem(metadata: Any) -> str | None:
    """Slack's checks of ``chat.postMessage``'s ``metadata``: a JSON object with a string
    ``event_type`` and an object ``event_payload``."""
    if not isinstance(metadata, dict):
        return "invalid_metadata_format"
    if not isinstance(metadata.get("event_type"), str) or not metadata["event_type"]:
        return "invalid_metadata_schema"
    if not isinstance(metadata.get("event_payload"), dict):
        return "invalid_metadata_schema"
    return None


def _json_param(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _error(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})
