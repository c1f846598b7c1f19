"""Reading a message against the conversation it is part of.

The classifier reads one message on its own; these checks read the short replies that only make
sense in a dialogue: a yes or a no (in several languages, with a typo forgiven), a change to the
draft that is waiting ("make it critical", "call it 'Outlook crashes'", "it's the printer by the
kitchen"), a follow-up about the ticket in focus ("also …", "status?", "make it urgent",
"reopen it"). Every check is deliberately narrow: when one does not match, the classifier reads
the message as usual.
"""

from __future__ import annotations

import re
import unicodedata

from core.tickets import Priority, TicketRef
from core.typos import closest

MAX_REPLY_WORDS = 12

_TOKEN_RE = re.compile(r"[\w'’]+|👍|👌|✅|❌|👎")


_INNER_HYPHEN_RE = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def _tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    # One word with or without its hyphen: "vas-y" is "vasy", "re-open" is "reopen".
    return _TOKEN_RE.findall(_INNER_HYPHEN_RE.sub("", folded))


def _plain(word: str) -> str:
    """Without accents: "sí" and "si", "d'accord" and "daccord" read the same."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("'", "")


# -- yes and no --------------------------------------------------------------------------------

_YES_STRONG = frozenset(
    """yes y yep yeah yup yea ya yas sure ok okay okey k confirm confirmed correct affirmative
    absolutely definitely certainly go proceed create log file submit raise do close change
    si claro vale dale adelante venga ja jawohl genau gerne klar jo oui ouais daccord allez
    vasy 👍 👌 ✅ lgtm""".split()  # noqa: SIM905
)
_YES_FILLER = frozenset(
    """please pls plz it that this thing ahead for the a ticket one now then right away just
    thanks thank you thx cheers sounds good great perfect fine alright all lets let's let us
    go on with of course indeed sir mate :) and by means in its please make sure por favor
    bitte danke mach das es sehr gut bien sur merci stp svp cest ca le la hazlo creala
    crealo gracias mais passt perfekt in ordnung los perfecto bueno parfait""".split()  # noqa: SIM905
)
_NO_STRONG = frozenset(
    """nvm nah no n nope nah nay cancel stop abort dont don't not never mind nevermind forget
    scratch scrap ditch disregard ignore withdraw drop skip nein nee nicht abbrechen vergiss
    lass non annule annuler annulez
    laisse tomber pas cancelar cancela olvidalo dejalo ❌ 👎""".split()  # noqa: SIM905
)
_NO_FILLER = frozenset(
    """that's thats mistake wrong accident didn't mean meant sent typo it's its fine good again
    all about anyway thanks thank you thx it that this the ticket one please pls now for
    right about mind actually oh ok okay wait sorry i changed my on second thought keep open
    leave need to do bother anymore any more es das danke gracias merci pas besoin de la le
    ca mehr doch""".split()  # noqa: SIM905
)
# "It works again" answers a draft as clearly as "no": the problem it describes went away.
_RESOLVED_RE = re.compile(
    r"\b(?:(?:it|that|this|everything|all)(?:'s| is)? (?:\w+ )?(?:works?|working) (?:again|now|fine"
    r"|ok)|(?:fixed|sorted|solved|resolved) (?:it)?self|it'?s (?:fixed|sorted|solved|resolved)"
    r"|(?:problem|issue) (?:went away|is gone|solved itself)|no longer (?:needed|an issue)"
    r"|not needed any ?more|don'?t need (?:it|that|a ticket) any ?more"
    r"|(?:it'?s|it is|that'?s|all) (?:fine|ok|okay|good|sorted) (?:now|again)|all good now"
    r"|(?:i|we)(?:'ve| have)? (?:got|managed to get) (?:in|back in|it (?:working|to work))"
    r"|(?:i|we)(?:'ve| have)? (?:fixed|sorted|solved|figured out|worked out) it"
    r"|(?:i|we)(?:'ve| have)? (?:figured|worked) it out|(?:i|we)(?:'ve| have)? managed)\b",
    re.IGNORECASE,
)


def _short(words: list[str]) -> bool:
    return 0 < len(words) <= MAX_REPLY_WORDS


def _is_word(word: str, vocabulary: frozenset[str]) -> bool:
    return word in vocabulary or _plain(word) in vocabulary


def _forgiven(word: str, vocabulary: frozenset[str]) -> bool:
    """The word, or one slip away from a word of ``vocabulary`` ("yse", "yess", "yeas"): from
    exactly one when the word is short ("yet" is a word of its own, near "yes" and "yep")."""
    if _is_word(word, vocabulary):
        return True
    near = closest(_plain(word), vocabulary)
    return len(near) == 1 or (len(word) >= 4 and len(near) > 1)


def says_yes(text: str) -> bool:
    """A confirmation: "yes", "yes please, log it", "go ahead", "yse", "sure thing", "sí",
    "ja, bitte", "oui d'accord". Nothing else may be in it (no "but", no new details)."""
    words = _tokens(text)
    if not _short(words) or any(_is_word(w, _NO_STRONG) for w in words):
        return False
    strong = False
    for word in words:
        if _is_word(word, _YES_STRONG):
            strong = True
        elif _is_word(word, _YES_FILLER):
            continue
        elif len(word) >= 3 and _forgiven(word, _YES_STRONG):
            strong = True
        else:
            return False
    return strong


_DONT_RE = re.compile(
    r"^\s*(?:(?:no|please|pls|ok|okay|actually)[,\s]+)*(?:don'?t|do not|no need to)\s+(?:create"
    r"|open|log|file|submit|raise|bother|send|close|change|add)\b",
    re.IGNORECASE,
)


_WITHDRAW_LEAD_RE = re.compile(
    r"^\s*(?:(?:ah|oh|ok|okay|sorry|hmm|um|actually|wait|oops|no)[,!.\s]+)*(?:never ?mind|nvm"
    r"|forget (?:it|that|about it)|scratch that|scrap (?:it|that)|cancel (?:it|that)|ditch (?:it"
    r"|that)|ignore (?:that|this|me|my last message)|disregard (?:that|this|it))\b[,;:.!\s-]*",
    re.IGNORECASE,
)


def _withdrawn_first(text: str) -> bool:
    """ "ah never mind, I got in now": a withdrawal said first, whatever reason follows (but
    not "never mind the title, make it urgent", which still changes something)."""
    lead = _WITHDRAW_LEAD_RE.match(text)
    if lead is None or len(_tokens(text)) > MAX_REPLY_WORDS:
        return False
    rest = text[lead.end() :]
    return stated_priority(rest) is None and title_edit(rest) is None


def says_no(text: str) -> bool:
    """A refusal or a withdrawal: "no", "never mind", "forget it", "nein danke", "non merci",
    "it works again", "don't create it", "scrap that, I got in"."""
    short = len(_tokens(text)) <= MAX_REPLY_WORDS
    if short and (_RESOLVED_RE.search(text) or _DONT_RE.match(text) or _withdrawn_first(text)):
        return True
    words = _tokens(text)
    if not _short(words):
        return False
    strong = False
    for word in words:
        if _is_word(word, _NO_STRONG):
            strong = True
        elif _is_word(word, _NO_FILLER):
            continue
        else:
            return False
    return strong


_BARE_YES = frozenset(
    ["yes", "y", "yep", "yeah", "yup", "yea", "ja", "si", "oui", "yse", "confirm"]
)
_BARE_NO = frozenset(["no", "n", "nope", "nah", "nein", "non"])


def bare_answer(text: str) -> str | None:
    """``yes`` / ``no`` when the message is only that word (used when nothing waits for one:
    "ok" or "thanks" are small talk then, not answers)."""
    words = [w for w in _tokens(text) if w not in ("please", "thanks", "thank", "you")]
    if len(words) != 1:
        return None
    word = _plain(words[0])
    if word in _BARE_YES:
        return "yes"
    if word in _BARE_NO:
        return "no"
    return None


# -- priority in words -------------------------------------------------------------------------

_LEVELS: tuple[tuple[Priority, re.Pattern[str]], ...] = (
    (
        Priority.LOW,
        re.compile(
            r"\b(?:low(?:est)?(?:[- ]prio(?:rity)?)?|not (?:that |so |very |really )?urgent"
            r"|no (?:rush|hurry)|can wait|p4|minor)\b"
        ),
    ),
    (
        Priority.CRITICAL,
        re.compile(
            r"\b(?:critical|emergency|top[- ]priority|highest(?: priority)?|p1|sev ?1"
            r"|urgent(?:isimo|issimo)|kritisch|dringendst)\b"
        ),
    ),
    (
        Priority.HIGH,
        re.compile(
            r"\b(?:urgent|urgente|dringend|high(?:[- ]prio(?:rity)?)?|asap|important|p2"
            r"|more urgent)\b"
        ),
    ),
    (Priority.MEDIUM, re.compile(r"\b(?:medium|normal|standard|p3|not critical)\b")),
)
_PRIORITY_RESIDUE = frozenset(
    """actually make it set mark change bump raise lower put its it's it is this that be should
    needs need to priority prio the a an please pls after all oh no wait and so but really quite
    very rather pretty fairly sorry i think guess meant mean hmm um ok okay yes yeah now up
    level ticket one as more of on for can could you would will draft just instead rather than
    though though escalate upgrade downgrade move hey hi my we us let lets let's go with treat
    like""".split()  # noqa: SIM905
)


def stated_priority(text: str) -> Priority | None:
    """The priority a short message asks for ("make it critical", "not urgent after all")."""
    low = text.casefold()
    for level, pattern in _LEVELS:
        if pattern.search(low):
            return level
    return None


def _level_words_removed(text: str) -> list[str]:
    low = text.casefold()
    for _, pattern in _LEVELS:
        low = pattern.sub(" ", low)
    return _tokens(low)


def priority_edit(text: str) -> Priority | None:
    """A message that only changes the priority ("actually make it urgent", "no, it's urgent",
    "make it high priority", "it's critical after all"); a report that happens to say "urgent"
    is not one."""
    level = stated_priority(text)
    if level is None or len(_tokens(text)) > MAX_REPLY_WORDS:
        return None
    rest = [w for w in _level_words_removed(text) if w not in _PRIORITY_RESIDUE]
    return level if not rest else None


# -- changing a waiting draft ------------------------------------------------------------------

_TITLE_RE = re.compile(
    r"^\s*(?:(?:please|pls|actually|oh|no|ok|okay|and|could you|can you|would you)[,\s]+)*"
    r"(?:(?:the\s+)?title\s+(?:should\s+be|is|must\s+be|could\s+be)|(?:change|set|make)\s+the"
    r"\s+title\s+(?:to|as)?|title\s*:|(?:call|name|title|rename|retitle|label)\s+(?:it|the ticket"
    r"|the draft|this|that)?\s*(?:to|as)?)\s*[:\-]?\s*[\"'“‘«]?"
    r"(?P<title>[^\"”’»]+?)[\"'”’»]?\s*[.!]?\s*$",
    re.IGNORECASE,
)
_DETAIL_LEAD_RE = re.compile(
    r"^\s*(?:(?:oh|and|also|btw|by the way|fyi|plus|ps)[,:]?\s+)*(?:it'?s|it is|it was|its|"
    r"this is|that'?s|that is|the one|it'?s the|located|it happens|happens|it only|only|mostly|"
    r"since|it started|started|forgot to (?:say|mention)|i forgot|it also|also it|and it|"
    r"it shows|it says|the error|error|the message|on the|in the|at the|next to|by the"
    # What identifies the thing: "the serial number is …", "model P2422H", "asset tag 4410".
    r"|(?:the |my |its |it'?s )?(?:serial|model|make|asset|service tag|tag|host ?name|computer"
    r" name|device name|pc name|ip|ip address|mac address|version|build|extension|ext|room"
    r"|location|desk|brand)(?: number| no\.?| tag| id)?)\b",
    re.IGNORECASE,
)


_LEAD_CLAUSE_RE = re.compile(r"^[^,;:]{1,40}?(?:,|;|\s[-–—])\s*")


def title_edit(text: str) -> str | None:
    """The new title in "call it 'Outlook crashes'", "title: Outlook crashes", "that's
    wrong, the title should be VPN login fails"."""
    match = _TITLE_RE.match(text)
    if not match:
        # A short clause may come first ("no, that's wrong, …"): the request follows it.
        lead = _LEAD_CLAUSE_RE.match(text)
        match = _TITLE_RE.match(text[lead.end() :]) if lead else None
    if not match:
        return None
    title = match.group("title").strip(" .")
    # "the title is wrong" judges the title, it does not give one.
    if re.fullmatch(
        r"(?:(?:not|all|a bit|too|very)\s+)*(?:wrong|incorrect|bad|off|right|ok"
        r"|okay|fine|misleading|confusing|weird|odd|long|short|vague)",
        title,
        re.I,
    ):
        return None
    return title or None


