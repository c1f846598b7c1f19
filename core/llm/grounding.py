"""Never trust the model: ticket references it returns must come from the conversation."""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.tickets import TICKET_NUMBER_RE, TicketRef

# A bare number that is not part of a decimal, a time or a longer token ("v2", "3.5", "10:30").
_BARE_NUMBER_RE = re.compile(r"(?<![\w.:/,-])#?(\d{1,10})(?![\w]|[.:,/-]\d)")
# In the model's own prose only explicit references count: "#48213" or "ticket 48213".
_REPLY_ID_RE = re.compile(r"(?:#|\bticket\s+(?:number\s+|no\.?\s*|#)?)(\d{1,10})\b", re.IGNORECASE)


def refs_in(text: str) -> set[TicketRef]:
    """Every ticket reference a person could mean in ``text``: ticket numbers and bare ids."""
    found: set[TicketRef] = set()
    for match in TICKET_NUMBER_RE.finditer(text):
        found.add(TicketRef("number", f"T{match.group(1)}.{match.group(2)}"))
    without_numbers = TICKET_NUMBER_RE.sub(" ", text)
    for match in _BARE_NUMBER_RE.finditer(without_numbers):
        ref = TicketRef.parse(match.group(1))
        if ref is not None:
            found.add(ref)
    return found


def refs_in_all(texts: Iterable[str]) -> set[TicketRef]:
    found: set[TicketRef] = set()
    for text in texts:
        found |= refs_in(text)
    return found


def grounded_ref(raw: str | None, allowed: set[TicketRef]) -> TicketRef | None:
    """The model's reference if it parses and appears in ``allowed``; otherwise None."""
    if not raw:
        return None
    ref = TicketRef.parse(raw)
    if ref is None or ref not in allowed:
        return None
    return ref


def reply_refs(reply: str) -> set[TicketRef]:
    """Ticket references the model wrote into a reply (ticket numbers, #ids, "ticket 123")."""
    found = {
        TicketRef("number", f"T{m.group(1)}.{m.group(2)}") for m in TICKET_NUMBER_RE.finditer(reply)
    }
    without_numbers = TICKET_NUMBER_RE.sub(" ", reply)
    for match in _REPLY_ID_RE.finditer(without_numbers):
        ref = TicketRef.parse(match.group(1))
        if ref is not None:
            found.add(ref)
    return found


def words_of(text: str) -> str:
    """``text`` with runs of whitespace collapsed and case folded, for containment checks."""
    return " ".join(text.split()).casefold()
