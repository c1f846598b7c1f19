"""Is a request body an activity the Bot Framework SDK can work with? Checked before the SDK
sees it: the SDK reads many fields without checking their types, so a malformed activity would
otherwise fail inside the turn (a 500 or a traceback) instead of getting a 400."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from botbuilder.schema.teams import TeamsChannelData

# Activities Teams sends nest a few levels; anything far deeper is not one (and deep enough
# nesting would exhaust the parser's or the SDK's recursion).
MAX_DEPTH = 64

_STRINGS = (
    "type",
    "id",
    "name",
    "serviceUrl",
    "channelId",
    "replyToId",
    "text",
    "textFormat",
    "locale",
    "timestamp",
    "localTimestamp",
    "summary",
    "action",
)
_ACCOUNTS = ("from", "recipient", "conversation")
_ACCOUNT_LISTS = ("membersAdded", "membersRemoved")
_OBJECT_LISTS = ("entities", "attachments", "reactionsAdded", "reactionsRemoved")


def problem(body: object) -> str | None:
    """Why ``body`` is not a usable activity (for the log line), or None when it is."""
    if too_deep(body):
        return f"JSON nested deeper than {MAX_DEPTH} levels"
    if not isinstance(body, dict):
        return "not a JSON object"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "no type"
    found = _fields(body)
    if found is not None:
        return found
    try:
        Activity().deserialize(body)
        if body.get("channelData") is not None:
            TeamsChannelData().deserialize(body["channelData"])
    except ValueError as exc:  # msrest's DeserializationError is a ValueError
        return f"unreadable: {str(exc)[:200]}"
    return None


def _fields(body: dict[str, Any]) -> str | None:
    for key in _STRINGS:
        if body.get(key) is not None and not isinstance(body[key], str):
            return f"{key} is not a string"
    for key in _ACCOUNTS:
        if body.get(key) is not None and not _account(body[key]):
            return f"{key} is not an account"
    for key in _ACCOUNT_LISTS:
        value = body.get(key)
        if value is not None and not (isinstance(value, list) and all(map(_account, value))):
            return f"{key} is not a list of accounts"
    for key in _OBJECT_LISTS:
        value = body.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            return f"{key} is not a list of objects"
    if body.get("channelData") is not None and not isinstance(body["channelData"], dict):
        return "channelData is not an object"
    return None


def _account(value: object) -> bool:
    return isinstance(value, dict) and all(
        value.get(key) is None or isinstance(value[key], str) for key in ("id", "name")
    )


def too_deep(body: object) -> bool:
    """Nested deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    level: list[object] = [body]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return False
    return any(isinstance(node, dict | list) for node in level)
