"""Priority from urgency cues, with negation."""

from __future__ import annotations

import pytest

from core.classifier.priority import detect_priority
from core.tickets import Priority


def priority_of(text: str) -> Priority:
    return detect_priority(text.lower())


@pytest.mark.parametrize(
    "text",
    [
        "everyone is down, no internet in the whole office",
        "Nobody can log into the ERP, we're losing orders",
        "our website is down",
        "the online shop is offline",
        "ransomware message on my screen, files renamed",
        "we've been hacked",
        "the server room AC alarm is going off, servers are overheating",
        "the whole office has no email",
        "the POS terminals are frozen and we can't take payments",
        "file server is down",
        "phones are all dead",
        "no one can print",
        "I clicked a phishing link",
        "someone logged into my account from another country",
        "all my documents now end in .locked and there's a note demanding bitcoin",
    ],
)
def test_outages_for_many_and_security_incidents_are_critical(text: str) -> None:
    assert priority_of(text) is Priority.CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        "Word crashes when I save to SharePoint, pretty urgent",
        "need VPN access for a contractor asap",
        "this is blocking me",
        "Browser keeps redirecting to a weird search page",
        "a pop-up says my PC is blocked and I should call this number",
        "customers can't get in through the front door",
        "my laptop was stolen",
        "I present in 10 minutes and the projector is dead",
        "my laptop won't start and I have a training session tomorrow",
    ],
)
def test_urgency_security_signs_and_customers_are_high(text: str) -> None:
    assert priority_of(text) is Priority.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "not urgent but my desk phone display is dim",
        "it's not urgent, the mouse wheel squeaks",
        "this isn't urgent at all",
        "no rush, the keyboard has a sticky key",
        "please install Zoom when you get a chance",
        "whenever you have a moment, update Adobe Reader",
        "low priority: new wallpaper",
        "not a big deal, the clock is off",
        "doesn't need to be done today",
        "not critical, the second monitor flickers",
        "not in a rush, the spare keyboard is missing a foot",
        "the clock on the kiosk runs two minutes behind",
        "the intranet header colours are off-brand",
    ],
)
def test_stated_lack_of_hurry_is_low_and_negated_urgency_never_raises(text: str) -> None:
    assert priority_of(text) is Priority.LOW


@pytest.mark.parametrize(
    "text",
    [
        "my mouse is double clicking by itself",
        "I need a second monitor",
        "the whole screen is black",
        "install the critical Windows update",
        "excel keeps showing a licensing popup",
        "teams notifications don't pop up anymore",
        "",
    ],
)
def test_no_cue_is_medium(text: str) -> None:
    assert priority_of(text) is Priority.MEDIUM


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("printer jammed, priority: high", Priority.HIGH),
        ("new mouse please, priority low", Priority.LOW),
        ("P1 - everything is fine but call me", Priority.CRITICAL),
        ("urgent!!! priority medium", Priority.MEDIUM),
        ("not high priority, the fan is loud", Priority.LOW),
    ],
)
def test_a_named_priority_beats_the_cues(text: str, expected: Priority) -> None:
    assert priority_of(text) is expected


def test_critical_beats_a_stated_lack_of_hurry() -> None:
    assert priority_of("not urgent for me, but nobody else can log in") is Priority.CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        "please install Zoom for everyone on the team",
        "could I get a wireless mouse",
        "can someone rename the Finance channel to Accounts",
        "request: a second licence for Visio",
    ],
)
def test_a_request_for_something_new_is_low(text: str) -> None:
    assert priority_of(text) is Priority.LOW


def test_a_request_that_reports_a_fault_is_not_low() -> None:
    assert priority_of("could you fix my laptop, it won't start") is not Priority.LOW


@pytest.mark.parametrize(
    "text",
    [
        "the wifi is down in my room",  # one room, not the site
        "I got a phishing email",  # reported, nothing clicked
        "our members don't like the new newsletter design",  # an opinion, not a failure
    ],
)
def test_local_faults_and_reported_messages_are_not_escalated(text: str) -> None:
    assert priority_of(text) is Priority.MEDIUM
