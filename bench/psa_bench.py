"""What each ticket operation costs in Autotask requests, against the loopback fake tenant.

Autotask allows about 10,000 requests an hour per tenant, shared by every integration, so the
figure that matters is requests, not milliseconds. For each operation: cold (a new process: zone,
threshold, picklists, identity all unknown) and warm (the process has served the person before and
the ticket was read more than AUTOTASK_TICKET_CACHE_SECONDS ago). Then bursts: fifty people asking
about the same outage ticket at once, from threads, with the fake answering at once and slowly.
Each figure is printed with its target and PASS/FAIL; the exit status is 1 when any fails.

    python -m bench.psa_bench [--slow-seconds 0.2] [--people 50]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from core.backends.autotask import AutotaskClient, AutotaskTicketing
from core.messages import UserRef
from core.settings import AutotaskSettings
from core.tickets import TicketDraft, TicketRef
from tests.fakes.autotask_server import FakeAutotask, load_models

COMPANY = 100
QUEUE = 29683354
ALICE = UserRef("slack", "U-ALICE", "Alice Example", "alice@example.com")


class Clock:
    """A clock the bench moves past the ticket cache instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += timedelta(seconds=seconds)


@dataclass
class Figure:
    label: str
    requests: int
    target: int
    seconds: float | None = None

    @property
    def passed(self) -> bool:
        return self.requests <= self.target


class Bench:
    def __init__(self, people: int) -> None:
        self.clock = Clock()
        self.fake = FakeAutotask(load_models(), clock=self.clock).start()
        self.tess = self.fake.add_resource("tess.tech@msp.example", "Tess", "Tech")
        self.fake.add_contact(str(ALICE.email), COMPANY, "Alice", "Example")
        self.people = [
            UserRef("slack", f"U-{n}", f"Person {n}", f"person{n}@example.com")
            for n in range(people)
        ]
        for n, person in enumerate(self.people):
            self.fake.add_contact(str(person.email), COMPANY, "Person", str(n))
        self.outage = self.ticket("Internet down at the main office")

    def ticket(self, title: str) -> TicketRef:
        """A ticket of Alice's company, assigned to Tess, with one note of hers."""
        alice = next(k for k, c in self.fake.contacts.items() if c["emailAddress"] == ALICE.email)
        ticket_id = self.fake.add_ticket(
            title=title, companyID=COMPANY, contactID=alice, assignedResourceID=self.tess
        )
        self.fake.add_note(ticket_id, "Looking into it", creator=self.tess)
        return TicketRef("id", str(ticket_id))

    def backend(self) -> AutotaskTicketing:
        """A new process's backend."""
        settings = AutotaskSettings(
            _env_file=None,
            username=self.fake.username,
            secret=self.fake.secret,
            integration_code=self.fake.integration_code,
            zone_lookup_url=self.fake.zone_lookup_url,
            default_queue_id=QUEUE,
            company_visibility=True,  # an outage ticket is read by its whole company
        )
        client = AutotaskClient.from_settings(settings, requests.Session(), clock=self.clock)
        return AutotaskTicketing(client, settings, clock=self.clock)

    def count(self, action: Callable[[], Any]) -> int:
        self.fake.reset_log()
        action()
        return len(self.fake.requests)

    def past_cache(self) -> None:
        self.clock.advance(6)

    def operations(self) -> list[Figure]:
        figures: list[Figure] = []
        drafts = iter(range(1_000_000))

        def create(backend: AutotaskTicketing, _: TicketRef) -> Any:
            key = f"draft-{next(drafts)}"
            return backend.create(TicketDraft("Printer", "It jams", idempotency_key=key), ALICE)

        steps: dict[str, Callable[[AutotaskTicketing, TicketRef], Any]] = {
            "status": lambda backend, ref: backend.get(ref, ALICE),
            "list": lambda backend, ref: backend.list_open(ALICE),
            "create": create,
            "note": lambda backend, ref: backend.add_note(ref, "Still down", ALICE),
            "close": lambda backend, ref: backend.close(ref, ALICE),
        }
        # Cold includes what a new process reads once: zone, threshold, the roster of technicians
        # and the picklists (4-5 requests), plus the person's contact.
        cold_targets = {"status": 8, "list": 6, "create": 10, "note": 9, "close": 9}
        warm_targets = {"status": 1, "list": 1, "create": 3, "note": 2, "close": 2}
        for name, step in steps.items():
            backend = self.backend()
            ref = self.ticket(f"{name} ticket")
            spent = self.count(lambda: step(backend, ref))  # noqa: B023 (called at once)
            figures.append(Figure(f"{name}: cold process", spent, cold_targets[name]))
            # Warm: the person looked at a ticket of theirs before, longer ago than the cache.
            again = self.ticket(f"{name} ticket, again")
            backend.get(again, ALICE)
            self.past_cache()
            spent = self.count(lambda: step(backend, again))  # noqa: B023 (called at once)
            figures.append(Figure(f"{name}: warm", spent, warm_targets[name]))
        warm = self.backend()
        warm.get(self.outage, ALICE)
        figures.append(
            Figure(
                "status again within the ticket cache",
                self.count(lambda: warm.get(self.outage, ALICE)),
                0,
            )
        )
        warm.add_note(self.outage, "Any news?", ALICE)
        figures.append(
            Figure(
                "status right after the bot's own note",
                self.count(lambda: warm.get(self.outage, ALICE)),
                2,  # the ticket and its notes, read again: the note shows
            )
        )
        return figures

    def burst(self, label: str, backend: AutotaskTicketing, target: int) -> Figure:
        """Everyone asks about the outage ticket at the same moment."""
        start = threading.Barrier(len(self.people))
        errors: list[BaseException] = []

        def ask(person: UserRef) -> None:
            start.wait()
            try:
                ticket = backend.get(self.outage, person)
                assert ticket.id == self.outage.ticket_id
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=ask, args=(p,)) for p in self.people]
        self.fake.reset_log()
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        if errors:
            raise RuntimeError(f"{label}: {len(errors)} people got an error: {errors[0]!r}")
        return Figure(label, len(self.fake.requests), target, elapsed)

    def bursts(self, slow_seconds: float) -> list[Figure]:
        figures: list[Figure] = []
        people = len(self.people)
        for delay in (0.0, slow_seconds):
            self.fake.delay = delay
            how = f"answering in {delay:.1f} s" if delay else "answering at once"
            cold = self.backend()
            # One-time reads (zone, threshold, roster, two picklists), the fifty people's
            # contacts in a few batched queries, the ticket and its notes once.
            figures.append(self.burst(f"burst of {people}, cold process, {how}", cold, 12))
            self.past_cache()
            figures.append(self.burst(f"burst of {people}, warm, {how}", cold, 3))
        self.fake.delay = 0.0
        return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--slow-seconds", type=float, default=0.2)
    args = parser.parse_args(argv)
    bench = Bench(args.people)
    try:
        figures = bench.operations() + bench.bursts(args.slow_seconds)
    finally:
        bench.fake.stop()
    print(f"{'Autotask requests per operation':<58} {'count':>5} {'target':>7}")
    for figure in figures:
        took = f"   ({figure.seconds:.2f} s)" if figure.seconds is not None else ""
        verdict = "PASS" if figure.passed else "FAIL"
        print(f"{figure.label:<58} {figure.requests:>5}   ≤ {figure.target:<3} {verdict}{took}")
    if bench.fake.violations:
        print("contract violations:", *bench.fake.violations, sep="\n  ")
        return 1
    return 0 if all(figure.passed for figure in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
