"""The core's neutral cards as Adaptive Cards 1.5 (pure rendering, plain JSON dicts).

Teams renders Adaptive Cards up to version 1.5 in bot messages, so every card declares "1.5"
and uses only elements and properties that version defines.

- Fields become a ``FactSet``; the body, the latest notes and the subtitle are ``TextBlock`` s.
  Teams reads both as Markdown: every text from a person or a ticket is escaped
  (:func:`escape_markdown`), so ``[Reset your password](https://evil.example)`` stays text.
- Times are Adaptive Cards' ``{{DATE(...)}}`` / ``{{TIME(...)}}``: each reader sees local time.
- The link becomes an ``Action.OpenUrl``.
- Each :class:`~core.messages.CardAction` becomes an ``Action.Execute`` (Universal Actions: the
  card can be answered in place) falling back to the equivalent ``Action.Submit`` on older
  clients, or an ``Action.Submit`` alone; its ``data`` carries the core's action
  id and values (:data:`DATA_ACTION`, :data:`DATA_VALUES`). Teams merges the card's inputs into
  that object under their ids, which :mod:`bots.teams.translate` reads back.
- An action with ``inputs`` (Add note) becomes an ``Action.ShowCard`` holding the inputs and the
  button that sends them; a card's own ``inputs`` (a draft's title and priority) are shown in
  its body so the person can edit them before the action that uses them.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any, Literal

from core import actions
from core.messages import (
    INTERNAL_MARKER,
    ActionStyle,
    Card,
    CardAction,
    CardInput,
    CardLink,
)

log = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

ActionType = Literal["Action.Execute", "Action.Submit"]
EXECUTE: ActionType = "Action.Execute"
SUBMIT: ActionType = "Action.Submit"

# Keys of an action's ``data``; the inputs land beside them under their own ids.
DATA_ACTION = "action_id"
DATA_VALUES = "values"
INPUT_IDS = frozenset(
    {
        actions.INPUT_NOTE,
        actions.INPUT_TITLE,
        actions.INPUT_DESCRIPTION,
        actions.INPUT_PRIORITY,
        actions.INPUT_ASSIGNEE,  # triage cards' pickers and the note's visibility
        actions.INPUT_STATUS,
        actions.PUBLIC,
    }
)

# Teams limits a message to about 28 KB and shows at most six buttons in a row: cards stay
# well inside both.
TITLE_MAX = 200
TEXT_MAX = 2000
NOTE_MAX = 1000
FACT_MAX = 500
LABEL_MAX = 40
LINES_MAX = 40
ACTIONS_MAX = 6
FALLBACK_MAX = 1000

_STYLES: dict[ActionStyle, str] = {"primary": "positive", "danger": "destructive"}


def render_card(
    card: Card, *, action_type: ActionType = EXECUTE, fallback_text: str | None = None
) -> dict[str, Any]:
    """``card`` as an Adaptive Card 1.5. ``fallback_text`` is shown by clients that can't
    render it (the reply's text)."""
    input_labels = {i.label.casefold() for i in card.inputs}
    body: list[dict[str, Any]] = [
        _text(_one_line(card.title), TITLE_MAX, size="Medium", weight="Bolder", style="heading")
    ]
    if card.subtitle:
        body.append(_text(_one_line(card.subtitle), TEXT_MAX, isSubtle=True, spacing="None"))
    if card.body:
        body.extend(_lines(card.body, TEXT_MAX))
    # A field the person can edit below is shown once: as the input.
    facts = [f for f in card.fields if f.label.casefold() not in input_labels]
    if facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {"title": _plain(f.label, LABEL_MAX), "value": _fact_value(f.value)}
                    for f in facts
                ],
            }
        )
    if card.notes:
        body.append(_text("Latest notes", TITLE_MAX, weight="Bolder", separator=True))
        for note in card.notes:
            author = _plain(note.author or "Someone", LABEL_MAX)
            heading = f"**{author}** · {local_time(note.created_at)}"
            if note.internal:
                heading += f" · _{INTERNAL_MARKER}_"
            body.append(_markup(heading, isSubtle=True, size="Small"))
            body.extend(_lines(note.text, NOTE_MAX, first_spacing="None"))
    body.extend(input_element(i) for i in card.inputs)
    rendered: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    card_actions = _actions(card, action_type)
    if card_actions:
        rendered["actions"] = card_actions
    if fallback_text:
        rendered["fallbackText"] = _trim(fallback_text, FALLBACK_MAX)
    return rendered


