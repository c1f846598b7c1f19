"""The neutral cards as Adaptive Cards 1.5: every kind the core makes, with both button types,
validated against 1.5 and against what the handler reads back."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import pytest
from markdown_it import MarkdownIt

from bots.teams.cards import (
    DATA_ACTION,
    DATA_VALUES,
    EXECUTE,
    SUBMIT,
    ActionType,
    render_card,
    text_card,
)
from bots.teams.delivery import reply_activity
from core import actions
from core.cards import close_confirm_card, draft_card, help_card, ticket_card, ticket_list_card
from core.messages import Card, CardAction, CardField, CardLink, CardNote, Reply
from core.tickets import Note, Priority, Ticket, TicketDraft
from tests.teams.adaptive_card_1_5 import buttons, inputs, sensible, validate
from tests.teams.harness import check_card, find_button

WHEN = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
STAMP = "2026-11-04T09:30:00Z"


def ticket(**changes: Any) -> Ticket:
    fields: dict[str, Any] = {
        "id": 48213,
        "number": "T20261104.0031",
        "title": "VPN drops every ten minutes",
        "description": "The VPN drops every ten minutes since Monday.\n\nIt happens at home too.",
        "status": "In Progress",
        "priority": "High",
        "assignee": "Sam Tech",
        "queue": "Service Desk",
        "last_activity_at": WHEN,
        "notes": (
            Note(author="Sam Tech", text="Collected logs.\nLooking at them.", created_at=WHEN),
        ),
        "web_url": "https://ww5.autotask.net/Autotask/ticket?id=48213",
    }
    fields.update(changes)
    return Ticket(**fields)


def all_cards() -> list[Card]:
    draft = TicketDraft("VPN drops", "The VPN drops every ten minutes", Priority.HIGH)
    return [
        ticket_card(ticket()),
        ticket_card(ticket(status="Complete", is_closed=True, notes=(), web_url=None)),
        draft_card(draft, "d1"),
        close_confirm_card(ticket()),
        ticket_list_card([ticket(), ticket(id=48214, number="T20261104.0032")]),
        help_card(),
        Card(title="Just so you know", body="Plain information."),
    ]


@pytest.mark.parametrize("action_type", [EXECUTE, SUBMIT])
def test_every_card_the_core_makes_is_valid_adaptive_cards_1_5(action_type: ActionType) -> None:
    for card in all_cards():
        rendered = render_card(card, action_type=action_type, fallback_text="text")
        check_card(rendered)
        assert rendered["version"] == "1.5"
        assert rendered["type"] == "AdaptiveCard"


def test_a_ticket_card_has_facts_notes_a_link_and_working_actions() -> None:
    rendered = render_card(ticket_card(ticket()), action_type=EXECUTE)

    body = rendered["body"]
    assert body[0]["text"] == "T20261104.0031 · VPN drops every ten minutes"
    (facts,) = [b for b in body if b["type"] == "FactSet"]
    assert {"title": "Status", "value": "In Progress"} in facts["facts"]
    assert {"title": "Assigned to", "value": "Sam Tech"} in facts["facts"]
    texts = [b["text"] for b in body if b["type"] == "TextBlock"]
    assert "Latest notes" in texts
    assert f"**Sam Tech** · {{{{DATE({STAMP}, SHORT)}}}} {{{{TIME({STAMP})}}}}" in texts
    # A note's lines are separate blocks, so every host breaks the line.
    assert "Collected logs." in texts and "Looking at them." in texts
    titles = [a["title"] for a in rendered["actions"]]
    assert titles == ["Add note", "Refresh", "Close", "Open in Autotask"]
    link = rendered["actions"][-1]
    assert link == {
        "type": "Action.OpenUrl",
        "title": "Open in Autotask",
        "url": "https://ww5.autotask.net/Autotask/ticket?id=48213",
    }
    close = rendered["actions"][2]
    assert close["style"] == "destructive"
    assert close["verb"] == actions.CLOSE_REQUEST
    assert close["data"] == {DATA_ACTION: actions.CLOSE_REQUEST, DATA_VALUES: {"ticket": "48213"}}
    # Clients without Universal Actions show the same button as an Action.Submit.
    assert close["fallback"] == {
        "type": "Action.Submit",
        "title": "Close",
        "data": close["data"],
        "style": "destructive",
    }


def test_add_note_unfolds_a_required_text_input_with_its_own_send_button() -> None:
    rendered = render_card(ticket_card(ticket()), action_type=SUBMIT)

    show = rendered["actions"][0]
    assert show["type"] == "Action.ShowCard"
    (note,) = show["card"]["body"]
    assert note == {
        "type": "Input.Text",
        "id": actions.INPUT_NOTE,
        "label": "Note",
        "maxLength": 3000,
        "isMultiline": True,
        "isRequired": True,
        "errorMessage": "Please fill in the note.",
    }
    button, scope = find_button(rendered, actions.ADD_NOTE)
    assert button["type"] == "Action.Submit"
    assert [i["id"] for i in scope] == [actions.INPUT_NOTE]


def test_a_closed_ticket_has_no_close_button() -> None:
    rendered = render_card(
        ticket_card(ticket(status="Complete", is_closed=True)), action_type=EXECUTE
    )

    assert actions.CLOSE_REQUEST not in {b["data"][DATA_ACTION] for b in buttons(rendered)}


def test_the_draft_shows_title_and_priority_as_inputs_once_and_cancel_ignores_them() -> None:
    draft = TicketDraft("VPN drops", "The VPN drops every ten minutes", Priority.HIGH)
    rendered = render_card(draft_card(draft, "d1"), action_type=EXECUTE)

    title, priority = inputs(rendered)
    assert title == {
        "type": "Input.Text",
        "id": "title",
        "label": "Title",
        "maxLength": 100,
        "value": "VPN drops",
        "isRequired": True,
        "errorMessage": "Please fill in the title.",
    }
    assert priority["type"] == "Input.ChoiceSet"
    assert priority["value"] == "High"
    assert [c["value"] for c in priority["choices"]] == ["Low", "Medium", "High", "Critical"]
    # The draft's Title / Priority fields are the inputs: not shown twice.
    assert not [b for b in rendered["body"] if b["type"] == "FactSet"]
    create, cancel = rendered["actions"]
    assert create["style"] == "positive"
    assert "associatedInputs" not in create  # sends the edited title and priority
    assert cancel["associatedInputs"] == "None"
    assert create["data"][DATA_VALUES]["draft_id"] == "d1"
    assert cancel["data"] == {DATA_ACTION: actions.CREATE_CANCEL, DATA_VALUES: {"draft_id": "d1"}}


def test_long_text_is_trimmed_and_links_that_are_not_web_addresses_are_dropped() -> None:
    card = Card(
        title="T" * 500,
        body="\n".join(f"line {n}" for n in range(200)),
        link=CardLink("Open", "javascript:alert(1)"),
        actions=tuple(CardAction(actions.REFRESH, f"Show {n}") for n in range(9)),
    )
    rendered = render_card(card)

    check_card(rendered)
    assert len(rendered["body"][0]["text"]) == 200
    assert rendered["body"][0]["text"].endswith("…")
    assert len(rendered["body"]) <= 1 + 40
    assert len(rendered["actions"]) == 6
    assert all(a["type"] != "Action.OpenUrl" for a in rendered["actions"])


def test_a_reply_with_a_card_is_the_card_alone_with_its_text_as_summary() -> None:
    reply = Reply("Ticket T1 is In Progress.", card=ticket_card(ticket()))

    activity = reply_activity(reply, EXECUTE)

    assert activity.text is None
    assert activity.summary == "Ticket T1 is In Progress."
    (attachment,) = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    assert attachment.content["fallbackText"] == "Ticket T1 is In Progress."
    plain = reply_activity(Reply("Just text"), EXECUTE)
    assert (plain.text, plain.text_format, plain.attachments) == ("Just text", "plain", None)


def test_a_text_card_is_valid_and_says_the_text() -> None:
    card = text_card("OK, I won't open a ticket.\nTell me if anything else comes up.")

    check_card(card)
    assert [b["text"] for b in card["body"]] == [
        "OK, I won't open a ticket.",
        "Tell me if anything else comes up.",
    ]


def test_notes_without_an_author_still_render() -> None:
    card = Card(title="x", notes=(CardNote("", "text", WHEN),))

    texts = [b["text"] for b in render_card(card)["body"]]

    assert f"**Someone** · {{{{DATE({STAMP}, SHORT)}}}} {{{{TIME({STAMP})}}}}" in texts


# -- people's text stays text -------------------------------------------------------------------

HOSTILE = (
    "[Reset your password](https://evil.example)",
    "<https://evil.example/login>",
    "**urgent** and _now_ and `code`",
    "- first\n+ second\n* third\n1. fourth\n2) fifth",
    "# Heading\n> quoted",
    "<at>Sam Tech</at> please look",
    "R&amp;D &lt;b&gt;bold&lt;/b&gt; &#91;x&#93;",
    "<img src=x onerror=alert(1)>",
    "{{DATE(2030-01-01T00:00:00Z, SHORT)}}",
    "C:\\Users\\alice\\*.txt ~~gone~~",
)
_MARKUP_TAGS = ("<a", "<strong", "<em", "<li", "<code", "<h1", "<blockquote", "<img", "<at")


def as_read(markdown: str) -> str:
    """What a CommonMark renderer shows for ``markdown``. Markup is a failure, except the bold
    author our note headings start with ("**Author** · time")."""
    rendered = MarkdownIt("commonmark").render(markdown).strip()
    if markdown.startswith("**"):
        rendered = rendered.replace("<strong>", "", 1).replace("</strong>", "", 1)
    made = [tag for tag in _MARKUP_TAGS if tag in rendered]
    assert not made, f"{markdown!r} became {rendered!r}"
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    return html.unescape(rendered.removeprefix("<p>").removesuffix("</p>"))


def shown(card: dict[str, Any]) -> list[str]:
    """Every text of ``card`` that Teams reads as Markdown, as a reader sees it."""
    found = [as_read(b["text"]) for b in card["body"] if b["type"] == "TextBlock"]
    for facts in (b for b in card["body"] if b["type"] == "FactSet"):
        found.extend(as_read(f["value"]) for f in facts["facts"])
        found.extend(as_read(f["title"]) for f in facts["facts"])
    return found


@pytest.mark.parametrize("hostile", HOSTILE)
def test_text_from_people_and_tickets_is_shown_as_typed_never_as_markdown(hostile: str) -> None:
    one_line = " ".join(hostile.split())
    lines = [line.strip() for line in hostile.splitlines()]
    short = "[**x**](https://e.example)"  # labels and authors are trimmed to 40 characters
    card = Card(
        title=hostile,
        subtitle=hostile,
        body=hostile,
        fields=(CardField(short, hostile),),
        notes=(CardNote(short, hostile, WHEN),),
    )

    seen = shown(render_card(card))

    heading = f"{short} · {{{{DATE({STAMP}, SHORT)}}}} {{{{TIME({STAMP})}}}}"
    texts = [one_line, one_line, *lines, "Latest notes", heading, *lines]
    assert seen == [*texts, one_line, short]
    assert shown(text_card(hostile)) == lines


def test_a_ticket_with_a_hostile_title_and_note_shows_them_as_typed() -> None:
    link = "[Reset your password](https://evil.example)"
    rendered = render_card(
        ticket_card(ticket(title=link, notes=(Note("**Mallory**", link, WHEN),)))
    )

    seen = shown(rendered)

    assert f"T20261104.0031 · {link}" in seen
    assert link in seen
    assert any(s.startswith("**Mallory** · ") for s in seen)


# -- the validator itself fails on what 1.5 doesn't have --------------------------------------


def test_the_validator_rejects_what_adaptive_cards_1_5_does_not_have() -> None:
    good = render_card(help_card())
    assert validate(good) == []

    def body(*elements: dict[str, Any]) -> list[str]:
        return validate({**good, "body": list(elements)})

    assert validate({**good, "version": "1.6"}) == ["version is '1.6', not '1.5'"]
    assert validate({**good, "msteams": {"width": "Full"}}) == [
        "card (AdaptiveCard): property 'msteams' is not in 1.5"
    ]
    assert body({"type": "Icon", "name": "Calendar"}) == [
        "card.body[0]: element 'Icon' is not in 1.5"
    ]
    assert body({"type": "TextBlock", "text": "x", "style": "columnHeader"}) == [
        "card.body[0].style: 'columnHeader' is not one of ['default', 'heading']"
    ]
    menu = {"type": "Action.Submit", "title": "x", "menuActions": []}
    assert validate({**good, "actions": [menu]}) == [
        "card.actions[0] (Action.Submit): property 'menuActions' is not in 1.5"
    ]
    assert body({"type": "TextBlock", "text": "x", "spacing": "huge"})
    assert body({"type": "TextBlock", "text": "x", "size": "auto"})  # an image size
    assert body({"type": "TextBlock", "text": "x", "wrap": "yes"})
    assert body({"type": "FactSet"})
    assert body({"type": "Input.Text"})  # an input needs an id
    assert body({"type": "FactSet", "facts": [{"title": "a", "value": 1}]})


def test_the_validator_accepts_what_adaptive_cards_1_5_has() -> None:
    submit = {"type": "Action.Submit", "title": "Send", "data": {"x": "1"}}
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "x", "size": "ExtraLarge", "fallback": "drop"},
            {"type": "FactSet", "facts": [{"type": "Fact", "title": "a", "value": "b"}]},
            {"type": "RichTextBlock", "inlines": ["plain", {"type": "TextRun", "text": "t"}]},
            {"type": "Image", "url": "https://x.example/a.png", "height": "50px"},
            {
                "type": "Container",
                "items": [{"type": "TextBlock", "text": "y"}],
                "requires": {"adaptiveCards": "1.5"},
                "fallback": {"type": "TextBlock", "text": "older"},
            },
            {"type": "ColumnSet", "columns": [{"type": "Column", "width": 2, "items": []}]},
            {
                "type": "Input.ChoiceSet",
                "id": "c",
                "choices": [{"type": "Input.Choice", "title": "A", "value": "a"}],
            },
        ],
        "actions": [
            {"type": "Action.Execute", "title": "Go", "verb": "go", "fallback": submit},
            {"type": "Action.Execute", "title": "Go", "verb": "go", "fallback": "Drop"},
            {**submit, "associatedInputs": "none", "mode": "Secondary", "isEnabled": True},
        ],
    }

    assert validate(card) == []
    assert sensible(card) == []


def test_a_fallback_is_drop_or_the_same_kind_of_thing() -> None:
    good = render_card(help_card())
    execute = {"type": "Action.Execute", "title": "Go", "verb": "go"}

    assert validate({**good, "actions": [{**execute, "fallback": "hide"}]}) == [
        "card.actions[0].fallback: fallback 'hide' is neither 'drop' nor an action"
    ]
    assert validate({**good, "actions": [{**execute, "fallback": {"type": "TextBlock"}}]}) == [
        "card.actions[0].fallback: action 'TextBlock' is not in 1.5"
    ]
    inner = {**execute, "fallback": {"type": "Action.Submit", "title": "x", "verb": "go"}}
    assert validate({**good, "actions": [inner]}) == [
        "card.actions[0].fallback (Action.Submit): property 'verb' is not in 1.5"
    ]
    text = {"type": "TextBlock", "text": "x", "fallback": {"type": "Action.Submit"}}
    assert validate({**good, "body": [text]}) == [
        "card.body[0].fallback: element 'Action.Submit' is not in 1.5"
    ]


def test_the_sensible_checks_catch_cards_that_would_not_work() -> None:
    good = render_card(help_card())
    twice = {"type": "Input.Text", "id": "note"}

    assert sensible({**good, "body": [twice, twice]}) == ["duplicate input ids ['note']"]
    assert sensible({**good, "body": [{"type": "TextBlock", "text": " "}]}) == [
        "a TextBlock without text"
    ]
    assert sensible({**good, "actions": [{"type": "Action.OpenUrl", "url": "javascript:x"}]}) == [
        "Action.OpenUrl without a title",
        "Action.OpenUrl url 'javascript:x' is not a web address",
    ]
