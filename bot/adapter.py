"""What every platform adapter gives `rencontres-bot run`, and the one fallback for what it cannot render.

An adapter turns platform input into `Incoming`, renders `Reply`s its own way, sends the
messages the bot starts (its `sender`), and may serve HTTP routes on the one server of `run`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol

from contract.delivery import Delivery, Sender, Sent
from contract.messages import Incoming, Recipient, Reply

if TYPE_CHECKING:  # only for the annotation: the console never imports aiohttp
    from aiohttp import web

# What a platform can show: inline buttons, a message edited in place, files, a message only one
# person in a chat sees (Slack's ephemeral messages), a whole form at once (a Slack modal).
Capability = Literal["buttons", "edit", "files", "ephemeral", "whole-forms"]


class Adapter(Protocol):
    """One chat platform inside `rencontres-bot run`."""

    platform: str
    capabilities: frozenset[Capability]

    @property
    def sender(self) -> Sender:
        """Delivers the messages the bot starts (nudges, announcements) on this platform."""
        ...

    def routes(self) -> list[web.RouteDef]:
        """HTTP routes this adapter serves on the shared server (a webhook), possibly none."""
        ...

    async def start(self) -> None:
        """Log in and get ready to answer; nothing arrives yet."""
        ...

    async def listen(self) -> None:
        """Start receiving (poll, open a socket, or register a webhook): the HTTP server already listens."""
        ...

    async def stop(self) -> None: ...


def placement(incoming: Incoming, reply: Reply, capabilities: frozenset[Capability]) -> tuple[Recipient, bool]:
    """Where an answer to `incoming` is shown, and whether as a reply to the asker's own message.

    `to` wins (a chat, or a person: their private chat). A reply for the asker only, from a group,
    on a platform without ephemeral messages, stays in that group, quoting the asker's message so
    it is clear whom it concerns.
    """
    if reply.to is not None:
        return reply.to, False
    here = Recipient.chat(incoming.platform, incoming.chat_id)
    asker_only = reply.visibility == "asker" and incoming.is_group and "ephemeral" not in capabilities
    return here, asker_only


def degrade(reply: Reply, capabilities: frozenset[Capability]) -> Reply:
    """`reply` as a platform with these capabilities can show it: the one fallback for each missing one.

    no edit: a new message; no buttons: their labels listed under the text (typed commands still
    work); no files: the file's name under the text. Ephemeral: see `placement`.
    """
    changes: dict[str, object] = {}
    text = reply.text
    if reply.edit and "edit" not in capabilities:
        changes["edit"] = False
    if reply.buttons and "buttons" not in capabilities:
        text = "\n".join([text, *(f"• {button.label}" for button in reply.all_buttons)])
        changes["buttons"] = ()
    if reply.attachment is not None and "files" not in capabilities:
        text = f"{text}\n📎 {reply.attachment.filename}"
        changes["attachment"] = None
    if text != reply.text:
        changes["text"] = text
    return dataclasses.replace(reply, **changes) if changes else reply  # type: ignore[arg-type]


def note_after(reply: Reply, outcome: Delivery) -> Reply | None:
    """What the asking chat reads after a reply sent elsewhere: its note once delivered, or the one for when not."""
    if reply.to is None:
        return None
    return reply.delivered_note if isinstance(outcome, Sent) else reply.undelivered_note


def split_at_lines(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most `limit` (as the platform counts: `measure`), cut at line ends, at spaces in a long line.

    Blank pieces are dropped: platforms refuse an empty message or section.
    """
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut_line(line, limit, measure):
            extra = measure(piece) + (1 if lines else 0)
            if lines and size + extra > limit:
                chunks.append("\n".join(lines))
                lines, size, extra = [], 0, measure(piece)
            lines.append(piece)
            size += extra
    if lines:
        chunks.append("\n".join(lines))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def _cut_line(line: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    pieces = []
    while measure(line) > limit:
        end, units = 0, 0
        for end, char in enumerate(line):  # noqa: B007 - `end` is the first character over the limit
            units += measure(char)
            if units > limit:
                break
        space = line.rfind(" ", 0, end)
        cut = space if space > 0 else end
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces
