"""App Home: the person's open tickets and a New ticket button."""

from __future__ import annotations

import pytest

from bots.slack.home import HOME_NEW_TICKET_ACTION
from bots.slack.modals import NEW_TICKET_VIEW
from core.messages import UserRef
from core.tickets import TicketDraft
from tests.slack.harness import (
    ALICE,
    BOB,
    block_actions,
    block_texts,
    button,
    view_submission,
)
from tests.support import DownTicketing

pytestmark = pytest.mark.anyio

ALICE_REF = UserRef("slack", ALICE, "Alice Example", "alice@example.com")
BOB_REF = UserRef("slack", BOB, "Bob Example", "bob@example.com")


def home_opened(user: str = ALICE, tab: str = "home") -> dict[str, object]:
    return {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": tab}


async def test_home_lists_the_persons_open_tickets_only(make_slack) -> None:
    slack = await make_slack()
    mine = slack.desk.create(TicketDraft("Laptop fan", "Loud"), ALICE_REF)
    closed = slack.desk.create(TicketDraft("Old one", "Done"), ALICE_REF)
    slack.desk.close(closed.ref, ALICE_REF)
    slack.desk.create(TicketDraft("Bob's printer", "Jam"), BOB_REF)

    await slack.event(home_opened())
    await slack.settle()

    (published,) = slack.fake.calls_to("views.publish")
    assert published.params["user_id"] == ALICE
    view = published.params["view"]
    assert view["type"] == "home"
    shown = block_texts(view["blocks"])
    assert mine.number in shown and "Laptop fan" in shown
    assert "Old one" not in shown and "Bob's printer" not in shown
    button(view["blocks"], HOME_NEW_TICKET_ACTION)
    button(view["blocks"], "ticket.note.add")
    assert slack.core_calls == []  # a read, not a conversation turn


async def test_home_with_no_tickets_says_so(make_slack) -> None:
    slack = await make_slack()

    await slack.event(home_opened())
    await slack.settle()

    view = slack.fake.calls_to("views.publish")[0].params["view"]
    assert "no open tickets" in block_texts(view["blocks"])


async def test_the_messages_tab_does_not_publish_home(make_slack) -> None:
    slack = await make_slack()

    await slack.event(home_opened(tab="messages"))
    await slack.settle()

    assert slack.fake.calls_to("views.publish") == []


async def test_home_explains_when_the_desk_is_down(make_slack) -> None:
    slack = await make_slack(ticketing=DownTicketing())

    await slack.event(home_opened())
    await slack.settle()

    view = slack.fake.calls_to("views.publish")[0].params["view"]
    assert "isn't answering" in block_texts(view["blocks"])
    button(view["blocks"], HOME_NEW_TICKET_ACTION)  # still offered


async def test_new_ticket_from_home_is_answered_in_the_dm_and_home_refreshes(
    make_slack,
) -> None:
    slack = await make_slack()
    await slack.event(home_opened())
    await slack.settle()
    home = slack.fake.calls_to("views.publish")[0].params["view"]
    new, block_id = button(home["blocks"], HOME_NEW_TICKET_ACTION)

    await slack.interact(block_actions(new, block_id=block_id, home=True))
    await slack.settle()
    (opened,) = slack.fake.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == NEW_TICKET_VIEW
    await slack.interact(
        view_submission(opened.params["view"], {"title": "Dock not charging", "priority": "Low"})
    )
    await slack.settle()

    (ticket,) = slack.desk.list_open(ALICE_REF)
    assert (ticket.title, ticket.priority) == ("Dock not charging", "Low")
    (opened_dm,) = slack.fake.calls_to("conversations.open")
    assert opened_dm.params["users"] == ALICE
    (post,) = slack.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == "D" + ALICE
    assert "Created ticket" in post.params["text"]
    republished = slack.fake.calls_to("views.publish")[-1].params["view"]
    assert "Dock not charging" in block_texts(republished["blocks"])


async def test_add_note_from_home(make_slack) -> None:
    slack = await make_slack()
    ticket = slack.desk.create(TicketDraft("Laptop fan", "Loud"), ALICE_REF)
    await slack.event(home_opened())
    await slack.settle()
    home = slack.fake.calls_to("views.publish")[0].params["view"]
    note, block_id = button(home["blocks"], "ticket.note.add")

    await slack.interact(block_actions(note, block_id=block_id, home=True))
    await slack.settle()
    form = slack.fake.calls_to("views.open")[0].params["view"]
    await slack.interact(view_submission(form, {"note": "Louder today"}))
    await slack.settle()

    assert [n.text for n in slack.desk.get(ticket.ref, ALICE_REF).notes] == ["Louder today"]
    assert "Added your note" in slack.fake.calls_to("chat.postMessage")[-1].params["text"]
