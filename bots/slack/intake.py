"""A Slack request as the inbox keeps it before Slack is acknowledged: the :class:`Inbound`
(who and where by Slack id, the text or the click, the files still to download) and the
card values already lost, as JSON. Any process with the Slack adapter reads it back and
finishes what the receiver started (looking the person up, downloading the files)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bots.slack.destination import Destination
from bots.slack.files import SlackFile
from bots.slack.translate import Inbound


def intake_to_json(inbound: Inbound, missing: Sequence[str] = ()) -> str:
    """``inbound`` (and the card values ``missing`` from it) as a JSON object."""
    data: dict[str, Any] = {
        "event_id": inbound.event_id,
        "destination": inbound.destination.compact(),
        "received_at": inbound.received_at.isoformat(),
        "text": inbound.text,
        "action_id": inbound.action_id,
        "values": dict(inbound.values),
        "mentioned": list(inbound.mentioned),
        "files": [asdict(f) for f in inbound.files],
        "missing": list(missing),
    }
    return json.dumps(data, ensure_ascii=False)


def intake_from_json(raw: str) -> tuple[Inbound, list[str]]:
    """What :func:`intake_to_json` wrote. Raises ``ValueError`` for anything else."""
    try:
        data = json.loads(raw)
        inbound = Inbound(
            event_id=str(data["event_id"]),
            destination=Destination.from_compact(data["destination"]),
            received_at=datetime.fromisoformat(data["received_at"]),
            text=data.get("text"),
            action_id=data.get("action_id"),
            values=MappingProxyType({str(k): str(v) for k, v in data["values"].items()}),
            mentioned=tuple(str(m) for m in data["mentioned"]),
            files=tuple(SlackFile(**f) for f in data["files"]),
        )
        return inbound, [str(m) for m in data["missing"]]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"not a Slack intake: {type(exc).__name__}") from exc
