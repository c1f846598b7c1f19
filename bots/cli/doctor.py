"""``ticketbot doctor``: check the help desk configuration against the live API and print what
is fine (OK), what works on a guess worth confirming (WARN) and what to fix (FIX). Exits 1 when
something must be fixed."""

from __future__ import annotations

import argparse
import shutil
import textwrap
from typing import TYPE_CHECKING

from bots.cli import Subcommand
from core.settings import Settings, WaystoneSettings, load_settings

if TYPE_CHECKING:  # ``ticketbot --help`` imports this module: no HTTP client for it
    import requests

    from core.backends.autotask.diagnose import Check

BACKENDS = ("autotask", "waystone")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="the help desk to check (default: TICKETBOT_BACKEND)",
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    backend = args.backend or settings.bot.backend
    if backend not in BACKENDS:
        print(
            f"TICKETBOT_BACKEND={backend}: the embedded help desk needs no outside service.\n"
            "Use --backend autotask (or waystone) to check that configuration."
        )
        return 0
    import requests

    with requests.Session() as session:
        checks = _autotask(settings, session) if backend == "autotask" else _waystone(settings)
    print(render(f"ticketbot doctor: {backend}", checks))
    return 0 if all(check.ok for check in checks) else 1


def _autotask(settings: Settings, session: requests.Session) -> list[Check]:
    from core.backends.autotask.diagnose import diagnose

    checks = diagnose(settings.autotask, session)
    if all(check.ok for check in checks):  # updates: the webhook's state, or polling
        from bots.updates.doctor import update_checks

        checks += update_checks(settings, session)
    return checks


def _waystone(settings: Settings) -> list[Check]:
    from core.backends.autotask.diagnose import Check
    from core.backends.waystone import WaystoneTicketing
    from core.errors import TicketingError

    section: WaystoneSettings = settings.waystone
    checks = [
        Check(
            name not in section.missing, name, "set" if name not in section.missing else "not set"
        )
        for name in ("WAYSTONE_BASE_URL", "WAYSTONE_API_KEY")
    ]
    if section.missing:
        return checks
    try:
        WaystoneTicketing.from_settings(section).check_ready()
    except TicketingError as exc:
        return [*checks, Check(False, "API", exc.detail)]
    checks.append(Check(True, "API", f"{section.base_url} answers and accepts the key"))
    checks.append(
        Check(True, "operations", "create and status; notes, listing and closing are not offered")
    )
    return checks


def render(title: str, checks: list[Check]) -> str:
    """A plain-text table: ``OK``/``WARN``/``FIX``, the check, and its detail wrapped under it."""
    width = max(60, min(shutil.get_terminal_size((100, 20)).columns, 120))
    name_width = min(max((len(check.name) for check in checks), default=0), 28)
    indent = " " * (2 + 3 + 2 + name_width + 2)
    lines = [title, ""]
    for check in checks:
        head = f"  {check.status:<4} {check.name:<{name_width}}  "
        wrapped = textwrap.wrap(
            check.detail, width=max(30, width - len(indent)), break_on_hyphens=False
        ) or [""]
        lines.append(head + wrapped[0])
        lines.extend(indent + more for more in wrapped[1:])
    problems = sum(1 for check in checks if not check.ok)
    warnings = sum(1 for check in checks if check.ok and check.warn)
    lines.append("")
    if problems:
        lines.append(f"{problems} thing{'s' if problems > 1 else ''} to fix.")
    elif warnings:
        lines.append(f"Working; {warnings} thing{'s' if warnings > 1 else ''} to look at (WARN).")
    else:
        lines.append("All good.")
    return "\n".join(lines)


COMMAND = Subcommand(
    "doctor",
    "check the help desk settings against the live API (OK / WARN / FIX)",
    add_arguments,
    run,
)
