"""``/healthz``, ``/readyz`` and ``/metrics`` over real HTTP, the metrics parsed with
``prometheus_client.parser``; request ids on every response."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from bots.composition import Runtime, build_runtime
from bots.server import build_web_app
from core.errors import BackendUnavailable
from core.messages import InboundMessage
from core.settings import LlmSettings, Settings, TicketbotSettings
from tests.fakes.openai_server import FakeOpenAIServer, answer
from tests.ops.support import serving
from tests.support import ALICE, DownTicketing, conversation_for

_ids = itertools.count(1)


def _settings(tmp_path: Path, llm_url: str | None = None) -> Settings:
    return Settings(
        bot=TicketbotSettings(database_url=f"sqlite:///{tmp_path / 'bot.db'}"),
        llm=LlmSettings(
            _env_file=None,
            openai_api_key="test-key" if llm_url else None,
            openai_base_url=llm_url,
            azure_openai_endpoint=None,
            azure_openai_api_key=None,
            ticketbot_llm_model="test-model",
            ticketbot_llm_max_retries=0,
        ),
    )


@pytest.fixture
def runtime(tmp_path: Path, openai_fake: FakeOpenAIServer) -> Iterator[Runtime]:
    built = build_runtime(_settings(tmp_path, openai_fake.base_url))
    yield built
    built.close()


def _say(runtime: Runtime, text: str) -> None:
    event = InboundMessage(
        f"http-{next(_ids)}", conversation_for(ALICE), ALICE, text, datetime.now(UTC)
    )
    runtime.assistant.handle(event)


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


async def _get(session: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, Any, Any]:
    async with session.get(url, headers=headers) as response:
        body = await (
            response.json() if response.content_type == "application/json" else response.text()
        )
        return response.status, body, response.headers


@pytest.mark.anyio
async def test_health_readiness_and_metrics(
    runtime: Runtime, openai_fake: FakeOpenAIServer
) -> None:
    openai_fake.push(answer(intent="create_ticket", title="Printer jammed"))
    _say(runtime, "my printer jammed again")  # one LLM call
    _say(runtime, "yes")  # creates the ticket
    _say(runtime, "ticket status 99999")  # not found

    async with serving(build_web_app(runtime, mounts=[])) as base, aiohttp.ClientSession() as s:
        status, body, _ = await _get(s, f"{base}/healthz")
        assert (status, body) == (200, {"status": "ok"})
        status, body, _ = await _get(s, f"{base}/readyz")
        assert (status, body) == (200, {"status": "ready"})
        status, text, headers = await _get(s, f"{base}/metrics")

    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    samples = _samples(text)
    messages = "ticketbot_messages_total"
    assert _value(samples, messages, platform="console", intent="create_ticket") == 1
    assert _value(samples, messages, platform="console", intent="confirm") == 1
    assert _value(samples, messages, platform="console", intent="command:status") == 1
    assert _value(samples, "ticketbot_replies_total", platform="console", outcome="ok") == 2
    assert (
        _value(samples, "ticketbot_replies_total", platform="console", outcome="backend_error") == 1
    )
    llm = {"model": "test-model"}
    assert _value(samples, "ticketbot_llm_requests_total", outcome="ok", **llm) == 1
    assert _value(samples, "ticketbot_llm_calls_total", **llm) == 1
    assert _value(samples, "ticketbot_llm_tokens_total", kind="prompt", **llm) == 120
    assert _value(samples, "ticketbot_llm_tokens_total", kind="completion", **llm) == 30
    assert _value(samples, "ticketbot_llm_latency_seconds_count", **llm) == 1
    backend = "ticketbot_backend_requests_total"
    assert _value(samples, backend, backend="local", operation="create", status="ok") == 1
    assert _value(samples, backend, backend="local", operation="get", status="not_found") == 1
    # The readiness probe's check went through the metered backend too.
    assert _value(samples, backend, backend="local", operation="check_ready", status="ok") == 1
    http = {"route": "/healthz"}
    assert _value(samples, "ticketbot_ack_latency_seconds_count", **http) == 1
    assert _value(samples, "ticketbot_ack_latency_seconds_bucket", le="+Inf", **http) == 1
    assert _value(samples, "ticketbot_http_requests_total", method="GET", status="200", **http) == 1


@pytest.mark.anyio
async def test_request_ids_are_kept_when_plausible_and_made_otherwise(runtime: Runtime) -> None:
    async with serving(build_web_app(runtime, mounts=[])) as base, aiohttp.ClientSession() as s:
        *_, kept = await _get(s, f"{base}/healthz", **{"X-Request-Id": "lb-7f3a.1"})
        *_, made = await _get(s, f"{base}/healthz", **{"X-Request-Id": "no spaces <allowed>"})
        status, _, missing = await _get(s, f"{base}/no/such/page")
        _, text, _ = await _get(s, f"{base}/metrics")

    assert kept["X-Request-Id"] == "lb-7f3a.1"
    assert len(made["X-Request-Id"]) == 16 and made["X-Request-Id"].isalnum()
    assert status == 404 and missing["X-Request-Id"]
    # An unknown path is counted under one label, never its own.
    samples = _samples(text)
    assert (
        _value(
            samples, "ticketbot_http_requests_total", route="unmatched", method="GET", status="404"
        )
        == 1
    )
    assert not any("/no/such/page" in str(key) for key in samples)


@pytest.mark.anyio
async def test_readyz_is_503_with_the_reason_when_the_database_is_broken(
    tmp_path: Path,
) -> None:
    runtime = build_runtime(_settings(tmp_path))
    try:
        app = build_web_app(runtime, mounts=[])
        runtime.database.engine.dispose()
        database_file = tmp_path / "bot.db"
        for leftover in (tmp_path / "bot.db-wal", tmp_path / "bot.db-shm"):
            leftover.unlink(missing_ok=True)
        database_file.write_bytes(b"this is not a database, it is a broken disk\n" * 200)

        async with serving(app) as base, aiohttp.ClientSession() as session:
            status, body, _ = await _get(session, f"{base}/readyz")
            health, _, _ = await _get(session, f"{base}/healthz")
    finally:
        runtime.close()

    assert status == 503
    assert body["status"] == "unavailable"
    assert "not a database" in body["reasons"]["database"]
    assert health == 200  # alive, just not ready


class _LeakyDown(DownTicketing):
    def check_ready(self) -> None:
        raise BackendUnavailable("401 from https://api.example.com with key test-key-do-not-show")


@pytest.mark.anyio
async def test_readyz_names_an_unreachable_backend_without_its_secrets(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.waystone.api_key = SecretStr("test-key-do-not-show")
    runtime = build_runtime(settings)
    try:
        runtime.ticketing = _LeakyDown()
        async with serving(build_web_app(runtime, mounts=[])) as base, aiohttp.ClientSession() as s:
            status, body, _ = await _get(s, f"{base}/readyz")
    finally:
        runtime.close()

    assert status == 503
    assert set(body["reasons"]) == {"backend"}
    assert body["reasons"]["backend"] == (
        "BackendUnavailable: 401 from https://api.example.com with key ***"
    )
