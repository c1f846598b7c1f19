"""The container, without a Docker engine: the Dockerfile's promises checked from its text, and
its entrypoint and health check run for real (a child ``ticketbot serve`` probed by the exact
HEALTHCHECK command)."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.ops.process import serve_process

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def arguments(keyword: str) -> list[str]:
    return [rest for kw, rest in instructions() if kw == keyword]


def env_values() -> dict[str, str]:
    values: dict[str, str] = {}
    for rest in arguments("ENV"):
        for pair in shlex.split(rest):
            name, _, value = pair.partition("=")
            values[name] = value
    return values


def healthcheck_command() -> list[str]:
    [rest] = arguments("HEALTHCHECK")
    command = json.loads(rest[rest.index("CMD") + len("CMD") :].strip())
    assert isinstance(command, list)
    return [str(part) for part in command]


def test_slim_base_non_root_user_and_the_serve_entrypoint() -> None:
    assert arguments("FROM") == ["python:3.11-slim"]
    [user] = arguments("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    assert [json.loads(rest) for rest in arguments("ENTRYPOINT")] == [["ticketbot", "serve"]]
    assert arguments("STOPSIGNAL") == ["SIGTERM"]
    # The user is created before it is used, and owns the data folder.
    [run] = [rest for rest in arguments("RUN") if "useradd" in rest]
    assert f" {user}" in run and f"chown {user}:{user} /data" in run
    assert "pip install /src" in run


def test_sqlite_lives_on_the_data_volume() -> None:
    assert [json.loads(rest) for rest in arguments("VOLUME")] == [["/data"]]
    assert env_values()["TICKETBOT_DATABASE_URL"] == "sqlite:////data/ticketbot.db"


def test_the_health_check_probes_healthz_with_python_not_curl() -> None:
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2] and "/healthz" in command[2]
    assert not any(tool in " ".join(command) for tool in ("curl", "wget"))


def test_everything_copied_exists_and_is_not_ignored() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = [part for rest in arguments("COPY") for part in rest.split()[:-1]]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
    for secret_file in (".env", ".git", ".venv", "ticketbot.db"):
        assert any(fnmatch.fnmatch(secret_file, pattern) for pattern in ignored), secret_file


def test_compose_keeps_the_database_on_a_volume_and_waits_for_shutdown() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["ticketbot"]
    assert "ticketbot-data:/data" in service["volumes"]
    assert "ticketbot-data" in compose["volumes"]
    # SQLite on the volume unless .env names another database (compose interpolates it).
    assert service["environment"]["TICKETBOT_DATABASE_URL"] == (
        "${TICKETBOT_DATABASE_URL:-sqlite:////data/ticketbot.db}"
    )
    grace = int(service["stop_grace_period"].rstrip("s"))
    assert grace > float(service["environment"]["TICKETBOT_SHUTDOWN_TIMEOUT_SECONDS"])
    assert service["env_file"] == [{"path": ".env", "required": False}]


def test_the_entrypoint_serves_and_the_health_check_passes(tmp_path: Path) -> None:
    with serve_process(tmp_path, {}) as server:
        command = healthcheck_command()
        command[0] = sys.executable  # the image's python
        healthy = subprocess.run(
            command, env={**os.environ, "PORT": str(server.port)}, timeout=30, check=False
        )
        assert healthy.returncode == 0

    # Against a port where nothing listens, the same check fails (Docker marks it unhealthy).
    unhealthy = subprocess.run(
        command,
        env={**os.environ, "PORT": str(server.port)},
        timeout=30,
        capture_output=True,
        check=False,
    )
    assert unhealthy.returncode != 0


@pytest.mark.parametrize("name", ["Dockerfile", "compose.yaml", ".dockerignore"])
def test_no_secrets_in_the_container_files(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert not re.search(r"(xox[abp]-|xapp-|sk-)[A-Za-z0-9]", text)
    assert not re.search(r"(SECRET|TOKEN|PASSWORD|API_KEY)\s*[:=]\s*\S", text)
