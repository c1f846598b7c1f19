"""The Bot Framework ``CloudAdapter`` from the settings (nothing is read from the environment
here), and how ``/api/messages`` authenticates (:func:`auth_mode`): with ``MICROSOFT_APP_ID``,
every request needs the Bot Framework's token; without it, every request is refused unless
``TEAMS_LOCAL_MODE`` is on (unauthenticated, loopback only: the Bot Framework Emulator, tests)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bots.teams.errors import NotKept
from core.settings import TeamsSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdapterConfig:
    """The attribute names ``ConfigurationBotFrameworkAuthentication`` reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


# "token": Bot Framework tokens required; "local": unauthenticated, loopback serviceUrl only;
# "off": no app id and local mode not asked for, so every request is refused.
AuthMode = Literal["token", "local", "off"]


def auth_mode(settings: TeamsSettings) -> AuthMode:
    """How ``/api/messages`` treats requests under ``settings``."""
    if settings.microsoft_app_id.strip():
        return "token"
    return "local" if settings.teams_local_mode else "off"


def adapter_config(settings: TeamsSettings) -> AdapterConfig:
    app_id = settings.microsoft_app_id.strip()
    return AdapterConfig(
        APP_ID=app_id,
        APP_PASSWORD=settings.microsoft_app_password.get_secret_value(),
        # Without an app id there is nothing to authenticate, and the SDK's anonymous mode
        # only exists for MultiTenant (SingleTenant, the default, would demand an app id).
        APP_TYPE=settings.microsoft_app_type if app_id else "MultiTenant",
        APP_TENANTID=settings.microsoft_app_tenant_id.strip(),
    )


def build_cloud_adapter(settings: TeamsSettings) -> CloudAdapter:
    """The adapter for ``settings``. Raises ``ValueError`` when the credentials contradict the
    app type (e.g. SingleTenant without a tenant id)."""
    config = adapter_config(settings)
    try:
        authentication = ConfigurationBotFrameworkAuthentication(config, logger=log)
    except Exception as exc:  # the SDK raises a bare Exception naming the missing setting
        raise ValueError(f"Teams settings are incomplete: {exc}") from exc
    adapter = CloudAdapter(authentication)
    adapter.on_turn_error = _on_turn_error
    return adapter


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    if isinstance(error, NotKept):
        raise error  # answered with a 503 (see bots.teams.http)
    activity = turn_context.activity
    log.error(
        "Teams turn failed type=%s name=%s",
        activity.type if activity else None,
        activity.name if activity else None,
        exc_info=error,
    )
