"""What Adaptive Cards 1.5 allows, written from the published 1.5 JSON schema
(``schemas/1.5.0/adaptive-card.json`` in microsoft/AdaptiveCards, and the schema explorer on
adaptivecards.io).

:func:`validate` returns what the schema does not allow in a card (an empty list for a valid
one): a version other than 1.5, an element, action or property 1.5 does not define (1.6
additions such as ``Action.*.menuActions`` or ``TextBlock.style: columnHeader`` are therefore
rejected), a missing required property, a value of the wrong JSON type or outside its
enumeration (enumerations match case-insensitively, as the schema's patterns do), and a
``fallback`` that is neither ``"drop"`` nor an element (for elements) / an action (for actions).

:func:`sensible` adds what the schema cannot say but a card that works needs: text in every
TextBlock, a title on every button, web links, initial values that fit their inputs, unique
input ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

VERSION = "1.5"

Check = Callable[[Any, str], Iterator[str]]


# -- JSON types ---------------------------------------------------------------------------------


def _typed(name: str, accepts: Callable[[Any], bool]) -> Check:
    def check(value: Any, where: str) -> Iterator[str]:
        if not accepts(value):
            yield f"{where}: {value!r} is not {name}"

    return check


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


STRING = _typed("a string", lambda v: isinstance(v, str))
BOOLEAN = _typed("a boolean", lambda v: isinstance(v, bool))
NUMBER = _typed("a number", _is_number)
OBJECT = _typed("an object", lambda v: isinstance(v, dict))
STRING_OR_OBJECT = _typed("a string or an object", lambda v: isinstance(v, str | dict))
STRING_OR_NUMBER = _typed("a string or a number", lambda v: isinstance(v, str) or _is_number(v))


def enum(*values: str) -> Check:
    allowed = {v.lower() for v in values}

    def check(value: Any, where: str) -> Iterator[str]:
        if not isinstance(value, str) or value.lower() not in allowed:
            yield f"{where}: {value!r} is not one of {sorted(values)}"

    return check


def nullable(inner: Check) -> Check:
    def check(value: Any, where: str) -> Iterator[str]:
        if value is not None:
            yield from inner(value, where)

    return check


def array(item: Check) -> Check:
    def check(value: Any, where: str) -> Iterator[str]:
        if not isinstance(value, list):
            yield f"{where}: not a list"
            return
        for index, entry in enumerate(value):
            yield from item(entry, f"{where}[{index}]")

    return check


def _requires(value: Any, where: str) -> Iterator[str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        yield f"{where}: requires is an object of version strings"


# -- enumerations -------------------------------------------------------------------------------

SPACING = enum("default", "none", "small", "medium", "large", "extraLarge", "padding")
HEIGHT = enum("auto", "stretch")
COLORS = enum("default", "dark", "light", "accent", "good", "warning", "attention")
FONT_SIZE = enum("default", "small", "medium", "large", "extraLarge")
FONT_TYPE = enum("default", "monospace")
FONT_WEIGHT = enum("default", "lighter", "bolder")
HORIZONTAL = enum("left", "center", "right")
VERTICAL = enum("top", "center", "bottom")
CONTAINER_STYLE = enum("default", "emphasis", "good", "attention", "warning", "accent")
TEXT_BLOCK_STYLE = enum("default", "heading")
IMAGE_SIZE = enum("auto", "stretch", "small", "medium", "large")
IMAGE_STYLE = enum("default", "person")
IMAGE_FILL = enum("cover", "repeatHorizontally", "repeatVertically", "repeat")
CHOICE_STYLE = enum("compact", "expanded", "filtered")
TEXT_INPUT_STYLE = enum("text", "tel", "url", "email", "password")
ACTION_STYLE = enum("default", "positive", "destructive")
ACTION_MODE = enum("primary", "secondary")
ASSOCIATED_INPUTS = enum("Auto", "None")
FALLBACK_OPTION = "drop"


# -- objects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One schema definition: its properties, which are required, and whether ``type`` must be
    present (``ImplementationsOf.*``) or may be left out (a Fact, a Column, ...)."""

    name: str
    properties: Mapping[str, Check]
    required: frozenset[str] = field(default_factory=frozenset)

    def check(self, node: Any, where: str) -> Iterator[str]:
        if not isinstance(node, dict):
            yield f"{where}: not an object"
            return
        if "type" in node and "type" not in self.properties and node["type"] != self.name:
            yield f"{where}: type {node['type']!r} is not {self.name!r}"
        for key in sorted(set(node) - set(self.properties) - {"type"}):
            yield f"{where} ({self.name}): property {key!r} is not in 1.5"
        for key in sorted(self.required - set(node)):
            yield f"{where} ({self.name}): required property {key!r} missing"
        for key, check in self.properties.items():
            if key in node:
                yield from check(node[key], f"{where}.{key}")


