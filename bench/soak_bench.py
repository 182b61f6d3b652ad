"""Minutes of mixed traffic through the whole bot: memory, DB connections, sockets and threads must stay flat.

Run: python bench/soak_bench.py [--seconds 120] [--database URL] [--rate 20] [--people 500] [--trace]
In this one process: the fake Bot API (tests/fake_telegram.py) and `bot.app.run_platforms` with the real
Telegram adapter (polling getUpdates, the inbox, the core) and the reminder service (APScheduler, the outbox
dispatcher). --people contacts on Telegram send --rate commands a second (/programme, /now, /status,
/deadlines, /help, /start, a word the bot does not know), and every 10 seconds a batch of nudges to 100 of
them is queued in the outbox and the dispatcher woken, as an organiser's command would.

Sampled every 5 seconds once warmed up (the first 10 %): resident memory (after a garbage collection), open
file descriptors and sockets (/proc/self/fd), threads, the engine's pool (checked out, checked in) and, on
PostgreSQL, the bench database's connections in pg_stat_activity. Printed: the first and last sample, the
growth per minute of memory, and every sample. The fake's own records (every request) are cleared as it
goes, so they do not count as the bot's memory. The inbox backlog (updates recorded, not done) is printed
too: a bot slower than the traffic (a busy machine) holds those in memory, which is growth but no leak.
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import itertools
import os
import random
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.pool import NullPool

from bench._common import bench_database, header
from bench.fanout_bench import FIRST_USER, START, populate_telegram
from bot.app import run_platforms
from bot.config import Settings
from bot.core import BotCore
from bot.telegram import TelegramAdapter
from contract.clock import FixedClock, ShiftedClock
from contract.messages import Recipient, Reply
from contract.serial import reply_to_json
from scheduler.service import QUEUED
from storage.db import transaction
from storage.models import InboxUpdate, OutboxMessage
from storage.outbox import Queued, enqueue
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.reminders_support import free_port

COMMANDS = ("/programme", "/now", "/status", "/deadlines", "/help", "/start", "bonjour")
SAMPLE_EVERY = 5.0
NUDGES_EVERY = 10.0
NUDGES = 100


@dataclasses.dataclass
class Sample:
    at: float
    rss_mib: float
    fds: int
    sockets: int
    threads: int
    checked_out: int
    checked_in: int
    pg_connections: int | None
    # Updates recorded and not done yet: a bot slower than the traffic holds them in memory too.
    backlog: int

    def line(self) -> str:
        pg = "" if self.pg_connections is None else f"  pg_stat_activity {self.pg_connections}"
        return (
            f"{self.at:6.0f} s  RSS {self.rss_mib:6.1f} MiB  fds {self.fds:3d} (sockets {self.sockets:3d})  "
            f"threads {self.threads:2d}  pool out {self.checked_out} in {self.checked_in}{pg}  "
            f"inbox backlog {self.backlog}"
        )


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_fds() -> tuple[int, int]:
    """(descriptors, sockets) open in this process."""
    fds = sockets = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # closed meanwhile (the listing's own descriptor)
        fds += 1
        sockets += target.startswith("socket:")
    return fds, sockets


def pg_connections(admin: Engine | None, database: str) -> int | None:
    """Connections to the bench database other than this query's own."""
    if admin is None:
        return None
    with admin.connect() as conn:
        query = text("select count(*) from pg_stat_activity where datname = :db and pid <> pg_backend_pid()")
        return int(conn.scalar(query, {"db": database}) or 0)


def backlog(core: BotCore) -> int:
    with core.sessions.kw["bind"].connect().execution_options(read_only=True) as conn:
        query = select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status != "done")
        return int(conn.scalar(query) or 0)


def sample(started: float, core: BotCore, admin: Engine | None, database: str) -> Sample:
    gc.collect()
    pool = core.sessions.kw["bind"].pool
    fds, sockets = open_fds()
    return Sample(
        at=time.monotonic() - started,
        rss_mib=rss_mib(),
        fds=fds,
        sockets=sockets,
        threads=threading.active_count(),
        checked_out=int(getattr(pool, "checkedout", lambda: 0)()),
        checked_in=int(getattr(pool, "checkedin", lambda: 0)()),
        pg_connections=pg_connections(admin, database),
        backlog=backlog(core),
    )


def queue_nudges(core: BotCore, round_number: int, people: int) -> None:
    """A batch of nudges to NUDGES contacts, as an organiser's /admin remind would queue them."""
    now = core.clock.now()
    chosen = random.Random(round_number).sample(range(people), min(NUDGES, people))
    messages = []
    for n in chosen:
        to = Recipient.person("telegram", str(FIRST_USER + n))
        reply = Reply(f"Rappel n° {round_number} : il reste une étape à compléter.", to=to)
        messages.append(
            Queued(
                key=f"soak/{round_number}/{n}",
                kind="broadcast",
                batch=f"soak/{round_number}",
                platform="telegram",
                chat_id=None,
                user_id=to.user_id,
                text=reply.text,
                payload=reply_to_json(reply),
                not_before=now,
            )
        )
    with transaction(core.sessions) as session:
        enqueue(session, core.event_id, messages, now)
    for listener in core.listeners.get(QUEUED, []):
        listener()


class Counts:
    def __init__(self) -> None:
        self.pushed = 0
        self.messages = 0
        self.requests = 0


