"""Readings about a ticket that already exists: reopen it, change its priority, ask how it is
going in a few words ("status?", "who has it?") or in Spanish, German or French.

Each reader takes the lower-cased, single-spaced message (see :func:`core.classifier.text.
for_cues`) and says whether the message asks for that, by the shape of the request rather than
by fixed phrases: a verb that acts on a ticket, and a ticket (a reference, "my ticket", "it").
"""

from __future__ import annotations

import re

from core.tickets import Priority

# Words for "a ticket" in the languages the offline path reads.
TICKET_WORDS = (
    r"(?:ticket|tickets|tkt|request|case|incident|caso|incidencia|solicitud|petici[o\u00f3]n"
    r"|anfrage|vorgang|fall|meldung|demande|dossier|requ[e\u00ea]te|billet)"
)
# What a follow-up points at when it names no number.
_TARGET = (
    r"(?:it|this|that|this one|that one|mine|(?:my|the|that|this|our|last) (?:\w+ )?"
    + TICKET_WORDS
    + r")"
)

# --- reopen ---------------------------------------------------------------------------------

_REOPEN_EXPLICIT_RE = re.compile(
    r"\bre-?open(?:ed|ing|s)?\b"
    r"|\bopen (?:it|this|that|\S+|the ticket|my ticket) (?:again|back up)\b"
    r"|\bopen (?:it|this|that) back\b|\bopen (?:it |this |that )?up again\b"
    r"|\bopen(?:ing|ed)? (?:it |this |that )?(?:again|back up)\b"
)
_REOPEN_NEGATED_RE = re.compile(
    r"\b(?:don't|dont|do not|no need to|not|never|shouldn't|should not) (?:\w+ )?re-?open"
)
# "it's broken again", "the printer problem is back", "the VPN fault came back".
_PROBLEM_BACK_RE = re.compile(
    r"^(?:(?:oh|ugh|hmm|sorry|hi|hey|so|well|and|but)\W+)*(?:it|this|that|the (?:same )?(?:\w+ )?"
    r"(?:problem|issue|fault|error|bug|thing)|same (?:problem|issue|thing|error)|same as (?:before"
    r"|last time|yesterday)\W*(?:\w+ )?)(?:'s| is| has"
    r"| have| was)? (?:\w+ ){0,3}?(?:again|back)\b"
    r"|\b(?:problem|issue|fault|error|bug)s? (?:is |are |has |have |'s )?(?:come |came |coming )"
    r"?back\b|\b(?:problem|issue|fault|error|bug) (?:came|has come|is) back\b"
)
# Said of a closed ticket: "was closed but it's happening again", "shouldn't have been closed".
_CLOSED_TOO_EARLY_RE = re.compile(
    r"\b(?:still|again)\b.{0,40}\b(?:it was|was|been|got) (?:marked (?:as )?)?(?:closed"
    r"|resolved)\b|"
    r"\b(?:shouldn't|should not|should never) have been (?:closed|resolved)\b"
    r"|\b(?:was|got|been|is) (?:marked (?:as )?)?(?:closed|resolved|fixed|done|complete)\b.{0,40}"
    r"\b(?:again|back|still|not fixed"
    r"|isn't fixed|doesn't work|not working)\b"
    r"|\bclosed (?:too early|prematurely|by mistake|but)\b|\bfix (?:didn't|did not) (?:hold|last"
    r"|work)\b"
)


# Said of a named ticket, "broke again" means it had been fixed: "48213 has broken again".
_BROKE_AGAIN_RE = re.compile(
    r"\b(?:broke|broken|has broken|stopped working|failed|died|gone wrong|packed up) again\b"
    r"|\b(?:came|has come|have come) back\b|\bhas returned\b|\bagain, (?:please )?re-?open"
)


def asks_to_reopen(low: str, *, has_ref: bool) -> bool:
    """True for a request to reopen a closed ticket; with a reference, "it happens again" alone
    is new information for an open ticket, so the message must say "reopen" or "closed"."""
    if _REOPEN_NEGATED_RE.search(low):
        return False
    if _REOPEN_EXPLICIT_RE.search(low) or _CLOSED_TOO_EARLY_RE.search(low):
        return True
    if has_ref and _BROKE_AGAIN_RE.search(low):
        return True
    return not has_ref and bool(_PROBLEM_BACK_RE.search(low))


# --- change priority ------------------------------------------------------------------------

