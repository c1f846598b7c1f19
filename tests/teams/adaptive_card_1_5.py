"""What Adaptive Cards 1.5 allows, written from the Adaptive Cards 1.5 schema documentation
(schema explorer, adaptivecards.io): every element and action type of 1.5 with its properties,
the enumerations of the properties our renderer uses, and the required properties.

:func:`validate` returns the problems of a card (an empty list for a valid one): a version other
than 1.5, an element, action or property 1.5 does not define (1.6 additions such as
``Action.*.menuActions`` or ``TextBlock.style: columnHeader`` are therefore rejected), a missing
required property, a value outside an enumeration, or duplicate input ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

VERSION = "1.5"

# Properties every element has (Extendable.Element / ToggleableItem).
_ELEMENT = {"type", "id", "isVisible", "requires", "fallback", "height", "separator", "spacing"}
# Properties every input has (Extendable.Input).
_INPUT = _ELEMENT | {"errorMessage", "isRequired", "label"}
# Properties every action has (Extendable.Action).
_ACTION = {
    "type",
    "title",
    "iconUrl",
    "id",
    "style",
    "fallback",
    "tooltip",
    "isEnabled",
    "mode",
    "requires",
}

ELEMENTS: dict[str, set[str]] = {
    "TextBlock": _ELEMENT
    | {
        "text",
        "color",
        "fontType",
        "horizontalAlignment",
        "isSubtle",
        "maxLines",
        "size",
        "weight",
        "wrap",
        "style",
    },
    "RichTextBlock": _ELEMENT | {"inlines", "horizontalAlignment"},
    "Image": _ELEMENT
    | {
        "url",
        "altText",
        "backgroundColor",
        "horizontalAlignment",
        "selectAction",
        "size",
        "style",
        "width",
    },
    "ImageSet": _ELEMENT | {"images", "imageSize"},
    "Media": _ELEMENT | {"sources", "poster", "altText"},
    "Container": _ELEMENT
    | {
        "items",
        "selectAction",
        "style",
        "verticalContentAlignment",
        "bleed",
        "backgroundImage",
        "minHeight",
        "rtl",
    },
    "ColumnSet": _ELEMENT
    | {"columns", "selectAction", "style", "bleed", "minHeight", "horizontalAlignment"},
    "FactSet": _ELEMENT | {"facts"},
    "ActionSet": _ELEMENT | {"actions"},
    "Table": _ELEMENT
    | {
        "columns",
        "rows",
        "firstRowAsHeader",
        "showGridLines",
        "gridStyle",
        "horizontalCellContentAlignment",
        "verticalCellContentAlignment",
    },
    "Input.Text": _INPUT
    | {"isMultiline", "maxLength", "placeholder", "regex", "style", "inlineAction", "value"},
    "Input.Number": _INPUT | {"max", "min", "placeholder", "value"},
    "Input.Date": _INPUT | {"max", "min", "placeholder", "value"},
    "Input.Time": _INPUT | {"max", "min", "placeholder", "value"},
    "Input.Toggle": _INPUT | {"title", "value", "valueOff", "valueOn", "wrap"},
    "Input.ChoiceSet": _INPUT
    | {"choices", "isMultiSelect", "style", "value", "placeholder", "wrap"},
}

ACTIONS: dict[str, set[str]] = {
    "Action.OpenUrl": _ACTION | {"url"},
    "Action.Submit": _ACTION | {"data", "associatedInputs"},
    "Action.Execute": _ACTION | {"verb", "data", "associatedInputs"},
    "Action.ShowCard": _ACTION | {"card"},
    "Action.ToggleVisibility": _ACTION | {"targetElements"},
}

CARD = {
    "type",
    "version",
    "refresh",
    "authentication",
    "body",
    "actions",
    "selectAction",
    "fallbackText",
    "backgroundImage",
    "minHeight",
    "rtl",
    "speak",
    "lang",
    "verticalContentAlignment",
    "$schema",
}

REQUIRED: dict[str, set[str]] = {
    "TextBlock": {"text"},
    "RichTextBlock": {"inlines"},
    "Image": {"url"},
    "ImageSet": {"images"},
    "Media": {"sources"},
    "Container": {"items"},
    "FactSet": {"facts"},
    "ActionSet": {"actions"},
    "Input.Text": {"id"},
    "Input.Number": {"id"},
    "Input.Date": {"id"},
    "Input.Time": {"id"},
    "Input.Toggle": {"id", "title"},
    "Input.ChoiceSet": {"id"},
    "Action.OpenUrl": {"url"},
    "Action.ToggleVisibility": {"targetElements"},
}

# Enumerations (matched case-insensitively, as the schema's patterns do).
ENUMS: dict[str, set[str]] = {
    "spacing": {"default", "none", "small", "medium", "large", "extralarge", "padding"},
    "size": {"default", "small", "medium", "large", "extralarge", "auto", "stretch"},
    "weight": {"default", "lighter", "bolder"},
    "color": {"default", "dark", "light", "accent", "good", "warning", "attention"},
    "horizontalAlignment": {"left", "center", "right"},
    "associatedInputs": {"auto", "none"},
    "mode": {"primary", "secondary"},
    "height": {"auto", "stretch"},
}
ACTION_STYLES = {"default", "positive", "destructive"}
CHOICE_STYLES = {"compact", "expanded", "filtered"}
TEXT_INPUT_STYLES = {"text", "tel", "url", "email", "password"}
TEXT_BLOCK_STYLES = {"default", "heading"}
CONTAINER_STYLES = {"default", "emphasis", "good", "attention", "warning", "accent"}


def validate(card: Any, *, top_level: bool = True) -> list[str]:
    """Everything about ``card`` that Adaptive Cards 1.5 does not allow."""
    problems: list[str] = []
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return ["not an AdaptiveCard"]
    if top_level and card.get("version") != VERSION:
        problems.append(f"version is {card.get('version')!r}, not {VERSION!r}")
    elif not top_level and "version" in card and card["version"] != VERSION:
        problems.append(f"nested card version {card['version']!r}")
    problems.extend(f"AdaptiveCard.{key}: not in 1.5" for key in set(card) - CARD)
    body = card.get("body", [])
    if not isinstance(body, list):
        problems.append("AdaptiveCard.body: not a list")
        body = []
    for index, element in enumerate(body):
        problems.extend(_element(element, f"body[{index}]"))
    for index, action in enumerate(card.get("actions", [])):
        problems.extend(_action(action, f"actions[{index}]"))
    if top_level:
        ids = [i["id"] for i in inputs(card)]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            problems.append(f"duplicate input ids {duplicates}")
    return problems


def _element(element: Any, where: str) -> Iterator[str]:
    if not isinstance(element, dict):
        yield f"{where}: not an object"
        return
    kind = element.get("type")
    allowed = ELEMENTS.get(str(kind))
    if allowed is None:
        yield f"{where}: element {kind!r} is not in 1.5"
        return
    yield from _properties(element, allowed, f"{where} ({kind})")
    if kind == "TextBlock":
        if not isinstance(element.get("text"), str) or not element["text"].strip():
            yield f"{where}: TextBlock without text"
        if "style" in element and str(element["style"]).lower() not in TEXT_BLOCK_STYLES:
            yield f"{where}: TextBlock.style {element['style']!r} is not in 1.5"
    elif kind == "FactSet":
        for number, fact in enumerate(element.get("facts", [])):
            if not isinstance(fact, dict) or set(fact) - {"title", "value"}:
                yield f"{where}.facts[{number}]: a fact has exactly title and value"
            elif not all(isinstance(fact.get(k), str) for k in ("title", "value")):
                yield f"{where}.facts[{number}]: title and value must be strings"
    elif kind == "Container":
        for number, item in enumerate(element.get("items", [])):
            yield from _element(item, f"{where}.items[{number}]")
        yield from _style(element, CONTAINER_STYLES, where)
    elif kind == "ColumnSet":
        for number, column in enumerate(element.get("columns", [])):
            for item_number, item in enumerate(column.get("items", [])):
                yield from _element(item, f"{where}.columns[{number}].items[{item_number}]")
    elif kind == "ActionSet":
        for number, action in enumerate(element.get("actions", [])):
            yield from _action(action, f"{where}.actions[{number}]")
    elif kind == "Input.ChoiceSet":
        yield from _style(element, CHOICE_STYLES, where)
        choices = element.get("choices", [])
        for number, choice in enumerate(choices):
            if not isinstance(choice, dict) or set(choice) != {"title", "value"}:
                yield f"{where}.choices[{number}]: a choice has exactly title and value"
        values = {c.get("value") for c in choices if isinstance(c, dict)}
        if "value" in element and element["value"] not in values:
            yield f"{where}: initial value {element['value']!r} is not a choice"
    elif kind == "Input.Text":
        yield from _style(element, TEXT_INPUT_STYLES, where)
        max_length = element.get("maxLength")
        value = element.get("value", "")
        if isinstance(max_length, int) and isinstance(value, str) and len(value) > max_length:
            yield f"{where}: initial value longer than maxLength"


def _action(action: Any, where: str) -> Iterator[str]:
    if not isinstance(action, dict):
        yield f"{where}: not an object"
        return
    kind = action.get("type")
    allowed = ACTIONS.get(str(kind))
    if allowed is None:
        yield f"{where}: action {kind!r} is not in 1.5"
        return
    yield from _properties(action, allowed, f"{where} ({kind})")
    if not isinstance(action.get("title"), str) or not action["title"].strip():
        yield f"{where}: an action needs a title"
    yield from _style(action, ACTION_STYLES, where)
    if kind == "Action.OpenUrl" and not str(action.get("url", "")).startswith(
        ("https://", "http://")
    ):
        yield f"{where}: Action.OpenUrl url {action.get('url')!r} is not a web address"
    if kind == "Action.ShowCard":
        for problem in validate(action.get("card"), top_level=False):
            yield f"{where}.card: {problem}"
    data = action.get("data")
    if data is not None and not isinstance(data, dict | str):
        yield f"{where}: data must be an object or a string"


def _properties(node: dict[str, Any], allowed: set[str], where: str) -> Iterator[str]:
    kind = str(node.get("type"))
    for key in sorted(set(node) - allowed):
        yield f"{where}: property {key!r} is not in 1.5"
    for key in sorted(REQUIRED.get(kind, set()) - set(node)):
        yield f"{where}: required property {key!r} missing"
    for key, values in ENUMS.items():
        if key == "height" and kind == "Image":
            continue  # an image's height may also be in pixels ("50px")
        if key in node and isinstance(node[key], str) and node[key].lower() not in values:
            yield f"{where}: {key} {node[key]!r} is not one of {sorted(values)}"


def _style(node: dict[str, Any], styles: set[str], where: str) -> Iterator[str]:
    if "style" in node and str(node["style"]).lower() not in styles:
        yield f"{where}: style {node['style']!r} is not one of {sorted(styles)}"


def inputs(card: Any) -> list[dict[str, Any]]:
    """Every input element of a card, including those inside show-cards."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input.") and "id" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def buttons(card: Any) -> list[dict[str, Any]]:
    """Every Action.Submit / Action.Execute of a card, including those inside show-cards."""
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
