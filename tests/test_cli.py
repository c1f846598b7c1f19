"""The ``ticketbot`` command line end to end, through real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import DEV_SET

ROOT = Path(__file__).resolve().parents[1]


SETTING_PREFIXES = (
    "TICKETBOT_",
    "AUTOTASK_",
    "WAYSTONE_",
    "OPENAI_",
    "AZURE_OPENAI_",
    "SLACK_",
    "MICROSOFT_APP_",
    "TEAMS_",
)


def python(
    *args: str, cwd: Path, env: dict[str, str] | None = None, text: bool = True, **streams: Any
) -> subprocess.CompletedProcess[Any]:
    """Run Python on this checkout with a clean environment (no settings, no credentials)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    return subprocess.run(
        [sys.executable, *args],
        text=text,
        env={**base, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=cwd,
        timeout=120,
        check=False,
        **streams,
    )


def ticketbot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, with a clean environment (no .env, no credentials)."""
    return python("-m", "bots", *args, cwd=cwd or ROOT, env=env, input=stdin, capture_output=True)


def test_piped_chat_holds_a_whole_help_desk_conversation(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    script = "\n".join(
        [
            "hi",
            "the VPN drops every ten minutes, pretty urgent",
            "yes",
            "show me my open tickets",
        ]
    )
    result = ticketbot(
        "chat",
        "--user",
        "ana@example.com",
        "--name",
        "Ana",
        stdin=script + "\n",
        env={"TICKETBOT_DATABASE_URL": f"sqlite:///{db}"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Create it? (yes / no)" in out
    created = [line for line in out.splitlines() if line.startswith("Created ticket ")]
    assert len(created) == 1
    number = created[0].split()[2]
    assert number.startswith("T") and out.count(number) >= 3

    follow_up = ticketbot(
        "chat",
        "--user",
        "ana@example.com",
        stdin=f"status of {number}\nclose {number}\nyes\n",
        env={"TICKETBOT_DATABASE_URL": f"sqlite:///{db}"},
        cwd=tmp_path,
    )
    assert follow_up.returncode == 0, follow_up.stderr
    assert f"Ticket {number}" in follow_up.stdout
    assert "Complete" in follow_up.stdout


def test_chat_defaults_need_no_settings_at_all(tmp_path: Path) -> None:
    result = ticketbot(stdin="ticket help\n", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "ticket status <ticket>" in result.stdout
    assert (tmp_path / "ticketbot.db").exists()


def test_classify_writes_one_json_line_per_input_and_survives_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "What's the status of my ticket #12345?"}),
        "this is not json",
        json.dumps({"id": "b", "text": "our website is down"}),
    ]
    result = ticketbot("classify", stdin="\n".join(lines) + "\n", cwd=tmp_path)

    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert (out[0]["id"], out[0]["intent"], out[0]["ticket"]) == ("a", "ticket_status", "12345")
    assert "error" in out[1] and out[1]["line"] == 2
    assert out[2]["id"] == "b" and out[2]["intent"] == "create_ticket"
    assert set(out[2]) == {"id", "intent", "ticket", "priority", "title"}
    assert result.returncode == 1
    assert "line 2 skipped" in result.stderr


def test_classify_reads_a_file() -> None:
    result = ticketbot("classify", str(DEV_SET))

    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(DEV_SET.read_text().splitlines())


def test_demo_runs_the_three_original_examples_honestly(tmp_path: Path) -> None:
    result = ticketbot("demo", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Created ticket T" in out  # the printer ticket, after the confirmation
    assert "couldn't find ticket #12345" in out  # never invents a ticket
    assert "Monday to Friday" in out  # operating hours from the knowledge file
    assert not (tmp_path / "ticketbot.db").exists()  # a throw-away database


def test_purge_removes_old_history(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    env = {"TICKETBOT_DATABASE_URL": f"sqlite:///{db}"}
    ticketbot("chat", stdin="hello\n", env=env, cwd=tmp_path)

    kept = ticketbot("purge", "--days", "30", env=env, cwd=tmp_path)
    assert kept.returncode == 0 and "removed 0 turns" in kept.stdout
    gone = ticketbot("purge", "--days", "0", "--yes", env=env, cwd=tmp_path)
    assert "removed 2 turns" in gone.stdout


def test_help_lists_the_subcommands() -> None:
    result = ticketbot("--help")

    assert result.returncode == 0
    for name in ("chat", "classify", "demo", "serve"):
        assert name in result.stdout


def test_an_invalid_setting_is_named_without_a_traceback_or_its_value(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("AUTOTASK_DEFAULT_QUEUE_ID=not-a-number-s3cr3t\n")

    result = ticketbot("chat", stdin="hi\n", cwd=tmp_path)

    assert result.returncode == 2
    assert "AUTOTASK_DEFAULT_QUEUE_ID: Input should be a valid integer" in result.stderr
    assert "Traceback" not in result.stderr and "s3cr3t" not in result.stderr


_HEAVY = ("openai", "slack_bolt", "slack_sdk", "botbuilder", "aiohttp", "sqlalchemy")
_IMPORTS = """
import json, sys
from bots.__main__ import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def _imported(*args: str, cwd: Path, stdin: str = "") -> set[str]:
    result = python("-c", _IMPORTS, *args, cwd=cwd, input=stdin, capture_output=True)
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def test_help_imports_no_sdk_and_a_light_command_only_what_it_uses(tmp_path: Path) -> None:
    # Building the whole parser (every sub-command listed) imports no SDK, no HTTP client.
    assert not _imported("--help", cwd=tmp_path) & {*_HEAVY, "requests", "httpx"}
    for command in ("serve", "worker", "doctor", "chat", "db"):
        assert not _imported(command, "--help", cwd=tmp_path) & set(_HEAVY), command
    assert not _imported("audit", "--help", cwd=tmp_path) & set(_HEAVY)
    # A terminal chat on the embedded defaults needs no LLM SDK and no chat platform.
    chat = _imported("chat", cwd=tmp_path, stdin="ticket list\n")
    assert "sqlalchemy" in chat  # it did run
    assert not chat & {"openai", "slack_bolt", "slack_sdk", "botbuilder", "aiohttp"}
    # ``config`` needs no SDK and no web server.
    assert not _imported("config", cwd=tmp_path) & set(_HEAVY[:-1])


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    env = {"TICKETBOT_DATABASE_URL": "sqlite:///a.db"}
    ticketbot("chat", stdin="ticket new printer jams\n" * 3, env=env, cwd=tmp_path)
    for command in (["audit"], ["config"]):
        # ``ticketbot audit | head -0``: the pipe is closed before the first line is written.
        reader, writer = os.pipe()
        os.close(reader)
        try:
            result = python(
                "-m", "bots", *command, cwd=tmp_path, env=env, stdout=writer, stderr=subprocess.PIPE
            )
        finally:
            os.close(writer)
        assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
        assert result.returncode != 0, command


def test_a_closed_standard_output_is_one_line(tmp_path: Path) -> None:
    # ``ticketbot config >&-``
    result = python(
        "-m", "bots", "config", cwd=tmp_path, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1)
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "ticketbot config: can't write the answer: standard output is closed"
    )


@pytest.mark.parametrize(
    "locale",
    [
        {"LC_ALL": "C"},  # Python's UTF-8 mode: surrogate escapes on the way in
        {"LC_ALL": "C.UTF-8", "PYTHONUTF8": "0"},  # strict UTF-8
        {"LC_ALL": "C", "PYTHONUTF8": "0"},  # ASCII
    ],
)
def test_bytes_that_are_not_utf8_on_the_chat_input_file_one_ticket(
    tmp_path: Path, locale: dict[str, str]
) -> None:
    result = python(
        "-m",
        "bots",
        "chat",
        cwd=tmp_path,
        env=locale,
        text=False,
        input=b"ticket new Printer \xff\xfe jams\nticket list\n",
        capture_output=True,
    )

    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert result.returncode == 0, err
    assert "Traceback" not in err and out.count("Created ticket ") == 1
    assert "try again" not in out
