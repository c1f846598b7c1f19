"""``ticketbot config`` on the Teams settings: the app type Azure issues, and local mode."""

from __future__ import annotations

import pytest

from bots.cli.config import Problem, problems
from core.settings import Settings, TeamsSettings

TENANT_MISSING = "MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID."


def teams_problems(**teams: object) -> list[Problem]:
    settings = Settings(teams=TeamsSettings(**teams))  # type: ignore[arg-type]
    return [p for p in problems(settings) if "MICROSOFT" in p.text or "TEAMS" in p.text]


@pytest.fixture(autouse=True)
def _no_teams_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MICROSOFT_APP_TYPE", "MICROSOFT_APP_TENANT_ID", "TEAMS_LOCAL_MODE"):
        monkeypatch.delenv(name, raising=False)


def test_single_tenant_is_the_default_and_needs_the_tenant_id() -> None:
    assert TeamsSettings().microsoft_app_type == "SingleTenant"

    missing = teams_problems(microsoft_app_id="app", microsoft_app_password="secret")

    assert missing == [Problem("error", TENANT_MISSING)]
    assert (
        teams_problems(
            microsoft_app_id="app", microsoft_app_password="secret", microsoft_app_tenant_id="t"
        )
        == []
    )
    # Multi-tenant registrations still work when asked for.
    assert (
        teams_problems(
            microsoft_app_id="app",
            microsoft_app_password="secret",
            microsoft_app_type="MultiTenant",
        )
        == []
    )


def test_a_deployment_without_teams_has_nothing_to_fix() -> None:
    assert teams_problems() == []


def test_local_mode_is_named_for_what_it_is() -> None:
    (local,) = teams_problems(teams_local_mode=True)
    assert local.level == "warning" and "unauthenticated" in local.text

    (ignored,) = teams_problems(
        microsoft_app_id="app",
        microsoft_app_password="secret",
        microsoft_app_tenant_id="t",
        teams_local_mode=True,
    )
    assert ignored.text.startswith("TEAMS_LOCAL_MODE is ignored")
