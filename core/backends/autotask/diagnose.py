"""``ticketbot doctor`` for Autotask: checks a configuration against the live API and says,
line by line, what is fine, what the bot guessed (worth a look) and what to fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import requests

from core.backends.autotask.categories import due_hours
from core.backends.autotask.client import AutotaskClient
from core.backends.autotask.picklists import FieldInfo
from core.backends.autotask.tickets import AutotaskTicketing
from core.backends.autotask.vocabulary import TICKET_NOTES, TICKETS
from core.backends.http import utc_now
from core.errors import TicketingError
from core.settings import AutotaskSettings
from core.tickets import Priority


@dataclass(frozen=True)
class Check:
    """One line of the report: ``ok`` False means the admin must fix something; ``warn`` means
    it works on a guess the admin may want to confirm with a setting."""

    ok: bool
    name: str
    detail: str
    warn: bool = False

    @property
    def status(self) -> str:
        if not self.ok:
            return "FIX"
        return "WARN" if self.warn else "OK"


# Required ticket fields the bot fills itself on every create.
_FILLED_BY_BOT = {
    "title": "the person's summary",
    "description": "the person's own words",
    "status": "AUTOTASK_STATUS_NEW (mapped below)",
    "priority": "the chosen priority (mapped below)",
    "contactid": "the requester's contact",
}
# Required ticket fields a setting (or the ticket category) fills: (setting, attribute, picklist).
_FILLED_BY_SETTING = {
    "queueid": ("AUTOTASK_DEFAULT_QUEUE_ID", "default_queue_id", "queueID"),
    "tickettype": ("AUTOTASK_TICKET_TYPE", "ticket_type", "ticketType"),
    "source": ("AUTOTASK_SOURCE", "source", "source"),
    "issuetype": ("AUTOTASK_ISSUE_TYPE", "issue_type", "issueType"),
}


def diagnose(
    settings: AutotaskSettings,
    session: requests.Session,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> list[Check]:
    """Every check, in order; stops early only when nothing further can be asked."""
    checks = [
        Check(
            name not in settings.missing,
            name,
            "set" if name not in settings.missing else f"not set: {what}",
        )
        for name, what in (
            ("AUTOTASK_USERNAME", "the API-only user's name (an e-mail address)"),
            ("AUTOTASK_SECRET", "that user's secret"),
            ("AUTOTASK_INTEGRATION_CODE", "the API tracking identifier of the integration"),
        )
    ]
    if settings.missing:
        return checks
    client = AutotaskClient.from_settings(settings, session, clock=clock, sleep=lambda _: None)
    try:
        zone = client.zone()
    except TicketingError as exc:
        return [*checks, Check(False, "zone", exc.detail)]
    how = "AUTOTASK_BASE_URL (discovery skipped)" if settings.base_url else "discovered"
    checks.append(Check(True, "zone", f"{zone.api_url} ({how})"))
    if zone.web_url:
        checks.append(Check(True, "web links", f"{zone.web_url} (tickets open in Autotask)"))
    else:
        checks.append(
            Check(
                False,
                "web links",
                "no web URL: set AUTOTASK_WEB_URL (e.g. https://ww15.autotask.net/) so ticket "
                "cards link to Autotask",
            )
        )
    try:
        status = client.threshold()
    except TicketingError as exc:
        return [*checks, Check(False, "credentials", exc.detail)]
    checks.append(
        Check(
            True,
            "credentials",
            f"accepted; the tenant used {status.used} of {status.threshold} requests this hour",
        )
    )
    backend = AutotaskTicketing(client, settings, clock=clock, sleep=lambda _: None)
    try:
        fields = backend.fields.fields(TICKETS)
    except TicketingError as exc:
        return [*checks, Check(False, "ticket fields", exc.detail)]
    try:
        sent = {name.lower(): found for name, found in backend.ticket_defaults().items()}
    except TicketingError as exc:
        return [*checks, Check(False, "ticket category", exc.detail)]
    checks.append(_category_check(backend, fields))
    checks.extend(_required_fields(settings, fields, sent))
    checks.append(_filled_check(settings, fields, sent))
    checks.extend(_mappings(backend))
    return checks


def _category_check(backend: AutotaskTicketing, fields: dict[str, FieldInfo]) -> Check:
    """The category new tickets get, and what its defaults fill."""
    category = backend.categories.chosen()
    if category is None:
        return Check(
            True,
            "ticket category",
            "none: the tenant has no default ticket category the API user can read, so tickets "
            "are filed without one; set AUTOTASK_TICKET_CATEGORY (name or id) to choose one",
            warn=True,
        )
    filled = ", ".join(
        f"{name}={_labelled(fields, name, value)}" for name, value in category.defaults.items()
    )
    return Check(
        True,
        "ticket category",
        f"-> {category.name!r} ({category.id}), {category.why}; its defaults fill "
        + (filled or "no ticket field the bot sends"),
    )


def _filled_check(
    settings: AutotaskSettings, fields: dict[str, FieldInfo], sent: dict[str, tuple[int, str]]
) -> Check:
    """What the bot itself sends on every create beyond the person's own words and what the
    category's defaults fill: the category, the settings' values and the due date."""
    by_setting = [
        f"{fields[key].name if key in fields else key}={_labelled(fields, key, value)} ({origin})"
        for key, (value, origin) in sent.items()
        if not origin.startswith("ticket category ")
    ]
    hours = [(priority, due_hours(settings, priority)) for priority in Priority]
    if all(value == 0 for _, value in hours):
        due = "no dueDateTime (AUTOTASK_DUE_HOURS=0)"
    else:
        spans = ", ".join(f"{p.value} {h} h" if h else f"{p.value} none" for p, h in hours)
        due = f"dueDateTime = now + {spans} (AUTOTASK_DUE_HOURS)"
    return Check(True, "filled by the bot", "; ".join([*by_setting, due]))


def _labelled(fields: dict[str, FieldInfo], name: str, value: int) -> str:
    info = fields.get(name.lower())
    label = info.label_for(value) if info is not None else None
    return f"{value} ({label!r})" if label else str(value)


def _required_fields(
    settings: AutotaskSettings, fields: dict[str, FieldInfo], sent: dict[str, tuple[int, str]]
) -> list[Check]:
    checks: list[Check] = []
    for key, info in sorted(fields.items()):
        if not info.is_required or info.is_read_only or key == "id":
            continue
        label = f"field {info.name}"
        if key in _FILLED_BY_BOT:
            checks.append(Check(True, label, f"required; filled from {_FILLED_BY_BOT[key]}"))
        elif key == "companyid":
            checks.append(_company_check(settings, label))
        elif key in sent:
            value, origin = sent[key]
            shown = _labelled(fields, key, value)
            checks.append(Check(True, label, f"required; {shown} from {origin}"))
        elif key == "duedatetime":
            checks.append(_due_check(settings, label))
        elif key in _FILLED_BY_SETTING:
            setting, _, picklist = _FILLED_BY_SETTING[key]
            choices = _choices(fields.get(picklist.lower()))
            checks.append(
                Check(
                    False,
                    label,
                    f"required: set {setting}, or give the ticket category a default{choices}",
                )
            )
        else:
            checks.append(
                Check(
                    False,
                    label,
                    "required by this tenant, and the bot does not fill it: make it optional "
                    "or give it a default in Autotask (ticket category)",
                )
            )
    # Configured values must be active picklist values, required or not.
    for key, (setting, attribute, picklist) in _FILLED_BY_SETTING.items():
        value = getattr(settings, attribute)
        values = fields.get(picklist.lower()) if picklist else None
        if value is None or values is None or not values.values:
            continue
        if value in {entry.value for entry in values.active}:
            owner = fields.get(key)
            if owner is None or not owner.is_required:
                checks.append(Check(True, setting, f"{value} = {values.label_for(value)!r}"))
        else:
            checks.append(
                Check(
                    False,
                    setting,
                    f"{value} is not an active {values.name} value{_choices(values)}",
                )
            )
    return checks


def _due_check(settings: AutotaskSettings, label: str) -> Check:
    unset = [p.value for p in Priority if due_hours(settings, p) == 0]
    if unset:
        return Check(
            False,
            label,
            f"required, but AUTOTASK_DUE_HOURS sends none for {', '.join(unset)}: give it hours",
        )
    return Check(True, label, "required; the bot fills it from AUTOTASK_DUE_HOURS (see below)")


def _company_check(settings: AutotaskSettings, label: str) -> Check:
    if settings.unknown_contact == "default_company" and settings.default_company_id is None:
        return Check(
            False,
            label,
            "AUTOTASK_UNKNOWN_CONTACT=default_company needs AUTOTASK_DEFAULT_COMPANY_ID",
        )
    extra = (
        f"; unknown e-mails and technicians use AUTOTASK_DEFAULT_COMPANY_ID="
        f"{settings.default_company_id}"
        if settings.default_company_id is not None
        else "; unknown e-mails are refused (AUTOTASK_UNKNOWN_CONTACT=refuse)"
    )
    return Check(True, label, f"required; the requester's company{extra}")


def _mappings(backend: AutotaskTicketing) -> list[Check]:
    vocabulary = backend.vocabulary
    checks: list[Check] = []
    attempts: list[tuple[str, Callable[[], object]]] = [
        *((f"priority {p.value}", lambda p=p: vocabulary.priority(p)) for p in Priority),
        ("status New", vocabulary.status_new),
        ("status Complete", vocabulary.status_complete),
        ("note visibility", vocabulary.note_publish),
    ]
    for name, resolve in attempts:
        try:
            value = resolve()
        except TicketingError as exc:
            checks.append(Check(False, name, exc.detail))
            continue
        label = getattr(value, "label", "?")
        number = getattr(value, "value", "?")
        checks.append(Check(True, name, f"-> {label!r} ({number})"))
    try:
        note_type = vocabulary.note_type_choice()
    except TicketingError as exc:
        checks.append(Check(False, "note type", exc.detail))
    else:
        detail = f"-> {note_type.value.label!r} ({note_type.value.value})"
        if note_type.guessed:
            detail += (
                f": {note_type.why}; set AUTOTASK_NOTE_TYPE (label or value) to choose"
                f"{_choices(backend.fields.field(TICKET_NOTES, 'noteType'))}"
            )
        checks.append(Check(True, "note type", detail, warn=note_type.guessed))
    return checks


def _choices(info: FieldInfo | None) -> str:
    if info is None or not info.active:
        return ""
    shown = ", ".join(f"{entry.value} = {entry.label!r}" for entry in info.active[:12])
    more = " …" if len(info.active) > 12 else ""
    return f" (active values: {shown}{more})"
