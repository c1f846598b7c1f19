"""The deterministic command grammar shared by Slack's ``/ticket``, Teams and the terminal.

    ticket status <ref>
    ticket new <summary> [--priority P]
    ticket note <ref> <text>
    ticket list
    ticket close <ref>
    ticket help

No LLM is involved: a command is parsed here or answered with its usage line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.tickets import Priority, TicketRef

USAGE = {
    "status": "ticket status <ticket>   e.g. ticket status 48213 or ticket status T20251104.0031",
    "new": "ticket new <summary> [--priority Low|Medium|High|Critical]",
    "note": "ticket note <ticket> <text>",
    "list": "ticket list",
    "close": "ticket close <ticket>",
    "help": "ticket help",
}
USAGE_ALL = "\n".join(USAGE.values())

_PREFIX_RE = re.compile(r"^\s*/?ticket(?:\s+|$)", re.IGNORECASE)
_PRIORITY_RE = re.compile(r"(?:^|\s)(?:--priority|-p)(?:\s+|=)(\S+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """A parsed command. ``ref``, ``text`` and ``priority`` are set where the verb takes them."""

    verb: str
    ref: TicketRef | None = None
    text: str = ""
    priority: Priority | None = None


@dataclass(frozen=True)
class CommandError:
    """A malformed command: ``message`` says what was wrong, ``usage`` how to write it."""

    message: str
    usage: str


def is_command(text: str) -> bool:
    """True when ``text`` is addressed to the grammar: ``/ticket ...``, or ``ticket`` followed
    by a verb we know (or nothing)."""
    match = _PREFIX_RE.match(text)
    if not match:
        return False
    if text.lstrip().startswith("/"):
        return True
    rest = text[match.end() :].strip()
    if not rest:
        return True
    first = rest.split(maxsplit=1)[0].lower()
    # "ticket 48213 - I tried a new cable" is natural language, not a command.
    return first in USAGE or first in _ALIASES


_ALIASES = {"create": "new", "open": "new", "show": "status", "get": "status", "comment": "note"}


def parse_command(text: str) -> Command | CommandError:
    """Parse ``text`` (which :func:`is_command` accepted)."""
    match = _PREFIX_RE.match(text)
    rest = text[match.end() :].strip() if match else text.strip()
    if not rest:
        return CommandError("Which command?", USAGE_ALL)
    parts = rest.split(maxsplit=1)
    verb = _ALIASES.get(parts[0].lower(), parts[0].lower())
    args = parts[1].strip() if len(parts) > 1 else ""
    if verb not in USAGE:
        return CommandError(f"I don't know the command '{parts[0]}'.", USAGE_ALL)
    if verb in ("list", "help"):
        if args:
            return CommandError(f"'ticket {verb}' takes nothing after it.", USAGE[verb])
        return Command(verb)
    if verb == "new":
        return _parse_new(args)
    ref_text, _, remainder = args.partition(" ")
    ref = TicketRef.parse(ref_text) if ref_text else None
    if ref is None:
        what = f"'{ref_text}' is not a ticket number." if ref_text else "Which ticket?"
        return CommandError(what, USAGE[verb])
    remainder = remainder.strip()
    if verb == "note":
        if not remainder:
            return CommandError("What should the note say?", USAGE[verb])
        return Command(verb, ref=ref, text=remainder)
    if remainder:
        return CommandError(f"'ticket {verb}' takes only a ticket number.", USAGE[verb])
    return Command(verb, ref=ref)


def _parse_new(args: str) -> Command | CommandError:
    priority: Priority | None = None
    match = _PRIORITY_RE.search(args)
    if match:
        priority = Priority.parse(match.group(1))
        if priority is None:
            return CommandError(f"'{match.group(1)}' is not a priority.", USAGE["new"])
        args = args[: match.start()].strip()
    if not args:
        return CommandError("What is the problem? Give a short summary.", USAGE["new"])
    return Command("new", text=args, priority=priority)
