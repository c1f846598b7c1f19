"""Authorization headers that used to end in a 500 with a traceback: in local mode a token made
the SDK fetch the Bot Framework's signing keys from the internet; with an app id, keys that
cannot be fetched, a header that is not ASCII, or no token at all (refused without a word)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator

import jwt
import pytest
from botframework.connector.auth import AuthenticationConstants, ChannelValidation

from core.settings import TeamsSettings
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.loopback import JsonHandler, LoopbackServer
from tests.teams.conftest import MakeTeams
from tests.teams.harness import TENANT, dm

pytestmark = pytest.mark.anyio


class KeysDown:
    """The Bot Framework's OpenID metadata endpoint, on loopback, in an outage."""

    def __init__(self) -> None:
        self.requests = 0

    def handle(self, handler: JsonHandler, method: str) -> None:
        self.requests += 1
        handler.answer(503, {"error": "unavailable"})


@pytest.fixture
def keys_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[KeysDown]:
    service = KeysDown()
    server = LoopbackServer(service)
    url = f"{server.origin}/v1/.well-known/openidconfiguration"
    # Both names the SDK reads the endpoint from: no test may reach login.botframework.com.
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", url)
    monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", url)
    yield service
    server.stop()


def _channel_token(audience: str) -> str:
    claims = {"iss": "https://api.botframework.com", "aud": audience, "exp": 4102444800}
    return jwt.encode(claims, "k" * 32, algorithm="HS256")


def _one_line(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    shown = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(shown) == 1, [r.getMessage() for r in shown]
    assert shown[0].exc_info is None
    return shown[0]


@pytest.mark.parametrize(
    "authorization",
    ["Bearer {token}", "Bearer é", "Basic dGVzdDp0ZXN0"],
    ids=["botframework-token", "non-ascii", "basic"],
)
async def test_local_mode_ignores_an_authorization_header(
    make_teams: MakeTeams,
    connector: FakeBotConnector,
    keys_down: KeysDown,
    caplog: pytest.LogCaptureFixture,
    authorization: str,
) -> None:
    teams = await make_teams()
    caplog.clear()
    header = authorization.format(token=_channel_token("anyone"))
    answer = await teams.post(
        dm(teams.service_url, "ticket help"), headers={"Authorization": header}
    )
    await teams.settle()

    assert answer.status in (200, 201), answer
    assert keys_down.requests == 0
    assert len(teams.core_calls) == 1
    assert "Traceback" not in caplog.text


async def test_with_an_app_id_keys_that_cannot_be_fetched_are_a_503_with_one_line(
    make_teams: MakeTeams,
    connector: FakeBotConnector,
    keys_down: KeysDown,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app_id = str(uuid.uuid4())
    settings = TeamsSettings(
        microsoft_app_id=app_id, microsoft_app_password="pw", microsoft_app_tenant_id=TENANT
    )
    teams = await make_teams(teams=settings)
    caplog.clear()

    answer = await teams.post(
        dm(teams.service_url, "ticket help"),
        headers={"Authorization": f"Bearer {_channel_token(app_id)}"},
    )

    assert answer.status == 503, answer
    assert keys_down.requests >= 1
    assert "signing keys could not be read" in _one_line(caplog).getMessage()
    assert teams.core_calls == [] and connector.sent == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer é"}, {"Authorization": "Basic dGVzdDp0ZXN0"}],
    ids=["none", "non-ascii", "basic"],
)
async def test_with_an_app_id_a_request_without_a_usable_token_is_a_401_with_one_line(
    make_teams: MakeTeams,
    connector: FakeBotConnector,
    keys_down: KeysDown,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
) -> None:
    settings = TeamsSettings(
        microsoft_app_id=str(uuid.uuid4()),
        microsoft_app_password="pw",
        microsoft_app_tenant_id=TENANT,
    )
    teams = await make_teams(teams=settings)
    caplog.clear()

    answer = await teams.post(dm(teams.service_url, "ticket help"), headers=headers)

    assert answer.status == 401, answer
    assert _one_line(caplog).getMessage().startswith("Teams request refused")
    assert teams.core_calls == [] and connector.sent == []


async def test_one_activity_delivered_five_times_at_once_files_one_ticket(
    make_teams: MakeTeams, connector: FakeBotConnector
) -> None:
    teams = await make_teams()
    activity = dm(teams.service_url, "ticket new the projector flickers")

    answers = await asyncio.gather(*(teams.post(activity) for _ in range(5)))
    await teams.settle()

    assert all(answer.status in (200, 201) for answer in answers), answers
    assert len(teams.desk.list_open(teams.core_calls[0].user)) == 1
    (created,) = connector.messages()
    assert created.activity["summary"].startswith("Created ticket")
