"""Settings → SDK client: explicit timeout and retries, the right endpoint and token parameter."""

from __future__ import annotations

from openai import AzureOpenAI, OpenAI

from core.llm.client import build_endpoint
from core.settings import LlmSettings


def settings(**values: object) -> LlmSettings:
    return LlmSettings(_env_file=None, **values)  # type: ignore[arg-type]


def test_openai_compatible_server() -> None:
    endpoint = build_endpoint(
        settings(
            openai_base_url="http://127.0.0.1:11434/v1",
            ticketbot_llm_model="llama3.1",
            ticketbot_llm_timeout_seconds=3.5,
            ticketbot_llm_max_retries=2,
        )
    )
    assert isinstance(endpoint.client, OpenAI)
    assert str(endpoint.client.base_url) == "http://127.0.0.1:11434/v1/"
    assert endpoint.client.timeout == 3.5
    assert endpoint.client.max_retries == 2
    assert endpoint.model == "llama3.1"
    assert endpoint.token_limit_param == "max_tokens"


def test_openai_itself_gets_max_completion_tokens() -> None:
    endpoint = build_endpoint(settings(openai_api_key="test-key"))
    assert str(endpoint.client.base_url) == "https://api.openai.com/v1/"
    assert endpoint.client.timeout == 8.0  # our default, not the SDK's 600 s
    assert endpoint.token_limit_param == "max_completion_tokens"


def test_azure() -> None:
    endpoint = build_endpoint(
        settings(
            azure_openai_endpoint="https://contoso.openai.azure.com",
            azure_openai_api_key="test-key",
            ticketbot_llm_model="my-deployment",
        )
    )
    assert isinstance(endpoint.client, AzureOpenAI)
    assert endpoint.client.timeout == 8.0
    assert endpoint.token_limit_param == "max_completion_tokens"


def test_configured() -> None:
    assert not settings().configured
    assert settings(openai_api_key="test-key").configured
    assert settings(openai_base_url="http://127.0.0.1:1234/v1").configured
    assert not settings(azure_openai_endpoint="https://contoso.openai.azure.com").configured
