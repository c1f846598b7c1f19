"""Files on Autotask tickets: ``POST /V1.0/Tickets/{id}/Attachments`` with a
``TicketAttachmentModel`` body (the file base64-encoded in ``data``).

Autotask's API takes one file of at most "6 to 7 MB" and 10,000,000 bytes per five minutes per
integration; past either it answers an error, which reaches the person in Autotask's words. A
post whose answer never came is looked for (same title on the same ticket) before it is sent
again, so a retry never attaches a file twice.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable

from core.attachments import AttachmentRejected, human_size
from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.query import eq
from core.backends.http import Rejected, WriteOutcomeUnknown, plain_words

log = logging.getLogger("ticketbot.autotask")

ENTITY = "TicketAttachments"
ATTACHMENT_TYPE = "FILE_ATTACHMENT"
PUBLISH_ALL_USERS = 1  # the attachment's "publish" picklist: 1 All Autotask Users
TITLE_MAX = 255
MAX_BYTES = 6_000_000  # the lower end of the documented "6 to 7 MB" per file
SETTLE_SECONDS = 2.0


def attachment_body(ticket_id: int, name: str, data: bytes) -> dict[str, object]:
    """The ``TicketAttachmentModel`` fields a file attachment needs."""
    return {
        "parentID": ticket_id,
        "title": name[:TITLE_MAX],
        "fullPath": name,
        "data": base64.b64encode(data).decode("ascii"),
        "attachmentType": ATTACHMENT_TYPE,
        "publish": PUBLISH_ALL_USERS,
    }


def attach_file(
    client: AutotaskClient,
    ticket_id: int,
    name: str,
    data: bytes,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Attach ``data`` as ``name`` to ticket ``ticket_id``. Raises
    :class:`AttachmentRejected` with the reason when Autotask refuses the file."""
    if len(data) > MAX_BYTES:
        raise AttachmentRejected(
            f"it is {human_size(len(data))}; Autotask takes files up to {human_size(MAX_BYTES)}",
            detail=f"attachment of {len(data)} bytes over Autotask's limit",
        )
    body = attachment_body(ticket_id, name, data)
    path = f"Tickets/{ticket_id}/Attachments"
    for attempt in range(2):
        try:
            client.request("POST", path, body=body)
            return
        except WriteOutcomeUnknown as exc:
            log.warning("autotask attachment: outcome unknown (%s); looking for it", exc.detail)
            sleep(SETTLE_SECONDS)
            if _attached(client, ticket_id, str(body["title"])):
                return
            if attempt == 1:
                raise
        except Rejected as exc:
            said = plain_words(list(exc.messages)).rstrip(".")
            raise AttachmentRejected(
                f"Autotask refused it: {said}" if said else "Autotask refused it",
                detail=exc.detail,
            ) from exc
    raise AssertionError("unreachable")  # the loop returns or raises on its last attempt


def _attached(client: AutotaskClient, ticket_id: int, title: str) -> bool:
    rows = client.query_all(ENTITY, [eq("parentID", ticket_id)], include=("title",))
    return any(row.text("title") == title for row in rows)