_LEVEL_WORDS = {
    "critical": Priority.CRITICAL,
    "emergency": Priority.CRITICAL,
    "p1": Priority.CRITICAL,
    "top": Priority.HIGH,
    "priority": Priority.HIGH,
    "urgent": Priority.HIGH,
    "high": Priority.HIGH,
    "higher": Priority.HIGH,
    "lower": Priority.LOW,
    "p2": Priority.HIGH,
    "medium": Priority.MEDIUM,
    "normal": Priority.MEDIUM,
    "p3": Priority.MEDIUM,
    "low": Priority.LOW,
    "p4": Priority.LOW,
}
_LEVEL = r"(critical|emergency|p[1-4]|urgent|high|higher|medium|normal|low|lower|top)"
_CHANGE_VERB = (
    r"(?:make|set|mark|change|bump|raise|lower|drop|move|put|switch|upgrade|downgrade"
    r"|increase|decrease|reduce|escalate|push|knock|de-?prioriti[sz]e|prioriti[sz]e"
    r"|reprioriti[sz]e)"
)
# "make 10006 urgent", "bump 48213 to high", "set it to critical", "can the priority on 20324 go
# down to low", "10027 can be low priority".
_CHANGE_TO_LEVEL_RE = re.compile(
    r"^(?:please )?up (?:#?\d{3,10}|t\d{8}\.\d{4}|it|this|that|my ticket) to (?:an? )?"
    + _LEVEL
    + r"\b"
    r"|\b(?:priority|prio)\s*(?:[:=]|->|to)\s*" + _LEVEL + r"\b"
    r"|\b"
    + _CHANGE_VERB
    + r"\b(?: [^\s,;:!?]+){1,4}? (?:to |as |into )?(?:an? )?"
    + _LEVEL
    + r"\b(?! to\b)"
    r"|\bpriority\b.{0,40}\b(?:to|go|goes|be|become|down to|up to|as)\b (?:an? )?" + _LEVEL + r"\b"
    r"|\b(?:can|could|should|may|might as well|needs? to) be (?:a |an |made |set to |marked )?"
    + _LEVEL
    + r"(?: priority| prio)?\b"
    r"|^(?:#?\d{3,10}|t\d{8}\.\d{4}) (?:now |really |very )?(urgent|critical)\b"
    r"|^(?:(?:no|nope|actually|oh|and|but|ok|okay|well|sorry|wait)\W+)*(?:#?\d{3,10}"
    r"|t\d{8}\.\d{4}|it|this|that|(?:my|the) (?:\w+ )?ticket)(?: is| has become| became| got|'s)"
    r" (?:now |suddenly |really |very |getting |quite |pretty )?(urgent|critical)\b"
    r"|\b(?:make|treat|mark) (?:\S+ ){1,3}(?:a|top|high) (priority)\b"
    r"|\b(?:go|goes|move|be \w+ed|be put|up|down) (?:up |down )?to (?:an? )?" + _LEVEL + r"\b"
    r"|\bpriority (?:of |on |for )?(?:#?\d{3,10}|t\d{8}\.\d{4}|it|this|that|my ticket)"
    r"(?: to| as| =|:)? (?:an? )?" + _LEVEL + r"\b"
    r"|\b(?:can|could|should|would) (?:it|this|that|(?:ticket |case |#)?\d{3,10}|(?:my|the|this"
    r"|that) (?:\w+ )?"
    + TICKET_WORDS
    + r") be (?:made |set (?:to |as )?|marked (?:as )?|changed to |raised to |moved to |treated as"
    r" |handled as |considered )?(?:an? )?" + _LEVEL + r"\b"
)
# "lower the priority of my ticket", "raise the priority on it", "escalate 10028", "bump my
# ticket up": a direction without a level.
_CHANGE_DIRECTION_RE = re.compile(
    r"\b(?P<verb>" + _CHANGE_VERB + r")\b(?: (?:up|down))? (?:the )?(?:priority|prio)\b"
    r"|\b(?P<verb2>bump|escalate|expedite|raise|lower|de-?prioriti[sz]e|prioriti[sz]e|downgrade"
    r"|upgrade"
    r"|fast-?track)\b (?:#?\d[\d.]*|t\d{8}\.\d{4}|" + _TARGET + r")(?: (?P<dir>up|down))?\b"
    r"|\b(?:more|less) urgent\b|\bnot urgent any ?more\b|\bno longer urgent\b"
    r"|\b(?:needs? to|should|must|can|could) (?:go|move|be moved|be bumped|be pushed) (?:up|down)\b"
    # "can 71010 be bumped up?": the ticket named between the modal and the passive.
    r"|\b(?:be|get|gets|got) (?:bumped|pushed|moved|escalated|prioriti[sz]ed|expedited"
    r"|fast-?tracked)"
    r"(?: (?P<dir3>up|down))?\b"
)
_DOWN_RE = re.compile(
    r"\b(?:lower|drop|decrease|reduce|downgrade|de-?prioriti[sz]e|knock|down|less urgent"
    r"|not urgent any ?more|no longer urgent)\b"
)


