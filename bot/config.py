"""Configuration from the environment (the contract table in README.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from contract.numbers import parse_int
from contract.platforms import PLATFORMS
from storage.event_source import default_event_path


class ConfigError(ValueError):
    """A setting that cannot work, explained."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///rencontres.db"
    event_file: Path = field(default_factory=default_event_path)
    admins: frozenset[str] = frozenset()
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    # Messages per second the bot starts on Telegram, all chats together (reminders, broadcasts): Telegram's
    # flood limit is about 30; more only where the Bot API allows it (a local server, a paid broadcast limit).
    telegram_rate: int = 30
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: int = 8080

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        port_text = get("HTTP_PORT") or "8080"
        port = parse_int(port_text)
        if port is None or not 0 < port < 65536:
            raise ConfigError(f"HTTP_PORT must be a port number, not {port_text!r}")
        rate_text = get("TELEGRAM_RATE") or str(cls.telegram_rate)
        rate = parse_int(rate_text)
        if rate is None or rate < 1:
            raise ConfigError(f"TELEGRAM_RATE must be a whole number of messages per second, not {rate_text!r}")
        event = get("EVENT_FILE")
        return cls(
            database_url=get("DATABASE_URL") or cls.database_url,
            event_file=Path(event) if event else default_event_path(),
            admins=parse_admins(get("ADMINS") or ""),
            telegram_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_url=get("TELEGRAM_API_URL") or cls.telegram_api_url,
            telegram_webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            telegram_rate=rate,
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_api_url=get("SLACK_API_URL") or cls.slack_api_url,
            http_host=get("HTTP_HOST") or cls.http_host,
            http_port=port,
        )

    def configured_platforms(self) -> list[str]:
        """The chat platforms `run` would start with these settings."""
        found = []
        if self.telegram_token:
            found.append("telegram")
        if self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret):
            found.append("slack")
        return found


def parse_admins(value: str) -> frozenset[str]:
    """`telegram:123,slack:U1,console:alice` -> a set of `platform:user` identities."""
    admins = set()
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            continue
        platform, sep, user = item.partition(":")
        if not sep or platform not in PLATFORMS or not user.strip():
            raise ConfigError(
                f"ADMINS entry {item!r} should read platform:user with platform one of {', '.join(PLATFORMS)}"
            )
        admins.add(f"{platform}:{user.strip()}")
    return frozenset(admins)
