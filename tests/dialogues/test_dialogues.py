"""The labelled multi-turn dialogues: at least 90% must end exactly as a person would expect."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dialogues.runner import DIALOGUES, HERE, load, run

PASS_RATE = 0.9


def test_the_dialogue_set_is_big_enough_and_well_formed() -> None:
    dialogues = load()
    assert len(dialogues) >= 30
    assert len({d.id for d in dialogues}) == len(dialogues)
    assert all(d.turns for d in dialogues)


# dialogues.yaml was written while the rules were tuned; blind.yaml was written afterwards by
# someone else and run once before any change (38 of 40 then), blind_2.yaml once after the
# fixes blind.yaml led to (17 of 20 then): the blind sets are the fairer measure.
SETS = [DIALOGUES, HERE / "blind.yaml", HERE / "blind_2.yaml"]


@pytest.mark.parametrize("path", SETS, ids=[p.stem for p in SETS])
def test_dialogues_end_as_a_person_expects(tmp_path: Path, path: Path) -> None:
    results = []
    for n, dialogue in enumerate(load(path)):
        folder = tmp_path / f"d{n}"
        folder.mkdir()
        results.append(run(dialogue, folder))
    failed = [r for r in results if not r.passed]
    passed = len(results) - len(failed)

    report = "\n".join(r.report() for r in failed)
    assert passed / len(results) >= PASS_RATE, f"{passed}/{len(results)} passed\n{report}"
