"""The LLM prompt's size as a conversation grows, and LLM calls per kind of message.

Runs a scripted conversation through the real composition (``build_runtime``: SQLite history,
local desk, the LLM classifier with the rules as fallback) against a loopback
OpenAI-compatible server, and prints:

- the estimated prompt tokens sent at free-text turn 1 and turn 50 (and the history part,
  which must stay within ``TICKETBOT_LLM_HISTORY_TOKENS``);
- LLM requests per message: 1 for free text, 0 for commands and for card actions.

    python -m bench.llm_prompt_bench [--turns 50] [--budget 1500]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.targets import Targets
from bots.composition import build_runtime
from core import actions
from core.llm.prompt import message_tokens
from core.messages import ActionInvoked, ConversationRef, InboundMessage, Reply, UserRef
from core.settings import LlmSettings, Settings, TicketbotSettings
from tests.fakes.openai_server import FakeOpenAIServer, Scripted, answer

PERSON = UserRef("console", "bench", "Bench Person", "bench@example.com")
WHERE = ConversationRef("console", "local", "bench")

REPORTS = (
    "my second monitor flickers whenever I move the cable, it started after the dock update",
    "Outlook keeps asking for my password every ten minutes since this morning",
    "the printer on floor 3 jams on every double-sided job",
    "I need access to the finance share for the quarterly close, my manager approved it",
)


@dataclass
class Sent:
    tokens: int
    system_tokens: int
    history_tokens: int
    history_turns: int
    message_tokens: int


def _find(replies: list[Reply], action_id: str) -> dict[str, str] | None:
    for reply in replies:
        for candidate in reply.card.actions if reply.card else ():
            if candidate.action_id == action_id:
                return dict(candidate.values)
    return None


def _script(turn: int, last_ticket: str | None) -> tuple[str, Scripted]:
    """The person's free-text message for ``turn`` and the model's scripted reading of it."""
    kind = turn % 4
    if kind == 0 or last_ticket is None:
        text = REPORTS[(turn // 4) % len(REPORTS)]
        return text, answer(intent="create_ticket", title=text[:60], priority="Medium")
    if kind == 1:
        return "any news on that one?", answer(intent="ticket_status", ticket=f"#{last_ticket}")
    if kind == 2:
        return "when is the help desk open?", answer(
            intent="question", reply="Monday to Friday, 8:00 to 18:00."
        )
    return "thanks, that helps", answer(intent="smalltalk", reply="You're welcome!")


def run(turns: int, budget: int, history_turns: int) -> int:
    server = FakeOpenAIServer().start()
    tmp = tempfile.TemporaryDirectory()
    now = datetime.now(UTC)
    settings = Settings(
        bot=TicketbotSettings(
            _env_file=None,
            database_url=f"sqlite:///{Path(tmp.name) / 'b.db'}",
            # The clock stands still here, so per-person rate limits would never refill.
            rate_user_capacity=1_000_000.0,
            # Hand the classifier the whole conversation: the token budget alone must bound it.
            history_turns=history_turns,
        ),
        llm=LlmSettings(
            _env_file=None,
            openai_base_url=server.base_url,
            openai_api_key="bench-key",
            ticketbot_llm_model="bench-model",
            ticketbot_llm_max_retries=0,
            ticketbot_llm_history_tokens=budget,
        ),
    )
    runtime = build_runtime(settings, clock=lambda: now)
    ids = itertools.count(1)
    calls: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    sent: list[Sent] = []
    last_ticket: str | None = None

    def handle(kind: str, event: InboundMessage | ActionInvoked) -> list[Reply]:
        before = len(server.chat_requests())
        replies = runtime.assistant.handle(event)
        calls[kind] += len(server.chat_requests()) - before
        counts[kind] += 1
        return replies

    def say(kind: str, text: str) -> list[Reply]:
        return handle(kind, InboundMessage(f"e{next(ids)}", WHERE, PERSON, text, now))

    try:
        for turn in range(turns):
            text, scripted = _script(turn, last_ticket)
            server.push(scripted)
            replies = say("free text", text)
            messages = server.chat_requests()[-1].messages
            history = messages[1:-1]
            sent.append(
                Sent(
                    tokens=sum(message_tokens(m) for m in messages),
                    system_tokens=message_tokens(messages[0]),
                    history_tokens=sum(message_tokens(m) for m in history),
                    history_turns=len(history),
                    message_tokens=message_tokens(messages[-1]),
                )
            )
            draft = _find(replies, actions.CREATE_CONFIRM)
            if draft is not None:
                created = handle(
                    "card actions",
                    ActionInvoked(f"e{next(ids)}", WHERE, PERSON, actions.CREATE_CONFIRM, draft),
                )
                refresh = _find(created, actions.REFRESH)
                last_ticket = refresh["ticket"] if refresh else last_ticket
            if turn % 3 == 2:
                say("commands", "ticket list")
            if turn % 5 == 4 and last_ticket:
                say("commands", f"ticket status {last_ticket}")
    finally:
        runtime.close()
        server.stop()
        tmp.cleanup()

    print(
        f"LLM prompt size (estimated tokens; history budget {budget} tokens and at most "
        f"{settings.bot.history_turns} turns, TICKETBOT_HISTORY_TURNS)"
    )
    for number in sorted({1, min(50, turns), turns}):
        s = sent[number - 1]
        print(
            f"  turn {number:>3}: {s.tokens:>5} tokens = system {s.system_tokens} + history "
            f"{s.history_tokens} ({s.history_turns} turns) + message {s.message_tokens}"
        )
    targets = Targets()
    worst = max(s.history_tokens for s in sent)
    targets.at_most("largest history part", worst, budget, "tokens")
    print(f"LLM calls per message over {sum(counts.values())} events")
    for kind, expected in (("free text", 1), ("commands", 0), ("card actions", 0)):
        per = calls[kind] / counts[kind] if counts[kind] else 0.0
        print(f"  {kind:<13} {counts[kind]:>4} events {calls[kind]:>4} calls  {per:.2f} per event")
        targets.holds(f"LLM calls per {kind}", per == expected, f"{per:.2f} (target {expected})")
    return 0 if targets.verdict() else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=50, help="free-text messages (default 50)")
    parser.add_argument("--budget", type=int, default=1500, help="history token budget")
    parser.add_argument(
        "--history-turns", type=int, default=1000, help="turns the assistant loads (default 1000)"
    )
    args = parser.parse_args()
    return run(max(args.turns, 1), args.budget, args.history_turns)


if __name__ == "__main__":
    raise SystemExit(main())
