"""Cleaning what people send before the core reads it."""

from __future__ import annotations

import re
import unicodedata

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_RE = re.compile(r"[ \t]+")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` as every store, log and platform accepts it, otherwise unchanged.

    A lone surrogate (``\\ud800``: what a broken client or a ``surrogateescape``'d byte leaves)
    becomes U+FFFD; a surrogate pair that should have been one character becomes that
    character; NUL, which PostgreSQL refuses in text, is dropped. UTF-8 cannot encode a
    surrogate, so one left in would fail the first database write after the work was done.
    """
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _SURROGATE_RE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def sanitize(text: str) -> str:
    """Drop control characters (binary junk, NUL) and trim; keep line breaks and all scripts."""
    cleaned = _CONTROL_RE.sub("", unicodedata.normalize("NFC", storable(text)))
    return _SPACE_RE.sub(" ", cleaned).strip()
