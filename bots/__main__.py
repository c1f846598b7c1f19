"""The ``ticketbot`` command line. Each sub-command lives in its own module under ``bots/cli``;
only the one being run is imported, and every failure a person can fix is one line on stderr
with a non-zero exit code, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsError

from bots.cli import SUBCOMMAND_MODULES, Subcommand
from bots.errors import ConfigurationError
from core.settings import Settings, describe_invalid

PROG = "ticketbot"
BROKEN_PIPE = 128 + 13  # what a shell reports for a command killed by SIGPIPE
INTERRUPTED = 128 + 2


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too, pointing at ``--help`` (sub-parsers are this class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _command_name(argv: Sequence[str]) -> str | None:
    """The sub-command ``argv`` names (the first word that is not an option), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(
    argv: Sequence[str] = (),
) -> tuple[argparse.ArgumentParser, dict[str, Subcommand]]:
    """The parser for ``argv``: when it names a known sub-command only that module is imported;
    otherwise (``--help``, a typo) all are, to list them."""
    parser = _Parser(
        prog=PROG,
        description="Chat with your IT help desk from Slack, Microsoft Teams or a terminal.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _command_name(argv)
    modules = [m for m in SUBCOMMAND_MODULES if m.replace("_", "-") == wanted] or list(
        SUBCOMMAND_MODULES
    )
    commands: dict[str, Subcommand] = {}
    for module_name in modules:
        module = importlib.import_module(f"bots.cli.{module_name}")
        command: Subcommand = module.COMMAND
        command_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(command_parser)
        commands[command.name] = command
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if _command_name(words) is None and not {"-h", "--help"} & set(words):
        words = ["chat", *words]  # the embedded default: a terminal chat on the local desk
    parser, commands = build_parser(words)
    args = parser.parse_args(words)
    command = commands[args.command]
    if sys.stdout is None:  # started with stdout closed (``>&-``)
        if command.name != "serve":  # the server writes only logs, to stderr
            return _fail(command, "can't write the answer: standard output is closed")
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
    return run(command, args)


def run(command: Subcommand, args: argparse.Namespace) -> int:
    """Run ``command``; what goes wrong is one line on stderr and an exit code."""
    try:
        code = command.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return code
    except ValidationError as exc:
        print(f"{PROG}: some settings (environment or .env) are not valid:", file=sys.stderr)
        for line in describe_invalid(exc):
            print(f"  {line}", file=sys.stderr)
        return 2
    except SettingsError as exc:  # a list or mapping setting that is not JSON
        print(f"{PROG}: some settings (environment or .env) are not valid:", file=sys.stderr)
        print(f"  {_unparsable_setting(exc)}: not valid JSON", file=sys.stderr)
        return 2
    except ConfigurationError as exc:
        return _fail(command, str(exc), exc.code)
    except SystemExit as exc:
        if isinstance(exc.code, str):  # raise SystemExit("what to fix"), e.g. a missing setting
            return _fail(command, exc.code)
        raise
    except BrokenPipeError:
        # The reader went away (``ticketbot audit | head -1``): stop quietly, like other tools.
        _discard_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        return INTERRUPTED
    except OSError as exc:
        return _fail(command, _os_error(exc))
    except Exception as exc:
        # The traceback is for a developer (TICKETBOT_LOG_LEVEL=DEBUG); the person gets a line.
        logging.getLogger("ticketbot.cli").debug("%s failed", command.name, exc_info=True)
        return _fail(command, _unexpected(exc))


def _fail(command: Subcommand, message: str, code: int = 1) -> int:
    print(f"{PROG} {command.name}: {message}", file=sys.stderr)
    return code


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # no real file descriptor (tests): nothing left to flush at exit anyway


def _not_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return True
    except OSError:
        return False
    return False


def _os_error(exc: OSError) -> str:
    if exc.filename:
        return f"can't use {exc.filename}: {exc.strerror or exc}"
    return f"input/output failed: {exc.strerror or exc}"


def _unparsable_setting(exc: SettingsError) -> str:
    """The environment name of the setting pydantic-settings could not parse."""
    found = re.search(r'field "(\w+)"', str(exc))
    field = found.group(1) if found else ""
    names = [
        f"{section.annotation.model_config.get('env_prefix', '')}{field}".upper()
        for section in Settings.model_fields.values()
        if isinstance(section.annotation, type)
        and issubclass(section.annotation, BaseSettings)
        and field in section.annotation.model_fields
    ]
    return " or ".join(names) or str(exc)


def _unexpected(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError) and _not_utf8(Path(".env")):
        return f".env is not UTF-8 text ({exc.reason} at byte {exc.start})"
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        reason = getattr(exc, "orig", None) or exc
        return f"the database (TICKETBOT_DATABASE_URL) can't be used: {reason}"
    return f"unexpected error ({type(exc).__name__}): {exc}"


if __name__ == "__main__":
    sys.exit(main())
