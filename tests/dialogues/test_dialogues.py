"""The labelled multi-turn dialogues: at least 90% must end exactly as a person would expect."""

from __future__ import annotations

from pathlib import Path

from tests.dialogues.runner import load, run

PASS_RATE = 0.9


def test_the_dialogue_set_is_big_enough_and_well_formed() -> None:
    dialogues = load()
    assert len(dialogues) >= 30
    assert len({d.id for d in dialogues}) == len(dialogues)
    assert all(d.turns for d in dialogues)


def test_dialogues_end_as_a_person_expects(tmp_path: Path) -> None:
    results = []
    for n, dialogue in enumerate(load()):
        folder = tmp_path / f"d{n}"
        folder.mkdir()
        results.append(run(dialogue, folder))
    failed = [r for r in results if not r.passed]
    passed = len(results) - len(failed)

    report = "\n".join(r.report() for r in failed)
    assert passed / len(results) >= PASS_RATE, f"{passed}/{len(results)} passed\n{report}"
