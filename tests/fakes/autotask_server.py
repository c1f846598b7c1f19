"""A loopback Autotask REST API for tests: real HTTP on 127.0.0.1, standard library only.

It follows Autotask's documented REST contract strictly:

- ``GET /atservicesrest/v1.0/zoneInformation?user=`` answers the zone (no auth), or
  ``{"errors": ["Zone information could not be determined"]}`` for an unknown user.
- Every ``/ATServicesRest/V1.0/...`` call needs ``ApiIntegrationCode``, ``UserName`` and
  ``Secret``: a wrong secret gives 401, a wrong user name or integration code gives 500.
- Answers use the documented envelopes (``item``, ``items`` + ``pageDetails``, ``itemId``,
  ``fields``, ``queryCount``) and camelCase keys; times are UTC without an offset.
- Queries enforce ``MaxRecords`` 1..500 and page at 500 (``nextPageUrl`` POSTed with the same
  body works too); an unknown filter operator is *ignored* (rows come back unfiltered, as the real
  API does) and an unknown field name gives 500.
- Errors are ``{"errors": [...]}``: a missing required field, an inactive picklist value, an
  unknown company or contact all answer 500 with a message naming the field.
- Every request body's field names and value types are checked against the Ticket, TicketNote,
  Contact, Resource, TicketCategory, TicketCategoryFieldDefaults, TicketAttachment and Query
  models of the Swagger document (their fields are kept in ``tests/data/autotask_models.json``,
  written by ``bench/autotask_models.py``); an unknown name is answered 500 and recorded in
  :attr:`FakeAutotask.violations` (the tests assert it stays empty), a value of the wrong type is
  recorded. Filter items are checked against the Filter model (recorded only: the real API drops
  the names it does not know).
- ``ImpersonationResourceId`` (recorded with every request, :attr:`Recorded.impersonation`) must
  name an active resource whose security level allows impersonation (Autotask's "can be
  impersonated" permission of the security level); otherwise the request is refused with 500 and
  a message about the impersonation (Autotask documents no exact text). A write made as a
  resource is refused (500, "permission") when its security level may not make it, and notes and
  tickets record the resource (``creatorResourceID`` / ``lastActivityResourceID``) and the API
  user as ``impersonatorCreatorResourceID``.
- Assigning a ticket needs ``assignedResourceID`` with ``assignedResourceRoleID``, the pair one of
  the resource's active ``ResourceServiceDeskRoles``.

Faults (:meth:`FakeAutotask.fail`) make it answer an error, drop the connection before or after
doing the work, or hang after doing it, so tests can drive the client's retry and recovery paths.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import JsonHandler, LoopbackServer

MODELS_PATH = Path(__file__).resolve().parents[1] / "data" / "autotask_models.json"
VALID_OPS = {
    op.lower(): op
    for op in (
        "eq",
        "noteq",
        "gt",
        "gte",
        "lt",
        "lte",
        "beginsWith",
        "endsWith",
        "contains",
        "exist",
        "notExist",
        "in",
        "notIn",
    )
}
API_PREFIX = "/atservicesrest/v1.0/"
ZONE_PATH = "/atservicesrest/v1.0/zoneinformation"
AUTH_500_BODY = {"errors": ["An unexpected error has occurred."]}
READ_ONLY_TICKET_FIELDS = {
    "id",
    "ticketNumber",
    "createDate",
    "lastActivityDate",
    "creatorResourceID",
}


@functools.lru_cache(maxsize=1)
def _model_fields() -> dict[str, dict[str, str]]:
    """Entity -> Swagger property name -> its type, from the in-repo extract."""
    raw = json.loads(MODELS_PATH.read_text(encoding="utf-8"))
    return {entity: dict(model["fields"]) for entity, model in raw.items()}


def load_models() -> dict[str, dict[str, str]]:
    """For each entity, lower-case property name -> camelCase name, from the Swagger models."""
    return {
        entity: {name.lower(): _camel(name) for name in fields}
        for entity, fields in _model_fields().items()
    }


def model_types() -> dict[str, dict[str, str]]:
    """For each entity, lower-case property name -> Swagger type (``integer``, ``string``,
    ``date-time``, ``boolean``, ``number``, ``array``, ``object``)."""
    return {
        entity: {name.lower(): kind for name, kind in fields.items()}
        for entity, fields in _model_fields().items()
    }


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _now_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str  # after /ATServicesRest/V1.0/ (or the zone lookup path)
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    @property
    def impersonation(self) -> str | None:
        """The ``ImpersonationResourceId`` header the request carried."""
        found = {key.lower(): value for key, value in self.headers.items()}
        return found.get("impersonationresourceid")


@dataclass(frozen=True)
class SecurityLevel:
    """What a resource's security level allows, as far as the fake enforces it."""

    can_be_impersonated: bool = True
    may_edit_tickets: bool = True
    may_add_notes: bool = True


DEFAULT_ROLE = 29683500  # the "Technician" service desk role every seeded resource has


@dataclass
class Fault:
    """A scripted misbehaviour for the next ``times`` requests matching ``method`` and ``path``.

    ``mode``: ``status`` (answer ``status``/``body`` without doing the work; a ``str`` body is
    sent as an HTML page, the way a proxy or IIS answers an outage), ``drop`` (close the
    connection without doing the work), ``drop_after`` (do the work, then close without an
    answer), ``hang_after`` (do the work, then hold the answer until the fake stops or
    :meth:`FakeAutotask.release` is called)."""

    method: str
    path: re.Pattern[str]
    mode: str
    times: int = 1
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Picklist:
    values: list[tuple[int, str, bool, bool]]  # value, label, active, default


