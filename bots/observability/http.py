"""The server's operational surface: a middleware that gives every request a request id, logs
it and times its acknowledgement, plus ``/readyz`` and ``/metrics`` (``/healthz`` is the
server's own)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bots.observability.metrics import Metrics
from bots.observability.redaction import Redactor
from core.context import bind_request, clean_request_id
from core.ports import TicketingSystem
from storage.db import Database

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
READY_CHECK_SECONDS = 5.0
# Probes come every few seconds: their lines would drown the ones that matter.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
REASON_MAX = 200
# A 401 on these routes is a request whose signature (Slack) or token (Teams) did not check out.
SIGNED_ROUTES = (("/slack/", "slack"), ("/api/messages", "teams"))
SIGNATURE_REASON = "bad or missing signature"

# Records a refused request in the audit trail (blocking: a database write), e.g.
# ``Runtime.audit_refusal(action, platform=..., reason=..., route=...)``.
Refusal = Callable[..., None]


@dataclass
class Lifecycle:
    """Set when the server starts shutting down, so ``/readyz`` turns traffic away."""

    stopping: bool = False


@dataclass(frozen=True)
class Readiness:
    """What ``/readyz`` checks: the database and the help desk backend."""

    database: Database
    ticketing: TicketingSystem
    redactor: Redactor
    lifecycle: Lifecycle

    def check_database(self) -> None:
        # A real table, so a broken or foreign file fails here (SELECT 1 reads no page).
        with self.database.engine.connect() as connection:
            connection.execute(text("SELECT 1 FROM processed_events LIMIT 1"))

    def check_backend(self) -> None:
        self.ticketing.check_ready()

    async def problems(self) -> dict[str, str]:
        """Reasons the bot is not ready, by component; empty when ready."""
        reasons: dict[str, str] = {}
        if self.lifecycle.stopping:
            reasons["server"] = "shutting down"
        for name, check in (("database", self.check_database), ("backend", self.check_backend)):
            try:
                await asyncio.wait_for(asyncio.to_thread(check), READY_CHECK_SECONDS)
            except TimeoutError:
                reasons[name] = f"no answer within {READY_CHECK_SECONDS:.0f} s"
            except Exception as exc:
                detail = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
                reasons[name] = self.redactor(f"{type(exc).__name__}: {detail}")[:REASON_MAX]
        return reasons


def route_label(request: web.Request) -> str:
    """The route's pattern (never the raw path: unknown paths must not mint new series)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def signed_platform(route: str) -> str | None:
    for prefix, platform in SIGNED_ROUTES:
        if route.startswith(prefix):
            return platform
    return None


def request_middleware(metrics: Metrics, refuse: Refusal | None = None) -> Middleware:
    """Binds a request id (the caller's ``X-Request-Id`` if plausible, else a new one), echoes
    it, times the acknowledgement, writes one log line per request, and records a platform
    request refused for its signature (401) with ``refuse``."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER))
        started = time.perf_counter()
        status = 500
        with bind_request(request_id) as ctx:
            try:
                response = await handler(request)
                status = response.status
                response.headers[REQUEST_ID_HEADER] = ctx.request_id
                return response
            except web.HTTPException as exc:
                status = exc.status
                exc.headers[REQUEST_ID_HEADER] = ctx.request_id
                raise
            finally:
                seconds = time.perf_counter() - started
                route = route_label(request)
                metrics.ack_latency.labels(route).observe(seconds)
                metrics.http_requests.labels(route, request.method, str(status)).inc()
                log.log(
                    logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
                    "http request",
                    extra={
                        "method": request.method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                    },
                )
                platform = signed_platform(route)
                if status == 401 and refuse is not None and platform is not None:
                    await asyncio.to_thread(
                        refuse,
                        "refused.signature",
                        platform=platform,
                        reason=SIGNATURE_REASON,
                        route=route,
                    )

    return middleware


def readyz_handler(readiness: Readiness) -> Handler:
    async def readyz(request: web.Request) -> web.StreamResponse:
        problems = await readiness.problems()
        if problems:
            log.warning("not ready", extra={"reasons": problems})
            return web.json_response({"status": "unavailable", "reasons": problems}, status=503)
        return web.json_response({"status": "ready"})

    return readyz


def metrics_handler(metrics: Metrics) -> Handler:
    async def metrics_endpoint(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    return metrics_endpoint


def install(
    app: web.Application,
    *,
    metrics: Metrics,
    readiness: Readiness,
    refuse: Refusal | None = None,
) -> None:
    """Add the middleware and the ``/readyz`` and ``/metrics`` routes to ``app``."""
    app.middlewares.append(request_middleware(metrics, refuse))
    app.router.add_get("/readyz", readyz_handler(readiness))
    app.router.add_get("/metrics", metrics_handler(metrics))