def names_a_ticket(low: str) -> bool:
    """ "my ticket", "the request", "ce dossier": the message points at a ticket in words."""
    return bool(re.search(r"\b(?:my|the|that|this|our|last) (?:\w+ )?" + TICKET_WORDS + r"\b", low))


def requested_priority(low: str, *, has_ref: bool) -> Priority | None:
    """The level a message asks a ticket to be moved to; ``None`` when it asks for no change.

    A named level wins ("bump it to high"); a direction alone reads as High going up
    ("escalate 10028") and Low going down ("lower the priority of my ticket")."""
    target = has_ref or re.search(r"\b" + _TARGET + r"\b", low) is not None
    if not target:
        return None
    level = _CHANGE_TO_LEVEL_RE.search(low)
    if level:
        word = next(group for group in level.groups() if group)
        return _LEVEL_WORDS.get(word, Priority.HIGH)
    direction = _CHANGE_DIRECTION_RE.search(low)
    if direction is None:
        return None
    return Priority.LOW if _DOWN_RE.search(direction.group(0)) else Priority.HIGH


# --- a follow-up that adds to the ticket just discussed ---------------------------------------

# "also it happens on my laptop", "it also ...", "same thing on ...", "and now it shows ...".
_ADDITION_RE = re.compile(
    r"^(?:(?:oh|ok|okay|btw|fyi|and|but|sorry)\W+)*(?:also\b|it also\b|it now\b|and now\b"
    r"|now it\b|plus\b|same (?:thing|problem|issue|error) (?:on|with|in|for|at|happens)\b"
    r"|it (?:does|happens|did) (?:the same|it too|it also)\b|the same (?:happens|goes) (?:on|for)\b"
    r"|(?:i )?forgot to (?:say|mention|add)\b|one more thing\b)"
)


def adds_to_the_last_ticket(low: str) -> bool:
    """A message that opens like an addition to what was just said about a ticket."""
    return bool(_ADDITION_RE.search(low))


# --- status in a few words, and in other languages -------------------------------------------