async def traffic(fake: FakeTelegram, core: BotCore, args: argparse.Namespace, counts: Counts, stop: float) -> None:
    """Commands at `args.rate` a second and a batch of nudges every NUDGES_EVERY seconds, until `stop`."""
    users = [fake.user(FIRST_USER + n, f"Contact {n}", "fr" if n % 2 else "ja") for n in range(args.people)]
    rng = random.Random(12)
    began = time.monotonic()
    next_nudges = began + NUDGES_EVERY
    for turn in itertools.count():
        now = time.monotonic()
        if now >= stop:
            return
        await fake.push(fake.message(rng.choice(users), rng.choice(COMMANDS)))
        counts.pushed += 1
        if now >= next_nudges:
            await asyncio.to_thread(queue_nudges, core, turn, args.people)
            next_nudges += NUDGES_EVERY
        # The fake keeps every request; only what the bot holds is measured.
        if len(fake.calls) > 2000:
            counts.messages += len(fake.calls_to("sendMessage"))
            counts.requests += len(fake.calls)
            fake.calls.clear()
            fake.messages.clear()
        await asyncio.sleep(max(0.0, began + (turn + 1) / args.rate - time.monotonic()))


async def soak(core: BotCore, args: argparse.Namespace, admin: Engine | None, database: str) -> list[Sample]:
    samples: list[Sample] = []
    counts = Counts()
    async with FakeTelegram() as fake:
        core.settings = dataclasses.replace(
            core.settings,
            telegram_token=TOKEN,
            telegram_api_url=fake.api_url,
            http_host="127.0.0.1",
            http_port=free_port(),
        )
        stop_bot = asyncio.Event()
        before = sample(time.monotonic(), core, admin, database)
        bot = asyncio.create_task(run_platforms(core, stop_bot, [TelegramAdapter(core)]))
        started = time.monotonic()
        driving = asyncio.create_task(traffic(fake, core, args, counts, started + args.seconds))
        warm = started + args.seconds * 0.1
        next_sample = warm
        middle: tracemalloc.Snapshot | None = None
        while not driving.done():
            await asyncio.sleep(0.2)
            if time.monotonic() >= next_sample:
                samples.append(await asyncio.to_thread(sample, started, core, admin, database))
                next_sample += SAMPLE_EVERY
                if middle is None and tracemalloc.is_tracing() and time.monotonic() > started + args.seconds / 2:
                    middle = tracemalloc.take_snapshot()
        await driving
        if middle is not None:
            grown = tracemalloc.take_snapshot().compare_to(middle, "lineno")
            print("allocations grown over the second half (tracemalloc, largest first):")
            for stat in grown[:10]:
                print(f"  {stat}")
        samples.append(await asyncio.to_thread(sample, started, core, admin, database))
        # Then once what was recorded is answered (at most a minute): memory without the backlog.
        deadline = time.monotonic() + 60
        while await asyncio.to_thread(backlog, core) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        drained = await asyncio.to_thread(sample, started, core, admin, database)
        print(f"backlog answered:       {drained.line()}")
        stop_bot.set()
        await bot
        counts.messages += len(fake.calls_to("sendMessage"))
        counts.requests += len(fake.calls)
    with core.sessions() as session:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        statuses = {status: int(count) for status, count in session.execute(query)}
    print(f"traffic: {counts.pushed} updates pushed, {counts.messages} messages sent, {counts.requests} requests")
    print(f"outbox: {statuses}")
    print(f"before the bot started: {before.line()}")
    return samples


def report(samples: list[Sample]) -> None:
    first, last = samples[0], samples[-1]
    minutes = max((last.at - first.at) / 60, 1e-9)
    print(f"warmed up:              {first.line()}")
    print(f"end of traffic:         {last.line()}")
    print(
        f"RSS growth: {last.rss_mib - first.rss_mib:+.1f} MiB ({(last.rss_mib - first.rss_mib) / minutes:+.2f} MiB/min)"
    )
    middle = samples[len(samples) // 2]
    half = max((last.at - middle.at) / 60, 1e-9)
    # Caches fill for a minute or two (compiled SQL, translations, PTB): a leak keeps growing past them.
    grown = last.rss_mib - middle.rss_mib
    print(f"RSS growth over the second half: {grown:+.1f} MiB ({grown / half:+.2f} MiB/min)")
    print(f"peak RSS while running: {max(s.rss_mib for s in samples):.1f} MiB")
    print("samples:")
    for s in samples:
        print(f"  {s.line()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL (a fresh database is made on that server)")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--rate", type=float, default=20, help="commands a second")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--trace", action="store_true", help="tracemalloc: what grew over the second half")
    args = parser.parse_args()
    if args.trace:
        tracemalloc.start(1)
    header()
    with bench_database(args.database) as url:
        core = BotCore.start(Settings(database_url=url), FixedClock(START))
        populate_telegram(core, args.people)
        core.clock = ShiftedClock(START)  # the event is on: reminders and deadlines are live
        engine = core.sessions.kw["bind"]
        admin = None
        if engine.dialect.name == "postgresql":
            admin = create_engine(engine.url.set(database="postgres"), poolclass=NullPool)
        try:
            started = time.monotonic()
            samples = asyncio.run(soak(core, args, admin, str(engine.url.database)))
            # Once its loop is closed (asyncio.run shuts the default executor down: its threads end).
            after = sample(started, core, admin, str(engine.url.database))
            report(samples)
            print(f"after it stopped:       {after.line()}")
        finally:
            if admin is not None:
                admin.dispose()
            engine.dispose()
    print(f"load now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