def adds_detail(text: str) -> bool:
    """Extra detail about the problem being drafted ("it's the printer by the kitchen")."""
    return bool(_DETAIL_LEAD_RE.match(text)) and len(_tokens(text)) <= 40


# -- follow-ups on the ticket in focus ---------------------------------------------------------

_FOLLOW_UP_RE = re.compile(
    r"^\s*(?:(?:oh|ok|okay|and|btw|by the way|fyi|update)[,:]?\s+)*"
    r"(?:also\b|it also\b|and also\b|plus\b|additionally\b|in addition\b|same (?:thing|issue"
    r"|problem|error|here)\b|the same (?:happens|thing|issue|problem)\b|and now\b|now it\b"
    r"|it now\b|it'?s (?:now|still|also)\b|still\b|it still\b|again\b|it happened again\b"
    r"|happened again\b|it'?s happening again\b|forgot to (?:say|mention)\b|i forgot to\b"
    r"|one more thing\b|another detail\b|(?:i|we) (?:also|now|still)\b|there(?:'s| is) (?:also"
    r"|now|still)\b|on top of that\b)",
    re.IGNORECASE,
)
_MAYBE_FOLLOW_UP_RE = re.compile(
    r"^\s*(?:it|this|that|the same|the (?:error|problem|issue|message|screen|fault))\s+\w+",
    re.IGNORECASE,
)
_ADD_TO_IT_RE = re.compile(
    r"^\s*(?:(?:please|pls|can you|could you|would you)\s+)?(?:add|append|include|mention|put"
    r"|note)\s+(?:that|this|to it|to that|to the ticket|to my ticket|on it|a note|a comment"
    r"|in a note)\b",
    re.IGNORECASE,
)
_TOO_RE = re.compile(r"\b(?:too|as well|again)\s*[.!]*\s*$", re.IGNORECASE)


