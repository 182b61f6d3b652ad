"""A fan-out of nudges through `rencontres-bot run` against the fake Bot API enforcing Telegram's flood limits.

Run: python bench/fanout_bench.py [--database URL] [--nudges 5000] [--rate 200] [--kill]
The event gets --nudges collectivities, none confirmed, each with one contact on Telegram, so the 14-day
reminder of the confirmation deadline (16 June 2026, 09:31 Paris) is one nudge per contact; it is planned
into the outbox here (scheduler/outbox.py). Then `rencontres-bot run` (a subprocess, RB_NOW at that instant,
TELEGRAM_RATE=--rate) claims and sends them (scheduler/dispatch.py, paced by scheduler/pacing.py) through the
Telegram adapter's sender to tests/fake_telegram.py, which answers 429 with retry_after beyond --rate messages
a second overall or 1 a second in one chat.

With --kill the bot is killed (SIGKILL) once half the nudges have arrived and started again with its clock
ten minutes later (past the 5-minute lease): the rows it had claimed become `unknown`, never re-sent.

Printed: the achieved rate (first to last message taken in, per process) over the enforced rate, the 429
answers, and the outbox compared with what the fake took in, one line per count:
- duplicates: a (chat, text) taken in more than once;
- lost: a row the fake never took in that is neither `unknown` nor in a final refusal (failed, blocked);
- unknown: rows in flight at the kill, split into taken in (it did arrive) and not (claimed, never sent:
  lost by the "never twice" design, docs/reminders.md), and not counted as duplicates or losses;
- sent but not taken in: a row recorded `sent` whose message the fake never took in (must be 0).
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from bench._common import bench_database, header
from bot.config import Settings
from bot.core import BotCore
from contract.clock import FixedClock
from scheduler.service import ReminderService
from storage.db import transaction
from storage.models import ChatUser, Collectivity, Contact, OutboxMessage
from tests.fake_telegram import TOKEN, Call, FakeTelegram, FloodLimits
from tests.reminders_support import free_port

START = dt.datetime.fromisoformat("2026-06-16T09:31+02:00")
FIRST_USER = 500_000_000
# Without progress for this long the bot is taken as stuck: stopped, and the figures printed as they are.
STALL_SECONDS = 60.0


def populate_telegram(core: BotCore, count: int) -> None:
    """`count` collectivities (half French, half Japanese), none confirmed, one Telegram contact each."""
    now = START.astimezone(dt.UTC)
    with transaction(core.sessions) as session:
        rows = [
            {
                "event_id": core.event_id,
                "name_fr": f"Commune de Relance-{n:05d}",
                "name_ja": f"リマインド町{n}",
                "country": "fr" if n % 2 else "jp",
                "kind": "commune",
                "status": "considering",
                "version": 0,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]
        ids = list(session.scalars(insert(Collectivity).returning(Collectivity.id, sort_by_parameter_order=True), rows))
        users = [
            {
                "platform": "telegram",
                "user_id": str(FIRST_USER + n),
                "display_name": f"Contact {n}",
                "private_chat_id": str(FIRST_USER + n),
                "created_at": now,
            }
            for n in range(count)
        ]
        user_ids = list(session.scalars(insert(ChatUser).returning(ChatUser.id, sort_by_parameter_order=True), users))
        contacts = [
            {"event_id": core.event_id, "chat_user_id": uid, "collectivity_id": cid, "joined_at": now}
            for uid, cid in zip(user_ids, ids, strict=True)
        ]
        session.execute(insert(Contact), contacts)


def plan(core: BotCore) -> int:
    """Plan what is due at START into the outbox; returns the Telegram rows."""
    clock = FixedClock(START)
    ReminderService(core.sessions, clock, core.event_id, {}).plan()
    with core.sessions() as session:
        return session.scalar(select(func.count()).where(OutboxMessage.platform == "telegram")) or 0


def outbox_rows(core: BotCore) -> list[tuple[str, str, str]]:
    with core.sessions() as session:
        query = select(OutboxMessage.user_id, OutboxMessage.text, OutboxMessage.status)
        return [(u or "", t, s) for u, t, s in session.execute(query.where(OutboxMessage.platform == "telegram"))]


def unfinished(core: BotCore) -> int:
    """Rows still pending or sending (read without taking SQLite's write lock)."""
    with core.sessions.kw["bind"].connect().execution_options(read_only=True) as conn:
        query = select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
        return int(conn.scalar(query.select_from(OutboxMessage)) or 0)


async def start_bot(
    fake: FakeTelegram, url: str, now: dt.datetime, rate: int, log: Path, profile: str | None = None
) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=fake.api_url,
        TELEGRAM_RATE=str(rate),
        DATABASE_URL=url,
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(free_port()),
        RB_NOW=now.isoformat(),
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
    )
    env.pop("EVENT_FILE", None)
    profiling = ["-m", "cProfile", "-o", profile] if profile else []
    with log.open("ab") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, *profiling, "-m", "bot", "run", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=err
        )


def taken_in(fake: FakeTelegram) -> list[Call]:
    return fake.calls_to("sendMessage")


