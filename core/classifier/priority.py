"""Priority from urgency cues in a problem report.

Low cues ("no rush", "not urgent") are found first and blanked out, so a negated urgency word
never raises the priority. Then the highest level with a cue wins: Critical for outages that hit
many people or the business and for security incidents, High for urgency, blocked work, signs of
a security problem and affected customers, Low for a stated lack of hurry, Medium otherwise.
A priority the person names outright ("priority: high", "P2") beats every cue.
"""

from __future__ import annotations

import re

from core.tickets import Priority

_EXPLICIT_RE = re.compile(
    r"\bpriority\s*(?:is|of|=|:)?\s*(low|medium|normal|high|critical|p[1-4])\b"
    r"|\b(low|medium|normal|high|critical)[- ]priority\b"
    r"|\b(p[1-4])\b"
)

_LOW_RE = re.compile(
    r"\bno (?:rush|hurry|urgency|pressure|panic)\b"
    r"|\bnot (?:in an?y? )?(?:rush|hurry)\b"
    r"|\b(?:not|isn't|isnt|is not|wasn't|nothing|never|no)\s+(?:that |super |very |too |really "
    r"|terribly |particularly |so |at all |especially |hugely |an? )?"
    r"(?:urgent|critical|important|pressing|emergency|priority|big deal|time[- ]sensitive"
    r"|time[- ]critical|high priority)\b"
    r"|\b(?:don't|dont|do not|doesn't|doesnt|does not|no) need(?:s)? (?:it |this |that |to be "
    r"|one )?"
    r"(?:done )?(?:asap|urgently|right away|immediately|today|right now|straight away)\b"
    r"|\b(?:when(?:ever)?|if) (?:you|someone|somebody|anyone|u) (?:get|gets|have|has|find)"
    r" (?:a |the |some )?(?:chance|moment|minute|min|sec|second|time|spare)"
    r"|\bwhenever (?:you can|possible|convenient|it suits)\b"
    r"|\bat (?:your|their) (?:convenience|leisure)\b"
    r"|\bin (?:your|the) (?:own )?(?:time|due course)\b"
    r"|\blow[- ]?prio(?:rity)?\b|\bnon[- ]urgent\b|\bno big deal\b|\bnice to have\b"
    r"|\bminor (?:issue|thing|problem|annoyance|niggle|request)\b|\bnot a (?:huge|big) (?:issue"
    r"|problem)\b"
    r"|\bwhenever\b|\bno biggie\b|\bcan wait\b|\bnot time[- ]sensitive\b"
)

