"""Text clean-up shared by the rule classifier's parts.

:func:`clean` maps one character to one character, so a span found in the cleaned text is the
same span in the person's original text (notes and titles are cut from the original words).
"""

from __future__ import annotations

import re

# The classifier looks at the head of a message only: the intent of a 100 KB paste is in its
# first lines, and this bounds the cost per message.
ANALYSIS_LIMIT = 1200

_ONE_TO_ONE: dict[int, int] = {}
for _code in range(0x20):
    _ONE_TO_ONE[_code] = 0x20
_ONE_TO_ONE[0x7F] = 0x20
for _code in range(0x80, 0xA0):  # C1 control characters
    _ONE_TO_ONE[_code] = 0x20
for _code in (0xA0, 0x1680, 0x202F, 0x205F, 0x3000, 0x2028, 0x2029, 0xFEFF):
    _ONE_TO_ONE[_code] = 0x20
for _code in range(0x2000, 0x200B):  # en quad .. hair space
    _ONE_TO_ONE[_code] = 0x20
for _code in (0x200B, 0x200C, 0x200D, 0x2060):  # zero-width characters read as a space
    _ONE_TO_ONE[_code] = 0x20
for _code in (0x2018, 0x2019, 0x201B, 0x2032, 0xFF07):
    _ONE_TO_ONE[_code] = ord("'")
for _code in (0x201C, 0x201D, 0x201F, 0x2033, 0xFF02):
    _ONE_TO_ONE[_code] = ord('"')
for _code in (0x2010, 0x2011, 0x2012, 0x2212):
    _ONE_TO_ONE[_code] = ord("-")
_ONE_TO_ONE[0xFF03] = ord("#")
# Full-width digits and Latin letters (phones and East Asian keyboards type them).
for _code in range(0xFF10, 0xFF1A):
    _ONE_TO_ONE[_code] = _code - 0xFF10 + ord("0")
for _code in range(0xFF21, 0xFF3B):
    _ONE_TO_ONE[_code] = _code - 0xFF21 + ord("A")
for _code in range(0xFF41, 0xFF5B):
    _ONE_TO_ONE[_code] = _code - 0xFF41 + ord("a")

_SPACES_RE = re.compile(r"\s+")


def clean(text: str) -> str:
    """Control characters and exotic spaces to spaces, typographic quotes and dashes to ASCII,
    full-width digits and letters to ASCII; always the same length as ``text``."""
    return text.translate(_ONE_TO_ONE)


def for_cues(cleaned: str) -> str:
    """The lower-case, single-spaced head of a cleaned message, for cue matching."""
    head = cleaned[:ANALYSIS_LIMIT].lower()
    return _SPACES_RE.sub(" ", head).strip()
