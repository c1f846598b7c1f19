"""Errors the person running the bot must fix (a setting, a file): never a traceback."""

from __future__ import annotations


class ConfigurationError(Exception):
    """A setting or file the bot cannot work with. Its message is one sentence that names the
    setting or file and says what to do; the command line prints it and exits with ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
