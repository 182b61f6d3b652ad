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
import math
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from contract.clock import Clock
from contract.delivery import Delivery, Failed, RetryAfter, Sender, Sent
from contract.messages import Recipient
from contract.serial import reply_from_json
from scheduler.pacing import Pacer, tolerant
from storage.db import transaction
from storage.models import OutboxMessage
from storage.outbox import claim, expire_leases, mark_all_sent, mark_failed, mark_retry, next_due
from storage.people import mark_unreachable

log = logging.getLogger(__name__)

# Inside `run`: rows are claimed up to this long before their paced turn, so one claim takes a batch at any rate.
LOOKAHEAD = dt.timedelta(milliseconds=100)
# Up to this rate (messages a second) one message at a time keeps up: a killed process leaves one uncertain.
ONE_AT_A_TIME = 30
# How late a message may leave and the next ones still keep their turns (never more than a few at once).
LATENESS = dt.timedelta(milliseconds=20)
# Longer than any one send may take (the senders time out well before): a row `sending` past it was abandoned.
LEASE = dt.timedelta(minutes=5)


def concurrency_for(rate: float, lookahead: dt.timedelta = LOOKAHEAD) -> int:
    """Messages in flight to keep `rate` a second busy: one at Telegram's own 30 (a claim, a send and a record
    take 10 to 20 ms), else two lookaheads' worth.

    Also the most a killed process leaves uncertain: rows claimed, in flight or waiting for their turn.
    """
    if rate <= ONE_AT_A_TIME:
        return 1
    return max(2, math.ceil(rate * lookahead.total_seconds() * 2))


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
        lookahead: dt.timedelta = dt.timedelta(0),
        lease: dt.timedelta = LEASE,
        worker: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.event_id = event_id
        self.senders = dict(senders)
        self.pacer = pacer or Pacer()
        # The same limits checked again when each message leaves: turns reserved at the claim, kept late by a busy
        # loop, must not go out bunched (the platform counts what arrives, not what was planned).
        self.gate = Pacer(tolerant(self.pacer.limits, LATENESS))
        self.concurrency = concurrency
        # Rows are claimed up to this far ahead of their paced turn, each sent at its turn: claims in batches.
        self.lookahead = lookahead
        # When the first row passed over for pacing in the last claim may go (None: none was).
        self._held_until: dt.datetime | None = None
        self.lease = lease
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"[:80]
        self.sleep = sleep
        # Set when the bot stops: the message being sent is finished and recorded, no other is claimed.
        self.stopping = False

    def recover(self) -> int:
        """Mark rows abandoned mid-send (lease expired) unknown; at start and on every pass."""
        with transaction(self.sessions) as session:
            return expire_leases(session, self.event_id, self.clock.now())

    def _claim(self, limit: int | None = None) -> list[tuple[int, Recipient, OutboxMessage, dt.datetime]]:
        """Claim up to `limit` rows whose turn (the pacer's) comes within `lookahead`; each with its instant."""
        now = self.clock.now()
        latest = now + self.lookahead
        turns: dict[int, dt.datetime] = {}
        held: list[dt.datetime] = []

        def accept(row: OutboxMessage) -> bool:
            recipient = recipient_of(row)
            at = self.pacer.reserve(recipient, now, latest)
            if at is None:
                held.append(self.pacer.next_at(recipient, now))
                return False
            turns[row.id] = at
            return True

        with transaction(self.sessions) as session:
            rows = claim(
                session,
                self.event_id,
                sorted(self.senders),
                now,
                worker=self.worker,
                lease=self.lease,
                limit=self.concurrency if limit is None else limit,
                accept=accept,
            )
            # Committed here, before any sender is called.
            claimed = [(row.id, recipient_of(row), row, turns[row.id]) for row in rows]
        # When the first row passed over for pacing may go: the next pass need not wait longer.
        self._held_until = min(held, default=None)
        return claimed

    async def _send(self, row_id: int, recipient: Recipient, row: OutboxMessage, at: dt.datetime) -> Delivery:
        reply = reply_from_json(row.payload) if row.payload else None
        try:
            if reply is None:
                return Failed("refused", "no payload")
            await self._turn(recipient, at)
            return await self.senders[row.platform].deliver(recipient, reply)
        except Exception as exc:  # a sender never raises; if one does, try again later rather than lose it
            log.exception("sender for %s raised", row.platform)
            return RetryAfter(60, f"{exc.__class__.__name__}: {exc}")

    async def _turn(self, recipient: Recipient, at: dt.datetime) -> None:
        """Wait for the turn reserved at the claim, then until the limits allow a message leaving now."""
        while True:
            now = self.clock.now()
            if at <= now and self.gate.try_take(recipient, now):
                return
            until = max(at, self.gate.next_at(recipient, now))
            await self.sleep(max((until - now).total_seconds(), 0.001))

    def _record(self, outcomes: list[tuple[int, Recipient, Delivery]]) -> None:
        """Record how each send went, all in one transaction."""
        now = self.clock.now()
        with transaction(self.sessions) as session:
            mark_all_sent(session, [(row_id, o.message_id) for row_id, _r, o in outcomes if isinstance(o, Sent)], now)
            for row_id, recipient, outcome in outcomes:
                if isinstance(outcome, Sent):
                    continue
                if isinstance(outcome, RetryAfter):
                    until = now + dt.timedelta(seconds=max(outcome.seconds, 0.0))
                    self.pacer.hold(recipient, until)
                    self.gate.hold(recipient, until)
                    detail = f"retry after {outcome.seconds:g} s {outcome.detail}".strip()
                    mark_retry(session, row_id, until, detail)
                else:
                    status = "blocked" if outcome.reason == "blocked" else "failed"
                    mark_failed(session, row_id, status, f"{outcome.reason}: {outcome.detail}".strip(": "))
                    if outcome.reason == "blocked" and recipient.user_id is not None:
                        mark_unreachable(session, recipient.platform, recipient.user_id, now)

    async def pass_once(self) -> DispatchReport:
        """Send what may go now (or within `lookahead`), at most `concurrency` in flight, until nothing more may.

        Claiming goes on while messages are in flight, and each finished batch is recorded in one transaction:
        the platform's rate is kept busy, not waited for between messages.
        """
        # Database work in a thread: a SQLite writer waiting for its lock must not stall the platforms' loop.
        report = DispatchReport(unknown=await asyncio.to_thread(self.recover))
        in_flight: dict[asyncio.Task[Delivery], tuple[int, Recipient]] = {}
        self._held_until = None
        while True:
            free = self.concurrency - len(in_flight)
            claimed = await asyncio.to_thread(self._claim, free) if free > 0 and not self.stopping else []
            for row_id, recipient, row, at in claimed:
                in_flight[asyncio.create_task(self._send(row_id, recipient, row, at))] = (row_id, recipient)
            if not in_flight:
                break
            finished, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            outcomes = [(*in_flight.pop(task), task.result()) for task in finished]
            await asyncio.to_thread(self._record, outcomes)
            for row_id, _recipient, outcome in sorted(outcomes, key=lambda item: item[0]):
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
        now = self.clock.now()
        if due > now:
            return due
        # A due row held back only by pacing goes when its buckets allow (they refill within a second or so).
        held = self._held_until
        return max(held - self.lookahead, now) if held is not None else now + dt.timedelta(milliseconds=50)

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
