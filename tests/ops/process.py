"""``ticketbot serve`` as a real child process on a free loopback port, for the container and
shutdown tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.autotask_server import FakeAutotask
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.slack.harness import SECRET

# The environment a test may not inherit from the machine: the child gets only what it is given.
_PREFIXES = ("TICKETBOT_", "SLACK_", "OPENAI_", "AZURE_OPENAI_", "AUTOTASK_", "WAYSTONE_",
             "MICROSOFT_", "TEAMS_")  # fmt: skip
START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def entrypoint() -> list[str]:
    """The Dockerfile's ``ticketbot serve``, from this virtual environment."""
    script = Path(sys.executable).with_name("ticketbot")
    return [str(script), "serve"] if script.exists() else [sys.executable, "-m", "bots", "serve"]


@dataclass
class ServeProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_file: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    async def exit_code(self, timeout: float) -> int:
        return await asyncio.to_thread(self.process.wait, timeout)

    def accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False


def _wait_until_serving(server: ServeProcess) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"ticketbot serve exited early:\n{server.logs()}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)  # polling a starting process, bounded by the deadline
    raise AssertionError(f"ticketbot serve did not start in time:\n{server.logs()}")


@contextmanager
def serve_process(tmp_path: Path, env: Mapping[str, str]) -> Iterator[ServeProcess]:
    """Start ``ticketbot serve`` in ``tmp_path`` (no stray .env) and wait for ``/healthz``."""
    port = free_port()
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(_PREFIXES)}
    child_env.update(
        {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "TICKETBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'ticketbot.db'}",
            "TICKETBOT_LOG_FORMAT": "json",
            **env,
        }
    )
    log_file = tmp_path / "serve.log"
    with log_file.open("wb") as sink:
        process = subprocess.Popen(
            entrypoint(), cwd=tmp_path, env=child_env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = ServeProcess(process, port, log_file)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


async def wait_for(
    condition: Callable[[], object], timeout: float, what: str = "condition"
) -> None:
    """Poll until ``condition()`` holds; the test fails when it does not within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not met in {timeout:.0f} s"
        await asyncio.sleep(0.02)


def slack_autotask_env(slack: FakeSlackApi, tenant: FakeAutotask, **extra: str) -> dict[str, str]:
    """The environment of a ``serve`` child on the fake Slack API and the fake Autotask tenant
    (its default queue 29683354), with ``extra`` settings added or replaced."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "TICKETBOT_BACKEND": "autotask",
        "AUTOTASK_USERNAME": tenant.username,
        "AUTOTASK_SECRET": tenant.secret,
        "AUTOTASK_INTEGRATION_CODE": tenant.integration_code,
        "AUTOTASK_ZONE_LOOKUP_URL": tenant.zone_lookup_url,
        "AUTOTASK_DEFAULT_QUEUE_ID": "29683354",
    } | extra
