"""Counting what a piece of code costs the database: SQL statements and commits, through
SQLAlchemy's ``before_cursor_execute`` and ``commit`` events. Shared by the tests that hold the
message path to its budget and by ``bench/core_bench.py``.

A statement is one round trip: an ``executemany`` (many rows of one INSERT) counts once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event


@dataclass(frozen=True)
class SqlCost:
    """What one action cost; ``statements_run`` lists the first line of each statement."""

    statements: int
    commits: int
    statements_run: tuple[str, ...] = ()

    def __str__(self) -> str:
        shown = "\n  ".join(self.statements_run)
        return f"{self.statements} statements, {self.commits} commits:\n  {shown}"


@dataclass
class SqlCounter:
    """Counts what ``engine`` runs while attached (a context manager detaches it)."""

    engine: Engine
    statements: int = 0
    commits: int = 0
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements += 1
        self.seen.append(" ".join(statement.split())[:120])

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    def reset(self) -> None:
        self.statements = self.commits = 0
        self.seen.clear()

    def cost(self, action: Callable[[], object]) -> SqlCost:
        """What ``action()`` cost."""
        self.reset()
        action()
        return SqlCost(self.statements, self.commits, tuple(self.seen))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)

    def __enter__(self) -> SqlCounter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
