"""Runs the labelled dialogues through the terminal chat on the embedded defaults (local desk,
offline classifier, a fresh SQLite file each) and compares what the person ends up with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bots.composition import build_runtime
from bots.console import ConsoleChat, console_user
from core.errors import TicketNotFound
from core.messages import Reply
from core.settings import Settings, TicketbotSettings
from core.tickets import Ticket, TicketRef
from storage.local_desk import FIRST_TICKET_ID

HERE = Path(__file__).resolve().parent
DIALOGUES = HERE / "dialogues.yaml"


@dataclass(frozen=True)
class Expected:
    title: str | None = None
    description: str | None = None
    priority: str | None = None
    status: str | None = None
    notes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Dialogue:
    id: str
    turns: tuple[str, ...]
    tickets: tuple[Expected, ...]
    last_reply: tuple[str, ...] = ()


@dataclass
class Result:
    dialogue: Dialogue
    problems: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def report(self) -> str:
        said = "\n    ".join(self.transcript)
        return f"{self.dialogue.id}: {'; '.join(self.problems)}\n    {said}"


def _expected(raw: dict[str, Any]) -> Expected:
    notes = raw.get("notes")
    return Expected(
        title=raw.get("title"),
        description=raw.get("description"),
        priority=raw.get("priority"),
        status=raw.get("status"),
        notes=tuple(str(n) for n in notes) if notes is not None else None,
    )


def load(path: Path = DIALOGUES) -> list[Dialogue]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Dialogue(
            id=row["id"],
            turns=tuple(str(t) for t in row["turns"]),
            tickets=tuple(_expected(t) for t in row.get("tickets") or ()),
            last_reply=tuple(str(w) for w in row.get("last_reply") or ()),
        )
        for row in rows
    ]


def _has(field_value: str, words: str) -> bool:
    return words.casefold() in field_value.casefold()


def _compare(expected: Expected, ticket: Ticket) -> list[str]:
    problems = []
    name = f"ticket {ticket.id}"
    if expected.title and not _has(ticket.title, expected.title):
        problems.append(f"{name} title {ticket.title!r}, want {expected.title!r}")
    if expected.description and not _has(ticket.description, expected.description):
        problems.append(f"{name} description {ticket.description!r}, want {expected.description!r}")
    if expected.priority and ticket.priority != expected.priority:
        problems.append(f"{name} priority {ticket.priority}, want {expected.priority}")
    if expected.status and ticket.status != expected.status:
        problems.append(f"{name} status {ticket.status}, want {expected.status}")
    if expected.notes is not None:
        texts = [n.text for n in ticket.notes]
        if len(texts) != len(expected.notes) or not all(
            _has(text, want) for text, want in zip(texts, expected.notes, strict=True)
        ):
            problems.append(f"{name} notes {texts}, want {list(expected.notes)}")
    return problems


def run(dialogue: Dialogue, folder: Path) -> Result:
    settings = Settings(bot=TicketbotSettings(database_url=f"sqlite:///{folder / 'chat.db'}"))
    runtime = build_runtime(settings)
    result = Result(dialogue)
    try:
        user = console_user(None, None)
        chat = ConsoleChat(runtime.assistant, user, runtime.clock)
        last: list[Reply] = []
        for turn in dialogue.turns:
            last = chat.send(turn)
            result.transcript.append(f"> {turn}")
            result.transcript.extend(f"  {reply.text}" for reply in last)
        tickets: list[Ticket] = []
        number = FIRST_TICKET_ID
        while True:
            try:
                tickets.append(runtime.ticketing.get(TicketRef("id", str(number)), user))
            except TicketNotFound:
                break
            number += 1
        if len(tickets) != len(dialogue.tickets):
            titles = [t.title for t in tickets]
            result.problems.append(f"{len(tickets)} tickets {titles}, want {len(dialogue.tickets)}")
        else:
            for expected, ticket in zip(dialogue.tickets, tickets, strict=True):
                result.problems.extend(_compare(expected, ticket))
        said = "\n".join(reply.text for reply in last)
        for words in dialogue.last_reply:
            if not _has(said, words):
                result.problems.append(f"last answer lacks {words!r}")
    finally:
        runtime.close()
    return result
