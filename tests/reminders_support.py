"""Helpers for the outbox tests: a recording sender, the reminder service on the test clock, outbox rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.core import BotCore
from contract.clock import FixedClock
from contract.delivery import Delivery, Sent
from contract.messages import Recipient, Reply
from scheduler.service import ReminderService
from storage.models import OutboxMessage


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
