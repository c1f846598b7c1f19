"""When to try a failed delivery again: the one backoff rule of both outboxes (the inbox's
replies in bots/inbox.py and the ticket updates in core/updates/service.py)."""

from __future__ import annotations

from datetime import timedelta


def backoff(attempts: int, *, first: timedelta, longest: timedelta) -> timedelta:
    """The wait after ``attempts`` failed tries: ``first`` after one (or none), doubled for each
    further failure, never more than ``longest``."""
    delay = first
    # Doubling step by step stops at ``longest``, so a large count never overflows a timedelta.
    for _ in range(max(0, attempts - 1)):
        if delay >= longest:
            break
        delay *= 2
    return min(delay, longest)
