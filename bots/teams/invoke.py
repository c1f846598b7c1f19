"""Answers to ``adaptiveCard/action`` invokes (Universal Actions).

The answer is an ``AdaptiveCardInvokeResponse``: ``statusCode`` 200 with either a card that
replaces the clicked one (``application/vnd.microsoft.card.adaptive``) or a short message
(``application/vnd.microsoft.activity.message``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse
from botbuilder.schema import AdaptiveCardInvokeResponse
from msrest.serialization import Model

from bots.teams.cards import CARD_CONTENT_TYPE

MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
MESSAGE_MAX = 300


class _MessageInvokeResponse(Model):
    """``AdaptiveCardInvokeResponse`` whose value is a string: botbuilder's own model types the
    value as an object and cannot serialise a message."""

    _attribute_map = {  # noqa: RUF012 (msrest reads it from the class)
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "str"},
    }

    def __init__(self, *, status_code: int, type: str, value: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.status_code = status_code
        self.type = type
        self.value = value


def card_response(card: dict[str, Any]) -> InvokeResponse:
    """Replace the clicked card with ``card``."""
    # The body stays a model: the adapter serialises it when it writes the HTTP response.
    body = AdaptiveCardInvokeResponse(
        status_code=int(HTTPStatus.OK), type=CARD_CONTENT_TYPE, value=card
    )
    return InvokeResponse(status=int(HTTPStatus.OK), body=body)


def message_response(text: str) -> InvokeResponse:
    """Leave the card as it is and show ``text`` (first line, trimmed)."""
    line = (text.strip().splitlines() or [""])[0]
    if len(line) > MESSAGE_MAX:
        line = line[: MESSAGE_MAX - 1] + "…"
    body = _MessageInvokeResponse(
        status_code=int(HTTPStatus.OK), type=MESSAGE_CONTENT_TYPE, value=line
    )
    return InvokeResponse(status=int(HTTPStatus.OK), body=body)
