"""``ticketbot classify`` reads through the LLM when one is configured (same evaluation)."""

from __future__ import annotations

import json

from tests.fakes.openai_server import FakeOpenAIServer, answer, error


def test_classify_uses_the_llm_when_configured(
    server: FakeOpenAIServer, monkeypatch, tmp_path, capsys
) -> None:
    from bots.__main__ import main

    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("TICKETBOT_LLM_MODEL", "test-model")
    monkeypatch.setenv("TICKETBOT_LLM_MAX_RETRIES", "0")
    lines = tmp_path / "messages.jsonl"
    lines.write_text(
        "\n".join(
            json.dumps(item)
            for item in (
                {"id": 1, "text": "Mein Drucker druckt nur noch leere Seiten, bitte dringend"},
                {"id": 2, "text": "wie steht es um T20251104.0031?"},
                {"id": 3, "text": "hello"},
            )
        ),
        encoding="utf-8",
    )
    server.push(
        answer(intent="create_ticket", title="Drucker druckt leere Seiten", priority="High"),
        answer(intent="ticket_status", ticket="T20251104.0031"),
        error(500, "down"),
    )

    assert main(["classify", str(lines)]) == 0

    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0] == {
        "id": 1,
        "intent": "create_ticket",
        "ticket": None,
        "priority": "High",
        "title": "Drucker druckt leere Seiten",
    }
    assert (out[1]["intent"], out[1]["ticket"]) == ("ticket_status", "T20251104.0031")
    assert out[2]["id"] == 3 and out[2]["intent"]  # the offline reading after the 500
    requests = server.chat_requests()
    assert [r.body["model"] for r in requests] == ["test-model"] * 3
    assert requests[0].messages[-1]["content"].startswith("Mein Drucker")