_FYI_RE = re.compile(
    r"^\s*(?:btw|by the way|fyi|ps|p\.s\.|update|for your info(?:rmation)?|just so you know"
    r"|just to add|to add)\b",
    re.IGNORECASE,
)


_ALSO_RE = re.compile(r"\b(?:also|too|as well)\b", re.IGNORECASE)
# What the person tried since, and what still happens: a report on the ticket in focus.
_TRIED_RE = re.compile(
    r"^\s*(?:i|we)(?:'ve| have)?\s+(?:just\s+|already\s+)?(?:restarted|rebooted|tried|retried"
    r"|replaced|reinstalled|unplugged|plugged|reset|cleared|switched|turned)\b",
    re.IGNORECASE,
)
_STILL_RE = re.compile(r"\b(?:it'?s|it is|it|is|are)\s+still\b", re.IGNORECASE)


def follow_up(text: str) -> str | None:
    """``sure`` for a clear follow-up ("also …", "it also …", "same thing on …", "and now it
    shows …", "add that …", "it crashes in safe mode too"), ``maybe`` for one that probably is
    ("it keeps freezing"), else None."""
    if _FOLLOW_UP_RE.match(text) or _ADD_TO_IT_RE.match(text) or _FYI_RE.match(text):
        return "sure"
    if _MAYBE_FOLLOW_UP_RE.match(text):
        return "sure" if _TOO_RE.search(text) else "maybe"
    if _ALSO_RE.search(text):
        return "maybe"  # "the monitor also flickers": the same ticket, or a new one? Ask.
    if _TRIED_RE.match(text) or _STILL_RE.search(text):
        return "maybe"  # "I restarted it and it's still slow": news about it, probably
    return None


