"""Finding ticket references in free text.

Autotask names a ticket two ways: the integer ``id`` (48213) and the ``ticketNumber``
(T20251104.0031). A ticket number, a ``#`` number and a number right after a ticket word
("ticket 48213", "case no. 48213") are references wherever they stand. A bare number counts only
when it stands where a ticket stands: right after a ticket verb ("close 48213", "bump 48213 to
high"), as the subject of a ticket's state ("48213 is still open"), as a heading ("48213: ..."),
alone, or after a preposition in a message about tickets ("any news on 48213?"). A number after
any other word names that thing ("Latitude 7440", "printer 3320", "invoice 88412"), and one that
looks like something else never counts: a phone number, a time, a year, a size, a room, an
extension, an error code, an IP address or a version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.classifier.text import ANALYSIS_LIMIT
from core.tickets import TicketRef

MAX_REFS = 20  # more is a pasted list or log, not a message about one ticket


@dataclass(frozen=True)
class RefMatch:
    """A reference and where it stands in the (cleaned) text."""

    ref: TicketRef
    start: int
    end: int
    explicit: bool


# A digit run that is not part of a larger token: no letters, dots, colons, slashes or dashes
# glued to it with another digit (versions, IPs, times, dates, phone numbers, hex codes).
_NOT_AFTER = r"(?![0-9A-Za-z_%\u00b0]|[.,:/\\-][0-9A-Za-z])"

_TICKET_NUMBER_RE = re.compile(
    r"(?<![0-9A-Za-z_.])(T?)(\d{8})\.(\d{4})(?![0-9A-Za-z_]|\.\d)", re.IGNORECASE
)
# "ticket 48213", "ticket #48213", "ticket no. 48213", "Ticket ID: 48213", "tickets 1 and 2".
_STRONG_WORD_ID_RE = re.compile(
    r"\b(?:ticket|tkt)s?\s*(?:number|num|nr|no\.?|id|ref)?(?:\s+(?:is"
    r"|was))?\s*[:#]?\s*#?\s*(\d{1,10})" + _NOT_AFTER,
    re.IGNORECASE,
)
# Words that name a ticket less surely: a longer number is wanted ("request 2 laptops" is not one).
_WEAK_WORD_ID_RE = re.compile(
    r"\b(?:case|incident|request|req|issue|ref|reference|job|caso|incidencia|solicitud"
    r"|petici[o\u00f3]n|anfrage|vorgang|fall|demande|dossier|requ[e\u00ea]te|billet)"
    r"\s*(?:number|num|nr|no\.?|id|n[o\u00ba\u00b0]|nummer)?"
    r"\s*[:#]?\s*#?\s*(\d{4,10})" + _NOT_AFTER,
    re.IGNORECASE,
)
_HASH_RE = re.compile(r"(?<![0-9A-Za-z_&])#\s?(\d{3,10})" + _NOT_AFTER)
_BARE_RE = re.compile(r"(?<![0-9A-Za-z_#$\u20ac\u00a3\u00a5@+.,:/\\-])(\d{4,10})" + _NOT_AFTER)
_ONLY_NUMBER_RE = re.compile(
    r"^\W*#?\s*(\d{3,10})\W*(?:(?:please|pls|thanks|thank you|thx|status|\?)\W*)?$",
    re.IGNORECASE,
)
# "I tried what you said on 10422, no change": a number right after a preposition and right
# before punctuation names something; counts, times and sizes are excluded already.
_PREPOSITION_NUMBER_RE = re.compile(
    r"\b(?:on|for|re|regarding|about|with|to|into|in)\s+#?(\d{4,10})(?=\s*(?:[,;:!?]|\.(?!\d)|$))",
    re.IGNORECASE,
)
# "48213: screenshot attached", "48213 - still broken": a leading number set off like a heading.
_LEADING_NUMBER_RE = re.compile(
    r"^\s*(?:(?:re|for|on|about|regarding|ref)\s*:?\s+)?(\d{4,10})\s*(?:[:,\u2013\u2014]|-\s|\s-\s"
    r"|>)",
    re.IGNORECASE,
)

# The word right before a bare number says what the number names. After one of these (a ticket
# verb, a progress noun, a preposition or an auxiliary) it can stand for a ticket; after any other
# word it names that thing ("Latitude 7440", "printer 3320", "shows 3021 unread").
_SLOT_WORDS = frozenset(
    re.findall(
        r"\S+",
        """close closing closed resolve resolving resolved reopen re-open reopening open cancel
        withdraw check checking chase chasing escalate escalating bump bumping raise lower expedite
        track view show news status progress latest eta prioritise prioritize
        deprioritise deprioritize mark set make change follow up look pull note add adding append
        upgrade downgrade increase decrease reduce drop move put switch push could can would will
        should may might must take bring until till ist wird wurde est sigue
        touched seen checked handled reviewed started looked fixed closed updated
        it's its that's zu zum von vom für über del de sobre con sur du au à priority prio
        need needed keep out back down tell whoever about re regarding concerning on to for in of
        with into is are was has have had did does do when how's hows whether and but so or then
        also that what's whats where's wheres what where""",
    )
)
_LAST_WORD_RE = re.compile(r"([^\W\d_][\w'-]*)([^\w]*)$")
_CLAUSE_PUNCT_RE = re.compile(r"[.!?;,:(\[\u2013\u2014]")

# "41008 can go", "20322 is still broken": a message that opens with a number and a verb of state
# is about that number.
_LEADING_SUBJECT_RE = re.compile(
    r"^\s*#?\s*(\d{4,10})\s+(?:is|was|has|can|could|should|shouldn't|needs?|still|got|isn't"
    r"|wasn't|hasn't|may|must|went|came|seems|looks)\b",
    re.IGNORECASE,
)
# "12345 is my employee number": the message says the number is something else.
_SAYS_WHAT_IT_IS_RE = re.compile(
    r"\s+(?:is|was|=)\s+(?:my|our|the|his|her|their)\s+(?:\w+\s+)?(?:number|no|extension|ext"
    r"|pin|code|id|badge|employee|staff|asset|serial|phone|mobile|account|order|invoice|room"
    r"|desk|tag)\b",
    re.IGNORECASE,
)
# A five-digit-or-longer number opening the message, then words: "231020 screenshot uploaded".
_LEADING_LONG_NUMBER_RE = re.compile(r"^\s*#?\s*(\d{5,10})\s+(?=[a-z])", re.IGNORECASE)

_STATE_AFTER_RE = re.compile(
    r"\s+(?:will be|is|was|has been|gets|got|be|is now|is still) (?:\w+ )?(?:done|fixed|resolved"
    r"|closed|sorted|finished|looked at|picked up|assigned|open|reopened|complete|completed)\b",
    re.IGNORECASE,
)

# Words that, just before a number, say it is something other than a ticket.
_BLOCKERS_BEFORE_RE = re.compile(
    r"\b(?:room|rm|floor|level|desk|suite|building|bldg|office|ext|extension|phone|tel|telephone"
    r"|mobile|cell|call|dial|fax|whatsapp|line|port|version|ver|build|model|error|code|err"
    r"|order|invoice|po|serial|asset|tag|sn|step|page|item|row|zip|postcode|pin|account|acct"
    r"|employee|badge|kb|patch|vlan|printer|pc|laptop|unit|apartment|apt|flight|bus|seat"
    r"|cost|costs|price|budget|pay|paid|salary|number is|numbers? are"
    r"|(?:call|ring|phone|text|reach|contact|call me|ring me|reach me|text me|contact me|call us"
    r"|reach us)(?: back)? (?:at|on|via))\W*(?:(?:is|was|at|on|of|no\.?|number|#)\W+)?$",
    re.IGNORECASE,
)
_DIGIT_GROUP_AFTER_RE = re.compile(r"[ .]\d{2,}")
_DIGIT_GROUP_BEFORE_RE = re.compile(r"(?:^|[^\w.,:/-])\+?\d{2,}[ .]$")
_TIME_CONTEXT_BEFORE_RE = re.compile(r"\b(?:at|around|till|until|by|from)\W*$", re.IGNORECASE)
_UNIT_AFTER_RE = re.compile(
    r"^\s*(?:gb|mb|tb|kb|gig|gigs|ghz|mhz|hz|px|pixels?|dpi|ppm|rpm|mbps|gbps|kbps|ms|inch|inches"
    r"|cm|mm|km|kg|lbs?|w|watts?|v|volts?|mah|am|pm|a\.m\.|p\.m\.|hrs?|hours?|mins?|minutes?"
    r"|secs?|seconds?|days?|weeks?|months?|years?|yrs?|times|x|people|persons|users?|staff"
    r"|employees|members|customers|clients|pages?|emails|e-mails|mails|messages|files|folders"
    r"|items|rows|records|entries|euros?|eur|dollars?|usd|gbp|pounds?|bucks|k|percent|degrees"
    r"|calls|copies|sheets|licen[cs]es|seats|devices|laptops|computers|machines|pcs|phones"
    r"|monitors|printers|accounts|mailboxes|servers|units|pieces|pcs|boxes|errors|attempts"
    r"|characters|chars|words|lines|steps|miles|meters|metres|feet|ft|series|model|edition"
    r"|build|bit|bits|bytes?|cores?|threads?)\b",
    re.IGNORECASE,
)
# A message that speaks of tickets: only then may a bare number be one.
_TICKET_CONTEXT_RE = re.compile(
    r"\b(?:tickets?|tkt|case|request|incident|low|medium|high|critical|p[1-4]|offen|abierto"
    r"|ouvert|estado|statut|stand|erledigt|resuelto|r\u00e9solu|status|updates?|news"
    r"|progress|latest|eta|close"
    r"|closed|closing|resolve|resolved|solved|fixed|done|complete|completed|cancel|cancell?ed"
    r"|note|notes|add|adding|append|re|regarding|concerning|tech|technician|engineer|assigned"
    r"|escalated?|looked|working on|open|still open|reopen|reopened|happening|coming|get to"
    r"|tell|let|info|anymore|no longer|chase|chasing|follow(?:ing)? up|heard|where are we"
    r"|mark|marked|sorted|withdraw|going|moving|attach|attached|how's|details?|information"
    r"|check|checking|look up|lookup|keep"
    r"|whoever|pass on|pass along|waiting|hear|about|picked up|yet|priority|urgent|bump(?:ed|ing)?"
    r"|escalat(?:e|ed|ing)|prioriti[sz]e[sd]?|expedited?"
    r"|again|back|upgraded?|downgraded?|raised?|lower(?:ed)?|where is|where's|anywhere|joy|luck"
    r"|need|needed"
    r"|drop|rid of|duplicate|screenshot|uploaded|go up|go down|touched|seen|reviewed|handled"
    r"|heard)\b",
    re.IGNORECASE,
)


def find_ticket_refs(text: str) -> list[RefMatch]:
    """Every ticket reference in the head of ``text``, in reading order.

    ``text`` should come from :func:`core.classifier.text.clean`; spans index into it.
    """
    head = text[:ANALYSIS_LIMIT]
    found: list[RefMatch] = []
    taken: list[tuple[int, int]] = []

    def add(ref: TicketRef | None, start: int, end: int, explicit: bool) -> None:
        if (
            ref is None
            or len(found) >= MAX_REFS
            or any(start < t_end and t_start < end for t_start, t_end in taken)
        ):
            return
        taken.append((start, end))
        found.append(RefMatch(ref, start, end, explicit))

    for match in _TICKET_NUMBER_RE.finditer(head):
        has_t = bool(match.group(1))
        if has_t or _plausible_date(match.group(2)):
            ref = TicketRef.parse(f"T{match.group(2)}.{match.group(3)}")
            add(ref, match.start(), match.end(), True)
    for pattern in (_STRONG_WORD_ID_RE, _WEAK_WORD_ID_RE, _HASH_RE):
        for match in pattern.finditer(head):
            if _unit_follows(head, match.end(1)):
                continue
            before = head[max(0, match.start() - 30) : match.start()]
            if pattern is _HASH_RE and _BLOCKERS_BEFORE_RE.search(before):
                continue
            add(TicketRef.parse(match.group(1)), match.start(), match.end(), True)

    only = (
        _ONLY_NUMBER_RE.match(head)
        or _LEADING_NUMBER_RE.match(head)
        or _LEADING_SUBJECT_RE.match(head)
        or _LEADING_LONG_NUMBER_RE.match(head)
    )
    if (
        only
        and not _unit_follows(head, only.end(1))
        and not _looks_like_year(only.group(1))
        and not _SAYS_WHAT_IT_IS_RE.match(head, only.end(1))
    ):
        add(TicketRef.parse(only.group(1)), only.start(1), only.end(1), False)
    elif _BARE_RE.search(head):
        in_context = bool(_TICKET_CONTEXT_RE.search(head))
        named = {m.start(1) for m in _PREPOSITION_NUMBER_RE.finditer(head)}
        for match in _BARE_RE.finditer(head):
            start, end = match.start(1), match.end(1)
            in_slot = in_context and (
                _stands_for_a_ticket(head, start) or _followed_by_a_ticket_state(head, end)
            )
            if (in_slot or start in named) and _bare_number_is_ref(head, start, end):
                add(TicketRef.parse(match.group(1)), start, end, False)

    found.sort(key=lambda m: m.start)
    return found


def first_ticket_ref(text: str) -> RefMatch | None:
    """The reference a message is about: the first explicit one, else the first bare one."""
    refs = find_ticket_refs(text)
    for match in refs:
        if match.explicit:
            return match
    return refs[0] if refs else None


def _stands_for_a_ticket(text: str, start: int) -> bool:
    before = text[max(0, start - 40) : start]
    last = _LAST_WORD_RE.search(before)
    if last is None:
        return True  # the number opens the message
    if _CLAUSE_PUNCT_RE.search(last.group(2)):
        return True  # the number opens a clause: "Re: 40022 ...", "thanks. 77123 ..."
    return last.group(1).lower() in _SLOT_WORDS


def _followed_by_a_ticket_state(text: str, end: int) -> bool:
    """ "... 231015 will be done", "... 48213 is still open": the number is what gets done."""
    return bool(_STATE_AFTER_RE.match(text, end))


def _bare_number_is_ref(text: str, start: int, end: int) -> bool:
    digits = text[start:end]
    before = text[max(0, start - 30) : start]
    if _BLOCKERS_BEFORE_RE.search(before) or _unit_follows(text, end):
        return False
    if _DIGIT_GROUP_AFTER_RE.match(text, end) or _DIGIT_GROUP_BEFORE_RE.search(before):
        return False  # one group of a spaced phone number: "0161 496 0000"
    if _looks_like_year(digits):
        return False  # a year far more often than a ticket, unless a ticket word names it
    value = int(digits)
    return not (
        len(digits) == 4
        and value <= 2359
        and value % 100 < 60
        and _TIME_CONTEXT_BEFORE_RE.search(before)
    )


def _looks_like_year(digits: str) -> bool:
    return len(digits) == 4 and 1900 <= int(digits) <= 2099


def _unit_follows(text: str, end: int) -> bool:
    return bool(_UNIT_AFTER_RE.match(text[end : end + 16]))


def _plausible_date(yyyymmdd: str) -> bool:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    return 2000 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31
