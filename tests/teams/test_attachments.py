"""Files sent to the bot in a Teams personal chat, through the real botbuilder path: a shared
file (``file.download.info``) is fetched from its pre-authorised link, a pasted image from the
connector; both are attached to the ticket, and what could not be attached is named."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bots.teams.package import build_manifest
from core.intents import Classification, Intent
from core.messages import InboundMessage, UserRef
from core.settings import TeamsSettings
from storage.models import LocalAttachmentRow
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
