"""``POST /autotask/webhook``: verify, store the signal, answer. The work (reading the ticket,
telling the person) happens in the update job, so a burst of callouts costs each one an HMAC and
a row, never a wait behind Autotask."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiohttp import web

from core.backends.autotask.webhooks import (
    SIGNATURE_HEADER,
    STATE_NAME,
    CalloutRefused,
    InstalledWebhook,
    read_callout,
    verify,
)
from core.updates.service import UpdateService
from storage.updates import SqlUpdateStore

log = logging.getLogger("ticketbot.updates")
WEBHOOK_PATH = "/autotask/webhook"
BODY_MAX = 256 * 1024
STATE_TTL_SECONDS = 5.0


Refuse = Callable[..., None]


def add_webhook_route(
    app: web.Application, service: UpdateService, store: SqlUpdateStore, refuse: Refuse
) -> None:
    """``refuse(action, platform=, reason=)`` audits a refused callout
    (:meth:`bots.composition.Runtime.audit_refusal`)."""

    cached: list[tuple[float, InstalledWebhook | None]] = []

    async def installed_webhook() -> InstalledWebhook | None:
        # Read at most every few seconds: a burst costs no database read per callout, and an
        # install or remove from the command line still takes effect at once for practical use.
        now = time.monotonic()
        if cached and now - cached[0][0] < STATE_TTL_SECONDS:
            return cached[0][1]
        found = InstalledWebhook.from_json(await asyncio.to_thread(store.get_state, STATE_NAME))
        cached[:] = [(now, found)]
        return found

    async def callout(request: web.Request) -> web.Response:
        raw = await request.content.read(BODY_MAX + 1)
        if len(raw) > BODY_MAX:
            log.warning("Autotask callout refused: body over %d bytes", BODY_MAX)
            return web.json_response({"error": "too large"}, status=413)
        installed = await installed_webhook()
        if installed is None or not verify(
            raw, request.headers.get(SIGNATURE_HEADER), installed.secret
        ):
            reason = "no webhook installed" if installed is None else "bad or missing signature"
            log.warning("Autotask callout refused: %s", reason)
            refuse("refused.signature", platform="autotask", reason=reason)
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            signal = read_callout(raw, installed.guid)
        except CalloutRefused as exc:
            log.warning("Autotask callout refused: %s", exc)
            if "Guid" in str(exc):
                refuse("refused.signature", platform="autotask", reason=str(exc))
                return web.json_response({"error": "unauthorized"}, status=401)
            return web.json_response({"ignored": str(exc)}, status=200)
        fresh = await asyncio.to_thread(service.touched, signal)
        return web.json_response({"ok": True, "duplicate": not fresh})

    app.router.add_post(WEBHOOK_PATH, callout)
