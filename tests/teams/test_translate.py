"""Activities -> the core's events: mentions, where a conversation is, card submissions, event
ids and conversation references (pure functions, Teams-shaped JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.schema import Activity

from bots.teams import translate
from bots.teams.translate import Ignored, Inbound
from core import actions
from core.messages import ActionInvoked, InboundMessage, UserRef
from tests.teams.harness import ALICE, BOT, CHANNEL, TENANT, dm, mention
from tests.teams.proactive import reference_from_json

SERVICE = "http://127.0.0.1:1234/"
NOW = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)


def activity(data: dict[str, Any]) -> Activity:
    return Activity().deserialize(data)


def inbound(found: Inbound | Ignored) -> Inbound:
    assert isinstance(found, Inbound), found
    return found


def test_a_personal_message_becomes_an_inbound_message() -> None:
    raw = dm(SERVICE, "ticket status 48213")

    found = inbound(translate.from_message(activity(raw), NOW))
    event = found.to_event(UserRef("teams", ALICE["id"], "Alice", "alice@example.com"))

    assert isinstance(event, InboundMessage)
    assert event.text == "ticket status 48213"
    assert event.event_id.startswith("teams:") and event.event_id.endswith(":" + raw["id"])
    assert event.conversation.platform == "teams"
    assert event.conversation.tenant_id == TENANT
    assert event.conversation.channel_id == raw["conversation"]["id"]
    assert event.conversation.thread_id is None
    assert event.user.email == "alice@example.com"
    assert found.account_id == ALICE["id"]
    assert found.source_activity_id is None
    assert event.received_at.tzinfo is not None


def test_a_channel_mention_is_stripped_and_keyed_by_its_reply_chain() -> None:
    raw = mention(SERVICE, "ticket list", root="1700000000999")

    found = inbound(translate.from_message(activity(raw), NOW))

    assert found.text == "ticket list"
    assert found.conversation.channel_id == CHANNEL
    assert found.conversation.thread_id == "1700000000999"


def test_other_peoples_mentions_keep_their_names_and_entities_are_unescaped() -> None:
    raw = mention(SERVICE, "please help <at>Bob Example</at> &amp; me:\n  the   printer")
    raw["entities"].append(
        {"type": "mention", "mentioned": {"id": "29:bob", "name": "Bob Example"}, "text": "x"}
    )

    found = inbound(translate.from_message(activity(raw), NOW))

    assert found.text == "please help Bob Example & me:\nthe printer"


def test_a_mention_whose_entity_text_differs_is_still_stripped_by_name() -> None:
    raw = mention(SERVICE, "ticket list")
    raw["entities"] = [{"type": "mention", "mentioned": dict(BOT)}]

    assert inbound(translate.from_message(activity(raw), NOW)).text == "ticket list"


def test_a_channel_message_that_does_not_mention_the_bot_is_ignored() -> None:
    raw = mention(SERVICE, "hello")
    raw["text"] = "hello everyone"
    raw["entities"] = []

    found = translate.from_message(activity(raw), NOW)

    assert isinstance(found, Ignored)
    assert found.answer is None


def test_the_tenant_comes_from_channel_data_first() -> None:
    raw = dm(SERVICE, "hi")
    raw["channelData"] = {"tenant": {"id": "from-channel-data"}}

    assert translate.tenant_id(activity(raw)) == "from-channel-data"
    del raw["channelData"]
    assert translate.tenant_id(activity(raw)) == TENANT


def test_event_ids_are_scoped_to_their_conversation() -> None:
    one = dm(SERVICE, "hi")
    other = dm(SERVICE, "hi", conversation="a:1someone-else")
    other["id"] = one["id"]

    first = translate.event_id(activity(one))

    assert first == translate.event_id(activity(dict(one)))  # a redelivery: the same id
    assert first != translate.event_id(activity(other))


def test_a_submit_carries_the_action_its_values_and_the_typed_inputs() -> None:
    raw = dm(SERVICE, "")
    raw.update(
        text=None,
        replyToId="card-message-1",
        value={
            "action_id": actions.CREATE_CONFIRM,
            "values": {"draft_id": "d1", "title": "old title", "priority": "Medium", "n": 3},
            "title": "New title",
            "priority": "High",
            "unrelated": "ignored",
        },
    )

    found = inbound(translate.from_message(activity(raw), NOW))
    event = found.to_event(UserRef("teams", ALICE["id"]))

    assert isinstance(event, ActionInvoked)
    assert event.action_id == actions.CREATE_CONFIRM
    assert dict(event.values) == {
        "draft_id": "d1",
        "title": "New title",
        "priority": "High",
        "n": "3",
    }
    assert found.source_activity_id == "card-message-1"


@pytest.mark.parametrize(
    "value",
    [{}, {"values": {"ticket": "1"}}, {"action_id": 7}, {"action_id": "  "}, "a string", []],
)
def test_an_unreadable_submit_gets_a_polite_answer(value: object) -> None:
    raw = dm(SERVICE, "")
    raw["value"] = value

    found = translate.from_message(activity(raw), NOW)

    assert isinstance(found, Ignored)
    assert found.answer == translate.UNREADABLE_CARD


def test_an_execute_invoke_reads_the_data_and_falls_back_to_the_verb() -> None:
    raw = dm(SERVICE, "")
    raw.update(
        type="invoke",
        name="adaptiveCard/action",
        replyToId="card-message-2",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": actions.ADD_NOTE,
                "data": {"values": {"ticket": "48213"}, "note": "it also happens at home"},
            },
            "trigger": "manual",
        },
    )

    found = inbound(translate.from_execute(activity(raw), NOW))

    assert found.action_id == actions.ADD_NOTE
    assert dict(found.values) == {"ticket": "48213", "note": "it also happens at home"}
    assert found.source_activity_id == "card-message-2"
    raw["value"]["action"]["type"] = "Action.Submit"
    assert isinstance(translate.from_execute(activity(raw), NOW), Ignored)


def test_a_conversation_reference_survives_json_without_its_activity_id() -> None:
    raw = mention(SERVICE, "hi", root="1700000000500")

    ref = translate.conversation_ref(activity(raw))
    assert ref.delivery_ref is not None
    data = json.loads(ref.delivery_ref)
    reference = reference_from_json(ref.delivery_ref)

    assert "activityId" not in data
    assert reference.service_url == SERVICE
    assert reference.conversation.id == f"{CHANNEL};messageid=1700000000500"
    assert reference.bot.id == BOT["id"]
    assert reference.user.id == ALICE["id"]
    assert reference.conversation.tenant_id == TENANT
    # The same conversation gives the same reference from every message (no needless writes).
    again = translate.conversation_ref(activity(mention(SERVICE, "more", root="1700000000500")))
    assert again.delivery_ref == ref.delivery_ref


@pytest.mark.parametrize("raw", ["", "not json", "[]", '{"serviceUrl": "http://x/"}'])
def test_an_unusable_reference_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        reference_from_json(raw)


def test_personal_chats_are_told_apart_from_groups() -> None:
    assert translate.is_personal(activity(dm(SERVICE, "hi")))
    assert not translate.is_personal(activity(mention(SERVICE, "hi")))
    emulator = dm(SERVICE, "hi")
    emulator["conversation"] = {"id": "emulator-conversation"}
    assert translate.is_personal(activity(emulator))
    emulator["conversation"]["isGroup"] = True
    assert not translate.is_personal(activity(emulator))
