"""Direct messages and mentions, through signed HTTP requests to the real server."""

from __future__ import annotations

import pytest

from core.intents import Classification, Intent
from core.messages import InboundMessage, UserRef
from core.tickets import Priority
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID
from tests.slack.harness import (
    ALICE,
    BOB,
    CHANNEL,
    DM,
    block_texts,
    channel_message,
    dm_event,
    mention_event,
)

pytestmark = pytest.mark.anyio

VPN = "the VPN drops every ten minutes"
SCRIPT = {
    VPN: Classification(Intent.CREATE_TICKET, title="VPN drops every ten minutes"),
    "how do I reset my password": Classification(Intent.QUESTION),
}
ALICE_REF = UserRef("slack", ALICE, "Alice Example", "alice@example.com")


async def test_a_direct_message_is_answered_in_the_dm_with_a_draft_card(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)

    reply = await slack.event(dm_event(VPN))
    await slack.settle()

    assert reply.status == 200
    (post,) = slack.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == DM
    assert "thread_ts" not in post.params or post.params["thread_ts"] is None
    assert "VPN drops every ten minutes" in post.params["text"]
    assert "Create ticket" in block_texts(post.params["blocks"])
    (event,) = slack.core_calls
    assert isinstance(event, InboundMessage)
    assert event.text == VPN
    assert event.conversation.platform == "slack"
    assert event.conversation.tenant_id == "T0000001"
    assert event.conversation.channel_id == DM
    assert event.user.email == "alice@example.com"
    assert event.user.display_name == "Alice Example"


