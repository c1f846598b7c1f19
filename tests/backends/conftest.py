"""Fixtures for the backend tests: the loopback Autotask and Waystone servers and clients built
against them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from core.backends.autotask import AutotaskClient, AutotaskTicketing
from core.messages import UserRef
from core.settings import AutotaskSettings
from tests.fakes.autotask_server import FakeAutotask, load_models
from tests.fakes.waystone_server import FakeWaystone
from tests.support import FakeClock

COMPANY = 100
OTHER_COMPANY = 200
DEFAULT_COMPANY = 999
LEVEL_ONE = 29683354

ALICE = UserRef("slack", "U-ALICE", "Alice Example", "alice@example.com")
BOB = UserRef("slack", "U-BOB", "Bob Example", "bob@example.com")  # Alice's colleague
CAROL = UserRef("teams", "29:carol", "Carol Other", "carol@other.example")
TESS = UserRef("slack", "U-TESS", "Tess Tech", "tess.tech@msp.example")  # a technician
NOBODY = UserRef("slack", "U-NOBODY", "Nobody Known", "nobody@unknown.example")


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own AUTOTASK_* / WAYSTONE_* variables must not leak into tests."""
    for name in list(os.environ):
        if name.upper().startswith(("AUTOTASK_", "WAYSTONE_", "TICKETBOT_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def swagger_models() -> dict[str, dict[str, str]]:
    """The Swagger models' fields, from the extract kept in the repository."""
    return load_models()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(swagger_models: dict[str, dict[str, str]], clock: FakeClock) -> Iterator[FakeAutotask]:
    """A started fake tenant with Alice and Bob (company 100), Carol (company 200) and Tess
    (a technician)."""
    server = FakeAutotask(swagger_models, clock=clock).start()
    server.add_company(DEFAULT_COMPANY)
    server.ids["alice"] = server.add_contact(str(ALICE.email), COMPANY, "Alice", "Example")
    # Bob's chat e-mail is his contact's second address.
    server.ids["bob"] = server.add_contact(
        "bob.old@example.com", COMPANY, "Bob", "Example", email2=BOB.email
    )
    server.ids["carol"] = server.add_contact(str(CAROL.email), OTHER_COMPANY, "Carol", "Other")
    server.ids["tess"] = server.add_resource(str(TESS.email), "Tess", "Tech")
    yield server
    server.stop()
    assert server.violations == [], server.violations
    assert server.ignored_ops == [], f"undocumented filter operators sent: {server.ignored_ops}"


@dataclass
class Harness:
    """A backend wired to the fake, with the sleeps it asked for recorded."""

    fake: FakeAutotask
    clock: FakeClock
    settings: AutotaskSettings
    client: AutotaskClient
    backend: AutotaskTicketing
    sleeps: list[float] = field(default_factory=list)


def autotask_settings(fake: FakeAutotask, **overrides: Any) -> AutotaskSettings:
    values: dict[str, Any] = {
        "username": fake.username,
        "secret": fake.secret,
        "integration_code": fake.integration_code,
        "zone_lookup_url": fake.zone_lookup_url,
        "default_queue_id": LEVEL_ONE,
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return AutotaskSettings(_env_file=None, **values)


def make_harness(
    fake: FakeAutotask, clock: FakeClock, *, staff: tuple[str, ...] = (), **overrides: Any
) -> Harness:
    settings = autotask_settings(fake, **overrides)
    sleeps: list[float] = []
    client = AutotaskClient.from_settings(
        settings, requests.Session(), clock=clock, sleep=sleeps.append
    )
    backend = AutotaskTicketing(
        client, settings, clock=clock, staff_emails=staff, sleep=sleeps.append
    )
    return Harness(fake, clock, settings, client, backend, sleeps)


@pytest.fixture
def at(fake: FakeAutotask, clock: FakeClock) -> Harness:
    return make_harness(fake, clock)


@pytest.fixture
def waystone() -> Iterator[FakeWaystone]:
    server = FakeWaystone(api_key="test-waystone-key").start()
    yield server
    server.stop()
    assert server.violations == [], server.violations
