"""LlmClassifier: one chat completion per message, validated, grounded, with a safe fallback."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import openai
from openai import OpenAI
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from core.intents import Classification, Intent, LlmUsage
from core.llm.client import TokenLimitParam, build_endpoint
from core.llm.grounding import grounded_ref, refs_in, refs_in_all, reply_refs, words_of
from core.llm.prompt import Prompt, build_prompt, estimate_tokens
from core.llm.schema import LlmAnswer, strict_response_format
from core.ports import Classifier, KnowledgeBase, KnowledgeEntry, Turn
from core.settings import LlmSettings
from core.tickets import Priority, TicketRef

log = logging.getLogger(__name__)

# How the answer is requested, most to least structured. A server that rejects one mode is
# asked in the next, and the classifier remembers what worked.
AnswerMode = Literal["json_schema", "json_object", "prompt"]
_NEXT_MODE: dict[AnswerMode, AnswerMode | None] = {
    "json_schema": "json_object",
    "json_object": "prompt",
    "prompt": None,
}
_FORMAT_ERROR_RE = re.compile(
    r"response[_ ]format|json[_ ]schema|json[_ ]object|structured output", re.IGNORECASE
)
_FENCE_RE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL | re.IGNORECASE)
MAX_TITLE_CHARS = 120
MAX_REPLY_CHARS = 1500
# A note the model cut from the message must keep at least this share of it.
MIN_NOTE_SHARE = 0.4
_REPLY_INTENTS = frozenset({Intent.QUESTION, Intent.SMALLTALK, Intent.HELP})


class _Fallback(Exception):
    """Why this message goes to the offline classifier (``reason`` is short and fixed)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class _Tally:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


def _attempts(exc: openai.APIError) -> int:
    """HTTP requests the SDK made before giving up (it stamps each with its retry count)."""
    try:
        return 1 + int(exc.request.headers.get("x-stainless-retry-count", "0"))
    except (ValueError, AttributeError):
        return 1


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _json_object(content: str) -> Any:
    """Parse the answer, tolerating a Markdown fence or prose around one JSON object (servers
    without structured output like to add them)."""
    text = content.strip()
    fenced = _FENCE_RE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start == -1 or end <= start:
            raise
        return json.loads(text[start : end + 1])


