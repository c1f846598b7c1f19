"""The terminal front end: the embedded default. Cards print as readable text; typed ``yes`` /
``no`` answer confirmation cards."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TextIO

from core import actions
from core.assistant import Assistant
from core.messages import INTERNAL_MARKER, Card, ConversationRef, Reply, UserRef, make_event

DEMO_EMAIL = "demo.user@example.com"
DEMO_NAME = "Demo User"
WIDTH = 78


def console_user(email: str | None, name: str | None) -> UserRef:
    email = email or DEMO_EMAIL
    return UserRef(
        platform="console",
        user_id=email,
        display_name=name or (DEMO_NAME if email == DEMO_EMAIL else email.split("@")[0]),
        email=email,
    )


def console_conversation(user: UserRef) -> ConversationRef:
    return ConversationRef(
        platform="console", tenant_id="local", channel_id=f"terminal:{user.user_id}"
    )


def render_card(card: Card) -> str:
    """A card as plain text (pure: tested on its own)."""
    lines = [f"┌ {card.title}"]
    if card.subtitle:
        lines.append(f"│ {card.subtitle}")
    width = max((len(f.label) for f in card.fields), default=0)
    for f in card.fields:
        lines.append(f"│ {f.label.ljust(width)} : {f.value}")
    if card.body and card.kind != "help":
        body = card.body if len(card.body) <= 600 else card.body[:599] + "…"
        for paragraph in body.splitlines() or [""]:
            wrapped = textwrap.wrap(paragraph, WIDTH - 4) or [""]
            lines.extend(f"│   {part}" for part in wrapped)
    if card.notes:
        lines.append("│ Latest notes:")
        for note in card.notes:
            marker = f"[{INTERNAL_MARKER}] " if note.internal else ""
            lines.append(f"│   {note.created_at:%Y-%m-%d %H:%M} {marker}{note.author}: {note.text}")
    if card.link:
        lines.append(f"│ {card.link.label}: {card.link.url}")
    hint = _action_hint(card)
    if hint:
        lines.append(f"└ {hint}")
    else:
        lines.append("└")
    return "\n".join(lines)


def _action_hint(card: Card) -> str:
    ids = {action.action_id for action in card.actions}
    if ids & actions.CONFIRMATIONS:
        return "Type yes to confirm or no to cancel."
    if card.kind == "ticket":
        ticket = next(
            (a.values.get("ticket") for a in card.actions if a.values.get("ticket")), None
        )
        if ticket:
            hints = [f"ticket note {ticket} <text>", f"ticket status {ticket}"]
            if actions.CLOSE_REQUEST in ids:
                hints.append(f"ticket close {ticket}")
            if actions.REOPEN in ids:
                hints.append(f"ticket reopen {ticket} <why>")
            return " · ".join(hints)
    return ""


def render_reply(reply: Reply) -> str:
    if reply.card is None:
        return reply.text
    if reply.card.kind == "help":
        return f"{reply.text}"
    first_line = reply.text.split("\n", 1)[0]
    return f"{first_line}\n{render_card(reply.card)}"


class ConsoleChat:
    """One terminal conversation with the assistant."""

    def __init__(self, assistant: Assistant, user: UserRef, clock: Callable[[], datetime]) -> None:
        self.assistant = assistant
        self.user = user
        self.conversation = console_conversation(user)
        self.clock = clock

    def send(self, text: str) -> list[Reply]:
        event = make_event(
            event_id=f"console:{uuid.uuid4()}",
            conversation=self.conversation,
            user=self.user,
            text=text,
            received_at=self.clock(),
        )
        return self.assistant.handle(event)


def run_piped(chat: ConsoleChat, lines: Iterable[str], out: TextIO) -> None:
    """Scripted mode: one message per input line, each answer printed after it."""
    for line in lines:
        message = line.rstrip("\n")
        if not message.strip():
            continue
        print(f"> {message}", file=out)
        for reply in chat.send(message):
            print(render_reply(reply), file=out)
        print(file=out)
        out.flush()


def run_interactive(chat: ConsoleChat, backend: str, out: TextIO = sys.stdout) -> None:
    print(
        f"ticketbot — terminal chat as {chat.user.display_name} <{chat.user.email}>, "
        f"backend: {backend}.\nDescribe a problem, ask about a ticket, or type help. "
        "Ctrl-D to quit.\n",
        file=out,
    )
    while True:
        try:
            message = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return
        if message.strip().lower() in {"quit", "exit"}:
            return
        if not message.strip():
            continue
        for reply in chat.send(message):
            print("bot> " + render_reply(reply).replace("\n", "\n     "), file=out)
        print(file=out)