def shape(name: str, required: tuple[str, ...] = (), /, **properties: Check) -> Shape:
    return Shape(name, properties, frozenset(required))


def _lazy(get: Callable[[], Check]) -> Check:
    """A reference to a definition made further down (the schema is recursive)."""

    def check(value: Any, where: str) -> Iterator[str]:
        yield from get()(value, where)

    return check


def _one_of(kinds: Mapping[str, Shape], what: str, *, fallback_to: str | None = None) -> Check:
    """``ImplementationsOf.*``: an object whose ``type`` names one of ``kinds``."""

    def check(value: Any, where: str) -> Iterator[str]:
        if fallback_to is not None and isinstance(value, str):
            if value.lower() != FALLBACK_OPTION:
                yield f"{where}: fallback {value!r} is neither 'drop' nor {fallback_to}"
            return
        if not isinstance(value, dict):
            yield f"{where}: not an object"
            return
        kind = value.get("type")
        if kind not in kinds:
            yield f"{where}: {what} {kind!r} is not in 1.5"
            return
        yield from kinds[str(kind)].check(value, where)

    return check


ELEMENT = _lazy(lambda: _one_of(ELEMENTS, "element"))
ACTION = _lazy(lambda: _one_of(ACTIONS, "action"))
SELECT_ACTION = _lazy(lambda: _one_of(SELECT_ACTIONS, "selectAction"))
ELEMENT_FALLBACK = _lazy(lambda: _one_of(ELEMENTS, "element", fallback_to="an element"))
ACTION_FALLBACK = _lazy(lambda: _one_of(ACTIONS, "action", fallback_to="an action"))
COLUMN_FALLBACK = _lazy(lambda: _one_of({"Column": COLUMN}, "column", fallback_to="a Column"))
CARD = _lazy(lambda: ADAPTIVE_CARD.check)

_ITEM: dict[str, Check] = {"requires": _requires}
_TOGGLEABLE: dict[str, Check] = {**_ITEM, "id": STRING, "isVisible": BOOLEAN}
_ELEMENT: dict[str, Check] = {
    **_TOGGLEABLE,
    "fallback": ELEMENT_FALLBACK,
    "height": HEIGHT,
    "separator": BOOLEAN,
    "spacing": SPACING,
}
_INPUT: dict[str, Check] = {
    **_ELEMENT,
    "errorMessage": STRING,
    "isRequired": BOOLEAN,
    "label": STRING,
}
_ACTION: dict[str, Check] = {
    **_ITEM,
    "title": STRING,
    "iconUrl": STRING,
    "id": STRING,
    "style": ACTION_STYLE,
    "fallback": ACTION_FALLBACK,
    "tooltip": STRING,
    "isEnabled": BOOLEAN,
    "mode": ACTION_MODE,
}

BACKGROUND_IMAGE = shape(
    "BackgroundImage",
    ("url",),
    url=STRING,
    fillMode=IMAGE_FILL,
    horizontalAlignment=HORIZONTAL,
    verticalAlignment=VERTICAL,
)


def _background(value: Any, where: str) -> Iterator[str]:
    if not isinstance(value, str):
        yield from BACKGROUND_IMAGE.check(value, where)