def default_ticket_picklists() -> dict[str, Picklist]:
    return {
        "status": Picklist(
            [
                (1, "New", True, True),
                (5, "Complete", True, False),
                (7, "Waiting Customer", True, False),
                (8, "In Progress", True, False),
                (12, "Dispatched", False, False),
            ]
        ),
        # Autotask's own defaults: the integers are not in severity order.
        "priority": Picklist(
            [
                (1, "High", True, False),
                (2, "Medium", True, True),
                (3, "Low", True, False),
                (4, "Critical", True, False),
                (6, "Urgent (old)", False, False),
            ]
        ),
        "queueID": Picklist(
            [
                (29682833, "Client Portal", True, False),
                (29683354, "Level I Support", True, False),
                (29683355, "Level II Support", True, False),
                (8, "Retired Queue", False, False),
            ]
        ),
        "ticketType": Picklist([(1, "Service Request", True, True), (2, "Incident", True, False)]),
        "source": Picklist(
            [(2, "Phone", True, False), (4, "Email", True, False), (11, "Chat", True, False)]
        ),
        "issueType": Picklist([(3, "Hardware", True, False), (4, "Software", True, False)]),
    }


def default_note_picklists() -> dict[str, Picklist]:
    return {
        "noteType": Picklist([(1, "Task Summary", True, False), (3, "Task Detail", True, True)]),
        "publish": Picklist(
            [(1, "All Autotask Users", True, False), (2, "Internal Only", True, False)]
        ),
    }


