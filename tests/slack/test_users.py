"""``users.info`` lookups: the e-mail the core uses, cached for an hour (injected clock)."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.users import UserDirectory
from tests.fakes.slack_api import BOT_TOKEN
from tests.slack.harness import ALICE

pytestmark = pytest.mark.anyio


async def test_lookups_are_cached_until_they_expire(fake_slack) -> None:
    now = [0.0]
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    users = UserDirectory(client, ttl_seconds=3600, clock=lambda: now[0])

    first = await users.lookup(ALICE)
    now[0] = 3599
    await users.lookup(ALICE)
    assert len(fake_slack.calls_to("users.info")) == 1
    now[0] = 3601
    fake_slack.add_user(ALICE, "alice.new@example.com", "Alice Example")
    renewed = await users.lookup(ALICE)

    assert len(fake_slack.calls_to("users.info")) == 2
    assert (first.platform, first.user_id, first.email) == ("slack", ALICE, "alice@example.com")
    assert renewed.email == "alice.new@example.com"
    assert first.display_name == "Alice Example"


async def test_an_unknown_user_has_no_email_and_is_not_cached(fake_slack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    users = UserDirectory(client)

    ghost = await users.lookup("UGHOST01")
    await users.lookup("UGHOST01")

    assert ghost.email is None and ghost.user_id == "UGHOST01"
    assert len(fake_slack.calls_to("users.info")) == 2


async def test_a_user_without_a_visible_email(fake_slack) -> None:
    fake_slack.add_user("UNOMAIL1", None, "No Mail")
    users = UserDirectory(AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))

    user = await users.lookup("UNOMAIL1")

    assert user.email is None and user.display_name == "No Mail"
