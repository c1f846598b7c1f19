"""The composition root gives each backend its technicians' desk, charged to the help desk's
shared request budget and audited by the assistant."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bots.composition import build_runtime
from core.audit_trail import AuditedTechnicianDesk
from core.backends.autotask.technicians import AutotaskTechnicianDesk
from core.backends.waystone import WaystoneTechnicianDesk
from core.messages import UserRef
from core.ratelimit import RateLimitedTechnicianDesk
from core.settings import Settings, TicketbotSettings, WaystoneSettings
from storage.audit import SqlAuditLog
from storage.local_technicians import LocalTechnicianDesk
from tests.backends.conftest import autotask_settings
from tests.fakes.autotask_server import FakeAutotask
from tests.support import message

STAFF = UserRef("console", "jo", "Jo", "jo.staff@example.com")


def _bot(tmp_path: Path, backend: str) -> TicketbotSettings:
    return TicketbotSettings(
        _env_file=None,
        backend=backend,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        staff_emails=["jo.staff@example.com"],
    )


def test_the_local_desk_gets_its_technicians_and_they_are_audited(tmp_path: Path) -> None:
    runtime = build_runtime(Settings(_env_file=None, bot=_bot(tmp_path, "local")))
    try:
        desk = runtime.assistant.technicians
        assert isinstance(desk, AuditedTechnicianDesk)
        assert isinstance(desk.inner, RateLimitedTechnicianDesk)
        assert isinstance(desk.inner.inner, LocalTechnicianDesk)
        assert runtime.assistant.board is None  # the triage channel is wired elsewhere
        runtime.assistant.handle(message("ticket new The scanner is offline", STAFF))
        taken = runtime.assistant.handle(message("ticket take 10001", STAFF))
        assert taken[0].text.startswith("You've taken ticket")
        actions = [e.action for e in SqlAuditLog(runtime.database).query(limit=10)]
        assert "technician.take" in actions
    finally:
        runtime.close()


def test_autotask_and_waystone_get_theirs(tmp_path: Path, fake: FakeAutotask) -> None:
    autotask = build_runtime(
        Settings(_env_file=None, bot=_bot(tmp_path, "autotask"), autotask=autotask_settings(fake))
    )
    try:
        desk = autotask.assistant.technicians
        assert isinstance(desk, AuditedTechnicianDesk)
        assert isinstance(desk.inner, RateLimitedTechnicianDesk)
        assert isinstance(desk.inner.inner, AutotaskTechnicianDesk)
    finally:
        autotask.close()
    (tmp_path / "waystone").mkdir()
    waystone = build_runtime(
        Settings(
            _env_file=None,
            bot=_bot(tmp_path / "waystone", "waystone"),
            waystone=WaystoneSettings(
                _env_file=None, base_url="http://127.0.0.1:9/api", api_key=SecretStr("test-key")
            ),
        )
    )
    try:
        desk = waystone.assistant.technicians
        assert isinstance(desk, AuditedTechnicianDesk)
        assert isinstance(desk.inner, RateLimitedTechnicianDesk)
        assert isinstance(desk.inner.inner, WaystoneTechnicianDesk)
        answer = waystone.assistant.handle(message("ticket mine", STAFF))
        assert answer[0].text == (
            "Technician tools (mine) are not available on this help desk (Waystone)."
        )
    finally:
        waystone.close()
