"""One typed settings object, read from the environment and an optional ``.env`` file.

Each section reads the variable names its own ecosystem uses (``SLACK_BOT_TOKEN``,
``MICROSOFT_APP_ID``, ``OPENAI_API_KEY``, ``AUTOTASK_...``); the bot's own are ``TICKETBOT_...``.
Build it once, in the composition root (:func:`load_settings`), and pass parts of it down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.ports import RatePolicy

DEFAULT_KNOWLEDGE_FILE = Path(__file__).with_name("knowledge.yaml")
# Programs and scripts: a help desk ticket should not carry them (Autotask refuses many too).
BLOCKED_EXTENSIONS = ("exe", "msi", "bat", "cmd", "com", "scr", "ps1", "vbs", "js", "jar", "dll")


def _split_list(value: Any) -> Any:
    """Lists in the environment are written ``a@x.com, b@y.com`` (JSON lists work too)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )


class AutotaskSettings(BaseSettings):
    """``AUTOTASK_*``: the API user, its tenant's ticket defaults and picklist overrides."""

    model_config = _config("AUTOTASK_")

    username: str | None = None
    secret: SecretStr | None = None
    integration_code: SecretStr | None = None
    # Skips zone discovery, e.g. https://webservices15.autotask.net/ATServicesRest/
    base_url: str | None = None
    web_url: str | None = None  # UI base for links when base_url skips discovery
    zone_lookup_url: str = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
    impersonation_resource_id: int | None = None
    default_company_id: int | None = None
    default_queue_id: int | None = None
    # Bot priority -> tenant label or integer value, e.g.
    # AUTOTASK_PRIORITY_MAP='{"Low": "Severity 4 - TwoDays", "High": 2}'
    priority_map: dict[str, str | int] = Field(default_factory=dict)
    status_new: str | None = "New"  # label or value
    status_complete: str | None = "Complete"
    ticket_type: int | None = None
    source: int | None = None
    issue_type: int | None = None
    # Name, nickname or id of the category new tickets get; unset: the tenant's default.
    ticket_category: int | str | None = None
    # Hours until a new ticket is due: one number, or JSON by priority, e.g. '{"High": 4}';
    # unset: Critical 4, High 8, Medium 24, Low 72; 0: send no due date.
    due_hours: dict[str, int] | int | None = None
    # Label or value, e.g. "Task Notes" or 3; unset: the picklist's default, else "Task Notes".
    note_type: int | str | None = None
    note_publish: int | str | None = None
    # Technicians' internal notes: label or value; unset: the label "Internal Only" (or the one
    # active label with the word "internal"). Never one of the values requesters may read.
    internal_note_publish: int | str | None = None
    unknown_contact: Literal["refuse", "default_company"] = "refuse"
    company_visibility: bool = False
    picklist_ttl_seconds: int = 3600
    timeout_seconds: float = 15.0
    max_concurrent_per_endpoint: int = 3
    # "Open in Autotask" link; {web_url} is the zone's UI base (ends with "/"), {id} the ticket id.
    ticket_url_template: str = (
        "{web_url}Autotask/AutotaskExtend/ExecuteCommand.aspx?Code=OpenTicketDetail&TicketID={id}"
    )
    # Who a chat e-mail is in Autotask (an e-mail no contact has is asked again after 2 min).
    identity_cache_seconds: int = 3600
    # A ticket read is shared for this long (the bot's own writes refresh it); 0: not kept.
    ticket_cache_seconds: float = 5.0
    read_retries: int = 3
    threshold_check_seconds: int = 300
    # Note ``publish`` values a requester may read; empty: the value the bot writes notes with.
    requester_note_publish: list[int] = Field(default_factory=list)
    notes_shown: int = 3

    @property
    def configured(self) -> bool:
        return bool(self.username and self.secret and self.integration_code)

    @property
    def missing(self) -> list[str]:
        """The credential settings that are not set, by their environment names."""
        names = {
            "AUTOTASK_USERNAME": self.username,
            "AUTOTASK_SECRET": self.secret,
            "AUTOTASK_INTEGRATION_CODE": self.integration_code,
        }
        return [name for name, value in names.items() if not value]