_FOCUS_STATUS_RE = re.compile(
    r"^\s*(?:(?:and|so|ok|okay|hi|hey|hello)[,!]?\s+)*(?:"
    r"status|any (?:updates?|news|progress|word)|what(?:'s| is)? (?:about|with) (?:that|this|it"
    r"|that one|this one|my ticket|the ticket)|(?:what's|whats|what is) the (?:status|latest"
    r"|news|update)|how(?:'s| is)? (?:it|that|my ticket|the ticket|that one) (?:going|coming"
    r"(?: along)?|looking|doing)|how(?:'s| is| are) (?:my ticket|the ticket|things|my request)"
    r"|who(?:'s| is)? (?:working on|handling|looking (?:at|into)"
    r"|assigned to|on) (?:it|that|this|my ticket|the ticket|that one)|is (?:anyone|someone"
    r"|somebody|it|that) (?:working on|looking at|handling|being (?:worked on|looked at))"
    r"|when will (?:it|that|this) be (?:fixed|done|sorted|resolved)|eta|update|news"
    r"|(?:is|has|did) (?:anyone|someone|somebody|a technician|a tech)(?: \w+){0,3} (?:it|that|this"
    r"|my ticket)"
    r"|(?:what'?s|what is) (?:happening|going on) (?:with|on) (?:it|that|this|my ticket|the ticket)"
    r"|(?:is|was) (?:it|that|this|my ticket) (?:fixed|done|sorted|resolved|ready|solved)"
    r"|when will (?:someone|anyone|somebody|a technician|a tech|you) (?:look at|fix|get to|check"
    r"|handle|pick up) (?:it|that|this|my ticket)"
    r"|any (?:progress|news|updates?) (?:on|with|about) (?:it|that|this|my ticket|the ticket)"
    r"|where are we(?: with (?:it|that|this))?|any luck|and\?|estado|¿?qué tal|stand|"
    r"wie ist der stand|o[uù] en est(?:-| )on"
    r")\b[^\w]*(?:\w+[^\w]*){0,4}$",
    re.IGNORECASE,
)


