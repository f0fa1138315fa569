"""Typed configuration from the environment and an optional ``.env`` file, validated in one place."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_LOCALES = ("de", "en")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/miglobe.db"
_TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line naming the setting."""


class Settings(BaseSettings):
    """Every setting of the bot. Names match the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    coordinator_ids: Annotated[tuple[int, ...], NoDecode] = ()
    default_locale: str = "de"
    timezone: str = "Europe/Berlin"
    log_level: str = "INFO"
    # "text" (one readable line per record) or "json" (one JSON object per line, for log collectors).
    log_format: str = "text"
    # Polling mode: serve /healthz, /readyz and /metrics on this port (off when unset).
    health_port: int | None = Field(default=None, ge=1, le=65535)
    # /readyz: Telegram counts as reachable if a Bot API call succeeded within this many minutes.
    ready_telegram_minutes: float = Field(default=10.0, gt=0)
    contact_email: str = "miglobe@example.org"
    contact_phone: str = "+49 711 000000"
    privacy_url: str = "https://bw.miglobe.de/datenschutz"
    inbox_retention_days: int = Field(default=14, ge=1)
    outbox_retention_days: int = Field(default=14, ge=1)
    draft_reminder_hours: float = Field(default=24.0, gt=0)
    draft_retention_days: int = Field(default=14, ge=1)
    sweep_interval_seconds: float = Field(default=30.0, gt=0)
    max_concurrent_updates: int = Field(default=32, ge=1, le=1024)
    # The overall budget for bulk and proactive messages (broadcasts, offers, reminders), shared by
    # every process on one PostgreSQL; Telegram's bulk limit is about 30/s.
    send_rate_per_second: float = Field(default=25.0, gt=0, le=30)
    # Replies to a person's own update are limited per chat (as Telegram does) and by this ceiling
    # per process, not by the bulk budget; a 429 lowers it for a while.
    reply_rate_per_second: float = Field(default=300.0, gt=0, le=10000)
    # Several processes: a process handles a chat's updates only while it holds the chat's lease
    # (PostgreSQL); a dead holder's chats are taken over after this many seconds.
    chat_lease_seconds: float = Field(default=15.0, ge=1, le=600)
    # Polling: a second process that gets Telegram's 409 Conflict waits as a standby and tries
    # to take over polling this often.
    polling_standby_seconds: float = Field(default=10.0, gt=0, le=600)
    offer_response_hours: float = Field(default=48.0, gt=0)
    kickoff_reminder_hours: float = Field(default=24.0, gt=0)
    # The bot's @username, for invitation links printed by the CLI (which does not ask Telegram).
    bot_username: str | None = None
    # A Telegram group of the coordinators: handed-over questions go there instead of to each of them.
    coordinator_group_id: int | None = None
    # A request in a step the programme owes (submitted, offered, no match, accepted) that has not
    # changed for this many days is marked as waiting too long in /anfragen.
    request_waiting_days: float = Field(default=3.0, gt=0)
    # How often a running broadcast is fed to the outbox and its progress message updated.
    broadcast_sweep_seconds: float = Field(default=3.0, gt=0)
    # Flood guard: updates one person may send at once, and how fast that allowance refills.
    flood_burst: int = Field(default=60, ge=1)
    flood_rate_per_second: float = Field(default=3.0, gt=0)
    # Privacy (issue 12): a request that ended (closed, withdrawn, cancelled) is anonymised after
    # this many days; a question no longer waiting for a person is blanked after this many.
    request_retention_days: int = Field(default=182, ge=1)
    question_retention_days: int = Field(default=90, ge=1)
    # Requests one contact may send within 24 hours (coordinators are exempt).
    max_requests_per_day: int = Field(default=5, ge=1)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _check_token(cls, value: Any) -> Any:
        """Accept an empty token or one of the form @BotFather gives."""
        if value in (None, ""):
            return None
        if not _TOKEN_PATTERN.match(str(value).strip()):
            raise ValueError("expected the form 123456:ABC… that @BotFather gives")
        return str(value).strip()

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        """Accept SQLite or PostgreSQL URLs and name their async drivers."""
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("expected sqlite+aiosqlite:///… or postgresql+asyncpg://…")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://"):
            value = "sqlite+aiosqlite://" + value.split("://", 1)[1]
        return value

    @field_validator("telegram_base_url", "webhook_url", "privacy_url", mode="before")
    @classmethod
    def _check_url(cls, value: Any) -> Any:
        """Accept an empty value or an http(s) URL."""
        if value in (None, ""):
            return None
        text = str(value).strip()
        if not re.match(r"^https?://[^\s/]+", text):
            raise ValueError("expected an http:// or https:// URL")
        return text

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: Any) -> Any:
        """Read a comma-separated list of Telegram user ids."""
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if any(not re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("expected Telegram user ids separated by commas, e.g. 12345,67890")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("coordinator_group_id", mode="before")
    @classmethod
    def _check_group_id(cls, value: Any) -> Any:
        """Accept an empty value or a group chat id (a negative number)."""
        if value in (None, ""):
            return None
        text = str(value).strip()
        # Group and supergroup chat ids are negative; a positive id would be a person's private chat.
        if not re.fullmatch(r"-\d+", text):
            raise ValueError("expected a Telegram group chat id, a negative number such as -1001234567890")
        return int(text)

    @field_validator("default_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        """Accept only a language the bot speaks."""
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"expected one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        """Accept only a time zone the system knows."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone such as Europe/Berlin") from exc
        return value

    @field_validator("health_port", mode="before")
    @classmethod
    def _check_health_port(cls, value: Any) -> Any:
        """Treat an empty health port as none."""
        return None if value in (None, "") else value

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        """Accept ``text`` or ``json`` in any case."""
        fmt = value.strip().lower()
        if fmt not in {"text", "json"}:
            raise ValueError("expected text or json")
        return fmt

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        """Accept a standard logging level name in any case."""
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @cached_property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        """The bot token in clear text, or None when none is configured."""
        return self.bot_token.get_secret_value() if self.bot_token else None

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file of the database URL, or None for PostgreSQL or in-memory databases."""
        if not self.database_url.startswith("sqlite"):
            return None
        path = self.database_url.split(":///", 1)[-1]
        return None if path in ("", ":memory:") else Path(path)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; raise :class:`ConfigError` with one line naming the bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"Invalid setting {name}: {message}") from None