class LlmClassifier:
    """Implements :class:`core.ports.Classifier` with an OpenAI-compatible chat model.

    One request per message (a second only while discovering that a server lacks strict
    JSON-schema output). The answer is validated with :class:`LlmAnswer`; a ticket reference
    is kept only if it appears in the message or the conversation history; a reply naming a
    ticket that does not is dropped. Any failure (timeout, 429, 5xx, connection error, refusal,
    truncated or invalid JSON) returns the ``fallback`` classifier's reading instead, with
    ``source="rules"`` and ``usage.outcome="fallback:<reason>"``.
    """

    def __init__(
        self,
        client: OpenAI,
        *,
        model: str,
        fallback: Classifier,
        knowledge: KnowledgeBase | None = None,
        history_tokens: int = 1500,
        strict_schema: bool = True,
        max_output_tokens: int = 800,
        knowledge_entries: int = 3,
        token_limit_param: TokenLimitParam = "max_completion_tokens",
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._client = client
        self.model = model
        self._fallback = fallback
        self._knowledge = knowledge
        self._history_tokens = history_tokens
        self.mode: AnswerMode = "json_schema" if strict_schema else "json_object"
        self._max_output_tokens = max_output_tokens
        self._knowledge_entries = knowledge_entries
        self._token_limit_param = token_limit_param
        self._clock = clock

    @classmethod
    def from_settings(
        cls,
        settings: LlmSettings,
        *,
        fallback: Classifier,
        knowledge: KnowledgeBase | None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> LlmClassifier:
        """Build the client and the classifier from ``TICKETBOT_LLM_*`` / ``OPENAI_*``."""
        endpoint = build_endpoint(settings)
        log.info(
            "llm classifier: model=%s endpoint=%s strict_schema=%s timeout=%.1fs retries=%d",
            endpoint.model,
            endpoint.description,
            settings.ticketbot_llm_strict_schema,
            settings.ticketbot_llm_timeout_seconds,
            settings.ticketbot_llm_max_retries,
        )
        return cls(
            endpoint.client,
            model=endpoint.model,
            fallback=fallback,
            knowledge=knowledge,
            history_tokens=settings.ticketbot_llm_history_tokens,
            strict_schema=settings.ticketbot_llm_strict_schema,
            max_output_tokens=settings.ticketbot_llm_max_output_tokens,
            knowledge_entries=settings.ticketbot_llm_knowledge_entries,
            token_limit_param=endpoint.token_limit_param,
            clock=clock,
        )

    def classify(self, text: str, history: Sequence[Turn] = ()) -> Classification:
        started = self._clock()
        tally = _Tally()
        try:
            entries = self._relevant_entries(text, history)
            prompt = build_prompt(
                text, history, entries, history_budget_tokens=self._history_tokens
            )
            answer = self._ask(prompt, tally)
            reading = self._to_classification(answer, text, history, entries)
        except _Fallback as failure:
            return self._fall_back(text, history, failure, tally, started)
        except Exception as exc:  # a bug here must not cost the person their answer
            log.exception("llm classifier failed unexpectedly; using the offline classifier")
            return self._fall_back(
                text, history, _Fallback("internal_error", _short(exc)), tally, started
            )
        return replace(reading, usage=self._usage(tally, started, "ok"))

    # -- the request ---------------------------------------------------------------------

    def _relevant_entries(self, text: str, history: Sequence[Turn]) -> list[KnowledgeEntry]:
        if self._knowledge is None or self._knowledge_entries <= 0:
            return []
        entries = self._knowledge.search(text, limit=self._knowledge_entries)
        if not entries:
            # A short follow-up ("and on weekends?") leans on the previous question.
            earlier = [
                t.text for t in history if t.role == "user" and t.text.strip() != text.strip()
            ]
            if earlier:
                entries = self._knowledge.search(earlier[-1], limit=self._knowledge_entries)
        return entries

    def _ask(self, prompt: Prompt, tally: _Tally) -> LlmAnswer:
        mode = self.mode
        while True:
            try:
                completion = self._request(prompt, mode, tally)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                next_mode = _NEXT_MODE[mode]
                if next_mode is None or not _about_response_format(exc):
                    raise _Fallback("bad_request", _short(exc)) from exc
                log.warning(
                    "llm server rejected response format %s (%s); asking for %s instead",
                    mode,
                    _short(exc),
                    next_mode,
                )
                mode = next_mode
                continue
            if mode != self.mode:
                log.warning("llm server answers in mode %s; using it from now on", mode)
                self.mode = mode
            return self._read(completion, prompt, tally)

    def _request(self, prompt: Prompt, mode: AnswerMode, tally: _Tally) -> ChatCompletion:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": prompt.messages,
            self._token_limit_param: self._max_output_tokens,
        }
        if mode == "json_schema":
            kwargs["response_format"] = strict_response_format()
        elif mode == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        try:
            raw = self._client.chat.completions.with_raw_response.create(**kwargs)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            tally.calls += _attempts(exc)
            raise
        except openai.APITimeoutError as exc:
            tally.calls += _attempts(exc)
            raise _Fallback("timeout", _short(exc)) from exc
        except openai.APIConnectionError as exc:
            tally.calls += _attempts(exc)
            raise _Fallback("connection_error", _short(exc)) from exc
        except openai.RateLimitError as exc:
            tally.calls += _attempts(exc)
            raise _Fallback("rate_limited", _short(exc)) from exc
        except openai.InternalServerError as exc:
            tally.calls += _attempts(exc)
            raise _Fallback("server_error", _short(exc)) from exc
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            tally.calls += _attempts(exc)
            raise _Fallback("auth", _short(exc)) from exc
        except openai.APIStatusError as exc:
            tally.calls += _attempts(exc)
            raise _Fallback(f"http_{exc.status_code}", _short(exc)) from exc
        except openai.APIError as exc:  # e.g. a response body that is not a completion
            tally.calls += _attempts(exc)
            raise _Fallback("bad_response", _short(exc)) from exc
        tally.calls += 1 + raw.retries_taken
        try:
            completion = raw.parse()
        except Exception as exc:
            raise _Fallback("bad_response", _short(exc)) from exc
        if not isinstance(completion, ChatCompletion):
            raise _Fallback("bad_response", type(completion).__name__)
        return completion

    def _read(self, completion: ChatCompletion, prompt: Prompt, tally: _Tally) -> LlmAnswer:
        content = completion.choices[0].message.content if completion.choices else None
        if completion.usage is not None:
            tally.prompt_tokens += completion.usage.prompt_tokens
            tally.completion_tokens += completion.usage.completion_tokens
        else:  # many local servers report nothing; an estimate beats a zero
            tally.prompt_tokens += prompt.estimated_tokens
            tally.completion_tokens += estimate_tokens(content or "")
        if not completion.choices:
            raise _Fallback("empty", "no choices")
        choice = completion.choices[0]
        if choice.finish_reason == "length":
            raise _Fallback("truncated", "finish_reason=length")
        if choice.finish_reason == "content_filter":
            raise _Fallback("content_filter", "finish_reason=content_filter")
        if choice.message.refusal:
            # The refusal text may quote the person, so only its size goes to the log.
            raise _Fallback("refusal", f"{len(choice.message.refusal)} characters")
        if not content or not content.strip():
            raise _Fallback("empty", f"finish_reason={choice.finish_reason}")
        try:
            data = _json_object(content)
        except json.JSONDecodeError as exc:
            raise _Fallback("invalid_json", _short(exc)) from exc
        try:
            return LlmAnswer.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['type']}"
                for e in exc.errors()
            )
            raise _Fallback("invalid_answer", problems[:200]) from exc

    # -- trusting the answer only as far as the conversation supports it -----------------

    def _to_classification(
        self,
        answer: LlmAnswer,
        text: str,
        history: Sequence[Turn],
        entries: Sequence[KnowledgeEntry],
    ) -> Classification:
        intent = answer.intent_enum
        allowed = refs_in(text) | refs_in_all(turn.text for turn in history)
        ticket = grounded_ref(answer.ticket, allowed)
        if answer.ticket and ticket is None:
            log.warning(
                "llm ticket reference %r is not in the message or history; discarded",
                answer.ticket[:40],
            )
        return Classification(
            intent=intent,
            ticket=ticket,
            title=_title(answer.title) if intent is Intent.CREATE_TICKET else None,
            description=_description(intent, answer.description, text),
            priority=Priority(answer.priority) if answer.priority else None,
            reply=self._reply(intent, answer.reply, allowed, entries),
            source="llm",
        )

    def _reply(
        self,
        intent: Intent,
        reply: str | None,
        allowed: set[TicketRef],
        entries: Sequence[KnowledgeEntry],
    ) -> str | None:
        if intent not in _REPLY_INTENTS or not reply or not reply.strip():
            return None
        if intent is Intent.QUESTION and not entries:
            # Nothing in the knowledge file to ground an answer in: let the core say it does
            # not know rather than show whatever the model came up with.
            log.info("llm answered a question with no knowledge entries; reply dropped")
            return None
        invented = reply_refs(reply) - allowed
        if invented:
            log.warning(
                "llm reply names tickets not in the conversation (%s); reply dropped",
                ", ".join(sorted(str(r) for r in invented))[:80],
            )
            return None
        reply = reply.strip()
        return reply if len(reply) <= MAX_REPLY_CHARS else reply[: MAX_REPLY_CHARS - 1] + "…"

    # -- falling back --------------------------------------------------------------------

    def _usage(self, tally: _Tally, started: float, outcome: str) -> LlmUsage:
        return LlmUsage(
            calls=tally.calls,
            prompt_tokens=tally.prompt_tokens,
            completion_tokens=tally.completion_tokens,
            latency_ms=round((self._clock() - started) * 1000, 1),
            model=self.model,
            outcome=outcome,
        )

    def _fall_back(
        self,
        text: str,
        history: Sequence[Turn],
        failure: _Fallback,
        tally: _Tally,
        started: float,
    ) -> Classification:
        usage = self._usage(tally, started, f"fallback:{failure.reason}")
        log.warning(
            "llm fallback to the offline classifier: reason=%s model=%s calls=%d "
            "latency_ms=%.0f detail=%s",
            failure.reason,
            self.model,
            usage.calls,
            usage.latency_ms,
            failure.detail or "-",
        )
        reading = self._fallback.classify(text, history)
        return replace(reading, source="rules", usage=usage)


def _about_response_format(exc: openai.APIStatusError) -> bool:
    return bool(_FORMAT_ERROR_RE.search(f"{exc.param or ''} {exc.message}"))


def _title(title: str | None) -> str | None:
    if not title:
        return None
    cleaned = " ".join(title.split()).strip(" \"'")
    if not cleaned:
        return None
    return cleaned if len(cleaned) <= MAX_TITLE_CHARS else cleaned[: MAX_TITLE_CHARS - 1] + "…"


def _description(intent: Intent, proposed: str | None, text: str) -> str | None:
    """The person's own words: all of them for a new ticket; for a note, the model's cut only
    if it is really a piece of what they wrote (so nothing is paraphrased or lost)."""
    if intent is Intent.CREATE_TICKET:
        return text
    if intent is Intent.ADD_NOTE:
        cut, whole = words_of(proposed or ""), words_of(text)
        if cut and cut in whole and len(cut) >= MIN_NOTE_SHARE * len(whole):
            return (proposed or "").strip()
        return text
    return None
