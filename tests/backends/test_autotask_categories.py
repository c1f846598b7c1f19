"""Ticket categories: the category each create carries, what its defaults fill, and the due
date the bot fills (the API has no due-date default). Nothing here files a ticket to find out
anything: the categories and their defaults are read."""

from __future__ import annotations

from typing import Any

import pytest

from core.backends.autotask.categories import DEFAULT_DUE_HOURS
from core.errors import ConfigurationError
from core.settings import AutotaskSettings
from core.tickets import Priority, TicketDraft
from tests.backends.conftest import ALICE, LEVEL_ONE, Harness, make_harness
from tests.fakes.autotask_server import FakeAutotask
from tests.support import FakeClock

LEVEL_TWO = 29683355
NOW = "2026-11-04T09:30:00Z"  # the FakeClock's time


def _draft(priority: Priority = Priority.MEDIUM) -> TicketDraft:
    return TicketDraft("Printer jams", "On every page.", priority, idempotency_key=None)


def _monitoring(fake: FakeAutotask, **defaults: Any) -> int:
    return fake.add_category("Monitoring Alert", nickname="AEM", **defaults)


def _posted(fake: FakeAutotask) -> dict[str, Any]:
    [post] = fake.calls("POST", r"Tickets")
    body: dict[str, Any] = post.body
    return body


def test_every_create_carries_the_tenants_default_category(at: Harness) -> None:
    at.backend.create(_draft(), ALICE)
    body = _posted(at.fake)
    assert body["ticketCategory"] == at.fake.ids["standard"]
    assert body["queueID"] == LEVEL_ONE  # the setting
    assert body["dueDateTime"] == "2026-11-05T09:30:00Z"  # Medium: 24 hours