class WaystoneSettings(BaseSettings):
    """``WAYSTONE_*``: the intermediary API of the original design document."""

    model_config = _config("WAYSTONE_")

    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout_seconds: float = 10.0
    read_retries: int = 2

    @property
    def missing(self) -> list[str]:
        """The required settings that are not set, by their environment names."""
        names = {"WAYSTONE_BASE_URL": self.base_url, "WAYSTONE_API_KEY": self.api_key}
        return [name for name, value in names.items() if not value]


class LlmSettings(BaseSettings):
    """``OPENAI_*`` (the SDK's own names), ``AZURE_OPENAI_*`` and ``TICKETBOT_LLM_*``."""

    model_config = _config("")

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    azure_openai_endpoint: str | None = None
    azure_openai_api_key: SecretStr | None = None
    openai_api_version: str | None = "2024-10-21"  # Azure OpenAI only
    ticketbot_llm_model: str = "gpt-4o-mini"
    ticketbot_llm_timeout_seconds: float = 8.0
    ticketbot_llm_max_retries: int = 1
    ticketbot_llm_history_tokens: int = 1500
    # False for servers without strict json_schema output: ask for plain JSON and validate it.
    ticketbot_llm_strict_schema: bool = True
    ticketbot_llm_max_output_tokens: int = 800
    ticketbot_llm_knowledge_entries: int = 3

    @property
    def configured(self) -> bool:
        return bool(
            self.openai_api_key
            or self.openai_base_url
            or (self.azure_openai_endpoint and self.azure_openai_api_key)
        )


class SlackSettings(BaseSettings):
    """``SLACK_*``: Bolt's usual names."""

    model_config = _config("SLACK_")

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    api_url: str = "https://slack.com/api/"


class TeamsSettings(BaseSettings):
    """``MICROSOFT_APP_*``: the Bot Framework's names; ``TEAMS_*`` for the app package."""

    model_config = _config("")

    microsoft_app_id: str = ""
    microsoft_app_password: SecretStr = SecretStr("")
    # Azure issues new bot registrations as SingleTenant (with MICROSOFT_APP_TENANT_ID).
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "SingleTenant"
    microsoft_app_tenant_id: str = ""
    # Without MICROSOFT_APP_ID, /api/messages answers 401 unless this is on: then it answers
    # unauthenticated activities from a loopback serviceUrl (Bot Framework Emulator, tests).
    teams_local_mode: bool = False
    # Card buttons: "execute" (Universal Actions: a card updates in place) or "submit" (for the
    # Bot Framework Emulator and clients without Universal Actions).
    teams_card_actions: Literal["execute", "submit"] = "execute"
    # The app package (`ticketbot teams-package`). Bump the version for every upload.
    teams_app_version: str = "1.0.0"
    teams_app_name: str = "Ticketbot"
    teams_developer_name: str = "IT help desk"
    teams_website_url: str = ""  # https; the privacy and terms links default to it
    teams_privacy_url: str = ""
    teams_terms_url: str = ""
    teams_accent_color: str = "#2B579A"
    teams_valid_domains: CommaList = Field(default_factory=list)


