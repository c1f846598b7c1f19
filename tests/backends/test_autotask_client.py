"""The Autotask HTTP client against the loopback API: zone, headers, errors, retries, limits."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from core.backends.autotask.client import AutotaskClient, endpoint_key, normalise_api_url
from core.backends.autotask.query import any_of, cond, eq, query_body
from core.backends.autotask.throttle import pause_for
from core.backends.parsing import Item, parse_time
from core.errors import BackendUnavailable, ConfigurationError
from core.tickets import TicketRef
from tests.backends.conftest import ALICE, Harness, make_harness
from tests.fakes.autotask_server import FakeAutotask
from tests.support import FakeClock


def _wait_until(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


# -- zone ----------------------------------------------------------------------------------


def test_zone_is_discovered_from_the_user_name_once(at: Harness) -> None:
    at.client.get("ThresholdInformation")
    at.client.get("Tickets/entityInformation/fields")
    lookups = at.fake.calls("GET", r"/atservicesrest/v1\.0/zoneInformation")
    assert len(lookups) == 1
    assert lookups[0].query["user"] == [at.fake.username]
    # The lookup needs no credentials, and gets none.
    assert "Secret" not in lookups[0].headers
    zone = at.client.zone()
    assert zone.api_url == at.fake.api_url
    assert zone.web_url == at.fake.web_url
    assert zone.root.endswith("/ATServicesRest/V1.0/")


def test_an_explicit_base_url_skips_discovery(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(
        fake, clock, base_url=fake.api_url + "V1.0", web_url="https://ww15.autotask.net"
    )
    harness.backend.check_ready()
    assert fake.calls("GET", r"/atservicesrest/.*") == []
    assert harness.client.zone().api_url == fake.api_url
    assert harness.client.zone().web_url == "https://ww15.autotask.net/"


def test_an_unknown_api_user_names_the_settings_to_fix(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    harness = make_harness(fake, clock, username="typo@example.test")
    with pytest.raises(ConfigurationError) as caught:
        harness.client.zone()
    assert "Zone information could not be determined" in caught.value.detail
    assert "AUTOTASK_USERNAME" in caught.value.detail
    assert "AUTOTASK_BASE_URL" in caught.value.detail
    assert "administrators" in caught.value.user_message


def test_base_urls_are_normalised() -> None:
    expected = "https://webservices15.autotask.net/ATServicesRest/"
    for given in (
        "https://webservices15.autotask.net/ATServicesRest",
        "https://webservices15.autotask.net/ATServicesRest/",
        "https://webservices15.autotask.net/ATServicesRest/V1.0/",
        "https://webservices15.autotask.net/ATServicesRest/v1.0",
    ):
        assert normalise_api_url(given) == expected


# -- authentication ------------------------------------------------------------------------


def test_every_api_call_carries_the_three_auth_headers(at: Harness) -> None:
    at.backend.list_open(ALICE)
    calls = [call for call in at.fake.requests if not call.path.startswith("/")]
    assert len(calls) >= 4
    for call in calls:
        assert call.headers["ApiIntegrationCode"] == at.fake.integration_code
        assert call.headers["UserName"] == at.fake.username
        assert call.headers["Secret"] == at.fake.secret
        assert "ImpersonationResourceId" not in call.headers


def test_impersonation_header_is_sent_when_configured(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, impersonation_resource_id=fake.ids["tess"])
    harness.backend.check_ready()
    assert fake.requests[-1].headers["ImpersonationResourceId"] == str(fake.ids["tess"])


def test_a_wrong_secret_tells_the_admin_to_check_the_secret(
    fake: FakeAutotask, clock: FakeClock
) -> None:
    harness = make_harness(fake, clock, secret="wrong-secret")
    with pytest.raises(ConfigurationError) as caught:
        harness.backend.get(TicketRef("id", "1"), ALICE)
    assert "401" in caught.value.detail
    assert "AUTOTASK_SECRET" in caught.value.detail
    assert "wrong-secret" not in caught.value.detail


@pytest.mark.parametrize(
    "override", [{"username": "someone.else@example.test"}, {"integration_code": "WRONG-CODE"}]
)
def test_a_500_on_auth_names_user_name_and_integration_code(
    fake: FakeAutotask, clock: FakeClock, override: dict[str, Any]
) -> None:
    # A base URL, so the wrong user name reaches the API instead of failing zone discovery.
    harness = make_harness(fake, clock, base_url=fake.api_url, **override)
    with pytest.raises(ConfigurationError) as caught:
        harness.backend.list_open(ALICE)
    assert "500" in caught.value.detail
    assert "AUTOTASK_USERNAME" in caught.value.detail
    assert "AUTOTASK_INTEGRATION_CODE" in caught.value.detail
    assert "WRONG-CODE" not in caught.value.detail


def test_missing_credentials_are_named(fake: FakeAutotask) -> None:
    from core.settings import AutotaskSettings

    settings = AutotaskSettings(_env_file=None, username="api@example.test")
    with pytest.raises(ConfigurationError) as caught:
        AutotaskClient.from_settings(settings, requests.Session())
    assert "AUTOTASK_SECRET" in caught.value.detail
    assert "AUTOTASK_INTEGRATION_CODE" in caught.value.detail
    assert "AUTOTASK_USERNAME" not in caught.value.detail


# -- errors and retries --------------------------------------------------------------------


def test_reads_are_retried_with_backoff_on_5xx(at: Harness) -> None:
    ticket_id = at.fake.add_ticket(contactID=at.fake.ids["alice"], companyID=100)
    at.fake.fail("GET", rf"Tickets/{ticket_id}", status=503, times=2)
    ticket = at.backend.get(TicketRef("id", str(ticket_id)), ALICE)
    assert ticket.id == ticket_id
    assert len(at.fake.calls("GET", rf"Tickets/{ticket_id}")) == 3
    assert at.sleeps == [0.5, 1.0]


def test_reads_give_up_after_the_configured_retries(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, read_retries=2)
    fake.fail("GET", r"ThresholdInformation", mode="drop", times=10)
    with pytest.raises(BackendUnavailable) as caught:
        harness.client.threshold()
    assert len(fake.calls("GET", r"ThresholdInformation")) == 3
    assert caught.value.user_message.startswith("Autotask isn't answering right now; I'll")


def test_a_dropped_connection_on_a_read_is_retried(at: Harness) -> None:
    at.fake.fail("POST", r"Contacts/query", mode="drop")
    assert at.backend.list_open(ALICE) == []
    assert len(at.fake.calls("POST", r"Contacts/query")) == 2


def test_retry_after_is_honoured(at: Harness) -> None:
    at.fake.fail("POST", r"Contacts/query", status=429, headers={"Retry-After": "7"})
    at.backend.list_open(ALICE)
    assert 7.0 in at.sleeps


def test_a_transient_500_with_error_text_on_a_read_is_retried(at: Harness) -> None:
    at.fake.fail(
        "POST",
        r"Contacts/query",
        status=500,
        body={"errors": ["An unexpected error has occurred."]},
        times=2,
    )
    assert at.backend.list_open(ALICE) == []
    assert len(at.fake.calls("POST", r"Contacts/query")) == 3
    assert at.sleeps == [0.5, 1.0]


def test_a_read_that_keeps_failing_is_an_outage_to_the_person(at: Harness) -> None:
    at.fake.fail(
        "POST",
        r"Contacts/query",
        status=500,
        body={"errors": ["The query is too complex."]},
        times=9,
    )
    with pytest.raises(BackendUnavailable) as caught:
        at.backend.list_open(ALICE)
    # The person asked nothing wrong; the admin reads Autotask's words in the log.
    assert caught.value.user_message.startswith("Autotask isn't answering right now")
    assert "The query is too complex." in caught.value.detail
    assert len(at.fake.calls("POST", r"Contacts/query")) == 4


def test_writes_are_never_retried_blindly(at: Harness) -> None:
    ticket_id = at.fake.add_ticket(contactID=at.fake.ids["alice"], companyID=100)
    at.fake.fail("PATCH", r"Tickets", status=503)
    with pytest.raises(BackendUnavailable):
        at.backend.close(TicketRef("id", str(ticket_id)), ALICE)
    assert len(at.fake.calls("PATCH", r"Tickets")) == 1
    assert at.fake.tickets[ticket_id]["status"] == 1


def test_a_close_whose_answer_was_lost_is_checked_not_repeated(at: Harness) -> None:
    ticket_id = at.fake.add_ticket(contactID=at.fake.ids["alice"], companyID=100)
    at.fake.fail("PATCH", r"Tickets", mode="drop_after")
    ticket = at.backend.close(TicketRef("id", str(ticket_id)), ALICE)
    assert ticket.is_closed
    assert len(at.fake.calls("PATCH", r"Tickets")) == 1


# -- limits --------------------------------------------------------------------------------


def test_at_most_three_requests_per_endpoint_are_in_flight(at: Harness) -> None:
    ticket_ids = [at.fake.add_ticket() for _ in range(7)]
    at.client.get("ThresholdInformation")  # zone and threshold done: only ticket reads remain
    gate = at.fake.hold("tickets")
    errors: list[BaseException] = []

    def read(ticket_id: int) -> None:
        try:
            at.client.get(f"Tickets/{ticket_id}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(ticket_id,)) for ticket_id in ticket_ids]
    for thread in threads:
        thread.start()
    assert _wait_until(lambda: at.fake.in_flight["tickets"] == 3)
    gate.set()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert len(at.fake.calls("GET", r"Tickets/\d+")) == 7
    assert at.fake.max_in_flight["tickets"] == 3


def test_endpoint_keys() -> None:
    assert endpoint_key("Tickets/48213") == "tickets"
    assert endpoint_key("Tickets/query") == "tickets"
    assert endpoint_key("Tickets/entityInformation/fields") == "tickets"
    assert endpoint_key("Tickets/48213/Notes") == "tickets/notes"
    assert endpoint_key("Contacts/query?search=x") == "contacts"


def test_the_threshold_is_read_now_and_then_not_per_request(at: Harness) -> None:
    for _ in range(20):
        at.client.get("Tickets/entityInformation/fields")
    assert len(at.fake.calls("GET", r"ThresholdInformation")) == 1
    at.clock.advance(minutes=6)
    at.client.get("Tickets/entityInformation/fields")
    assert len(at.fake.calls("GET", r"ThresholdInformation")) == 2
    assert at.sleeps == []  # far from the limit: no slow-down


def test_it_slows_down_as_the_threshold_gets_near(at: Harness) -> None:
    at.fake.threshold_used = 9000  # 90% of the tenant's 10,000
    at.client.get("Tickets/entityInformation/fields")
    assert at.client.threshold_status is not None
    assert at.client.threshold_status.used >= 9000
    assert at.sleeps == [pause_for(0.9)]
    assert pause_for(0.9) > pause_for(0.6) > pause_for(0.4) == 0.0


def test_requests_this_hour_are_counted(at: Harness) -> None:
    at.client.get("Tickets/entityInformation/fields")
    at.client.get("Tickets/entityInformation/fields")
    # zone lookup + threshold + two reads
    assert at.client.requests_this_hour == 4
    at.clock.advance(minutes=61)
    assert at.client.requests_this_hour == 0


# -- parsing and queries -------------------------------------------------------------------


def test_times_without_an_offset_are_utc() -> None:
    assert parse_time("2016-03-30T13:10:35.563") == datetime(
        2016, 3, 30, 13, 10, 35, 563000, tzinfo=UTC
    )
    assert parse_time("2016-03-30T13:10:35.1234567Z") == datetime(
        2016, 3, 30, 13, 10, 35, 123456, tzinfo=UTC
    )
    assert parse_time("2016-03-30T15:10:35+02:00") == datetime(2016, 3, 30, 13, 10, 35, tzinfo=UTC)
    assert parse_time("") is None
    assert parse_time("not a time") is None


def test_fields_are_read_in_camel_or_pascal_case() -> None:
    item = Item({"ticketNumber": "T20251104.0031", "CompanyID": "17", "id": 48213})
    assert item.text("TicketNumber") == "T20251104.0031"
    assert item.integer("companyID") == 17
    assert item.id == 48213


def test_only_documented_filter_operators_can_be_built() -> None:
    with pytest.raises(ValueError):
        cond("like", "title", "%printer%")
    with pytest.raises(ValueError):
        cond("eq", "title) or (1", "x")
    with pytest.raises(ValueError):
        query_body([eq("id", 1)], max_records=501)
    assert any_of(eq("id", 1)) == eq("id", 1)


def test_the_fake_ignores_unknown_operators_like_the_real_api(at: Harness) -> None:
    """The trap the query builder avoids: an unknown operator returns unfiltered rows."""
    for _ in range(3):
        at.fake.add_ticket()
    response = requests.post(
        f"{at.fake.api_url}V1.0/Tickets/query",
        json={"filter": [{"op": "like", "field": "title", "value": "nothing"}], "MaxRecords": 10},
        headers={
            "ApiIntegrationCode": at.fake.integration_code,
            "UserName": at.fake.username,
            "Secret": at.fake.secret,
        },
        timeout=5,
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 3
    assert at.fake.ignored_ops == ["like"]
    at.fake.ignored_ops.clear()


def test_the_fake_flags_filter_items_with_names_outside_the_filter_model(at: Harness) -> None:
    at.fake.add_ticket(title="Printer")
    body = {"filter": [{"op": "eq", "field": "title", "val": "Printer"}], "MaxRecords": 10}
    at.client.request("POST", "Tickets/query", body=body)
    assert at.fake.violations == ["filter item: names not in the Swagger Filter model: ['val']"]
    at.fake.violations.clear()
    grouped = any_of(eq("title", "Printer"), cond("exist", "id"))
    at.client.request("POST", "Tickets/query", body=query_body([grouped]))
    assert at.fake.violations == []


def test_the_fake_enforces_max_records(at: Harness) -> None:
    with pytest.raises(BackendUnavailable) as caught:
        at.client.request(
            "POST", "Tickets/query", body={"filter": [eq("id", 1)], "MaxRecords": 1000}
        )
    assert "MaxRecords must be a number from 1 to 500." in caught.value.detail
