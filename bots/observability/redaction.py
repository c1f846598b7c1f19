"""Secret redaction: every secret value the settings hold is replaced in every log line."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit

from pydantic import BaseModel, SecretStr

MASK = "***"


def secret_values(settings: BaseModel) -> list[str]:
    """Every :class:`SecretStr` value in ``settings`` and its sections, and the password of
    any URL setting (non-empty only)."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            secret = value.get_secret_value()
            if secret:
                found.append(secret)
        elif isinstance(value, str) and "://" in value:
            password = _url_password(value)  # e.g. a database URL with its password
            if password:
                found.append(password)
        elif isinstance(value, BaseModel):
            found.extend(secret_values(value))
    return found


def _url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


class Redactor:
    """Replaces known secrets (and their URL-encoded forms) with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        variants = set(self._secrets)
        for secret in secrets:
            if secret:
                variants.update({secret, quote(secret, safe=""), quote_plus(secret)})
        with self._lock:
            # Longest first, so a secret containing another is masked whole.
            self._secrets = tuple(sorted(variants, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def __bool__(self) -> bool:
        return bool(self._secrets)


class RedactingFilter(logging.Filter):
    """A handler filter that masks secrets in the message, its arguments, the traceback and any
    ``extra`` values before a formatter sees the record."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.redactor:
            return True
        record.msg = self.redactor(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redactor(value))
        return True


_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}
