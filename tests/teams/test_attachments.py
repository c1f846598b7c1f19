"""Files sent to the bot in a Teams personal chat, through the real botbuilder path: a shared
file (``file.download.info``) is fetched from its pre-authorised link, a pasted image from the
connector; both are attached to the ticket, and what could not be attached is named."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, Attachment
from botframework.connector.auth import AppCredentials
from sqlalchemy import select

from bots.attachments import FileIntake
from bots.teams.files import TeamsFiles, files_of
from bots.teams.package import build_manifest
from core.attachments import AttachmentPolicy
from core.intents import Classification, Intent
from core.messages import InboundMessage, UserRef
from core.settings import TeamsSettings
from storage.models import LocalAttachmentRow
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams.harness import ALICE, TeamsHarness, dm

pytestmark = pytest.mark.anyio

VPN = "VPN keeps dropping, screenshot attached"
SCRIPT = {VPN: Classification(Intent.CREATE_TICKET, title="VPN keeps dropping")}
ALICE_REF = UserRef("teams", str(ALICE["id"]), "Alice Example", "alice@example.com")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"


def shared_file(name: str, download_url: str) -> dict[str, Any]:
    """How Teams describes a file shared in a personal chat with a bot (supportsFiles)."""
    return {
        "contentType": DOWNLOAD_INFO,
        "contentUrl": f"https://contoso-my.sharepoint.com/personal/alice/Documents/{name}",
        "name": name,
        "content": {
            "downloadUrl": download_url,
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
            "fileType": name.rsplit(".", 1)[-1],
        },
    }


def with_files(harness: TeamsHarness, text: str, *files: dict[str, Any]) -> dict[str, Any]:
    activity = dm(harness.service_url, text)
    # Teams adds the message's own HTML copy; it is not a file.
    activity["attachments"] = [*files, {"contentType": "text/html", "content": f"<p>{text}</p>"}]
    return activity


def texts(harness: TeamsHarness) -> list[str]:
    """What each message said: its text, or its card's text."""
    return [sent.text or json.dumps(sent.cards) for sent in harness.fake.messages()]


def attached_files(harness: TeamsHarness) -> list[tuple[int, str, bytes]]:
    with harness.runtime.database.sessions() as session:
        rows = session.scalars(select(LocalAttachmentRow).order_by(LocalAttachmentRow.id)).all()
        return [(row.ticket_id, row.name, row.data) for row in rows]


async def test_a_file_in_a_personal_chat_is_attached_once_the_draft_is_confirmed(
    make_teams,
) -> None:
    teams = await make_teams(script=SCRIPT)
    url = teams.fake.add_file("screenshot.png", PNG)

    answer = await teams.say(with_files(teams, VPN, shared_file("screenshot.png", url)))

    assert answer.status in (200, 201)
    (event,) = teams.core_calls
    assert isinstance(event, InboundMessage) and event.text == VPN
    (ref,) = event.attachments
    assert (ref.name, ref.content_type, ref.size) == ("screenshot.png", "image/png", len(PNG))
    # The link is pre-authorised: the bot's token never goes with it.
    assert teams.fake.downloads == [(urlsplit(url).path, None)]
    draft, note = texts(teams)
    assert "VPN keeps dropping" in draft
    assert "I'll attach screenshot.png when you confirm" in note

    await teams.say(dm(teams.service_url, "yes"))

    created, attached = texts(teams)[2:]
    (ticket,) = teams.desk.list_open(ALICE_REF)
    assert f"Created ticket {ticket.number}" in created
    assert attached == f"Attached to ticket {ticket.number}: screenshot.png."
    assert attached_files(teams) == [(ticket.id, "screenshot.png", PNG)]


