"""Files shared in a DM (``subtype: file_share``): the message is answered, and the files are
downloaded with the bot token from the fake Slack and attached to the ticket."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.intents import Classification, Intent
from core.messages import InboundMessage, UserRef
from storage.models import AttachmentRow, LocalAttachmentRow
from tests.fakes.slack_api import BOT_TOKEN
from tests.slack.harness import ALICE, SlackHarness, dm_event

pytestmark = pytest.mark.anyio

VPN = "VPN keeps dropping, screenshot attached"
SCRIPT = {VPN: Classification(Intent.CREATE_TICKET, title="VPN keeps dropping")}
ALICE_REF = UserRef("slack", ALICE, "Alice Example", "alice@example.com")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def file_share(text: str, *files: dict[str, Any]) -> dict[str, Any]:
    return dm_event(text, subtype="file_share", files=list(files), upload=False)


def texts(slack: SlackHarness) -> list[str]:
    return [str(call.params.get("text") or "") for call in slack.fake.posted()]


def attached_files(slack: SlackHarness) -> list[tuple[int, str, bytes]]:
    with slack.runtime.database.sessions() as session:
        rows = session.scalars(select(LocalAttachmentRow).order_by(LocalAttachmentRow.id)).all()
        return [(row.ticket_id, row.name, row.data) for row in rows]


async def test_a_screenshot_in_a_dm_is_attached_once_the_draft_is_confirmed(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    shot = slack.fake.add_file("F0SHOT01", "screenshot.png", PNG)

    reply = await slack.event(file_share(VPN, shot))
    await slack.settle()

    assert reply.status == 200
    (event,) = slack.core_calls
    assert isinstance(event, InboundMessage) and event.text == VPN
    (ref,) = event.attachments
    assert (ref.name, ref.content_type, ref.size, ref.problem) == (
        "screenshot.png",
        "image/png",
        len(PNG),
        "",
    )
    # Downloaded with the bot token (Slack answers a sign-in page without it).
    assert slack.fake.downloads == [("F0SHOT01", f"Bearer {BOT_TOKEN}")]
    draft, note = texts(slack)
    assert "VPN keeps dropping" in draft
    assert "I'll attach screenshot.png when you confirm" in note

    await slack.event(dm_event("yes"))
    await slack.settle()

    created, attached = texts(slack)[2:]
    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert created.startswith(f"Created ticket {ticket.number}")
    assert attached == f"Attached to ticket {ticket.number}: screenshot.png."
    assert attached_files(slack) == [(ticket.id, "screenshot.png", PNG)]
    with slack.runtime.database.sessions() as session:  # attached: no longer kept aside
        assert session.scalars(select(AttachmentRow)).all() == []


async def test_ticket_new_with_a_file_creates_then_attaches(make_slack) -> None:
    slack = await make_slack()
    log = slack.fake.add_file("F0LOG001", "vpn.log", b"tunnel down\n" * 50, "text/plain")

    await slack.event(file_share("ticket new VPN drops every ten minutes", log))
    await slack.settle()

    (ticket,) = slack.desk.list_open(ALICE_REF)
    created, attached = texts(slack)
    assert created.startswith(f"Created ticket {ticket.number}")
    assert attached == f"Attached to ticket {ticket.number}: vpn.log."
    assert attached_files(slack) == [(ticket.id, "vpn.log", b"tunnel down\n" * 50)]


async def test_a_file_over_the_limit_is_named_and_not_downloaded(make_slack) -> None:
    slack = await make_slack(attachment_max_bytes=1000)
    big = slack.fake.add_file("F0BIG001", "capture.mov", b"x" * 5000, "video/quicktime")
    shot = slack.fake.add_file("F0SHOT02", "screenshot.png", PNG[:500])

    await slack.event(file_share("ticket new VPN drops every ten minutes", big, shot))
    await slack.settle()

    assert [d[0] for d in slack.fake.downloads] == ["F0SHOT02"]
    (ticket,) = slack.desk.list_open(ALICE_REF)
    created, answer = texts(slack)
    assert created.startswith(f"Created ticket {ticket.number}")
    assert f"Attached to ticket {ticket.number}: screenshot.png." in answer
    assert "Not attached: capture.mov (it is 5 KB; the help desk takes files up to 1 KB)" in answer
    assert [name for _, name, _ in attached_files(slack)] == ["screenshot.png"]


async def test_a_failed_download_is_named_and_the_message_still_handled(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    gone = slack.fake.add_file("F0GONE01", "screenshot.png", PNG)
    del slack.fake.files["F0GONE01"]  # listed in the event, 404 at its URL

    await slack.event(file_share(VPN, gone))
    await slack.settle()

    draft, note = texts(slack)
    assert "VPN keeps dropping" in draft
    assert "I can't attach: screenshot.png (I couldn't download it from the chat service)" in note
    await slack.event(dm_event("yes"))
    await slack.settle()
    created, attached = texts(slack)[2:]
    assert created.startswith("Created ticket")
    assert "Not attached: screenshot.png (I couldn't download it" in attached
    assert attached_files(slack) == []


async def test_a_file_on_another_host_is_not_fetched_with_the_token(make_slack) -> None:
    slack = await make_slack()
    shot = slack.fake.add_file("F0SHOT03", "screenshot.png", PNG)
    shot["url_private_download"] = "https://evil.example/steal/screenshot.png"

    await slack.event(file_share("ticket new VPN drops", shot))
    await slack.settle()

    assert slack.fake.downloads == []
    created, answer = texts(slack)
    assert created.startswith("Created ticket")
    assert "Not attached: screenshot.png (I couldn't download it" in answer


async def test_a_file_with_no_words_gets_a_question_not_silence(make_slack) -> None:
    slack = await make_slack()
    shot = slack.fake.add_file("F0SHOT04", "screenshot.png", PNG)

    await slack.event(file_share("", shot))
    await slack.settle()

    (answer,) = texts(slack)
    assert "I got screenshot.png, but no words with it" in answer
    assert slack.desk.list_open(ALICE_REF) == []


async def test_a_file_described_only_by_id_is_looked_up_with_files_info(make_slack) -> None:
    slack = await make_slack()
    slack.fake.add_file("F0SHOT05", "screenshot.png", PNG)

    await slack.event(
        file_share("ticket new VPN drops", {"id": "F0SHOT05", "file_access": "check_file_info"})
    )
    await slack.settle()

    assert [c.params["file"] for c in slack.fake.calls_to("files.info")] == ["F0SHOT05"]
    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert attached_files(slack) == [(ticket.id, "screenshot.png", PNG)]


async def test_a_broken_download_step_still_answers_the_message(make_slack) -> None:
    slack = await make_slack()
    shot = slack.fake.add_file("F0SHOT06", "screenshot.png", PNG)

    async def broken(*_: object) -> None:
        raise RuntimeError("the download step broke (test)")

    assert slack.adapter.bot.files is not None
    slack.adapter.bot.files.take = broken

    await slack.event(file_share("ticket new VPN drops", shot))
    await slack.settle()

    (ticket,) = slack.desk.list_open(ALICE_REF)
    created, answer = texts(slack)
    assert created.startswith(f"Created ticket {ticket.number}")
    assert "Not attached: screenshot.png (I couldn't download it from the chat service)" in answer


async def test_blocked_types_and_files_past_the_count_are_named_not_fetched(make_slack) -> None:
    slack = await make_slack(attachment_max_count=2)
    tool = slack.fake.add_file("F0EXE001", "fix-vpn.EXE", b"MZ" * 10, "application/x-msdownload")
    one = slack.fake.add_file("F0ONE001", "one.png", PNG)
    two = slack.fake.add_file("F0TWO001", "two.png", PNG)

    await slack.event(file_share("ticket new VPN drops", tool, one, two))
    await slack.settle()

    assert [file_id for file_id, _ in slack.fake.downloads] == ["F0ONE001"]
    (ticket,) = slack.desk.list_open(ALICE_REF)
    _, answer = texts(slack)
    assert f"Attached to ticket {ticket.number}: one.png." in answer
    assert "fix-vpn.EXE (.exe files aren't accepted by the help desk)" in answer
    assert "two.png (I take at most 2 files per message)" in answer
