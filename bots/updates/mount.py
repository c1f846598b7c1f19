"""The server side of updates: the background job (with the Slack and Teams senders of the
mounted adapters) and, for Autotask, ``POST /autotask/webhook``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bots.updates.job import UpdatesJob
from bots.updates.senders import SlackSender
from core.updates.binding import ThreadBinder
from core.updates.service import Dispatcher, UpdateSender

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner

log = logging.getLogger("ticketbot.updates")

# The job of a running server (tests drive its rounds; a lease can wrap start/stop later).
UPDATES_JOB_KEY = web.AppKey("updates_job", UpdatesJob)
TICK_SECONDS = 2.0


def senders_for(app: web.Application, runtime: Runtime) -> dict[str, UpdateSender]:
    """A sender for each platform this server has mounted."""
    from bots.slack.app import SLACK_ADAPTER_KEY
    from bots.teams.app import TEAMS_ADAPTER_KEY, action_type
    from bots.teams.updates import TeamsSender

    senders: dict[str, UpdateSender] = {}
    slack = app.get(SLACK_ADAPTER_KEY)
    if slack is not None:
        senders["slack"] = SlackSender(slack.bot.client, slack.bot.stash)
    teams = app.get(TEAMS_ADAPTER_KEY)
    if teams is not None and teams.auth != "off":
        settings = runtime.settings.teams
        senders["teams"] = TeamsSender(
            teams.adapter, settings.microsoft_app_id.strip(), action_type(settings)
        )
    return senders


def mount(app: web.Application, runtime: Runtime, runner: CoreRunner) -> None:
    """A :data:`bots.server.Mount`; mount it after the platforms (it uses their adapters)."""
    kit = runtime.updates
    if kit is None:
        return
    if runtime.settings.bot.backend == "autotask" and kit.service is not None:
        from bots.updates.webhook import add_webhook_route

        add_webhook_route(app, kit.service, kit.store, runtime.audit_refusal)
    # The senders are known once every mount ran: the job is filled in at startup.
    bind = ThreadBinder(runtime.store, runtime.clock)  # the thread is about that ticket now
    job = UpdatesJob(
        kit.service, Dispatcher(kit.store, {}, runtime.clock, bind=bind), poller=kit.poller
    )
    job.tick_seconds = TICK_SECONDS
    app[UPDATES_JOB_KEY] = job

    async def start(app: web.Application) -> None:
        job.dispatcher.senders = senders_for(app, runtime)
        job.start()
        log.info(
            "updates in the chat: %s, sending to %s",
            f"polling every {kit.poller.interval.total_seconds():.0f} s"
            if kit.poller is not None
            else "no polling",
            ", ".join(sorted(job.dispatcher.senders)) or "no chat platform",
        )

    async def stop(app: web.Application) -> None:
        await job.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
