"""The dispatcher: claims due outbox rows, marks them sending, hands them to the platform's sender, records how it went.

It never imports bot/: the senders (platform -> contract.delivery.Sender) are given to it. A row is marked
`sending` and committed before its sender is called; a process killed then leaves it `sending`, and once its
lease has expired any dispatcher marks it `unknown` (it may have gone: Telegram has no idempotency key), never
re-sends it. So at most `concurrency` messages per killed process are uncertain. docs/reminders.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from contract.clock import Clock
from contract.delivery import Delivery, Failed, RetryAfter, Sender, Sent
from contract.messages import Recipient
from contract.serial import reply_from_json
from scheduler.pacing import Pacer
from storage.db import transaction
from storage.models import OutboxMessage
from storage.outbox import claim, expire_leases, mark_failed, mark_retry, mark_sent, next_due
from storage.people import mark_unreachable

log = logging.getLogger(__name__)

# Longer than any one send may take (the senders time out well before): a row `sending` past it was abandoned.
LEASE = dt.timedelta(minutes=5)


def recipient_of(row: OutboxMessage) -> Recipient:
    if row.user_id is not None:
        return Recipient.person(row.platform, row.user_id)
    return Recipient.chat(row.platform, row.chat_id or "")


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    # When the next row may go (None: nothing pending).
    next_at: dt.datetime | None = None
    outcomes: list[tuple[int, Delivery]] = field(default_factory=list)


class Dispatcher:
    """Sends the due rows of one event through the given senders, paced under each platform's limits."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        event_id: int,
        senders: Mapping[str, Sender],
        *,
        pacer: Pacer | None = None,
        concurrency: int = 1,
        lease: dt.timedelta = LEASE,
        worker: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.event_id = event_id
        self.senders = dict(senders)
        self.pacer = pacer or Pacer()
        self.concurrency = concurrency
        self.lease = lease
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"[:80]
        self.sleep = sleep
        # Set when the bot stops: the message being sent is finished and recorded, no other is claimed.
        self.stopping = False

    def recover(self) -> int:
        """Mark rows abandoned mid-send (lease expired) unknown; at start and on every pass."""
        with transaction(self.sessions) as session:
            return expire_leases(session, self.event_id, self.clock.now())

    def _claim(self) -> list[tuple[int, Recipient, OutboxMessage]]:
        now = self.clock.now()
        with transaction(self.sessions) as session:
            rows = claim(
                session,
                self.event_id,
                sorted(self.senders),
                now,
                worker=self.worker,
                lease=self.lease,
                limit=self.concurrency,
                accept=lambda row: self.pacer.try_take(recipient_of(row), now),
            )
            # Committed here, before any sender is called.
            return [(row.id, recipient_of(row), row) for row in rows]

    async def _send(self, row_id: int, recipient: Recipient, row: OutboxMessage) -> Delivery:
        reply = reply_from_json(row.payload) if row.payload else None
        try:
            if reply is None:
                return Failed("refused", "no payload")
            return await self.senders[row.platform].deliver(recipient, reply)
        except Exception as exc:  # a sender never raises; if one does, try again later rather than lose it
            log.exception("sender for %s raised", row.platform)
            return RetryAfter(60, f"{exc.__class__.__name__}: {exc}")

    def _record(self, row_id: int, recipient: Recipient, outcome: Delivery) -> None:
        now = self.clock.now()
        with transaction(self.sessions) as session:
            if isinstance(outcome, Sent):
                mark_sent(session, row_id, outcome.message_id, now)
            elif isinstance(outcome, RetryAfter):
                until = now + dt.timedelta(seconds=max(outcome.seconds, 0.0))
                self.pacer.hold(recipient, until)
                mark_retry(session, row_id, until, f"retry after {outcome.seconds:g} s {outcome.detail}".strip())
            else:
                status = "blocked" if outcome.reason == "blocked" else "failed"
                mark_failed(session, row_id, status, f"{outcome.reason}: {outcome.detail}".strip(": "))
                if outcome.reason == "blocked" and recipient.user_id is not None:
                    mark_unreachable(session, recipient.platform, recipient.user_id, now)

    async def pass_once(self) -> DispatchReport:
        """Send what may go now, `concurrency` at a time, until nothing more may go at this instant."""
        # Database work in a thread: a SQLite writer waiting for its lock must not stall the platforms' loop.
        report = DispatchReport(unknown=await asyncio.to_thread(self.recover))
        while not self.stopping:
            claimed = await asyncio.to_thread(self._claim)
            if not claimed:
                break
            outcomes = await asyncio.gather(*(self._send(*item) for item in claimed))
            for (row_id, recipient, _row), outcome in zip(claimed, outcomes, strict=True):
                await asyncio.to_thread(self._record, row_id, recipient, outcome)
                report.outcomes.append((row_id, outcome))
                if isinstance(outcome, Sent):
                    report.sent += 1
                elif isinstance(outcome, RetryAfter):
                    report.retried += 1
                else:
                    report.failed += 1
        report.next_at = await asyncio.to_thread(self._next_at)
        return report

    def _next_at(self) -> dt.datetime | None:
        with transaction(self.sessions) as session:
            due = next_due(session, self.event_id, sorted(self.senders))
        if due is None:
            return None
        # A due row held back only by pacing may go in a moment: the pacer's buckets refill within a second.
        now = self.clock.now()
        return max(due, now + dt.timedelta(milliseconds=50)) if due <= now else due

    async def drain(self, horizon: dt.timedelta = dt.timedelta(seconds=30), max_passes: int = 10_000) -> DispatchReport:
        """Pass after pass, sleeping until the next row may go, while that is within `horizon` of now.

        A fan-out paced over minutes goes on; a row due later (a long retry-after) waits for the next wake-up.
        """
        total = DispatchReport()
        for _ in range(max_passes):
            report = await self.pass_once()
            total.sent += report.sent
            total.retried += report.retried
            total.failed += report.failed
            total.unknown += report.unknown
            total.outcomes += report.outcomes
            total.next_at = report.next_at
            if self.stopping or report.next_at is None or report.next_at > self.clock.now() + horizon:
                break
            await self.sleep(max((report.next_at - self.clock.now()).total_seconds(), 0.0))
        return total
