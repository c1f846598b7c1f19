"""Every sub-command with bad input: one clear line on stderr and a non-zero exit code, never
a traceback; nothing created that wasn't asked for."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.__main__ import main
from storage.db import Database
from tests.test_cli import SETTING_PREFIXES


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_logging: None) -> Iterator[Path]:
    """An empty working folder (no .env) and an environment without any setting; logging as
    it was afterwards (commands set it up on the captured stderr)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES) or name in ("PORT", "HOST"):
            monkeypatch.delenv(name)
    yield tmp_path


def one_line_error(capsys: pytest.CaptureFixture[str], prefix: str) -> str:
    """The single stderr line, which must start with ``prefix`` (and no traceback)."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(prefix), err
    assert "Traceback" not in err
    return lines[0]


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    return one_line_error(capsys, "ticketbot")


# -- files named on the command line --------------------------------------------------------


def test_classify_a_missing_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "missing.jsonl"]) == 1

    line = one_line_error(capsys, "ticketbot classify: ")
    assert "missing.jsonl" in line and "No such file" in line


def test_backup_into_a_path_that_cannot_be_a_folder(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Database.connect(f"sqlite:///{folder / 'ticketbot.db'}").dispose()  # one to copy
    (folder / "a-file").write_text("x")

    assert main(["backup", "a-file/copy.db"]) == 1

    assert "a-file/copy.db" in one_line_error(capsys, "backup failed: ")


def test_teams_package_creates_the_folder_it_is_asked_to_write_into(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("TEAMS_WEBSITE_URL", "https://helpdesk.example.com")

    assert main(["teams-package", "--out", "build/teams/app.zip"]) == 0

    assert (folder / "build" / "teams" / "app.zip").stat().st_size > 0


def test_teams_package_with_missing_settings_creates_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["teams-package", "--out", "build/app.zip"]) == 1

    assert "MICROSOFT_APP_ID" in one_line_error(capsys, "teams-package: ")
    assert not (folder / "build").exists()


# -- the knowledge file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "No such file"),
        ("- id: hours\n  answer: 9 to 5\n", "is a list; expected a mapping with an 'entries:'"),
        ("entries: [\n", "is not valid YAML"),
        ("entry:\n  - answer: 9 to 5\n", "without an 'entries:' list"),
    ],
)
def test_a_missing_or_misshapen_knowledge_file_stops_chat_with_one_line(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    expected: str,
) -> None:
    knowledge = folder / "kb.yaml"
    if content is not None:
        knowledge.write_text(content)
    monkeypatch.setenv("TICKETBOT_KNOWLEDGE_FILE", str(knowledge))

    assert main(["chat"]) == 1

    line = one_line_error(capsys, "ticketbot chat: TICKETBOT_KNOWLEDGE_FILE: ")
    assert expected in line and "kb.yaml" in line
    assert not (folder / "ticketbot.db").exists()  # nothing created on the way out


def test_classify_names_a_bad_knowledge_file_too(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TICKETBOT_KNOWLEDGE_FILE", str(folder / "nope.yaml"))
    (folder / "in.jsonl").write_text('{"id": 1, "text": "hi"}\n')

    assert main(["classify", "in.jsonl"]) == 1

    one_line_error(capsys, "ticketbot classify: TICKETBOT_KNOWLEDGE_FILE: ")


@pytest.mark.parametrize(
    ("backend", "missing"), [("autotask", "AUTOTASK_SECRET"), ("waystone", "WAYSTONE_API_KEY")]
)
def test_a_backend_without_its_settings_stops_chat_before_any_database(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    backend: str,
    missing: str,
) -> None:
    monkeypatch.setenv("TICKETBOT_BACKEND", backend)

    assert main(["chat"]) == 1

    line = one_line_error(capsys, f"ticketbot chat: TICKETBOT_BACKEND={backend} needs ")
    assert missing in line
    assert list(folder.iterdir()) == []


# -- the database ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["chat", "audit", "usage", "purge", "serve", "demo"])
def test_an_unreachable_postgres_is_one_line_without_the_password(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", "postgres://bot:s3cret-pw@127.0.0.1:9/ticketbot")

    code = main([command])

    if command == "demo":  # the demo runs on its own throw-away SQLite database
        assert code == 0
        return
    assert code == 1
    line = one_line_error(capsys, f"ticketbot {command}: can't open the database postgresql")
    assert "Connection refused" in line and "s3cret-pw" not in line


@pytest.mark.parametrize("command", ["chat", "audit", "usage", "purge"])
def test_a_database_url_that_is_no_url(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", "ticketbot.db")

    assert main([command]) == 1

    assert "is not a database URL" in one_line_error(capsys, f"ticketbot {command}: ")


@pytest.mark.parametrize("command", ["chat", "audit", "usage", "purge"])
def test_a_file_that_is_not_a_database(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    (folder / "notes.db").write_text("these are my notes, not a database\n" * 100)
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", "sqlite:///notes.db")

    assert main([command]) == 1

    assert "file is not a database" in one_line_error(capsys, f"ticketbot {command}: ")


def test_a_database_under_a_file_cannot_be_created(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "a-file").write_text("x")
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", "sqlite:///a-file/ticketbot.db")

    assert main(["chat"]) == 1

    assert "a-file/ticketbot.db" in one_line_error(capsys, "ticketbot chat: can't create")


@pytest.mark.parametrize(
    "command", [["audit"], ["usage"], ["purge"], ["purge", "--days", "3"], ["db", "current"]]
)
def test_reading_commands_in_an_empty_folder_create_no_database(
    folder: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(command) == 0

    out = capsys.readouterr().out
    assert "no database yet" in out or "no LLM calls recorded" in out
    assert list(folder.iterdir()) == []


# -- purge, usage, audit --------------------------------------------------------------------


def _history(folder: Path) -> int:
    with sqlite3.connect(folder / "ticketbot.db") as connection:
        return int(connection.execute("SELECT count(*) FROM turns").fetchone()[0])


def test_purge_everything_needs_a_yes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bots.composition import build_runtime
    from bots.console import ConsoleChat, console_user
    from core.settings import load_settings

    runtime = build_runtime(load_settings())
    ConsoleChat(runtime.assistant, console_user(None, None), runtime.clock).send("hello")
    runtime.close()
    assert _history(folder) == 2

    assert main(["purge", "--days", "0"]) == 1  # no terminal to ask on: no
    assert "add --yes" in one_line_error(capsys, "ticketbot purge: --days 0 deletes all")
    assert _history(folder) == 2

    assert main(["purge", "--days", "1"]) == 0
    assert capsys.readouterr().out.strip() == "removed 0 turns older than 1 day"
    assert main(["purge", "--days", "0", "--yes"]) == 0
    assert capsys.readouterr().out.strip() == "removed 2 turns: all conversation history"
    assert _history(folder) == 0


def test_usage_json_with_no_usage_is_an_empty_array(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["usage", "--json"]) == 0

    assert capsys.readouterr().out.strip() == "[]"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["audit", "--limit", "-1"], "--limit: must be at least 1, not -1"),
        (["audit", "--limit", "0"], "--limit: must be at least 1, not 0"),
        (["audit", "--limit", "many"], "--limit: 'many' is not a whole number"),
        (["audit", "--since", "yesterday"], "'yesterday' is not a time"),
        (["purge", "--days", "-5"], "--days: must be at least 0, not -5"),
        (["usage", "--days", "0"], "--days: must be at least 1, not 0"),
        (["doctor", "--backend", "jira"], "invalid choice: 'jira'"),
        (["backup"], "the following arguments are required: file"),
        (["chat", "--colour"], "unrecognized arguments: --colour"),
        (["config", "extra"], "unrecognized arguments: extra"),
        (["serve", "--port", "80"], "unrecognized arguments: --port 80"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_flags_are_one_line_pointing_at_help(
    folder: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    line = usage_error(argv, capsys)

    assert expected in line and line.endswith("--help)")
    assert list(folder.iterdir()) == []


# -- serve ----------------------------------------------------------------------------------


def test_serve_on_a_busy_port(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("HOST", "127.0.0.1")
        monkeypatch.setenv("PORT", str(port))

        assert main(["serve"]) == 1

    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line == (
        f"ticketbot serve: port {port} is already in use on 127.0.0.1: stop the other server "
        "or set PORT to a free port"
    )


def test_a_negative_retention_is_an_invalid_setting_not_a_purge_of_everything(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TICKETBOT_HISTORY_RETENTION_DAYS", "-5")

    assert main(["purge"]) == 2
    assert main(["chat"]) == 2

    err = capsys.readouterr().err
    assert "TICKETBOT_HISTORY_RETENTION_DAYS: Input should be greater than or equal to 0" in err
    assert list(folder.iterdir()) == []


def test_config_flags_a_database_this_version_cannot_use(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", "mysql://bot:pw@127.0.0.1:9/ticketbot")

    assert main(["config"]) == 1

    assert "error: TICKETBOT_DATABASE_URL names a mysql database" in capsys.readouterr().out


@pytest.mark.parametrize("action", ["current", "upgrade"])
def test_db_refuses_a_database_this_version_cannot_use_in_one_line(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], action: str
) -> None:
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", "mysql://bot:pw@127.0.0.1:9/ticketbot")

    assert main(["db", action]) == 1

    line = one_line_error(capsys, "ticketbot db: ")
    assert "names a mysql database" in line and "pw" not in line


def test_a_dotenv_that_is_not_utf8_is_named(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / ".env").write_bytes(b"TICKETBOT_LOG_LEVEL=INFO\n\xff\xfe=1\n")

    assert main(["config"]) == 1

    assert ".env is not UTF-8 text" in one_line_error(capsys, "ticketbot config: ")


@pytest.mark.parametrize("name", ["AUTOTASK_PRIORITY_MAP", "AUTOTASK_REQUESTER_NOTE_PUBLISH"])
def test_a_json_setting_that_is_not_json_is_named(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    monkeypatch.setenv(name, "{not json")

    assert main(["config"]) == 2

    err = capsys.readouterr().err
    assert f"  {name}: not valid JSON" in err.splitlines() and "Traceback" not in err
