"""The assistant with files: attached after the ticket write (create, confirmed draft, note),
never instead of it; every file that was not attached is named with the reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import actions
from core.errors import BackendUnavailable, UnsupportedOperation
from core.intents import Classification, Intent
from core.messages import AttachmentRef, Reply, UserRef
from core.tickets import Ticket, TicketDraft, TicketRef
from storage.attachments import SqlAttachmentStore
from storage.db import Database
from storage.local_desk import LocalDesk
from storage.models import AttachmentRow, LocalAttachmentRow
from tests.support import ALICE, BOB, Bot, FakeClock, conversation_for, make_bot, message

VPN = "VPN keeps dropping, screenshot attached"
CREATE = {VPN: Classification(Intent.CREATE_TICKET, title="VPN keeps dropping")}
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100


def setup(database: Database, **options: Any) -> tuple[Bot, SqlAttachmentStore]:
    clock = FakeClock()
    store = SqlAttachmentStore(database, clock=clock)
    bot = make_bot(database, script=CREATE, clock=clock, attachments=store, **options)
    return bot, store


def kept(store: SqlAttachmentStore, user: UserRef, name: str, data: bytes = PNG) -> AttachmentRef:
    owner = f"{user.platform}:{user.user_id}"
    return AttachmentRef(store.save(owner, name, "image/png", data), name, "image/png", len(data))


def say(bot: Bot, text: str, *files: AttachmentRef, user: UserRef = ALICE) -> list[Reply]:
    return bot.assistant.handle(replace(message(text, user), attachments=files))


def attached(database: Database) -> list[tuple[int, str]]:
    with database.sessions() as session:
        rows = session.scalars(select(LocalAttachmentRow).order_by(LocalAttachmentRow.id)).all()
        return [(row.ticket_id, row.name) for row in rows]


def test_a_confirmed_draft_attaches_its_files_after_the_create(database: Database) -> None:
    bot, store = setup(database)
    shot = kept(store, ALICE, "screenshot.png")
    big = AttachmentRef("", "capture.mov", "video/mp4", 9_000_000, problem="it is 9.0 MB")

    draft, note = say(bot, VPN, shot, big)
    assert draft.card is not None and draft.card.kind == "draft"
    assert note.text == (
        "I'll attach screenshot.png when you confirm.\nI can't attach: capture.mov (it is 9.0 MB)."
    )
    confirm = next(a for a in draft.card.actions if a.action_id == actions.CREATE_CONFIRM)
    assert "attachments" not in confirm.values  # the ids stay server-side, in the draft

    created, files = bot.click(confirm.action_id, dict(confirm.values))
    again = bot.click(confirm.action_id, dict(confirm.values))

    [ticket] = bot.desk.list_open(ALICE)
    assert created.replaces_source and ticket.number in created.text
    assert files.text.startswith(f"Attached to ticket {ticket.number}: screenshot.png.\n")
    assert "Not attached: capture.mov (it is 9.0 MB)." in files.text
    assert attached(database) == [(ticket.id, "screenshot.png")]
    assert [(r.text, r.ephemeral) for r in again] == [("That ticket was already created.", True)]
    with database.sessions() as session:  # attached: the copy set aside is gone
        assert session.scalars(select(AttachmentRow)).all() == []


class _AttachFails(LocalDesk):
    """The local desk whose attachments fail with ``error``; it counts creates."""

    def __init__(self, database: Database, error: Exception) -> None:
        super().__init__(database, clock=FakeClock())
        self.error = error
        self.creates = 0

    def create(self, draft: TicketDraft, requester: UserRef) -> Ticket:
        self.creates += 1
        return super().create(draft, requester)

    def attach(
        self, ref: TicketRef, name: str, content_type: str, data: bytes, requester: UserRef
    ) -> None:
        raise self.error


def test_a_failed_attachment_never_undoes_or_repeats_the_create(database: Database) -> None:
    desk = _AttachFails(database, BackendUnavailable("timeout (test)"))
    bot, store = setup(database, ticketing=desk)
    shot = kept(store, ALICE, "screenshot.png")

    created, files = say(bot, "ticket new VPN keeps dropping", shot)

    [ticket] = bot.desk.list_open(ALICE)
    assert desk.creates == 1
    assert created.text.startswith(f"Created ticket {ticket.number}")
    assert files.text == (
        "Not attached: screenshot.png (the help desk didn't answer in time).\n"
        "The ticket itself is fine. To add a file later, send it with "
        f"“ticket note {ticket.number} <a few words>”."
    )
    assert "try again" not in files.text


def test_a_desk_without_files_says_so_and_keeps_the_ticket(database: Database) -> None:
    desk = _AttachFails(database, UnsupportedOperation("attach files to tickets", "Waystone"))
    bot, store = setup(database, ticketing=desk)
    files = [kept(store, ALICE, "a.png"), kept(store, ALICE, "b.png")]

    created, answer = say(bot, "ticket new VPN keeps dropping", *files)

    assert created.text.startswith("Created ticket")
    assert answer.text == (
        "The Waystone help desk connection can't attach files to tickets, sorry. "
        "Not on the ticket: a.png and b.png."
    )


def test_someone_elses_file_is_never_attached(database: Database) -> None:
    bot, store = setup(database)
    bobs = kept(store, BOB, "payroll.png")

    _, answer = say(bot, "ticket new VPN keeps dropping", bobs)

    assert "Not attached: payroll.png (I no longer have it)." in answer.text
    assert attached(database) == []


def test_a_file_sent_with_a_note_command_is_attached_after_the_note(database: Database) -> None:
    bot, store = setup(database)
    ticket = bot.desk.create(TicketDraft("VPN", "It drops."), ALICE)
    log = kept(store, ALICE, "vpn.log", b"tunnel down")

    noted, files = say(bot, f"ticket note {ticket.id} the log from this morning", log)

    assert noted.text == f"Added your note to ticket {ticket.number}."
    assert bot.desk.get(TicketRef("id", str(ticket.id)), ALICE).notes[-1].text == (
        "the log from this morning"
    )
    assert files.text == f"Attached to ticket {ticket.number}: vpn.log."


def test_files_nothing_used_are_named_not_dropped(database: Database) -> None:
    bot, store = setup(database)
    shot = kept(store, ALICE, "screenshot.png")

    replies = say(bot, "ticket list", shot)

    assert replies[-1].text.startswith("I didn't attach screenshot.png to anything.")


def test_files_with_no_words_get_a_question(database: Database) -> None:
    bot, store = setup(database)

    (answer,) = say(bot, "", kept(store, ALICE, "screenshot.png"))

    assert answer.text.startswith("I got screenshot.png, but no words with it.")
    state = bot.store.open_conversation(conversation_for(ALICE), bot.clock())
    said, _ = bot.store.recent_turns(state.conversation_id, 2)
    assert said.text == "\n[files: screenshot.png]"  # the history says what was sent


def test_files_never_attached_are_purged(database: Database) -> None:
    clock = FakeClock()
    store = SqlAttachmentStore(database, clock=clock)
    old = store.save("console:alice", "old.png", "image/png", PNG)
    clock.advance(days=8)
    new = store.save("console:alice", "new.png", "image/png", PNG)

    assert store.purge_before(clock() - timedelta(days=7)) == 1

    assert store.read(old, "console:alice") is None
    assert store.read(new, "console:alice") is not None
    assert store.read(new, "console:bob") is None
