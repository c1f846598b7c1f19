"""Building the SDK client from :class:`core.settings.LlmSettings` (composition root only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from openai import AzureOpenAI, OpenAI

from core.settings import LlmSettings

# Local servers (Ollama, vLLM, LM Studio) ignore the key but the SDK insists on one.
LOCAL_SERVER_API_KEY = "unused"
DEFAULT_AZURE_API_VERSION = "2024-10-21"

TokenLimitParam = Literal["max_tokens", "max_completion_tokens"]


@dataclass(frozen=True)
class LlmEndpoint:
    """A ready client and how to talk to it.

    ``token_limit_param``: OpenAI and Azure want ``max_completion_tokens`` (reasoning models
    reject ``max_tokens``); most OpenAI-compatible servers only know ``max_tokens``.
    """

    client: OpenAI
    model: str
    token_limit_param: TokenLimitParam
    description: str


def build_endpoint(settings: LlmSettings) -> LlmEndpoint:
    """An :class:`OpenAI` (or :class:`AzureOpenAI`) client with an explicit timeout and retry
    count: the SDK's defaults (600 s, 2 retries) are far too long for a chat reply."""
    timeout = settings.ticketbot_llm_timeout_seconds
    retries = settings.ticketbot_llm_max_retries
    model = settings.ticketbot_llm_model
    if settings.azure_openai_endpoint:
        key = settings.azure_openai_api_key or settings.openai_api_key
        azure = AzureOpenAI(
            azure_endpoint=settings.azure_openai_endpoint,
            api_key=key.get_secret_value() if key else None,
            api_version=settings.openai_api_version or DEFAULT_AZURE_API_VERSION,
            timeout=timeout,
            max_retries=retries,
        )
        return LlmEndpoint(azure, model, "max_completion_tokens", "azure")
    key = settings.openai_api_key
    if settings.openai_base_url:
        client = OpenAI(
            api_key=key.get_secret_value() if key else LOCAL_SERVER_API_KEY,
            base_url=settings.openai_base_url,
            timeout=timeout,
            max_retries=retries,
        )
        host = (urlsplit(settings.openai_base_url).hostname or "").lower()
        if host == "api.openai.com" or host.endswith(".openai.azure.com"):
            return LlmEndpoint(client, model, "max_completion_tokens", host)
        return LlmEndpoint(client, model, "max_tokens", "openai-compatible")
    client = OpenAI(
        api_key=key.get_secret_value() if key else None,
        base_url="https://api.openai.com/v1",
        timeout=timeout,
        max_retries=retries,
    )
    return LlmEndpoint(client, model, "max_completion_tokens", "openai")
