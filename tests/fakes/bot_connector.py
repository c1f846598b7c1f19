"""A loopback Bot Connector (the Bot Framework's channel service) for tests: real HTTP
(aiohttp) on 127.0.0.1, port 0, answering the REST calls the bot makes the way the Bot Connector
API documents them, and recording every one:

- ``POST /v3/conversations/{conversationId}/activities`` (send to conversation) and
  ``POST /v3/conversations/{conversationId}/activities/{activityId}`` (reply to an activity):
  messages and typing indicators; answered ``{"id": ...}``.
- ``PUT /v3/conversations/{conversationId}/activities/{activityId}``: update a message (one
  this connector posted in that conversation; ``404`` otherwise).
- ``GET /v3/conversations/{conversationId}/members/{memberId}``: one member of the roster (from
  :meth:`FakeBotConnector.add_member`); ``404 MemberNotFound`` otherwise.
- ``GET /v3/attachments/{attachmentId}/views/original``: a pasted image's bytes (from
  :meth:`FakeBotConnector.add_image`); and, standing in for the pre-authorised SharePoint link
  of a file shared in a personal chat, ``GET /files/{token}/{name}`` (:meth:`add_file`). Each
  download is recorded in :attr:`FakeBotConnector.downloads` with its Authorization header.

Every Adaptive Card the bot posts or puts is validated against Adaptive Cards 1.5
(:mod:`tests.teams.adaptive_card_1_5`); problems are kept in :attr:`FakeBotConnector.invalid`,
which tests assert stays empty. Faults: :meth:`fail` makes the next calls of a kind answer an
error; :meth:`down` refuses every call.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from tests.fakes.loopback import start_app
from tests.teams.adaptive_card_1_5 import validate

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
Kind = Literal["send", "reply", "update", "member"]


@dataclass
class Sent:
    """One call the bot made to the connector."""

    kind: Kind
    conversation_id: str
    activity_id: str | None  # reply: the activity answered; update: the one replaced
    activity: dict[str, Any]
    authorization: str | None
    id: str = ""  # what the connector answered

    @property
    def type(self) -> str:
        return str(self.activity.get("type", ""))

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == CARD_CONTENT_TYPE
        ]

    @property
    def card(self) -> dict[str, Any]:
        (only,) = self.cards
        return only


@dataclass
class FakeBotConnector:
    sent: list[Sent] = field(default_factory=list)
    invalid: list[tuple[str, list[str]]] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    member_lookups: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    downloads: list[tuple[str, str | None]] = field(default_factory=list)
    _failures: dict[str, list[int]] = field(default_factory=dict)
    _down: bool = False
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _port: int = 0

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeBotConnector:
        app = web.Application()
        base = "/v3/conversations/{conversation_id}"
        app.router.add_post(base + "/activities", self._send)
        app.router.add_post(base + "/activities/{activity_id}", self._reply)
        app.router.add_put(base + "/activities/{activity_id}", self._update)
        app.router.add_get(base + "/members/{member_id}", self._member)
        app.router.add_get("/v3/attachments/{attachment_id}/views/{view}", self._download)
        app.router.add_get("/files/{token}/{name}", self._download)
        self._runner, self._port = await start_app(app, access_log=None)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    # -- set-up ---------------------------------------------------------------------------------

    def add_member(
        self, member_id: str, name: str, *, email: str | None = None, upn: str | None = None
    ) -> None:
        self.members[member_id] = {
            "id": member_id,
            "name": name,
            "aadObjectId": f"aad-{member_id}",
            "email": email,
            "userPrincipalName": upn or email,
            "tenantId": "tenant-1",
            "userRole": "user",
        }

    def add_file(self, name: str, data: bytes, content_type: str = "image/png") -> str:
        """A file shared in a personal chat; returns its pre-authorised ``downloadUrl``."""
        path = f"/files/tempauth-{len(self.files) + 1}/{name}"
        self.files[path] = (data, content_type)
        return f"http://127.0.0.1:{self._port}{path}"

    def add_image(self, attachment_id: str, data: bytes) -> str:
        """An image pasted into a message; returns its ``contentUrl`` on this connector."""
        path = f"/v3/attachments/{attachment_id}/views/original"
        self.files[path] = (data, "image/png")
        return f"http://127.0.0.1:{self._port}{path}"

    def fail(self, kind: Kind, status: int = 500, times: int = 1) -> None:
        """The next ``times`` calls of ``kind`` answer ``status``."""
        self._failures.setdefault(kind, []).extend([status] * times)

    def down(self, is_down: bool = True) -> None:
        """Every call answers 503 (the connector is unreachable for the bot)."""
        self._down = is_down

    # -- reading what the bot sent --------------------------------------------------------------

    def messages(self, conversation_id: str | None = None) -> list[Sent]:
        """Messages posted (sent or replied), in order."""
        return [
            s
            for s in self.sent
            if s.kind in ("send", "reply")
            and s.type == "message"
            and (conversation_id is None or s.conversation_id == conversation_id)
        ]

    def typing(self) -> list[Sent]:
        return [s for s in self.sent if s.kind in ("send", "reply") and s.type == "typing"]

    def updates(self) -> list[Sent]:
        return [s for s in self.sent if s.kind == "update"]

    def posted_after(self, index: int) -> list[Sent]:
        return self.sent[index:]

    # -- handlers -------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "send")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, "reply")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "update")

    async def _record(self, request: web.Request, kind: Kind) -> web.Response:
        failure = self._failure(kind)
        if failure is not None:
            return failure
        activity = await request.json()
        conversation_id = request.match_info["conversation_id"]
        activity_id = request.match_info.get("activity_id")
        if kind == "update" and (conversation_id, activity_id) not in self._posted():
            return _error(404, "ActivityNotFound", f"no activity {activity_id} to update")
        sent = Sent(
            kind=kind,
            conversation_id=conversation_id,
            activity_id=activity_id,
            activity=activity,
            authorization=request.headers.get("Authorization"),
        )
        for card in sent.cards:
            problems = validate(card)
            if problems:
                self.invalid.append((f"{kind} {conversation_id}", problems))
        if activity.get("type") == "message" and not (activity.get("text") or sent.cards):
            self.invalid.append((f"{kind} {conversation_id}", ["a message with nothing in it"]))
        sent.id = activity_id if kind == "update" and activity_id else f"msg-{next(self._ids)}"
        self.sent.append(sent)
        return web.json_response({"id": sent.id})

    async def _member(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        member_id = request.match_info["member_id"]
        self.member_lookups.append((conversation_id, member_id))
        failure = self._failure("member")
        if failure is not None:
            return failure
        member = self.members.get(member_id)
        if member is None:
            return _error(404, "MemberNotFound", f"member {member_id} not found")
        return web.json_response(member)

    def _posted(self) -> set[tuple[str, str | None]]:
        return {(s.conversation_id, s.id) for s in self.sent if s.kind in ("send", "reply")}

    async def _download(self, request: web.Request) -> web.Response:
        self.downloads.append((request.path, request.headers.get("Authorization")))
        found = self.files.get(request.path)
        if found is None:
            return _error(404, "NotFound", "no such file")
        data, content_type = found
        return web.Response(body=data, content_type=content_type)

    def _failure(self, kind: Kind) -> web.Response | None:
        if self._down:
            return _error(503, "ServiceUnavailable", "the connector is down (test)")
        pending = self._failures.get(kind)
        if pending:
            status = pending.pop(0)
            return _error(status, "Failure", f"{kind} failed (test)")
        return None


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