def test_a_category_that_requires_queue_and_due_date_gets_them_from_its_defaults(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    """The tenant's field list flags neither field; only the category requires them."""
    category = _monitoring(fake, queueID=LEVEL_TWO, ticketTypeID=2)
    fake.categories[fake.ids["standard"]]["isGlobalDefault"] = False
    fake.categories[category]["isGlobalDefault"] = True
    fake.category_required[category] = ["queueID", "dueDateTime"]
    fake.required_ticket_fields.remove("queueID")
    harness = make_harness(fake, clock, default_queue_id=None)
    ticket = harness.backend.create(_draft(Priority.HIGH), ALICE)
    body = _posted(fake)
    assert body["ticketCategory"] == category
    assert (body["queueID"], body["ticketType"]) == (LEVEL_TWO, 2)
    assert body["dueDateTime"] == "2026-11-04T17:30:00Z"  # High: 8 hours
    assert ticket.queue == "Level II Support"


@pytest.mark.parametrize("wanted", ["Monitoring Alert", "aem", "MONITORING ALERT"])
def test_the_category_setting_takes_a_name_a_nickname_or_an_id(
    fake: FakeAutotask, clock: FakeClock, wanted: str
) -> None:
    category = _monitoring(fake, queueID=LEVEL_TWO)
    for setting in (wanted, str(category)):
        fake.reset_log()
        harness = make_harness(fake, clock, ticket_category=setting)
        harness.backend.create(_draft(), ALICE)
        body = _posted(fake)
        assert body["ticketCategory"] == category
        assert body["queueID"] == LEVEL_ONE  # AUTOTASK_DEFAULT_QUEUE_ID beats the category


def test_an_unknown_or_retired_category_names_the_setting_and_the_choices(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    fake.add_category("Old Projects", active=False)
    for wanted in ("Nope", "Old Projects"):
        harness = make_harness(fake, clock, ticket_category=wanted)
        with pytest.raises(ConfigurationError) as caught:
            harness.backend.create(_draft(), ALICE)
        assert "AUTOTASK_TICKET_CATEGORY" in caught.value.detail
        assert "'Standard'" in caught.value.detail
        assert "Old Projects" not in caught.value.detail.split("one of:")[1]
    assert fake.tickets == {}


def test_without_a_global_default_the_ticket_category_picklist_default_is_used(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    fake.categories[fake.ids["standard"]]["isGlobalDefault"] = False
    category = _monitoring(fake)
    harness = make_harness(fake, clock)
    fake.category_picklist_default = category  # while no category row carries the flag
    harness.backend.create(_draft(), ALICE)
    assert _posted(fake)["ticketCategory"] == category


def test_no_category_at_all_sends_none(fake: FakeAutotask, clock: FakeClock) -> None:
    fake.categories[fake.ids["standard"]]["isGlobalDefault"] = False
    harness = make_harness(fake, clock)
    harness.backend.create(_draft(), ALICE)
    assert "ticketCategory" not in _posted(fake)


def test_categories_the_api_user_may_not_read_do_not_stop_creates(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    fake.fail("POST", r"TicketCategories/query", status=403, times=5)
    harness = make_harness(fake, clock)
    harness.backend.create(_draft(), ALICE)
    assert "ticketCategory" not in _posted(fake)
    assert len(fake.tickets) == 1


def test_categories_are_read_once_per_time_to_live(at: Harness) -> None:
    at.backend.create(TicketDraft("One", "x", idempotency_key="a"), ALICE)
    at.backend.create(TicketDraft("Two", "y", idempotency_key="b"), ALICE)
    assert len(at.fake.calls("POST", r"TicketCategories/query")) == 1
    assert len(at.fake.calls("POST", r"TicketCategoryFieldDefaults/query")) == 1
    at.clock.advance(seconds=at.settings.picklist_ttl_seconds + 1)
    at.backend.create(TicketDraft("Three", "z", idempotency_key="c"), ALICE)
    assert len(at.fake.calls("POST", r"TicketCategories/query")) == 2


def test_a_sub_issue_type_is_kept_only_with_its_own_issue_type(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    _monitoring(fake, issueTypeID=3, subIssueTypeID=7)
    make_harness(fake, clock, ticket_category="AEM").backend.create(_draft(), ALICE)
    assert (_posted(fake)["issueType"], _posted(fake)["subIssueType"]) == (3, 7)
    fake.reset_log()
    harness = make_harness(fake, clock, ticket_category="AEM", issue_type=4)
    harness.backend.create(_draft(), ALICE)
    assert _posted(fake)["issueType"] == 4
    assert "subIssueType" not in _posted(fake)


# -- due dates ------------------------------------------------------------------------------


def test_due_dates_default_by_priority(at: Harness) -> None:
    assert DEFAULT_DUE_HOURS == {
        Priority.CRITICAL: 4,
        Priority.HIGH: 8,
        Priority.MEDIUM: 24,
        Priority.LOW: 72,
    }
    at.backend.create(_draft(Priority.CRITICAL), ALICE)
    assert _posted(at.fake)["dueDateTime"] == "2026-11-04T13:30:00Z"


def test_due_hours_come_from_the_environment_by_priority_or_as_one_number(
    monkeypatch: pytest.MonkeyPatch, fake: FakeAutotask, clock: FakeClock
) -> None:
    monkeypatch.setenv("AUTOTASK_DUE_HOURS", '{"critical": 2, "Low": 0}')
    hours = AutotaskSettings(_env_file=None).due_hours
    harness = make_harness(fake, clock, due_hours=hours)
    harness.backend.create(TicketDraft("a", "b", Priority.CRITICAL, idempotency_key="1"), ALICE)
    harness.backend.create(TicketDraft("c", "d", Priority.LOW, idempotency_key="2"), ALICE)
    harness.backend.create(TicketDraft("e", "f", Priority.HIGH, idempotency_key="3"), ALICE)
    critical, low, high = (call.body for call in fake.calls("POST", r"Tickets"))
    assert critical["dueDateTime"] == "2026-11-04T11:30:00Z"
    assert "dueDateTime" not in low  # 0: no due date
    assert high["dueDateTime"] == "2026-11-04T17:30:00Z"  # the default
    monkeypatch.setenv("AUTOTASK_DUE_HOURS", "12")
    assert AutotaskSettings(_env_file=None).due_hours == 12
