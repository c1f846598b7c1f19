"""Failures talking to the Bot Connector, for log lines."""

from __future__ import annotations

from msrest.exceptions import ClientException, HttpOperationError

# What a Bot Connector call may raise: msrest's errors (HTTP status, transport) and sockets.
CONNECTOR_ERRORS: tuple[type[BaseException], ...] = (ClientException, OSError)


def reason(exc: BaseException) -> str:
    """A short, secret-free description of a failed Bot Connector call."""
    if isinstance(exc, HttpOperationError):
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        error = getattr(getattr(exc, "error", None), "error", None)
        code = getattr(error, "code", None)
        message = getattr(error, "message", None)
        parts = [f"HTTP {status}" if status else "HTTP error"]
        parts.extend(str(p) for p in (code, message) if p)
        return " ".join(parts)[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


class NotKept(Exception):
    """A message could not be written to the durable inbox: the Bot Framework must get a 5xx
    (and deliver it again), not a 200 for a message that is lost."""