_CRITICAL_RE = re.compile(
    r"\bransom(?:ware)?\b"
    r"|\bfiles? (?:are |were |have been |got |all )*(?:encrypted|renamed|locked by)\b"
    r"|\b(?:data )?breach(?:ed)?\b"
    r"|\b(?:we|we've|we have|we were|we got|company|network|server|servers) (?:been |was |were "
    r"|is |are |got )?hacked\b"
    r"|\b(?:malware|virus|worm) (?:is )?(?:spreading|on (?:all|every))\b"
    r"|\b(?:nobody|no one|no-one|noone|none of us|none of the (?:\w+ )?\w+|not a single \w+"
    r"|not one of us)(?: else| here| (?:in|on|at|from) (?:the )?\w+)?"
    r" (?:can|could|is able|are able|is getting|gets|has access|have access)\b"
    r"|\b(?:losing|missing|dropping) (?:orders|sales|money|revenue|customers|business|data"
    r"|transactions|deals|bookings)\b"
    r"|\b(?:can't|cannot|can not|unable to|not able to) (?:take|process|accept|receive) "
    r"(?:any )?(?:payments|orders|card payments|cards|bookings|calls)\b"
    r"|\b(?:business|production|operations|the plant|the line|the shop|the store|payroll) "
    r"(?:is |are |has |have )?(?:completely |totally )?(?:down|stopped|halted|at a standstill)\b"
    r"|\b(?:website|web site|web-site|site|online shop|online store|webshop|web shop|e-?commerce"
    r"|storefront|store front|checkout|booking system|portal) (?:is |are |went |has gone |has been "
    r"|'s |s |seems |keeps going )?(?:completely |totally )?(?:down|offline|unreachable|dead|not "
    r"loading|not working|broken)\b"
    r"|\b(?:outage|blackout|power cut|power is out|fire|smoke|flood(?:ed|ing)?)\b"
    r"|\bover ?heat(?:ing|ed|s)?\b.{0,60}\bserver|\bserver.{0,60}\bover ?heat"
    r"|\b(?:water|leak\w*|dripping|drips)\b.{0,60}\bserver|\bserver.{0,60}\b(?:water|leak\w*"
    r"|dripping|drips)\b"
    r"|\b(?:the|our|office|company) (?:internet|network|wifi|wi-fi|email|e-mail|phones"
    r"|phone system)"
    r" (?:is |are |went |has gone |have gone )?(?:completely |totally )?(?:down|offline|out)\b"
    r"|\b(?:are|were|have|has) all (?:gone )?(?:down|dead|offline|out|broken|not working|failed"
    r"|crashed)\b"
    r"|\b(?:server|servers|data ?cent(?:er|re)|network|domain|email server|mail server|exchange"
    r"|firewall) (?:is |are |went |has gone |have gone )?(?:completely |totally )?"
    r"(?:down|offline|dead|crashed)\b"
    r"|\b(?:it's|its|it is|this is|that's|very|absolutely|extremely|mission|business)[- ]critical\b"
    r"|\bcritical (?:issue|problem|outage|incident|failure|situation)\b"
    r"|\b(?:sev(?:erity)? ?1|p1|emergency outage)\b"
)
# "Many people" and an outage word in the same message.
_MANY_RE = re.compile(
    r"\b(?:everyone|everybody|all (?:of us|users|staff|employees|the users|the staff|our users"
    r"|computers|pcs|machines|phones|offices|sites|branches)|all (?:of )?(?:our|the) \w+"
    r"|for (?:anybody|anyone|everyone"
    r"|everybody)|whole (?:\w+ )?"
    r"(?:office|company|team|staff|building|site|department|floor|org|organi[sz]ation|network"
    r"|school"
    r"|branch|warehouse|shop|store|clinic|practice)|entire (?:\w+ )?(?:office|company|team|staff"
    r"|building|site|department|floor|org|organi[sz]ation|network|school|branch|warehouse|shop"
    r"|store|clinic|practice)|company[- ]wide|office[- ]wide|across the (?:office|company|board))\b"
)
_OUTAGE_RE = re.compile(
    r"\b(?:down|offline|outage|can't|cant|cannot|can not|unable|not working|no (?:internet|network"
    r"|email|e-mail|access|power|phones?|connection|connectivity|wifi|wi-fi)|isn't working"
    r"|aren't working|not responding|lost|locked out|crashed|dead|broken|failing|failed|won't|wont"
    r"|dropping|drops|keeps dropping|disconnect\w*|cutting out|cuts out|unusable|not loading"
    r"|slow|freezing|frozen|crashing|dead)"
)

