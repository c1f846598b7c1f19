"""Where a Slack request came from, and so where its answers go."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from core.messages import ConversationRef

PLATFORM = "slack"
PRIVATE_PREFIX = "private:"
ACTIONS_BLOCK_PREFIX = "ticketbot.actions"
BLOCK_ID_MAX = 255


def private_key(user_id: str) -> str:
    """The conversation key of one person's private surface in a channel (their slash
    commands and shortcuts, answered ephemerally): nobody else's history mixes in."""
    return f"{PRIVATE_PREFIX}{user_id}"


def actions_block_id(number: int, conversation_key: str | None) -> str:
    """The ``block_id`` of a card's actions block. It carries the conversation key so a click
    on an ephemeral card (whose payload names no thread) finds its conversation again."""
    block_id = f"{ACTIONS_BLOCK_PREFIX}.{number}"
    if conversation_key:
        block_id = f"{block_id}|{conversation_key}"
    return block_id[:BLOCK_ID_MAX]


def conversation_key_from_block_id(block_id: str | None) -> str | None:
    """The conversation key :func:`actions_block_id` put into a block id, if any."""
    if not block_id or not block_id.startswith(ACTIONS_BLOCK_PREFIX):
        return None
    _, sep, key = block_id.partition("|")
    return key if sep and key else None


@dataclass(frozen=True)
class Destination:
    """How to answer one request.

    - ``channel_id`` / ``thread_ts``: where new messages go (``chat.postMessage``); no channel
      means App Home, answered in the person's DM with the bot.
    - ``conversation_key``: the :attr:`ConversationRef.thread_id` the core keys history on.
    - ``response_url``: set for private surfaces (slash commands, shortcuts, ephemeral cards):
      answers go there, visible only to the person.
    - ``source_ts`` / ``source_ephemeral``: the message whose button was clicked, for replies
      that replace it.
    """

    team_id: str
    user_id: str
    channel_id: str | None = None
    thread_ts: str | None = None
    conversation_key: str | None = None
    response_url: str | None = None
    source_ts: str | None = None
    source_ephemeral: bool = False
    from_home: bool = False

    def conversation(self) -> ConversationRef:
        """The core's view of this conversation (the channel must be known by now)."""
        if self.channel_id is None:
            raise ValueError("destination has no channel yet")
        return ConversationRef(
            platform=PLATFORM,
            tenant_id=self.team_id,
            channel_id=self.channel_id,
            thread_id=self.conversation_key,
        )

    def in_channel(self, channel_id: str) -> Destination:
        return replace(self, channel_id=channel_id)

    def compact(self) -> dict[str, Any]:
        """A small dict for a modal's ``private_metadata`` (defaults left out)."""
        data = {
            "team": self.team_id,
            "user": self.user_id,
            "channel": self.channel_id,
            "thread": self.thread_ts,
            "conversation": self.conversation_key,
            "response_url": self.response_url,
            "source_ts": self.source_ts,
            "source_ephemeral": self.source_ephemeral or None,
            "from_home": self.from_home or None,
        }
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_compact(cls, compact: dict[str, Any]) -> Destination:
        """Read :meth:`compact`'s dict, or the one-letter keys of modals opened before."""
        data = {_LEGACY.get(key, key): value for key, value in compact.items()}
        return cls(
            team_id=str(data["team"]),
            user_id=str(data["user"]),
            channel_id=data.get("channel"),
            thread_ts=data.get("thread"),
            conversation_key=data.get("conversation"),
            response_url=data.get("response_url"),
            source_ts=data.get("source_ts"),
            source_ephemeral=bool(data.get("source_ephemeral", False)),
            from_home=bool(data.get("from_home", False)),
        )


_LEGACY = {
    "t": "team",
    "u": "user",
    "c": "channel",
    "th": "thread",
    "k": "conversation",
    "r": "response_url",
    "s": "source_ts",
    "e": "source_ephemeral",
    "h": "from_home",
}
