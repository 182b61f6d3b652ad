"""Reminders inside a running bot: plan what is due, then dispatch it; APScheduler only wakes this up.

All state is in the database (the outbox, `reminder_runs`), so APScheduler keeps an in-memory job store with
one job (`coalesce`, `max_instances=1`): several instances each wake their own planner and dispatcher, and the
outbox's keys and claims keep every message to one send (the APScheduler 3 FAQ: schedulers cannot share a
job store).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from contract.clock import Clock
from contract.delivery import Sender
from contract.messages import Recipient, Reply
from locales import DEFAULT, Translator, negotiate
from scheduler.dispatch import Dispatcher, DispatchReport
from scheduler.outbox import PlanReport, plan_due
from scheduler.reports import broadcast_finished
from storage.db import transaction
from storage.models import ChatUser, Event
from storage.outbox import claim_finished_broadcasts

log = logging.getLogger(__name__)

# How often the planner and dispatcher wake up on their own; an organiser's command wakes them at once.
INTERVAL_SECONDS = 30
# The signal handlers raise (ctx.signals) when they queued something in the outbox.
QUEUED = "outbox-queued"


class ReminderService:
    """The planner and the dispatcher of one event, woken by APScheduler in `run`, or called by the console."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        event_id: int,
        senders: Mapping[str, Sender],
        **dispatcher: Any,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.event_id = event_id
        self.dispatcher = Dispatcher(sessions, clock, event_id, senders, **dispatcher)
        self._scheduler: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: asyncio.Task[Any] | None = None

    def plan(self) -> PlanReport:
        with transaction(self.sessions) as session:
            return plan_due(session, session.get_one(Event, self.event_id), self.clock.now())

    async def tick(self) -> DispatchReport:
        """Queue what is due, then send what may go (a long fan-out is paced, pass after pass)."""
        try:
            await asyncio.to_thread(self.plan)
        except Exception:  # planning again at the next wake-up is harmless; the dispatcher still runs
            log.exception("planning reminders failed")
        report = await self.dispatcher.drain()
        try:
            await self.report_broadcasts()
        except Exception:
            log.exception("reporting finished broadcasts failed")
        return report

    async def report_broadcasts(self) -> int:
        """Tell each organiser whose announcement has gone out how it went (once: marked before it is sent)."""
        finished = await asyncio.to_thread(self._finished_broadcasts)
        for recipient, text in finished:
            await self.dispatcher.senders[recipient.platform].deliver(recipient, Reply(text, to=recipient))
        return len(finished)

    def _finished_broadcasts(self) -> list[tuple[Recipient, str]]:
        found = []
        with transaction(self.sessions) as session:
            for row, counts in claim_finished_broadcasts(session, self.event_id, self.clock.now()):
                platform, _, user_id = row.created_by.partition(":")
                if platform not in self.dispatcher.senders or not user_id:
                    continue  # sent from the command line, or from a platform this process does not serve
                user = session.scalars(
                    select(ChatUser).where(ChatUser.platform == platform, ChatUser.user_id == user_id)
                ).one_or_none()
                tr = Translator((user and (negotiate(user.locale) or negotiate(user.platform_locale))) or DEFAULT)
                found.append((Recipient.person(platform, user_id), broadcast_finished(tr, row.id, counts)))
        return found

    # -- inside `rencontres-bot run` -------------------------------------------------------------------

    def start(self, interval: float = INTERVAL_SECONDS) -> None:
        """Start APScheduler in the running loop: one job, now and every `interval` seconds."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._loop = asyncio.get_running_loop()
        self.dispatcher.recover()
        scheduler = AsyncIOScheduler(event_loop=self._loop, timezone=dt.UTC)
        scheduler.add_job(
            self._job,
            "interval",
            seconds=interval,
            id="reminders",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=dt.datetime.now(dt.UTC),
        )
        scheduler.start()
        self._scheduler = scheduler

    async def _job(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self.tick()
        finally:
            self._running = None

    def wake(self) -> None:
        """Run the job now (after an organiser queued something); callable from any thread."""
        if self._scheduler is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._wake_in_loop)

    def _wake_in_loop(self) -> None:
        job = self._scheduler.get_job("reminders") if self._scheduler is not None else None
        if job is not None:
            job.modify(next_run_time=dt.datetime.now(dt.UTC))

    async def stop(self) -> None:
        """No more wake-ups; the message being sent is finished and recorded (SIGTERM loses nothing)."""
        self.dispatcher.stopping = True
        if self._scheduler is None:
            return
        # Paused, not shut down yet: APScheduler's shutdown cancels the running job, mid-send.
        self._scheduler.pause()
        running = self._running
        if running is not None and not running.done():
            await asyncio.wait({running}, timeout=60)
        self._scheduler.shutdown(wait=False)
        self._scheduler = None