async def test_a_pasted_image_is_fetched_from_the_connector(make_teams) -> None:
    teams = await make_teams()
    content_url = teams.fake.add_image("0-wus-d1-abc", PNG)
    image = {"contentType": "image/*", "contentUrl": content_url}

    await teams.say(with_files(teams, "ticket new VPN drops every ten minutes", image))

    (ticket,) = teams.desk.list_open(ALICE_REF)
    created, attached = texts(teams)
    assert f"Created ticket {ticket.number}" in created
    assert attached == f"Attached to ticket {ticket.number}: image.png."
    assert attached_files(teams) == [(ticket.id, "image.png", PNG)]
    assert [path for path, _ in teams.fake.downloads] == [urlsplit(content_url).path]


async def test_too_big_and_unreachable_files_are_named_and_the_ticket_still_filed(
    make_teams,
) -> None:
    teams = await make_teams(attachment_max_bytes=1000)
    big = teams.fake.add_file("capture.mov", b"x" * 5000, "video/quicktime")
    gone = teams.fake.add_file("notes.txt", b"gone", "text/plain")
    del teams.fake.files[urlsplit(gone).path]  # its link now answers 404
    await teams.say(
        with_files(
            teams,
            "ticket new VPN drops every ten minutes",
            shared_file("capture.mov", big),
            shared_file("notes.txt", gone),
        )
    )

    (ticket,) = teams.desk.list_open(ALICE_REF)
    created, answer = texts(teams)
    assert f"Created ticket {ticket.number}" in created
    assert "capture.mov (it is 5 KB; the help desk takes files up to 1 KB)" in answer
    assert "notes.txt (I couldn't download it from the chat service)" in answer
    assert attached_files(teams) == []


def test_the_app_package_lets_personal_chats_send_files() -> None:
    # Without supportsFiles, Teams offers no attach button in the personal chat with the bot.
    manifest = build_manifest(
        TeamsSettings(
            microsoft_app_id="00000000-0000-0000-0000-000000000001",
            teams_website_url="https://helpdesk.example.com/",
        )
    )
    (bot,) = manifest["bots"]
    assert bot["supportsFiles"] is True
    assert "personal" in bot["scopes"]


class _Credentials(AppCredentials):  # type: ignore[misc]
    """The bot's credentials as the connector client holds them (no call to Entra ID)."""

    def get_access_token(self, force_refresh: bool = False) -> str:
        return "bot-token-for-the-connector"


async def test_the_bot_token_goes_to_the_connector_only(connector: FakeBotConnector) -> None:
    image_url = connector.add_image("0-wus-d1-xyz", PNG)
    link = connector.add_file("notes.txt", b"notes", "text/plain")
    activity = Activity(
        type="message",
        service_url=connector.service_url,
        attachments=[
            Attachment(content_type="image/*", content_url=image_url),
            Attachment(
                content_type=DOWNLOAD_INFO,
                name="notes.txt",
                content={"downloadUrl": link, "fileType": "txt"},
            ),
            # The same image, but at another origin than the activity's serviceUrl.
            Attachment(
                content_type="image/png", content_url=image_url.replace("127.0.0.1", "localhost")
            ),
        ],
    )
    turn = TurnContext(TestAdapter(), activity)
    client = SimpleNamespace(config=SimpleNamespace(credentials=_Credentials(app_id="app-1")))
    turn.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY] = client
    saved: list[tuple[str, str, bytes]] = []

    async def save(owner: str, name: str, content_type: str, data: bytes) -> str:
        saved.append((owner, name, data))
        return f"id-{len(saved)}"

    files = TeamsFiles(FileIntake(AttachmentPolicy(), save))
    refs = await files.take(turn, files_of(activity), "teams:29:alice")

    image = urlsplit(image_url).path
    assert connector.downloads == [
        (image, "Bearer bot-token-for-the-connector"),
        (urlsplit(link).path, None),  # a pre-authorised link: never the token
        (image, None),  # not the connector the activity came from: never the token
    ]
    assert [(r.id, r.name, r.size) for r in refs] == [
        ("id-1", "image.png", len(PNG)),
        ("id-2", "notes.txt", 5),
        ("id-3", "image.png", len(PNG)),
    ]
    assert {owner for owner, _, _ in saved} == {"teams:29:alice"}
