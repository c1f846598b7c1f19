"""Cleaning what people send before the core reads it."""

from __future__ import annotations

import re
import unicodedata

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_RE = re.compile(r"[ \t]+")


def sanitize(text: str) -> str:
    """Drop control characters (binary junk, NUL) and trim; keep line breaks and all scripts."""
    cleaned = _CONTROL_RE.sub("", unicodedata.normalize("NFC", text))
    return _SPACE_RE.sub(" ", cleaned).strip()
