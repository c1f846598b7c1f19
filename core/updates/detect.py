"""From what the person last saw and the ticket now, the changes worth telling them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from core.updates.model import Change, FeedNote, Snapshot, TicketState


def detect(
    before: Snapshot, now: TicketState, notes: Sequence[FeedNote]
) -> tuple[list[Change], Snapshot]:
    """The changes since ``before`` and the snapshot to keep.

    Internal notes and the requester's own notes are never changes (they still move the notes
    watermark, so they are not looked at again). A ticket whose activity is older than what was
    already seen yields nothing: an out-of-order event never shows an older state.
    """
    ticket = now.ticket
    if (
        before.activity_at is not None
        and ticket.last_activity_at is not None
        and ticket.last_activity_at < before.activity_at
    ):
        return [], before
    changes: list[Change] = []
    if ticket.assignee and ticket.assignee != before.assignee:
        changes.append(Change("assigned", ticket.assignee, at=ticket.last_activity_at))
    fresh = sorted(
        (n for n in notes if before.notes_until is None or n.created_at > before.notes_until),
        key=lambda n: n.created_at,
    )
    changes.extend(
        Change("note", n.text, author=n.author, at=n.created_at)
        for n in fresh
        if n.public and not n.by_requester and n.text.strip()
    )
    if ticket.is_closed and not before.closed:
        changes.append(Change("resolved", ticket.status, at=ticket.last_activity_at))
    elif ticket.status != before.status and before.status and not ticket.is_closed:
        changes.append(Change("status", ticket.status, at=ticket.last_activity_at))
    after = replace(
        before,
        status=ticket.status,
        closed=ticket.is_closed,
        assignee=ticket.assignee,
        activity_at=max(
            (t for t in (before.activity_at, ticket.last_activity_at) if t is not None),
            default=None,
        ),
    ).seen_notes_until(max((n.created_at for n in fresh), default=None))
    return changes, after
