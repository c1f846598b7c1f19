"""``ticketbot backup``: a consistent copy taken while workers write, read back and restored."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bots.__main__ import main
from core.messages import ConversationRef
from core.ports import AuditEntry, Turn
from storage.audit import SqlAuditLog
from storage.backup import BackupError, backup_sqlite, row_counts
from storage.db import Database
from storage.history import SqlConversationStore
from storage.models import AuditRow, TurnRow

WHERE = ConversationRef("console", "local", "terminal")


def _write_pairs(database: Database, conversation_id: int, stop: threading.Event) -> int:
    """Each transaction adds one turn and one audit row: a consistent copy has as many of each."""
    written = 0
    now = datetime.now(UTC)
    while not stop.is_set() or written < 50:
        with database.sessions() as session:
            session.add(
                TurnRow(
                    conversation_id=conversation_id, role="user", text=f"m{written}", created_at=now
                )
            )
            session.add(AuditRow(at=now, action="test.pair", outcome="ok", detail="{}"))
            session.commit()
        written += 1
    return written


def test_a_backup_taken_during_writes_is_consistent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    database = Database.connect(url)
    store = SqlConversationStore(database)
    conversation = store.open_conversation(WHERE, datetime.now(UTC)).conversation_id
    stop = threading.Event()
    totals: list[int] = []
    writers = [
        threading.Thread(target=lambda: totals.append(_write_pairs(database, conversation, stop)))
        for _ in range(2)
    ]
    for writer in writers:
        writer.start()
    try:
        reports = [backup_sqlite(url, tmp_path / f"copy-{n}.db") for n in range(3)]
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=60)

    for report in reports:
        assert report.integrity == "ok"
        assert report.rows["turns"] == report.rows["audit_log"]  # never half a transaction
        with sqlite3.connect(report.target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert row_counts(copy) == report.rows
        assert not Path(f"{report.target}-wal").exists()
    assert sum(totals) >= 100
    final = backup_sqlite(url, tmp_path / "final.db")
    assert final.rows["turns"] == sum(totals)
    database.dispose()


def test_restoring_a_backup_brings_the_data_back(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    database = Database.connect(f"sqlite:///{live}")
    store = SqlConversationStore(database)
    conversation = store.open_conversation(WHERE, datetime.now(UTC)).conversation_id
    store.append_turn(conversation, Turn("user", "keep me", datetime.now(UTC)))
    SqlAuditLog(database).record(AuditEntry(at=datetime.now(UTC), action="ticket.create"))
    backup_sqlite(f"sqlite:///{live}", tmp_path / "backup.db")
    database.dispose()

    # The README's restore: stop the bot, copy the backup over the database, start again.
    restored = tmp_path / "restored.db"
    shutil.copyfile(tmp_path / "backup.db", restored)
    again = Database.connect(f"sqlite:///{restored}")
    store = SqlConversationStore(again)
    state = store.open_conversation(WHERE, datetime.now(UTC))
    assert [t.text for t in store.recent_turns(state.conversation_id, 10)] == ["keep me"]
    assert [e.action for e in SqlAuditLog(again).query()] == ["ticket.create"]
    again.dispose()


def test_backup_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", url)
    Database.connect(url).dispose()

    assert main(["backup", str(tmp_path / "backups" / "nightly.db")]) == 0

    out = capsys.readouterr().out
    assert "nightly.db" in out and "integrity ok" in out
    assert (tmp_path / "backups" / "nightly.db").is_file()
    assert not (tmp_path / "backups" / "nightly.db.partial").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://bot@db/ticketbot", "has its own backup tools"),
        ("sqlite://", "in memory"),
        ("sqlite:///{tmp}/missing.db", "There is no database"),
    ],
)
def test_backup_refuses_what_it_cannot_copy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TICKETBOT_DATABASE_URL", url.format(tmp=tmp_path))

    assert main(["backup", str(tmp_path / "copy.db")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "copy.db").exists()


def test_the_backup_cannot_overwrite_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    Database.connect(url).dispose()
    with pytest.raises(BackupError, match="can't be the database itself"):
        backup_sqlite(url, tmp_path / "bot.db")
