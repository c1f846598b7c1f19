from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.harness import ALICE, BOB, TeamsHarness, start_harness, understood

MakeTeams = Callable[..., Awaitable[TeamsHarness]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    fake = await FakeBotConnector().start()
    fake.add_member(ALICE["id"], ALICE["name"], email="alice@example.com")
    fake.add_member(BOB["id"], BOB["name"], upn="bob@example.com")
    yield fake
    # Whatever a test did, every card the bot sent was Adaptive Cards 1.5, with only buttons
    # and inputs the handler understands.
    assert fake.invalid == []
    for sent in fake.sent:
        for card in sent.cards:
            assert understood(card) == []
    await fake.stop()


@pytest.fixture
async def make_teams(tmp_path: Path, connector: FakeBotConnector) -> AsyncIterator[MakeTeams]:
    started: list[TeamsHarness] = []

    async def make(**options: Any) -> TeamsHarness:
        harness = await start_harness(tmp_path, connector, **options)
        started.append(harness)
        return harness

    yield make
    for harness in started:
        await harness.close()
