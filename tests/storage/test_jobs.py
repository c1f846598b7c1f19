"""Jobs that must run on one replica at a time: while one replica runs a job, another skips it;
once it is done (or that replica's connection is gone), the next one runs it."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.jobs import job_key, run_once


def test_a_job_runs_on_sqlite(database: Database) -> None:
    ran: list[str] = []

    assert run_once(database, "purge", lambda: ran.append("purge")) is True
    assert ran == ["purge"]


def test_a_job_held_by_another_replica_is_skipped_until_it_lets_go(postgres_url: str) -> None:
    mine, other = Database.connect(postgres_url), Database.connect(postgres_url)
    ran: list[str] = []
    try:
        with other.engine.connect() as holder:  # another replica, in the middle of the job
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": job_key("purge")})
            assert run_once(mine, "purge", lambda: ran.append("skipped?")) is False
            assert run_once(mine, "other-job", lambda: ran.append("other-job")) is True
        other.dispose()  # its connection is gone (the replica died): the lock goes with it
        # The server lets go once it notices the closed connection: a moment, bounded here.
        for _ in range(100):
            if run_once(mine, "purge", lambda: ran.append("purge")):
                break
            time.sleep(0.05)
    finally:
        mine.dispose()
        other.dispose()

    assert ran == ["other-job", "purge"]


def test_a_failing_job_lets_go_of_its_lock(postgres_url: str) -> None:
    database = Database.connect(postgres_url)
    try:

        def broken() -> None:
            raise RuntimeError("disk full")

        with pytest.raises(RuntimeError):
            run_once(database, "purge", broken)
        assert run_once(database, "purge", lambda: None) is True
    finally:
        database.dispose()
