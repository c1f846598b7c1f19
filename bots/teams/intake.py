"""A Teams message as the inbox keeps it before the Bot Framework's request is answered: the
:class:`Inbound` (who by account id, the text or the submitted card, the files still to
download) as JSON. Any process with the Teams adapter reads it back and finishes what the
receiver started (looking the person up in the roster, downloading the files)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bots.teams.files import TeamsFile
from bots.teams.translate import Inbound
from core.messages import ConversationRef


def intake_to_json(inbound: Inbound) -> str:
    """``inbound`` as a JSON object."""
    data: dict[str, Any] = {
        "event_id": inbound.event_id,
        "conversation": vars(inbound.conversation),
        "account_id": inbound.account_id,
        "account_name": inbound.account_name,
        "received_at": inbound.received_at.isoformat(),
        "text": inbound.text,
        "action_id": inbound.action_id,
        "values": dict(inbound.values),
        "source_activity_id": inbound.source_activity_id,
        "files": [asdict(f) for f in inbound.files],
    }
    return json.dumps(data, ensure_ascii=False)


def intake_from_json(raw: str) -> Inbound:
    """What :func:`intake_to_json` wrote. Raises ``ValueError`` for anything else."""
    try:
        data = json.loads(raw)
        return Inbound(
            event_id=str(data["event_id"]),
            conversation=ConversationRef(**data["conversation"]),
            account_id=str(data["account_id"]),
            account_name=str(data["account_name"]),
            received_at=datetime.fromisoformat(data["received_at"]),
            text=data.get("text"),
            action_id=data.get("action_id"),
            values=MappingProxyType({str(k): str(v) for k, v in data["values"].items()}),
            source_activity_id=data.get("source_activity_id"),
            files=tuple(TeamsFile(**f) for f in data["files"]),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"not a Teams intake: {type(exc).__name__}") from exc
