"""Picklists: the bot's Low..Critical and New/Complete as this tenant's values."""

from __future__ import annotations

import pytest

from core.backends.autotask.picklists import FieldInfo, PicklistValue
from core.errors import ConfigurationError
from core.tickets import Priority, TicketDraft, TicketRef
from tests.backends.conftest import ALICE, COMPANY, Harness, make_harness
from tests.fakes.autotask_server import FakeAutotask, Picklist
from tests.support import FakeClock

SEVERITIES = Picklist(
    [
        (1, "Severity 1 - Critical", True, False),
        (2, "Severity 2 - SameDay", True, False),
        (3, "Severity 3 - NextDay", True, True),
        (4, "Severity 4 - TwoDays", True, False),
        (9, "low", False, False),  # retired: must never be picked
    ]
)


def test_autotasks_default_priorities_map_by_label_not_by_position(at: Harness) -> None:
    vocabulary = at.backend.vocabulary
    values = {priority: vocabulary.priority(priority).value for priority in Priority}
    assert values == {Priority.LOW: 3, Priority.MEDIUM: 2, Priority.HIGH: 1, Priority.CRITICAL: 4}
    assert vocabulary.status_new().value == 1
    assert vocabulary.status_complete().value == 5


def test_unusual_labels_map_through_the_override_case_insensitively(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    fake.ticket_picklists["priority"] = SEVERITIES
    harness = make_harness(
        fake,
        clock,
        priority_map={
            "low": "severity 4 - twodays",  # label, any case
            "Medium": "3",  # or the integer value
            "HIGH": "Severity 2 - SameDay",
        },
    )
    vocabulary = harness.backend.vocabulary
    assert vocabulary.priority(Priority.LOW).value == 4
    assert vocabulary.priority(Priority.MEDIUM).value == 3
    assert vocabulary.priority(Priority.HIGH).value == 2
    # No override needed when exactly one active label holds the word.
    assert vocabulary.priority(Priority.CRITICAL).value == 1
    ticket = harness.backend.create(
        TicketDraft("Server down", "All of it", Priority.LOW, idempotency_key="k"), ALICE
    )
    assert fake.tickets[ticket.id]["priority"] == 4
    assert ticket.priority == "Severity 4 - TwoDays"


def test_an_unmappable_label_names_the_setting_and_the_choices(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    fake.ticket_picklists["priority"] = SEVERITIES
    harness = make_harness(fake, clock)
    with pytest.raises(ConfigurationError) as caught:
        harness.backend.vocabulary.priority(Priority.LOW)  # only a retired "low" exists
    detail = caught.value.detail
    assert "AUTOTASK_PRIORITY_MAP" in detail
    assert "'Severity 4 - TwoDays' (4)" in detail
    assert "(9)" not in detail  # the retired value is not offered
    assert "administrators" in caught.value.user_message
    with pytest.raises(ConfigurationError):
        harness.backend.create(TicketDraft("x", "y", Priority.LOW, idempotency_key="k"), ALICE)
    assert fake.calls("POST", r"Tickets") == []


def test_an_override_to_a_retired_value_is_refused(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, priority_map={"High": "6"})  # "Urgent (old)", inactive
    with pytest.raises(ConfigurationError) as caught:
        harness.backend.vocabulary.priority(Priority.HIGH)
    assert "AUTOTASK_PRIORITY_MAP" in caught.value.detail


def test_status_labels_that_differ_need_the_status_settings(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    fake.ticket_picklists["status"] = Picklist(
        [(1, "Open", True, True), (5, "Closed", True, False), (8, "Working", True, False)]
    )
    with pytest.raises(ConfigurationError) as caught:
        make_harness(fake, clock).backend.vocabulary.status_new()
    assert "AUTOTASK_STATUS_NEW" in caught.value.detail
    harness = make_harness(fake, clock, status_new="open", status_complete="Closed")
    ticket_id = fake.add_ticket(contactID=fake.ids["alice"], companyID=COMPANY)
    closed = harness.backend.close(TicketRef("id", str(ticket_id)), ALICE)
    assert fake.tickets[ticket_id]["status"] == 5
    assert closed.status == "Closed" and closed.is_closed


def test_picklists_are_cached_for_their_time_to_live(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, picklist_ttl_seconds=600)
    for _ in range(3):
        harness.backend.vocabulary.priority(Priority.HIGH)
    assert len(fake.calls("GET", r"Tickets/entityInformation/fields")) == 1
    clock.advance(minutes=11)
    fake.ticket_picklists["priority"] = SEVERITIES
    assert harness.backend.vocabulary.priority(Priority.CRITICAL).value == 1
    assert len(fake.calls("GET", r"Tickets/entityInformation/fields")) == 2


def test_picklist_values_are_strings_holding_integers() -> None:
    field = FieldInfo(
        "priority",
        is_picklist=True,
        values=(
            PicklistValue(1, "High"),
            PicklistValue(2, "Medium Priority"),
            PicklistValue(3, "Very High", is_active=True),
        ),
    )
    assert field.resolve("1", setting="X").label == "High"
    assert field.resolve("HIGH", setting="X").value == 1  # exact label beats "Very High"
    assert field.resolve("medium", setting="X").value == 2  # whole word
    with pytest.raises(ConfigurationError):
        field.resolve("Med", setting="X")  # not a whole word


def test_the_priority_map_setting_reads_json_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, fake: FakeAutotask, clock: FakeClock
) -> None:
    from core.settings import AutotaskSettings

    monkeypatch.setenv("AUTOTASK_PRIORITY_MAP", '{"Low": 4, "medium": "Severity 3 - NextDay"}')
    settings = AutotaskSettings(_env_file=None)
    assert settings.priority_map == {"Low": 4, "medium": "Severity 3 - NextDay"}
    fake.ticket_picklists["priority"] = SEVERITIES
    harness = make_harness(fake, clock, priority_map=settings.priority_map)
    assert harness.backend.vocabulary.priority(Priority.LOW).value == 4
    assert harness.backend.vocabulary.priority(Priority.MEDIUM).value == 3
