"""Card values too long for Slack, parked in the database: what one replica parked another
finds; expired values are gone, and purged."""

from __future__ import annotations

from datetime import timedelta

from bots.slack.packing import BUTTON_VALUE_MAX, SharedStash, pack, unpack
from storage.card_values import SqlCardValues
from storage.db import Database
from tests.support import FakeClock


def test_a_value_parked_by_one_replica_is_found_by_another(database_url_for_test: str) -> None:
    first, second = Database.connect(database_url_for_test), Database.connect(database_url_for_test)
    clock = FakeClock()
    try:
        description = "The printer jams. " * 400  # far beyond a button's 2,000 characters
        packed = pack(
            {"description": description, "title": "Printer"},
            SharedStash(SqlCardValues(first, clock, timedelta(days=7))),
            limit=BUTTON_VALUE_MAX,
        )
        other = SharedStash(SqlCardValues(second, clock, timedelta(days=7)))
        found = unpack(packed, other)
    finally:
        first.dispose()
        second.dispose()

    assert len(packed) <= BUTTON_VALUE_MAX
    assert found.values["description"] == description and found.missing == ()


def test_expired_values_are_gone_and_purged(database: Database) -> None:
    clock = FakeClock()
    values = SqlCardValues(database, clock, timedelta(days=7))
    token = values.put({"description": "long"})

    clock.advance(days=8)

    assert values.get(token) is None
    assert values.purge_expired() == 1 and values.count() == 0
