"""Autotask ticket webhooks: checking a callout (HMAC-SHA1 of the raw body with the webhook's
SecretKey, ``X-Hook-Signature: sha1=<base64>`` as Autotask documents it), reading it as a
"ticket touched" signal, and installing / inspecting / removing the webhook through the API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from core.backends.autotask.client import AutotaskClient
from core.backends.http import Rejected
from core.backends.parsing import Item, item_of, parse_time
from core.updates.model import TicketTouched

SIGNATURE_HEADER = "X-Hook-Signature"
SIGNATURE_PREFIX = "sha1="
TICKET_WEBHOOKS = "TicketWebhooks"
NOTE_WEBHOOKS = "TicketNoteWebhooks"
WEBHOOK_FIELDS = "TicketWebhookFields"
WEBHOOK_NAME = "ticketbot updates"
STATE_NAME = "webhook:autotask"
SECRET_LENGTH = 48  # Autotask takes up to 64 characters
# Ticket fields whose change should call the bot (Autotask field ids, read from the API).
SUBSCRIBED_TICKET_FIELDS = ("status", "assignedResourceID", "lastActivityDate")


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hook-Signature`` value Autotask sends for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()
    return SIGNATURE_PREFIX + base64.b64encode(digest).decode("ascii")


def verify(body: bytes, header: str | None, secret: str) -> bool:
    """True only for the documented form with the right digest (compared in constant time)."""
    if not header or not secret:
        return False
    return hmac.compare_digest(
        header.strip().encode("ascii", "replace"), sign(body, secret).encode()
    )


@dataclass(frozen=True)
class InstalledWebhook:
    """What the bot keeps about the webhook it created."""

    webhook_id: int
    guid: str
    secret: str
    url: str
    note_webhook_id: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | None) -> InstalledWebhook | None:
        if not raw:
            return None
        data = json.loads(raw)
        return cls(**data)


class CalloutRefused(ValueError):
    """A callout that is not one of ours (wrong Guid, not a ticket, unreadable)."""


def read_callout(body: bytes, guid: str) -> TicketTouched:
    """The signal in a verified callout body; :class:`CalloutRefused` otherwise."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CalloutRefused("body is not JSON") from exc
    if not isinstance(data, Mapping):
        raise CalloutRefused("body is not an object")
    if str(data.get("Guid", "")).casefold() != guid.casefold():
        raise CalloutRefused("Guid is not the installed webhook's")
    entity = str(data.get("EntityType", ""))
    fields = data.get("Fields") if isinstance(data.get("Fields"), Mapping) else {}
    assert isinstance(fields, Mapping)
    if entity.casefold() == "ticket":
        ticket_id = _integer(data.get("Id"))
    elif entity.casefold() == "ticketnote":
        found = {str(k).casefold(): v for k, v in fields.items()}.get("ticketid")
        ticket_id = _integer(found)
    else:
        raise CalloutRefused(f"entity {entity!r} is not a ticket")
    if ticket_id is None:
        raise CalloutRefused("no ticket id")
    at = parse_time(data.get("EventTime"))
    if at is None:
        raise CalloutRefused("no EventTime")
    sequence = data.get("SequenceNumber")
    person = data.get("PersonID")
    return TicketTouched(
        backend="autotask",
        ticket_id=ticket_id,
        at=at,
        sequence=f"{entity.casefold()}:{sequence if sequence is not None else at.isoformat()}",
        source="webhook",
        actor=str(person) if person is not None else None,
    )


def _field_key(name: str) -> str:
    """``Assigned Resource``, ``assignedResourceID`` -> ``assignedresource``."""
    key = name.replace(" ", "").casefold()
    return key[:-2] if key.endswith("id") else key


