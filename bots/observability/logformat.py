"""One line per log event: JSON (``TICKETBOT_LOG_FORMAT=json``) or readable text, each with the
request id of the work it belongs to, and no secrets."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from bots.observability.redaction import _STANDARD, RedactingFilter, Redactor
from core.context import current

LogFormat = Literal["text", "json"]
# Attributes the context filter adds; they are not "extra" fields of the call.
_CONTEXT = frozenset({"request_id", "event_id"})


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``event_id`` from :mod:`core.context` (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current()
        if not getattr(record, "request_id", None):
            record.request_id = ctx.request_id if ctx else ""
        if not getattr(record, "event_id", None):
            record.event_id = ctx.event_id if ctx else ""
        return True


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What the call passed as ``extra=``, in the order given."""
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _STANDARD and key not in _CONTEXT and not key.startswith("_")
    }


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "request_id", "event_id", ...extra, "exc"}``."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "event_id"):
            value = getattr(record, key, "")
            if value:
                data[key] = value
        for key, value in extra_fields(record).items():
            data.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return self._redact(json.dumps(data, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """``2026-11-04T09:30:00.000Z INFO core.assistant [req=…] message key=value ...``."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", "")
        parts = [_timestamp(record), record.levelname, record.name]
        if request_id:
            parts.append(f"[req={request_id}]")
        parts.append(record.getMessage())
        parts.extend(f"{key}={_text_value(value)}" for key, value in extra_fields(record).items())
        line = " ".join(parts)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line = f"{line}\n{record.exc_text}"
        if record.stack_info:
            line = f"{line}\n{record.stack_info}"
        return self._redact(line)


def _text_value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(text) if (" " in text or not text) else text


class MalformedHttpFilter(logging.Filter):
    """aiohttp logs a request it cannot parse (``Content-Length: -1``, a bad URL) as an error
    with a traceback; it answered 400 already: one warning line. A body it cannot decode (gzip
    that isn't) is logged again after the handler answered: the handler's line and the access
    line say it already."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if record.name != "aiohttp.server":
            return True
        # Imported here: commands that never serve don't load aiohttp (and this logger only
        # speaks once it is loaded).
        from aiohttp.http_exceptions import HttpProcessingError
        from aiohttp.web_protocol import RequestPayloadError

        if isinstance(error, RequestPayloadError):
            return False
        if isinstance(error, HttpProcessingError):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = (
                "malformed HTTP request refused: %s",
                (" ".join(str(error).split())[:160],),
            )
            record.exc_info, record.exc_text = None, None
        return True


def install(
    *,
    level: int,
    fmt: LogFormat,
    redactor: Redactor,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replace the root logger's handlers with one structured, redacting handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(MalformedHttpFilter())
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(JsonFormatter(redactor) if fmt == "json" else TextFormatter(redactor))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def protect(secrets: list[str]) -> None:
    """Add ``secrets`` to the redactors of the handlers :func:`install` put on the root logger
    (for a command that configured logging before it knew the settings)."""
    for handler in logging.getLogger().handlers:
        for candidate in handler.filters:
            if isinstance(candidate, RedactingFilter):
                candidate.redactor.add(secrets)