def asks_focus_status(text: str) -> bool:
    """A short status question about "it" ("status?", "any update?", "who's working on it?");
    one that names a ticket by its number is the classifier's to read."""
    if any(ch.isdigit() for ch in text):
        return False
    return len(_tokens(text)) <= 10 and bool(_FOCUS_STATUS_RE.match(text))


def _target(n: int) -> str:
    """A ticket named by number, or "it" / "that one" / "my ticket" (group ``ref<n>``)."""
    ref = rf"(?:ticket\s*|#)?(?P<ref{n}>T\d{{8}}\.\d{{4}}|\d{{3,10}})"
    return rf"(?:{ref}|it|that|this|that one|this one|my ticket|the ticket)"


_PRIORITY_REQUEST_RE = re.compile(
    rf"\b(?:make|mark|set|put|bump|raise|lower|change|escalate|upgrade|downgrade|move)\s+"
    rf"(?:the\s+priority\s+(?:of|on|for)\s+)?{_target(1)}(?:'s)?\s+(?:priority\s+)?(?:to"
    rf"|up to|down to|as|at)?\s*\w+"
    rf"|\b(?:priority|prio)\s+(?:of|on|for)\s+{_target(2)}\s+(?:to|should be|=|:)"
    rf"|\b{_target(3)}(?:'s|’s|\s+(?:is|should be|needs to be|must be))\s+(?:now\s+)?"
    rf"(?:actually\s+|really\s+)?(?:more\s+)?\w+"
    rf"|\b(?:raise|lower|bump|change|set|increase|decrease|upgrade|downgrade|update)\s+(?:the\s+)?"
    rf"(?:priority|prio)(?:\s+(?:of|on|for)\s+{_target(4)})?\s+(?:to|up to|down to)\b",
    re.IGNORECASE,
)
_REOPEN_RE = re.compile(
    rf"\b(?:re-?open|re open|open\s+{_target(1)}\s+(?:again|back up|back))\b"
    rf"(?:\s+{_target(2)})?",
    re.IGNORECASE,
)