_HIGH_RE = re.compile(
    r"\burgent(?:ly)?\b|\basap\b|\ba\.s\.a\.p\b|\bas soon as (?:possible|you can)\b|\bemergency\b"
    r"|\bdesperate(?:ly)?\b|\bby (?:the )?end of (?:the )?(?:day|today)\b|\beod\b"
    r"|\b(?:big |important |key )?(?:client|customer|board) (?:pitch|presentation|demo)\b"
    r"|\bright away\b|\bimmediately\b|\bstraight away\b|\bhigh[- ]?prio(?:rity)?\b|\bp2\b"
    r"|\bblocking (?:me|us|my|our|the|all|everything|work)\b|\bblocked\b|\bblocker\b"
    r"|\b(?:can't|cannot|can not|unable to|not able to) (?:do (?:my|any|our) (?:job|work)|work\b)"
    r"|\bdead ?line\b|\btime[- ]sensitive\b|\btime[- ]critical\b|\bstuck and can't\b"
    r"|\b(?:presentation|meeting|demo|call|client|board meeting|interview|exam|flight|webinar)"
    r" (?:starts |is |begins )?in (?:\d+|an?|one|two|five|ten|fifteen|twenty|thirty|half an) "
    r"(?:min|mins|minutes|hour|hours)\b"
    r"|\b(?:phish(?:ing)?|suspicious|virus|malware|infected|hacked|compromised|spyware|trojan"
    r"|keylogger|scam|scammer|fraud(?:ulent)?|stolen|spoof(?:ed|ing)?)\b"
    r"|\b(?:someone|somebody|they|a hacker) (?:has|knows|got|stole|took) (?:my|our) (?:password"
    r"|login|credentials|account)\b|\b(?:login|log-in|sign-?in|security|mfa) (?:alert|warning)s?\b"
    r"|\badware\b|\bhijack\w*|\bads? (?:pages?|tabs?|windows?|sites?)\b|\bpop-? ?ups?\b"
    r"|\bredirect(?:s|ing|ed)?\b|\bfake\b|\bgift ?cards?\b|\bimpersonat\w*"
    r"|\b(?:looks?|seems?) (?:fake|dodgy|suspicious|fishy|like a scam|like phishing)\b|\bfishy\b"
    r"|\b(?:in|within) (?:\d+|a few|five|ten|fifteen|twenty|thirty|half an) (?:min|mins|minutes)\b"
    r"|\b(?:someone|somebody|an unknown|a stranger) (?:has |have )?(?:logged|signed|got) (?:in"
    r"|into|"
    r"onto)\b|\b(?:unknown|strange|unusual|unrecogni[sz]ed|suspicious) (?:login|log-in|sign-?in"
    r"|device|activity|charges)\b|\b(?:lost|left) my (?:laptop|phone|mobile|badge|work phone)\b"
    r"|\bclicked (?:on )?(?:a |an |the |that )?(?:link|attachment)\b"
    r"|\b(?:entered|gave|typed|shared) (?:away )?my (?:password|credentials|login|bank details)\b"
    r"|\b(?:enter|type|give|confirm|send|provide) (?:in )?(?:my|your|our) (?:bank|card|credit card"
    r"|payment|login) (?:details|number|credentials)\b"
    r"|\b(?:customers?|clients?|patients?|guests?|visitors?|shoppers|buyers|the public|callers)"
    r" (?:can't|cannot|can not|are unable|unable|aren't able|are not able|couldn't|are waiting"
    r"|are complaining|complain|are affected|affected|are stuck|keep calling|can't get|cannot get"
    r"|are queu?ing|are lining up|are left waiting)"
    r"|\bcustomer[- ]facing\b|\bclient[- ]facing\b"
)

_LABELS = {
    "low": Priority.LOW,
    "medium": Priority.MEDIUM,
    "normal": Priority.MEDIUM,
    "high": Priority.HIGH,
    "urgent": Priority.HIGH,
    "critical": Priority.CRITICAL,
}


def detect_priority(lowered: str) -> Priority:
    """The priority ``lowered`` (a lower-cased message) asks for; Medium when it says nothing."""
    relaxed = _LOW_RE.sub(" ", lowered)
    explicit = _EXPLICIT_RE.search(relaxed)
    if explicit:
        label = next(group for group in explicit.groups() if group)
        named = _LABELS.get(label) or Priority.parse(label)
        if named is not None:
            return named
    if _CRITICAL_RE.search(relaxed) or (_MANY_RE.search(relaxed) and _OUTAGE_RE.search(relaxed)):
        return Priority.CRITICAL
    if _HIGH_RE.search(relaxed):
        return Priority.HIGH
    if relaxed != lowered:
        return Priority.LOW
    return Priority.MEDIUM
