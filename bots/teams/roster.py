"""Who a Teams member is, for the core: name and e-mail / UPN from the conversation's roster
(``TeamsInfo.get_member``), cached."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema.teams import TeamsChannelAccount

from bots.teams.errors import CONNECTOR_ERRORS, reason
from bots.teams.translate import user_ref
from core.messages import UserRef

log = logging.getLogger(__name__)

# (turn context, member id) -> the member as the roster knows them.
FetchMember = Callable[[TurnContext, str], Awaitable[TeamsChannelAccount]]


async def _fetch_from_roster(turn_context: TurnContext, member_id: str) -> TeamsChannelAccount:
    return await TeamsInfo.get_member(turn_context, member_id)


class Roster:
    """Roster lookups behind a bounded, expiring cache (one call per person per ``ttl``).

    A failed lookup is not cached: the person gets a reference without an e-mail this time
    (the core explains what it can't do without one) and the next message tries again.
    """

    def __init__(
        self,
        fetch: FetchMember = _fetch_from_roster,
        *,
        ttl_seconds: float = 3600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._cache: OrderedDict[tuple[str, str], tuple[float, UserRef]] = OrderedDict()

    def known(self, member_id: str, name: str, tenant_id: str) -> UserRef:
        """The member as last looked up, without asking the roster (when there is no turn to
        ask in); a reference without an e-mail if they are not in the cache."""
        cached = self._cached((tenant_id, member_id))
        return cached if cached is not None else user_ref(member_id, name)

    async def lookup(
        self, turn_context: TurnContext, member_id: str, name: str, tenant_id: str
    ) -> UserRef:
        key = (tenant_id, member_id)
        cached = self._cached(key)
        if cached is not None:
            return cached
        try:
            member = await self._fetch(turn_context, member_id)
        except CONNECTOR_ERRORS as exc:
            log.warning("Teams roster lookup failed member=%s: %s", member_id, reason(exc))
            return user_ref(member_id, name)
        except (TypeError, ValueError) as exc:  # no connector on this turn (emulator, tests)
            log.warning("Teams roster unavailable member=%s: %s", member_id, exc)
            return user_ref(member_id, name)
        email = member.email or member.user_principal_name
        user = user_ref(member_id, member.name or name, email)
        if user.email is None:
            log.warning("Teams roster gave no e-mail or UPN member=%s", member_id)
        self._cache[key] = (self._clock() + self._ttl, user)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return user

    def _cached(self, key: tuple[str, str]) -> UserRef | None:
        cached = self._cache.get(key)
        if cached is None or cached[0] <= self._clock():
            return None
        self._cache.move_to_end(key)
        return cached[1]
