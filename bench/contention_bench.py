"""Light commands from many contacts while an organiser runs heavy commands, the way the adapters run them.

Run: python bench/contention_bench.py [--database URL] [--collectivities 5000] [--rate 10] [--seconds 15]
     [--heavy "/admin export doc7,/admin stats,/admin balance"] [--inbox] [--in-process]
An asyncio loop sends light commands (/programme, /status, /now, /deadlines from --senders contacts, fr/ja/en)
at --rate a second, each through `asyncio.to_thread(core.handle, …)` as bot/slack.py does (with --inbox:
recorded and processed through bot/inbox.py's InboxProcessor, as bot/telegram.py does: one queue per chat,
16 at a time). The latency of a light command is from when it was due to when its answer is ready.
Phase 1 (--seconds): light commands alone. Phase 2 (--seconds): the same while an organiser sends the
--heavy commands one after the other, again and again, each when the last was answered. The heavy commands
go to the worker process (bot/workers.py) as in `rencontres-bot run`, started with the bench; --in-process
answers them in the bench's own process (what the console does). Prints p50/p99/max of the light commands
in each phase, and each heavy command's time to its answer (the first one's too).
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import update

from bench._common import active_contacts, bench_database, header, ms, peak_mib, percentiles, populate
from bot.config import Settings
from bot.core import BotCore
from bot.inbox import InboxItem, InboxProcessor
from bot.workers import HeavyWorker
from contract.clock import FixedClock
from contract.messages import Incoming
from storage.db import transaction
from storage.models import ChatUser, Event

ORGANISER = "bench-orga"
LIGHT = ("/programme", "/status", "/now", "/deadlines")
LOCALES = ("fr", "ja", "en")


def senders(core: BotCore, wanted: int) -> list[str]:
    """User ids of contacts whose collectivity has not declined (their /choose is accepted)."""
    with transaction(core.sessions) as session:
        return active_contacts(session, core.event_id, wanted)


class Stream:
    """Light commands due at a fixed rate, whatever the answers' speed (an open loop, as people send)."""

    def __init__(self, core: BotCore, people: list[str], rate: float, inbox: bool) -> None:
        self.core = core
        self.people = people
        self.rate = rate
        self.sent = 0
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.pending: set[asyncio.Task[None]] = set()
        self.due: dict[int, tuple[str, float]] = {}
        self.processor = InboxProcessor(core, "console", self.process) if inbox else None

    def incoming(self, n: int) -> Incoming:
        person = n % len(self.people)
        user = self.people[person]
        # Each person writes in one language (a changed platform language is a write: it is stored).
        return Incoming("console", user, user, text=LIGHT[n % len(LIGHT)], locale_hint=LOCALES[person % len(LOCALES)])

    async def process(self, item: InboxItem) -> None:
        """What an adapter's `process` does with a recorded update: the core, with its inbox row."""
        incoming = Incoming(**item.payload)
        await asyncio.to_thread(self.core.handle, incoming, inbox_row=item.row_id)
        phase, due = self.due.pop(item.row_id)
        self.latencies[phase].append(time.perf_counter() - due)

    async def one(self, n: int, phase: str, due: float) -> None:
        incoming = self.incoming(n)
        if self.processor is None:
            await asyncio.to_thread(self.core.handle, incoming)
            self.latencies[phase].append(time.perf_counter() - due)
            return
        payload = {"platform": "console", "user_id": incoming.user_id, "chat_id": incoming.chat_id}
        payload |= {"text": incoming.text, "locale_hint": incoming.locale_hint}
        items = await asyncio.to_thread(
            self.core.record_updates, "console", [(f"bench-{n}", incoming.chat_id, payload)]
        )
        for item in items:
            self.due[item.row_id] = (phase, due)
        assert self.processor is not None
        self.processor.submit(items)

    async def run(self, phase: str, seconds: float) -> None:
        start = time.perf_counter()
        count = int(seconds * self.rate)
        for i in range(count):
            due = start + i / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.one(self.sent, phase, due))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)
            self.sent += 1
        await asyncio.gather(*self.pending)
        if self.processor is not None:
            await self.processor.idle()


