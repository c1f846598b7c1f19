"""The offline classifier's cost per message on the labelled sets.

Classifies every message of the dev set and of our held-out-style set ``--rounds`` times and
prints median and p99 milliseconds per message for each set, plus the worst case of a 100 KB
paste. Also prints the intent accuracy, so a speed-up that costs accuracy shows at once.

    python -m bench.classifier_bench [--rounds 20] [--dev PATH] [--heldout PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from core.classifier.rules import RuleClassifier

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEV = ROOT.parent / "shared" / "eval" / "intents_dev.jsonl"
DEFAULT_HELDOUT = ROOT / "tests" / "data" / "intents_heldout_style.jsonl"
BIG_PASTES = {
    "100 KB log paste": "Outlook crashes on start.\n" + "log line 0x0000 ERROR\n" * 4700,
    "100 KB of one-letter words": "a " * 50_000,
}


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


def report(name: str, timings: list[float], accuracy: float | None = None) -> None:
    line = (
        f"{name:34s} n={len(timings):6d}  median {statistics.median(timings):6.3f} ms"
        f"  p99 {percentile(timings, 0.99):6.3f} ms  max {max(timings):6.3f} ms"
    )
    if accuracy is not None:
        line += f"  intent accuracy {accuracy:.1%}"
    print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--dev", type=Path, default=None)
    parser.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT)
    args = parser.parse_args(argv)
    dev = args.dev or DEFAULT_DEV

    classifier = RuleClassifier()
    everything: list[float] = []
    for name, path in (("dev set", dev), ("held-out-style set", args.heldout)):
        rows = load(path)
        texts = [row["text"] for row in rows]
        measure(classifier, texts, 1)  # warm-up: regex caches, imports
        timings = measure(classifier, texts, args.rounds)
        correct = sum(classifier.classify(r["text"]).intent.value == r["intent"] for r in rows)
        report(f"{name} ({len(rows)} messages)", timings, correct / len(rows))
        everything.extend(timings)
    report("both sets", everything)
    for name, text in BIG_PASTES.items():
        report(name, measure(classifier, [text], max(3, args.rounds // 4)))


if __name__ == "__main__":
    main()
