"""Drafting a ticket title and cutting a note out of a message."""

from __future__ import annotations

import re

from core.classifier.refs import RefMatch

TITLE_LIMIT = 80
FALLBACK_TITLE = "Support request"

_GREETING_WORDS = (
    r"(?i:hi|hello|hey|hiya|heya|howdy|yo|greetings|dear|good (?:morning|afternoon|evening|day)"
    r"|hola|buenos d[ií]as|buenas(?: tardes)?|hallo|guten (?:morgen|tag)|moin|servus|bonjour"
    r"|salut|coucou|ciao"
    r"|morning|afternoon|evening)"
)
# Who is greeted: group words, or capitalised names ("Hi Anna,", "Hello IT team,").
_ADDRESSEE = (
    r"(?:\s+(?:(?i:there|team|all|everyone|folks|guys|it|support|help ?desk|service ?desk|bot"
    r"|ticketbot)|[A-Z][\w'.-]*)){0,3}"
)
_GREETING_RE = re.compile(
    r"^" + _GREETING_WORDS + r"(?:" + _ADDRESSEE + r"\s*[,!:;\u2013\u2014-]+|\b)[\s,!.:;-]*"
)
_SALUTATION_LINE_RE = re.compile(_GREETING_WORDS + _ADDRESSEE + r"[\s,!.:;\u2013\u2014-]*")
_URGENCY_LEAD_RE = re.compile(
    r"^(?:(?:it's |this is )?(?:not (?:super |very |that |too )?urgent|urgent(?:ly)?|asap|no rush"
    r"|no hurry|low priority|high priority|quick (?:one|question)|fyi|heads up|emergency"
    r"|(?:whenever|when) (?:you|someone) (?:have|has|get|gets) (?:a |the )?(?:moment|chance|minute"
    r"|sec|second|time)|not a big deal|no big deal|sorry(?: to bother you)?))"
    r"(?:[\s,!.:;-]+(?:but|and)\b)?[\s,!.:;-]+",
    re.IGNORECASE,
)
_POLITE_LEAD_RE = re.compile(
    r"^(?:please|pls|plz|kindly|so|um+|uh+|ok(?:ay)?|well|also|oh(?: no| dear)?|ah|and|plus"
    r"|anyway|btw"
    r"|by the way|separately|unrelated(?:ly)?|on (?:a|an)(?:other| unrelated| separate) note"
    r"|(?:one )?more thing|another (?:thing|problem|issue)|(?:a )?second (?:thing|problem|issue))"
    r"\b[\s,:]*"
    r"|^(?:can|could|would|will) (?:you|someone|somebody|anyone|u) (?:please |pls |kindly )?"
    r"(?:help (?:me )?(?:with|to|on) (?:this:? )?|help me\b[\s,:]*)?"
    r"|^(?:i|we)(?:'m|'ve|'d| am| have| would| really)? (?:need|want|like|require|could use"
    r"|having|have|got) (?:some )?(?:help|assistance|support|a hand) (?:with|on|for|regarding)\s+"
    r"|^(?:i|we)(?:'d| would)? (?:like|want|need|wish) to (?:report|log|raise|open|create|file"
    r"|submit|flag)\s+(?:that\s+)?(?:(?:a|an|the)\s+)?(?:new\s+)?"
    r"(?:(?:ticket|issue|problem|request|case|incident|fault)\s+(?:for|about|regarding|on|with"
    r"|that|because)?\s*:?\s*)?"
    r"|^(?:please\s+)?(?:open|create|raise|log|file|submit|make|start|put in|send)\s+(?:me\s+)?"
    r"(?:up\s+)?(?:a|an)?\s*(?:new\s+)?(?:ticket|case|request|incident|issue|support request)"
    r"(?:\s+(?:for|about|regarding|on|to|because|saying|that|re))?\s*:?\s*"
    r"|^(?:i'm|i am|we're|we are) (?:reporting|writing|contacting you|messaging) (?:about|because"
    r"|regarding|to report)\s+(?:that\s+)?"
    r"|^(?:there is|there's|there are|i have|i've got|we have|i got) (?:a|an|some) (?:problem|issue"
    r"|trouble|fault) (?:with|on|in)\s+(?=\S+\s+\S)",
    re.IGNORECASE,
)
_TRAILING_RE = re.compile(
    r"(?:[\s,;.:!-]+(?:it's |its |this is |that's |which is |pretty |quite |very |kind of |kinda "
    r"|super |rather |fairly |somewhat |not )*(?:urgent|asap|no rush|no hurry|low priority"
    r"|high priority|when you get a chance|whenever you (?:can|get a chance|have a moment"
    r"|have time)"
    r"|thanks(?: (?:a lot|so much|in advance))?|thank you(?: (?:so much|very much|in advance))?"
    r"|thx|please|pls|cheers|ta|regards|many thanks|much appreciated|a\.s\.a\.p|if possible"
    r"|can you help|can you help me|could you help|please help|help)[\s!.?]*)+$",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
_CLAUSE_BREAK_RE = re.compile(r"\s*(?:[,;:]|\s-\s|\s\u2013\s|\s\u2014\s)\s*")
_SPACES_RE = re.compile(r"\s+")


def draft_title(text: str) -> str:
    """A short readable title from a problem report: greeting, politeness and urgency words
    dropped, the first sentence kept, capitalised, at most about 80 characters."""
    lines = [line.strip() for line in text[:1000].splitlines() if line.strip()]
    while len(lines) > 1 and _SALUTATION_LINE_RE.fullmatch(lines[0]):
        lines.pop(0)  # "Hello IT team," on a line of its own
    title = _SPACES_RE.sub(" ", " ".join(lines[:3])).strip()
    for _ in range(6):
        before = title
        title = _GREETING_RE.sub("", title, count=1)
        title = _URGENCY_LEAD_RE.sub("", title, count=1)
        title = _POLITE_LEAD_RE.sub("", title, count=1).lstrip(" ,:;-")
        if title == before:
            break
    sentences = [part for part in _SENTENCE_END_RE.split(title) if part.strip()]
    if sentences:
        title = sentences[0]
        if len(title) < 20 and len(sentences) > 1:
            # "Can someone look at my laptop? The trackpad stopped working." needs both.
            title = title.rstrip(" ?!.") + ": " + sentences[1]
    title = _TRAILING_RE.sub("", title).strip(" \t,;:.!?-")
    if len(title) > TITLE_LIMIT:
        title = _shorten(title)
    if len(title) < 3 or not any(ch.isalnum() for ch in title):
        title = _fallback(text)
    return title[0].upper() + title[1:] if title else FALLBACK_TITLE


def _shorten(title: str) -> str:
    cut = TITLE_LIMIT
    breaks = [m.start() for m in _CLAUSE_BREAK_RE.finditer(title) if 25 <= m.start() <= TITLE_LIMIT]
    if breaks:
        return title[: breaks[-1]].rstrip(" ,;:-")
    space = title.rfind(" ", 0, cut - 1)
    if space < 25:
        space = cut - 1
    return title[:space].rstrip(" ,;:-") + "\u2026"


def _fallback(text: str) -> str:
    words = _SPACES_RE.sub(" ", text[:1000]).strip(" \t,;:.!?-")
    if not any(ch.isalnum() for ch in words):
        return FALLBACK_TITLE
    return _shorten(words) if len(words) > TITLE_LIMIT else words


# What may stand before the reference in a note: addressing words only, so that what follows
# the reference is the note itself.
_NOTE_LEAD_RE = re.compile(
    r"^(?:(?:please|pls|can you|could you|just|quick|also|another|one more|to)\s+)*"
    r"(?:(?:add|adding|append|appending|put|attach|post|leave|log)\s+(?:this\s+|a\s+|an\s+|the\s+"
    r"following\s+|some\s+|more\s+)?(?:note|comment|update|info(?:rmation)?|details?|remark)?\s*"
    r"(?:to|on|for|in|onto|under)?\s*"
    r"|(?:note|comment|update|updates|fyi|re|regarding|about|concerning|for|on|info|more info"
    r"|additional info|extra info|more details|additional details|details|new info)\s*"
    r"(?:on|for|to|about|re)?\s*:?\s*"
    r")?(?:(?:my|the|our|your)\s+)?(?:(?:ticket|case|request|incident|tkt)\s*(?:number|no\.?|id)?"
    r"\s*:?\s*)?#?\s*$",
    re.IGNORECASE,
)
_NOTE_SEPARATOR_RE = re.compile(
    r"^[\s:,;.\-\u2013\u2014>]*(?:(?:more info|additional info|extra info|more details|update"
    r"|note|fyi|info|also|that)\b\s*[:\-\u2013\u2014,]?\s*)?",
    re.IGNORECASE,
)


def note_text(original: str, ref: RefMatch) -> str:
    """The note in ``original``: what follows the reference when only addressing words
    ("add a note to", "ticket", "re") precede it; otherwise the whole message."""
    whole = original.strip()
    lead = original[: ref.start]
    if not _NOTE_LEAD_RE.match(lead.strip()):
        return whole
    rest = original[ref.end :]
    rest = _NOTE_SEPARATOR_RE.sub("", rest, count=1).strip()
    if len(rest) < 2 or not any(ch.isalnum() for ch in rest):
        return whole
    return rest
