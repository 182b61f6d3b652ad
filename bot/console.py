"""The console adapter: chat with the bot in a terminal, or through a pipe.

Buttons are shown as numbered options; typing the number presses the button. A reply
says what its numbers are (Reply.numbers): positions, the numbers their labels start with
(workshops, tasks), or none when it asks for a number — then the buttons get letters.
Files (exports, calendars, charts) are written to a folder and their path shown.
A refusal starts with "⚠"; the console has one user, so a reply for the asker only, or to a
person, is printed here like any other; a message to another chat is headed "→ chat".
It is also the console's sender: a message the bot starts is printed as it is sent.
"""

from __future__ import annotations

import asyncio
import re
import string
import sys
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.adapter import Capability, degrade
from bot.core import BotCore
from contract.delivery import Delivery, Failed, Sender, Sent
from contract.messages import Button, Incoming, Recipient, Reply

if TYPE_CHECKING:  # the console serves no HTTP: aiohttp (0.2 s to import) stays unloaded
    from aiohttp import web

PLATFORM = "console"
# Buttons are numbered options; there is no editing (a new answer is printed) and no ephemeral message.
CAPABILITIES: frozenset[Capability] = frozenset({"buttons", "files"})
REFUSAL_MARK = "⚠ "
# "3. Innovation…" or "3": the number a label starts with.
_LABEL_NUMBER = re.compile(r"^(\d+)(?!\d)")


class ConsoleAdapter:
    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(
        self,
        core: BotCore,
        user: str,
        *,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        files_dir: Path = Path("data/files"),
    ) -> None:
        self.core = core
        self.user = user
        self.stdin = stdin
        self.stdout = stdout
        self.files_dir = files_dir
        # The keys of the buttons shown last, and what they press: rendering state of this terminal only.
        self.options: dict[str, Button] = {}
        self._printed = 0
        # The reminders' planner and dispatcher on this console's clock (`--now`), checked after each line.
        self.reminders: Callable[[], Coroutine[Any, Any, object]] | None = None

    def incoming(self, line: str) -> Incoming:
        button = self.options.get(line.strip().lower())
        if button is not None:
            return Incoming(
                PLATFORM, self.user, self.user, text=line.strip(), action=button.action, display_name=self.user
            )
        return Incoming(PLATFORM, self.user, self.user, text=line, display_name=self.user)

    def send(self, line: str) -> list[Reply]:
        """Hand one typed line to the bot and print its answers."""
        replies = self.core.handle(self.incoming(line))
        # Keys of an earlier answer's buttons must not press anything once a new answer is shown.
        self.options = {}
        for reply in replies:
            self.render(reply)
        return replies

    def render(self, reply: Reply) -> None:
        reply = degrade(reply, self.capabilities)
        out = self.stdout
        if reply.to is not None and not self.is_mine(reply.to):
            out.write(f"→ {reply.to.chat_id or reply.to.user_id}\n")
        mark = REFUSAL_MARK if reply.kind == "refusal" else ""
        out.write(mark + reply.text.rstrip() + "\n")
        buttons = reply.all_buttons
        if buttons:
            self.options = button_keys(reply)
            for key, button in self.options.items():
                label = button.label
                if reply.numbers == "label":
                    # "[3] Innovation…" rather than "[3] 3. Innovation…".
                    label = re.sub(r"^\d+\.\s+", "", label) or label
                out.write(f"  [{key}] {label}\n")
        if reply.attachment is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(reply.attachment.filename).name
            path.write_bytes(reply.attachment.content)
            out.write(f"  📎 {path}\n")
        out.write("\n")
        out.flush()
        self._printed += 1

    def is_mine(self, recipient: Recipient) -> bool:
        """The console's one user, or its one chat: both are this terminal."""
        return recipient.platform == PLATFORM and self.user in (recipient.user_id, recipient.chat_id)

    # -- the Adapter interface: a sender, nothing to serve or start -----------------------------

    @property
    def sender(self) -> Sender:
        return self

    async def deliver(self, recipient: Recipient, reply: Reply) -> Delivery:
        """Print a message the bot starts, as it is sent (to the one user, or headed with its chat)."""
        if recipient.platform != PLATFORM:
            return Failed("refused", f"not a console recipient: {recipient}")
        self.render(reply if reply.to == recipient else replace(reply, to=recipient))
        return Sent(str(self._printed))

    def routes(self) -> list[web.RouteDef]:
        return []

    async def start(self) -> None:
        """Nothing to log in to."""

    async def listen(self) -> None:
        """The console reads its lines itself (`run`), outside the asyncio loop of `rencontres-bot run`."""

    async def stop(self) -> None:
        """Nothing to close."""

    def run(self) -> None:
        interactive = self.stdin.isatty()
        if interactive:
            self.stdout.write("Rencontres Bot — /help, Ctrl-D to quit\n\n")
        self.check_reminders()
        while True:
            if interactive:
                self.stdout.write("> ")
                self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                break
            if not line.strip() and not interactive:
                continue
            self.send(line.rstrip("\n"))
            self.check_reminders()

    def check_reminders(self) -> None:
        """Send what is due on this console's clock: the messages print here as they are sent."""
        if self.reminders is not None:
            asyncio.run(self.reminders())


def button_keys(reply: Reply) -> dict[str, Button]:
    """What to type for each button of a reply: its position, the number its label starts with, or a letter.

    A reply that asks for a number gets letters, so a typed number reaches the bot as an answer;
    a reply keyed by label maps "3" to the button labelled "3. …" whatever its position.
    """
    buttons = reply.all_buttons
    if reply.numbers == "answer":
        return dict(zip(string.ascii_lowercase, buttons, strict=False))
    if reply.numbers == "label":
        keys: dict[str, Button] = {}
        for button in buttons:
            match = _LABEL_NUMBER.match(button.label)
            if match is not None:
                keys.setdefault(match.group(1), button)
        return keys
    return {str(number): button for number, button in enumerate(buttons, start=1)}
