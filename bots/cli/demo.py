"""``ticketbot demo``: the original design's three example messages, against the embedded
defaults (local desk, offline classifier) in a throw-away database."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bots.cli import Subcommand, no_arguments

SCRIPT = (
    "I need help with my printer, it's not working",
    "yes",
    "What's the status of my ticket #12345?",
    "Can you tell me your operating hours?",
)


def run(args: argparse.Namespace) -> int:
    from bots.composition import build_runtime
    from bots.console import ConsoleChat, console_user, render_reply
    from bots.logs import configure_logging
    from core.settings import Settings, TicketbotSettings

    configure_logging(quiet=True)
    with tempfile.TemporaryDirectory(prefix="ticketbot-demo-") as folder:
        database = Path(folder) / "demo.db"
        settings = Settings(bot=TicketbotSettings(database_url=f"sqlite:///{database}"))
        runtime = build_runtime(settings)
        try:
            chat = ConsoleChat(runtime.assistant, console_user(None, None), runtime.clock)
            for message in SCRIPT:
                print(f"> {message}")
                for reply in chat.send(message):
                    print(render_reply(reply))
                print()
        finally:
            runtime.close()
    return 0


COMMAND = Subcommand("demo", "run the original design's three example messages", no_arguments, run)
