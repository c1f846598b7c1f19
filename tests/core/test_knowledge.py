from __future__ import annotations

from pathlib import Path

import pytest

from core.knowledge import KnowledgeFileError, YamlKnowledgeBase
from core.settings import DEFAULT_KNOWLEDGE_FILE

KB = YamlKnowledgeBase.load(DEFAULT_KNOWLEDGE_FILE)


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("Can you tell me your operating hours?", "support-hours"),
        ("is the service desk open on saturday", "support-hours"),
        ("what's your phone number for emergencies", "emergency-number"),
        ("how do I reset my own password?", "password-self-service"),
        ("how can I share my outlook calendar", "share-calendar"),
        ("which browsers are supported for the intranet", "supported-browsers"),
    ],
)
def test_answers_questions_the_file_covers(question: str, entry_id: str) -> None:
    entry = KB.answer(question)
    assert entry is not None and entry.entry_id == entry_id


@pytest.mark.parametrize(
    "question",
    [
        "The status bar in Word is missing, how do I get it back?",
        "what is the wifi password for guests",
        "who won the game last night",
        "",
    ],
)
def test_says_nothing_rather_than_guessing(question: str) -> None:
    assert KB.answer(question) is None


def test_a_malformed_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "kb.yaml"
    broken.write_text("entries:\n  - id: x\n    question: no answer here\n")

    with pytest.raises(ValueError, match=r"kb\.yaml"):
        YamlKnowledgeBase.load(broken)


def test_a_custom_file_is_used(tmp_path: Path) -> None:
    custom = tmp_path / "kb.yaml"
    custom.write_text(
        "entries:\n  - id: parking\n    question: Where do visitors park?\n"
        "    answer: Level -2, bays 1-10.\n    keywords: [parking, park, visitors, car]\n"
    )

    entry = YamlKnowledgeBase.load(custom).answer("where can visitors park their car")

    assert entry is not None and entry.answer == "Level -2, bays 1-10."


@pytest.mark.parametrize(
    ("content", "found"),
    [
        ("- id: hours\n  question: When are you open?\n  answer: 9 to 5\n", "is a list"),
        ("entry:\n  - answer: 9 to 5\n", "a mapping without an 'entries:' list"),
        ("entries:\n  id: hours\n  answer: 9 to 5\n", "a mapping without an 'entries:' list"),
        ("", "is empty"),
        ("just some text\n", "a single str value"),
    ],
)
def test_a_file_of_another_shape_is_refused_naming_the_expected_one(
    tmp_path: Path, content: str, found: str
) -> None:
    wrong = tmp_path / "kb.yaml"
    wrong.write_text(content)

    with pytest.raises(KnowledgeFileError) as caught:
        YamlKnowledgeBase.load(wrong)

    message = str(caught.value)
    assert "kb.yaml" in message and found in message
    assert "expected a mapping with an 'entries:' list" in message


def test_an_explicitly_empty_list_of_entries_is_fine(tmp_path: Path) -> None:
    empty = tmp_path / "kb.yaml"
    empty.write_text("entries: []\n")

    assert YamlKnowledgeBase.load(empty).entries == []
