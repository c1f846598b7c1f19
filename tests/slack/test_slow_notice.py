"""The "Working on it…" note goes out only when an answer is late, counted from the message's
arrival; and every post to Slack goes over the process's pooled connections.

The note's timer is the bot's ``late`` function: here a timer the test fires itself, and a core
held back by the test, so that nothing depends on how fast this machine is."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest

from core.intents import Classification, Intent
from core.ports import Turn
from tests.slack.harness import DM, SlackHarness, dm_event

pytestmark = pytest.mark.anyio

VPN = "the VPN drops every ten minutes"
SCRIPT = {VPN: Classification(Intent.CREATE_TICKET, title="VPN drops every ten minutes")}


class Timer:
    """The bot's ``late``: records how long it was asked to wait and returns when fired."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self.fired = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self.fired.wait()


class HeldClassifier:
    """The scripted classifier, held until the test lets it answer."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.go = threading.Event()

    def classify(self, text: str, history: Sequence[Turn] = ()) -> Classification:
        self.go.wait(timeout=30)  # bounded: a failing test must not hang the run
        return self.inner.classify(text, history)  # type: ignore[attr-defined, no-any-return]


def running_late(slack: SlackHarness, seconds: float) -> Timer:
    """The bot's clock ``seconds`` ahead of the listeners' (the person has waited that long
    before the core is asked), and its timer under the test's control."""
    bot = slack.adapter.bot
    listeners_clock: Callable[[], datetime] = bot.clock
    bot.clock = lambda: listeners_clock() + timedelta(seconds=seconds)
    timer = Timer()
    bot.late = timer
    return timer


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(3000):  # bounded
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met")


async def test_an_answer_in_time_gets_no_note_and_the_wait_counts_from_arrival(
    make_slack,
) -> None:
    slack = await make_slack(script=SCRIPT, slow_reply_notice_seconds=4.0)
    timer = running_late(slack, 3.0)

    await slack.event(dm_event(VPN))
    await slack.settle()

    # 3 of the 4 seconds went before the core was asked: the note would be due 1 s later.
    assert timer.asked == [pytest.approx(1.0, abs=0.5)]
    assert slack.fake.calls_to("chat.postEphemeral") == []
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_a_message_that_waited_past_the_threshold_is_noted_at_once(make_slack) -> None:
    slack = await make_slack(script=SCRIPT, slow_reply_notice_seconds=4.0)
    timer = running_late(slack, 10.0)

    await slack.event(dm_event(VPN))
    await slack.settle()

    assert timer.asked == [0.0]


async def test_a_late_answer_is_noted_first_and_then_posted(make_slack) -> None:
    slack = await make_slack(script=SCRIPT, slow_reply_notice_seconds=4.0)
    timer = running_late(slack, 0.0)
    held = HeldClassifier(slack.classifier)
    slack.runtime.assistant.classifier = held
    try:
        await slack.event(dm_event(VPN))
        await until(lambda: bool(timer.asked))
        assert slack.fake.posted() == []  # not late yet: nothing said

        timer.fired.set()  # four seconds have passed without an answer
        await until(lambda: bool(slack.fake.calls_to("chat.postEphemeral")))
        assert slack.fake.calls_to("chat.postMessage") == []
    finally:
        held.go.set()
    await slack.settle()

    methods = [m for m in slack.fake.methods() if m.startswith("chat.")]
    assert methods == ["chat.postEphemeral", "chat.postMessage"]
    (note,) = slack.fake.calls_to("chat.postEphemeral")
    assert note.params["text"] == "Working on it…"
    assert note.params["channel"] == DM


async def test_posts_reuse_one_pooled_connection_until_shutdown(make_slack) -> None:
    slack = await make_slack(script=SCRIPT)
    session = slack.adapter.bot.client.session
    assert session is not None and not session.closed

    for n in range(3):
        await slack.event(dm_event(f"{VPN} {n}"))
        await slack.settle()
    await slack.command("list")
    await slack.settle()

    assert len(slack.fake.calls_to("chat.postMessage")) == 3
    assert len(slack.fake.responses) == 1
    # Every Web API call and the response_url post came over the same kept-alive connection.
    assert len(set(slack.fake.peers)) == 1

    await slack.web_runner.cleanup()
    assert session.closed and slack.adapter.bot.client.session is None
