"""``ticketbot teams-package [--out FILE]``: the Teams app package (manifest and icons) for the
bot registered as ``MICROSOFT_APP_ID``, ready to upload to Teams."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bots.cli import Subcommand
from core.settings import load_settings

DEFAULT_OUT = Path("ticketbot-teams.zip")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="FILE",
        help=f"where to write the zip (default: {DEFAULT_OUT}; missing folders are created)",
    )


def run(args: argparse.Namespace) -> int:
    from bots.teams.package import PackageError, build_package

    settings = load_settings()
    out: Path = args.out.expanduser()
    try:
        package = build_package(settings.teams)  # settings first: a wrong one creates nothing
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(package)
    except PackageError as exc:
        print(f"teams-package: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"teams-package: can't write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {out} (app version {settings.teams.teams_app_version}): upload it in Teams "
        "(Apps > Manage your apps > Upload an app) or the Teams admin center. "
        "Bump TEAMS_APP_VERSION for every new upload."
    )
    return 0


COMMAND = Subcommand(
    "teams-package", "write the Microsoft Teams app package (zip)", add_arguments, run
)
