"""The neutral message types that adapters, handlers and the scheduler exchange.

An `Incoming` is what one person sent (text, a button press, a whole form, a file); a `Reply`
says what to show, whether it answers or refuses, who may see it, and where it goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# Telegram's callback_data limit; every adapter can carry an action of this size.
MAX_ACTION_BYTES = 64

# What a typed number means where people may type a button's number instead of tapping (the console):
# "position": the N-th button shown; "label": the button whose label starts with N ("3. Innovation…",
# workshop and task numbers); "answer": the reply asks for a number (a head count), so a typed number
# is an answer for the bot, never a button.
TypedNumbers = Literal["position", "label", "answer"]

# An answer, or a refusal (nothing was changed; the sentence says why).
ReplyKind = Literal["answer", "refusal"]
# Who may see a reply: everyone in the chat, or only the person who asked (a Slack ephemeral
# message; elsewhere the asker's private chat when the question came from a group).
Visibility = Literal["chat", "asker"]


@dataclass(frozen=True)
class Recipient:
    """Where a message the bot starts goes: a chat, or a person (their private chat on their platform)."""

    platform: str
    chat_id: str | None = None
    user_id: str | None = None

    def __post_init__(self) -> None:
        if (self.chat_id is None) == (self.user_id is None):
            raise ValueError("a recipient is a chat or a person, exactly one of them")

    @classmethod
    def chat(cls, platform: str, chat_id: str) -> Recipient:
        return cls(platform, chat_id=chat_id)

    @classmethod
    def person(cls, platform: str, user_id: str) -> Recipient:
        return cls(platform, user_id=user_id)

    @property
    def is_person(self) -> bool:
        return self.user_id is not None


@dataclass(frozen=True)
class Attachment:
    """A file: sent by the bot (an export, a calendar, a chart) or sent to it (a CSV to import)."""

    filename: str
    content: bytes
    mime: str
    kind: Literal["document", "image"] = "document"


@dataclass(frozen=True)
class Submission:
    """A whole form sent at once (a Slack modal): the form's name and each field's raw value."""

    form: str
    values: Mapping[str, Any]
    # The collectivity or other context the form was opened for, echoed back by the platform.
    context: str = ""


# What a form field holds. In a Submission's values: "text" a str, "number" an int (or its digits),
# "choice" one choice's value, "yesno" a bool (or "yes"/"no"), "group" a list of {sub-field: value}.
FieldKind = Literal["text", "number", "choice", "yesno", "group"]


@dataclass(frozen=True)
class ChoiceView:
    """One answer a choice field offers: the value submitted and the label shown."""

    value: str
    label: str


@dataclass(frozen=True)
class FieldView:
    """One field of a form as a platform renders it whole (a Slack modal block)."""

    name: str
    kind: FieldKind
    label: str
    required: bool = True
    # A number's bounds, or a group's number of items.
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    # A long text (a summary): a multi-line input.
    multiline: bool = False
    choices: tuple[ChoiceView, ...] = ()
    # The answer already given (prefilled), in the Submission's value format.
    value: Any = None
    # A group's fields, repeated for each item (a delegation's persons).
    fields: tuple[FieldView, ...] = ()


@dataclass(frozen=True)
class FormView:
    """A whole form to render at once; step-by-step platforms ignore it and show the reply's question."""

    form: str
    title: str
    submit: str
    fields: tuple[FieldView, ...]
    # Sent back as Submission.context: what the form was opened for (a collectivity id).
    context: str = ""


@dataclass(frozen=True)
class Incoming:
    """A message, a button press, a whole form or a file from one person in one chat."""

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
    attachment: Attachment | None = None
    submission: Submission | None = None
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
class Reply:
    """What to say; by default to the chat the incoming message came from, for everyone in it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    kind: ReplyKind = "answer"
    visibility: Visibility = "chat"
    # Somewhere else to write to (a person's private chat, a subscribed group), else None: the asking chat.
    to: Recipient | None = None
    # Replace the message whose button was pressed, instead of sending a new one.
    edit: bool = False
    numbers: TypedNumbers = "position"
    # Each field's error when a whole form was refused (field name -> sentence), for a modal to show.
    field_errors: Mapping[str, str] = field(default_factory=dict)
    # The form this reply starts, for a platform that renders forms whole (a Slack modal).
    form: FormView | None = None
    # A reply sent elsewhere (`to`, e.g. the asker's private chat): what the asking chat reads once it
    # is delivered, and what it reads instead when it cannot be (the person never opened a private chat).
    delivered_note: Reply | None = None
    undelivered_note: Reply | None = None

    @property
    def expects_number(self) -> bool:
        """The reply asks the person to type a number: digits are never read as a button."""
        return self.numbers == "answer"

    @property
    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]