def text_card(text: str) -> dict[str, Any]:
    """A card that only says ``text``: what a clicked card turns into when the answer that
    replaces it has no card of its own (e.g. "OK, I won't open a ticket.")."""
    return {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": _lines(text, TEXT_MAX),
        "fallbackText": _trim(text, FALLBACK_MAX),
    }


def action_data(action: CardAction) -> dict[str, Any]:
    """What a button sends back (before Teams merges the inputs in)."""
    return {DATA_ACTION: action.action_id, DATA_VALUES: dict(action.values)}


def input_element(field: CardInput) -> dict[str, Any]:
    """An ``Input.ChoiceSet`` (a field with choices) or an ``Input.Text``."""
    label = _trim(field.label, LABEL_MAX)
    element: dict[str, Any]
    if field.choices:
        element = {
            "type": "Input.ChoiceSet",
            "id": field.input_id,
            "label": label,
            "style": "compact",
            "choices": [{"title": field.choice_label(c), "value": c} for c in field.choices],
        }
        if field.value in field.choices:
            element["value"] = field.value
        if field.required:
            element["isRequired"] = True
            element["errorMessage"] = f"Please choose the {label.lower()}."
        return element
    element = {
        "type": "Input.Text",
        "id": field.input_id,
        "label": label,
        "maxLength": field.max_length,
    }
    if field.multiline:
        element["isMultiline"] = True
    if field.value:
        element["value"] = field.value[: field.max_length]
    if field.required:
        element["isRequired"] = True
        element["errorMessage"] = f"Please fill in the {label.lower()}."
    return element


# -- actions ------------------------------------------------------------------------------------


def _actions(card: Card, action_type: ActionType) -> list[dict[str, Any]]:
    input_ids = {i.input_id for i in card.inputs}
    rendered: list[dict[str, Any]] = []
    for action in card.actions:
        if action.inputs:
            rendered.append(_show_card(action, action_type))
        else:
            uses_inputs = bool(input_ids & set(action.values))
            skip = bool(input_ids) and not uses_inputs
            rendered.append(_button(action, action_type, skip_inputs=skip))
    if card.link is not None and _is_web_url(card.link):
        rendered.append(_open_url(card.link))
    if len(rendered) > ACTIONS_MAX:
        log.warning(
            "card %r has %d actions; showing the first %d", card.kind, len(rendered), ACTIONS_MAX
        )
        rendered = rendered[:ACTIONS_MAX]
    return rendered


def _button(action: CardAction, action_type: ActionType, *, skip_inputs: bool) -> dict[str, Any]:
    """An ``Action.Submit``, or an ``Action.Execute`` that falls back to the same
    ``Action.Submit`` on clients without Universal Actions (both send the same data; the
    handler reads either)."""
    submit: dict[str, Any] = {
        "type": SUBMIT,
        "title": _trim(action.label, LABEL_MAX),
        "data": action_data(action),
    }
    style = _STYLES.get(action.style)
    if style:
        submit["style"] = style
    if skip_inputs:
        # "Cancel" must not be blocked by (or send) the inputs another button is for.
        submit["associatedInputs"] = "None"
    if action_type == SUBMIT:
        return submit
    return {**submit, "type": EXECUTE, "verb": action.action_id, "fallback": submit}


