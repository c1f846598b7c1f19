"""Failures of calls to Slack that the adapter logs and survives."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError

SLACK_CALL_ERRORS: tuple[type[BaseException], ...] = (
    SlackApiError,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)


def reason(exc: BaseException) -> str:
    """A short, secret-free description of a failed call for the log."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error", "unknown error"))
    return f"{type(exc).__name__}: {exc}"
