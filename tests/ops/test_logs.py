"""Logs: one JSON line per event with the request id that followed it from the platform through
the core to the backend, and never a secret, through a whole conversation over real HTTP."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.composition import build_runtime
from bots.logs import configure_logging
from bots.observability.logformat import JsonFormatter, TextFormatter
from bots.observability.redaction import Redactor, secret_values
from bots.server import build_web_app
from bots.slack.app import SLACK_ADAPTER_KEY
from core.context import bind_request
from core.settings import load_settings
from storage.audit import SqlAuditLog
from tests.fakes.openai_server import FakeOpenAIServer, answer
from tests.fakes.slack_api import FakeSlackApi
from tests.ops.support import serving
from tests.slack.harness import ALICE, dm_event, event_body, signed_headers

SECRETS = {
    "SLACK_SIGNING_SECRET": "test-signing-secret-5f1c0a",
    "SLACK_BOT_TOKEN": "xoxb-test-bot-token-77a1b2",
    "OPENAI_API_KEY": "sk-test-openai-key-9d2e3f",
    "AUTOTASK_SECRET": "test-autotask-secret-31b0c4",
    "WAYSTONE_API_KEY": "test-waystone-key-c4d8e5",
    "MICROSOFT_APP_PASSWORD": "test-teams-password-e6f2a7",
}


@pytest.fixture
def secret_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_fake: FakeOpenAIServer
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("TICKETBOT_LOG_FORMAT", "json")
    monkeypatch.setenv("TICKETBOT_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_fake.base_url)
    monkeypatch.setenv("TICKETBOT_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("AUTOTASK_USERNAME", "api-user@example.com")


async def _slack_dm(
    session: aiohttp.ClientSession, base_url: str, text: str, request_id: str
) -> int:
    body = json.dumps(event_body(dm_event(text)))
    headers = signed_headers(
        body, secret=SECRETS["SLACK_SIGNING_SECRET"], content_type="application/json"
    )
    headers["X-Request-Id"] = request_id
    async with session.post(f"{base_url}/slack/events", data=body, headers=headers) as response:
        return response.status


@pytest.mark.anyio
@pytest.mark.usefixtures("secret_env", "keep_logging")
async def test_a_whole_conversation_logs_no_secret(openai_fake: FakeOpenAIServer) -> None:
    settings = load_settings()
    captured = io.StringIO()
    configure_logging(settings.bot.log_level, settings=settings, stream=captured)
    slack = await FakeSlackApi(bot_token=SECRETS["SLACK_BOT_TOKEN"]).start()
    slack.add_user(ALICE, "alice@example.com", "Alice Example")
    settings.slack.api_url = slack.api_url
    openai_fake.push(
        answer(intent="create_ticket", title="Printer jammed", description="printer jammed")
    )
    runtime = build_runtime(settings)
    try:
        app = build_web_app(runtime)
        async with serving(app) as base_url, aiohttp.ClientSession() as session:
            for number, text in enumerate(
                ["my printer jammed again", "yes", "ticket list", "ticket status 99999"]
            ):
                assert await _slack_dm(session, base_url, text, f"req-{number}") == 200
                assert await app[SLACK_ADAPTER_KEY].bot.drain(timeout=30)
            forged = json.dumps(event_body(dm_event("hi")))
            headers = signed_headers(forged, secret="wrong", content_type="application/json")
            headers["X-Request-Id"] = "req-forged"
            async with session.post(f"{base_url}/slack/events", data=forged, headers=headers) as r:
                assert r.status == 401
            for path in ("/healthz", "/readyz", "/metrics"):
                async with session.get(base_url + path) as r:
                    assert r.status == 200
        [refused] = SqlAuditLog(runtime.database).query(action="refused.signature")
        assert (refused.platform, refused.outcome, refused.request_id) == (
            "slack",
            "bad or missing signature",
            "req-forged",
        )
        assert refused.detail == {"route": "/slack/events"}
        # Code that forgets itself is masked too: a secret in a message, an argument, an
        # exception and an extra field.
        leaky = logging.getLogger("tests.leaky")
        leaky.warning(
            "token %s", SECRETS["SLACK_BOT_TOKEN"], extra={"key": SECRETS["OPENAI_API_KEY"]}
        )
        try:
            raise RuntimeError(f"login failed with {SECRETS['AUTOTASK_SECRET']}")
        except RuntimeError:
            leaky.exception("backend said no")
    finally:
        runtime.close()
        await slack.stop()

    output = captured.getvalue()
    for name, value in SECRETS.items():
        assert value not in output, f"{name} leaked into the logs"
    lines = [json.loads(line) for line in output.splitlines()]
    assert len(lines) > 20
    assert any("***" in json.dumps(line) for line in lines)
    assert [p.method for p in slack.calls if p.method == "chat.postMessage"]
    assert len(openai_fake.chat_requests()) == 1
    assert (
        openai_fake.chat_requests()[0].headers["authorization"].endswith(SECRETS["OPENAI_API_KEY"])
    )  # the key was really used, and still never logged

    # One line per handled event, each with the request id the platform request carried, and
    # the backend's line for that event carries the same id.
    handled = [line for line in lines if line["msg"] == "event handled"]
    assert [line["request_id"] for line in handled] == ["req-0", "req-1", "req-2", "req-3"]
    assert [line["intent"] for line in handled] == [
        "create_ticket",
        "confirm",
        "command:list",
        "command:status",
    ]
    backend = [line for line in lines if line["msg"] == "backend request"]
    assert {(line["request_id"], line["operation"]) for line in backend} >= {
        ("req-1", "create"),
        ("req-2", "list_open"),
        ("req-3", "get"),
    }


def _record(message: str, *args: Any, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("core.assistant", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_text_lines_carry_the_request_id_and_extra_fields() -> None:
    formatter = TextFormatter(Redactor(["s3cret-value"]))
    record = _record("event handled", intent="command:list", replies=1, request_id="abc123")

    line = formatter.format(record)

    assert line.endswith("core.assistant [req=abc123] event handled intent=command:list replies=1")


def test_json_lines_are_one_object_each() -> None:
    formatter = JsonFormatter(Redactor(["s3cret-value"]))
    record = _record("login with %s", "s3cret-value", outcome="ok", request_id="abc123")

    data = json.loads(formatter.format(record))

    assert data["msg"] == "login with ***"
    assert (data["level"], data["logger"], data["request_id"], data["outcome"]) == (
        "INFO",
        "core.assistant",
        "abc123",
        "ok",
    )


def test_the_request_id_comes_from_the_context(keep_logging: None) -> None:
    captured = io.StringIO()
    configure_logging("INFO", stream=captured)
    with bind_request("req-ctx-1"):
        logging.getLogger("x").info("inside")
    logging.getLogger("x").info("outside")

    inside, outside = captured.getvalue().splitlines()
    assert "[req=req-ctx-1] inside" in inside
    assert "[req=" not in outside


def test_secret_values_finds_every_secret_in_the_settings(secret_env: None) -> None:
    found = set(secret_values(load_settings()))
    assert found == set(SECRETS.values())


def test_url_encoded_secrets_are_masked_too() -> None:
    redact = Redactor(["a b/c+d"])
    assert redact("q=a%20b%2Fc%2Bd and q=a+b%2Fc%2Bd and a b/c+d") == "q=*** and q=*** and ***"


def test_a_password_in_a_url_setting_is_a_secret(
    secret_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", "postgresql://bot:db-pass-81c2@db/ticketbot")
    assert "db-pass-81c2" in secret_values(load_settings())
