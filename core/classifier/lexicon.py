"""Weighted word cues for the rule classifier, one table per decision.

Each cue is a regular expression over the lower-cased, single-spaced message and a weight. The
weights are small integers on purpose: a strong cue (a fixed phrase that means one thing) is
4 to 6, a hint 1 to 3. The tables name situations in general words, not the dev-set lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Cue = tuple[re.Pattern[str], float]


def cues(*pairs: tuple[str, float]) -> tuple[Cue, ...]:
    return tuple((re.compile(pattern), weight) for pattern, weight in pairs)


def score(table: Sequence[Cue], text: str) -> float:
    return sum(weight for pattern, weight in table if pattern.search(text))


# --- smalltalk and help: whole-message phrases ------------------------------------------------


def _longest_first(*fragments: str) -> re.Pattern[str]:
    """One alternation of whole-word phrases, longer ones tried first ("nice one" before "nice")."""
    ordered = sorted(fragments, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(ordered) + r")(?!\w)")


# Phrases separated by blanks; "_" stands for a space inside a phrase.
SMALLTALK_PHRASE_RE = _longest_first(
    *(
        phrase.replace("_", " ")
        for phrase in re.findall(
            r"\S+",
            r"""hi+ hello+ hey+ hiya heya howdy yo greetings sup what'?s_up wassup g'?day gm gn
    good_(?:morning|afternoon|evening|day|night) morning evening afternoon
    thanks? thank_(?:you|u) thankyou thx tx ty tyvm cheers ta many_thanks much_appreciated
    (?:much_)?obliged
    appreciate_(?:it|that|you|your_help) appreciated grateful kudos
    ok(?:ay)? k kk cool great perfect awesome nice lovely brilliant excellent fantastic
    wonderful super amazing splendid sweet neat fine sure alright all_right understood noted
    brill ace spot_on top_stuff champion
    got_it gotcha sounds_good makes_sense will_do fair_enough no_worries no_problem np
    that_was_(?:quick|fast|easy|helpful|great|painless|super_quick)
    thank(?:s|_you)_for_\w+ing(?:_(?:that|this|it|me|out|up|so|quickly|fast|all))*
    all_good never_?mind nvm forget_it yes yeah yep yup no nope nah right indeed wow oh ah
    go_ahead sure_thing please_do do_it s[ií] claro vale ja jawohl genau bitte oui d'accord
    non nein por_favor s'il_(?:te|vous)_pla[iî]t bien_s[uû]r
    bye+ goodbye good_?bye see_(?:you|ya)(?:_later|_soon|_tomorrow)? cya later take_care
    talk_(?:to_you_)?(?:later|soon) speak_(?:to_you_)?(?:later|soon|tomorrow) catch_you_later ttyl
    good_?night
    have_a_(?:nice|good|great|lovely)_(?:day|weekend|evening|one|night|week|afternoon)
    enjoy_your_(?:day|weekend|evening)
    how_are_(?:you|u|things)(?:_doing)? how(?:'s|_is)_it_going how(?:'s|_is)_your_day
    how_have_you_been how_do_you_do nice_to_meet_you pleased_to_meet_you
    lol lmao haha+ hehe+ xd
    you(?:'re|_are)_(?:a_star|awesome|the_best|great|amazing|a_legend|a_lifesaver|brilliant)
    you(?:'re|_are)_(?:helpful|so_helpful|very_helpful|a_gem|fantastic|wonderful|a_hero)
    you(?:'ve|_have)_been_(?:very_|so_|really_|super_|most_)?(?:helpful|great|amazing|brilliant)
    you(?:'ve|_have)_been_(?:a_)?(?:great|big|huge|real)_help
    (?:good|great|nice)_(?:bot|job|stuff|work|one) well_done nice_one legend lifesaver bless_you
    that(?:'s|_is|_was)_(?:great|perfect|helpful|fine|all|it|good|awesome|brilliant|lovely)
    that(?:'s|_is|_was)_(?:very_helpful|really_helpful|super_helpful|useful|amazing|wonderful|kind)
    (?:that|this|it)_(?:fixed|solved|did|sorted)_it (?:it|that|everything)_works(?:_now|_again)?
    problem_solved all_sorted sorted works_for_me that_helps that_helped
    hola merci(?:_beaucoup)? danke(?:_sch[oö]n)? gracias ciao bonjour salut servus hallo
    grazie obrigad[oa] arigato namaste shalom salaam hej tack dank_?je(?:_wel)?""",
        )
    )
)
# Thanks, greetings and goodbyes only (not "ok", "no", "sure", which also start reports).
COURTESY_RE = re.compile(
    r"\b(?:thanks?|thank (?:you|u)|thx|ty|cheers|much appreciated|appreciate it|hi|hello|hey|hiya"
    r"|good (?:morning|afternoon|evening)|bye|goodbye|see you|have a (?:nice|good|great) \w+)\b"
)
EMOTICON_RE = re.compile(r"(?::-?[)d(p]|;-?\)|<3|\^\^)")
SMALLTALK_FILLER_RE = re.compile(
    r"\b(?:so|very|much|a lot|lots|again|guys|team|there|all|everyone|folks|bot|mate|buddy|pal"
    r"|please|pls"
    r"|friend|too|for|your help|the help|help(?=\W*$)|today|tonight|now|then|really|just|you|u"
    r"|and|but|oh|well|for now|as well|in advance|again|it|this|that|much appreciated|a million"
    r"|ticketbot|sir|madam|dude|man|love|my|mister|miss|pal|for everything|for that|for this"
    r"|i|me|we|am|is|fine|good|well|also|honestly|seriously|truly|genuinely)\b"
)

HELP_WHOLE_RE = re.compile(
    r"^(?:help|help me|help please|please help|halp|\?+|menu|commands?|command list"
    r"|list of commands"
    r"|options|usage|instructions|manual|start|get started|getting started|info|about|what now"
    r"|now what|hello\?|anyone there|is anyone there|are you there|test|testing)$"
    r"|^(?:what|which) (?:can|do|could|should|else can) (?:you|i) (?:do|ask|say|type|use|help with"
    r"|help me with|offer|handle|ask you|ask for)(?: (?:here|for me|you|with this|exactly))?$"
    r"|^(?:what|which) (?:kind|kinds|sort|sorts|type|types) of (?:things|stuff|questions|requests"
    r"|help|tasks|problems|issues) (?:can|do|could) (?:you|i) (?:do|help with|handle|ask|answer"
    r"|help me with|support|ask you|ask about)(?: here)?$"
    r"|^(?:what|who) (?:are|r) (?:you|u)$|^(?:what|who) is this(?: bot| thing| tool| assistant"
    r"| app| service| chat)?$|^what is ticketbot$"
    r"|^(?:are you|r u) (?:a )?(?:real )?(?:bot|robot|human|real|person|ai|machine)$"
    r"|^how (?:does|do) (?:this|it|you|ticketbot|the (?:ticket ?|chat ?|help ?desk )?bot"
    r"|this (?:ticket ?|chat ?)?bot|this thing|the assistant) work$"
    r"|^who (?:am i|are we) (?:talking|speaking|chatting) (?:to|with)$"
    r"|^how (?:do|can|should|would) (?:i|we) (?:use|talk to|work with|interact with|chat with"
    r"|get help from|ask) (?:this|you|it|the (?:ticket ?|chat ?|help ?desk )?bot|this (?:ticket ?"
    r"|chat ?)?bot|ticketbot|this thing|this tool|the assistant|this assistant)"
    r"(?: (?:thing|bot|tool))?$"
    # Any short question of what the bot can do or understand: "what are you able to help
    # with?", "which commands do you understand?".
    r"|^(?:what|which)(?: \w+)? (?:can|do|could|will|are|would) (?:you|u)(?: \w+){0,3} (?:do|help"
    r"(?: me)? with|handle|understand|know|support|accept|recogni[sz]e|answer)(?: here| for me"
    r"| exactly)?$"
    r"|^(?:show|list|give|tell|send)(?: me)? (?:the |your |all |all the |available |a list of "
    r"|the list of |your list of |some )?"
    r"(?:commands|command list|options|help|instructions|usage|things you can do"
    r"|what you can do)$"
    r"|^what are (?:my|the|your) (?:options|commands|choices)(?: here)?$"
    r"|^what (?:commands|options|choices) (?:are there|do you have|exist|can i use|are available)$"
    r"|^what (?:can|could|should|do) (?:i|we) use (?:you|this|this bot|it|ticketbot) for$"
    r"|^(?:help(?: me)?(?: please)?\W+)?(?:i'm|i am) new (?:here|to (?:this|you|the bot|this bot"
    r"|ticketbot|this tool|this chat)(?: bot)?)$"
    r"|^(?:i'm|i am) (?:not sure|unsure) (?:what|how) (?:you (?:can|could) (?:help(?: me)? with|do)"
    r"|to use (?:you|this|this bot|it))$"
    r"|^(?:can|could|may) i (?:talk|speak|chat) (?:to|with) (?:a |an )?(?:human|person|real person"
    r"|agent|someone real|real human)$"
    r"|^(?:i )?(?:don't|do not|dont) (?:know|understand|get) how (?:to use|this works|you work"
    r"|it works|to talk to)(?: this| you| it| this bot| the bot)?$"
    r"|^what (?:am i|should i|do i|can i) (?:supposed to |meant to |expected to )?(?:type|say|write"
    r"|ask|enter|do)(?: here| now| to you)?$"
    r"|^(?:can|could|would) (?:you|u) help(?: me)?(?: out)?$"
    r"|^how can you help(?: me)?$|^what can you help (?:me )?with$|^what do you do$"
    r"|^(?:i |we )?(?:need |want |could use |would like )?(?:some )?help (?:using|with using"
    r"|with|to use|me use|me with|me to use) (?:you|this bot|the bot|ticketbot|this thing|this tool"
    r"|this assistant|this|it)$"
    r"|^what (?:is it|exactly is it|is it exactly) (?:that )?you do$|^what exactly do you do$"
    r"|^what (?:are|r) (?:you|u) (?:able to|capable of|good at|for)(?: do| doing)?$"
    r"|^what (?:can|do|could|does) (?:this|the|ticketbot|this thing|it)(?: bot| assistant| thing"
    r"| tool)? (?:do|help with|handle)$"
    r"|^what(?:'s| is) (?:this|the) (?:bot|thing|tool|service) for$"
    r"|^how (?:do|can) i (?:open|create|raise|log|file|submit|make|check(?: on| up on)?"
    r"(?: the status of)?|close|add a note to"
    r"|update|list|see) (?:a |an |my |the )?(?:ticket|tickets|request|case|note)"
    r"(?: (?:here|with you|through you|with this bot))?$"
)
# Greetings and courtesy trimmed before the whole-message help check ("hi, what can you do?").
COURTESY_EDGE_RE = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|ok|okay|so|um|uh|please|pls|sorry|excuse me|quick question|yo"
    r"|good (?:morning|afternoon|evening))(?: there| team| bot)?[\s,!.:;-]+)+"
    r"|(?:[\s,!.:;-]+(?:please|pls|thanks|thank you|thx|then|here|now|exactly|again))+[\s?!.]*$"
    r"|[\s?!.]+$"
)

# --- the reference branch: which of status / note / close --------------------------------

CLOSE_NEGATED_RE = re.compile(
    r"\b(?:don't|dont|do not|please don't|not|never|no need to|shouldn't|should not|didn't"
    r"|did not|why did you|why was|why is|who) (?:\w+ )?(?:close|closed|closing|resolve|resolved"
    r"|cancel|cancelled|canceled|mark)\b"
    r"|\b(?:still|isn't|is not|not|wasn't|never) (?:\w+ )?(?:fixed|resolved|solved|sorted"
    r"|working)\b"
    r"|\b(?:re-?open|re-?opened|open it again|open again|came back|back again|happening again"
    r"|broke again|again broken|is back)\b"
)
CLOSE_WITH_REF = cues(
    (r"\b(?:no longer|not) an? (?:issue|problem)(?: any ?more)?\b", 4.0),
    (
        r"^(?:ticket |#)?\S+ (?:is |has |got |was |has been )?(?:now |all )?(?:resolved|fixed"
        r"|sorted|solved|done|working|ok|okay|fine|good)(?: itself| now| out)?\b(?! yet)(?!.*\?)",
        4.0,
    ),
    (r"^(?:ticket |#)?\S+ (?:please |pls )?close\b", 5.0),
    (
        r"(?:^|[,.;!] |\b(?:please|pls|kindly|just|then|and|so|you can|you may|u can|can you"
        r"|could you"
        r"|would you|go ahead and|feel free to|ok to|okay to|safe to|fine to|free to"
        r"|happy for you to"
        r"|want to|want you to|like to|like you to|need to|let's|lets) )close\b",
        5.0,
    ),
    (
        r"\bclose (?:it|this|that|ticket|the ticket|my ticket|out|off|#|t\d|\d|the case|the request"
        r"|the job)",
        4.0,
    ),
    (
        r"\b(?:can|could|may|should|might as well|can now|is ready to) be (?:closed|resolved"
        r"|marked)\b",
        5.0,
    ),
    (r"^\S+ (?:can|could|may) (?:go|be binned|be dropped|be scrapped)\b", 5.0),
    (
        r"\b(?:mark|set|flag|put|move|change)\b.{0,40}\b(?:as |to )?(?:resolved|closed|complete"
        r"|completed|done|solved|fixed|finished)\b",
        5.0,
    ),
    (
        r"(?:^|[,.;!] |\b(?:please|pls|kindly|just|then|and|so|you can|can you|could you|go ahead"
        r" and|feel free to) )(?:resolve|cancel|withdraw|retract|drop|scrap|kill|abandon|finish"
        r"|complete"
        r"|shut)\b",
        4.0,
    ),
    (
        r"\b(?:don't|dont|do not|no longer|doesn't|does not) (?:\w+ )?(?:need|require|want)\b"
        r"|\bno (?:need|reason) to keep\b"
        r"|\b(?:no longer|not|isn't|is not|aren't) (?:needed|required|necessary)\b"
        r"|\bnot needed any ?more\b|\b(?:get rid of|drop|bin|scrap|ditch) (?:#|t\d|\d)"
        r"|\bduplicate\b",
        4.0,
    ),
    (
        r"\b(?:is|are|was|has been|have been|got|now|all|been|it's|that's) (?:now |all |finally "
        r"|completely "
        r"|totally )?(?:fixed|resolved|solved|sorted|sorted out|done|fine|ok|okay|good)\b",
        2.5,
    ),
    (
        r"\b(?:all good|all sorted|all set|works (?:now|again|fine|perfectly)|working (?:now|again"
        r"|fine|perfectly)|(?:no longer|don't|do not|dont) need|not needed|no longer needed"
        r"|never ?mind"
        r"|figured it out|fixed it|sorted it|solved it|we're good|we are good|i'm good"
        r"|problem solved"
        r"|issue resolved|not an issue anymore|not a problem anymore|went away|gone away"
        r"|resolved itself"
        r"|fixed itself|sorted itself|anymore|any more|any longer)\b",
        2.5,
    ),
    (r"\bclosed?\b", 1.5),
)
STATUS_WITH_REF = cues(
    (
        r"\b(?:heard nothing|nothing (?:back|yet|so far)|silence so far|still waiting"
        r"|waiting (?:to hear|for (?:an? |any )?(?:update|news|reply|response"
        r"|answer|someone|a tech|a call|feedback))|(?:haven't|have not|not|never) heard"
        r"|no (?:update"
        r"|news|reply|response|word|feedback)(?: yet| so far)?|(?:nobody|no one|no-one) (?:has "
        r"|have )?"
        r"(?:contacted|called|replied|responded|got back|come|came|answered)|(?:hasn't|has not"
        r"|wasn't"
        r"|was not) (?:been )?(?:touched|looked at|assigned|picked up|updated))\b",
        5.0,
    ),
    (r"\bstatus\b", 4.0),
    (r"\b(?:get|got|getting|gotten) anywhere\b|\bany (?:joy|luck|movement)\b", 3.0),
    (r"\b(?:progress|news|latest|eta|timeline|time ?frame|update\?|updates\?)\b", 3.0),
    (
        r"\b(?:any|an|got an?|get an?|need an?|some|for an?|status|quick|the) (?:update|updates"
        r"|news"
        r"|word|progress|feedback|response|reply|answer)\b",
        3.0,
    ),
    (r"\bupdates? (?:on|for|about|regarding|re) [^:]*$", 2.5),
    (
        r"\b(?:where are we|where are things|where is it at|where does it stand|how(?:'s| is| are)"
        r" (?:it|things|that|this|ticket|my ticket)? ?(?:going|coming along|looking|progressing)"
        r"|coming along|what's happening|what is happening|what's going on|what is going on"
        r"|happening"
        r" with|going on with)\b",
        3.0,
    ),
    (
        r"\b(?:done|fixed|resolved|finished|complete|completed|closed|solved|sorted|ready) yet\b",
        3.0,
    ),
    (
        r"\b(?:still open|still pending|still waiting|still in progress|open still|been looked at"
        r"|looked at|picked up|assigned|escalated|working on|work on|get to|got to|gotten to"
        r"|hear back|heard back|in progress|in the queue|stuck in|any movement|moving)\b",
        3.0,
    ),
    (
        r"^(?:check|checking|chase|chasing|follow(?:ing)? up|look ?up|lookup|show|show me|get|view"
        r"|see|find|pull up|open|track|tracking)\b",
        3.0,
    ),
    (r"\b(?:check|chase|follow(?:ing)? up|look ?up|track)(?: on| up on| in on)?\b", 2.0),
    (r"^(?:ticket |#|tkt )?(?:t?\d[\d.]*)\s*\??$", 4.0),
)
# Only when the message is a question: "when is someone coming for T20251030.0021".
STATUS_QUESTION_WITH_REF = cues(
    (
        r"\b(?:someone|anyone|somebody|anybody|a tech|the tech|technician|engineer|who)\b.{0,30}"
        r"\b(?:coming|come|look|looking|looked|assigned|working|contact|call|visit|handling|handle"
        r"|on it|owns|own)\b",
        3.0,
    ),
    (
        r"\b(?:what about|how about|how long|when will|when can|when should|when is|when are"
        r"|when do"
        r"|when does|how soon|will it|is it|has it|did it|did you|have you|has anyone"
        r"|did anyone)\b",
        3.0,
    ),
    (
        r"\b(?:done|fixed|resolved|finished|complete|completed|closed|solved|sorted|ready|open)\b",
        1.0,
    ),
    (r"\b(?:heard|seen|reviewed|touched|started|going|looking|waiting)\b", 2.0),
)
NOTE_WITH_REF = cues(
    (r"\b(?:add|adding|append|appending|attach|attaching|put|post|log|record|include)\b", 3.0),
    (r"\b(?:note|notes|comment|remark|addendum)\b", 3.0),
    (
        r"\b(?:let|tell|inform|remind|ask|notify|warn|update|advise|message|pass (?:on|along) to)"
        r" (?:the |my |your |our |whoever|whomever )?(?:tech|techs|technician|engineer|agent|team"
        r"|person|guy|lady|support|them|him|her|whoever|everyone|folks|people|desk|owner|assignee)",
        4.0,
    ),
    (
        r"\b(?:pass (?:on|along)|let (?:them|him|her) know|just so you know|for your info|heads up"
        r"|fyi|more info|more information|additional info|extra info|more details"
        r"|additional details"
        r"|new info|update:|to add|forgot to mention|forgot to say|should mention|i should add"
        r"|one more thing|also)\b",
        3.0,
    ),
    (
        r"\b(?:i tried|tried|i've tried|i have tried|we tried|tested|restarting|rebooting"
        r"|i restarted"
        r"|i rebooted|i reinstalled|didn't help|did not help|doesn't help|no luck|no change"
        r"|same thing"
        r"|same error|same problem|still|again|now it|it now|it only|only happens|it happens"
        r"|happens"
        r"|also happens|whenever|every time|each time)\b",
        2.0,
    ),
    (
        r"\b(?:my (?:phone|number|mobile|cell|extension|ext|email|desk|location|office|room"
        r"|availability|manager|laptop|pc|asset)|i(?:'m| am) (?:in|at|out|away|off|back|available"
        r"|around|free|on|working|here)|i'll be|i will be|i won't be|call me|reach me|contact me"
        r"|the error|error message|error says|screenshot|attached|the message says|it says)\b",
        2.0,
    ),
    (r":\s*\S+(?:\s+\S+){2,}", 1.5),
)

# --- no reference: create, question, list, status, close, note -------------------------------

LIST_CUES = cues(
    (
        r"^(?:my|all my|all of my) (?:open )?(?:tickets|tix|requests|cases|jobs)\s*[?.!]*$"
        r"|^(?:my |any |the )?open (?:ones|tickets|tix|requests|cases)\s*[?.!]*$",
        8.0,
    ),
    (
        r"^(?:which|what) (?:ones|of mine|of them|of my \w+) (?:are |is )?(?:still )?(?:open"
        r"|pending"
        r"|outstanding|in progress)\b|\b(?:my|our) (?:open|pending|outstanding) (?:stuff|things"
        r"|items|ones)\b",
        8.0,
    ),
    (
        r"^(?:list|show|view|see)(?: me)? (?:all )?(?:my|our) (?:stuff|things|items|everything)\b",
        8.0,
    ),
    (r"\bwhat(?:'s| is) (?:in|on) my (?:queue|list|plate|backlog)\b", 8.0),
    (
        r"\b(?:my|all my|all of my|any of my|our|all our|all of our|all the|all|which of my"
        r"|what are my"
        r"|any) (?:\w+ )?(?:tickets|requests|cases|incidents|jobs|service requests)\b",
        8.0,
    ),
    (
        r"^(?:list|show|view|display|see|get|give me|pull up|check)(?: me)? (?:all )?(?:the |my "
        r"|our )?"
        r"(?:\w+ )?(?:tickets|requests|cases|incidents)\b",
        8.0,
    ),
    (r"\b(?:i|we) (?:still )?(?:have|got) (?:any )?(?:\w+ )?(?:tickets|requests|cases)\b", 8.0),
    (
        r"\b(?:tickets|requests|cases|incidents|issues|problems|calls) (?:do |have |did )?(?:i|we)"
        r" (?:have|got|open|opened"
        r"|raised|logged|submitted|created|filed|reported)\b",
        8.0,
    ),
    (
        r"\b(?:open|pending|outstanding|active|unresolved|current|existing|recent|previous|past"
        r"|old)"
        r" (?:tickets|requests|cases|incidents|issues|jobs)\b",
        4.0,
    ),
    (
        r"\b(?:what|which|anything|everything|stuff|all)(?: (?:do|did|have|that))? (?:i|i've|i have"
        r"|we|we've|we have)(?: (?:got|still))? (?:open|opened|pending|outstanding|reported|raised"
        r"|logged|submitted|filed|sent in|in progress|asked (?:it |you |the help ?desk "
        r"|support )?for"
        r"|requested)\b",
        8.0,
    ),
    (
        r"\b(?:anything|something|stuff|things|everything|what|what's|whats)\b.{0,14}\b(?:open"
        r"|opened"
        r"|pending|outstanding|in progress|in the queue|unresolved)\b.{0,14}\b(?:with (?:it|you|the"
        r" help ?desk|support|the service ?desk|your team)|for me|from me|under my name)\b",
        8.0,
    ),
    (r"\b(?:what|which) (?:tickets|requests|cases|incidents)\b", 6.0),
    (
        r"\b(?:do|have|did) (?:i|we) (?:still )?(?:got |have )?(?:anything|something|any|stuff)"
        r" (?:still )?(?:open|pending|outstanding|in progress|waiting)\b",
        8.0,
    ),
    (
        r"^(?:list|show|view|display|see|get|give me|pull up)(?: me)? (?:every|each|any) (?:\w+ )?"
        r"(?:ticket|request|case|incident)s? (?:i|i've|i have|we|we've|we have) (?:ever )?"
        r"(?:made|raised|logged|opened|submitted|filed|reported|sent)\b",
        8.0,
    ),
    (
        r"\b(?:got|have|still) (?:open|pending|outstanding) with (?:it|you|the help ?desk|support"
        r"|the service ?desk)\b",
        4.0,
    ),
    (r"\b(?:list|show|view|display|see|give me|get me|pull up)\b", 1.0),
    (r"\b(?:overview|summary|list|rundown|history)\b", 1.0),
)
STATUS_NO_REF = cues(
    (
        r"\bwhen (?:will|is|does|do) (?:my|the|our) (?:\w+ ){0,2}(?:arrive|be (?:ready|delivered"
        r"|fixed|done|set up|installed|back)|come|get here|turn up)\b",
        8.0,
    ),
    (
        r"\b(?:did|has|have) (?:anything|something|anyone|anybody) (?:happen|happened|come of"
        r"|moved|been done)\b.{0,30}\b(?:my|the|that|our) (?:\w+ )?(?:repair|request|ticket|order"
        r"|case|issue|problem|report|fix|job)\b",
        8.0,
    ),
    (
        r"\b(?:any|an|got an?) (?:update|updates|news|progress|word|eta)\b.{0,40}\b(?:i|we)"
        r" (?:reported|raised|logged|opened|submitted|filed|sent in|mentioned|asked about"
        r"|told you about)\b",
        8.0,
    ),
    (
        r"\b(?:i|we) (?:reported|raised|logged|opened|submitted|filed|sent in|created|called about"
        r"|emailed about|asked about|mentioned)\b.{0,80}\b(?:any|an|got an?) (?:update|updates|news"
        r"|progress|word|eta)\b",
        8.0,
    ),
    (
        r"\b(?:what's|what is|whats|anything) (?:going on|happening|new|up) (?:with|on) (?:my|the"
        r"|our"
        r"|that|this)\b.{0,25}\b(?:ticket|request|case|incident|job|repair|order)\b(?!s)",
        8.0,
    ),
    (
        r"\b(?:anyone|someone|anybody|somebody|a tech|the tech|you|they|it) (?:\w+ )?(?:looking"
        r"|looked"
        r"|working|work|picked|assigned|seen|started|handling|dealing|come|coming|visit|call"
        r"|contact|fix|fixing)\b.{0,30}\b(?:my|the|that"
        r"|this"
        r"|our) (?:\w+ ){0,2}(?:ticket|request|case|incident)\b(?!s)",
        8.0,
    ),
    (
        # "update" as a progress noun; "please update my job title" asks for a change.
        r"\b(?:status|progress|eta|(?<!please )(?<!pls )(?<!you )(?<!to )update|updates|news|latest"
        r"|word|feedback|verdict|outcome|result)\b.{0,15}"
        r"\b(?:my|the|that|this|our|last|previous|earlier)\b.{0,20}\b(?:ticket|request|case"
        r"|incident"
        r"|job|repair|call|report)\b(?!s)",
        8.0,
    ),
    (
        r"\b(?:my|the|that|this|our|last|previous) (?:\w+ ){0,2}(?:ticket|request|case|incident"
        r"|job)\b"
        r"(?!s).{0,40}\b(?:status|progress|done|fixed|resolved|open|assigned|looked at|picked up"
        r"|approved|approval|actioned|processed"
        r"|moved|budged|progressed|changed"
        r"|working|update|moving|stuck|closed|finished|yet|still|anyone|someone)\b",
        6.0,
    ),
    (
        r"\b(?:has|have|did) (?:anyone|someone|anybody|somebody|a tech|the tech|you|it|they)"
        r" (?:\w+ )?(?:looked|look|picked|pick|got|get|gotten|seen|started|assigned|reviewed|read"
        r"|fixed|done|touched)\b",
        3.0,
    ),
    (
        r"^(?:any|an|got an?|what's the|whats the|what is the) ?(?:update|updates|news|progress|eta"
        r"|status|latest|word)\s*(?:on it|on that|on this|yet|so far|please)?\s*[?.!]*$",
        8.0,
    ),
    (r"\b(?:what's|what is|whats) (?:the )?(?:status|latest|eta)\b\s*[?.!]*$", 4.0),
    (
        r"\b(?:is|has) (?:it|that|this) (?:been )?(?:fixed|done|resolved|sorted|assigned|looked at)"
        r"(?: yet)?\b",
        2.0,
    ),
)
CLOSE_NO_REF = cues(
    (
        r"\b(?:forget|drop|scrap|ignore|bin|cancel|kill) (?:about )?(?:my|the|that) (?:last "
        r"|previous "
        r"|old |latest )?(?:ticket|request|case)\b",
        7.0,
    ),
    (
        r"(?:^|\b(?:please|pls|kindly|just|then|and|so|you can|you may|u can|can you|could you"
        r"|would you|go ahead and|feel free to|ok to|okay to|safe to|fine to|let's|lets) )"
        r"(?:close|resolve|cancel|withdraw) (?:it|this|that|mine|this one|that one|it out|out|off"
        r"|(?:my|the|this|that|our|last) (?:\w+ )?(?:ticket|request|case|incident|job))\b",
        5.0,
    ),
    (
        r"\b(?:close|resolve|cancel) (?:my|the|this|that|our|last) (?:\w+ )?(?:ticket|request|case"
        r"|incident)\b",
        5.0,
    ),
    (
        r"\b(?:mark|set) (?:it|this|that|my ticket|the ticket)\b.{0,20}\b(?:resolved|closed"
        r"|complete"
        r"|done|solved|fixed)\b",
        5.0,
    ),
    (
        r"\b(?:it|this|that|this one|that one|(?:my|the|that|this) (?:\w+ )?(?:ticket|request"
        r"|case))"
        r" (?:can|could|may|should) (?:now )?be (?:closed|resolved)\b",
        7.0,
    ),
)
NOTE_NO_REF = cues(
    (
        r"^(?:please )?(?:add|append|put|post|leave|attach) (?:a |this |the following "
        r"|an? )?(?:note"
        r"|comment|remark|update)\b",
        6.0,
    ),
    (
        r"\b(?:add|append) (?:this|that|the following) to (?:my|the|that|this) (?:ticket|request"
        r"|case)\b",
        6.0,
    ),
    (r"^(?:note|comment)\s*:", 5.0),
    # "add to my ticket that I tried another charger": what is added is said after "that".
    (
        r"^(?:please |can you |could you |pls )?(?:add|append|mention|note) (?:to|on|in) (?:my|the"
        r"|that|this|our) (?:\w+ )?(?:ticket|request|case)\b",
        6.0,
    ),
    (
        r"\b(?:add|append|put|post|leave|attach) (?:a |an |this |my )?(?:note|comment|remark)"
        r" (?:to|on|in|onto) (?:my|the|that|this|our) (?:\w+ )?(?:ticket|request|case)\b",
        6.0,
    ),
)

QUESTION_CUES = cues(
    (
        r"\bhow (?:do|can|should|would|could|does|did) (?:i|we|you|one|someone|people|staff|users"
        r"|employees|my team)\b",
        4.0,
    ),
    (r"\bhow to\b", 3.5),
    (r"\b(?:is there|are there|is it possible|is there a way|any way)\b", 2.5),
    (r"\bwhere (?:can|do|should|would|could|will|might) (?:i|we|one)\b", 4.0),
    (r"\bwhere(?:'s| is| are| do| does)\b", 2.5),
    (r"\b(?:what|what's|whats)(?: is| are|'re)? (?:the|your|our|a|an|my)\b", 2.5),
    (r"\b(?:what|what's|whats) (?:is|are|does|do)\b", 1.5),
    (r"\bwhen (?:is|are|does|do|will|can|should|would)\b", 3.0),
    (
        r"\b(?:do|does|are|is) (?:you|u|ya|the help ?desk|the service ?desk|it support|support"
        r"|the it team|it|you guys|your team|ticketbot)\b",
        2.0,
    ),
    (
        r"\b(?:can|could|would|will) (?:you|u) (?:please )?(?:tell|explain|let me know|confirm"
        r"|advise"
        r"|say|clarify|recommend|show me how|help me understand|point me)\b",
        3.0,
    ),
    (
        r"\bwho (?:do|should|can|could|would|will|is|are|handles|manages|looks after"
        r"|is responsible)\b",
        4.0,
    ),
    (r"\bwhich\b", 2.0),
    (r"\bhow (?:long|much|many|often|soon|far|big|fast|old)\b", 4.0),
    (r"\b(?:can|could|may|should|must|do) (?:i|we)\b", 2.0),
    (
        r"\b(?:am i|are we|is it) (?:allowed|able|supposed|permitted|ok|okay|possible|safe|fine"
        r"|right"
        r"|correct|normal|expected|required|mandatory)\b",
        4.0,
    ),
    (
        r"\b(?:opening|operating|office|support|business|working|service|desk|help ?desk) hours\b",
        3.0,
    ),
    (
        r"\b(?:hours|open|closed|available|open on|working|work)\b.{0,20}\b(?:weekends?|saturdays?"
        r"|sundays?|holidays?|bank holidays?|christmas|tonight|tomorrow|evenings?|nights?|public"
        r" holidays?|after hours|out of hours|today)\b",
        2.0,
    ),
    (r"\bdo we (?:have|use|support|offer|get|provide|allow|need|pay)\b", 3.0),
    (
        r"\b(?:what(?:'s| is| are) the|is there an?|are there|is there any) (?:process|procedure"
        r"|policy|rule|rules|charge|cost|fee|price|way|steps|best way|right way|limit|deadline"
        r"|form)\b",
        5.0,
    ),
    (
        r"\b(?:policy|policies|procedure|process|guide|guidelines|instructions|documentation|docs"
        r"|faq|manual|handbook|rules|allowance|entitled|eligible|recommended|recommend|supported"
        r"|best practice|tutorial|how-to)\b",
        1.5,
    ),
    (r"\bwhat (?:does|do) .{1,40} mean\b|\bwhat(?:'s| is) (?:a|an|the difference)\b", 3.0),
    (
        r"\b(?:tell me|explain|wondering|curious|i'd like to know|i would like to know|want to know"
        r"|need to know|any idea|do you know|does anyone know|quick question|question about"
        r"|a question|advice|tips|recommendations?)\b",
        3.0,
    ),
    (r"\b(?:myself|my own|on my own|self[- ]service)\b", 1.5),
    (r"\?\s*$", 1.0),
)
# Questions that are really problem reports ("why won't my laptop start?").
COMPLAINT_QUESTION_RE = re.compile(
    r"^(?:why|how come)\b|\bis (?:it|this|that) (?:normal|ok|okay|expected|supposed to)\b.{0,20}"
    r"\b(?:that|for|to)\b|\b(?:anyone else|is it just me|is something wrong|what(?:'s| is) wrong"
    r"|what happened to|(?:any idea|do you know|does anyone know|any clue) why)\b"
)
# "Can I get a laptop stand?" asks for something to be done, in the form of a question.
REQUEST_QUESTION_RE = re.compile(
    r"^(?:(?:hi|hey|hello|so)\W+)*(?:is it possible|would it be possible|any chance) (?:to|i could"
    r"|we could|for me to|for us to) (?:get|have|order|borrow)\b|"
    r"^(?:(?:hi|hey|hello|so|and|also|oh)\W+)*(?:can|could|may) (?:i|we|(?:my|our|the"
    r"|this)(?: \w+){1,2}?)"
    r"(?: (?:please|also|just"
    r"|maybe|possibly))* (?:get|have|borrow|order)\b(?! (?:to|a look|an? (?:answer|idea|update"
    r"|word))\b)"
)
# "Is the VPN down?" reports a problem even without another problem word.
OUTAGE_QUESTION_RE = re.compile(
    r"^(?:is|are) (?:the |our |my )?(?:\w+ ){1,3}(?:down|broken|offline|not working|dead"
    r"|acting up|playing up)\b|\b(?:anyone|anybody|someone) else (?:having|seeing|getting|got)"
)

CREATE_CUES = cues(
    (
        r"\b(?:open|create|raise|log|file|submit|make|start|put in|lodge|register) (?:me |up )?"
        r"(?:a |an )?(?:new )?(?:ticket|case|request|incident|support request|service request"
        r"|job)\b",
        6.0,
    ),
    (
        r"\b(?:i|we)(?:'d| would)? (?:like|want|need|wish) to report\b|\breport(?:ing)? (?:a|an"
        r"|that"
        r"|this|the|my|some|another)\b",
        4.0,
    ),
    (
        r"\bnot (?:working|responding|loading|syncing|sync|printing|connecting|starting|turning on"
        r"|booting|opening|showing|displaying|charging|receiving|sending|updating|picked up"
        r"|recogni[sz]ed"
        r"|detected|found|saving|playing|launching|running|coming through|going through|registering"
        r"|accepting|letting|working properly|working right|able to)\b",
        3.0,
    ),
    (
        r"\b(?:isn't|isnt|is not|aren't|arent|are not|wasn't|weren't|doesn't|doesnt|does not|didn't"
        r"|didnt|did not|won't|wont|will not|can't|cant|cannot|can not|couldn't|could not|unable to"
        r"|fails? to|failed to|failing to|refuses? to|stopped|no longer|hasn't|hasnt|haven't"
        r"|has not"
        r"|have not|keeps? failing|never) (?!(?:urgent|important|critical|a big deal|a priority"
        r"|in a"
        r" rush|in a hurry|sure|needed|necessary|too|very|so|that|really|a problem|an issue|rush"
        r"|hurry"
        r"|mind|know|need|want|worry|have to|bother)\b)\w+",
        3.0,
    ),
    (
        r"\b(?:don't|dont|do not) (?:work|get|receive|see|have access|show|load|open|print|sync"
        r"|connect|hear|ring|respond)\b",
        3.0,
    ),
    (
        r"\b(?:nobody|no one|no-one|noone|none of us)(?: else| here| (?:in|on|at"
        r"|from) (?:the )?\w+)? (?:can|could|is able|are able|has"
        r"|is getting)\b",
        3.0,
    ),
    (
        r"\b(?:broken|broke|breaks|breaking|crash|crashes|crashed|crashing|freez(?:e|es|ing)|froze"
        r"|frozen|hangs|hanging|hung|stuck|errors?|fail|fails|failed|failing|failure|faulty|fault"
        r"|bug|buggy|glitch|glitchy|glitches|corrupt|corrupted|bsod|blue screen|black screen"
        r"|white screen|blank screen|ransomware|virus|malware|phishing|hacked|compromised|spam"
        r"|spoofed"
        r"|locked out|lockout|expired|overheat(?:ing|s|ed)?|cracked|smashed|shattered|damaged"
        r"|leaking"
        r"|dead|died|dies|dying|outage|offline|unreachable|bounce|bounced|bouncing|denied|rejected"
        r"|disconnect(?:s|ed|ing)?|drops? out|dropping|dropped|reboots?|rebooting|restarts? itself"
        r"|shuts? down|shutting down|jam|jams|jammed|jamming|paper jam|smoke|sparks|burning|burnt"
        r"|burned"
        r"|smells?|smelling|dripping|sparking)\b",
        3.0,
    ),
    (
        r"\b(?:slow|sluggish|laggy|lag|lagging|lags|flicker(?:s|ing)?|blink(?:s|ing)?|flash(?:es"
        r"|ing)"
        r"|beep(?:s|ing)?|buzz(?:es|ing)?|noise|noisy|loud|squeak(?:s|ing|y)|hot|warm|dim|blurry"
        r"|fuzzy"
        r"|distorted|garbled|static|echo(?:es|ing)?|weird|strange|odd|wrong|funny|random(?:ly)?"
        r"|missing|disappeared|vanished|gone|lost|deleted|wiped|empty|blank|upside down|sideways"
        r"|messed up|acting up|playing up|misbehaving|out of (?:paper|toner|ink|space|memory"
        r"|storage)"
        r"|full|keeps?|kept|constantly|repeatedly|again and again|every time|all the time"
        r"|intermittent(?:ly)?|on and off|by itself|on its own|itself)\b",
        2.0,
    ),
    (
        r"\b(?:problem|problems|issue|issues|trouble|troubles|difficulty|difficulties|fault|faults"
        r"|help with|assistance with|struggling)\b",
        2.0,
    ),
    (
        r"\b(?:is|are|was|went|been|'s|s|goes|going|keeps going|seems|appears) (?:completely "
        r"|totally "
        r"|all )?(?:down|out|offline|dead)\b",
        3.0,
    ),
    (
        r"\bno (?:signal|sound|audio|internet|power|connection|connectivity|network|access|display"
        r"|picture|image|video|dial ?tone|response|email|emails|wifi|wi-fi|service|reception"
        r"|ink|toner|paper|data|results|output|colou?r|sync|updates|files)\b",
        3.0,
    ),
    (
        r"\b(?:black|blank|white|frozen|green|purple|pink|blurry|distorted|grey|gray|garbled)"
        r" (?:screen|screens|image|images|page|pages|display|picture|video|window|box|boxes|bar"
        r"|bars"
        r"|lines?|stripes?|squares?)\b",
        3.0,
    ),
    (
        r"\b(?:is|are|seems|looks|was) (?:\w+ )?(?:off|wrong|incorrect|out of sync|inaccurate)\b",
        2.0,
    ),
    (r"\b(?:does|did|do) nothing\b|\bnothing (?:happens|happened|works|loads|prints|shows)\b", 3.0),
    (
        r"\b(?:forgot|forgotten|can't remember|cannot remember|don't remember|lost) (?:my |the "
        r"|our )?"
        r"(?:\w+ )?(?:password|pin|passcode|login|username|code|key|badge|card|token|phone"
        r"|laptop)\b",
        4.0,
    ),
    (r"\b(?:locked|expired|disabled|blocked|suspended|deactivated)\b", 2.0),
    (r"^(?:would like|'d like|need|needs|want|looking for|requesting|request)\b", 2.5),
    (
        r"\b(?:i|we)(?:'d| would)? (?:need|want|require|would like|'d like|could use|am after"
        r"|'m after)"
        r"\b(?! to know| to ask| to find out| to understand| help\W*$)",
        2.5,
    ),
    (
        r"\b(?:need|needs|needed|requesting|request|requires|require) (?:a|an|the|new|another"
        r"|access"
        r"|more|some|my|our|to have|to get|to be|setting up|installing|installed|set up|replaced"
        r"|fixed|repaired|reset|unlocked|added|removed|created|enabled|updated|upgraded)\b",
        2.5,
    ),
    (
        r"\b(?:please|pls|plz|kindly|(?:could|can|would|will) (?:you|u|ya)|can someone"
        r"|could someone"
        r"|can somebody|can i (?:also |just )?get|could i (?:also |just )?get|can i have"
        r"|could i have"
        r"|can we (?:also )?get|can we have"
        r"|i'd like you to|i need you to|need you to|want you to)(?: please| pls"
        r"| kindly)? (?:help me"
        r" (?:with|to) \w+|help me (?:set|get|install|fix|reset)|install|set ?up|setup|create|add"
        r"|remove|delete|reset"
        r"|unlock|replace|fix|repair|order|give|grant|enable|disable|update|upgrade|move|change"
        r"|configure|connect|look at|look into|take a look|have a look|check|send|provide|restore"
        r"|recover|sort out|sort|arrange|book|renew|extend|activate|deactivate|transfer|get me"
        r"|rename|archive|unarchive|relabel|tidy|tidy up|label|hang|fit|tighten|clean up"
        r"|get us"
        r"|onboard|offboard|map|share|increase|clean|wipe|swap|mount|set|make|come|visit|assign"
        r"|issue"
        r"|replace|migrate|back ?up|register|re-?image|reinstall|investigate|troubleshoot|access"
        r"|a new|new|another|an extra|more|some)\b",
        4.0,
    ),
    (
        r"(?:^|[,.;!] )(?:hi |hey |hello )?(?:can|could|may) (?:i|we)(?: (?:please|also|just|maybe"
        r"|possibly|still))* (?:get|have"
        r"|borrow"
        r"|order|request)\b",
        4.0,
    ),
    (
        r"\b(?:new|replacement|spare|another|second|2nd|extra|additional|bigger|larger|better"
        r"|faster"
        r"|working|loaner|loan) (?:\w+ )?(?:laptop|monitor|screen|keyboard|mouse|phone|headset"
        r"|charger"
        r"|account|licen[cs]e|user|mailbox|pc|computer|desktop|chair|cable|dock|docking station"
        r"|printer|toner|cartridge|badge|card|email address|sim|mobile|tablet|ipad|iphone|webcam"
        r"|camera|battery|adapter|dongle|drive|disk|ssd|ram|memory|machine|device|login|password"
        r"|distribution list|group|folder|share|vpn|token|fob|seat)s?\b",
        3.0,
    ),
    (
        r"\b(?:install|installed|installing|installation|set ?up|setup|access to|permission"
        r"|permissions"
        r"|onboard|onboarding|new (?:hire|starter|joiner|employee|user|colleague|staff member|team"
        r" member)|starter|leaver|offboard(?:ing)?|upgrade|license|licence|provision|mailbox"
        r"|distribution list|shared drive|shared folder|vpn access)\b",
        1.5,
    ),
    (
        r"\b(?:can|could) (?:it|this|that|they|these|those) be (?:switched|changed|set|moved|made"
        r"|fixed|replaced|updated|reset|turned|swapped|renamed)\b",
        4.0,
    ),
    (
        r"\b(?:clicked|opened|downloaded) (?:on )?(?:a |an |the |that |this )?(?:suspicious |weird "
        r"|strange |dodgy |bad )?(?:link|attachment|file|email)\b|\b(?:someone|somebody) (?:has )?"
        r"(?:logged|signed|got) (?:in|into|onto)\b|\b(?:suspicious|unknown|strange|unusual)"
        r" (?:login|sign-?in|activity|email|e-mail|message|device|charges)\b|\bpop-? ?ups?\b"
        r"|\bredirect(?:s|ing|ed)?\b|\binfected\b",
        3.0,
    ),
)

IT_NOUN_RE = re.compile(
    r"\b(?:printer|printers|printing|copier|scanner|laptop|laptops|computer|pc|desktop|mac|macbook"
    r"|monitor|monitors|screen|display|keyboard|mouse|trackpad|touchpad|headset|headphones|mic"
    r"|microphone|speaker|speakers|webcam|camera|dock|docking station|charger|battery|cable|usb"
    r"|hdmi|phone|desk phone|mobile|iphone|android|ipad|tablet|email|e-mail|mail|inbox|outlook"
    r"|mailbox|calendar|teams|zoom|slack|webex|skype|word|excel|powerpoint|onenote|office"
    r"|sharepoint|onedrive|dropbox|drive|shared drive|folder|file|files|wifi|wi-fi|network"
    r"|internet|vpn|router|switch|firewall|server|servers|website|site|intranet|portal|browser"
    r"|chrome|edge|firefox|safari|app|application|software|program|system|erp|crm|database|login"
    r"|log in|sign in|password|account|mfa|2fa|authenticator|token|badge|door|access|projector"
    r"|tv|display|windows|update|updates|driver|disk|storage|backup|fan|ram|memory|cpu|toner"
    r"|ink|paper|fax|voicemail|extension|licen[cs]e|sso|okta|vm|citrix|remote desktop|rdp|sap"
    r"|quickbooks|salesforce|adobe|acrobat|pdf|visio|autocad|jira|confluence|github|gitlab"
    r"|docker|laptop's|computer's|machine|device|devices|hardware|bluetooth|audio|sound|video"
    r"|wallpaper|desktop icons|taskbar|start menu|sd card|ssd|hard drive)\b"
)
QUESTION_START_RE = re.compile(
    r"^(?:how|how's|hows|what|what's|whats|what're|when|when's|where|where's|which|who|who's"
    r"|whom|whose|why|is|are|am|was|were(?! like)"
    r"|do|does|did|can|could|may|might|should|shall|will|would(?! like| love| need)|have|has|had"
    r"|any(?:one|body)?)(?=\s)"
)
RESOLVED_STATE_RE = re.compile(
    r"\b(?:works|working|fine|ok|okay|sorted|fixed|resolved|solved|good)(?: now| again)\b"
    r"|\b(?:all good|all sorted|never ?mind|nvm|problem solved|went away|figured it out|fixed it"
    r"|sorted it|solved it)\b"
)
ANAPHORA_RE = re.compile(
    r"\b(?:it|that|this|that one|this one|the ticket|my ticket|the request|my request|the case"
    r"|my case|same ticket|last ticket|previous ticket)\b"
)