def _ref_in(match: re.Match[str]) -> TicketRef | None:
    for name, raw in match.groupdict().items():
        if name.startswith("ref") and raw:
            return TicketRef.parse(raw)
    return None


def priority_request(text: str) -> tuple[TicketRef | None, Priority] | None:
    """ "make 10006 urgent", "can you make it critical?", "set the priority of #10004 to low":
    the ticket named (None for "it") and the level."""
    level = stated_priority(text)
    if level is None or len(_tokens(text)) > 20:
        return None
    match = _PRIORITY_REQUEST_RE.search(text)
    if match is None:
        return None
    # Only the request itself: "the VPN is down and this is important" is a report.
    rest = [
        w
        for w in _level_words_removed(text)
        if w not in _PRIORITY_RESIDUE and not w.isdigit() and not re.fullmatch(r"t\d{8}", w)
    ]
    return (_ref_in(match), level) if not rest else None


def reopen_request(text: str) -> tuple[TicketRef | None] | None:
    """ "reopen 10003", "please re-open it", "open that one again": the ticket named (None for
    "it"), in a one-element tuple (None when the message asks no such thing)."""
    if len(_tokens(text)) > 30:
        return None
    match = _REOPEN_RE.search(text)
    if match is None:
        return None
    ref = _ref_in(match)
    if ref is None:
        loose = re.search(r"(?:#|ticket\s*)?(T\d{8}\.\d{4}|\b\d{4,10}\b)", text, re.IGNORECASE)
        ref = TicketRef.parse(loose.group(1)) if loose else None
    return (ref,)


_CLOSE_BY_WORDS_RE = re.compile(
    r"^\s*(?:(?:please|pls|can you|could you|would you|you can|ok|okay|and)[,\s]+)*"
    r"(?:close|resolve|shut|mark|close out)\s+(?:the|my|that|this)\s+(?P<what>.+?)\s+"
    r"(?:one|ticket|issue|request|problem|case)(?:\s+(?:as\s+)?(?:done|resolved|closed|complete"
    r"|fixed|sorted))?(?:,?\s+(?:please|pls|thanks|thank you))?[\s.!?]*$",
    re.IGNORECASE,
)


def close_by_description(text: str) -> bool:
    """ "close the iPhone one", "please close my printer ticket": a close that names the ticket
    by what it is about."""
    match = _CLOSE_BY_WORDS_RE.match(text)
    return match is not None and not re.fullmatch(r"\W*(?:#?\d+|it|that|this)\W*", match["what"])


_SECOND_REQUEST_RE = re.compile(
    r"\s*(?:[,;.]\s*)?\band also\b[,]?\s+|\s*[;.]\s+also[,]?\s+|,\s+also[,]?\s+",
    re.IGNORECASE,
)


def split_second_request(text: str) -> tuple[str, str] | None:
    """ "can you check 10002 and also my mouse is broken" → the two requests."""
    match = _SECOND_REQUEST_RE.search(text)
    if match is None:
        return None
    first, second = text[: match.start()].strip(), text[match.end() :].strip()
    if len(_tokens(first)) < 2 or len(_tokens(second)) < 3:
        return None
    return first, second