async def wait_until_done(fake: FakeTelegram, core: BotCore, until_taken: int | None = None) -> bool:
    """Until `until_taken` messages were taken in (or, without it, nothing is left to send); False if stuck."""
    seen, since = -1, time.monotonic()
    while True:
        count = len(taken_in(fake)) + len(fake.flooded)
        if until_taken is not None and len(taken_in(fake)) >= until_taken:
            return True
        if until_taken is None and await asyncio.to_thread(unfinished, core) == 0:
            return True
        if count != seen:
            seen, since = count, time.monotonic()
        elif time.monotonic() - since > STALL_SECONDS:
            return False
        await asyncio.sleep(0.02 if until_taken is not None else 0.5)


def rate_of(calls: list[Call]) -> float:
    if len(calls) < 2:
        return 0.0
    return (len(calls) - 1) / (calls[-1].at - calls[0].at)


async def scenario(core: BotCore, url: str, args: argparse.Namespace, planned: int, log: Path) -> None:
    rate, kill, profile = args.rate, args.kill, args.profile
    async with FakeTelegram() as fake:
        fake.enforce_flood_limits(FloodLimits(overall=rate, per_chat=1.0, tolerance=args.tolerance))
        print(f"enforced: {rate}/s overall, 1/s per chat, {args.tolerance * 1000:.0f} ms of jitter tolerated")
        segments: list[list[Call]] = []
        bot = await start_bot(fake, url, START, rate, log, profile)
        stuck = False
        try:
            if kill:
                stuck = not await wait_until_done(fake, core, until_taken=planned // 2)
                bot.send_signal(signal.SIGKILL)
                await bot.wait()
                segments.append(list(taken_in(fake)))
                killed_at = len(taken_in(fake))
                await asyncio.sleep(0.5)  # requests the dead process had sent are taken in, or not
                in_sending = collections.Counter(s for _u, _t, s in outbox_rows(core))["sending"]
                print(f"killed (SIGKILL) after {killed_at} messages taken in; rows left sending: {in_sending}")
                bot = await start_bot(fake, url, START + dt.timedelta(minutes=10), rate, log)
            stuck = stuck or not await wait_until_done(fake, core)
        finally:
            bot.terminate()
            await bot.wait()
        calls = taken_in(fake)
        segments.append(calls[sum(len(s) for s in segments) :])
        report(core, fake, rate, segments, stuck)


def report(core: BotCore, fake: FakeTelegram, rate: int, segments: list[list[Call]], stuck: bool) -> None:
    calls = [c for segment in segments for c in segment]
    received = collections.Counter((str(c.params["chat_id"]), str(c.params["text"])) for c in calls)
    rows = outbox_rows(core)
    statuses = collections.Counter(s for _u, _t, s in rows)
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    unknown_in = sum(1 for u, t, s in rows if s == "unknown" and (u, t) in received)
    unknown_out = statuses["unknown"] - unknown_in
    refused = statuses["failed"] + statuses["blocked"] + statuses["skipped"]
    lost = sum(1 for u, t, s in rows if s not in ("unknown", "failed", "blocked", "skipped") and (u, t) not in received)
    sent_not_in = sum(1 for u, t, s in rows if s == "sent" and (u, t) not in received)
    print(f"outbox: {len(rows)} Telegram rows; statuses: {dict(sorted(statuses.items()))}")
    for number, segment in enumerate(segments, start=1):
        achieved = rate_of(segment)
        print(
            f"process {number}: {len(segment)} taken in, {achieved:.1f}/s achieved, enforced {rate}/s: "
            f"ratio {achieved / rate:.3f}"
        )
    print(f"429 answers: {len(fake.flooded)}")
    print(f"duplicates: {duplicates}")
    print(f"lost: {lost} (refused by the platform: {refused})")
    print(f"unknown: {statuses['unknown']} (taken in: {unknown_in}; never sent: {unknown_out})")
    print(f"sent but not taken in: {sent_not_in}")
    if stuck:
        print(f"STUCK: no progress for {STALL_SECONDS:.0f} s; figures as they were")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = used.ru_utime + used.ru_stime
    print(f"bot processes' CPU: {cpu:.1f} s, {cpu * 1000 / max(len(calls), 1):.2f} ms a message taken in")
    print(f"load now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL (a fresh database is made on that server)")
    parser.add_argument("--nudges", type=int, default=5000)
    parser.add_argument("--rate", type=int, default=200, help="messages per second, enforced and paced")
    parser.add_argument(
        "--tolerance", type=float, default=0.05, help="seconds early the fake still takes a message (jitter)"
    )
    parser.add_argument("--kill", action="store_true", help="SIGKILL the bot half-way and start it again")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the (first) bot process into FILE")
    args = parser.parse_args()
    header()
    with bench_database(args.database) as url, tempfile.TemporaryDirectory() as tmp:
        core = BotCore.start(Settings(database_url=url), FixedClock(START))
        populate_telegram(core, args.nudges)
        planned = plan(core)
        print(f"planned: {planned} nudges on Telegram; database: {core.sessions.kw['bind'].dialect.name}")
        log = Path(tmp) / "bot.log"
        try:
            asyncio.run(scenario(core, url, args, planned, log))
        finally:
            errors = log.read_text(errors="replace").splitlines()
            print(f"bot's stderr: {len(errors)} lines" + "".join(f"\n  {line}" for line in errors[-5:]))
            core.sessions.kw["bind"].dispose()


if __name__ == "__main__":
    main()