class FakeAutotask:
    """The fake tenant: its data, its picklists, its faults and what it was asked."""

    def __init__(
        self,
        models: Mapping[str, Mapping[str, str]],
        *,
        username: str = "api-user@example.test",
        secret: str = "test-secret",
        integration_code: str = "TEST-INTEGRATION-CODE",
        web_url: str = "https://ww99.autotask.example/",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.models = {entity: dict(names) for entity, names in models.items()}
        self.types = model_types()
        self.username = username
        self.secret = secret
        self.integration_code = integration_code
        self.web_url = web_url
        self.clock = clock or (lambda: datetime.now(UTC))
        self.ticket_picklists = default_ticket_picklists()
        self.note_picklists = default_note_picklists()
        self.required_ticket_fields = ["companyID", "title", "status", "priority", "queueID"]
        self.required_note_fields = ["description", "noteType", "publish"]
        self.tickets: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self.categories: dict[int, dict[str, Any]] = {}
        self.category_defaults: dict[int, dict[str, Any]] = {}
        # category id -> ticket fields that category makes required on create (Autotask's
        # field list does not flag them: only the create's error names them).
        self.category_required: dict[int, list[str]] = {}
        # The ticketCategory picklist's default when it is not the isGlobalDefault category.
        self.category_picklist_default: int | None = None
        self.attachments: dict[int, dict[str, Any]] = {}
        self.attachment_data: dict[int, bytes] = {}
        # Autotask's API takes files of "6 to 7 MB"; the fake refuses past 7,000,000 bytes.
        self.attachment_max_bytes = 7_000_000
        self.contacts: dict[int, dict[str, Any]] = {}
        self.resources: dict[int, dict[str, Any]] = {}
        self.security_levels: dict[str, SecurityLevel] = {
            "Administrator": SecurityLevel(),
            "Technician": SecurityLevel(),
            "Not impersonable": SecurityLevel(can_be_impersonated=False),
            "Read only": SecurityLevel(may_edit_tickets=False, may_add_notes=False),
        }
        self.resource_levels: dict[int, str] = {}  # resource id -> security level name
        self.service_desk_roles: dict[int, dict[str, Any]] = {}
        self._acting = threading.local()  # the impersonated resource of the request handled
        self.companies: set[int] = {0}
        self.ids: dict[str, int] = {}  # names tests give to seeded rows ("alice" -> contact id)
        self.threshold = 10000
        self.threshold_used = 0
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.ignored_ops: list[str] = []
        self.max_in_flight: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        # Seconds each API request takes to answer (a slow tenant), and more for some requests
        # ("POST tickets": creating a ticket).
        self.delay = 0.0
        self.delays: dict[str, float] = {}
        self._faults: list[Fault] = []
        self._holds: dict[str, threading.Event] = {}
        self._request_holds: dict[str, tuple[threading.Event, threading.Event]] = {}
        self._release = threading.Event()
        self._lock = threading.RLock()
        self._ids = {
            "tickets": 48213,
            "ticketnotes": 9001,
            "contacts": 30682000,
            "resources": 29682900,
            "resourceservicedeskroles": 5000,
            "ticketcategories": 100,
            "ticketcategoryfielddefaults": 300,
            "ticketattachments": 700,
        }
        self._numbers: Counter[str] = Counter()
        self._server: LoopbackServer | None = None
        # updates: ticket webhooks (TicketWebhooks, their Fields and ExcludedResources).
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.webhook_fields: dict[int, dict[str, Any]] = {}
        self.webhook_excluded: dict[int, dict[str, Any]] = {}
        # TicketWebhookFields' fieldID picklist: the ticket fields a webhook may subscribe to.
        self.webhook_field_ids = {"Status": 4, "Assigned Resource": 7, "Last Activity Date": 12}
        self.note_webhooks = False  # a tenant without TicketNoteWebhooks answers 404
        self._ids.update({"ticketwebhooks": 700, "ticketwebhookfields": 800, "excluded": 900})
        self.api_resource_id = self.add_resource("api-user@example.test", "API", "User")
        # Autotask's built-in category, the tenant's default; its defaults fill no ticket field.
        self.ids["standard"] = self.add_category("Standard", global_default=True, status=1)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeAutotask:
        self._server = LoopbackServer(self)
        return self

    def stop(self) -> None:
        self._release.set()
        for event in self._holds.values():
            event.set()
        if self._server is not None:
            self._server.stop()

    @property
    def origin(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"{self._server.origin}"

    @property
    def api_url(self) -> str:
        """What the zone lookup answers as ``url`` (ends with a slash)."""
        return f"{self.origin}/ATServicesRest/"

    @property
    def zone_lookup_url(self) -> str:
        return f"{self.origin}/atservicesrest/v1.0/zoneInformation"

    # -- seeding ----------------------------------------------------------------------------

    def _next_id(self, entity: str) -> int:
        with self._lock:
            self._ids[entity] += 1
            return self._ids[entity]

    def add_company(self, company_id: int) -> int:
        self.companies.add(company_id)
        return company_id

    def add_contact(
        self,
        email: str,
        company_id: int,
        first: str = "Pat",
        last: str = "Example",
        *,
        email2: str | None = None,
        email3: str | None = None,
        active: bool = True,
    ) -> int:
        contact_id = self._next_id("contacts")
        self.companies.add(company_id)
        self.contacts[contact_id] = {
            "id": contact_id,
            "companyID": company_id,
            "firstName": first,
            "lastName": last,
            "emailAddress": email,
            "emailAddress2": email2,
            "emailAddress3": email3,
            "isActive": 1 if active else 0,
        }
        return contact_id

    def add_resource(
        self,
        email: str,
        first: str = "Tess",
        last: str = "Tech",
        *,
        active: bool = True,
        security_level: str = "Technician",
        role_id: int | None = DEFAULT_ROLE,
        default_role_on_resource: bool = True,
    ) -> int:
        """A resource with ``security_level`` and, unless ``role_id`` is None, one active
        default service desk role (also its ``defaultServiceDeskRoleID`` unless
        ``default_role_on_resource`` is False)."""
        resource_id = self._next_id("resources")
        self.resources[resource_id] = {
            "id": resource_id,
            "firstName": first,
            "lastName": last,
            "email": email,
            "email2": None,
            "email3": None,
            "isActive": active,
            "userName": email.split("@")[0],
            "defaultServiceDeskRoleID": role_id if default_role_on_resource else None,
        }
        self.resource_levels[resource_id] = security_level
        if role_id is not None:
            self.add_service_desk_role(resource_id, role_id, default=True)
        return resource_id

    def add_service_desk_role(
        self, resource_id: int, role_id: int, *, default: bool = False, active: bool = True
    ) -> int:
        row_id = self._next_id("resourceservicedeskroles")
        self.service_desk_roles[row_id] = {
            "id": row_id,
            "resourceID": resource_id,
            "roleID": role_id,
            "isDefault": default,
            "isActive": active,
        }
        return row_id

    def add_category(
        self,
        name: str,
        *,
        nickname: str | None = None,
        active: bool = True,
        global_default: bool = False,
        **defaults: Any,
    ) -> int:
        """A ticket category and its one ``TicketCategoryFieldDefaults`` row (``defaults`` by
        their camelCase model names, e.g. ``queueID=29683355``)."""
        category_id = self._next_id("ticketcategories")
        if global_default:
            for other in self.categories.values():
                other["isGlobalDefault"] = False
        self.categories[category_id] = {
            "id": category_id,
            "name": name,
            "nickname": nickname or name,
            "isActive": active,
            "isApiOnly": False,
            "isGlobalDefault": global_default,
            "displayColorRGB": 0,
        }
        model = self.models["ticketcategoryfielddefaults"]
        row: dict[str, Any] = {name: None for name in model.values() if name != "userDefinedFields"}
        row.update({"id": self._next_id("ticketcategoryfielddefaults")})
        row.update({model[key.lower()]: value for key, value in defaults.items()})
        row["ticketCategoryID"] = category_id
        self.category_defaults[row["id"]] = row
        return category_id

    def add_ticket(self, **fields: Any) -> int:
        """A ticket as if someone filed it in Autotask (defaults fill what is not given)."""
        created = fields.pop("created", None) or self.clock()
        ticket_id = self._next_id("tickets")
        record: dict[str, Any] = {
            "id": ticket_id,
            "ticketNumber": self._ticket_number(created),
            "title": "Seeded ticket",
            "description": "",
            "status": 1,
            "priority": 2,
            "queueID": 29683354,
            "companyID": 0,
            "contactID": None,
            "assignedResourceID": None,
            "createDate": _now_text(created),
            "lastActivityDate": _now_text(created),
            "externalID": None,
        }
        record.update(fields)
        self.tickets[ticket_id] = record
        return ticket_id

    def add_note(
        self,
        ticket_id: int,
        description: str,
        *,
        publish: int = 1,
        creator: int | None = None,
        title: str = "Update",
        created: datetime | None = None,
    ) -> int:
        moment = created or self.clock()
        note_id = self._next_id("ticketnotes")
        self.notes[note_id] = {
            "id": note_id,
            "ticketID": ticket_id,
            "title": title,
            "description": description,
            "noteType": 1,
            "publish": publish,
            "creatorResourceID": creator,
            "createDateTime": _now_text(moment),
        }
        self.tickets[ticket_id]["lastActivityDate"] = _now_text(moment)
        return note_id

    def _ticket_number(self, moment: datetime) -> str:
        day = moment.astimezone(UTC).strftime("%Y%m%d")
        with self._lock:
            self._numbers[day] += 1
            return f"T{day}.{self._numbers[day]:04d}"

    # -- faults and inspection --------------------------------------------------------------

    def fail(self, method: str, path: str, mode: str = "status", **options: Any) -> None:
        """Script a fault for requests whose API path fully matches the regex ``path``."""
        self._faults.append(Fault(method.upper(), re.compile(path, re.IGNORECASE), mode, **options))

    def hold(self, endpoint: str) -> threading.Event:
        """Hold requests to ``endpoint`` (``tickets``, ``tickets/notes``...) until the returned
        event is set."""
        event = threading.Event()
        self._holds[endpoint] = event
        return event

    def hold_request(self, method: str, path: str) -> tuple[threading.Event, threading.Event]:
        """Hold the next ``method path`` request (exactly that path, not its queries): the
        first event is set when it has arrived, the request goes on once the second is set."""
        pair = (threading.Event(), threading.Event())
        self._request_holds[f"{method.upper()} {path.lower()}"] = pair
        return pair

    def release(self) -> None:
        self._release.set()

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """Recorded requests, optionally by method and API path regex (full match)."""
        pattern = re.compile(path, re.IGNORECASE) if path else None
        return [
            r
            for r in list(self.requests)
            if (method is None or r.method == method.upper())
            and (pattern is None or pattern.fullmatch(r.path))
        ]

    def reset_log(self) -> None:
        self.requests.clear()

    # -- request handling -------------------------------------------------------------------

    def handle(self, handler: JsonHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        lowered = parts.path.lower()
        if lowered == ZONE_PATH:
            self.requests.append(Recorded(method, parts.path, query, dict(handler.headers), None))
            handler.answer(*self._zone(query))
            return
        if not lowered.startswith(API_PREFIX):
            handler.answer(404, {"errors": ["Not found"]})
            return
        path = parts.path[len(API_PREFIX) :].strip("/")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            handler.answer(500, {"errors": ["The request body is not valid JSON."]})
            return
        self.requests.append(Recorded(method, path, query, dict(handler.headers), body))
        denied = self._authenticate(handler)
        if denied is not None:
            handler.answer(*denied)
            return
        with self._lock:
            self.threshold_used += 1
        fault = self._take_fault(method, path)
        if fault is not None and fault.mode == "status":
            if isinstance(fault.body, str):  # a proxy's or the web server's own error page
                _answer_page(handler, fault.status, fault.body)
            else:
                handler.answer(fault.status, fault.body, fault.headers)
            return
        if fault is not None and fault.mode == "drop":
            handler.drop()
            return
        endpoint = _endpoint(path)
        with self._lock:
            self.in_flight[endpoint] += 1
            self.max_in_flight[endpoint] = max(
                self.max_in_flight[endpoint], self.in_flight[endpoint]
            )
        try:
            hold = self._holds.get(endpoint)
            if hold is not None:
                hold.wait(timeout=10)
            held = self._request_holds.pop(f"{method} {path.lower()}", None)
            if held is not None:
                held[0].set()
                held[1].wait(timeout=10)
            if self.delay > 0:
                time.sleep(self.delay)
            if self.delays.get(f"{method} {path.lower()}"):
                time.sleep(self.delays[f"{method} {path.lower()}"])
            status, answer = self._route(method, path, query, body)
        finally:
            with self._lock:
                self.in_flight[endpoint] -= 1
        if fault is not None and fault.mode == "drop_after":
            handler.drop()
            return
        if fault is not None and fault.mode == "hang_after":
            self._release.wait(timeout=10)
            handler.drop()
            return
        handler.answer(status, answer)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.method == method and fault.path.fullmatch(path):
                    fault.times -= 1
                    return fault
        return None

    def _zone(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        user = (query.get("user") or [""])[0]
        if user.lower() != self.username.lower():
            return 500, {"errors": ["Zone information could not be determined"]}
        return 200, {"zoneName": "Fake Zone", "url": self.api_url, "webUrl": self.web_url, "ci": 99}

    def _authenticate(self, handler: JsonHandler) -> tuple[int, Any] | None:
        headers = handler.headers
        if headers.get("UserName") != self.username:
            return 500, AUTH_500_BODY
        if headers.get("Secret") != self.secret:
            return 401, None
        if headers.get("ApiIntegrationCode") != self.integration_code:
            return 500, AUTH_500_BODY
        impersonation = headers.get("ImpersonationResourceId")
        self._acting.resource = None
        if impersonation is None:
            return None
        if not impersonation.isdigit() or int(impersonation) not in self.resources:
            return 500, {"errors": [f"Impersonation resource {impersonation} is not valid."]}
        resource_id = int(impersonation)
        if not self.resources[resource_id]["isActive"]:
            return 500, {"errors": [f"Impersonation resource {impersonation} is not active."]}
        if not self._level(resource_id).can_be_impersonated:
            return 500, {
                "errors": [
                    f"Impersonation of resource {impersonation} is not allowed by its "
                    "security level."
                ]
            }
        self._acting.resource = resource_id
        return None

    def _level(self, resource_id: int) -> SecurityLevel:
        return self.security_levels[self.resource_levels.get(resource_id, "Administrator")]

    def _acting_resource(self) -> int | None:
        return getattr(self._acting, "resource", None)

    def _may(self, permission: str) -> str | None:
        """A refusal when the impersonated resource's security level lacks ``permission``."""
        acting = self._acting_resource()
        if acting is None or getattr(self._level(acting), permission):
            return None
        return (
            f"The logged in resource ({acting}) does not have permission for this action "
            "(security level)."
        )

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        segments = path.split("/")
        lowered = [segment.lower() for segment in segments]
        entities = {
            "tickets",
            "ticketnotes",
            "contacts",
            "resources",
            "resourceservicedeskroles",
            "ticketcategories",
            "ticketcategoryfielddefaults",
            "ticketattachments",
        }
        if lowered == ["thresholdinformation"]:
            return self._only(method, "GET") or (200, self._threshold())
        if lowered[0] in ("ticketwebhooks", "ticketwebhookfields", "ticketnotewebhooks"):
            return self._webhook_route(method, lowered, body)  # updates:
        if len(lowered) >= 3 and lowered[-2:] == ["entityinformation", "fields"]:
            entity = (
                "ticketnotes" if lowered[:1] == ["tickets"] and "notes" in lowered else lowered[0]
            )
            return self._only(method, "GET") or (200, {"fields": self._fields(entity)})
        if lowered[0] in entities and len(lowered) >= 2 and lowered[1] == "query":
            entity = lowered[0]
            if len(lowered) == 3 and lowered[2] == "count":
                status, answer = self._query(
                    entity, body if method == "POST" else _search(query), query
                )
                if status != 200:
                    return status, answer
                return 200, {"queryCount": len(self._matching(entity, body or _search(query)))}
            if len(lowered) == 2:
                if method == "GET":
                    return self._query(entity, _search(query), query)
                return self._only(method, "POST") or self._query(entity, body, query)
        if lowered[0] in entities and len(lowered) == 2 and lowered[1].isdigit():
            return self._only(method, "GET") or (
                200,
                {"item": self._table(lowered[0]).get(int(lowered[1]))},
            )
        if (
            lowered[0] == "tickets"
            and len(lowered) == 3
            and lowered[1].isdigit()
            and lowered[2] == "notes"
        ):
            ticket_id = int(lowered[1])
            if method == "POST":
                return self._create_note(ticket_id, body)
            if method == "GET":
                items = [n for n in self.notes.values() if n["ticketID"] == ticket_id]
                return 200, {"items": items, "pageDetails": _page_details(len(items), 500, None)}
            return 405, {"errors": ["The requested resource does not support this method."]}
        if (
            lowered[0] == "tickets"
            and len(lowered) == 3
            and lowered[1].isdigit()
            and lowered[2] == "attachments"
        ):
            if method == "POST":
                return self._create_attachment(int(lowered[1]), body)
            return 405, {"errors": ["The requested resource does not support this method."]}
        if lowered == ["tickets"]:
            if method == "POST":
                return self._create_ticket(body)
            if method == "PATCH":
                return self._update_ticket(body)
            if method == "PUT":
                self.violations.append("PUT /Tickets nulls every field omitted; use PATCH")
                return 500, {"errors": ["PUT is not allowed by this test double."]}
            return 405, {"errors": ["The requested resource does not support this method."]}
        return 404, {"errors": [f"No route for {path}"]}

    @staticmethod
    def _only(method: str, allowed: str) -> tuple[int, Any] | None:
        if method != allowed:
            return 405, {"errors": ["The requested resource does not support this method."]}
        return None

    def _threshold(self) -> dict[str, Any]:
        return {
            "externalRequestThreshold": self.threshold,
            "requestThresholdTimeframe": 60,
            "currentTimeframeRequestCount": self.threshold_used,
        }

    def _table(self, entity: str) -> dict[int, dict[str, Any]]:
        return {
            "tickets": self.tickets,
            "ticketnotes": self.notes,
            "contacts": self.contacts,
            "resources": self.resources,
            "resourceservicedeskroles": self.service_desk_roles,
            "ticketcategories": self.categories,
            "ticketcategoryfielddefaults": self.category_defaults,
            "ticketattachments": self.attachments,
        }[entity]

    # -- entity information -----------------------------------------------------------------

    def _fields(self, entity: str) -> list[dict[str, Any]]:
        if entity not in ("tickets", "ticketnotes"):
            return []
        picklists = self.ticket_picklists if entity == "tickets" else self.note_picklists
        required = self.required_ticket_fields if entity == "tickets" else self.required_note_fields
        fields = []
        for name in self.models[entity].values():
            picklist = picklists.get(name)
            if entity == "tickets" and name == "ticketCategory":
                picklist = self._category_picklist()
            fields.append(
                {
                    "name": name,
                    "dataType": "integer" if picklist or name.endswith("ID") else "string",
                    "length": 0,
                    "isRequired": name in required,
                    "isReadOnly": name in READ_ONLY_TICKET_FIELDS,
                    "isQueryable": True,
                    "isReference": name.endswith("ID") and picklist is None,
                    "referenceEntityType": "",
                    "isPickList": picklist is not None,
                    "picklistValues": [
                        {
                            "value": str(value),
                            "label": label,
                            "isDefaultValue": default,
                            "sortOrder": index,
                            "parentValue": "",
                            "isActive": active,
                            "isSystem": True,
                        }
                        for index, (value, label, active, default) in enumerate(picklist.values)
                    ]
                    if picklist
                    else [],
                    "picklistParentValueField": "",
                    "isSupportedWebhookField": False,
                }
            )
        return fields

    def _category_picklist(self) -> Picklist:
        """The tickets' ``ticketCategory`` picklist: the categories, the global one default."""
        chosen = self.category_picklist_default
        return Picklist(
            [
                (
                    row["id"],
                    row["name"],
                    bool(row["isActive"]),
                    row["id"] == chosen if chosen is not None else bool(row["isGlobalDefault"]),
                )
                for row in self.categories.values()
            ]
        )

    # -- queries ----------------------------------------------------------------------------

    def _query(self, entity: str, body: Any, query: dict[str, list[str]]) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 500, {"errors": ["A query needs a body with a filter."]}
        problem = self._check_names("query", body, "query body")
        if problem:
            return 500, {"errors": [problem]}
        spec = {key.lower(): value for key, value in body.items()}
        max_records = spec.get("maxrecords", 500)
        if not isinstance(max_records, int) or not 1 <= max_records <= 500:
            return 500, {"errors": ["MaxRecords must be a number from 1 to 500."]}
        include = spec.get("includefields") or []
        model = self.models[entity]
        unknown = [name for name in include if str(name).lower() not in model]
        if unknown:
            self.violations.append(f"IncludeFields not in the {entity} model: {unknown}")
            return 500, {"errors": [f"Unknown field(s) in IncludeFields: {', '.join(unknown)}"]}
        filters = spec.get("filter")
        if not isinstance(filters, list) or not filters:
            return 500, {"errors": ["A query needs at least one filter item."]}
        try:
            rows = self._matching(entity, body)
        except _UnknownField as exc:
            return 500, {"errors": [f"Unable to find {exc.args[0]} in the {entity} entity."]}
        offset = int((query.get("paging") or ["0"])[0])
        page = rows[offset : offset + max_records]
        next_url = None
        if offset + max_records < len(rows):
            next_url = (
                f"{self.api_url}V1.0/{entity.capitalize()}/query?paging={offset + max_records}"
            )
        if include:
            wanted = {model[str(name).lower()] for name in include} | {"id"}
            page = [{key: value for key, value in row.items() if key in wanted} for row in page]
        return 200, {"items": page, "pageDetails": _page_details(len(page), max_records, next_url)}

    def _matching(self, entity: str, body: Any) -> list[dict[str, Any]]:
        spec = {key.lower(): value for key, value in body.items()}
        filters = spec.get("filter") or []
        predicate = self._compile({"op": "and", "items": filters}, entity)
        rows = sorted(self._table(entity).values(), key=lambda row: row["id"])
        return [dict(row) for row in rows if predicate(row)]

    def _compile(self, item: Any, entity: str) -> Callable[[dict[str, Any]], bool]:
        if not isinstance(item, dict):
            return lambda row: True
        spec = {key.lower(): value for key, value in item.items()}
        unknown = [key for key in item if key.lower() not in self.models.get("filter", spec)]
        if unknown:
            # The real API drops names it does not know, so such an item silently filters
            # by less than the client meant.
            self.violations.append(f"filter item: names not in the Swagger Filter model: {unknown}")
        op = str(spec.get("op", "")).lower()
        if op in ("and", "or"):
            parts = [self._compile(sub, entity) for sub in spec.get("items") or []]
            if op == "and":
                return lambda row: all(part(row) for part in parts)
            return lambda row: any(part(row) for part in parts) if parts else True
        if op not in VALID_OPS:
            # The real API ignores an operator it does not know: the rows come back unfiltered.
            self.ignored_ops.append(str(spec.get("op")))
            return lambda row: True
        name = str(spec.get("field", "")).lower()
        if name not in self.models[entity]:
            raise _UnknownField(spec.get("field"))
        column = self.models[entity][name]
        value = spec.get("value")
        return lambda row: _compare(VALID_OPS[op], row.get(column), value)

    # -- writes -----------------------------------------------------------------------------

    def _check_names(self, entity: str, body: Mapping[str, Any], what: str) -> str | None:
        unknown = [key for key in body if key.lower() not in self.models[entity]]
        if unknown:
            self.violations.append(f"{what}: names not in the Swagger model: {unknown}")
            return f"Unknown field(s): {', '.join(unknown)}"
        types = self.types.get(entity, {})
        for key, value in body.items():
            kind = types.get(key.lower(), "object")
            if not _of_type(kind, value):
                self.violations.append(f"{what}: {key}={value!r} is not of the model's {kind}")
        return None

    def _picklist_problem(
        self, picklists: Mapping[str, Picklist], record: Mapping[str, Any]
    ) -> str | None:
        for name, picklist in picklists.items():
            if record.get(name) is None:
                continue
            active = {value for value, _, is_active, _ in picklist.values if is_active}
            if record[name] not in active:
                return f"Value {record[name]!r} is not a valid, active value for the field {name}."
        return None

    def _create_ticket(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 500, {"errors": ["The request body is empty."]}
        problem = self._check_names("tickets", body, "POST Tickets body")
        if problem:
            return 500, {"errors": [problem]}
        record = {self.models["tickets"][key.lower()]: value for key, value in body.items()}
        category = record.get("ticketCategory")
        if category is None:
            category = next(
                (key for key, row in self.categories.items() if row["isGlobalDefault"]), None
            )
        required = [*self.required_ticket_fields, *self.category_required.get(category or 0, [])]
        missing = [name for name in required if record.get(name) in (None, "")]
        if missing:
            return 500, {"errors": [f"Missing Required Field: {name}" for name in missing]}
        picklists = {**self.ticket_picklists, "ticketCategory": self._category_picklist()}
        problem = self._picklist_problem(picklists, record) or self._relations(record)
        if problem:
            return 500, {"errors": [problem]}
        now = self.clock()
        with self._lock:
            ticket_id = self._next_id("tickets")
            stored = {
                "id": ticket_id,
                "ticketNumber": self._ticket_number(now),
                "description": "",
                "contactID": None,
                "assignedResourceID": None,
                "externalID": None,
                "createDate": _now_text(now),
                "lastActivityDate": _now_text(now),
                "creatorResourceID": self.api_resource_id,
            }
            stored.update({k: v for k, v in record.items() if k not in READ_ONLY_TICKET_FIELDS})
            self.tickets[ticket_id] = stored
        return 200, {"itemId": ticket_id}

    def _relations(self, record: Mapping[str, Any]) -> str | None:
        company = record.get("companyID")
        if company is not None and company not in self.companies:
            return f"Company {company} does not exist (companyID)."
        contact_id = record.get("contactID")
        if contact_id is not None:
            contact = self.contacts.get(contact_id)
            if contact is None:
                return f"Contact {contact_id} does not exist (contactID)."
            if company is not None and contact["companyID"] != company:
                return f"Contact {contact_id} does not belong to company {company} (contactID)."
        return None

    def _update_ticket(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 500, {"errors": ["The request body is empty."]}
        problem = self._check_names("tickets", body, "PATCH Tickets body")
        if problem:
            return 500, {"errors": [problem]}
        record = {self.models["tickets"][key.lower()]: value for key, value in body.items()}
        ticket = self.tickets.get(record.get("id"))  # type: ignore[arg-type]
        if ticket is None:
            return 500, {"errors": [f"Ticket {record.get('id')} was not found (id)."]}
        problem = (
            self._picklist_problem(self.ticket_picklists, record)
            or self._may("may_edit_tickets")
            or self._assignment_problem(record)
        )
        if problem:
            return 500, {"errors": [problem]}
        with self._lock:
            ticket.update({k: v for k, v in record.items() if k not in READ_ONLY_TICKET_FIELDS})
            ticket["lastActivityDate"] = _now_text(self.clock())
            ticket["lastActivityResourceID"] = self._acting_resource() or self.api_resource_id
        return 200, {"itemId": ticket["id"]}

    def _assignment_problem(self, record: Mapping[str, Any]) -> str | None:
        if "assignedResourceID" not in record and "assignedResourceRoleID" not in record:
            return None
        resource_id = record.get("assignedResourceID")
        role_id = record.get("assignedResourceRoleID")
        if resource_id is None or role_id is None:
            return "assignedResourceID and assignedResourceRoleID must be given together."
        resource = self.resources.get(resource_id)
        if resource is None or not resource["isActive"]:
            return f"Resource {resource_id} is not an active resource (assignedResourceID)."
        if not any(
            row["resourceID"] == resource_id and row["roleID"] == role_id and row["isActive"]
            for row in self.service_desk_roles.values()
        ):
            return (
                f"Role {role_id} is not an active service desk role of resource {resource_id} "
                "(assignedResourceRoleID)."
            )
        return None

    def _create_note(self, ticket_id: int, body: Any) -> tuple[int, Any]:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return 500, {"errors": [f"Ticket {ticket_id} was not found (ticketID)."]}
        if not isinstance(body, dict):
            return 500, {"errors": ["The request body is empty."]}
        problem = self._check_names("ticketnotes", body, "POST Tickets/{id}/Notes body")
        if problem:
            return 500, {"errors": [problem]}
        record = {self.models["ticketnotes"][key.lower()]: value for key, value in body.items()}
        missing = [name for name in self.required_note_fields if record.get(name) in (None, "")]
        if missing:
            return 500, {"errors": [f"Missing Required Field: {name}" for name in missing]}
        problem = self._picklist_problem(self.note_picklists, record) or self._may("may_add_notes")
        if problem:
            return 500, {"errors": [problem]}
        now = self.clock()
        acting = self._acting_resource()
        with self._lock:
            note_id = self._next_id("ticketnotes")
            self.notes[note_id] = {
                **record,
                "id": note_id,
                "ticketID": ticket_id,
                "creatorResourceID": acting or self.api_resource_id,
                "createDateTime": _now_text(now),
            }
            if acting is not None:
                self.notes[note_id]["impersonatorCreatorResourceID"] = self.api_resource_id
            ticket["lastActivityDate"] = _now_text(now)
        return 200, {"itemId": note_id}

    def _create_attachment(self, ticket_id: int, body: Any) -> tuple[int, Any]:
        """``POST Tickets/{id}/Attachments`` with a TicketAttachmentModel: the file base64 in
        ``data``, ``attachmentType`` FILE_ATTACHMENT, ``title``, ``fullPath``, ``publish``."""
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return 500, {"errors": [f"Ticket {ticket_id} was not found (parentID)."]}
        if not isinstance(body, dict):
            return 500, {"errors": ["The request body is empty."]}
        problem = self._check_names("ticketattachments", body, "POST Tickets/{id}/Attachments")
        if problem:
            return 500, {"errors": [problem]}
        model = self.models["ticketattachments"]
        record = {model[key.lower()]: value for key, value in body.items()}
        missing = [
            name
            for name in ("title", "data", "attachmentType", "fullPath", "publish")
            if record.get(name) in (None, "")
        ]
        if missing:
            return 500, {"errors": [f"Missing Required Field: {name}" for name in missing]}
        if record.get("parentID") not in (None, ticket_id):
            return 500, {"errors": ["parentID does not match the ticket in the URL."]}
        if record["attachmentType"] != "FILE_ATTACHMENT":
            return 500, {"errors": [f"Invalid attachmentType {record['attachmentType']!r}."]}
        if record["publish"] not in (1, 2):
            return 500, {"errors": [f"Invalid publish value {record['publish']!r}."]}
        try:
            data = base64.b64decode(str(record["data"]), validate=True)
        except ValueError:
            return 500, {"errors": ["The attachment data is not valid base64."]}
        if len(data) > self.attachment_max_bytes:
            return 500, {"errors": ["The attachment exceeds the maximum file size."]}
        now = self.clock()
        with self._lock:
            attachment_id = self._next_id("ticketattachments")
            self.attachments[attachment_id] = {
                **{k: v for k, v in record.items() if k != "data"},
                "id": attachment_id,
                "parentID": ticket_id,
                "parentType": 4,
                "fileSize": len(data),
                "attachDate": _now_text(now),
                "attachedByResourceID": self.api_resource_id,
            }
            self.attachment_data[attachment_id] = data
            ticket["lastActivityDate"] = _now_text(now)
        return 200, {"itemId": attachment_id}

    # -- webhooks (updates) -------------------------------------------------------------------

    def _webhook_route(self, method: str, lowered: list[str], body: Any) -> tuple[int, Any]:
        if lowered[0] == "ticketnotewebhooks" and not self.note_webhooks:
            return 404, {"errors": ["No route for TicketNoteWebhooks"]}
        if lowered == ["ticketwebhookfields", "entityinformation", "fields"]:
            return self._only(method, "GET") or (200, {"fields": [self._webhook_field_info()]})
        if lowered in (["ticketwebhooks"], ["ticketnotewebhooks"]):
            return self._only(method, "POST") or self._create_webhook(body)
        if len(lowered) == 2 and lowered[1].isdigit():
            webhook_id = int(lowered[1])
            if method == "GET":
                return 200, {"item": self.webhooks.get(webhook_id)}
            if method == "DELETE":
                if self.webhooks.pop(webhook_id, None) is None:
                    return 404, {"errors": [f"Webhook {webhook_id} was not found."]}
                return 200, {"itemId": webhook_id}
            return 405, {"errors": ["The requested resource does not support this method."]}
        if (
            len(lowered) == 3
            and lowered[1].isdigit()
            and lowered[2] in ("fields", "excludedresources")
        ):
            return self._only(method, "POST") or self._webhook_child(
                int(lowered[1]), lowered[2], body
            )
        return 404, {"errors": [f"No route for {'/'.join(lowered)}"]}

    def _webhook_field_info(self) -> dict[str, Any]:
        return {
            "name": "fieldID",
            "dataType": "integer",
            "isRequired": True,
            "isReadOnly": False,
            "isQueryable": True,
            "isPickList": True,
            "picklistValues": [
                {"value": str(value), "label": label, "isActive": True, "isDefaultValue": False}
                for label, value in self.webhook_field_ids.items()
            ],
        }

    def _create_webhook(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 500, {"errors": ["The request body is empty."]}
        problem = self._check_names("ticketwebhooks", body, "POST TicketWebhooks body")
        if problem:
            return 500, {"errors": [problem]}
        record = {self.models["ticketwebhooks"][k.lower()]: v for k, v in body.items()}
        missing = [
            name
            for name in ("name", "webhookUrl", "deactivationUrl", "secretKey")
            if not record.get(name)
        ]
        if missing:
            return 500, {"errors": [f"Missing Required Field: {name}" for name in missing]}
        with self._lock:
            webhook_id = self._next_id("ticketwebhooks")
            self.webhooks[webhook_id] = {
                **record,
                "id": webhook_id,
                "webhookGUID": str(uuid.uuid4()),
                "isReady": False,
            }
        return 200, {"itemId": webhook_id}

    def _webhook_child(self, webhook_id: int, child: str, body: Any) -> tuple[int, Any]:
        webhook = self.webhooks.get(webhook_id)
        if webhook is None:
            return 500, {"errors": [f"Webhook {webhook_id} was not found (webhookID)."]}
        entity = "ticketwebhookfields" if child == "fields" else "ticketwebhookexcludedresources"
        if not isinstance(body, dict):
            return 500, {"errors": ["The request body is empty."]}
        problem = self._check_names(entity, body, f"POST TicketWebhooks/{{id}}/{child} body")
        if problem:
            return 500, {"errors": [problem]}
        record = {self.models[entity][k.lower()]: v for k, v in body.items()}
        with self._lock:
            if child == "fields":
                if record.get("fieldID") not in self.webhook_field_ids.values():
                    return 500, {"errors": [f"Invalid fieldID {record.get('fieldID')!r}."]}
                row_id = self._next_id("ticketwebhookfields")
                self.webhook_fields[row_id] = {**record, "id": row_id, "webhookID": webhook_id}
                if record.get("isSubscribedField"):
                    webhook["isReady"] = True  # one subscribed field activates it
            else:
                row_id = self._next_id("excluded")
                self.webhook_excluded[row_id] = {**record, "id": row_id, "webhookID": webhook_id}
        return 200, {"itemId": row_id}

    def callout(
        self,
        ticket_id: int,
        *,
        sequence: int,
        fields: Mapping[str, Any] | None = None,
        webhook_id: int | None = None,
        person: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A ticket-update callout of the installed webhook, signed as Autotask signs it
        (HMAC-SHA1 of the raw body with its SecretKey, ``X-Hook-Signature: sha1=<base64>``)."""
        webhook = self.webhooks[webhook_id] if webhook_id else next(iter(self.webhooks.values()))
        payload = {
            "Action": "Update",
            "Guid": webhook["webhookGUID"],
            "EntityType": "Ticket",
            "Id": ticket_id,
            "Fields": dict(fields or {}),
            "EventTime": _now_text(self.clock()) + "Z",
            "SequenceNumber": sequence,
            "PersonID": person if person is not None else self.api_resource_id,
        }
        body = json.dumps(payload).encode("utf-8")
        digest = hmac.new(webhook["secretKey"].encode(), body, hashlib.sha1).digest()
        signature = "sha1=" + base64.b64encode(digest).decode("ascii")
        return body, {"Content-Type": "application/json", "X-Hook-Signature": signature}


class _UnknownField(Exception):
    pass


def _answer_page(handler: JsonHandler, status: int, page: str) -> None:
    data = page.encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _of_type(kind: str, value: Any) -> bool:
    """Whether a JSON value fits a Swagger property type (``null`` fits any)."""
    if value is None or kind == "object":
        return True
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("integer", "number"):
        numeric = (int,) if kind == "integer" else (int, float)
        return isinstance(value, numeric) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if not isinstance(value, str):
        return False
    if kind == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
    return True


def _search(query: dict[str, list[str]]) -> Any:
    raw = (query.get("search") or [""])[0]
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _page_details(count: int, requested: int, next_url: str | None) -> dict[str, Any]:
    return {"count": count, "requestCount": requested, "prevPageUrl": None, "nextPageUrl": next_url}


def _endpoint(path: str) -> str:
    skip = {"query", "count", "entityinformation", "fields", "userdefinedfields"}
    parts = [p.lower() for p in path.split("/") if p and not p.isdigit() and p.lower() not in skip]
    return "/".join(parts) or "root"


def _scalar(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text.lower()


def _same(a: Any, b: Any) -> bool:
    left, right = _scalar(a), _scalar(b)
    if isinstance(left, bool) or isinstance(right, bool):
        return bool(left) == bool(right) if left is not None and right is not None else False
    return bool(left == right)


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _moment(value: Any) -> datetime | None:
    """A date-time filter value or field as a UTC instant (no offset reads as UTC)."""
    if not isinstance(value, str) or not _DATE_TIME.match(value.strip()):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _order(a: Any, b: Any) -> int | None:
    # Autotask compares date-times as instants: "…T05:03:01.800" is after "…T05:03:01Z", which
    # a comparison of the texts gets wrong ("." sorts before "z").
    moments = _moment(a), _moment(b)
    if moments[0] is not None and moments[1] is not None:
        return int(moments[0] > moments[1]) - int(moments[0] < moments[1])
    left, right = _scalar(a), _scalar(b)
    if left is None or right is None or type(left) is not type(right):
        return None
    return int(left > right) - int(left < right)


def _compare(op: str, actual: Any, value: Any) -> bool:
    if op == "exist":
        return actual not in (None, "")
    if op == "notExist":
        return actual in (None, "")
    if op == "eq":
        return _same(actual, value)
    if op == "noteq":
        return not _same(actual, value)
    if op in ("in", "notIn"):
        values = value if isinstance(value, list) else [value]
        found = any(_same(actual, v) for v in values)
        return found if op == "in" else not found
    if op in ("gt", "gte", "lt", "lte"):
        order = _order(actual, value)
        if order is None:
            return False
        return {"gt": order > 0, "gte": order >= 0, "lt": order < 0, "lte": order <= 0}[op]
    text, needle = str(actual or "").lower(), str(value or "").lower()
    if op == "beginsWith":
        return text.startswith(needle)
    if op == "endsWith":
        return text.endswith(needle)
    return needle in text  # contains


def run_fake(models: Mapping[str, Mapping[str, str]], **options: Any) -> FakeAutotask:
    """Build and start a fake (stop it with :meth:`FakeAutotask.stop`)."""
    return FakeAutotask(models, **options).start()


__all__ = [
    "MODELS_PATH",
    "FakeAutotask",
    "Picklist",
    "Recorded",
    "load_models",
    "model_types",
    "run_fake",
]
