"""The triage job: every few seconds, post the cards of newly filed tickets into the triage
channel(s) and edit the cards of tickets that changed, in place. Runs beside the server's
request handling (blocking reads in threads), on any number of replicas: each card is claimed
by one runner at a time (:class:`storage.triage.SqlTriageBoard`).

A post is recorded as under way before it is sent. A runner that stops between the post and
recording the message's id leaves that mark behind; the next runner asks the platform whether
the card is there already (Slack: the channel's recent messages carry the card's key in their
metadata) and adopts it instead of posting again. Teams has no such lookup for a bot: there the
card may be posted twice if a runner dies in the few milliseconds between Teams' answer and
the database commit (logged as such).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from core.backoff import backoff
from core.messages import Reply
from core.triage import (
    DueCard,
    TriageChoices,
    TriageSource,
    TriageTarget,
    fingerprint,
    triage_reply,
)
from storage.triage import SqlTriageBoard

log = logging.getLogger("ticketbot.triage")

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(minutes=30)
CHOICES_TTL = timedelta(minutes=5)

Outcome = Literal["ok", "retry", "gone"]


@dataclass(frozen=True)
class Published:
    """What a platform said: ``ok`` (with the message's id for a post), ``retry`` (worth
    another try later) or ``gone`` (the channel or message is not reachable any more)."""

    outcome: Outcome
    message_ref: str | None = None
    why: str = ""


class CardPublisher(Protocol):
    """Posts and edits triage cards on one platform (bots/slack/triage.py,
    bots/teams/triage.py)."""

    platform: str

    async def post(self, target: TriageTarget, reply: Reply, key: str) -> Published:
        """A new message in the channel; its id in :attr:`Published.message_ref`."""
        ...

    async def edit(self, target: TriageTarget, message_ref: str, reply: Reply) -> Published:
        """Replace the message ``message_ref`` with ``reply``."""
        ...

    async def find(self, target: TriageTarget, key: str, since: datetime) -> str | None:
        """The id of a card with ``key`` posted since ``since``, if the platform can tell."""
        ...


def retry_delay(attempts: int) -> timedelta:
    return backoff(attempts, first=FIRST_RETRY, longest=LONGEST_RETRY)


class TriageJob:
    """Start it once (:meth:`start`), stop it at shutdown (:meth:`stop`); tests call
    :meth:`tick`."""

    def __init__(
        self,
        board: SqlTriageBoard,
        source: TriageSource,
        publishers: Mapping[str, CardPublisher],
        clock: Callable[[], datetime],
        *,
        tick_seconds: float = 2.0,
        observe: Callable[[str], None] | None = None,
    ) -> None:
        self.board = board
        self.source = source
        self.publishers = dict(publishers)
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._observe = observe  # metrics: "posted", "edited", "unchanged", "retry", "failed"
        self._choices: TriageChoices | None = None
        self._choices_until: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> int:
        """One round: every due card handled once; the number of posts and edits made."""
        if not self.publishers:
            return 0
        due = await asyncio.to_thread(self.board.claim_due, self.clock(), tuple(self.publishers))
        done = 0
        for card in due:
            try:
                done += await self._handle(card)
            except Exception as exc:
                log.exception("triage card round crashed ticket=%s", card.ticket_id)
                await self._failed(card, f"{type(exc).__name__}: {exc}", nothing_posted=False)
        return done

    async def _handle(self, card: DueCard) -> int:
        publisher = self.publishers[card.target.platform]
        try:
            view = await asyncio.to_thread(self.source.view, card.ticket_id)
            choices = await self._current_choices()
        except Exception as exc:
            log.warning("triage card: ticket not read ticket=%s: %s", card.ticket_id, exc)
            await self._failed(card, f"ticket not read: {exc}", nothing_posted=False)
            return 0
        if view is None:
            log.info("triage card: ticket is gone ticket=%s", card.ticket_id)
            await asyncio.to_thread(self.board.rendered, card, card.fingerprint)
            return 0
        view = replace(
            view,
            requester=view.requester or card.requester,
            company=view.company if view.company and not view.company.isdigit() else card.company,
        )
        reply = triage_reply(view, choices)
        shown = fingerprint(reply)
        message_ref = card.message_ref
        if message_ref is None:
            message_ref = await self._adopt(publisher, card) if card.posting_since else None
            if message_ref is None:
                return await self._post(publisher, card, reply, shown)
            card = replace(card, message_ref=message_ref, fingerprint=None)
        if shown == card.fingerprint:
            await asyncio.to_thread(self.board.rendered, card, shown)
            self._count("unchanged")
            return 0
        result = await publisher.edit(card.target, message_ref, reply)
        if result.outcome == "ok":
            await asyncio.to_thread(self.board.rendered, card, shown)
            log.info("triage card edited ticket=%s platform=%s", card.ticket_id, publisher.platform)
            self._count("edited")
            return 1
        await self._failed(card, result.why, nothing_posted=True, gone=result.outcome == "gone")
        return 0

    async def _adopt(self, publisher: CardPublisher, card: DueCard) -> str | None:
        """After an interrupted post: the card's id if the platform shows it was posted."""
        assert card.posting_since is not None
        found = await publisher.find(card.target, card.key, card.posting_since)
        if found is None:
            log.warning(
                "triage card post was interrupted before; posting again ticket=%s platform=%s",
                card.ticket_id,
                publisher.platform,
            )
            return None
        log.warning("triage card found posted after an interrupted post ticket=%s", card.ticket_id)
        await asyncio.to_thread(self.board.adopted, card, found)
        return found

    async def _post(self, publisher: CardPublisher, card: DueCard, reply: Reply, shown: str) -> int:
        if not await asyncio.to_thread(self.board.posting, card, self.clock()):
            return 0
        result = await publisher.post(card.target, reply, card.key)
        if result.outcome == "ok" and result.message_ref:
            await asyncio.to_thread(self.board.posted, card, result.message_ref, shown)
            log.info("triage card posted ticket=%s platform=%s", card.ticket_id, publisher.platform)
            self._count("posted")
            return 1
        await self._failed(
            card, result.why or "no message id", nothing_posted=True, gone=result.outcome == "gone"
        )
        return 0

    async def _failed(
        self, card: DueCard, why: str, *, nothing_posted: bool, gone: bool = False
    ) -> None:
        attempts = card.attempts + 1
        retry_at: datetime | None = None
        if gone or attempts >= MAX_ATTEMPTS:
            log.error(
                "triage card given up ticket=%s after %d attempts: %s",
                card.ticket_id,
                attempts,
                why,
            )
            self._count("failed")
        else:
            delay = retry_delay(attempts)
            retry_at = self.clock() + delay
            log.warning(
                "triage card failed ticket=%s attempt=%d, retry in %ds: %s",
                card.ticket_id,
                attempts,
                delay.total_seconds(),
                why,
            )
            self._count("retry")
        try:
            await asyncio.to_thread(
                self.board.failed, card, why, retry_at=retry_at, nothing_posted=nothing_posted
            )
        except Exception:
            log.exception("triage card failure not recorded ticket=%s", card.ticket_id)

    async def _current_choices(self) -> TriageChoices:
        now = self.clock()
        if self._choices is None or self._choices_until is None or now >= self._choices_until:
            self._choices = await asyncio.to_thread(self.source.choices)
            self._choices_until = now + CHOICES_TTL
        return self._choices

    def _count(self, outcome: str) -> None:
        if self._observe is not None:
            self._observe(outcome)

    # -- running --------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="triage")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("triage round failed")
            await asyncio.sleep(self.tick_seconds)