def _integer(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class WebhookAdmin:
    """``ticketbot webhooks install|status|remove`` through the REST API."""

    def __init__(self, client: AutotaskClient) -> None:
        self._client = client

    def install(self, url: str, notify_email: str) -> InstalledWebhook:
        secret = secrets.token_urlsafe(SECRET_LENGTH)[:SECRET_LENGTH]
        body = {
            "name": WEBHOOK_NAME,
            "webhookUrl": url,
            "deactivationUrl": url,
            "secretKey": secret,
            "isActive": True,
            "isSubscribedToCreateEvents": False,
            "isSubscribedToUpdateEvents": True,
            "isSubscribedToDeleteEvents": False,
            "notificationEmailAddress": notify_email,
            "sendThresholdExceededNotification": True,
        }
        answer = self._client.request("POST", TICKET_WEBHOOKS, body=body)
        webhook_id = int(answer["itemId"])
        for field_id in self._field_ids(SUBSCRIBED_TICKET_FIELDS):
            self._client.request(
                "POST",
                f"{TICKET_WEBHOOKS}/{webhook_id}/Fields",
                body={"webhookID": webhook_id, "fieldID": field_id, "isSubscribedField": True},
            )
        note_id = self._note_webhook(url, secret, notify_email)
        item = self._read(TICKET_WEBHOOKS, webhook_id)
        guid = item.text("webhookGUID") if item is not None else None
        return InstalledWebhook(webhook_id, guid or "", secret, url, note_id)

    def status(self, installed: InstalledWebhook) -> Mapping[str, Any] | None:
        """The webhook as Autotask reports it (None when it is gone)."""
        item = self._read(TICKET_WEBHOOKS, installed.webhook_id)
        if item is None:
            return None
        return {
            "active": bool(item.get("isActive")),
            "ready": bool(item.get("isReady")),
            "url": item.text("webhookUrl"),
            "guid_matches": (item.text("webhookGUID") or "").casefold()
            == installed.guid.casefold(),
        }

    def remove(self, installed: InstalledWebhook) -> None:
        for entity, webhook_id in (
            (TICKET_WEBHOOKS, installed.webhook_id),
            (NOTE_WEBHOOKS, installed.note_webhook_id),
        ):
            if webhook_id is None:
                continue
            try:
                self._client.request("DELETE", f"{entity}/{webhook_id}")
            except Rejected as exc:
                if exc.status != 404:
                    raise

    def _note_webhook(self, url: str, secret: str, notify_email: str) -> int | None:
        """Ticket-note webhooks where the tenant offers them (None when it does not)."""
        body = {
            "name": WEBHOOK_NAME + " (notes)",
            "webhookUrl": url,
            "deactivationUrl": url,
            "secretKey": secret,
            "isActive": True,
            "isSubscribedToCreateEvents": True,
            "isSubscribedToUpdateEvents": False,
            "isSubscribedToDeleteEvents": False,
            "notificationEmailAddress": notify_email,
            "sendThresholdExceededNotification": True,
        }
        try:
            answer = self._client.request("POST", NOTE_WEBHOOKS, body=body)
        except Rejected as exc:
            if exc.status in (404, 405):
                return None
            raise
        return int(answer["itemId"])

    def _field_ids(self, names: tuple[str, ...]) -> list[int]:
        """Autotask's ids of the ticket fields ``names`` that may trigger a webhook: the
        ``fieldID`` picklist of ``TicketWebhookFields`` (labels compared without spaces)."""
        answer = self._client.get(f"{WEBHOOK_FIELDS}/entityInformation/fields")
        wanted = {_field_key(name) for name in names}
        found = []
        for raw in answer.get("fields") or []:
            field = Item(raw)
            if (field.text("name") or "").casefold() != "fieldid":
                continue
            for choice in field.get("picklistValues") or []:
                value = Item(choice)
                if _field_key(value.text("label") or "") in wanted:
                    number = value.integer("value")
                    if number is not None:
                        found.append(number)
        return found

    def _read(self, entity: str, webhook_id: int) -> Item | None:
        try:
            return item_of(self._client.get(f"{entity}/{webhook_id}"))
        except Rejected as exc:
            if exc.status == 404:
                return None
            raise
