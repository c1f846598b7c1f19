"""Priority from impact and urgency, the way a dispatcher weighs a new report.

Impact is who is affected (one person, a team, the whole site or company, customers) and how
badly (can't work at all, slowed down with a workaround, cosmetic); urgency is a deadline, money
or a security incident. The level and a short reason come out together:

- a level the person names ("priority: high", "P2") beats everything;
- Critical: a security incident (credentials given away, ransomware, an account taken over), an
  outage for the whole site or company, the business unable to trade, a physical hazard;
- High: a team blocked, customers affected, one person blocked with a deadline, signs of a
  security risk, or the person's own "urgent";
- Low: the person's own "no rush", a request for something new, a cosmetic fault;
- Medium: one person affected (slowed down, or blocked with no deadline), or nothing said.

Low cues ("no rush", "not urgent") are found first and blanked out, so a negated urgency word
never raises the priority.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.tickets import Priority

_EXPLICIT_RE = re.compile(
    r"\bpriority\s*(?:is|of|=|:)?\s*(low|medium|normal|high|critical|p[1-4])\b"
    r"|\b(low|medium|normal|high|critical)[- ]priority\b"
    r"|\b(p[1-4])\b"
)

_LOW_RE = re.compile(
    r"\bno (?:rush|hurry|urgency|pressure|panic)\b"
    r"|\bnot (?:in )?(?:an?y? )?(?:rush|hurry)\b"
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
    r"|\bwhen (?:convenient|possible|you can|it suits)\b"
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
    r"|\b(?<!in a )(?<!in a data )(?:data )?breach(?:ed)?\b(?! notification| alert| list| email"
    r"| warning)"
    r"|\b(?:we|we've|we have|we were|we got|company|network|server|servers) (?:been |was |were "
    r"|is |are |got )?hacked\b"
    r"|\b(?:malware|virus|worm) (?:is )?(?:spreading|on (?:all|every))\b"
    r"|\b(?:nobody|no one|no-one|noone|none of us|none of the (?:\w+ )?\w+|not a single \w+"
    r"|not one of us)(?: else| here| (?:in|on|at|from) (?:the )?\w+)?"
    r" (?:can|could|is able|are able|is getting|gets|has access|have access)\b"
    r"|\b(?:reject\w*|declin\w*|fail\w*|block\w*) (?:all|every|any) (?:\w+ )?(?:payments|orders"
    r"|bookings|transactions|sales)\b"
    r"|\b(?:every|all) (?:products?|items?|listings?) (?:as |are |is |show )?(?:out of stock"
    r"|unavailable|sold out)\b"
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
    r"|\badware\b|\bhijack\w*|\bads? (?:pages?|tabs?|windows?|sites?)\b"
    # A pop-up is a scam sign only with a scam's marks: not "the licence popup" or a
    # notification that does not "pop up".
    r"|\b(?:weird|random|strange|odd|dodgy|fake|scary|spam|ad|ads|browser) pop-? ?ups?\b"
    r"|\bpop-? ?ups?\b[^.]{0,60}\b(?:call|phone|number|pay|infected|virus|scam|warning|click)\b"
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


# --- impact and urgency, one regular expression per fact -----------------------------------

# A security incident: something already happened (a password given away, a link or attachment
# opened, files encrypted, an account used by someone else).
_SECURITY_INCIDENT_RE = re.compile(
    r"\bransom(?:ware)?\b|\bbitcoin\b|\bfiles? (?:are |were |have been |got |all )*(?:encrypted"
    r"|renamed|locked by)\b|\brenamed to \.\w+"
    # Ransomware's two marks: files with a strange new extension, a note asking to pay.
    r"|\bfiles? (?:now )?(?:ending|named|ends) (?:in|with) \.\w+"
    r"|\bdemand(?:s|ing)? (?:a )?(?:payment|ransom|money|bitcoin|crypto)"
    r"|\b(?<!in a )(?<!in a data )(?:data )?breach(?:ed)?\b(?! notification| alert| list| email"
    r"| warning)"
    r"|\b(?:hacked|compromised|taken over|hijacked)\b"
    r"|\b(?:typed|entered|gave|put|filled|shared|submitted) (?:in |away |out )?(?:my |our )?"
    r"(?:\w+ )?(?:password|credentials|login|bank details|card details|mfa code"
    r"|code)\b"
    r"|\b(?:password|email|e-mail|emails|messages?|bounce\w*|texts?|invoices?|charges?|purchases?"
    r"|phone number|mfa|recovery \w+|rules?|forward\w*|payment|transfer|sign-?in|login)\b.{0,60}"
    r"\b(?:(?:i|we|she|he|they) never (?:made|changed|set up|sent|wrote|did|asked|authori[sz]ed)"
    r"|(?:i|we|she|he|they)"
    r" (?:didn't|did not) (?:make|change|set up|send|write|do|ask|authori[sz]e)|wasn't me"
    r"|not me)\b"
    r"|\blet (?:them|him|her|someone|somebody|a stranger) (?:install|put|run|download|connect|in"
    r"|access|remote|control"
    r"|take control|log ?in)\b|\bgave (?:them|him|her|someone|somebody|a stranger) (?:remote )?"
    r"(?:access|control)\b"
    r"|\b(?:clicked|opened|ran|downloaded)\b.{0,60}\b(?:phish\w*|suspicious|pretending|fake"
    r"|unknown sender|strange|dodgy|spoof\w*|scam)\b"
    r"|\b(?:phish\w*|suspicious|fake|dodgy|spoof\w*|scam)\b.{0,60}\b(?:clicked|opened)\b"
    r"|\b(?:sending|sent|sends) (?:\w+ )?(?:emails?|messages?|phishing)\b.{0,40}\b(?:(?:didn't|did"
    r" not|never) (?:write|send)|from my account|from (?:his|her|their|our) account)\b"
    r"|\baccount is sending (?:\w+ )?(?:emails?|messages?|phishing)\b"
    r"|\b(?:mailbox|account|email|login|laptop|computer)\b.{0,30}\b(?:was |were |been |got )?"
    r"(?:accessed|logged into|signed into|used|opened) (?:from|by) (?!me\b|my\b|myself\b)\w+"
    r"|\bfound\b.{0,40}\b(?:usb|stick|drive|memory stick)\b.{0,40}\b(?:plugged|inserted|opened)"
    r"|\b(?:usb|stick|drive)\b.{0,30}\bfound\b.{0,50}\b(?:plugged|inserted|opened)"
    r"|\b(?:shows?|showing|see|seeing|sees|exposes?|exposing|leak\w*|displays?)\b.{0,30}"
    r"\b(?:other (?:customers|clients|people|users|patients|staff|tenants)|someone else's"
    r"|somebody else's|another (?:customer|client|user|patient)'s)"
    r"|\b(?:accidentally|mistakenly|by mistake|wrongly)\b.{0,30}\b(?:emailed|sent|shared|forwarded"
    r"|uploaded|posted|published)\b|\b(?:emailed|sent|shared|forwarded|uploaded|posted)\b.{0,60}"
    r"\b(?:by mistake|to the wrong (?:person|client|customer|address|people)|publicly)\b"
    r"|\b(?:changed|new|different|updated) (?:bank|payment|account) (?:details|instructions)\b"
    r"|\b(?:bank|payment) (?:details|instructions) (?:were |have been |got )?changed\b"
    r"|\b(?:replied|responded|answered|sent|gave|entered|typed|provided|shared|read out|told)\b"
    r".{0,50}\b(?:my |our |the )?(?:card number|card details|bank details|password|credentials"
    r"|pin|security code|mfa code|one-time code|verification code)\b"
    r"|\b(?:asking|asked) for (?:my |our |a |the )?(?:\w+ )?(?:code|password|credentials|pin|login"
    r"|details)\b.{0,40}\b(?:gave|sent|told|shared|entered|typed|replied|read)\b"
    r"(?! (?:nothing|no)\b)"
    r"|\b(?:encrypting|encrypts) (?:\w+ )?files\b|\bfiles? (?:are |being )?(?:getting )?encrypt\w*"
    r"|\b(?:data|files|information|records|database) (?:has|have) been (?:stolen|leaked"
    r"|exfiltrated|taken|copied out)\b|\bstole (?:our|the|my) (?:data|files|information|records)\b"
    r"|\benabled? (?:the )?(?:macros|content|editing)\b.{0,20}\b(?:i did|and did|did it|clicked)"
    r"|\b(?:i |and )enabled (?:the )?(?:macros|content)\b"
    r"|\b(?:rules?|forward\w*)\b.{0,50}\b(?:unknown|external|strange|outside|someone else's"
    r"|foreign) (?:address|account|email|recipient|mailbox)"
    r"|\b(?:mailbox|account|email|inbox)\b.{0,20}\b(?:is |are |has been |keeps )?(?:sending|sent"
    r"|spamming) (?:out )?(?:spam|phishing|junk|emails?|messages?) to (?:all|every|our|my)"
    r" (?:\w+ )?contacts\b"
    r"|\blocked by (?:the )?(?:fbi|police|microsoft|government|cyber ?police)\b"
    r"|\b(?:anydesk|teamviewer|ultraviewer|logmein|quick ?assist|remote (?:access|desktop) tool)\b"
    r".{0,50}\b(?:rang|called|phoned|caller|stranger|someone|somebody|they)\b"
    r"|\b(?:rang|called|phoned|caller|stranger)\b.{0,60}\b(?:anydesk|teamviewer|ultraviewer|logmein"
    r"|quick ?assist)\b"
    r"|\b(?:log(?:ged)? ?in|sign(?:ed)? ?in|access(?:ed)?)\b.{0,30}\bfrom (?:abroad|overseas"
    r"|another country|a foreign|an unknown|russia|china|nigeria|brazil|north korea)\b"
    r"|\b(?:clicked|scanned|followed|opened)\b.{0,60}\b(?:logged in|signed in|entered my|typed my"
    r"|put in my)\b"
    r"|\bnow my files have\b|\b(?:malware|virus|worm) (?:is )?(?:spreading|on (?:all|every))\b"
    r"|\b(?:someone|somebody|a stranger|an unknown \w+) (?:has |have )?(?:logged|signed|got)"
    r" (?:in|into|onto)\b"
)
# "I didn't click anything": a suspicious message reported, nothing happened yet.
_NOTHING_DONE_RE = re.compile(
    r"\b(?:didn't|did not|haven't|have not|never|without) (?:click\w*|open\w*|repl\w*|respond\w*"
    r"|answer\w*|pay|paid|enter\w*|type\w*|download\w*)\b(?! (?:it|that|this) (?:myself|before))"
)
# Whole site or company: everyone, the building, all staff, the public website or shop.
_ORG_SCOPE_RE = re.compile(
    r"\b(?:(?:any|all|each|every one|none) of our (?:shops|stores|sites|offices|branches|locations"
    r"|clinics|schools|warehouses)|(?:the|our) (?:\w+ )?(?:office|site|branch|building|store|shop"
    r"|warehouse|clinic|school|campus) (?:has|have|is|are) (?:no|without|lost|down|offline)"
    r"|everyone|everybody|nobody|no one|no-one|noone|none of us|all (?:of us|users|staff"
    r"|employees|the users|the staff|our users|offices|sites|branches)|for (?:anybody|anyone"
    r"|everyone|everybody)|(?:whole|entire) (?:\w+ )?(?:office|company|building|site|org"
    r"|organi[sz]ation|network|school|branch|warehouse|shop|store|clinic|practice|business|tenant"
    r"|domain|environment|estate|infrastructure|cloud|system|platform|region|division|country"
    r"|area|campus|county|group)"
    r"|company[- ]wide|office[- ]wide|across the (?:office|company|board)"
    r"|all (?:of )?our (?:staff|users|people|employees|offices|sites|branches|stores|shops"
    r"|computers|pcs|tills|phones|machines|systems|customers|clients)"
    r"|every (?:pc|computer|laptop|machine|user|device|screen|phone|desk|one)"
    r"|all (?:\w+ )?(?:floors|offices|sites|branches|departments|teams|computers|pcs|machines"
    r"|users|phones)"
    r"|(?:the )?(?:building|office|company|site)(?:'s)? (?:main )?(?:internet|network|wifi|wi-fi"
    r"|power|phones|phone system|email|internet line|line|connection)"
    r"|(?:[2-9]\d|\d{3,}) (?:people|users|staff|employees|colleagues|of us|agents|workers))\b"
)
# Plurals that count things, not people ("I tried several times").
_NOT_PEOPLE = (
    r"(?:times|days|weeks|hours|minutes|months|years|tries|attempts|things|ways|files|emails"
    r"|messages|errors|pages|apps|programs|tabs|windows|folders|calls|reboots|restarts|updates"
    r"|questions|issues|problems|tickets|requests|settings|options|seconds|steps)\b"
)
# A team or department: more than one person, less than the site.
_GROUP_SCOPE_RE = re.compile(
    r"\b(?:(?:whole|entire|the|our|my|all of the|all the) (?:\w+ )?(?:team|department|dept"
    r"|floor|unit|group)|all (?:the |of the |our )?(?:laptops|pcs|computers|machines|devices"
    r"|phones|screens|printers|tills)|(?:finance|sales|hr|legal|marketing|support|it|ops"
    r"|accounts|payroll|warehouse|reception|design|engineering|dev) (?:team|people|staff|folks)"
    r"|\w+s all (?:show|are|have|went|say|display|lost)|(?:the )?whole of (?:the )?\w+"
    r"|several (?:of us|people|colleagues|users)"
    r"|all (?:the |of the |our )(?:\w+ ){0,2}(?!" + _NOT_PEOPLE + r")\w+s\b"
    r"|(?:several|a few|a number of|multiple|many|two|three|four|five|six|both)"
    r" (?:of (?:our|the) )?(?!" + _NOT_PEOPLE + r")\w+s\b"
    r"|some of (?:the|our) (?!" + _NOT_PEOPLE + r")\w+s\b|(?:a few|some"
    r"|two"
    r"|three|four|five) "
    r"(?:of us|people|colleagues|users|of the team)|half (?:the|of the|of our|our) \w+(?: \w+)?"
    r"|we all|all of us in|none of (?:the )?\w+ team|(?:three|four|five|six|[3-9]) of us)"
    r"\b"
)
# The person or people can't work at all.
_BLOCKED_RE = re.compile(
    r"\bwithout (?:any )?(?:internet|network|email|power|phones|access|wifi|wi-fi|a connection)\b|"
    r"\bstuck (?:on|at) (?:a |an |the )?(?:\w+ ){0,2}(?:screen|login|logon|boot|loading|restart"
    r"|reboot|recovery)\b|"
    r"\b(?:can't|cant|cannot|can not|unable to|not able to|couldn't|could not) (?:\w+ )?(?:log"
    r" ?in|sign ?in|get in|get into|access|open|use|work|do|start|print|send|connect|reach"
    r"|see|load)\b.{0,40}\b(?:at all|anything|any(?:thing)?|all)\b"
    r"|\b(?:can't|cant|cannot|can not|unable to|not able to) (?:do (?:my|any|our) (?:job|work)"
    r"|work\b|get (?:in|into) (?:my|the) (?:laptop|computer|pc|account))"
    r"|\b(?:won't|wont|will not|doesn't|does not|didn't|did not) (?:start|boot|turn on|power"
    r" on|switch on|log in|let me in)\b|\b(?:locked out|no access|lost (?:all )?access"
    r"|no (?:internet|network|email|connection|connectivity|dial tone|power))\b"
    r"|\b(?:is|are|went|has gone|have gone|'s) (?:completely |totally |all )?(?:down|offline"
    r"|dead|unreachable|unavailable)\b|\b(?:outage|down for|offline for|dead tone|no bootable"
    r"|won't open at all)\b"
    r"|\b(?:can't|cant|cannot|can not|unable to) (?:\w+ )?(?:log ?in|sign ?in|open|access|get"
    r" into)\b"
    r"|\b(?:nobody|no one|no-one|noone|none of (?:us|the|our|them))(?: \w+){0,6} (?:can|could"
    r"|is able|are able|has|have|gets?)\b"
)
# The person can still work: a workaround, a slowdown, something now and then.
_DEGRADED_RE = re.compile(
    r"\b(?:slow|slower|sluggish|laggy|a bit|a little|sometimes|occasionally|now and then"
    r"|every so often|intermittent\w*|a couple of times|once in a while|eventually|annoying"
    r"|(?:i|we) can still|still (?:works?|able|usable)|workaround|for now|in the meantime|meanwhile"
    r"|instead|reconnecting works|gets there|but (?:it )?works|but (?:audio|sound|it) carries on"
    r"|carries on|manually|by hand|(?:i|we) (?:check|do|use|restart|reboot) (?:it|the \w+|them)?"
    r" ?(?:manually|myself|by hand|each time|every time))\b"
)
# A deadline or a time-boxed event that the fault threatens.
_DEADLINE_RE = re.compile(
    r"\b(?:dead ?line|due (?:by|at|in|today|tomorrow|on)|is due\b"
    r"|(?:arrives?|arriving|starts?|starting|joins?|joining|begins?|beginning) (?:today|tomorrow"
    r"|this morning|this afternoon)"
    r"|\b(?:workshop|meeting|presentation|demo|pitch|training|interview|exam|audit|flight|trip"
    r"|event|launch|webinar|conference) (?:\w+ ){0,2}(?:first thing )?(?:tomorrow|tonight"
    r"|this afternoon|later today)\b"
    r"|\bbefore (?:my|the|our|a) (?:\w+ )?(?:flight|meeting|presentation|trip|train|event|exam"
    r"|interview|demo|talk|keynote|launch|call|visit|audit)\b"
    r"|\b(?:pay ?day|payroll|deadline|go-live|launch|cut-?off|month[- ]end|year[- ]end|audit"
    r"|inspection|due date)\b.{0,20}\b(?:today|tomorrow|tonight|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|this week)\b"
    r"|\b(?:must|need to|needs to|has to|have to) (?:go out|be (?:done|paid|sent|submitted|filed"
    r"|processed|ready|finished|delivered))\b.{0,20}\b(?:today|tonight|tomorrow|this (?:morning"
    r"|afternoon|evening))"
    r"|\b(?:close|closes|closing|ends|end|expires?|shuts?|cut-?off) (?:today|tonight|tomorrow"
    r"|this (?:afternoon|evening))\b"
    r"|\b(?:flying|travel\w*|leaving|presenting|visiting)\b.{0,30}\b(?:today|tonight|tomorrow"
    r"|this (?:morning|afternoon|evening)|in (?:an?|\d+) (?:hour|hours|minutes))"
    r"|(?:today|tomorrow|tonight)'s (?:\w+ )?(?:starter|joiner|hire|meeting|presentation|event"
    r"|exam|launch|demo|interview|board|class|lecture|webinar|visit)"
    r"|(?:\w+ )?(?:min|mins|minutes|hours?) (?:before|until) (?:the|my|our|a"
    r"|an) (?:\w+ )?(?:keynote"
    r"|presentation|meeting|talk|lecture|exam|event|show|launch|demo|interview|call|webinar|class"
    r"|session)"
    r"|\bmid-?(?:exam|meeting|presentation|call|lecture|event|shift|service)"
    r"|(?:by|before) (?:\d{1,2}(?::\d\d)? ?(?:am|pm)?|noon|midday|tonight"
    r"|the end of (?:the )?day|eod|close of business|cob"
    r"|tomorrow|today|this afternoon|this evening)|(?:in|within) (?:\d+|an?|one|two|half an"
    r"|the next) (?:min|mins|minutes|hour|hours)\b|(?:presenting|presentation|demo|board"
    r" meeting|client (?:call|meeting)|interview|exam|court|filing|tender|pitch|webinar"
    r"|month[- ]end|year[- ]end|payroll run|go-live|launch)\b.{0,40}\b(?:today|tomorrow"
    r"|tonight|noon|in (?:\d+|an?|one|two|half an) (?:min|mins|minutes|hour|hours)|at \d|by"
    r" \d|due|this (?:morning|afternoon|evening))|(?:today|tomorrow|tonight)\b.{0,20}\b(?:dead"
    r" ?line|due))"
    r"|\b(?:at|by) \d{1,2}(?::\d\d)? ?(?:am|pm)\b.{0,20}\btoday\b"
    r"|\b(?:month[- ]end|year[- ]end) (?:close )?is (?:today|tomorrow)\b"
)
# Customers, clients, patients or the public are the ones who hit the fault.
_CUSTOMERS_RE = re.compile(
    r"\b(?:customers?|clients?|patients?|guests?|visitors?|shoppers|buyers|the public|callers"
    r"|members of the public|tenants|residents|students|parents|passengers|subscribers|donors"
    r"|attendees|applicants|sellers|drivers"
    r"|members|users of our|our users)\b.{0,40}\b(?:can't|cannot|can not|unable|aren't able"
    r"|are not able|not able|couldn't|are waiting|complain\w*|affected|stuck|keep calling"
    r"|(?:aren't|isn't|are not|is not|not|no longer) (?:coming|getting|arriving|reaching|going"
    r"|loading|working|received|sent|showing|able)"
    r"|calling us|hanging up|giving up|leaving|walking out|going elsewhere|queu\w*|lining up"
    r"|(?:get|gets|getting|see|sees|seeing|receive|hit|hitting) (?:an? |the )?(?:\w+ )?"
    r"(?:error|bounce|dead|warning|message|timeout|blank)|error|bounc\w*)"
    r"|\b(?:customer|client)[- ]facing\b|\bcustomers calling\b"
    r"|\b(?:not loading|not working|down|broken|failing|erroring|unavailable|offline|missing"
    r"|isn't loading|isn't working|won't load) for (?:our |the |some |many |all )?(?:customers"
    r"|clients|users|visitors|shoppers|patients|guests|members|students)\b"
    r"|\bcalls (?:are )?(?:going |left |being )?(?:unanswered|dropped|missed|lost)\b"
    r"|\b(?:drops?|dropping|loses?|losing|cuts? off|blocks?|rejects?|turns? away|disconnects?"
    r"|swallow\w*|eat\w*|overcharg\w*|double[- ]charg\w*|charg\w* twice|locks? out|locking out)"
    r" (?:\w+ )?(?:customers|clients|callers|patients|guests|visitors)(?:'s?|')?"
    r"|\b(?:hotline|helpline|switchboard|reception line|phone queue|call queue)\b.{0,40}"
    r"\b(?:drops?|down|dead|error\w*|not working|offline|fails?|failing)\b"
    r"|\b(?:main|public|support|sales|booking|customer) (?:line|number|address|inbox|website"
    r"|site|form|portal)\b.{0,40}\b(?:down|dead|error\w*|bounc\w*|not working|offline)"
)
# Money stops entirely: nobody can pay or order.
_TRADING_STOPPED_RE = re.compile(
    r"\b(?:can't|cannot|can not|unable to|not able to) (?:take|process|accept|receive) (?:any )?"
    r"(?:payments|orders|card payments|cards|bookings)\b"
    r"|\b(?:check ?out|payment page|payments?|orders?)\b.{0,40}\b(?:for everyone|for all|for"
    r" every)\b|\b(?:losing|missing|dropping) (?:orders|sales|money|revenue|customers|business"
    r"|transactions|deals|bookings)\b"
    r"|\b(?:orders|payments|bookings|sales|transactions)(?: \w+){0,4} (?:are |were )?(?:not"
    r" (?:reaching|syncing|getting through|coming"
    r" in|arriving|going through|being processed)|stuck|failing|lost|bouncing)\b"
    r"|\b(?:website|web site|online (?:shop|store)|webshop|web shop|e-?commerce|storefront"
    r"|checkout) (?:\w+ ){0,3}(?:is |are |went |has been |has gone |'s )?(?:showing |shows |gives"
    r" |returns |throwing |throws )(?:an? )?(?:\w+ )?error"
    r"|\b(?:website|web site|online (?:shop|store)|webshop|web shop|e-?commerce|storefront"
    r"|checkout) (?:\w+ ){0,3}(?:is |are |went |has been |has gone |'s )?(?:completely |totally )?"
    r"(?:down|offline|unreachable|not loading)\b"
)
# Shared infrastructure failing: everyone who depends on it is stuck.
_INFRA_DOWN_RE = re.compile(
    r"\b(?:(?:main|file|mail|email|print|domain|database|db|app|application|web|sql|backup|erp)"
    r" )?(?:servers?|nas|san|firewall|domain controller|core switch|router|exchange|internet line"
    r"|leased line|hypervisor|host)\b(?: \w+){0,3} (?:is |are |went |has |have )?(?:completely "
    r"|totally )?(?:down|offline|dead|crashed|won't (?:boot|start|come back)|not booting|failed"
    r"|keeps crashing|unreachable)\b"
)
# A lost or stolen device: company data may be in someone else's hands.
_DEVICE_LOST_RE = re.compile(
    r"\b(?:laptop|phone|mobile|tablet|ipad|iphone|badge|usb|device|macbook|surface)\b.{0,20}"
    r"\b(?:was |got |has been |is )?(?:lost|left (?:in|on|at) (?:a |the )?(?:taxi|train|bus|cab"
    r"|plane|airport|station|restaurant|bar|car|pub)|stolen|nicked|missing)\b"
    r"|\b(?:lost|left|dropped) (?:my|our|his|her|the) (?:work |company )?(?:laptop|phone|mobile"
    r"|tablet|ipad|badge|usb)"
)
# Everyone on one floor or in one team: a group, not the whole site.
_SUBSITE_RE = re.compile(
    r"\b(?:everyone|everybody|nobody|no one|no-one|none of us|all of us)\b (?:\w+ ){0,2}(?:on|in"
    r"|at)"
    r" (?:the |our )?(?:\w+ )?(?:floor|team|department|dept|wing|unit|ward|lab|room|corridor)\b"
)
# Something going wrong for the people the business serves ("double-books rooms for guests").
_FOR_CUSTOMERS_RE = re.compile(
    r"\bfor (?:our |the |some |many |all )?(?:customers|clients|guests|patients|visitors|shoppers"
    r"|members|students|passengers|tenants|donors|callers)\b"
)
# A customer-facing failure for every customer.
_ALL_CUSTOMERS_RE = re.compile(
    r"\b(?:for|to) (?:every|all|any) (?:of (?:our|the) )?(?:customers?|clients?|donors?|users?"
    r"|shoppers?|buyers?|visitors?|guests?|callers?|patients?|members?|students?|pupils?"
    r"|learners?|attendees?|delegates?|passengers?|tenants?|residents?|subscribers?)\b"
)
# Someone who should no longer get in still can.
_STALE_ACCESS_RE = re.compile(
    r"\b(?:left|leaver|ex-?employee|former (?:employee|staff|colleague|contractor)|no longer works"
    r" here|was fired|was let go)\b.{0,60}\bstill (?:has|have|had|got) (?:\w+ )?access\b"
    r"|\bstill (?:has|have|got) (?:\w+ )?access\b.{0,60}\b(?:left|leaver|former|no longer works"
    r"|was fired)\b"
)
# Attempts that failed: an attack to stop, not yet a compromise.
_ATTEMPTED_ATTACK_RE = re.compile(
    r"\b(?:failed|unsuccessful) (?:log ?ins?|logons?|sign-?ins?|login attempts|attempts)\b.{0,40}"
    r"\b(?:(?:i|we) (?:didn't|did not|never)|not me|unknown|from (?:another|a different))"
    r"|\b(?:someone|somebody) (?:is |has been |was )?trying to (?:log ?in|sign ?in|get into|access)"
)
# A legal or regulatory duty the fault puts at risk.
_COMPLIANCE_RE = re.compile(
    r"\b(?:compliance|regulator\w*|legal requirement|legally required|audit trail|gdpr|fca|hipaa"
    r"|pci|sox)\b"
)
# The person's details turned up somewhere they shouldn't: a risk to act on, not an incident yet.
_EXPOSURE_RISK_RE = re.compile(
    r"\bin a (?:data )?breach\b|\bbreach (?:notification|alert|list|email|warning)\b|\bpwned\b"
    r"|\bleaked (?:password|credentials|logins?)\b|\bon the dark web\b"
)
# A failure while the business is serving: a shift, a service, opening hours, a live event.
_LIVE_OPERATIONS_RE = re.compile(
    r"\bduring (?:the |a |our )?(?:service|lunch service|dinner service|opening hours|trading"
    r"|the rush|rush hour|shift|live (?:event|show|stream|broadcast)|event|show|performance"
    r"|surgery|clinic|class|lesson|exam)\b"
)
# The fault is local to the person ("the wifi is down in my room"), not the site.
_JUST_ME_RE = re.compile(
    r"\b(?:for me|in my (?:room|office|area|house|flat|home|corner|bay)|at my desk|at home"
    r"|on my (?:laptop|pc|computer|phone|machine|desk))\b"
)
# A suspicious message received and reported, nothing done with it.
_REPORTED_ONLY_RE = re.compile(
    r"\b(?:got|received|getting|have|had|there's|there is) (?:a |an |this |some |lots of |loads of"
    r" )?(?:\w+ )?(?:phishing|suspicious|scam|spam|fake|dodgy|weird|strange) (?:email|e-mail"
    r"|message|text|sms|call|mail|link)s?\b"
)
# One till or desk out of several: customers are affected, but trading goes on elsewhere.
_ONE_POINT_RE = re.compile(
    r"\bat (?:the |our |one )?(?:front desk|reception(?: desk)?|till|counter|desk|register|kiosk"
    r"|door)\b|\bone (?:of (?:the|our) )?(?:tills?|terminals?|registers?|card readers?)\b"
    r"|\bcard (?:reader|machine|terminal)\b"
)
# Nothing is broken: the person asks for something new, an install, an access, a change.
_REQUEST_RE = re.compile(
    r"^(?:(?:hi|hey|hello|please|pls|so)\W+)*(?:could|can|would|may) (?:i|we|you|someone"
    r"|somebody|u)(?: please)? (?:get|have|set ?up|install|add|give|change|order|move|grant"
    r"|create|enable|provide|arrange|book|switch|swap|rename|configure|sort|reorder|map|assign"
    r"|tidy|label|hang|fit|tighten|clean"
    r"|link|point|set (?!up\b)(?:my|the|our) default)\b"
    r"|^(?:(?:hi|hey|hello|please|pls)\W+)*(?:i'd|i would|we'd|we would|would) (?:like|love)\b"
    r"|^(?:(?:hi|hey|hello)\W+)*(?:please|pls|kindly) (?:add|install|set ?up|create|rename|change"
    r"|move|give|grant|enable|order|arrange|remove)\b|^(?:new )?(?:request|req)\s*[:\-]"
    r"|^(?:(?:hi|hey|hello|please|pls|so)\W+)*(?:could|can|would) (?:someone|somebody|you)"
    r" (?:please )?(?:rename|archive|relabel|remove|delete)\b"
    r"|^(?:(?:hi|hey|hello)\W+)*(?:could|can|would) (?:my|our|the|this) (?:\w+ ){0,2}?(?:have|get"
    r"|be given)\b"
    r"|\bif (?:the )?budget allows\b|\b(?:i|we)(?:'d| would) (?:really )?appreciate\b"
    r"|\bwould (?:like|love)\b|\b(?:i|we)'d (?:like|love)\b"
    r"|\b(?:can|could) (?:it|this|that|they) be (?:switched|changed|set|moved|renamed|swapped"
    r"|updated|replaced|refreshed)\b"
    r"|\b(?:i'd|i would) like\b.{0,30}\b(?:installed|set up|added|changed|instead)\b"
    r"|\badd me to\b|\bwhen (?:someone|somebody|you) (?:has|have|gets?) (?:time|a moment)\b"
)
# Something is broken, not only asked for.
_FAULT_RE = re.compile(
    r"\b(?:broken|broke|crash\w*|freez\w*|frozen|error\w*|fail\w*|not working|doesn't work"
    r"|won't|can't|cannot|stopped|dead|down|offline|jam\w*|missing|wrong|nearly full|full"
    r"|blank|unreachable|stopped \w+ing)\b"
)
_FAULT_OR_SLOW_RE = re.compile(r"\b(?:slow|slower|sluggish|laggy|intermittent\w*|dropping)\b")
# Cosmetic faults: the look of things, a name, a clock.
_COSMETIC_RE = re.compile(
    r"\bclock\b.{0,40}\b(?:min(?:ute)?s?|hours?) (?:fast|slow|ahead|behind|off)\b|\boff-?brand\b"
    r"|\b(?:looks? (?:blurry|odd|weird|strange|funny|wrong|off|ugly|stretched|pixelated)"
    r"|default font|fonts? (?:is |are |looks? |seems? )?(?:tiny|small|big|huge|odd|weird|wrong|ugly"
    r"|blurry|different)|fonts? (?:in|on) .{0,30}\b(?:tiny|small|big|huge|odd|weird|blurry)"
    r"|name (?:shows|appears|displays|is shown|is spelled|is spelt|is written) (?:as|wrong)|logo"
    r"|wallpaper|background (?:image|photo|picture)|background on|lock screen"
    r"|shows? (?:last \w+'s|an? old|the old|outdated|out of date)|out of date|outdated"
    r"|\b(?:phone|clock|screen|display|tv|pc|laptop|computer"
    r"|watch)\b (?:\w+ )?shows? (?:the )?wrong"
    r" (?:date|time|year)|shows? (?:the )?wrong (?:name|title|photo|picture|logo)"
    r"|still (?:says|shows|displays|lists) (?!(?:an? |the )?(?:error|warning|fault|blank|black"
    r"|blue|offline|no ))|from (?:19|20)\d\d\b"
    r"|last (?:year|week|month)'s|old (?:logo|phone number|address|name|title|photo|picture)"
    r"|screensaver|stretched|hard to (?:read|see)|misaligned|too small to read"
    r"|icons?\b.{0,30}\b(?:tiny|small|big|huge|large|blurry|missing its"
    r"|blank|broken image"
    r"|stretched|moved)|colou?r scheme"
    r"|colou?rs? (?:look |are |seem )?(?:washed out|faded|dull|off|too bright|too dark)|washed out"
    r"|spel(?:led|t|ling|l)? wrong|spelling (?:mistake|error)"
    r"|grammar mistake|misspel\w*|typo|display name|an hour (?:off|out|behind|ahead)"
    r"|minutes? (?:off|out|behind"
    r"|ahead)|cosmetic|sticky (?:key|space|space bar|spacebar)|squeak\w*|wobbl\w*)\b"
)
_URGENT_WORD_RE = re.compile(
    r"\burgent(?:ly)?\b|\basap\b|\ba\.s\.a\.p\b|\bas soon as (?:possible|you can)\b"
    r"|\bemergency\b|\bright away\b|\bimmediately\b|\bstraight away\b|\bdesperate(?:ly)?\b"
)
# Physical hazards to the equipment or the people.
_HAZARD_RE = re.compile(
    r"\b(?:fire|smoke|smoking|sparks|sparking|burning smell|flood(?:ed|ing)?)\b"
    r"|\b(?:water|leak\w*|dripping|drips)\b.{0,60}\b(?:server|rack|comms|switch)"
    r"|\b(?:server|rack|comms)\b.{0,60}\b(?:water|leak\w*|dripping|drips|over ?heat\w*)"
    r"|\bover ?heat\w*\b.{0,60}\bservers?\b|\bbattery (?:swelling|swollen|bulging)\b"
    r"|\b(?:power|electricity)\b.{0,30}\b(?:off|out|down|cut|failed|failure)\b.{0,60}"
    r"\b(?:server|ups|rack|comms|building|office|site)\b"
    r"|\b(?:server|ups|rack|comms|building|office|site)\b.{0,60}\b(?:power|electricity)\b"
    r".{0,30}\b(?:off|out|down|cut|failed|failure)\b|\bups\b.{0,30}\b(?:nearly|almost) (?:empty"
    r"|flat|drained)\b"
)


# "nobody can hear me" is about one person's headset, not about everyone.
_ONLY_ME_UNHEARD_RE = re.compile(
    r"\b(?:nobody|no one|no-one|noone|people) (?:can|could|can't|cannot) (?:hear|see|reach|call"
    r"|understand|contact|read) (?:me|my)\b"
)
_NOTHING_URGENT_TODAY_RE = re.compile(
    r"\b(?:i have|i've got|i got|got|i've|there's) nothing (?:urgent|important|pressing|critical)"
    r"(?: (?:on|today|this week|this morning|planned))*"
)


@dataclass(frozen=True)
class PriorityReading:
    """A priority and the short sentence that explains it (shown on the ticket card)."""

    level: Priority
    reason: str


def detect_priority(lowered: str) -> Priority:
    """The priority ``lowered`` (a lower-cased message) calls for; Medium when it says nothing."""
    return assess_priority(lowered).level


def assess_priority(lowered: str) -> PriorityReading:
    """Weigh impact and urgency in ``lowered`` (a lower-cased message); see the module doc."""
    # "I have nothing urgent today" is about the person's day, not about the fault.
    lowered = _NOTHING_URGENT_TODAY_RE.sub(" ", lowered)
    lowered = _ONLY_ME_UNHEARD_RE.sub(" others don't hear me ", lowered)
    relaxed = _LOW_RE.sub(" ", lowered)
    said_no_rush = relaxed != lowered
    explicit = _EXPLICIT_RE.search(relaxed)
    if explicit:
        label = next(group for group in explicit.groups() if group)
        named = _LABELS.get(label) or Priority.parse(label)
        if named is not None:
            return PriorityReading(named, f"You asked for {named.value} priority.")

    many = bool(_ORG_SCOPE_RE.search(relaxed))
    team = bool(_GROUP_SCOPE_RE.search(relaxed))
    if many and _SUBSITE_RE.search(relaxed):
        many, team = False, True
    blocked = bool(_BLOCKED_RE.search(relaxed) or (_OUTAGE_RE.search(relaxed) and (many or team)))
    degraded = bool(_DEGRADED_RE.search(relaxed))
    customers = bool(
        _CUSTOMERS_RE.search(relaxed)
        or (_FOR_CUSTOMERS_RE.search(relaxed) and not _REQUEST_RE.search(relaxed))
    )
    deadline = bool(_DEADLINE_RE.search(relaxed))

    if _SECURITY_INCIDENT_RE.search(relaxed) and not _NOTHING_DONE_RE.search(relaxed):
        return _reading(Priority.CRITICAL, "A security incident: act before it spreads.")
    if _HAZARD_RE.search(relaxed):
        return _reading(Priority.CRITICAL, "A physical hazard to people or equipment.")
    if _TRADING_STOPPED_RE.search(relaxed) and not (degraded or _ONE_POINT_RE.search(relaxed)):
        return _reading(Priority.CRITICAL, "The business can't trade: customers can't buy or pay.")
    local = bool(_JUST_ME_RE.search(relaxed))
    if _INFRA_DOWN_RE.search(relaxed) and not (degraded or local or team):
        return _reading(
            Priority.CRITICAL, "Shared infrastructure is down: everyone on it is stuck."
        )
    if many and blocked and not degraded:
        return _reading(Priority.CRITICAL, "The whole site or company is affected.")
    if _CRITICAL_RE.search(relaxed) and not (team or degraded or local):
        return _reading(Priority.CRITICAL, "A major outage.")
    if many and customers and not degraded:
        return _reading(Priority.CRITICAL, "Everyone is hit and customers are waiting.")
    if team and blocked and customers and not degraded:
        return _reading(Priority.CRITICAL, "A team can't work and customers are waiting.")
    if team and blocked and not degraded:
        return _reading(Priority.HIGH, "A team or several people can't work.")
    if many and degraded and _FAULT_OR_SLOW_RE.search(relaxed):
        return _reading(Priority.HIGH, "Everyone is slowed down.")
    if _ALL_CUSTOMERS_RE.search(relaxed) and _FAULT_RE.search(relaxed) and not degraded:
        return _reading(Priority.CRITICAL, "Every customer is hit: the service is down for them.")
    if customers:
        return _reading(Priority.HIGH, "Customers are affected.")
    if _ATTEMPTED_ATTACK_RE.search(relaxed):
        return _reading(Priority.HIGH, "Someone is trying to get in: stop it before it works.")
    if _COMPLIANCE_RE.search(relaxed) and _FAULT_RE.search(relaxed) and not degraded:
        return _reading(Priority.HIGH, "A legal or compliance duty is at risk.")
    if _STALE_ACCESS_RE.search(relaxed):
        return _reading(Priority.HIGH, "Someone who left can still get in.")
    if _EXPOSURE_RISK_RE.search(relaxed):
        return _reading(
            Priority.HIGH, "Credentials may be exposed: reset them before they're used."
        )
    if _LIVE_OPERATIONS_RE.search(relaxed) and _FAULT_RE.search(relaxed) and not degraded:
        return _reading(Priority.HIGH, "It broke while the business is serving.")
    if _DEVICE_LOST_RE.search(relaxed):
        return _reading(Priority.HIGH, "A lost device may expose company data.")
    if deadline and not degraded:
        return _reading(Priority.HIGH, "Work is blocked with a deadline close.")
    if _URGENT_WORD_RE.search(relaxed):
        return _reading(Priority.HIGH, "You said it's urgent.")
    suspicious_only = _REPORTED_ONLY_RE.search(relaxed) or _NOTHING_DONE_RE.search(relaxed)
    if suspicious_only and not blocked:
        return _reading(Priority.MEDIUM, "A suspicious message reported; nothing was done with it.")
    if _HIGH_RE.search(relaxed) and not degraded:
        return _reading(Priority.HIGH, "A possible security risk or blocked work.")
    if said_no_rush:
        return _reading(Priority.LOW, "You said there's no rush.")
    if _COSMETIC_RE.search(relaxed) and not (blocked or many or team):
        return _reading(Priority.LOW, "A cosmetic fault; work goes on.")
    if _REQUEST_RE.search(relaxed) and not _FAULT_RE.search(relaxed):
        return _reading(Priority.LOW, "A request for something new, nothing is broken.")
    if degraded:
        return _reading(Priority.MEDIUM, "Slowed down, but work can go on.")
    if many or team:
        return _reading(Priority.MEDIUM, "Several people are affected, but they can still work.")
    return _reading(Priority.MEDIUM, "One person is affected; nothing says it's more urgent.")


def _reading(level: Priority, reason: str) -> PriorityReading:
    return PriorityReading(level, reason)
