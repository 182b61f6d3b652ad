"""The chat platforms the bot knows, in one place, and how each one spells a command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    key: str
    # The platform's name as people know it (in lists such as an invite's one-tap links).
    name: str = ""
    # How a person types command `name` here: "/{name}" (Telegram, console) or "/rencontres {name}" (Slack).
    command_format: str = "/{name}"
    # Whether people can be written to first in a private chat (nudges): false for the console's one user.
    direct_messages: bool = True
    # Whether a group can show a message to one member only (Slack's ephemeral messages).
    ephemeral: bool = False

    def command(self, name: str, args: str = "") -> str:
        """`name` (and its arguments) as a person types it on this platform."""
        spelled = self.command_format.format(name=name)
        return f"{spelled} {args}" if args else spelled


PLATFORMS: dict[str, Platform] = {
    "console": Platform("console", "Console"),
    "telegram": Platform("telegram", "Telegram"),
    "slack": Platform("slack", "Slack", command_format="/rencontres {name}", ephemeral=True),
}


def platform(key: str) -> Platform:
    """The platform `key`; an unknown one spells commands the usual way."""
    return PLATFORMS.get(key) or Platform(key, key)
