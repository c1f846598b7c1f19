"""The knowledge file: general questions answered in the help desk's own words (YAML)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.ports import KnowledgeEntry

_WORD_RE = re.compile(r"[a-z0-9][a-z0-9/+-]*")
_STOPWORD_TEXT = (
    "a an the is are was were be been am i me my we our you your it its this that these "
    "those of to in on at for with by from as and or but if so do does did can could would "
    "should will how what when where which who why whom there here please tell know any "
    "some get got have has just about up out into than then them they he she his her us "
    "not no yes hi hello hey"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """Lower-case stems of the words that carry meaning (stopwords dropped)."""
    return {_stem(w) for w in _WORD_RE.findall(text.lower()) if w not in _STOPWORDS}


SHAPE = (
    "a mapping with an 'entries:' list, each entry with 'id', 'question', 'answer' and "
    "'keywords' (see the shipped core/knowledge.yaml)"
)


class KnowledgeFileError(ValueError):
    """The knowledge file is missing, unreadable or not shaped like :data:`SHAPE`."""


def _kind(data: object) -> str:
    if data is None:
        return "empty"
    if isinstance(data, dict):
        return "a mapping without an 'entries:' list"
    return f"a single {type(data).__name__} value"


def _first_line(exc: Exception) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f"{exc.problem}, line {exc.problem_mark.line + 1}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@dataclass(frozen=True)
class _Indexed:
    entry: KnowledgeEntry
    keywords: frozenset[str]
    question_words: frozenset[str]


class YamlKnowledgeBase:
    """Implements :class:`core.ports.KnowledgeBase` with keyword overlap scoring: cheap,
    deterministic and explainable. An entry answers only when enough of its words match."""

    def __init__(self, entries: list[KnowledgeEntry]) -> None:
        self.entries = entries
        self._index = [
            _Indexed(
                entry,
                frozenset(_stem(k.lower()) for k in entry.keywords),
                frozenset(content_words(entry.question)),
            )
            for entry in entries
        ]

    @classmethod
    def load(cls, path: Path) -> YamlKnowledgeBase:
        """Read ``path``: a mapping whose ``entries`` is a list of entries (see :data:`SHAPE`).
        A missing, unreadable or differently shaped file is a :class:`KnowledgeFileError`
        naming the file; nothing is ever loaded as zero entries by accident."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise KnowledgeFileError(f"can't read {path}: {exc.strerror or exc}") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise KnowledgeFileError(f"{path} is not valid YAML ({_first_line(exc)})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            found = "a list" if isinstance(data, list) else _kind(data)
            raise KnowledgeFileError(f"{path} is {found}; expected {SHAPE}")
        entries = []
        for number, item in enumerate(data["entries"], start=1):
            if not isinstance(item, dict) or not item.get("answer"):
                raise KnowledgeFileError(f"knowledge file {path}: entry {number} needs an 'answer'")
            entries.append(
                KnowledgeEntry(
                    entry_id=str(item.get("id") or f"entry-{number}"),
                    question=str(item.get("question", "")),
                    answer=str(item["answer"]).strip(),
                    keywords=tuple(str(k) for k in item.get("keywords") or ()),
                )
            )
        return cls(entries)

    def _scored(self, text: str) -> tuple[int, list[tuple[float, int, KnowledgeEntry]]]:
        words = content_words(text)
        scored = []
        for item in self._index:
            matched = words & (item.keywords | item.question_words)
            score = len(words & item.keywords) + 0.5 * len(words & item.question_words)
            if score > 0:
                scored.append((score, len(matched), item.entry))
        scored.sort(key=lambda triple: -triple[0])
        return len(words), scored

    def search(self, text: str, limit: int = 3) -> list[KnowledgeEntry]:
        return [entry for _, _, entry in self._scored(text)[1][:limit]]

    def answer(self, text: str) -> KnowledgeEntry | None:
        word_count, scored = self._scored(text)
        if not scored:
            return None
        best_score, matched, best = scored[0]
        # Two strong matching words, or a short question mostly about this entry's words.
        if best_score >= 2.0 or (best_score >= 1.0 and matched * 2 >= word_count):
            return best
        return None