_SHORT_STATUS_RE = re.compile(
    r"^(?:(?:so|and|ok|okay|hi|hey|hello)\W+)*(?:status|update|updates|news|eta|progress"
    r"|(?:status|progress) (?:update|report|check)"
    r"|any (?:news|update|updates|word|progress|luck|joy|movement|feedback|info|developments)"
    r"(?: (?:with|on|about|for) " + _TARGET + r")?|(?:and )?(?:what|how) about (?:it|that|this"
    r"|that one|this one|mine|the other one|my ticket|that ticket)"
    r"|who(?:'s| is| has| got| owns)? (?:got |on |working on |dealing with |handling |looking at )?"
    r"(?:it|that|this|that one|this one|mine|my ticket|the ticket))(?: (?:now|then|yet|so far"
    r"|please|pls))?\s*[?.!]*$"
)
_WHO_HAS_IT_RE = re.compile(
    r"\bwho(?:'s| is| was| has been)? (?:\w+ )?(?:working on|dealing with|handling|looking (?:at"
    r"|into)|assigned to|in charge of|responsible for)\b.{0,12}\b" + _TARGET + r"\b"
    r"|\bwho(?:'s| has| is| got)? (?:got |taken |picked up )?" + _TARGET + r"\s*\??$"
    r"|^(?:and |so |what about )?(?:that|this|the other|the last) one\s*\?+$"
    r"|^(?:what's|what is|whats) (?:going on|happening|up|the story) with " + _TARGET + r"\s*\?*$"
    r"|^(?:anything|something|still nothing|nothing|any news|news|any word)(?: yet| so far| back"
    r"| new)?\s*\?+$"
    r"|^how (?:long|much longer) (?:will|is|until) (?:it|this|that|my ticket|the fix"
    r"|the repair)(?: (?:take|be|going to take|done|fixed))?\s*\?*$"
    r"|^[\u00bf\u00a1]?(?:and|y|und|et) (?:my|mi|mein|meinem|meine|mon|ma) (?:ticket|request|caso"
    r"|solicitud"
    r"|anfrage"
    r"|demande|incidencia|vorgang)\s*\?+$"
    r"|^any (?:news|update|updates|word|feedback) (?:from|with) (?:the |my |our )?(?:tech|techs"
    r"|technician|engineer|team|support|it|help ?desk|vendor|supplier)\s*\?*$"
    r"|^(?:is|has) (?:anything|something|anyone|anybody) (?:happening|moving|going on|moved"
    r"|happened)(?: (?:with|on) " + _TARGET + r")?(?: yet)?\s*\?*$"
    r"|^(?:is|are) (?:someone|anyone|somebody|anybody|a tech|the tech) (?:on|working on|looking at"
    r"|dealing with|handling) " + _TARGET + r"\s*\?*$"
    r"|^(?:what's|what is|whats) the (?:hold-?up|delay|story|latest|eta)(?: (?:with|on) "
    + _TARGET
    + r")?\s*\?*$|\bwhy is (?:it|this|that|my \w+|the \w+) taking so long\b"
    r"|^who(?:'s| has| is| got)? (?:\w+ )?(?:picked|taken|took|got|working|dealing|handling"
    r"|looking|assigned)\b.{0,20}\b" + _TARGET + r"(?: up)?\s*\?*$"
    r"|^(?:is|has|was) " + _TARGET + r" (?:been )?(?:done|fixed|resolved|sorted|finished|closed"
    r"|picked up|looked at|assigned|started)(?: yet)?\s*\?*$"
    r"|\b(?:is|are) (?:it|my|the|that|this) ?(?:\w+ )?(?:" + TICKET_WORDS + r" )?being (?:handled"
    r"|worked on|looked at|dealt with|processed|fixed|done)\b"
    r"|\bwhere (?:are we|are things|is it|does it stand|do we stand|do things stand)(?: at)?"
    r" (?:with|on)\b"
)
# Spanish, German and French progress words, and "how is ... going" in each.
_FOREIGN_STATUS_RE = re.compile(
    r"\b(?:estado|novedad(?:es)?|noticias?|actualizaci[o\u00f3]n(?:es)?|avances?|c[o\u00f3]mo va"
    r"|qu[e\u00e9] pasa con|se sabe algo|resuelto|solucionado"
    r"|stand|status|neuigkeiten|neues|fortschritt|bearbeitet|erledigt|gel[o\u00f6]st|was ist mit"
    r"|wie steht|wie sieht es|wie weit|l\u00f6sung|losung|soluci\u00f3n|solucion|noch offen"
    r"|sigue abierto|toujours ouvert|encore ouvert"
    r"|update|updates|statut|[e\u00e9]tat|o[u\u00f9] en est"
    r"|nouvelles?"
    r"|du nouveau|quoi de neuf|avancement|qui(?:\u00e9|e)n (?:est\u00e1|esta|lleva|trabaja)"
    r"|trabajando|wer (?:bearbeitet|k\u00fcmmert|kuemmert)|qui (?:s'occupe|travaille)|s'occupe"
    r"|mise [a\u00e0] jour|r[e\u00e9]solue?|trait[e\u00e9]e?|en cours"
    # Progress as a verb: "avez-vous avancé", "¿ha avanzado?", "schon weitergekommen?".
    r"|avanc[e\u00e9]e?s?|avancer|avanz(?:ado|[o\u00f3]|a)|progress[e\u00e9]|progr[e\u00e8]s"
    r"|weitergekommen|vorangekommen|fortschritte)\b"
)
_FOREIGN_TICKET_RE = re.compile(r"\b" + TICKET_WORDS + r"\b")
# Function words that mark a message as Spanish, German or French (or its punctuation).
_FOREIGN_MARKER_RE = re.compile(
    r"[\u00bf\u00a1\u00e0-\u00ff]|\b(?:el|la|los|las|del|mi|mis|hay|alguna|alg[u\u00fa]n"
    r"|cu[a\u00e1]l"
    r"|qu[e\u00e9]|c[o\u00f3]mo|der|die|das|dem|den|ist|von|vom|mein|meine|meinem|meiner|gibt"
    r"|schon|wie|was ist|le|les|du|est|ma|mon|mes|des|sur|quel|quelle|il|elle)\b"
)


def short_status_question(low: str) -> bool:
    """ "status?", "any update?", "what about that one?", "who's working on my ticket?"."""
    return bool(_SHORT_STATUS_RE.search(low) or _WHO_HAS_IT_RE.search(low))


def foreign_status_question(low: str, *, has_ref: bool) -> bool:
    """A progress question in Spanish, German or French about a ticket."""
    if not (_FOREIGN_STATUS_RE.search(low) and _FOREIGN_MARKER_RE.search(low)):
        return False
    if has_ref or _FOREIGN_TICKET_RE.search(low):
        return True
    # "¿Cómo va lo mío?": a short question needs no ticket word.
    return low.rstrip().endswith("?") and len(low.split()) <= 6
