"""The request context: which request, person and conversation the current code works for.

A :class:`~contextvars.ContextVar` carries it from the platform edge (the server's middleware
binds a request id) through the core (the assistant adds the event's person and conversation)
to the backend clients, so every log line and audit entry written on the way can name them
without passing them through every call.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from core.messages import Event

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    event_id: str = ""
    platform: str = ""
    user_id: str = ""
    user_email: str | None = None
    conversation: str = ""
    event: Event | None = None  # updates: the event itself (its conversation, for tracking)


_current: ContextVar[RequestContext | None] = ContextVar("ticketbot_request", default=None)


def current() -> RequestContext | None:
    """The context bound here, or None outside any request."""
    return _current.get()


def current_request_id() -> str | None:
    ctx = _current.get()
    return ctx.request_id if ctx else None


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def clean_request_id(value: str | None) -> str | None:
    """``value`` if it is a plausible request id from outside (a header), else None."""
    if value and _REQUEST_ID_RE.match(value):
        return value
    return None


@contextmanager
def bind_request(request_id: str | None = None) -> Iterator[RequestContext]:
    """Bind a fresh context with ``request_id`` (a new one when None) for the ``with`` block."""
    ctx = RequestContext(request_id=request_id or new_request_id())
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextmanager
def bind_event(event: Event) -> Iterator[RequestContext]:
    """Add ``event``'s person and conversation to the current context (keeping its request
    id, or starting one) for the ``with`` block."""
    base = _current.get() or RequestContext(request_id=new_request_id())
    ctx = replace(
        base,
        event_id=event.event_id,
        platform=event.user.platform,
        user_id=event.user.user_id,
        user_email=event.user.email,
        conversation=conversation_key(event),
        event=event,  # updates:
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def conversation_key(event: Event) -> str:
    """A readable id of the event's conversation: ``platform:tenant:channel[:thread]``."""
    ref = event.conversation
    parts = [ref.platform, ref.tenant_id, ref.channel_id]
    if ref.thread_id:
        parts.append(ref.thread_id)
    return ":".join(parts)
