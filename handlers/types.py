"""The neutral message types that adapters and handlers exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# Telegram's callback_data limit; every adapter can carry an action of this size.
MAX_ACTION_BYTES = 64

# What a typed number means where people may type a button's number instead of tapping (the console):
# "position": the N-th button shown; "label": the button whose label starts with N ("3. Innovation…",
# workshop and task numbers); "answer": the reply asks for a number (a head count), so a typed number
# is an answer for the bot, never a button.
TypedNumbers = Literal["position", "label", "answer"]


@dataclass(frozen=True)
class Incoming:
    """A message or button press from one person in one chat."""

    platform: str
    user_id: str
    chat_id: str
    text: str = ""
    action: str | None = None
    is_group: bool = False
    display_name: str | None = None
    locale_hint: str | None = None
    # A group's name, for lists of subscribed channels.
    chat_title: str | None = None
    raw: Any = field(default=None, compare=False, repr=False)

    @property
    def actor(self) -> str:
        """`platform:user_id`, as in ADMINS and the audit log."""
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Button:
    label: str
    action: str

    def __post_init__(self) -> None:
        if len(self.action.encode()) > MAX_ACTION_BYTES:
            raise ValueError(f"button action over {MAX_ACTION_BYTES} bytes: {self.action!r}")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str
    kind: Literal["document", "image"] = "document"


@dataclass(frozen=True)
class Reply:
    """What to say; by default to the chat the incoming message came from."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    # Another chat to write to (a private reply to a group command), else None.
    chat_id: str | None = None
    # Replace the message whose button was pressed, instead of sending a new one.
    edit: bool = False
    numbers: TypedNumbers = "position"

    @property
    def expects_number(self) -> bool:
        """The reply asks the person to type a number: digits are never read as a button."""
        return self.numbers == "answer"

    @property
    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]