async def organiser(core: BotCore, commands: list[str], stop: asyncio.Event, times: dict[str, list[float]]) -> None:
    """The organiser's heavy commands, one after the other, until `stop`."""
    n = 0
    while not stop.is_set():
        text = commands[n % len(commands)]
        incoming = Incoming("console", ORGANISER, ORGANISER, text=text, locale_hint="fr")
        t0 = time.perf_counter()
        replies = await asyncio.to_thread(core.handle, incoming)
        times[text].append(time.perf_counter() - t0)
        if any(r.kind == "refusal" for r in replies):
            print(f"  refused: {text}: {replies[0].text[:120]}")
        n += 1


def report(label: str, values: list[float], *, first: bool = False) -> None:
    if not values:
        print(f"  {label:<34} (none)")
        return
    p50, p99 = percentiles(values)
    line = f"  {label:<34} {len(values):>5}   p50 {p50:8.1f} ms   p99 {p99:8.1f} ms   max {ms(max(values)):>10}"
    print(line + (f"   first {ms(values[0]):>10}" if first else ""))


async def measure(core: BotCore, args: argparse.Namespace) -> None:
    people = senders(core, args.senders)
    with transaction(core.sessions) as session:
        # Known contacts: their platform's language is stored already, as after their first message.
        for n, locale in enumerate(LOCALES):
            chosen = people[n :: len(LOCALES)]
            session.execute(update(ChatUser).where(ChatUser.user_id.in_(chosen)).values(platform_locale=locale))
    stream = Stream(core, people, args.rate, args.inbox)
    if stream.processor is not None:
        await stream.processor.start()
    # The first answers load caches (translations, the programme): not part of either phase. The organiser
    # is known too: a person's first message records them, and a read that must write runs as a write.
    await asyncio.to_thread(core.handle, Incoming("console", ORGANISER, ORGANISER, "/admin help", locale_hint="fr"))
    await stream.run("warm-up", 2.0)
    await stream.run("light alone", args.seconds)
    times: dict[str, list[float]] = defaultdict(list)
    stop = asyncio.Event()
    heavy = asyncio.create_task(organiser(core, [c.strip() for c in args.heavy.split(",")], stop, times))
    await stream.run("while heavy commands run", args.seconds)
    stop.set()
    await heavy
    if stream.processor is not None:
        await stream.processor.stop()
    print(f"\nlight commands ({', '.join(LIGHT)}) at {args.rate:g}/s from {len(people)} contacts:")
    for phase in ("light alone", "while heavy commands run"):
        report(phase, stream.latencies[phase])
    print("\norganiser's commands (time to the answer):")
    for label, values in times.items():
        report(label, values, first=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="SQLAlchemy URL; PostgreSQL: a fresh database is made beside it and dropped")
    parser.add_argument("--collectivities", type=int, default=5000)
    parser.add_argument("--contacts", type=int, default=20000)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="light commands a second")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    parser.add_argument("--heavy", default="/admin export doc7,/admin stats,/admin balance")
    parser.add_argument("--inbox", action="store_true", help="through bot/inbox.py, as Telegram (else as Slack)")
    parser.add_argument("--in-process", action="store_true", help="heavy commands in the bot's process (no worker)")
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval, seconds (Python's default 0.005)")
    args = parser.parse_args()
    header()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    print(f"switch interval: {sys.getswitchinterval() * 1000:g} ms")
    with bench_database(args.database) as url:
        clock = FixedClock(dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC))  # choices are open in June
        core = BotCore.start(Settings(database_url=url, admins=frozenset({f"console:{ORGANISER}"})), clock)
        with transaction(core.sessions) as session:
            event = session.get_one(Event, core.event_id)
            populate(session, event, args.collectivities, args.contacts)
            seats = int(args.collectivities * 0.635)
            for w in event.workshops:
                w.capacity = seats // len(event.workshops)
        path = "inbox (as Telegram)" if args.inbox else "asyncio.to_thread (as Slack)"
        where = "the bot's process" if args.in_process else "a worker process (as `run`)"
        print(f"database: {url.split(':')[0]}  collectivities: {args.collectivities}  contacts: {args.contacts}")
        print(f"path: {path}  heavy: {args.heavy}, answered in {where}")
        worker = None if args.in_process else HeavyWorker(core)
        if worker is not None:
            worker.start()
            core.heavy = worker.answer
        try:
            asyncio.run(measure(core, args))
        finally:
            if worker is not None:
                worker.stop()
        core.sessions.kw["bind"].dispose()
    print(f"\npeak resident memory: {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