_STATUS_BY_WORDS_RE = re.compile(
    r"^\s*(?:(?:and|so|ok|okay)[,\s]+)?(?:(?:what about|how about|how'?s|how is|any news on"
    r"|any updates? on|status of|what'?s happening with|where are we with)\s+)?(?:the|my|that)\s+"
    r"(?P<what>.+?)\s+(?:one|ticket|issue|request|problem|case)\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def status_by_description(text: str) -> bool:
    """ "what about the phone one?": a status question naming the ticket by its subject."""
    return not any(ch.isdigit() for ch in text) and bool(_STATUS_BY_WORDS_RE.match(text))


_CLOSE_IT_RE = re.compile(
    r"\b(?:close|resolve)\s+(?:it|that|this|that one|this one|the ticket|my ticket)\b"
    r"|^\s*(?:please\s+)?close(?:\s+(?:please|pls))?[\s.!]*$",
    re.IGNORECASE,
)
_NOT_CLOSE_RE = re.compile(
    r"\b(?:don'?t|do not|no need to|not|never|shouldn'?t|can'?t|cannot|won'?t)\s+(?:\w+\s+)?"
    r"(?:close|resolve)\b",
    re.IGNORECASE,
)


def asks_to_close_it(text: str) -> bool:
    """ "it's working now, close it": a close of the ticket being discussed."""
    return (
        bool(_CLOSE_IT_RE.search(text))
        and not _NOT_CLOSE_RE.search(text)
        and len(_tokens(text)) <= 20
    )


_POLITE_RE = re.compile(
    r"\b(?:please|pls|can you|could you|would you|kindly|thanks|thank you)\b", re.IGNORECASE
)


def reopen_reason(text: str) -> str:
    """The why in "reopen 10003, the jam is back" ("" when only the request was said)."""
    match = _REOPEN_RE.search(text)
    rest = text if match is None else f"{text[: match.start()]} {text[match.end() :]}"
    rest = re.sub(r"\s+", " ", _POLITE_RE.sub(" ", rest)).strip(" ,.;:!?-–—")
    return rest if len(_tokens(rest)) >= 2 else ""


_SEPARATE_RE = re.compile(
    r"\b(?:too|also|another|as well|second|other|different|separate|new problem|new issue)\b",
    re.IGNORECASE,
)
_SUBJECT_WORD_RE = re.compile(r"[^\W\d_]{4,}")
_NOT_A_SUBJECT = frozenset(
    """ticket tickets draft request case mine your yours this that with from have been there
    their they what when where which will would could
    should about into just still does doesn't isn't won't can't cannot working work works
    broken problem issue please thanks help need want keeps every time today again also
    some something anything nothing really very""".split()  # noqa: SIM905
)


def same_subject(text: str, draft: str) -> bool:
    """More about the thing being drafted ("the folder is \\\\fs01\\finance" for a draft about
    the finance folder), not another problem ("the printer on 3 is broken too")."""
    if _SEPARATE_RE.search(text) or len(_tokens(text)) > 25:
        return False
    said = {w for w in _SUBJECT_WORD_RE.findall(text.casefold()) if w not in _NOT_A_SUBJECT}
    drafted = {w for w in _SUBJECT_WORD_RE.findall(draft.casefold()) if w not in _NOT_A_SUBJECT}
    return bool(said & drafted)


_MAKE_IT_RE = re.compile(
    r"^\s*(?:(?:oh|and|also|actually|please|pls|but|ok|okay|so|hmm|wait)[,\s]+)*(?:make|set|mark"
    r"|flag|put|treat)\s+(?:it|this|that|the ticket|the draft)\s+(?:as\s+|to\s+|at\s+)?",
    re.IGNORECASE,
)


def makes_it(text: str) -> Priority | None:
    """ "oh and make it high priority, meeting at 3": a priority for "it", with more said."""
    return stated_priority(text) if _MAKE_IT_RE.match(text) else None


_ESCALATE_RE = re.compile(
    r"^\s*(?:(?:please|pls|can you|could you|would you|ok|okay|and)[,\s]+)*(?:escalate|expedite"
    r"|prioriti[sz]e|hurry up|speed up|bump|raise)\s+(?:the priority of\s+)?(?:ticket\s*|#)?"
    r"(?P<ref>T\d{8}\.\d{4}|\d{3,10}|it|that|this|that one|my ticket|the ticket)"
    r"(?:\s+(?:please|pls|up))?[\s.!?]*$",
    re.IGNORECASE,
)


def escalation(text: str) -> tuple[TicketRef | None] | None:
    """ "please escalate it": one level up for the ticket named (None for "it")."""
    match = _ESCALATE_RE.match(text)
    if match is None:
        return None
    return (TicketRef.parse(match["ref"]),)


_DESCRIPTIVE_RE = re.compile(r"[^\W\d_]{3,}")
_NOT_DESCRIPTIVE = frozenset(
    """close closed closing the one that this ticket tickets can you could would please pls
    for about with mine done resolved fixed sorted solved finished thanks thank now also and
    issue problem request case its it's all any out off was were has have had been you your
    don't dont need anymore more not just mark complete completed shut down what how status
    update news""".split()  # noqa: SIM905
)


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def descriptive_words(text: str) -> set[str]:
    """The words that say what a ticket is about ("the iPhone one" → {"iphone"})."""
    return {_stem(w) for w in _DESCRIPTIVE_RE.findall(text.casefold()) if w not in _NOT_DESCRIPTIVE}


def best_match(words: str, subjects: list[str]) -> int | None:
    """The index of the one subject sharing the most descriptive words with ``words``; None
    when none shares any or several tie."""
    wanted = descriptive_words(words)
    if not wanted:
        return None
    scores = [len(wanted & descriptive_words(subject)) for subject in subjects]
    best = max(scores, default=0)
    if best == 0 or scores.count(best) > 1:
        return None
    return scores.index(best)


_WITHDRAW_RE = re.compile(
    r"\b(?:never ?mind|nvm|forget (?:it|that|about it)|scratch that|scrap (?:it|that)|cancel"
    r"|drop it|ditch (?:it|that)|disregard (?:it|that|this))\b",
    re.IGNORECASE,
)


def withdraws(text: str) -> bool:
    """A "no" that takes the words back altogether ("never mind, it works again"), not one
    that only says "not on that ticket"."""
    short = len(_tokens(text)) <= MAX_REPLY_WORDS
    return short and bool(
        _RESOLVED_RE.search(text) or _DONT_RE.match(text) or _WITHDRAW_RE.search(text)
    )


# -- answers to ticket updates -----------------------------------------------------------------

_MUTE_RE = re.compile(
    r"^\s*(?:please\s+)?(?:(?P<verb>mute|unmute)\s+(?:the\s+)?updates\s+(?:on|for|about)"
    r"|(?P<stop>stop|resume|restart)\s+(?:the\s+|sending\s+(?:me\s+)?)?updates"
    r"(?:\s+(?:on|for|about))?)(?:\s+(?:ticket\s+|#)?(?P<ref>\S+?))?\s*[.!]?\s*$",
    re.IGNORECASE,
)


def mute_request(text: str) -> tuple[TicketRef | None, bool] | None:
    """ "stop updates on 48213" → (48213, True); "resume updates on it" → (None, False) (the
    ticket in focus); None when the message is not about updates."""
    match = _MUTE_RE.match(text)
    if match is None:
        return None
    verb = (match.group("verb") or match.group("stop") or "").casefold()
    word = match.group("ref") or ""
    ref = TicketRef.parse(word.lstrip("#")) if word else None
    if word and ref is None and word.casefold() not in ("it", "this", "that", "them"):
        return None
    return ref, verb in ("mute", "stop")


_FIXED_RE = re.compile(
    r"^(?:yes|yep|yeah)?[,.! ]*(?:it'?s |it is |that |this )?(?:fixed|solved|works|working)"
    r"(?: it| now)?[,.! ]*(?:thanks?|thank you)?[,.! ]*$|^yes,? close it[.! ]*$",
    re.IGNORECASE,
)
_NOT_FIXED_RE = re.compile(
    r"^(?:no|nope)?[,.! ]*(?:it'?s |it is )?(?:not fixed|still (?:broken|not working|failing"
    r"|the same|slow|happening))|^no,? reopen|^(?:no|nope)[,.!]+\s*\S",
    re.IGNORECASE,
)


def fixed_answer(text: str) -> str | None:
    """The answer to "Did this fix it?": ``fixed`` ("it's fixed", "yes", "works now"),
    ``not fixed`` ("no", "not fixed, it still jams", "still broken"), else None."""
    if _FIXED_RE.match(text.strip()):
        return "fixed"
    if _NOT_FIXED_RE.match(text.strip()):
        return "not fixed"
    if says_yes(text):
        return "fixed"
    if says_no(text):
        return "not fixed"
    return None