TEXT_RUN = shape(
    "TextRun",
    ("text",),
    text=STRING,
    color=nullable(COLORS),
    fontType=nullable(FONT_TYPE),
    highlight=BOOLEAN,
    isSubtle=nullable(BOOLEAN),
    italic=BOOLEAN,
    selectAction=SELECT_ACTION,
    size=nullable(FONT_SIZE),
    strikethrough=BOOLEAN,
    underline=BOOLEAN,
    weight=nullable(FONT_WEIGHT),
)


def _inline(value: Any, where: str) -> Iterator[str]:
    if not isinstance(value, str):  # a plain string is a TextRun's shorthand
        yield from TEXT_RUN.check(value, where)


IMAGE = shape(
    "Image",
    ("url",),
    **_TOGGLEABLE,
    url=STRING,
    altText=STRING,
    backgroundColor=STRING,
    height=STRING,  # "auto", "stretch" or pixels ("50px")
    horizontalAlignment=nullable(HORIZONTAL),
    selectAction=SELECT_ACTION,
    size=IMAGE_SIZE,
    style=IMAGE_STYLE,
    width=STRING,
    fallback=ELEMENT_FALLBACK,
    separator=BOOLEAN,
    spacing=SPACING,
)
_CONTAINER_LIKE: dict[str, Check] = {
    "items": array(ELEMENT),
    "selectAction": SELECT_ACTION,
    "style": nullable(CONTAINER_STYLE),
    "verticalContentAlignment": nullable(VERTICAL),
    "bleed": BOOLEAN,
    "backgroundImage": _background,
    "minHeight": STRING,
}
COLUMN: Shape = shape(
    "Column",
    **_TOGGLEABLE,
    **_CONTAINER_LIKE,
    fallback=COLUMN_FALLBACK,
    rtl=nullable(BOOLEAN),
    separator=BOOLEAN,
    spacing=SPACING,
    width=STRING_OR_NUMBER,
)
FACT = shape("Fact", ("title", "value"), title=STRING, value=STRING)
CHOICE = shape("Input.Choice", ("title", "value"), title=STRING, value=STRING)
MEDIA_SOURCE = shape("MediaSource", ("mimeType", "url"), mimeType=STRING, url=STRING)
_CELL_ALIGNMENT: dict[str, Check] = {
    "horizontalCellContentAlignment": nullable(HORIZONTAL),
    "verticalCellContentAlignment": nullable(VERTICAL),
}
# The published schema spells Container's and TableCell's right-to-left property "rtl?".
TABLE_CELL = shape("TableCell", ("items",), **_CONTAINER_LIKE, **{"rtl?": nullable(BOOLEAN)})
TABLE_ROW = shape(
    "TableRow",
    cells=array(TABLE_CELL.check),
    style=nullable(CONTAINER_STYLE),
    **_CELL_ALIGNMENT,
)
TABLE_COLUMN = shape("TableColumnDefinition", width=STRING_OR_NUMBER, **_CELL_ALIGNMENT)
TARGET_ELEMENT = shape(
    "TargetElement", ("elementId",), elementId=STRING, isVisible=nullable(BOOLEAN)
)


def _target(value: Any, where: str) -> Iterator[str]:
    if not isinstance(value, str):
        yield from TARGET_ELEMENT.check(value, where)


