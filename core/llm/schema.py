"""The structured answer the model must give, validated with pydantic."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.intents import Intent
from core.tickets import Priority

# The one list of intents: the enum. The schema's enum and the prompt are built from it.
INTENT_NAMES = tuple(intent.value for intent in Intent)
PriorityName = Literal["Low", "Medium", "High", "Critical"]

SCHEMA_NAME = "ticketbot_reading"


class LlmAnswer(BaseModel):
    """One reading of one message. Every field is required (nullable where it may be empty),
    which is what strict JSON-schema output demands and what makes a missing field an error."""

    model_config = ConfigDict(extra="forbid")

    intent: str = Field(
        description="What the person wants.", json_schema_extra={"enum": list(INTENT_NAMES)}
    )
    ticket: str | None = Field(
        description="The ticket they refer to, exactly as written in the conversation "
        "(48213, #48213 or T20251104.0031); null when none was mentioned."
    )
    title: str | None = Field(
        description="create_ticket: a short ticket title (at most 80 characters); else null."
    )
    description: str | None = Field(
        description="create_ticket / add_note: the person's own words that belong in the "
        "ticket or note; else null."
    )
    priority: PriorityName | None = Field(
        description="Only when the person states or clearly implies urgency; else null."
    )
    reply: str | None = Field(
        description="question / smalltalk / help: the short answer to show; else null."
    )

    # Lenient about spelling (servers without strict output), strict about meaning.
    @field_validator("intent", mode="before")
    @classmethod
    def _normalise_intent(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower().replace(" ", "_").replace("-", "_")
        if value not in INTENT_NAMES:
            raise ValueError(f"intent must be one of {', '.join(INTENT_NAMES)}")
        return value

    @field_validator("priority", mode="before")
    @classmethod
    def _normalise_priority(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip() or value.strip().lower() in {"null", "none"}:
                return None
            parsed = Priority.parse(value)
            return parsed.value if parsed else value
        return value

    @property
    def intent_enum(self) -> Intent:
        return Intent(self.intent)


def strict_response_format() -> dict[str, Any]:
    """``response_format`` for servers with strict JSON-schema output (OpenAI, Azure, vLLM)."""
    schema = LlmAnswer.model_json_schema()
    schema.pop("description", None)  # the class docstring is for us, not the model
    # Strict mode wants every property listed as required and no extra keys anywhere.
    schema["required"] = list(schema["properties"])
    schema["additionalProperties"] = False
    return {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": schema},
    }
