"""The offline classifier on the labelled sets kept in the repository: accuracy and cost.

For each set prints the intent accuracy, how many ticket references came out exact, how many
labelled reports got the priority a dispatcher would give, and the median / p99 milliseconds per
message, then PASS or FAIL against the targets (intent >= 96%, every reference exact, priority
right on >= 75% of labelled reports). The four untuned sets were never used to tune the rules, so
their lines are the honest measure of how they generalise. Also times the worst case of a 100 KB
paste.

    python -m bench.classifier_bench [--rounds 20] [--set PATH ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from core.classifier.rules import RuleClassifier

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETS = (
    ROOT / "tests" / "data" / "intents_untuned.jsonl",
    ROOT / "tests" / "data" / "intents_untuned_2.jsonl",
    ROOT / "tests" / "data" / "intents_untuned_3.jsonl",
    ROOT / "tests" / "data" / "intents_untuned_4.jsonl",
    ROOT / "tests" / "data" / "intents_tuning.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_2.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_3.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_4.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_5.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_6.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_7.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_8.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_9.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_10.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_11.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_12.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_13.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_14.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_15.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_16.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_17.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_18.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_19.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_20.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_21.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_22.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_23.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_24.jsonl",
    ROOT / "tests" / "data" / "intents_tuning_25.jsonl",
    ROOT / "tests" / "data" / "intents_heldout_style.jsonl",
    ROOT / "tests" / "classifier" / "regression_examples.jsonl",
)
INTENT_TARGET = 0.96
PRIORITY_TARGET = 0.75
BIG_PASTES = {
    "100 KB log paste": "Outlook crashes on start.\n" + "log line 0x0000 ERROR\n" * 4700,
    "100 KB of one-letter words": "a " * 50_000,
}


@dataclass(frozen=True)
class Score:
    messages: int
    intents_right: int
    refs_right: int
    priorities_labelled: int
    priorities_right: int

    @property
    def intent_accuracy(self) -> float:
        return self.intents_right / self.messages

    @property
    def priority_accuracy(self) -> float:
        return self.priorities_right / self.priorities_labelled if self.priorities_labelled else 1.0

    @property
    def passed(self) -> bool:
        return (
            self.intent_accuracy >= INTENT_TARGET
            and self.refs_right == self.messages
            and self.priority_accuracy >= PRIORITY_TARGET
        )


def load(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(classifier: RuleClassifier, texts: list[str], rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            classifier.classify(text)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def score(classifier: RuleClassifier, rows: list[dict[str, str]]) -> Score:
    intents = refs = labelled = priorities = 0
    for row in rows:
        found = classifier.classify(row["text"])
        intents += found.intent.value == row["intent"]
        refs += (found.ticket.value if found.ticket else None) == row.get("ticket")
        if row.get("priority") and row["intent"] == "create_ticket":
            labelled += 1
            priorities += bool(found.priority) and found.priority == row["priority"]
    return Score(len(rows), intents, refs, labelled, priorities)


def summary(result: Score) -> str:
    return (
        f"n={result.messages:4d}  intent {result.intent_accuracy:6.1%}"
        f"  refs {result.refs_right}/{result.messages}"
        f"  priority {result.priorities_right}/{result.priorities_labelled}"
        f" ({result.priority_accuracy:.0%})  {'PASS' if result.passed else 'FAIL'}"
    )


def timing(timings: list[float]) -> str:
    return (
        f"median {statistics.median(timings):6.3f} ms  p99 {percentile(timings, 0.99):6.3f} ms"
        f"  max {max(timings):6.3f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--set", type=Path, action="append", dest="sets", default=None)
    args = parser.parse_args(argv)

    classifier = RuleClassifier()
    everything: list[float] = []
    all_passed = True
    untuned: list[dict[str, str]] = []
    for path in args.sets or DEFAULT_SETS:
        rows = load(path)
        if path.name.startswith("intents_untuned"):
            untuned.extend(rows)
        texts = [row["text"] for row in rows]
        measure(classifier, texts, 1)  # warm-up: regex caches, imports
        timings = measure(classifier, texts, args.rounds)
        everything.extend(timings)
        result = score(classifier, rows)
        all_passed = all_passed and result.passed
        print(f"{path.name:32s} {summary(result)}  {timing(timings)}")
    if untuned:
        print(f"{'never tuned on, together':32s} {summary(score(classifier, untuned))}")
    print(f"{'all sets':32s} n={len(everything):5d} timings  {timing(everything)}")
    for name, text in BIG_PASTES.items():
        print(f"{name:32s} {timing(measure(classifier, [text], max(3, args.rounds // 4)))}")
    print(
        f"targets: intent >= {INTENT_TARGET:.0%}, every reference exact, priority >= "
        f"{PRIORITY_TARGET:.0%} of labelled reports: {'PASS' if all_passed else 'FAIL'}"
    )
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
