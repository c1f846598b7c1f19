"""Labelled example sets for the classifier tests and the bench, all kept in the repository.

- ``intents_tuning.jsonl``: written blind (new wording) before the rules were changed for
  reopen / change priority / numbers / impact-based priority, then used to tune; its first-run
  figures are in the README.
- ``intents_tuning_2.jsonl`` .. ``intents_tuning_25.jsonl``: blind batches written after each
  round of tuning (their first-run figures measured those rounds), then tuned on.
- ``intents_untuned.jsonl`` (written with the first batch), ``intents_untuned_2.jsonl``
  (written after five rounds of tuning), ``intents_untuned_3.jsonl`` (after eleven) and
  ``intents_untuned_4.jsonl`` (after the last): never tuned on, so they still measure how the
  rules generalise.
- ``intents_heldout_style.jsonl`` and ``regression_examples.jsonl``: earlier rounds, kept as
  regression examples.

One JSON object a line: ``id``, ``text``, ``intent`` and optionally ``ticket`` (the reference
exactly), ``priority`` (for ``create_ticket`` the level a dispatcher would give, for
``change_priority`` the level asked for) and ``remainder`` (a second request in the message).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.classifier.rules import RuleClassifier

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
TUNING_SET = DATA / "intents_tuning.jsonl"
TUNING_SET_2 = DATA / "intents_tuning_2.jsonl"
TUNING_SET_3 = DATA / "intents_tuning_3.jsonl"
TUNING_SET_4 = DATA / "intents_tuning_4.jsonl"
TUNING_SET_5 = DATA / "intents_tuning_5.jsonl"
TUNING_SET_6 = DATA / "intents_tuning_6.jsonl"
TUNING_SET_7 = DATA / "intents_tuning_7.jsonl"
TUNING_SET_8 = DATA / "intents_tuning_8.jsonl"
TUNING_SET_9 = DATA / "intents_tuning_9.jsonl"
TUNING_SET_10 = DATA / "intents_tuning_10.jsonl"
TUNING_SET_11 = DATA / "intents_tuning_11.jsonl"
TUNING_SET_12 = DATA / "intents_tuning_12.jsonl"
TUNING_SET_13 = DATA / "intents_tuning_13.jsonl"
TUNING_SET_14 = DATA / "intents_tuning_14.jsonl"
TUNING_SET_15 = DATA / "intents_tuning_15.jsonl"
TUNING_SET_16 = DATA / "intents_tuning_16.jsonl"
TUNING_SET_17 = DATA / "intents_tuning_17.jsonl"
TUNING_SET_18 = DATA / "intents_tuning_18.jsonl"
TUNING_SET_19 = DATA / "intents_tuning_19.jsonl"
TUNING_SET_20 = DATA / "intents_tuning_20.jsonl"
TUNING_SET_21 = DATA / "intents_tuning_21.jsonl"
TUNING_SET_22 = DATA / "intents_tuning_22.jsonl"
TUNING_SET_23 = DATA / "intents_tuning_23.jsonl"
TUNING_SET_24 = DATA / "intents_tuning_24.jsonl"
TUNING_SET_25 = DATA / "intents_tuning_25.jsonl"
UNTUNED_SET_2 = DATA / "intents_untuned_2.jsonl"
UNTUNED_SET_3 = DATA / "intents_untuned_3.jsonl"
UNTUNED_SET_4 = DATA / "intents_untuned_4.jsonl"
UNTUNED_SET = DATA / "intents_untuned.jsonl"
HELDOUT_STYLE_SET = DATA / "intents_heldout_style.jsonl"
REGRESSION_SET = HERE / "regression_examples.jsonl"


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    intent: str
    ticket: str | None
    priority: str | None
    remainder: str | None = None


@dataclass(frozen=True)
class Outcome:
    example: Example
    intent: str
    ticket: str | None
    priority: str | None
    remainder: str | None = None


TUNING_SETS = (
    TUNING_SET,
    TUNING_SET_2,
    TUNING_SET_3,
    TUNING_SET_4,
    TUNING_SET_5,
    TUNING_SET_6,
    TUNING_SET_7,
    TUNING_SET_8,
    TUNING_SET_9,
    TUNING_SET_10,
    TUNING_SET_11,
    TUNING_SET_12,
    TUNING_SET_13,
    TUNING_SET_14,
    TUNING_SET_15,
    TUNING_SET_16,
    TUNING_SET_17,
    TUNING_SET_18,
    TUNING_SET_19,
    TUNING_SET_20,
    TUNING_SET_21,
    TUNING_SET_22,
    TUNING_SET_23,
    TUNING_SET_24,
    TUNING_SET_25,
)
UNTUNED_SETS = (UNTUNED_SET, UNTUNED_SET_2, UNTUNED_SET_3, UNTUNED_SET_4)


def load(path: Path) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(
                Example(
                    row["id"],
                    row["text"],
                    row["intent"],
                    row.get("ticket"),
                    row.get("priority"),
                    row.get("remainder"),
                )
            )
    return examples


def run(examples: list[Example]) -> list[Outcome]:
    classifier = RuleClassifier()
    outcomes = []
    for example in examples:
        found = classifier.classify(example.text)
        outcomes.append(
            Outcome(
                example,
                found.intent.value,
                found.ticket.value if found.ticket else None,
                found.priority.value if found.priority else None,
                found.remainder,
            )
        )
    return outcomes


def accuracy(outcomes: list[Outcome]) -> float:
    return sum(o.intent == o.example.intent for o in outcomes) / len(outcomes)


def misses(outcomes: list[Outcome]) -> list[str]:
    return [
        f"{o.example.id}: {o.example.text!r} -> {o.intent}, want {o.example.intent}"
        for o in outcomes
        if o.intent != o.example.intent
    ]


def wrong_refs(outcomes: list[Outcome]) -> list[tuple[str, str | None, str | None]]:
    return [
        (o.example.id, o.example.ticket, o.ticket) for o in outcomes if o.ticket != o.example.ticket
    ]


def priority_outcomes(outcomes: list[Outcome]) -> list[Outcome]:
    """The problem reports labelled with the priority a dispatcher would give."""
    return [o for o in outcomes if o.example.priority and o.example.intent == "create_ticket"]


def same_words(a: str | None, b: str | None) -> bool:
    def words(text: str | None) -> str:
        return " ".join((text or "").lower().strip(" .,;!?").split())

    return words(a) == words(b)