def _show_card(action: CardAction, action_type: ActionType) -> dict[str, Any]:
    """An action that needs typed values: a button that unfolds its inputs and a send button."""
    return {
        "type": "Action.ShowCard",
        "title": _trim(action.label, LABEL_MAX),
        "card": {
            "type": "AdaptiveCard",
            "body": [input_element(field) for field in action.inputs],
            "actions": [_button(action, action_type, skip_inputs=False)],
        },
    }


def _open_url(link: CardLink) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": _trim(link.label, LABEL_MAX), "url": link.url}


def _is_web_url(link: CardLink) -> bool:
    if link.url.startswith(("https://", "http://")):
        return True
    log.warning("card link dropped: not a web address (%s)", link.url[:80])
    return False


# -- text ---------------------------------------------------------------------------------------


# What Adaptive Cards' Markdown (a CommonMark subset) or its DATE/TIME functions act on anywhere
# in a line (links, emphasis, code, HTML and entities, mentions, braces) ...
_MARKDOWN_CHARS = re.compile(r"([\\`*_{}\[\]()<>~&])")
# ... and at the start of one: list items ("- ", "+ ", "1. ", "1) ") and headings ("# ").
_LINE_START = re.compile(r"(^|[\r\n])([ \t]*)([-+]|[0-9]+[.)]|#+)(?=\s|$)")
# core.cards.format_time's form: a moment the card can show in the reader's own time zone.
_UTC_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC")


def escape_markdown(text: str) -> str:
    """``text`` as Teams should show it, character for character: every Markdown character
    backslash-escaped (CommonMark), so nobody's text becomes a link, emphasis or a list."""
    escaped = _MARKDOWN_CHARS.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m[1] + m[2] + _escape_marker(m[3]), escaped)


def _escape_marker(marker: str) -> str:
    # "1." -> "1\." (a digit can't be escaped); "-" -> "\-", "##" -> "\##".
    return f"{marker[:-1]}\\{marker[-1]}" if marker[0].isdigit() else f"\\{marker}"


def local_time(moment: datetime) -> str:
    """``moment`` in the reader's time zone (Adaptive Cards' DATE/TIME: RFC 3339 with Z)."""
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({stamp}, SHORT)}}}} {{{{TIME({stamp})}}}}"


def _fact_value(value: str) -> str:
    value = value.strip()
    if _UTC_TIME.fullmatch(value):
        return local_time(datetime.strptime(value, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC))
    return _plain(value or "—", FACT_MAX)


def _plain(text: str, limit: int) -> str:
    """One line of someone's text, trimmed to ``limit`` and escaped."""
    return escape_markdown(_trim(_one_line(text), limit))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _text(text: str, limit: int, **style: Any) -> dict[str, Any]:
    """A ``TextBlock`` showing ``text`` as it is (escaped)."""
    return _markup(escape_markdown(_trim(text, limit)), **style)


def _markup(markup: str, **style: Any) -> dict[str, Any]:
    """A ``TextBlock`` of Markdown we wrote ourselves (user text in it already escaped)."""
    return {"type": "TextBlock", "text": markup, "wrap": True, **style}


def _lines(text: str, limit: int, *, first_spacing: str | None = None) -> list[dict[str, Any]]:
    """One ``TextBlock`` per line (hosts disagree on what a single newline does inside one);
    a blank line starts a new paragraph with the usual spacing."""
    lines = _trim(text, limit).splitlines()
    blocks: list[dict[str, Any]] = []
    paragraph_start = True
    for line in lines:
        if not line.strip():
            paragraph_start = True
            continue
        if len(blocks) == LINES_MAX:
            blocks[-1]["text"] += " …"
            break
        block = _text(line, limit)
        if not blocks:
            if first_spacing:
                block["spacing"] = first_spacing
        elif not paragraph_start:
            block["spacing"] = "None"
        blocks.append(block)
        paragraph_start = False
    return blocks or [_text("—", limit)]


def _trim(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
