"""A technician and a requester on the embedded defaults, each in their own ``ticketbot chat``
(real subprocesses, one SQLite file): the technician takes, assigns, sets the status and adds
an internal and a public note; the requester's chat shows what is public and never the
internal note."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import ticketbot

SECRET = "SECRET-REMARK the user keeps unplugging it"


def test_a_technician_works_a_local_ticket_and_the_requester_sees_only_what_is_public(
    tmp_path: Path,
) -> None:
    env = {
        "TICKETBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "TICKETBOT_STAFF_EMAILS": "jordan.lee@example.com, sam.tech@example.com",
        "TICKETBOT_UPDATES_COALESCE_SECONDS": "0",
    }

    def chat(user: str, *lines: str) -> str:
        result = ticketbot(
            "chat", "--user", user, stdin="\n".join(lines) + "\n", env=env, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    filed = chat("ana@example.com", "ticket new The label printer prints blank pages")
    ticket_id = filed.split("(#", 1)[1].split(")", 1)[0]
    refused = chat("ana@example.com", f"ticket take {ticket_id}", "ticket queue")
    assert refused.count("Only the help desk's technicians can do that.") == 2

    worked = chat(
        "jordan.lee@example.com",
        "ticket queue",
        f"ticket take {ticket_id}",
        f"give {ticket_id} to Sam",
        f"I'll take {ticket_id}",
        f"ticket assign {ticket_id} me",
        f"put {ticket_id} on waiting customer",
        f"ticket note {ticket_id} --internal {SECRET}",
        f"ticket note {ticket_id} --public A new print head is on its way.",
        "ticket mine",
    )
    assert "The label printer prints blank pages" in worked.split("> ticket take")[0]  # queued
    assert "You've taken ticket" in worked
    assert "to Sam Tech (was Jordan Lee)" in worked
    # Sam has it now: "I'll take" asks first, "assign … me" takes it over.
    assert "Sam Tech already has ticket" in worked and f"ticket assign {ticket_id} me" in worked
    assert "(It was assigned to Sam Tech.)" in worked
    assert "is now Waiting Customer (was New)" in worked
    assert "Added an internal note" in worked and "Added a public note" in worked
    mine = worked.split("> ticket mine", 1)[1]
    assert "Open tickets assigned to you" in mine and f"(#{ticket_id})" in mine

    seen = chat("ana@example.com", f"ticket status {ticket_id}")
    assert "Jordan Lee wrote: “A new print head is on its way.”" in seen  # an update
    assert "Sam Tech is on it." in seen and "The technician is waiting for you" in seen
    assert "Waiting Customer, priority Medium, assigned to Jordan Lee" in seen
    assert "SECRET-REMARK" not in seen
    assert "SECRET-REMARK" not in refused + filed
