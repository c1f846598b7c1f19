"""``ticketbot config``: effective settings with secrets masked, contradictions flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.__main__ import main
from bots.cli.config import MASK, problems
from core.settings import Settings, TeamsSettings, TicketbotSettings

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-test-bot-token-0001",
    "SLACK_APP_TOKEN": "xapp-test-app-token-0002",
    "OPENAI_API_KEY": "sk-test-openai-key-0003",
    "AUTOTASK_SECRET": "test-autotask-secret-0004",
    "WAYSTONE_API_KEY": "test-waystone-key-0005",
    "MICROSOFT_APP_PASSWORD": "test-teams-password-0006",
}
# Every variable this test may set, cleared first so the machine's environment can't leak in.
ALL = (
    *SECRETS,
    "SLACK_SIGNING_SECRET",
    "OPENAI_BASE_URL",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "TICKETBOT_BACKEND",
    "TICKETBOT_LLM_MODEL",
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_TYPE",
    "MICROSOFT_APP_TENANT_ID",
    "AUTOTASK_USERNAME",
    "AUTOTASK_INTEGRATION_CODE",
    "WAYSTONE_BASE_URL",
    "TICKETBOT_DATABASE_URL",
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_secrets_are_masked_and_settings_named_by_their_variables(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in SECRETS.items():
        env.setenv(name, value)
    env.setenv("MICROSOFT_APP_ID", "00000000-0000-0000-0000-000000000001")
    env.setenv("TICKETBOT_DATABASE_URL", "postgresql://bot:db-password-0007@db/ticketbot")

    main(["config"])

    out = capsys.readouterr().out
    for value in [*SECRETS.values(), "db-password-0007"]:
        assert value not in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    for name in SECRETS:
        assert MASK in lines[name], name
    assert "(not set)" in lines["SLACK_SIGNING_SECRET"]
    assert "postgresql://bot:***@db/ticketbot" in lines["TICKETBOT_DATABASE_URL"]
    assert lines["TICKETBOT_DATABASE_URL"].endswith("[env]")
    assert not lines["TICKETBOT_HISTORY_TURNS"].endswith("[env]")  # a default


def test_contradictions_are_flagged_and_exit_1(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("SLACK_APP_TOKEN", SECRETS["SLACK_APP_TOKEN"])  # Socket Mode, no bot token
    env.setenv("TICKETBOT_BACKEND", "autotask")
    env.setenv("AUTOTASK_USERNAME", "api@example.com")  # no secret, no integration code
    env.setenv("MICROSOFT_APP_TYPE", "SingleTenant")  # no tenant id
    env.setenv("TICKETBOT_LLM_MODEL", "gpt-4.1-mini")  # no key, no endpoint

    assert main(["config"]) == 1

    problems_part = capsys.readouterr().out.split("Problems:")[1]
    for expected in (
        "error: SLACK_APP_TOKEN is set (Socket Mode) but SLACK_BOT_TOKEN is not",
        "error: TICKETBOT_BACKEND=autotask needs AUTOTASK_SECRET, AUTOTASK_INTEGRATION_CODE.",
        "error: MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID.",
        "warning: TICKETBOT_LLM_MODEL is set but no OPENAI_API_KEY",
    ):
        assert expected in problems_part


def test_a_consistent_configuration_passes(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("SLACK_BOT_TOKEN", SECRETS["SLACK_BOT_TOKEN"])
    env.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
    env.setenv("OPENAI_API_KEY", SECRETS["OPENAI_API_KEY"])
    env.setenv("TICKETBOT_LLM_MODEL", "gpt-4.1-mini")

    assert main(["config"]) == 0
    assert "No contradictions found." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            Settings(teams=TeamsSettings(microsoft_app_id="app", microsoft_app_password="")),
            "MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not",
        ),
        (
            Settings(bot=TicketbotSettings(rate_user_capacity=10, rate_user_per_minute=0)),
            "people would never get tokens back",
        ),
        (
            Settings(bot=TicketbotSettings(knowledge_file=Path("/nonexistent/knowledge.yaml"))),
            "does not exist",
        ),
    ],
)
def test_more_contradictions(env: pytest.MonkeyPatch, settings: Settings, expected: str) -> None:
    assert any(expected in problem.text for problem in problems(settings))


def test_invalid_settings_are_reported_without_their_values(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("TICKETBOT_BACKEND", "sekrit-backend-name")

    assert main(["config"]) == 2

    err = capsys.readouterr().err
    assert "TICKETBOT_BACKEND" in err and "sekrit-backend-name" not in err
