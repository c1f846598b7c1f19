"""Payload -> event translation and value packing, on their own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bots.slack.destination import Destination, actions_block_id, private_key
from bots.slack.packing import Stash, pack, unpack
from bots.slack.translate import (
    action_destination,
    clean_text,
    from_app_mention,
    from_message_event,
    from_message_shortcut,
    from_slash_command,
    view_state_values,
)
from core.messages import ActionInvoked, InboundMessage, UserRef
from tests.slack.harness import (
    ALICE,
    CHANNEL,
    DM,
    block_actions,
    command_form,
    dm_event,
    event_body,
    mention_event,
    message_action,
)

NOW = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
BOT = "UBOT0001"
ALICE_REF = UserRef("slack", ALICE, "Alice", "alice@example.com")
BUTTON = {"action_id": "ticket.refresh~1", "text": {"type": "plain_text", "text": "R"}}


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        (f"<@{BOT}> my printer", "my printer"),
        (f"<@{BOT}|ticketbot> status 48213", "status 48213"),
        ("ask <@U123|bob> about it", "ask @bob about it"),
        ("see <#C123|general>", "see #general"),
        ("<!here> VPN down", "@here VPN down"),
        ("mail <mailto:a@example.com|a@example.com>", "mail a@example.com"),
        ("log at <https://x.example/l|the log>", "log at the log (https://x.example/l)"),
        ("<https://x.example/l>", "https://x.example/l"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
    ],
)
def test_clean_text(raw: str, plain: str) -> None:
    assert clean_text(raw, BOT) == plain


def test_a_dm_becomes_an_inbound_message_in_the_dm_conversation() -> None:
    body = event_body(dm_event("hello"), event_id="Ev1")
    inbound = from_message_event(body, BOT, NOW)
    assert inbound is not None
    event = inbound.to_event(ALICE_REF)
    assert isinstance(event, InboundMessage)
    assert event.event_id == "Ev1"
    assert (event.conversation.tenant_id, event.conversation.channel_id) == ("T0000001", DM)
    assert event.conversation.thread_id is None
    assert event.text == "hello" and event.received_at == NOW


def test_a_dm_in_a_thread_is_that_threads_conversation() -> None:
    body = event_body(dm_event("more", thread_ts="1700000000.000100"))
    inbound = from_message_event(body, BOT, NOW)
    assert inbound is not None
    assert inbound.destination.thread_ts == "1700000000.000100"
    assert inbound.destination.conversation().thread_id == "1700000000.000100"


def test_a_mention_starts_a_thread_on_itself() -> None:
    body = event_body(mention_event(f"<@{BOT}> help", ts="1700000001.000100"))
    inbound = from_app_mention(body, BOT, NOW)
    assert inbound is not None
    assert inbound.text == "help"
    assert inbound.destination.thread_ts == "1700000001.000100"
    assert inbound.destination.channel_id == CHANNEL


def test_a_slash_command_is_the_grammar_text_on_the_persons_private_surface() -> None:
    form = command_form("status 48213", response_url="https://hooks.example/r", trigger_id="t1")
    inbound = from_slash_command(form, NOW)
    assert inbound.event_id == "t1"
    assert inbound.text == "/ticket status 48213"
    assert inbound.destination.response_url == "https://hooks.example/r"
    assert inbound.destination.conversation_key == private_key(ALICE)


def test_the_shortcut_carries_the_message_text_as_the_description() -> None:
    payload = message_action("disk &lt;full&gt;", response_url="https://hooks.example/r")
    event = from_message_shortcut(payload, "ticket.new", NOW).to_event(ALICE_REF)
    assert isinstance(event, ActionInvoked)
    assert event.event_id == payload["trigger_id"]
    assert dict(event.values) == {"description": "disk <full>"}


def test_a_click_on_a_message_in_a_thread_answers_in_that_thread() -> None:
    payload = block_actions(
        BUTTON, block_id="ticketbot.actions.0", message_ts="2.0", thread_ts="1.0"
    )
    where = action_destination(payload, "ticketbot.actions.0")
    assert (where.channel_id, where.thread_ts, where.conversation_key) == (DM, "1.0", "1.0")
    assert (where.source_ts, where.source_ephemeral, where.response_url) == ("2.0", False, None)


def test_a_click_on_an_ephemeral_card_finds_its_conversation_in_the_block_id() -> None:
    block_id = actions_block_id(0, "1700000001.000100")
    payload = block_actions(
        BUTTON,
        block_id=block_id,
        channel=CHANNEL,
        message_ts="3.0",
        ephemeral=True,
        response_url="https://hooks.example/r",
    )
    where = action_destination(payload, block_id)
    assert where.conversation_key == "1700000001.000100"
    assert where.thread_ts == "1700000001.000100"
    assert where.response_url == "https://hooks.example/r" and where.source_ephemeral

    private = actions_block_id(0, private_key(ALICE))
    where = action_destination({**payload}, private)
    assert where.conversation_key == private_key(ALICE) and where.thread_ts is None


def test_a_click_in_app_home_has_no_channel_yet() -> None:
    where = action_destination(block_actions(BUTTON, block_id="b", home=True), "b")
    assert where.from_home and where.channel_id is None
    with pytest.raises(ValueError):
        where.conversation()


def test_view_state_values_read_text_and_selects() -> None:
    view = {
        "state": {
            "values": {
                "input.title": {"value": {"type": "plain_text_input", "value": "Printer"}},
                "input.note": {"value": {"type": "plain_text_input", "value": None}},
                "input.priority": {
                    "value": {"type": "static_select", "selected_option": {"value": "High"}}
                },
                "other": {"x": {"value": "ignored"}},
            }
        }
    }
    assert view_state_values(view) == {"title": "Printer", "note": "", "priority": "High"}


def test_destinations_survive_private_metadata() -> None:
    where = Destination(
        team_id="T1",
        user_id="U1",
        channel_id="C1",
        thread_ts="1.0",
        conversation_key="1.0",
        response_url="https://hooks.example/r",
        source_ts="2.0",
        source_ephemeral=True,
        from_home=False,
    )
    assert Destination.from_compact(where.compact()) == where


def test_pack_keeps_small_values_inline_and_parks_large_ones() -> None:
    stash = Stash()
    small = pack({"ticket": "48213"}, stash, limit=2000)
    assert len(stash) == 0
    assert unpack(small, stash).values == {"ticket": "48213"}

    big = {"draft_id": "d1", "description": "é" * 5000, "notes": "n" * 1500}
    packed = pack(big, stash, limit=2000, extra={"action": "x"})
    assert len(packed) <= 2000
    restored = unpack(packed, stash)
    assert restored.values == big and restored.extra == {"action": "x"} and restored.missing == ()
    lost = unpack(packed, Stash())
    assert lost.values == {"draft_id": "d1", "notes": "n" * 1500}
    assert lost.missing == ("description",)


def test_the_stash_expires_and_is_bounded() -> None:
    now = [0.0]
    stash = Stash(max_entries=2, ttl_seconds=10, clock=lambda: now[0])
    first = stash.put({"a": "1"})
    second = stash.put({"b": "2"})
    third = stash.put({"c": "3"})
    assert stash.get(first) is None  # evicted, oldest first
    assert stash.get(second) == {"b": "2"}
    now[0] = 11
    assert stash.get(third) is None


def test_unpack_refuses_what_it_did_not_write() -> None:
    for raw in ("", "hello", "[]", '{"x": 1}'):
        with pytest.raises(ValueError):
            unpack(raw, Stash())
