"""The deterministic command grammar shared by Slack's ``/ticket``, Teams and the terminal.

    ticket status <ref>
    ticket new <summary> [--priority P]
    ticket note <ref> <text>
    ticket list
    ticket close <ref>
    ticket reopen <ref> [why]
    ticket priority <ref> <Low|Medium|High|Critical>
    ticket help

and, for technicians (:data:`TECHNICIAN_USAGE`; anyone else is refused by the handler):

    ticket take <ref>
    ticket assign <ref> <person>
    ticket status <ref> <status>          (with a status after the ticket: sets it)
    ticket note <ref> --internal <text>   (--public: a note the requester sees)
    ticket mine
    ticket queue [name]

No LLM is involved: a command is parsed here or answered with its usage line. A verb with one
slip of the keyboard ("clsoe", "stauts", "nwe", "lsit") is read as the verb it can only be;
when it could be two, the answer asks "did you mean …".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.tickets import Priority, TicketRef
from core.typos import closest

USAGE = {
    "status": "ticket status <ticket>   e.g. ticket status 48213 or ticket status T20251104.0031",
    "new": "ticket new <summary> [--priority Low|Medium|High|Critical]",
    "note": "ticket note <ticket> <text>",
    "list": "ticket list",
    "close": "ticket close <ticket>",
    "reopen": "ticket reopen <ticket> [why it needs work again]",
    "priority": "ticket priority <ticket> <Low|Medium|High|Critical>",
    "mute": "ticket mute <ticket>   (no more updates on it in the chat)",
    "unmute": "ticket unmute <ticket>",
    "help": "ticket help",
}
USAGE_ALL = "\n".join(USAGE.values())
# Technicians' verbs: apart from USAGE so the end users' help (and Teams' command list, at
# most ten) stays theirs; the grammar reads both.
TECHNICIAN_USAGE = {
    "take": "ticket take <ticket>   (assign it to yourself)",
    "assign": "ticket assign <ticket> <name or e-mail>   (me: take it over from whoever has it)",
    "set-status": "ticket status <ticket> <status>   e.g. ticket status 48213 waiting customer",
    "internal": "ticket note <ticket> --internal <text>   (--public: the requester sees it)",
    "mine": "ticket mine   (open tickets assigned to you)",
    "queue": "ticket queue [name]   (unassigned open tickets)",
}
TECHNICIAN_USAGE_ALL = "\n".join(TECHNICIAN_USAGE.values())
# Verbs of the grammar itself ("set-status" and "internal" are forms of status and note).
VERBS = (*USAGE, "take", "assign", "mine", "queue")

# Words people use for a level, beside the labels themselves.
_LEVEL_WORDS = {
    "urgent": Priority.HIGH,
    "asap": Priority.HIGH,
    "normal": Priority.MEDIUM,
    "emergency": Priority.CRITICAL,
}


def _level(text: str) -> Priority | None:
    return Priority.parse(text) or _LEVEL_WORDS.get(text.strip().casefold())


_PREFIX_RE = re.compile(r"^\s*/?ticket(?:\s+|$)", re.IGNORECASE)
_PRIORITY_RE = re.compile(r"(?:^|\s)(?:--priority|-p)(?:\s+|=)(\S+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """A parsed command. ``ref``, ``text`` and ``priority`` are set where the verb takes them."""

    verb: str
    ref: TicketRef | None = None
    text: str = ""
    priority: Priority | None = None
    internal: bool | None = None  # note: --internal (True), --public (False), neither (None)


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
    first, _, args = rest.partition(" ")
    first = first.lower()
    # "ticket 48213 - I tried a new cable" is natural language, not a command.
    if first in VERBS or first in _ALIASES:
        return True
    # "ticket stat 10001": a word then a ticket number is addressed to the grammar, even when
    # the word is no verb (the answer then says which verbs there are).
    after = args.split(maxsplit=1)[0] if args.strip() else ""
    if first.isalpha() and after and TicketRef.parse(after) is not None:
        return True
    # "ticket clsoe 10001" is a command with a slip; "ticket not updating" is a sentence.
    guesses = _guesses(first)
    return bool(guesses) and any(_fits(guess, args.strip()) for guess in guesses)


_ALIASES = {
    "create": "new",
    "open": "new",
    "show": "status",
    "get": "status",
    "comment": "note",
    "re-open": "reopen",
    "prio": "priority",
}
# Real words one slip from a verb: in "ticket now …" or "ticket lost …" they are not slips.
_REAL_WORDS = frozenset(
    """now not knew news net nee lost last lust host held hell helm chose those stats states
    statue how got set let yet bet jet pet met wet nose lose loss lisp mist fist gist lint
    snow shop shot slow stow oven even pen lope hope cope rope dope nope clone closed closet
    prior priors reopens make bake cake fake lake rake sake wake tame tape tale tall talk
    mind nine line fine wine mile mint""".split()  # noqa: SIM905
)


def _guesses(word: str) -> list[str]:
    """The verbs ``word`` is one slip away from (aliases read as their verb)."""
    if word in _REAL_WORDS or not word.isalpha():
        return []
    verbs = {_ALIASES.get(w, w) for w in closest(word, [*VERBS, *_ALIASES], min_length=3)}
    # A verb cut short ("stat", "prio", "reop") is as clear as one with a slip.
    if len(word) >= 3:
        verbs |= {_ALIASES.get(w, w) for w in (*VERBS, *_ALIASES) if w.startswith(word)}
    return sorted(verbs)


_TAKES_A_TICKET = ("status", "note", "close", "reopen", "priority")


def _fits(verb: str, args: str) -> bool:
    """Whether ``args`` could follow ``verb`` (a slip is only trusted when the rest fits)."""
    if verb in ("list", "help", "mine"):
        return not args
    if verb == "queue":
        return TicketRef.parse(args.split(maxsplit=1)[0] if args else "") is None
    if verb == "new":
        return bool(args) and TicketRef.parse(args) is None
    first = args.split(maxsplit=1)[0] if args else ""
    return TicketRef.parse(first) is not None


def parse_command(text: str) -> Command | CommandError:
    """Parse ``text`` (which :func:`is_command` accepted)."""
    match = _PREFIX_RE.match(text)
    rest = text[match.end() :].strip() if match else text.strip()
    if not rest:
        return CommandError("Which command?", USAGE_ALL)
    parts = rest.split(maxsplit=1)
    verb = _ALIASES.get(parts[0].lower(), parts[0].lower())
    args = parts[1].strip() if len(parts) > 1 else ""
    if verb not in VERBS:
        fitting = [g for g in _guesses(parts[0].lower()) if _fits(g, args)]
        guesses = fitting or _guesses(parts[0].lower())
        # A guess whose arguments don't fit is asked about, never acted on ("ticket opne
        # 10001" must not file a ticket titled "10001").
        if len(fitting) != 1:
            if not fitting and _fits("status", args):
                # "ticket opne 10001": something about that ticket, but which verb?
                usage = "\n".join(USAGE[v] for v in _TAKES_A_TICKET)
                return CommandError(f"I don't know the command '{parts[0]}'.", usage)
            if guesses:
                options = " or ".join(f"“ticket {g}”" for g in guesses)
                usage = "\n".join(_usage(g) for g in guesses)
                return CommandError(f"Did you mean {options}?", usage)
            return CommandError(f"I don't know the command '{parts[0]}'.", USAGE_ALL)
        verb = guesses[0]
    if verb in ("list", "help", "mine"):
        if args:
            return CommandError(f"'ticket {verb}' takes nothing after it.", _usage(verb))
        return Command(verb)
    if verb == "queue":
        return Command(verb, text=" ".join(args.split()))
    if verb == "new":
        if TicketRef.parse(args) is not None:
            # "ticket open 10001" names a ticket: a new one titled "10001" is never meant.
            usage = "\n".join(USAGE[v] for v in _TAKES_A_TICKET)
            return CommandError(f"“{args}” is a ticket number, not a summary. Did you mean:", usage)
        return _parse_new(args)
    ref_text, _, remainder = args.partition(" ")
    ref = TicketRef.parse(ref_text) if ref_text else None
    if ref is None:
        what = f"'{ref_text}' is not a ticket number." if ref_text else "Which ticket?"
        return CommandError(what, _usage(verb))
    remainder = remainder.strip()
    if verb == "status" and remainder:
        return Command("status", ref=ref, text=" ".join(remainder.split()))
    if verb == "assign":
        remainder = re.sub(r"^to\s+", "", remainder, flags=re.IGNORECASE)  # "… 48213 to Jo"
        if not remainder:
            return CommandError("Assign it to whom?", _usage(verb))
        return Command(verb, ref=ref, text=remainder)
    if verb == "priority":
        level = _level(remainder) if remainder else None
        if level is None:
            what = f"'{remainder}' is not a priority." if remainder else "Which priority?"
            return CommandError(what, USAGE[verb])
        return Command(verb, ref=ref, priority=level)
    if verb == "reopen":
        return Command(verb, ref=ref, text=remainder)
    if verb == "note":
        internal, remainder = _visibility(remainder)
        if not remainder:
            usage = USAGE[verb] if internal is None else TECHNICIAN_USAGE["internal"]
            return CommandError("What should the note say?", usage)
        return Command(verb, ref=ref, text=remainder, internal=internal)
    if remainder:
        return CommandError(f"'ticket {verb}' takes only a ticket number.", _usage(verb))
    return Command(verb, ref=ref)


def _usage(verb: str) -> str:
    return USAGE.get(verb) or TECHNICIAN_USAGE[verb]


_VISIBILITY_RE = re.compile(
    r"^--(?P<lead>internal|public)(?:\s+|$)"
    r"|\s--(?P<tail>internal|public)$",
    re.IGNORECASE,
)


def _visibility(text: str) -> tuple[bool | None, str]:
    """A note's ``--internal`` / ``--public`` flag, first or last, and the text without it."""
    match = _VISIBILITY_RE.search(text)
    if match is None:
        return None, text
    flag = (match["lead"] or match["tail"]).casefold()
    rest = (text[: match.start()] + text[match.end() :]).strip()
    return flag.startswith("i"), rest


def _parse_new(args: str) -> Command | CommandError:
    priority: Priority | None = None
    match = _PRIORITY_RE.search(args)
    if match:
        priority = _level(match.group(1))
        if priority is None:
            return CommandError(f"'{match.group(1)}' is not a priority.", USAGE["new"])
        args = args[: match.start()].strip()
    if not args:
        return CommandError("What is the problem? Give a short summary.", USAGE["new"])
    return Command("new", text=args, priority=priority)