ELEMENTS: dict[str, Shape] = {
    "TextBlock": shape(
        "TextBlock",
        ("text",),
        **_ELEMENT,
        text=STRING,
        color=nullable(COLORS),
        fontType=nullable(FONT_TYPE),
        horizontalAlignment=nullable(HORIZONTAL),
        isSubtle=nullable(BOOLEAN),
        maxLines=NUMBER,
        size=nullable(FONT_SIZE),
        weight=nullable(FONT_WEIGHT),
        wrap=BOOLEAN,
        style=nullable(TEXT_BLOCK_STYLE),
    ),
    "RichTextBlock": shape(
        "RichTextBlock",
        ("inlines",),
        **_ELEMENT,
        inlines=array(_inline),
        horizontalAlignment=nullable(HORIZONTAL),
    ),
    "Image": IMAGE,
    "ImageSet": shape(
        "ImageSet", ("images",), **_ELEMENT, images=array(IMAGE.check), imageSize=IMAGE_SIZE
    ),
    "Media": shape(
        "Media",
        ("sources",),
        **_ELEMENT,
        sources=array(MEDIA_SOURCE.check),
        poster=STRING,
        altText=STRING,
    ),
    "Container": shape(
        "Container", ("items",), **_ELEMENT, **_CONTAINER_LIKE, **{"rtl?": nullable(BOOLEAN)}
    ),
    "ColumnSet": shape(
        "ColumnSet",
        **_ELEMENT,
        columns=array(COLUMN.check),
        selectAction=SELECT_ACTION,
        style=nullable(CONTAINER_STYLE),
        bleed=BOOLEAN,
        minHeight=STRING,
        horizontalAlignment=nullable(HORIZONTAL),
    ),
    "FactSet": shape("FactSet", ("facts",), **_ELEMENT, facts=array(FACT.check)),
    "ActionSet": shape("ActionSet", ("actions",), **_ELEMENT, actions=array(ACTION)),
    "Table": shape(
        "Table",
        **_ELEMENT,
        **_CELL_ALIGNMENT,
        columns=array(TABLE_COLUMN.check),
        rows=array(TABLE_ROW.check),
        firstRowAsHeader=BOOLEAN,
        showGridLines=BOOLEAN,
        gridStyle=nullable(CONTAINER_STYLE),
    ),
    "Input.Text": shape(
        "Input.Text",
        ("id",),
        **_INPUT,
        isMultiline=BOOLEAN,
        maxLength=NUMBER,
        placeholder=STRING,
        regex=STRING,
        style=TEXT_INPUT_STYLE,
        inlineAction=SELECT_ACTION,
        value=STRING,
    ),
    "Input.Number": shape(
        "Input.Number", ("id",), **_INPUT, max=NUMBER, min=NUMBER, placeholder=STRING, value=NUMBER
    ),
    "Input.Date": shape(
        "Input.Date", ("id",), **_INPUT, max=STRING, min=STRING, placeholder=STRING, value=STRING
    ),
    "Input.Time": shape(
        "Input.Time", ("id",), **_INPUT, max=STRING, min=STRING, placeholder=STRING, value=STRING
    ),
    "Input.Toggle": shape(
        "Input.Toggle",
        ("id", "title"),
        **_INPUT,
        title=STRING,
        value=STRING,
        valueOff=STRING,
        valueOn=STRING,
        wrap=BOOLEAN,
    ),
    "Input.ChoiceSet": shape(
        "Input.ChoiceSet",
        ("id",),
        **_INPUT,
        choices=array(CHOICE.check),
        isMultiSelect=BOOLEAN,
        style=CHOICE_STYLE,
        value=STRING,
        placeholder=STRING,
        wrap=BOOLEAN,
    ),
}

ACTIONS: dict[str, Shape] = {
    "Action.Execute": shape(
        "Action.Execute",
        **_ACTION,
        verb=STRING,
        data=STRING_OR_OBJECT,
        associatedInputs=ASSOCIATED_INPUTS,
    ),
    "Action.OpenUrl": shape("Action.OpenUrl", ("url",), **_ACTION, url=STRING),
    "Action.ShowCard": shape("Action.ShowCard", **_ACTION, card=CARD),
    "Action.Submit": shape(
        "Action.Submit", **_ACTION, data=STRING_OR_OBJECT, associatedInputs=ASSOCIATED_INPUTS
    ),
    "Action.ToggleVisibility": shape(
        "Action.ToggleVisibility", ("targetElements",), **_ACTION, targetElements=array(_target)
    ),
}
# What can be tapped on an element or a whole card: any action but Action.ShowCard.
SELECT_ACTIONS: dict[str, Shape] = {k: v for k, v in ACTIONS.items() if k != "Action.ShowCard"}

