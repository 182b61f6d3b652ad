"""The console adapter: chat with the bot in a terminal, or through a pipe.

Buttons are shown as numbered options; typing the number presses the button.
Files (exports, calendars, charts) are written to a folder and their path shown.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.core import BotCore
from handlers.types import Button, Incoming, Reply

PLATFORM = "console"


class ConsoleAdapter:
    def __init__(
        self,
        core: BotCore,
        user: str,
        *,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        files_dir: Path = Path("rencontres-files"),
    ) -> None:
        self.core = core
        self.user = user
        self.stdin = stdin
        self.stdout = stdout
        self.files_dir = files_dir
        # What the last numbered options were: rendering state of this terminal only.
        self.options: list[Button] = []

    def incoming(self, line: str) -> Incoming:
        stripped = line.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.options):
            button = self.options[int(stripped) - 1]
            return Incoming(PLATFORM, self.user, self.user, text=stripped, action=button.action, display_name=self.user)
        return Incoming(PLATFORM, self.user, self.user, text=line, display_name=self.user)

    def send(self, line: str) -> list[Reply]:
        """Hand one typed line to the bot and print its answers."""
        replies = self.core.handle(self.incoming(line))
        for reply in replies:
            self.render(reply)
        return replies

    def render(self, reply: Reply) -> None:
        out = self.stdout
        out.write(reply.text.rstrip() + "\n")
        buttons = reply.all_buttons
        if buttons:
            self.options = buttons
            for number, button in enumerate(buttons, start=1):
                out.write(f"  [{number}] {button.label}\n")
        if reply.attachment is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(reply.attachment.filename).name
            path.write_bytes(reply.attachment.content)
            out.write(f"  📎 {path}\n")
        out.write("\n")
        out.flush()

    def run(self) -> None:
        interactive = self.stdin.isatty()
        if interactive:
            self.stdout.write("Rencontres Bot — /help, Ctrl-D to quit\n\n")
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
