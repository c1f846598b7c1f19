"""The one backoff rule both outboxes use."""

from __future__ import annotations

from datetime import timedelta

from core.backoff import backoff

SECOND = timedelta(seconds=1)


def test_doubles_from_the_first_wait_up_to_the_longest() -> None:
    waits = [backoff(n, first=30 * SECOND, longest=3600 * SECOND) for n in range(0, 10)]
    assert [w.total_seconds() for w in waits] == [30, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_the_inbox_schedule_is_two_to_the_attempts_capped_at_five_minutes() -> None:
    waits = [backoff(n, first=2 * SECOND, longest=300 * SECOND) for n in range(1, 11)]
    assert [w.total_seconds() for w in waits] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_a_huge_count_of_attempts_stays_at_the_longest_wait() -> None:
    assert backoff(10**6, first=SECOND, longest=300 * SECOND) == 300 * SECOND
