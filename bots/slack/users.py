"""Who a Slack user is, for the core: ``users.info`` (e-mail, name), cached."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.destination import PLATFORM
from bots.slack.errors import SLACK_CALL_ERRORS, reason
from core.messages import UserRef

log = logging.getLogger(__name__)


class UserDirectory:
    """``users.info`` behind a bounded, expiring cache (one call per person per ``ttl``).

    A failed lookup is not cached: the person gets a reference without an e-mail this time
    (the core then explains it can't find them) and the next message tries again.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl_seconds: float = 3600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, UserRef]] = OrderedDict()

    async def lookup(self, user_id: str) -> UserRef:
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > self._clock():
            self._cache.move_to_end(user_id)
            return cached[1]
        try:
            response = await self._client.users_info(user=user_id)
        except SLACK_CALL_ERRORS as exc:
            log.warning("users.info failed user=%s: %s", user_id, reason(exc))
            return UserRef(PLATFORM, user_id)
        data = response.get("user") or {}
        profile = data.get("profile") or {}
        user = UserRef(
            platform=PLATFORM,
            user_id=user_id,
            display_name=str(
                profile.get("display_name")
                or profile.get("real_name")
                or data.get("real_name")
                or data.get("name")
                or ""
            ),
            email=profile.get("email") or None,
        )
        if user.email is None:
            log.warning("users.info gave no e-mail user=%s (scope users:read.email?)", user_id)
        self._cache[user_id] = (self._clock() + self._ttl, user)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return user

    async def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """The names to show for ``user_ids`` (those Slack gives one for; others are left out)."""
        found: dict[str, str] = {}
        for user_id in user_ids:
            name = (await self.lookup(user_id)).display_name
            if name:
                found[user_id] = name
        return found
