"""Handlers that only answer: questions, help, small talk, explanations, several requests."""

from __future__ import annotations

import logging
import re

from core import actions
from core.cards import help_card
from core.classifier.drafting import draft_title
from core.errors import TicketingError
from core.handlers.registry import Work, handles, run
from core.handlers.technicians import is_technician
from core.messages import Reply
from core.operations import AnswerQuestion, Explain, Help, ProposeTicket, Several, SmallTalk
from core.ports import PendingAction
from core.ratelimit import RateLimited
from core.tickets import TicketDraft

log = logging.getLogger(__name__)


@handles(AnswerQuestion)
def answer_question(op: AnswerQuestion, work: Work) -> None:
    if op.reply:
        work.say(Reply(op.reply))
        return
    entry = work.knowledge.answer(op.text)
    if entry is not None:
        work.say(Reply(entry.answer))
        return
    if work.pending is not None and work.pending.action_id == actions.CREATE_CONFIRM:
        work.say(Reply("I don't know the answer to that one; a technician can tell you."))
        return
    run(
        ProposeTicket(
            TicketDraft(title=draft_title(op.text), description=op.text),
            intro="I don't know the answer to that one. Shall I open a ticket so a technician "
            "can answer?",
        ),
        work,
    )


@handles(Help)
def show_help(op: Help, work: Work) -> None:
    card = help_card(technician=is_technician(work.desk, work.user))
    work.say(Reply(op.reply or f"{card.subtitle}\n{card.body}", card=card))


_THANKS_RE = re.compile(
    r"\b(thanks?|thank you|thx|ty|cheers|appreciate|perfect|great|gracias|danke|merci|grazie)\b",
    re.I,
)
_BYE_RE = re.compile(r"\b(bye|goodbye|see you|later|good night)\b", re.I)


@handles(SmallTalk)
def small_talk(op: SmallTalk, work: Work) -> None:
    if op.reply:
        text = op.reply
    elif _THANKS_RE.search(op.text):
        text = "You're welcome! Tell me if anything else needs fixing."
    elif _BYE_RE.search(op.text):
        text = "Bye for now! I'm here whenever you need IT help."
    else:
        text = "Hi! I'm the IT help desk assistant. Tell me what's wrong, or ask about a ticket."
    work.say(Reply(text))


@handles(Explain)
def explain(op: Explain, work: Work) -> None:
    work.say(Reply(op.text))


@handles(Several)
def several(op: Several, work: Work) -> None:
    earlier = [work.pending, *work.queued]
    asked: list[PendingAction] = []  # confirmations this message asked for, in order
    for step in op.steps:
        try:
            run(step, work)
        except RateLimited:
            raise
        except TicketingError as exc:
            # One request failing must not drop the others in the same message.
            log.info("one of several requests failed: %s", exc.detail)
            work.say(Reply(exc.user_message))
        if work.pending is not None and work.pending not in earlier and work.pending not in asked:
            asked.append(work.pending)
    if len(asked) > 1:
        # The first question asked is the first a "yes" answers.
        rest = [p for p in (work.pending, *work.queued) if p is not None and p not in asked]
        work.pending, work.queued = asked[0], [*asked[1:], *rest]