async def test_a_mention_is_answered_in_its_thread_and_the_thread_continues(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    mention = mention_event(f"<@{BOT_USER_ID}> {VPN}", ts="1700005000.000100")

    await slack.event(mention)
    await slack.settle()
    await slack.event(
        mention_event(f"<@{BOT_USER_ID}> yes", ts="1700005001.000100", thread_ts=mention["ts"])
    )
    await slack.settle()

    first, second = slack.fake.calls_to("chat.postMessage")
    assert first.params["channel"] == CHANNEL
    assert first.params["thread_ts"] == mention["ts"]
    assert second.params["thread_ts"] == mention["ts"]
    # "yes" in the thread confirmed the draft of the same conversation.
    assert "Created ticket" in second.params["text"]
    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert ticket.title == "VPN drops every ten minutes"
    assert ticket.description == VPN
    one, two = slack.core_calls
    assert one.conversation == two.conversation
    assert one.conversation.thread_id == mention["ts"]
    assert isinstance(one, InboundMessage) and one.text == VPN  # the mention is stripped


async def test_messages_from_bots_edits_and_other_subtypes_are_ignored(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    ignored = [
        dm_event(VPN, bot_id=BOT_ID, user=BOT_USER_ID),  # the bot itself
        dm_event(VPN, user=BOT_USER_ID),
        dm_event(VPN, bot_id="BOTHER01", subtype="bot_message"),  # another bot
        dm_event(VPN, bot_id="BOTHER01"),
        {
            **dm_event(""),
            "subtype": "message_changed",
            "message": {"type": "message", "user": ALICE, "text": VPN, "ts": "1.1"},
        },
        {**dm_event(""), "subtype": "message_deleted", "deleted_ts": "1.1"},
        dm_event(VPN, subtype="channel_join"),
        {**dm_event(VPN), "channel_type": "channel"},  # not a DM
        {**mention_event(f"<@{BOT_USER_ID}> {VPN}"), "bot_id": "BOTHER01"},
    ]

    for event in ignored:
        reply = await slack.event(event)
        assert reply.status == 200
    await slack.settle()

    assert slack.core_calls == []
    assert slack.fake.posted() == []


async def test_the_email_comes_from_users_info_and_is_cached(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)

    for text in ("hello", "thanks", "bye"):
        await slack.event(dm_event(text))
        await slack.settle()

    assert len(slack.fake.calls_to("users.info")) == 1
    assert {e.user.email for e in slack.core_calls} == {"alice@example.com"}
    assert len(slack.fake.calls_to("chat.postMessage")) == 3


async def test_a_person_users_info_cannot_describe_still_gets_a_polite_answer(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    slack.fake.fail("users.info", "ratelimited")

    await slack.event(dm_event("ticket list"))
    await slack.settle()

    (event,) = slack.core_calls
    assert event.user.email is None
    (post,) = slack.fake.calls_to("chat.postMessage")
    assert post.params["text"]  # the core's explanation, whatever its words
    assert slack.desk.list_open(ALICE_REF) == []
    # Not cached: the next message asks again.
    await slack.event(dm_event("ticket list"))
    await slack.settle()
    assert len(slack.fake.calls_to("users.info")) == 2
    assert slack.core_calls[-1].user.email == "alice@example.com"


async def test_oversize_text_gets_the_cores_polite_answer(make_slack) -> None:
    slack = await make_slack(script=SCRIPT, max_message_chars=8000)

    await slack.event(dm_event("printer " * 2000))  # 16,000 characters
    await slack.settle()

    (post,) = slack.fake.calls_to("chat.postMessage")
    assert "very long" in post.params["text"]
    assert "8,000" in post.params["text"]
    assert slack.desk.list_open(ALICE_REF) == []


async def test_a_slow_answer_gets_a_private_working_on_it_first(make_slack) -> None:
    slack = await make_slack(script=SCRIPT, slow_reply_notice_seconds=0.0)

    await slack.event(mention_event(f"<@{BOT_USER_ID}> {VPN}", ts="1700006000.000100"))
    await slack.settle()

    methods = [m for m in slack.fake.methods() if m.startswith("chat.")]
    assert methods == ["chat.postEphemeral", "chat.postMessage"]
    (notice,) = slack.fake.calls_to("chat.postEphemeral")
    assert notice.params["text"] == "Working on it…"
    assert notice.params["user"] == ALICE
    assert notice.params["thread_ts"] == "1700006000.000100"


async def test_a_fast_answer_gets_no_working_on_it(make_slack) -> None:
    slack = await make_slack(script=SCRIPT, slow_reply_notice_seconds=60.0)

    await slack.event(dm_event(VPN))
    await slack.settle()

    assert slack.fake.calls_to("chat.postEphemeral") == []
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_another_persons_mention_in_the_thread_is_their_own_identity(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    start = mention_event(f"<@{BOT_USER_ID}> {VPN}", ts="1700007000.000100")
    await slack.event(start)
    await slack.settle()

    await slack.event(
        mention_event(f"<@{BOT_USER_ID}> ticket list", user=BOB, thread_ts=start["ts"])
    )
    await slack.settle()

    assert slack.core_calls[-1].user.email == "bob@example.com"
    assert slack.fake.calls_to("chat.postMessage")[-1].params["thread_ts"] == start["ts"]


async def test_priority_words_reach_the_core_unchanged(make_slack) -> None:
    script = {
        "urgent: the printer is on fire": Classification(
            Intent.CREATE_TICKET, title="Printer on fire", priority=Priority.CRITICAL
        )
    }
    slack = await make_slack(script=script)

    await slack.event(dm_event("urgent: the printer is on fire"))
    await slack.settle()

    post = slack.fake.calls_to("chat.postMessage")[-1]
    assert "Critical" in block_texts(post.params["blocks"])


async def test_a_typed_reply_in_the_thread_continues_the_conversation(make_slack) -> None:
    """The bot asks "Create it? (yes / no)" in the thread: a plain "yes" there (no mention)
    arrives as ``message.channels`` and confirms."""
    slack = await make_slack(script=SCRIPT)
    mention = mention_event(f"<@{BOT_USER_ID}> {VPN}", ts="1700008000.000100")
    await slack.event(mention)
    await slack.settle()

    reply = await slack.event(channel_message("yes", thread_ts=mention["ts"]))
    await slack.settle()

    assert reply.status == 200
    first, second = slack.fake.calls_to("chat.postMessage")
    assert "yes / no" in first.params["text"]
    assert second.params["channel"] == CHANNEL
    assert second.params["thread_ts"] == mention["ts"]
    assert "Created ticket" in second.params["text"]
    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert ticket.title == "VPN drops every ten minutes"
    one, two = slack.core_calls
    assert one.conversation == two.conversation
    assert isinstance(two, InboundMessage) and two.text == "yes"


async def test_a_reply_in_a_private_channel_thread_continues_it_too(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    mention = {**mention_event(f"<@{BOT_USER_ID}> {VPN}"), "channel": "GPRIVATE1"}
    await slack.event(mention)
    await slack.settle()

    await slack.event(
        channel_message("yes", thread_ts=mention["ts"], channel="GPRIVATE1", channel_type="group")
    )
    await slack.settle()

    assert len(slack.core_calls) == 2
    assert "Created ticket" in slack.fake.calls_to("chat.postMessage")[-1].params["text"]


async def test_channel_messages_outside_the_bots_threads_are_never_handled(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    mention = mention_event(f"<@{BOT_USER_ID}> {VPN}", ts="1700009000.000100")
    await slack.event(mention)
    await slack.settle()
    calls_before = list(slack.fake.calls)

    ignored = [
        channel_message(VPN),  # an ordinary channel message
        channel_message(VPN, ts="1700009100.000100", thread_ts="1700009100.000100"),  # a root
        channel_message("yes", thread_ts="1700009999.000100"),  # someone else's thread
        channel_message("yes", thread_ts=mention["ts"], channel="COTHER001"),  # same ts elsewhere
        channel_message("yes", thread_ts=mention["ts"], user=BOT_USER_ID),  # the bot itself
        channel_message("yes", thread_ts=mention["ts"], bot_id=BOT_ID, user=BOT_USER_ID),
        channel_message("yes", thread_ts=mention["ts"], bot_id="BOTHER01"),  # another bot
        channel_message("yes", thread_ts=mention["ts"], subtype="channel_join"),
    ]
    replies = [await slack.event(event) for event in ignored]
    await slack.settle()

    assert [r.status for r in replies] == [200] * len(ignored)
    assert len(slack.core_calls) == 1  # only the mention
    assert slack.fake.calls == calls_before  # not even users.info
    assert slack.desk.list_open(ALICE_REF) == []


async def test_a_mention_in_the_thread_is_handled_once_though_it_arrives_twice(
    make_slack,
) -> None:
    """Slack sends a mention in a channel as ``app_mention`` and as ``message.channels``."""
    slack = await make_slack(script=SCRIPT)
    mention = mention_event(f"<@{BOT_USER_ID}> {VPN}", ts="1700010000.000100")
    await slack.event(mention)
    await slack.settle()

    text, ts = f"<@{BOT_USER_ID}> yes", "1700010001.000100"
    await slack.event(mention_event(text, ts=ts, thread_ts=mention["ts"]))
    await slack.event(channel_message(text, ts=ts, thread_ts=mention["ts"]))
    await slack.settle()

    assert len(slack.core_calls) == 2
    assert len(slack.desk.list_open(ALICE_REF)) == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 2
