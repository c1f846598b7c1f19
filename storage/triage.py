"""The triage channel's cards in the database: :class:`SqlTriageBoard` is the core's
:class:`core.ports.TriageBoard` (it only records what is due) and the triage job's store (it
claims due cards, one runner at a time, and records what it posted).

Nothing is posted twice: a runner claims a card with a compare-and-set on its lease, and a post
is recorded as under way (``posting_since``) before it is sent, so a runner that finds that mark
after a crash knows the outcome is unknown and looks before posting again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.messages import ConversationRef, UserRef
from core.tickets import Ticket
from core.triage import DueCard, TriageTarget
from storage.db import Database
from storage.models import TriageCardRow, TriageChannelRow

log = logging.getLogger("ticketbot.triage")

LEASE = timedelta(minutes=2)
TEXT_MAX = 255


def requester_label(user: UserRef) -> str:
    """How the card names the person who filed the ticket."""
    name, email = user.display_name.strip(), (user.email or "").strip()
    if name and email:
        return f"{name} <{email}>"[:TEXT_MAX]
    return (name or email or user.user_id)[:TEXT_MAX]


def company_of(user: UserRef) -> str:
    """The requester's company as the filing knows it: their e-mail's domain."""
    return (user.email or "").rpartition("@")[2].strip()[:TEXT_MAX]


class SqlTriageBoard:
    """Cards of ``backend``'s tickets in the ``targets`` channels."""

    def __init__(
        self,
        database: Database,
        backend: str,
        targets: Sequence[TriageTarget],
        clock: Callable[[], datetime],
    ) -> None:
        self._db = database
        self.backend = backend
        self.targets = tuple(targets)
        self._clock = clock

    # -- the core's port (cheap, never raises) --------------------------------------------------

    def filed(self, ticket: Ticket, requester: UserRef) -> None:
        now = self._clock()
        for target in self.targets:
            try:
                with self._db.sessions() as session, session.begin():
                    session.add(
                        TriageCardRow(
                            backend=self.backend,
                            ticket_id=ticket.id,
                            platform=target.platform,
                            channel=target.channel,
                            delivery_ref=target.delivery_ref,
                            requester=requester_label(requester),
                            company=company_of(requester),
                            state="pending",
                            version=1,
                            rendered_version=0,
                            attempts=0,
                            created_at=now,
                            updated_at=now,
                        )
                    )
            except IntegrityError:
                log.info("triage card already recorded ticket=%s", ticket.id)  # a retake
            except Exception:
                # The person's ticket is filed: a missing card must not fail their request.
                log.exception("triage card not recorded ticket=%s", ticket.id)

    def changed(self, ticket_id: int) -> None:
        posted_before = TriageCardRow.state.in_(("posted", "failed")) & (
            TriageCardRow.message_ref.is_not(None)
        )
        try:
            with self._db.sessions() as session, session.begin():
                session.execute(
                    update(TriageCardRow)
                    .where(
                        TriageCardRow.backend == self.backend,
                        TriageCardRow.ticket_id == ticket_id,
                    )
                    .values(
                        version=TriageCardRow.version + 1,
                        state=case((posted_before, "dirty"), else_=TriageCardRow.state),
                        updated_at=self._clock(),
                        attempts=0,
                        retry_at=None,
                    )
                )
        except Exception:
            log.exception("triage card change not recorded ticket=%s", ticket_id)

    def ticket_of_thread(self, conversation: ConversationRef) -> int | None:
        if not conversation.thread_id:
            return None
        try:
            with self._db.sessions() as session:
                found = session.scalars(
                    select(TriageCardRow.ticket_id)
                    .where(
                        TriageCardRow.backend == self.backend,
                        TriageCardRow.platform == conversation.platform,
                        TriageCardRow.channel == conversation.channel_id,
                        TriageCardRow.message_ref == conversation.thread_id,
                    )
                    .limit(1)
                ).first()
        except Exception:
            log.exception("triage thread not looked up")
            return None
        return found

    # -- the job's side -----------------------------------------------------------------------

    def claim_due(
        self,
        now: datetime,
        platforms: Collection[str],
        *,
        limit: int = 50,
        lease: timedelta = LEASE,
    ) -> list[DueCard]:
        """Cards due now on ``platforms``, each claimed for this caller alone until ``lease``
        ends or it reports back (another runner's claim is skipped, not waited for)."""
        if not platforms:
            return []
        due = or_(
            TriageCardRow.message_ref.is_(None),
            TriageCardRow.version > TriageCardRow.rendered_version,
        )
        free = or_(TriageCardRow.lease_until.is_(None), TriageCardRow.lease_until < now)
        ready = or_(TriageCardRow.retry_at.is_(None), TriageCardRow.retry_at <= now)
        with self._db.sessions() as session:
            candidates = session.scalars(
                select(TriageCardRow)
                .where(
                    TriageCardRow.backend == self.backend,
                    TriageCardRow.platform.in_(tuple(platforms)),
                    TriageCardRow.state != "failed",
                    due,
                    free,
                    ready,
                )
                .order_by(TriageCardRow.id)
                .limit(limit)
            ).all()
        claimed: list[DueCard] = []
        for candidate in candidates:
            owner = uuid.uuid4().hex
            with self._db.sessions() as session, session.begin():
                # Still due and free, read as claimed: another runner may have claimed and
                # finished it (posted it) since the look above, and what that look saw is stale.
                row = session.execute(
                    update(TriageCardRow)
                    .where(TriageCardRow.id == candidate.id, free, due, ready)
                    .values(lease_owner=owner, lease_until=now + lease)
                    .returning(*TriageCardRow.__table__.c)
                ).one_or_none()
                if row is None:
                    continue  # another runner claimed it between the read and now
            claimed.append(
                DueCard(
                    card_id=row.id,
                    backend=row.backend,
                    ticket_id=row.ticket_id,
                    target=TriageTarget(row.platform, row.channel, row.delivery_ref),
                    message_ref=row.message_ref,
                    fingerprint=row.fingerprint,
                    version=row.version,
                    attempts=row.attempts,
                    requester=row.requester,
                    company=row.company,
                    posting_since=row.posting_since,
                    owner=owner,
                )
            )
        return claimed

    def posting(self, card: DueCard, now: datetime) -> bool:
        """Record that ``card`` is about to be posted; False when the claim was lost."""
        return self._finish(card, posting_since=now)

    def posted(self, card: DueCard, message_ref: str, fingerprint: str | None) -> bool:
        """``card`` is in its channel as ``message_ref``, showing version ``card.version``."""
        return self._finish(
            card,
            message_ref=message_ref,
            fingerprint=fingerprint,
            posting_since=None,
            attempts=0,
            retry_at=None,
            last_error=None,
            release=True,
            rendered=True,
        )

    def adopted(self, card: DueCard, message_ref: str) -> bool:
        """An interrupted post of ``card`` turned out to be in the channel as ``message_ref``
        (what it shows is not known: the caller edits it next, under the same claim)."""
        return self._finish(card, message_ref=message_ref, posting_since=None)

    def rendered(self, card: DueCard, fingerprint: str | None) -> bool:
        """The posted card shows version ``card.version`` (edited, or nothing to edit)."""
        return self._finish(
            card,
            fingerprint=fingerprint,
            attempts=0,
            retry_at=None,
            last_error=None,
            release=True,
            rendered=True,
        )

    def failed(
        self, card: DueCard, why: str, *, retry_at: datetime | None, nothing_posted: bool = False
    ) -> bool:
        """A post or edit failed: try again at ``retry_at``, or never (None). ``nothing_posted``:
        the platform said no, so no card went out (the under-way mark is cleared)."""
        values: dict[str, object] = {
            "attempts": card.attempts + 1,
            "retry_at": retry_at,
            "last_error": why[:2000],
        }
        if retry_at is None:
            values["state"] = "failed"
        if nothing_posted:
            values["posting_since"] = None
        return self._update(card, values, release=True)

    def _finish(
        self, card: DueCard, *, release: bool = False, rendered: bool = False, **values: object
    ) -> bool:
        return self._update(card, values, release=release, rendered=rendered)

    def _update(
        self,
        card: DueCard,
        values: dict[str, object],
        *,
        release: bool = False,
        rendered: bool = False,
    ) -> bool:
        now = self._clock()
        values["updated_at"] = now
        if release:
            values["lease_owner"] = None
            values["lease_until"] = None
        if rendered:
            values["rendered_version"] = card.version
            # A change recorded while this runner worked keeps the card due.
            values["state"] = case((TriageCardRow.version > card.version, "dirty"), else_="posted")
        with self._db.sessions() as session, session.begin():
            result = session.execute(
                update(TriageCardRow)
                .where(TriageCardRow.id == card.card_id, TriageCardRow.lease_owner == card.owner)
                .values(**values)
            )
        if getattr(result, "rowcount", 0) != 1:
            log.warning("triage card claim lost card=%s ticket=%s", card.card_id, card.ticket_id)
            return False
        return True

    # -- reading (tests, doctor) ----------------------------------------------------------------

    def cards(self, ticket_id: int) -> list[TriageCardRow]:
        with self._db.sessions() as session:
            return list(
                session.scalars(
                    select(TriageCardRow)
                    .where(
                        TriageCardRow.backend == self.backend,
                        TriageCardRow.ticket_id == ticket_id,
                    )
                    .order_by(TriageCardRow.id)
                ).all()
            )


class SqlTriageChannels:
    """Teams channels the bot was added to, with how to reach them."""

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._clock = clock

    def remember(self, platform: str, channel: str, delivery_ref: str, team: str = "") -> None:
        with self._db.sessions() as session, session.begin():
            row = session.get(TriageChannelRow, (platform, channel))
            if row is None:
                session.add(
                    TriageChannelRow(
                        platform=platform,
                        channel=channel,
                        delivery_ref=delivery_ref,
                        team=team,
                        added_at=self._clock(),
                    )
                )
            else:
                row.delivery_ref = delivery_ref
                row.team = team or row.team

    def reference(self, platform: str, channel: str) -> str | None:
        with self._db.sessions() as session:
            row = session.get(TriageChannelRow, (platform, channel))
            return row.delivery_ref if row is not None else None
