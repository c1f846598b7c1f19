"""The server side of the triage channel: the triage job, with a publisher for each mounted
platform that has a triage channel configured. Every replica runs it; each card is claimed by
one of them at a time."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bots.triage.job import CardPublisher, TriageJob

if TYPE_CHECKING:
    from bots.composition import Runtime
    from bots.server import CoreRunner

log = logging.getLogger("ticketbot.triage")

TRIAGE_JOB_KEY = web.AppKey("triage_job", TriageJob)
TICK_SECONDS = 2.0


def publishers_for(app: web.Application, runtime: Runtime) -> dict[str, CardPublisher]:
    """A publisher for each platform that is mounted and has a triage channel."""
    from bots.slack.app import SLACK_ADAPTER_KEY
    from bots.teams.app import TEAMS_ADAPTER_KEY, action_type

    settings = runtime.settings
    found: dict[str, CardPublisher] = {}
    slack = app.get(SLACK_ADAPTER_KEY)
    if slack is not None and settings.bot.triage_slack_channel.strip():
        from bots.slack.triage import SlackCardPublisher

        found["slack"] = SlackCardPublisher(slack.bot.client, slack.bot.stash)
    teams = app.get(TEAMS_ADAPTER_KEY)
    if teams is not None and teams.auth != "off" and settings.bot.triage_teams_channel.strip():
        from bots.teams.triage import TeamsCardPublisher, channel_reference
        from storage.triage import SqlTriageChannels

        channels = SqlTriageChannels(runtime.database, runtime.clock)
        app_id = settings.teams.microsoft_app_id.strip()

        async def reference(channel: str) -> str:
            captured = await asyncio.to_thread(channels.reference, "teams", channel)
            return captured or channel_reference(
                channel,
                service_url=settings.bot.triage_teams_service_url,
                tenant_id=settings.teams.microsoft_app_tenant_id,
                bot_id=f"28:{app_id}" if app_id else "",
            )

        found["teams"] = TeamsCardPublisher(
            teams.adapter, app_id, action_type(settings.teams), reference
        )
    return found


def mount(app: web.Application, runtime: Runtime, runner: CoreRunner) -> None:
    """A :data:`bots.server.Mount`; mount it after the platforms (it uses their adapters)."""
    kit = runtime.triage
    if kit is None:
        return
    job = TriageJob(
        kit.board,
        kit.source,
        {},
        runtime.clock,
        tick_seconds=TICK_SECONDS,
        observe=runtime.metrics.triage_card,
    )
    app[TRIAGE_JOB_KEY] = job

    async def start(app: web.Application) -> None:
        job.publishers = publishers_for(app, runtime)
        if not job.publishers:
            log.warning(
                "a triage channel is configured but its platform is not running: no cards posted"
            )
            return
        job.start()
        log.info("triage channel: cards posted to %s", ", ".join(sorted(job.publishers)))

    async def stop(app: web.Application) -> None:
        await job.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
