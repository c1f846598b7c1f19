"""An Autotask outage reads as an outage: reads are retried with backoff, nothing blames the
configuration, the person is told plainly (and never "try again" after a write whose outcome is
unknown), and readiness turns at once. The loopback Autotask answers 500/503, HTML pages,
timeouts and refused connections for a number of requests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bots.composition import build_runtime
from bots.server import build_web_app
from core.backends.http import WriteOutcomeUnknown
from core.errors import BackendUnavailable, ConfigurationError
from core.settings import Settings, TicketbotSettings
from core.tickets import TicketDraft, TicketRef
from tests.backends.conftest import ALICE, BOB, COMPANY, Harness, autotask_settings, make_harness
from tests.fakes.autotask_server import AUTH_500_BODY, FakeAutotask
from tests.ops.support import serving
from tests.support import FakeClock, message, only

OUTAGE = "Autotask isn't answering right now; I'll"
IIS_PAGE = "<html><body><h1>500 - Internal server error.</h1></body></html>"


def _alices_ticket(fake: FakeAutotask) -> int:
    return fake.add_ticket(contactID=fake.ids["alice"], companyID=COMPANY)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the credentials check ------------------------------------------------------------------


def test_a_500_from_threshold_information_after_the_credentials_worked_is_an_outage(
    at: Harness,
) -> None:
    assert at.backend.list_open(ALICE) == []  # the credentials work
    at.clock.advance(minutes=6)  # the threshold is due again
    at.fake.fail("GET", r"ThresholdInformation", status=500, body=AUTH_500_BODY, times=20)
    # The person's request is not blocked by a failed threshold check.
    ticket_id = _alices_ticket(at.fake)
    assert at.backend.get(TicketRef("id", str(ticket_id)), ALICE).id == ticket_id
    with pytest.raises(BackendUnavailable) as caught:
        at.client.threshold()
    assert not isinstance(caught.value, ConfigurationError)
    assert caught.value.user_message.startswith(OUTAGE)


@pytest.mark.parametrize("body", [None, IIS_PAGE])
def test_a_500_without_autotasks_own_error_text_is_never_a_credentials_problem(
    at: Harness, body: str | None
) -> None:
    at.fake.fail("GET", r"ThresholdInformation", status=500, body=body, times=20)
    with pytest.raises(BackendUnavailable) as caught:
        at.client.threshold()
    assert not isinstance(caught.value, ConfigurationError)
    assert len(at.fake.calls("GET", r"ThresholdInformation")) == 4  # retried 3 times
    assert at.sleeps == [0.5, 1.0, 2.0]


def test_a_wrong_secret_is_still_a_credentials_problem_after_they_worked(
    at: Harness,
) -> None:
    at.backend.list_open(ALICE)
    at.fake.secret = "rotated-secret"
    at.clock.advance(minutes=6)
    with pytest.raises(ConfigurationError) as caught:
        at.backend.list_open(ALICE)
    assert "AUTOTASK_SECRET" in caught.value.detail


# -- what the person reads ------------------------------------------------------------------


def test_a_503_reads_as_an_outage_not_as_a_refusal(at: Harness) -> None:
    at.fake.fail(
        "POST", r"Contacts/query", status=503, body={"message": "Service Unavailable"}, times=9
    )
    with pytest.raises(BackendUnavailable) as caught:
        at.backend.list_open(ALICE)
    said = caught.value.user_message
    assert said.startswith(OUTAGE)
    assert "didn't accept" not in said and "set up" not in said
    assert "Service Unavailable" in caught.value.detail
    assert len(at.fake.calls("POST", r"Contacts/query")) == 4


def test_a_transient_500_on_a_read_is_retried_with_backoff(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    at.fake.fail("GET", rf"Tickets/{ticket_id}", status=500, body=IIS_PAGE, times=2)
    assert at.backend.get(TicketRef("id", str(ticket_id)), ALICE).id == ticket_id
    assert len(at.fake.calls("GET", rf"Tickets/{ticket_id}")) == 3
    assert at.sleeps == [0.5, 1.0]


def test_a_read_that_timed_out_is_retried(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(fake, clock, timeout_seconds=0.5)
    ticket_id = _alices_ticket(fake)
    fake.fail("GET", rf"Tickets/{ticket_id}", mode="hang_after")
    assert harness.backend.get(TicketRef("id", str(ticket_id)), ALICE).id == ticket_id
    assert len(fake.calls("GET", rf"Tickets/{ticket_id}")) == 2
    assert harness.sleeps == [0.5]


def test_refused_connections_are_an_outage(fake: FakeAutotask, clock: FakeClock) -> None:
    harness = make_harness(
        fake, clock, base_url=f"http://127.0.0.1:{_closed_port()}/ATServicesRest/"
    )
    with pytest.raises(BackendUnavailable) as caught:
        harness.backend.get(TicketRef("id", "48213"), ALICE)
    assert not isinstance(caught.value, ConfigurationError)
    assert caught.value.user_message.startswith(OUTAGE)
    with pytest.raises(BackendUnavailable):
        harness.backend.check_ready()


def test_a_note_whose_outcome_cannot_be_checked_never_says_try_again(at: Harness) -> None:
    ticket_id = _alices_ticket(at.fake)
    number = at.fake.tickets[ticket_id]["ticketNumber"]
    at.fake.fail("POST", rf"Tickets/{ticket_id}/Notes", status=503, body=IIS_PAGE)
    at.fake.fail("POST", r"TicketNotes/query", status=503, times=9)
    with pytest.raises(WriteOutcomeUnknown) as caught:
        at.backend.add_note(TicketRef("id", str(ticket_id)), "Still broken", ALICE)
    said = caught.value.user_message
    assert "can't tell yet whether it was added" in said
    assert f"“ticket {number}”" in said
    assert "again" not in said


def test_a_write_refused_with_503_is_looked_for_and_sent_again_only_if_absent(
    at: Harness,
) -> None:
    at.fake.fail("POST", r"Tickets", status=503, body={"message": "Service Unavailable"})
    ticket = at.backend.create(TicketDraft("Printer", "jams", idempotency_key="d-1"), ALICE)
    assert len(at.fake.tickets) == 1
    assert ticket.id in at.fake.tickets
    assert len(at.fake.calls("POST", r"Tickets")) == 2


# -- readiness ------------------------------------------------------------------------------


def test_readiness_turns_with_the_first_failed_request(at: Harness) -> None:
    at.backend.check_ready()
    ticket_id = _alices_ticket(at.fake)
    at.fake.fail("GET", rf"Tickets/{ticket_id}", status=503, times=9)
    with pytest.raises(BackendUnavailable):
        at.backend.get(TicketRef("id", str(ticket_id)), ALICE)
    at.fake.reset_log()
    with pytest.raises(BackendUnavailable) as caught:
        at.backend.check_ready()
    assert "HTTP 503" in caught.value.detail
    assert at.fake.requests == []  # known from the failed request: no probe needed

    at.clock.advance(seconds=31)
    at.fake.fail("GET", r"ThresholdInformation", status=503)
    with pytest.raises(BackendUnavailable):
        at.backend.check_ready()
    assert len(at.fake.calls("GET", r"ThresholdInformation")) == 1  # a probe: one short try

    at.clock.advance(seconds=31)
    at.backend.check_ready()  # Autotask is back


@pytest.fixture
def runtime_settings(tmp_path: Path, fake: FakeAutotask) -> Iterator[Settings]:
    yield Settings(
        _env_file=None,
        bot=TicketbotSettings(
            _env_file=None, backend="autotask", database_url=f"sqlite:///{tmp_path / 'bot.db'}"
        ),
        autotask=autotask_settings(fake, read_retries=0),
    )


async def _readyz(session: aiohttp.ClientSession, base: str) -> tuple[int, dict[str, object]]:
    async with session.get(f"{base}/readyz") as response:
        return response.status, await response.json()


@pytest.mark.anyio
async def test_readyz_reports_an_outage_as_soon_as_a_person_meets_it(
    runtime_settings: Settings, fake: FakeAutotask
) -> None:
    runtime = build_runtime(runtime_settings)
    try:
        async with serving(build_web_app(runtime, mounts=[])) as base, aiohttp.ClientSession() as s:
            assert (await _readyz(s, base))[0] == 200
            fake.fail("POST", r"Contacts/query", status=503, times=9)
            replies = runtime.assistant.handle(message("ticket list", ALICE))
            status, body = await _readyz(s, base)
    finally:
        runtime.close()

    assert only(replies).text.startswith(OUTAGE)
    assert status == 503
    reasons = body["reasons"]
    assert isinstance(reasons, dict)
    assert "HTTP 503" in reasons["backend"]


def test_during_an_outage_the_routine_threshold_check_is_tried_once(at: Harness) -> None:
    at.backend.list_open(ALICE)
    at.clock.advance(minutes=6)
    at.fake.reset_log()
    at.fake.fail("GET", r"ThresholdInformation", status=503, times=9)
    at.fake.fail("POST", r"Contacts/query", status=503, times=9)
    with pytest.raises(BackendUnavailable):
        at.backend.list_open(BOB)
    assert len(at.fake.calls("GET", r"ThresholdInformation")) == 1
    assert len(at.fake.calls("POST", r"Contacts/query")) == 4
