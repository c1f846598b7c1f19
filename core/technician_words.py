"""Technicians' requests in words: "I'll take 48213", "give 48213 to Jordan", "put 48213 on
waiting customer", "what's assigned to me", "what's in the queue", and a reply in a triage
thread marked "/public".

Each reader names a ticket explicitly (a number), so none of them can take over what an end
user means by a sentence: a request about a ticket by number that only a technician can make
is refused politely for anyone else. What would read differently for an end user ("mark 48213
as done" closes their own ticket, "my tickets" lists the ones they filed) is left to the
caller to decide with the person's role.
"""

from __future__ import annotations

import re

from core.tickets import Priority, TicketRef

_REF = r"(?:ticket\s+|#)?(?P<ref>T\d{8}\.\d{4}|\d{3,10})"
_END = r"(?:\s*,?\s+please)?\s*[.!?]*\s*$"
# "ok, can you please …": the request itself follows.
_ASK = (
    r"(?:(?:ok(?:ay)?|sure|right|hey|hi)[,!.]?\s+)?"
    r"(?:(?:can|could|would|will) you\s+)?(?:please\s+)?"
)

_TAKE_RE = re.compile(
    r"^(?:(?:ok(?:ay)?|sure|right)[,!.]?\s+)?"
    r"(?:i['’]?ll|i will|let me|i can|i['’]?m going to|i['’]?m gonna|i['’]?m|i am)\s+"
    r"(?:take|grab|pick up|handle|own|taking|grabbing|picking up|handling)\s+(?:over\s+)?"
    rf"{_REF}(?:\s+(?:myself|then|now|from here))?{_END}",
    re.IGNORECASE,
)
_ASSIGN_RE = re.compile(
    rf"^{_ASK}(?:assign|reassign|give|hand|pass|route|send)\s+"
    rf"{_REF}\s+(?:over\s+)?to\s+(?P<who>[^,;!?]+?){_END}",
    re.IGNORECASE,
)
_REF2 = r"(?:ticket\s+|#)?(?P<ref2>T\d{8}\.\d{4}|\d{3,10})"
_STATUS_RE = re.compile(
    rf"^{_ASK}(?:(?:put|set|mark|move|change|switch)\s+"
    rf"{_REF}(?:['’]s\s+status)?|(?:set|change)\s+(?:the\s+)?status\s+of\s+{_REF2})"
    rf"\s+(?:to|on|as|into|in)\s+(?P<status>[^,;!?]+?){_END}",
    re.IGNORECASE,
)
_MINE_RE = re.compile(
    r"^(?:(?:what|which)(?:['’]?s| is| are)?\s+(?:tickets?\s+)?(?:(?:is|are)\s+)?"
    r"(?:assigned to me|on my plate|in my queue)"
    r"|(?:show|list|give)(?: me)?\s+(?:the\s+)?(?:tickets?\s+assigned to me|my assigned tickets)"
    r"|(?:my assigned tickets|tickets assigned to me))\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_QUEUE_RE = re.compile(
    r"^(?:(?:what|anything)(?:['’]?s| is)?\s+(?:(?:new|waiting)\s+)?(?:in|on)\s+the"
    r"|(?:show|list)(?: me)?\s+the)"
    r"\s+(?:(?P<name>[\w\- ]{1,40}?)\s+)?queue\s*[?.!]*\s*$"
    r"|^(?:what['’]?s|what is|show(?: me)?|list)\s+(?:the\s+)?unassigned(?:\s+tickets)?\s*[?.!]*$",
    re.IGNORECASE,
)
_PUBLIC_RE = re.compile(r"^\s*/public\b[\s:,\-–—]*", re.IGNORECASE)
_ME = frozenset({"me", "myself", "mine"})
# "mark 48213 as done": for an end user, closing their own ticket; not a technician's word.
CLOSING_WORDS = frozenset(
    ["done", "complete", "completed", "closed", "close", "resolved", "solved", "fixed", "finished"]
)
_LEADING_THE_RE = re.compile(r"^(?:the|a)\s+|\s+(?:status|state)$", re.IGNORECASE)


def take_request(text: str) -> TicketRef | None:
    """ "I'll take 48213", "I'll grab #48213", "let me pick up T20251104.0031"."""
    match = _TAKE_RE.match(text.strip())
    return TicketRef.parse(match["ref"]) if match else None


def assign_request(text: str) -> tuple[TicketRef, str] | None:
    """ "give 48213 to Jordan", "assign 48213 to jordan@example.com" → (ref, who); "me" is
    returned as it is (the caller reads it as a take)."""
    match = _ASSIGN_RE.match(text.strip())
    if match is None:
        return None
    ref = TicketRef.parse(match["ref"])
    who = " ".join(match["who"].split())
    if ref is None or not who or "priority" in who.casefold():
        return None
    return ref, who


def is_me(who: str) -> bool:
    return who.strip().casefold() in _ME


def status_request(text: str) -> tuple[TicketRef, str] | None:
    """ "put 48213 on waiting customer", "set 48213 to in progress", "set the status of 48213
    to complete" → (ref, the status words). A priority ("set 48213 to high") is not a status."""
    match = _STATUS_RE.match(text.strip())
    if match is None:
        return None
    ref = TicketRef.parse(match["ref"] or match["ref2"])
    status = _LEADING_THE_RE.sub("", " ".join(match["status"].split())).strip()
    if status.casefold() == "hold":
        status = "on hold"  # "put 48213 on hold": the status is called "On Hold"
    folded = status.casefold()
    if (
        ref is None
        or not status
        or Priority.parse(status) is not None
        or "priority" in folded
        or "queue" in folded
        or folded in {"urgent", "asap", "normal", "emergency", "it", "me"}
    ):
        return None
    return ref, status


def closes(status: str) -> bool:
    """Whether a status named in words means "closed" ("done", "resolved")."""
    return status.strip().casefold() in CLOSING_WORDS


def asks_assigned_to_me(text: str) -> bool:
    """ "what's assigned to me?", "my assigned tickets", "what's on my plate"."""
    return _MINE_RE.match(text.strip()) is not None


def queue_request(text: str) -> tuple[str | None] | None:
    """ "what's in the queue?" → (None,); "show me the Level 2 queue" → ("Level 2",)."""
    match = _QUEUE_RE.match(text.strip())
    if match is None:
        return None
    name = match["name"]
    name = " ".join(name.split()) if name else None
    if name is not None and name.casefold() in {"ticket", "tickets", "support", "help desk"}:
        name = None
    return (name,)


def thread_note(text: str) -> tuple[str, bool]:
    """A technician's reply in a triage thread: (the note's text, internal). Internal unless it
    starts with "/public" (the marker is not part of the note)."""
    match = _PUBLIC_RE.match(text)
    if match is None:
        return text.strip(), True
    return text[match.end() :].strip(), False
