"""Small text helpers shared by the core: cleaning what people send, drafting titles."""

from __future__ import annotations

import re
import unicodedata

TITLE_MAX = 80
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_RE = re.compile(r"[ \t]+")


def sanitize(text: str) -> str:
    """Drop control characters (binary junk, NUL) and trim; keep line breaks and all scripts."""
    cleaned = _CONTROL_RE.sub("", unicodedata.normalize("NFC", text))
    return _SPACE_RE.sub(" ", cleaned).strip()


def draft_title(text: str, limit: int = TITLE_MAX) -> str:
    """A one-line title from free text: the first sentence, capitalised, cut at a word."""
    line = sanitize(text).splitlines()[0] if sanitize(text) else ""
    sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0].rstrip(".!? ")
    if len(sentence) > limit:
        cut = sentence[: limit - 1].rsplit(" ", 1)[0] or sentence[: limit - 1]
        sentence = cut.rstrip(",;:- ") + "…"
    return (sentence[:1].upper() + sentence[1:]) if sentence else "New request"
