from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from tests.backends.conftest import COMPANY, DEFAULT_COMPANY
from tests.fakes.autotask_server import FakeAutotask, load_models
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.harness import ALICE
from tests.teams.harness import ALICE as TEAMS_ALICE
from tests.teams.harness import BOB as TEAMS_BOB
from tests.teams.harness import understood
from tests.triage.harness import TESS


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def tenant() -> Iterator[FakeAutotask]:
    """The loopback Autotask tenant on the real clock (the server's own clock): Alice a
    contact, Tess and Jordan technicians (active resources)."""
    server = FakeAutotask(load_models(), clock=lambda: datetime.now(UTC)).start()
    server.add_company(DEFAULT_COMPANY)
    server.ids["alice"] = server.add_contact("alice@example.com", COMPANY, "Alice", "Example")
    server.ids["tess"] = server.add_resource("tess.tech@msp.example", "Tess", "Tech")
    server.ids["jordan"] = server.add_resource("jordan.lee@msp.example", "Jordan", "Lee")
    yield server
    server.stop()
    assert server.violations == [], server.violations


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    fake = await FakeSlackApi().start()
    fake.add_user(ALICE, "alice@example.com", "Alice Example")
    fake.add_user(TESS, "tess.tech@msp.example", "Tess Tech")
    yield fake
    assert fake.invalid == []
    await fake.stop()


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    fake = await FakeBotConnector().start()
    fake.add_member(TEAMS_ALICE["id"], TEAMS_ALICE["name"], email="alice@example.com")
    fake.add_member(TEAMS_BOB["id"], "Tess Tech", email="tess.tech@msp.example")
    yield fake
    assert fake.invalid == []
    for sent in fake.sent:
        for card in sent.cards:
            assert understood(card) == []
    await fake.stop()
