"""Fixtures: a loopback OpenAI-compatible server and an LlmClassifier built from settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from core.intents import Classification, Intent
from core.knowledge import YamlKnowledgeBase
from core.llm.classifier import LlmClassifier
from core.ports import Turn
from core.settings import DEFAULT_KNOWLEDGE_FILE, LlmSettings
from tests.fakes.openai_server import FakeOpenAIServer

T0 = datetime(2025, 11, 4, 9, 0, tzinfo=UTC)


@dataclass
class RecordingRules:
    """Stands in for the offline classifier: answers smalltalk and records each call."""

    calls: list[tuple[str, tuple[Turn, ...]]] = field(default_factory=list)

    def classify(self, text: str, history: Sequence[Turn] = ()) -> Classification:
        self.calls.append((text, tuple(history)))
        return Classification(Intent.SMALLTALK, reply="offline reading")


def llm_settings(base_url: str, **overrides: Any) -> LlmSettings:
    values: dict[str, Any] = {
        "openai_base_url": base_url,
        "openai_api_key": "test-key",
        "ticketbot_llm_model": "test-model",
        "ticketbot_llm_timeout_seconds": 5.0,
        "ticketbot_llm_max_retries": 0,
        **overrides,
    }
    return LlmSettings(_env_file=None, **values)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    fake = FakeOpenAIServer().start()
    yield fake
    fake.stop()


@pytest.fixture
def knowledge() -> YamlKnowledgeBase:
    return YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE)


@pytest.fixture
def rules() -> RecordingRules:
    return RecordingRules()


MakeClassifier = Callable[..., LlmClassifier]


@pytest.fixture
def make_classifier(
    server: FakeOpenAIServer, rules: RecordingRules, knowledge: YamlKnowledgeBase
) -> MakeClassifier:
    def make(base_url: str | None = None, **overrides: Any) -> LlmClassifier:
        extra = {"clock": overrides.pop("clock")} if "clock" in overrides else {}
        settings = llm_settings(base_url or server.base_url, **overrides)
        return LlmClassifier.from_settings(settings, fallback=rules, knowledge=knowledge, **extra)

    return make


def user(text: str) -> Turn:
    return Turn("user", text, T0)


def bot(text: str) -> Turn:
    return Turn("assistant", text, T0)