AUTHENTICATION = shape(
    "Authentication",
    text=STRING,
    connectionName=STRING,
    tokenExchangeResource=shape(
        "TokenExchangeResource",
        ("id", "uri", "providerId"),
        id=STRING,
        uri=STRING,
        providerId=STRING,
    ).check,
    buttons=array(
        Shape(
            "AuthCardButton",
            {"type": STRING, "title": STRING, "image": STRING, "value": STRING},
            frozenset({"type", "value"}),
        ).check
    ),
)
REFRESH = shape("Refresh", action=ACTIONS["Action.Execute"].check, userIds=array(STRING))
ADAPTIVE_CARD: Shape = shape(
    "AdaptiveCard",
    version=STRING,
    refresh=REFRESH.check,
    authentication=AUTHENTICATION.check,
    body=array(ELEMENT),
    actions=array(ACTION),
    selectAction=SELECT_ACTION,
    fallbackText=STRING,
    backgroundImage=_background,
    minHeight=STRING,
    rtl=nullable(BOOLEAN),
    speak=STRING,
    lang=STRING,
    verticalContentAlignment=VERTICAL,
    **{"$schema": STRING},
)


def validate(card: Any) -> list[str]:
    """Everything about ``card`` that the Adaptive Cards 1.5 schema does not allow. The card
    itself must say ``"type": "AdaptiveCard"`` and ``"version": "1.5"``; a show-card's card
    may leave its version out."""
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return ["not an AdaptiveCard"]
    problems = []
    if card.get("version") != VERSION:
        problems.append(f"version is {card.get('version')!r}, not {VERSION!r}")
    problems.extend(ADAPTIVE_CARD.check(card, "card"))
    for show_card in _nodes(card, lambda n: n.get("type") == "Action.ShowCard"):
        nested = show_card.get("card")
        if isinstance(nested, dict) and nested.get("version", VERSION) != VERSION:
            problems.append(f"nested card version {nested['version']!r}")
    return problems


def sensible(card: Any) -> list[str]:
    """What a working card needs beyond the schema."""
    problems: list[str] = []
    for block in _nodes(card, lambda n: n.get("type") == "TextBlock"):
        if not str(block.get("text", "")).strip():
            problems.append("a TextBlock without text")
    for action in _nodes(card, lambda n: str(n.get("type", "")).startswith("Action.")):
        if not str(action.get("title", "")).strip():
            problems.append(f"{action['type']} without a title")
        if action["type"] == "Action.OpenUrl" and not str(action.get("url", "")).startswith(
            ("https://", "http://")
        ):
            problems.append(f"Action.OpenUrl url {action.get('url')!r} is not a web address")
    for field_ in inputs(card):
        value = field_.get("value")
        choices = {c.get("value") for c in field_.get("choices", []) if isinstance(c, dict)}
        if field_["type"] == "Input.ChoiceSet" and "value" in field_ and value not in choices:
            problems.append(f"{field_['id']}: initial value {value!r} is not a choice")
        max_length = field_.get("maxLength")
        if isinstance(max_length, int) and isinstance(value, str) and len(value) > max_length:
            problems.append(f"{field_['id']}: initial value longer than maxLength")
    ids = [i["id"] for i in inputs(card)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate input ids {duplicates}")
    return problems


def _nodes(card: Any, wanted: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """Every object in ``card`` (at any depth) for which ``wanted`` is true, except those
    inside a ``fallback`` (shown only where the original can't be)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if wanted(node):
                found.append(node)
            for key, value in node.items():
                if key != "fallback":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def inputs(card: Any) -> list[dict[str, Any]]:
    """Every input element of a card, including those inside show-cards."""
    return _nodes(card, lambda n: str(n.get("type", "")).startswith("Input.") and "id" in n)


def buttons(card: Any) -> list[dict[str, Any]]:
    """Every Action.Submit / Action.Execute of a card, including those inside show-cards and
    the Action.Submit an Action.Execute falls back to."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("Action.Submit", "Action.Execute"):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found
