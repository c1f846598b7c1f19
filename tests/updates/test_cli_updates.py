"""``ticketbot desk``, ``ticketbot webhooks`` and doctor's update line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.__main__ import main
from core.backends.autotask.webhooks import STATE_NAME, InstalledWebhook
from storage.db import Database
from storage.updates import SqlUpdateStore
from tests.backends.conftest import LEVEL_ONE
from tests.backends.test_doctor import _rows
from tests.fakes.autotask_server import FakeAutotask
from tests.test_cli import ticketbot


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeAutotask) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "TICKETBOT_BACKEND": "autotask",
        "TICKETBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "AUTOTASK_USERNAME": fake.username,
        "AUTOTASK_SECRET": fake.secret,
        "AUTOTASK_INTEGRATION_CODE": fake.integration_code,
        "AUTOTASK_ZONE_LOOKUP_URL": fake.zone_lookup_url,
        "AUTOTASK_DEFAULT_QUEUE_ID": str(LEVEL_ONE),
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_webhooks_install_status_remove_and_doctor(
    env: pytest.MonkeyPatch,
    fake: FakeAutotask,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["doctor"]) == 0
    assert _rows(capsys.readouterr().out)["updates"] == (
        "OK",
        "polling every 60 s (no webhook installed)",
    )

    assert main(["webhooks", "install", "--url", "https://bot.example/"]) == 0
    installed_text = capsys.readouterr().out
    database = Database.connect(f"sqlite:///{tmp_path / 'bot.db'}")
    installed = InstalledWebhook.from_json(SqlUpdateStore(database).get_state(STATE_NAME))
    database.dispose()
    assert installed is not None and installed.url == "https://bot.example/autotask/webhook"
    assert installed.secret not in installed_text

    assert main(["webhooks", "status"]) == 0
    assert "active, ready, calls https://bot.example/autotask/webhook" in capsys.readouterr().out
    assert main(["doctor"]) == 0
    assert _rows(capsys.readouterr().out)["updates webhook"][0] == "OK"

    assert main(["webhooks", "remove"]) == 0
    assert fake.webhooks == {}
    assert main(["webhooks", "status"]) == 0
    assert "polling" in capsys.readouterr().out


def test_desk_changes_a_local_ticket_and_the_terminal_chat_shows_the_update(
    tmp_path: Path,
) -> None:
    env = {
        "TICKETBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "TICKETBOT_UPDATES_COALESCE_SECONDS": "0",
    }
    created = ticketbot("chat", stdin="ticket new The scanner is offline\n", env=env)
    assert "Created ticket" in created.stdout, created.stderr

    assigned = ticketbot("desk", "--as", "Jordan Lee", "assign", "10001", "Jordan Lee", env=env)
    noted = ticketbot("desk", "--as", "Jordan Lee", "note", "10001", "Cable replaced", env=env)
    internal = ticketbot(
        "desk", "--as", "Jordan Lee", "note", "10001", "Was unplugged", "--internal", env=env
    )
    missing = ticketbot("desk", "status", "99999", "Complete", env=env)
    wrong = ticketbot("desk", "status", "10001", "Sleeping", env=env)
    chat = ticketbot("chat", stdin="ticket list\n", env=env)

    assert assigned.returncode == 0 and "assigned to Jordan Lee" in assigned.stdout
    assert noted.returncode == 0 and internal.returncode == 0
    assert missing.returncode == 1 and "no ticket #99999" in missing.stderr
    assert wrong.returncode == 2 and "unknown status" in wrong.stderr
    assert "Jordan Lee is on it" in chat.stdout
    assert "Cable replaced" in chat.stdout
    assert "unplugged" not in chat.stdout
