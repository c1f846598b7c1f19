"""``ticketbot doctor`` against the loopback Autotask and Waystone APIs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bots.__main__ import main
from tests.backends.conftest import LEVEL_ONE
from tests.fakes.autotask_server import FakeAutotask, Picklist
from tests.fakes.waystone_server import FakeWaystone


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeAutotask) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in {
        "TICKETBOT_BACKEND": "autotask",
        "AUTOTASK_USERNAME": fake.username,
        "AUTOTASK_SECRET": fake.secret,
        "AUTOTASK_INTEGRATION_CODE": fake.integration_code,
        "AUTOTASK_ZONE_LOOKUP_URL": fake.zone_lookup_url,
        "AUTOTASK_DEFAULT_QUEUE_ID": str(LEVEL_ONE),
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def _rows(output: str) -> dict[str, tuple[str, str]]:
    """check name -> (OK, WARN or FIX, its detail with wrapped lines joined)."""
    rows: dict[str, tuple[str, str]] = {}
    last = None
    for line in output.splitlines():
        match = re.match(r"^  (OK|WARN|FIX)\s+(.+?)\s{2,}(.*)$", line)
        if match:
            last = match.group(2)
            rows[last] = (match.group(1), match.group(3))
        elif last is not None and line.startswith(" " * 10) and line.strip():
            status, detail = rows[last]
            rows[last] = (status, f"{detail} {line.strip()}")
    return rows


def test_a_good_configuration_is_all_ok(
    env: pytest.MonkeyPatch, fake: FakeAutotask, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    output = capsys.readouterr().out
    rows = _rows(output)
    assert output.rstrip().endswith("All good.")
    assert {status for status, _ in rows.values()} == {"OK"}
    assert rows["zone"][1] == f"{fake.api_url} (discovered)"
    assert rows["credentials"][1].startswith("accepted;")
    assert rows["field queueID"][1] == (
        f"required; {LEVEL_ONE} ('Level I Support') from AUTOTASK_DEFAULT_QUEUE_ID"
    )
    assert rows["priority Low"][1] == "-> 'Low' (3)"
    assert rows["status Complete"][1] == "-> 'Complete' (5)"
    assert rows["note visibility"][1] == "-> 'All Autotask Users' (1)"


def test_what_to_fix_is_named(
    env: pytest.MonkeyPatch, fake: FakeAutotask, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("AUTOTASK_DEFAULT_QUEUE_ID")
    fake.ticket_picklists["priority"] = Picklist(
        [(1, "Severity 1 - Critical", True, False), (4, "Severity 4 - TwoDays", True, False)]
    )
    fake.required_ticket_fields.append("contractID")
    assert main(["doctor"]) == 1
    output = capsys.readouterr().out
    rows = _rows(output)
    fixes = {name for name, (status, _) in rows.items() if status == "FIX"}
    assert fixes == {
        "field queueID",
        "field contractID",
        "priority Low",
        "priority Medium",
        "priority High",
    }
    assert "set AUTOTASK_DEFAULT_QUEUE_ID" in rows["field queueID"][1]
    assert "29683354 = 'Level I Support'" in rows["field queueID"][1]
    assert "AUTOTASK_PRIORITY_MAP" in rows["priority Low"][1]
    assert "'Severity 4 - TwoDays' (4)" in rows["priority Low"][1]
    assert rows["priority Critical"] == ("OK", "-> 'Severity 1 - Critical' (1)")
    assert output.rstrip().endswith("5 things to fix.")


def test_a_guessed_note_type_is_a_warning_not_a_fix(
    env: pytest.MonkeyPatch, fake: FakeAutotask, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.note_picklists["noteType"] = Picklist(
        [(1, "Task Summary", True, False), (3, "Task Notes", True, False)]
    )
    assert main(["doctor"]) == 0
    output = capsys.readouterr().out
    status, detail = _rows(output)["note type"]
    assert status == "WARN"
    assert detail.startswith("-> 'Task Notes' (3): no default flagged")
    assert "AUTOTASK_NOTE_TYPE" in detail and "1 = 'Task Summary'" in detail
    assert output.rstrip().endswith("Working; 1 thing to look at (WARN).")
    env.setenv("AUTOTASK_NOTE_TYPE", "Task Summary")
    assert main(["doctor"]) == 0
    assert _rows(capsys.readouterr().out)["note type"] == ("OK", "-> 'Task Summary' (1)")


def test_what_the_category_fills_and_what_the_bot_fills_are_shown(
    env: pytest.MonkeyPatch, fake: FakeAutotask, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    rows = _rows(capsys.readouterr().out)
    standard = fake.ids["standard"]
    assert rows["ticket category"] == (
        "OK",
        f"-> 'Standard' ({standard}), the tenant's default (isGlobalDefault); its defaults fill "
        "no ticket field the bot sends",
    )
    assert rows["filled by the bot"][1] == (
        f"ticketCategory={standard} ('Standard') (the tenant's default (isGlobalDefault)); "
        f"queueID={LEVEL_ONE} ('Level I Support') (AUTOTASK_DEFAULT_QUEUE_ID); "
        "dueDateTime = now + Low 72 h, Medium 24 h, High 8 h, Critical 4 h (AUTOTASK_DUE_HOURS)"
    )

    env.delenv("AUTOTASK_DEFAULT_QUEUE_ID")
    env.setenv("AUTOTASK_TICKET_CATEGORY", "aem")
    fake.add_category("Monitoring Alert", nickname="AEM", queueID=29683355)
    fake.required_ticket_fields.append("dueDateTime")
    assert main(["doctor"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows["ticket category"][1].endswith(
        "AUTOTASK_TICKET_CATEGORY=aem; its defaults fill queueID=29683355 ('Level II Support')"
    )
    assert rows["field queueID"] == (
        "OK",
        "required; 29683355 ('Level II Support') from ticket category 'Monitoring Alert'",
    )
    assert rows["field dueDateTime"][0] == "OK"

    env.setenv("AUTOTASK_DUE_HOURS", '{"Low": 0}')
    assert main(["doctor"]) == 1
    rows = _rows(capsys.readouterr().out)
    assert rows["field dueDateTime"] == (
        "FIX",
        "required, but AUTOTASK_DUE_HOURS sends none for Low: give it hours",
    )


def test_an_unknown_ticket_category_is_a_fix(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("AUTOTASK_TICKET_CATEGORY", "Nope")
    assert main(["doctor"]) == 1
    status, detail = _rows(capsys.readouterr().out)["ticket category"]
    assert status == "FIX"
    assert "AUTOTASK_TICKET_CATEGORY" in detail and "'Standard'" in detail


def test_a_wrong_secret_is_reported(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("AUTOTASK_SECRET", "not-the-secret")
    assert main(["doctor"]) == 1
    output = capsys.readouterr().out
    assert "FIX  credentials" in output
    assert "AUTOTASK_SECRET" in output
    assert "not-the-secret" not in output


def test_missing_credentials_are_listed_without_calling_anyone(
    env: pytest.MonkeyPatch, fake: FakeAutotask, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("AUTOTASK_SECRET")
    env.delenv("AUTOTASK_INTEGRATION_CODE")
    assert main(["doctor"]) == 1
    output = capsys.readouterr().out
    assert "OK   AUTOTASK_USERNAME" in output
    assert "FIX  AUTOTASK_SECRET" in output
    assert "FIX  AUTOTASK_INTEGRATION_CODE" in output
    assert fake.requests == []


def test_an_inactive_configured_value_is_reported(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("AUTOTASK_DEFAULT_QUEUE_ID", "8")  # "Retired Queue"
    assert main(["doctor"]) == 1
    output = capsys.readouterr().out
    assert "FIX  AUTOTASK_DEFAULT_QUEUE_ID" in output
    assert "8 is not an active queueID value" in output


def test_waystone(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    waystone: FakeWaystone,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TICKETBOT_BACKEND", "waystone")
    monkeypatch.setenv("WAYSTONE_BASE_URL", waystone.base_url)
    monkeypatch.setenv("WAYSTONE_API_KEY", waystone.api_key)
    assert main(["doctor"]) == 0
    assert "OK   API" in capsys.readouterr().out
    monkeypatch.setenv("WAYSTONE_API_KEY", "wrong")
    assert main(["doctor"]) == 1
    assert "WAYSTONE_API_KEY" in capsys.readouterr().out


def test_the_local_desk_needs_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["doctor"]) == 0
    assert "--backend autotask" in capsys.readouterr().out
