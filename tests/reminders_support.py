"""Helpers for the outbox tests: a recording sender, the reminder service on the test clock, outbox rows,
and `rencontres-bot run` as a subprocess against a fake Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import func, select

from bot.core import BotCore
from contract.clock import FixedClock
from contract.delivery import Delivery, Sent
from contract.messages import Recipient, Reply
from scheduler.service import ReminderService
from storage.models import OutboxMessage
from tests.fake_telegram import TOKEN, FakeTelegram


@dataclass
class RecordingSender:
    """A platform that records what it is given; `script[who]` gives the answers for one recipient, in turn."""

    platform: str = "console"
    delivered: list[tuple[str, str]] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    script: dict[str, list[Delivery]] = field(default_factory=dict)

    async def deliver(self, recipient: Recipient, reply: Reply) -> Delivery:
        who = recipient.user_id or recipient.chat_id or ""
        self.attempts.append(who)
        answers = self.script.get(who)
        if answers:
            outcome = answers.pop(0)
            if not isinstance(outcome, Sent):
                return outcome
        self.delivered.append((who, reply.text))
        return Sent(str(len(self.delivered)))

    def texts_to(self, who: str) -> list[str]:
        return [text for w, text in self.delivered if w == who]


def service(core: BotCore, clock: FixedClock, sender: RecordingSender, **kwargs: object) -> ReminderService:
    """The reminder service of the core's event; its dispatcher's waits move the test clock (no sleeps)."""

    async def wait(seconds: float) -> None:
        clock.move(dt.timedelta(seconds=seconds))

    return ReminderService(core.sessions, clock, core.event_id, {sender.platform: sender}, sleep=wait, **kwargs)


def outbox(core: BotCore, where: Callable[[OutboxMessage], bool] = lambda _r: True) -> list[OutboxMessage]:
    with core.sessions() as session:
        return [r for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)) if where(r)]


def in_batch(core: BotCore, batch: str) -> dict[str, str]:
    """recipient -> status for the rows of one batch."""
    return {(r.user_id or r.chat_id or ""): r.status for r in outbox(core, lambda r: r.batch == batch)}


def statuses(core: BotCore) -> dict[str, int]:
    """How many outbox rows are in each status."""
    with core.sessions() as session:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        return {status: int(n) for status, n in session.execute(query)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_bot(
    fake: FakeTelegram, database_url: str, now: str, *, stderr: IO[bytes] | int = asyncio.subprocess.DEVNULL
) -> asyncio.subprocess.Process:
    """`rencontres-bot run` on Telegram (the fake), the database given, and the rehearsal clock at `now`."""
    env = dict(os.environ)
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.api_url,
        DATABASE_URL=database_url,
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(free_port()),
        RB_NOW=now,
    )
    env.pop("EVENT_FILE", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=stderr,
    )
