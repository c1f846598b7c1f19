from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A real SQLite file, fresh for each test."""
    db = Database.connect(f"sqlite:///{tmp_path / 'ticketbot.db'}")
    yield db
    db.dispose()
