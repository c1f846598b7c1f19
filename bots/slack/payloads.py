"""The shapes of the Slack payloads the app handles, checked before Bolt or a listener reads
them: a signed but malformed payload is refused with a 400 and one log line instead of failing
somewhere inside Bolt with a 500.

Each model lists only the fields Bolt's routing or our listeners read, with the types Slack's
reference gives them; anything else in a payload is allowed and left alone. Payload types the
app does not handle are left to Bolt (which answers 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

NonEmpty = Annotated[str, Field(min_length=1)]


class _Shape(BaseModel):
    # strict: Slack sends strings as strings; a number where a string belongs is malformed.
    model_config = ConfigDict(extra="allow", strict=True)


class _User(_Shape):
    id: NonEmpty
    team_id: str | None = None


class _Team(_Shape):
    id: str | None = None


class _Channel(_Shape):
    id: str | None = None


class _Text(_Shape):
    text: str = ""


class _Message(_Shape):
    text: str | None = None
    ts: str | None = None
    thread_ts: str | None = None


class _Container(_Shape):
    type: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    is_ephemeral: bool | None = None


class _Action(_Shape):
    action_id: NonEmpty
    block_id: str | None = None
    value: str | None = None
    text: _Text | None = None
    action_ts: str | None = None


class _Option(_Shape):
    value: str = ""


class _Element(_Shape):
    value: str | None = None
    selected_option: _Option | None = None


class _State(_Shape):
    values: dict[str, dict[str, _Element]] = {}


class _View(_Shape):
    id: NonEmpty
    type: Literal["modal"]  # Bolt reads it; legacy workflow-step views are not ours
    callback_id: str
    private_metadata: str = ""
    hash: str | None = None
    state: _State | None = None


class _Interaction(_Shape):
    user: _User
    team: _Team | None = None
    trigger_id: str | None = None
    response_url: str | None = None


class _BlockActions(_Interaction):
    type: Literal["block_actions"]
    actions: Annotated[list[_Action], Field(min_length=1)]
    container: _Container | None = None
    channel: _Channel | None = None
    message: _Message | None = None
    view: _Shape | None = None


class _ViewSubmission(_Interaction):
    type: Literal["view_submission", "view_closed"]
    view: _View


class _MessageShortcut(_Interaction):
    type: Literal["message_action"]
    callback_id: NonEmpty
    trigger_id: NonEmpty
    channel: _Channel | None = None
    message: _Message


class _GlobalShortcut(_Interaction):
    type: Literal["shortcut"]
    callback_id: NonEmpty
    trigger_id: NonEmpty


class _SlashCommand(_Shape):
    command: NonEmpty
    user_id: NonEmpty
    trigger_id: NonEmpty
    team_id: str = ""
    channel_id: str | None = None
    text: str = ""
    response_url: str | None = None


class _Event(_Shape):
    type: NonEmpty


class _MessageEvent(_Event):
    ts: NonEmpty
    user: str | None = None
    channel: str | None = None
    channel_type: str | None = None
    subtype: str | None = None
    text: str | None = None
    thread_ts: str | None = None
    team: str | None = None
    bot_id: str | None = None


class _HomeOpened(_Event):
    user: NonEmpty
    tab: str | None = None


class _EventCallback(_Shape):
    type: Literal["event_callback"]
    event_id: NonEmpty
    team_id: str | None = None
    event: _Event
    authorizations: list[_Shape] | None = None


class _UrlVerification(_Shape):
    type: Literal["url_verification"]
    challenge: str


_BY_TYPE: dict[str, type[_Shape]] = {
    "event_callback": _EventCallback,
    "url_verification": _UrlVerification,
    "block_actions": _BlockActions,
    "view_submission": _ViewSubmission,
    "view_closed": _ViewSubmission,
    "message_action": _MessageShortcut,
    "shortcut": _GlobalShortcut,
}
_EVENTS: dict[str, type[_Event]] = {
    "message": _MessageEvent,
    "app_mention": _MessageEvent,
    "app_home_opened": _HomeOpened,
}


def handled_type(body: Mapping[str, Any]) -> bool:
    """``body`` is a slash command, a form without a type (``ssl_check``) or a payload type the
    app handles. Bolt reads fields of the other types before any check (``workflow_step_edit``
    without ``workflow_step``, ``interactive_message`` without ``actions`` fail inside it)."""
    kind = body.get("type")
    return kind is None or kind in _BY_TYPE


def problem(body: Mapping[str, Any]) -> str | None:
    """Why ``body`` is not in the shape Slack documents for its type (a short reason naming
    the field, never its value), or ``None`` when it is, or when the app does not handle it."""
    kind = body.get("type")
    if kind is None and "command" in body:
        return _check(_SlashCommand, body, "slash command")
    if kind is None:
        return None
    if not isinstance(kind, str):
        return "payload type is not a string"
    model = _BY_TYPE.get(kind)
    if model is None:
        return None
    reason = _check(model, body, kind)
    if reason is None and kind == "event_callback":
        event = body["event"]
        shape = _EVENTS.get(event["type"])
        if shape is not None:
            reason = _check(shape, event, f"{event['type']} event", prefix="event.")
    return reason


def _check(model: type[_Shape], data: Mapping[str, Any], what: str, prefix: str = "") -> str | None:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = prefix + ".".join(str(part) for part in first["loc"])
        return f"malformed {what} ({where}: {first['msg']})"
    return None
