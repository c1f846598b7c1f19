"""Helpers the storage tests and the storage benches (bench/replicas_bench.py) share."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import database_url


def utc_now() -> datetime:
    return datetime.now(UTC)


class ThreadRunner:
    """The inbox loop's runner on plain threads (``asyncio.to_thread``)."""

    async def run(self, fn: Callable[[], object]) -> object:
        return await asyncio.to_thread(fn)


@contextlib.contextmanager
def postgres_schema(server: str, prefix: str = "test") -> Iterator[str]:
    """A URL on ``server`` whose connections use a new, empty schema, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url(server))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
