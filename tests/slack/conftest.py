from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.slack_api import FakeSlackApi
from tests.slack.harness import ALICE, BOB, SlackHarness, start_harness

MakeSlack = Callable[..., Awaitable[SlackHarness]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackApi]:
    fake = await FakeSlackApi().start()
    fake.add_user(ALICE, "alice@example.com", "Alice Example")
    fake.add_user(BOB, "bob@example.com", "Bob Example")
    yield fake
    # Whatever a test did, every payload the bot sent must have passed Slack's checks.
    assert fake.invalid == []
    assert fake.missing_text == []
    await fake.stop()


@pytest.fixture
async def make_slack(tmp_path: Path, fake_slack: FakeSlackApi) -> AsyncIterator[MakeSlack]:
    started: list[SlackHarness] = []

    async def make(**options: Any) -> SlackHarness:
        harness = await start_harness(tmp_path, fake_slack, **options)
        started.append(harness)
        return harness

    yield make
    for harness in started:
        await harness.close()
