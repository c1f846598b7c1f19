"""The Bot Framework ``CloudAdapter`` from the settings (nothing is read from the environment
here). With no ``MICROSOFT_APP_ID`` it runs in local mode: requests are not authenticated (the
Bot Framework Emulator and tests); with one, an unauthenticated request gets 401."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from core.settings import TeamsSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdapterConfig:
    """The attribute names ``ConfigurationBotFrameworkAuthentication`` reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def local_mode(settings: TeamsSettings) -> bool:
    """No app id: no authentication, for the emulator and tests only."""
    return not settings.microsoft_app_id.strip()


def adapter_config(settings: TeamsSettings) -> AdapterConfig:
    return AdapterConfig(
        APP_ID=settings.microsoft_app_id.strip(),
        APP_PASSWORD=settings.microsoft_app_password.get_secret_value(),
        APP_TYPE=settings.microsoft_app_type,
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
    activity = turn_context.activity
    log.error(
        "Teams turn failed type=%s name=%s",
        activity.type if activity else None,
        activity.name if activity else None,
        exc_info=error,
    )
