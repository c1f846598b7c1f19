"""The prompt: fixed rules, knowledge entries, a history that never outgrows its budget."""

from __future__ import annotations

from core.intents import Intent
from core.llm.prompt import MAX_TURN_CHARS, build_prompt, estimate_tokens, message_tokens
from core.llm.schema import LlmAnswer, strict_response_format
from core.ports import KnowledgeEntry
from tests.llm.conftest import bot, user

ENTRY = KnowledgeEntry("vpn", "How do I connect to the VPN?", "Use the VPN client.", ("vpn",))


def test_estimate_tokens_is_deterministic_and_counts_non_latin_densely() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd" * 10) == 10
    assert estimate_tokens("打印机坏了") == 5


def test_system_prompt_lists_entries_and_every_intent() -> None:
    prompt = build_prompt("vpn?", [], [ENTRY], history_budget_tokens=100)
    system = prompt.messages[0]["content"]
    assert "[vpn] Q: How do I connect to the VPN?" in system
    assert "A: Use the VPN client." in system
    for intent in Intent:
        assert f"- {intent.value}:" in system


def test_prompt_size_stays_flat_as_the_conversation_grows() -> None:
    def size(turns: int) -> int:
        history = []
        for n in range(turns):
            history += [user(f"message {n} " * 10), bot(f"answer {n} " * 10)]
        return build_prompt(
            "and now?", history, [ENTRY], history_budget_tokens=400
        ).estimated_tokens

    system_and_message = size(0)
    for turns in (50, 200):  # the history part is capped by the budget, however long the chat
        assert 300 < size(turns) - system_and_message <= 400


def test_history_messages_are_within_budget_and_long_turns_are_cut() -> None:
    history = [user("x" * 10_000), bot("short answer")]
    prompt = build_prompt("next", history, [], history_budget_tokens=2_000)
    past = prompt.messages[1:-1]
    assert len(past[0]["content"]) == MAX_TURN_CHARS
    assert prompt.history_tokens == sum(message_tokens(m) for m in past) <= 2_000


def test_the_current_message_is_not_sent_twice() -> None:
    prompt = build_prompt(
        "printer broken", [bot("hi"), user("printer broken")], [], history_budget_tokens=500
    )
    assert [m["role"] for m in prompt.messages] == ["system", "assistant", "user"]


def test_zero_budget_sends_no_history() -> None:
    prompt = build_prompt("hello", [user("a"), bot("b")], [], history_budget_tokens=0)
    assert [m["role"] for m in prompt.messages] == ["system", "user"]


def test_schema_and_intents_agree() -> None:
    schema = strict_response_format()["json_schema"]["schema"]
    assert set(schema["properties"]["intent"]["enum"]) == {i.value for i in Intent}
    assert (
        LlmAnswer.model_validate(
            {
                "intent": "Create Ticket",
                "ticket": None,
                "title": "t",
                "description": None,
                "priority": "p1",
                "reply": None,
            }
        ).priority
        == "Critical"
    )
