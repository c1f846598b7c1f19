"""The composition root picks the backend and names what is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from bots.composition import build_runtime, build_ticketing
from core.backends.autotask import AutotaskTicketing
from core.backends.waystone import WaystoneTicketing
from core.settings import AutotaskSettings, Settings, TicketbotSettings, WaystoneSettings
from storage.db import Database
from tests.backends.conftest import ALICE, autotask_settings
from tests.fakes.autotask_server import FakeAutotask
from tests.support import message


def _settings(backend: str, **sections: Any) -> Settings:
    bot = TicketbotSettings(_env_file=None, backend=backend)
    return Settings(_env_file=None, bot=bot, **sections)


def test_autotask_without_credentials_names_them(database: Database) -> None:
    settings = _settings(
        "autotask", autotask=AutotaskSettings(_env_file=None, username="api@example.test")
    )
    with pytest.raises(SystemExit) as caught:
        build_ticketing(settings, database)
    message = str(caught.value)
    assert "AUTOTASK_SECRET" in message and "AUTOTASK_INTEGRATION_CODE" in message
    assert "AUTOTASK_USERNAME" not in message


def test_autotask_with_credentials_builds_without_calling_it(database: Database) -> None:
    settings = _settings(
        "autotask",
        autotask=AutotaskSettings(
            _env_file=None,
            username="api@example.test",
            secret=SecretStr("test-secret"),
            integration_code=SecretStr("TEST-CODE"),
            zone_lookup_url="http://127.0.0.1:9/unreachable",
        ),
    )
    assert isinstance(build_ticketing(settings, database), AutotaskTicketing)


def test_waystone(database: Database) -> None:
    with pytest.raises(SystemExit) as caught:
        build_ticketing(_settings("waystone"), database)
    assert "WAYSTONE_BASE_URL" in str(caught.value) and "WAYSTONE_API_KEY" in str(caught.value)
    settings = _settings(
        "waystone",
        waystone=WaystoneSettings(
            _env_file=None, base_url="http://127.0.0.1:9/api", api_key=SecretStr("test-key")
        ),
    )
    assert isinstance(build_ticketing(settings, database), WaystoneTicketing)


def test_autotask_request_counts_are_exported_as_metrics(
    tmp_path: Path, fake: FakeAutotask
) -> None:
    settings = Settings(
        _env_file=None,
        bot=TicketbotSettings(
            _env_file=None, backend="autotask", database_url=f"sqlite:///{tmp_path / 'bot.db'}"
        ),
        autotask=autotask_settings(fake),
    )
    runtime = build_runtime(settings)
    try:
        runtime.assistant.handle(message("ticket list", ALICE))
        scraped = {
            sample.name: sample.value
            for family in text_string_to_metric_families(
                generate_latest(runtime.metrics.registry).decode()
            )
            for sample in family.samples
        }
    finally:
        runtime.close()

    sent = len(fake.requests)
    assert sent > 0
    assert scraped["ticketbot_autotask_requests_this_hour"] == sent
    assert 0.0 <= scraped["ticketbot_autotask_threshold_used_ratio"] < 1.0
