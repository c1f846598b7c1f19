"""Forgiving one slip of the keyboard: "clsoe", "stauts", "nwe", "yse"."""

from __future__ import annotations

from collections.abc import Iterable


def one_edit_apart(typed: str, word: str) -> bool:
    """True when ``typed`` is ``word`` with exactly one letter inserted, dropped, replaced, or
    two neighbouring letters swapped (the Damerau–Levenshtein distance is 1)."""
    if typed == word:
        return False
    a, b = typed, word
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def closest(typed: str, words: Iterable[str], *, min_length: int = 3) -> list[str]:
    """The ``words`` one edit from ``typed`` (none for words shorter than ``min_length``: a
    slip in a two-letter word is a different word)."""
    if len(typed) < min_length:
        return []
    return sorted({w for w in words if len(w) >= min_length and one_edit_apart(typed, w)})