class TicketbotSettings(BaseSettings):
    """``TICKETBOT_*`` and the server's ``PORT`` / ``HOST``."""

    model_config = _config("TICKETBOT_")

    database_url: str = "sqlite:///ticketbot.db"
    backend: Literal["local", "autotask", "waystone"] = "local"
    knowledge_file: Path = DEFAULT_KNOWLEDGE_FILE
    history_turns: int = 20
    history_retention_days: int = Field(default=90, ge=0)  # 0: keep none
    # Audit entries older than this may be purged (start-up, `ticketbot purge`); None: keep all.
    audit_retention_days: int | None = Field(default=None, ge=1)
    max_message_chars: int = 8000
    staff_emails: CommaList = Field(default_factory=list)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Events one process works on at once (more wait in the inbox). Sized for waiting: most of
    # an event's time goes on the LLM's or the help desk's answer, which takes no CPU.
    workers: int = Field(default=64, ge=1)
    # Counted from the message's arrival; an LLM answer alone takes 1-3 s, and a note right
    # before a normal answer only doubles the posts.
    slow_reply_notice_seconds: float = 4.0
    shutdown_timeout_seconds: float = 20.0
    # The durable inbox: how long a process holds an event it works on before anyone may take
    # it over (it renews while working), and how often it looks for such events.
    inbox_lease_seconds: float = Field(default=30.0, gt=0)
    inbox_poll_seconds: float = Field(default=1.0, gt=0)
    # Off: `serve` only acknowledges, keeps events in the inbox and delivers answers; separate
    # `ticketbot worker` processes answer them.
    serve_processes: bool = True
    # Token buckets: capacity and refill per minute; a read costs 1, a write costs write_cost.
    # Generous enough that a person typing never meets it; it stops loops and floods.
    rate_user_capacity: float = 60.0
    rate_user_per_minute: float = 30.0
    rate_write_cost: float = RatePolicy.write_cost
    rate_backend_per_hour: float = 3000.0
    # Files sent with a message (Slack, Teams): at most this many per message, each at most this
    # many bytes (Autotask's API takes "6 to 7 MB"), none with these endings; files not attached
    # to a ticket are deleted after the retention.
    attachment_max_bytes: int = Field(default=6_000_000, ge=0)
    attachment_max_count: int = Field(default=5, ge=0)
    attachment_blocked_extensions: CommaList = Field(
        default_factory=lambda: list(BLOCKED_EXTENSIONS)
    )
    attachment_retention_days: int = Field(default=7, ge=1)
    # updates: ticket updates in the chat (polling interval, 0 = off; burst coalescing window)
    updates_poll_seconds: float = 60.0
    updates_coalesce_seconds: float = 60.0
    # triage: the technicians' channel(s) where every ticket filed through the bot gets a card.
    # Slack: a channel id (C…, the bot invited); Teams: a channel id (19:…@thread.tacv2), reached
    # through the reference captured when the bot was added to its team, else this service URL
    # and MICROSOFT_APP_TENANT_ID.
    triage_slack_channel: str = ""
    triage_teams_channel: str = ""
    triage_teams_service_url: str = "https://smba.trafficmanager.net/teams/"


class ServerSettings(BaseSettings):
    """``PORT`` / ``HOST`` with no prefix, as hosting platforms set them."""

    model_config = _config("")

    port: int = 3978
    host: str = "0.0.0.0"


class Settings(BaseSettings):
    """Everything the bot can be told. Sections read their own environment variables."""

    model_config = _config("TICKETBOT_")

    bot: TicketbotSettings = Field(default_factory=TicketbotSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    autotask: AutotaskSettings = Field(default_factory=AutotaskSettings)
    waystone: WaystoneSettings = Field(default_factory=WaystoneSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    teams: TeamsSettings = Field(default_factory=TeamsSettings)


def describe_invalid(exc: ValidationError) -> list[str]:
    """One line per invalid setting, named as the admin writes it (``PORT``,
    ``AUTOTASK_DEFAULT_QUEUE_ID``). Values are left out: one might be a secret."""
    sections = (
        TicketbotSettings,
        ServerSettings,
        AutotaskSettings,
        WaystoneSettings,
        LlmSettings,
        SlackSettings,
        TeamsSettings,
    )
    prefix = next(
        (str(c.model_config.get("env_prefix", "")) for c in sections if c.__name__ == exc.title),
        "",
    )
    return [
        f"{prefix}{'_'.join(str(part) for part in error['loc'])}".upper() + f": {error['msg']}"
        for error in exc.errors()
    ]


def load_settings() -> Settings:
    """Read the environment and ``.env`` once; call this only in the composition root."""
    return Settings()
