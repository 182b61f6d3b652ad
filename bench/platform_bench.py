"""The mixed stream through the real platform apps against the local fakes, beside a bare PTB echo bot.

Run: python bench/platform_bench.py [--database URL] [--size 50] [--updates 600] [--paced 400] [--rate 20]
     [--slack 300] [--repeat 1] [--only telegram,slack]
The stream of bench/core_bench.py (/programme, /now, /status, /deadlines, /choose, the /confirm steps,
an organiser's /admin list), from contacts of --size collectivities, fr/ja/en.
Telegram: the bot's Application (bot/telegram.py: its own getUpdates loop, the inbox, the rate limiter as
configured) polls the fake Bot API of tests/fake_telegram.py; a bare PTB echo bot (one MessageHandler, the
Updater) polls another fake of the same kind in the same run. A burst of --updates updates gives
updates/s (time from the first update available to the last reply received), with the limiter and with it
swapped out (measurement only); --paced updates at --rate a second give the time from an update
available to its reply received by the fake (first message, and the whole answer).
Slack: the Bolt app (bot/slack.py) behind bot/http.py's server gets --slack signed requests (slash commands
`/rencontres …`, the form's steps as direct-message events) at --rate a second: the time to Slack's
acknowledgement and to the first reply reaching tests/fake_slack.py. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import heapq
import logging
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlalchemy import event, update
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, MessageHandler, filters

import bot.telegram as telegram_adapter
from bench._common import active_contacts, bench_database, header, peak_mib, percentiles, populate
from bench.core_bench import ROUND
from bot.config import Settings
from bot.core import BotCore
from bot.http import bound_port, build_app, start_server
from bot.slack import SLACK_EVENTS_PATH, SlackAdapter
from bot.telegram import TelegramAdapter
from contract.clock import FixedClock
from storage.db import transaction
from storage.models import ChatUser, Event
from tests import fake_slack
from tests.fake_slack import FakeSlack, SlackRequest
from tests.fake_telegram import TOKEN, FakeTelegram

LOCALES = ("fr", "ja", "en")
SLACK_LOCALES = {"fr": "fr-FR", "ja": "ja-JP", "en": "en-US"}
ORGANISERS = 8
# Updates of one chat are this many places apart in the stream (one at a time per chat, as people type).
SAME_CHAT_GAP = 30
FLOOD_LIMIT = 30.0  # messages a second Telegram takes from one bot, what the limiter keeps
TELEGRAM_REPLIES = frozenset({"sendMessage", "editMessageText", "sendDocument", "sendPhoto"})
SLACK_REPLIES = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "response_url"})


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    locale: str


@dataclass(frozen=True)
class Pushed:
    """One update made available (or request posted) at `at` (time.monotonic, as the fakes record calls)."""

    keys: tuple[str, ...]
    at: float
    label: str
    ack: float | None = None


# -- the stream ---------------------------------------------------------------------------------------


def stream(people: Sequence[Person], organisers: Sequence[Person], count: int) -> list[tuple[Person, str, str]]:
    """`count` (person, label, text) in core_bench's round, a chat's messages SAME_CHAT_GAP places apart."""
    sessions: Iterator[tuple[Person, str, list[str]]] = (
        (
            organisers[turn % len(organisers)] if label.startswith("admin") else people[turn % len(people)],
            label,
            texts,
        )
        for turn, (label, texts) in ((turn, ROUND[turn % len(ROUND)]) for turn in range(10**9))
    )
    out: list[tuple[Person, str, str]] = []
    waiting: list[tuple[int, int, Person, str, list[str]]] = []
    ready: dict[str, int] = {}
    order = 0
    while len(out) < count:
        if waiting and waiting[0][0] <= len(out):
            _, _, person, label, texts = heapq.heappop(waiting)
        else:
            person, label, texts = next(sessions)
            if ready.get(person.user_id, 0) > len(out):
                # This person's previous session is not over: start this one when it is.
                order += 1
                heapq.heappush(waiting, (ready[person.user_id], order, person, label, texts))
                continue
        out.append((person, label, texts[0]))
        ready[person.user_id] = len(out) + SAME_CHAT_GAP
        if texts[1:]:
            order += 1
            heapq.heappush(waiting, (len(out) + SAME_CHAT_GAP, order, person, label, texts[1:]))
    return out


def prepare(core: BotCore, size: int) -> tuple[list[Person], list[Person]]:
    """Bulk data; half the contacts (of collectivities that have not declined) on Telegram, half on Slack."""
    with transaction(core.sessions) as session:
        populate(session, session.get_one(Event, core.event_id), size, size * 4)
        old = active_contacts(session, core.event_id)
        telegram, slack = [], []
        for number, user_id in enumerate(old):
            locale = LOCALES[number % len(LOCALES)]
            if number % 2 == 0:
                person = Person(str(500_000 + number), f"Contact{number}", locale)
                telegram.append(person)
                platform, chat = "telegram", person.user_id
            else:
                person = Person(f"U{number:07d}", f"Contact{number}", locale)
                slack.append(person)
                platform, chat = "slack", f"D{number:07d}"
            session.execute(
                update(ChatUser)
                .where(ChatUser.user_id == user_id)
                .values(platform=platform, user_id=person.user_id, private_chat_id=chat)
            )
    return telegram, slack


def telegram_organisers() -> list[Person]:
    return [Person(str(900_000 + n), f"Orga{n}", LOCALES[n % len(LOCALES)]) for n in range(ORGANISERS)]


def slack_organisers() -> list[Person]:
    return [Person(f"U9{n:06d}", f"Orga{n}", LOCALES[n % len(LOCALES)]) for n in range(ORGANISERS)]


# -- measuring ----------------------------------------------------------------------------------------


def answer_times(pushed: Sequence[Pushed], replies: Sequence[tuple[str, float]]) -> list[tuple[float, float] | None]:
    """Per update: seconds to its first reply and to its last (before the chat's next update); None: no reply."""
    by_key: dict[str, list[float]] = defaultdict(list)
    for key, at in replies:
        by_key[key].append(at)
    for times in by_key.values():
        times.sort()
    following: dict[int, float] = {}
    last_of: dict[str, int] = {}
    for index, item in enumerate(pushed):
        for key in item.keys:
            if key in last_of:
                following[last_of[key]] = min(following.get(last_of[key], float("inf")), item.at)
            last_of[key] = index
    found: list[tuple[float, float] | None] = []
    for index, item in enumerate(pushed):
        until = following.get(index, float("inf"))
        times = [
            at
            for key in item.keys
            for at in by_key.get(key, [])[bisect.bisect_left(by_key.get(key, []), item.at) :]
            if at < until
        ]
        found.append((min(times) - item.at, max(times) - item.at) if times else None)
    return found


def firsts(times: Sequence[tuple[float, float] | None]) -> list[float]:
    return [t[0] for t in times if t is not None]


def wholes(times: Sequence[tuple[float, float] | None]) -> list[float]:
    return [t[1] for t in times if t is not None]


def unanswered(times: Sequence[tuple[float, float] | None]) -> str:
    missing = sum(t is None for t in times)
    return f"   {missing} unanswered" if missing else ""


def telegram_replies(fake: FakeTelegram, start: int) -> list[tuple[str, float]]:
    return [(str(c.params["chat_id"]), c.at) for c in fake.calls[start:] if c.method in TELEGRAM_REPLIES]


def line(name: str, values: Sequence[float]) -> str:
    if not values:
        return f"  {name:<44} no replies"
    p50, p99 = percentiles(list(values))
    return f"  {name:<44} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   max {max(values) * 1000:6.1f} ms"


def load() -> str:
    import os

    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


async def until(condition: Callable[[], bool], what: str, timeout: float = 300.0) -> None:
    """Poll a cheap condition (the fakes' own waits rescan every call after each request: costly here)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.01)


# -- Telegram -----------------------------------------------------------------------------------------


class Updates:
    """Update ids that keep growing across the fakes of one run (the inbox keeps the ids it has seen)."""

    def __init__(self) -> None:
        self.next_id = 1_000_000

    def message(self, fake: FakeTelegram, person: Person, text: str) -> dict[str, Any]:
        built = fake.message(fake.user(int(person.user_id), person.name, person.locale), text)
        self.next_id += 1
        built["update_id"] = self.next_id
        return built


async def push_all(
    fake: FakeTelegram, updates: Updates, items: Sequence[tuple[Person, str, str]], rate: float | None
) -> list[Pushed]:
    """Make the updates available to getUpdates: all at once (`rate` None) or `rate` a second on a fixed schedule."""
    pushed = []
    built = [(person, label, updates.message(fake, person, text)) for person, label, text in items]
    started = time.monotonic()
    for number, (person, label, one) in enumerate(built):
        if rate is not None:
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await fake.push(one)
        pushed.append(Pushed((person.user_id,), time.monotonic(), label))
    return pushed


def fetched_past(fake: FakeTelegram, last_id: int) -> Callable[[], bool]:
    """True once a getUpdates asked from beyond `last_id`: every update was taken (and, for the bot, recorded)."""
    seen = [0]

    def check() -> bool:
        calls = fake.calls
        found = False
        for call in calls[seen[0] :]:
            if call.method == "getUpdates" and int(call.params.get("offset", 0) or 0) > last_id:
                found = True
        seen[0] = len(calls)
        return found

    return check


class Unthrottled(BaseRateLimiter[int]):
    """No rate limiter (measurement only): every request goes at once."""

    def __init__(self, **_: Any) -> None:
        pass

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        return await callback(*args, **kwargs)


@dataclass
class Run:
    pushed: list[Pushed]
    replies: list[tuple[str, float]]
    actions: int
    # The process's CPU seconds (the bot, its threads and the fake), SQL statements and commits, per update.
    cpu: float = 0.0
    statements: float = 0.0
    commits: float = 0.0

    @property
    def elapsed(self) -> float:
        return max(at for _, at in self.replies) - self.pushed[0].at

    @property
    def rate(self) -> float:
        return len(self.pushed) / self.elapsed


async def full_bot(
    core: BotCore, updates: Updates, items: Sequence[tuple[Person, str, str]], rate: float | None, *, limiter: bool
) -> Run:
    """The bot's Application polling a fresh fake; the stream pushed; back when every update is processed."""
    async with FakeTelegram() as fake:
        core.settings = replace(core.settings, telegram_token=TOKEN, telegram_api_url=fake.api_url)
        patch = nullcontext() if limiter else mock.patch.object(telegram_adapter, "FloodLimiter", Unthrottled)
        with patch:
            adapter = TelegramAdapter(core)
        async with adapter:
            await adapter.listen()
            start, work = len(fake.calls), Work.of(core)
            statements, commits, cpu = work.statements, work.commits, time.process_time()
            pushed = await push_all(fake, updates, items, rate)
            await until(fetched_past(fake, updates.next_id), "every update fetched")
            await adapter.inbox.idle()
            cpu = time.process_time() - cpu
            calls = fake.calls[start:]
            run = Run(pushed, telegram_replies(fake, start), sum(c.method == "sendChatAction" for c in calls))
            run.cpu, run.statements, run.commits = (
                x / len(items) for x in (cpu, work.statements - statements, work.commits - commits)
            )
            return run


class Work:
    """SQL statements and commits of the core's engine (executemany counts once)."""

    known: ClassVar[dict[int, Work]] = {}

    def __init__(self, engine: Any) -> None:
        self.statements = self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    @classmethod
    def of(cls, core: BotCore) -> Work:
        engine = core.sessions.kw["bind"]
        if id(engine) not in cls.known:
            cls.known[id(engine)] = cls(engine)
        return cls.known[id(engine)]

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1


async def echo_bot(updates: Updates, items: Sequence[tuple[Person, str, str]], rate: float | None) -> Run:
    """A bare PTB bot: one MessageHandler answering each text with itself, the Updater polling, no limiter."""

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async with FakeTelegram() as fake:
        application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().token(TOKEN).base_url(fake.api_url).build()
        )
        application.add_handler(MessageHandler(filters.TEXT, echo))
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=10)
            start, cpu = len(fake.calls), time.process_time()
            pushed = await push_all(fake, updates, items, rate)
            replies: list[tuple[str, float]] = []

            def answered() -> bool:
                replies[:] = telegram_replies(fake, start)
                return len(replies) >= len(items)

            await until(answered, "every update echoed")
            cpu = time.process_time() - cpu
            await application.updater.stop()
            await application.stop()
            return Run(pushed, replies, 0, cpu / len(items))


async def telegram_figures(core: BotCore, people: list[Person], args: argparse.Namespace) -> None:
    updates = Updates()
    organisers = telegram_organisers()
    items = stream(people, organisers, args.updates)
    paced = stream(people, organisers, args.paced)
    # Warm-up: every command once through the bot (first renders, imports, caches), not measured.
    await full_bot(core, updates, stream(people, organisers, 45), None, limiter=False)
    await echo_bot(updates, items[:45], None)
    print(f"\nTelegram, a burst of {len(items)} updates (first available → last reply received):")
    rates: dict[str, list[float]] = defaultdict(list)
    per_update: dict[str, float] = {}
    for _ in range(args.repeat):
        echo = await echo_bot(updates, items, None)
        rates["echo"].append(echo.rate)
        print(f"  echo bot (bare PTB, no limiter)            {echo.rate:7.1f} updates/s   {load()}")
        print(f"    {echo.cpu * 1000:.2f} ms of CPU an update (the process: bot and fake)")
        full = await full_bot(core, updates, items, None, limiter=True)
        rates["limited"].append(full.rate)
        per_update["limited"] = len(full.replies) / len(full.pushed)
        print(
            f"  full bot, rate limiter as configured       {full.rate:7.1f} updates/s = {full.rate / FLOOD_LIMIT:.2f} "
            f"of {FLOOD_LIMIT:.0f}/s   ({per_update['limited']:.2f} messages an update, "
            f"{full.actions} typing…)   {load()}"
        )
        print(work_line(full))
        free = await full_bot(core, updates, items, None, limiter=False)
        rates["free"].append(free.rate)
        print(
            f"  full bot, rate limiter swapped out         {free.rate:7.1f} updates/s = {free.rate / echo.rate:.2f}× "
            f"the echo bot   ({free.actions} typing…)   {load()}"
        )
        print(work_line(free))
    if args.repeat > 1:
        for name, values in rates.items():
            print(f"  {name:<10} best {max(values):7.1f}  median {statistics.median(values):7.1f} updates/s")
    print(f"\nTelegram, {len(paced)} updates paced at {args.rate:g}/s (update available → reply received by the fake):")
    by_label: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.repeat):
        echo = await echo_bot(updates, paced, args.rate)
        times = answer_times(echo.pushed, echo.replies)
        print(line(f"echo bot ({load()})", firsts(times)) + unanswered(times))
        full = await full_bot(core, updates, paced, args.rate, limiter=True)
        times = answer_times(full.pushed, full.replies)
        print(line(f"full bot, first message ({load()})", firsts(times)) + unanswered(times))
        print(line("full bot, whole answer", wholes(times)) + f"   ({full.actions} typing…)")
        for item, time_ in zip(full.pushed, times, strict=True):
            if time_ is not None:
                by_label[item.label].append(time_[1])
    print("  full bot, whole answer by command:")
    for label, values in by_label.items():
        print(line(f"  {label}", values))


def work_line(run: Run) -> str:
    return (
        f"    {run.cpu * 1000:.2f} ms of CPU an update (the process: bot, its threads and fake), "
        f"{run.statements:.1f} SQL statements, {run.commits:.2f} commits an update"
    )


# -- Slack --------------------------------------------------------------------------------------------


def slack_request(fake: FakeSlack, person: Person, text: str) -> tuple[SlackRequest, tuple[str, ...]]:
    """A slash command for a command, a direct-message event for a form's step; the keys its replies carry."""
    channel = fake.dm(person.user_id)
    if not text.startswith("/"):
        return fake.message_im(person.user_id, text), (channel,)
    request = fake.slash_command(person.user_id, text[1:])
    fields = dict(request.payload)
    response = str(fields["response_url"]).rsplit("/", 1)[1]
    return request, (channel, f"response:{response}", f"trigger:{fields['trigger_id']}")


def slack_replies(fake: FakeSlack, start: int) -> list[tuple[str, float]]:
    found = []
    for call in fake.calls[start:]:
        if call.method not in SLACK_REPLIES:
            continue
        if call.method == "response_url":
            found.append((f"response:{call.params['response_id']}", call.at))
        elif call.method == "views.open":
            found.append((f"trigger:{call.params.get('trigger_id')}", call.at))
        else:
            found.append((str(call.params.get("channel")), call.at))
    return found


async def slack_run(
    core: BotCore, people: Sequence[Person], items: Sequence[tuple[Person, str, str]], rate: float
) -> tuple[list[Pushed], list[tuple[str, float]], list[int]]:
    async with FakeSlack() as fake:
        core.settings = replace(
            core.settings,
            slack_bot_token=fake_slack.TOKEN,
            slack_signing_secret=fake_slack.SIGNING_SECRET,
            slack_app_token=None,
            slack_api_url=fake.api_url,
        )
        adapter = SlackAdapter(core)  # the channel pacer as configured
        runner = await start_server(build_app(core, adapter.routes()), "127.0.0.1", 0)
        url = f"http://127.0.0.1:{bound_port(runner)}{SLACK_EVENTS_PATH}"
        statuses: list[int] = []
        pushed: list[Pushed] = []
        try:
            await adapter.start()
            await adapter.listen()
            # Everyone: an App Home is published again for each contact of a collectivity that changed.
            for person in people:
                fake.add_user(person.user_id, person.name, locale=SLACK_LOCALES[person.locale])
            start = len(fake.calls)
            async with aiohttp.ClientSession() as http:

                async def post(request: SlackRequest, keys: tuple[str, ...], label: str) -> None:
                    body, headers = request.body.encode(), request.headers()
                    sent = time.monotonic()
                    async with http.post(url, data=body, headers=headers) as response:
                        await response.read()
                        statuses.append(response.status)
                    pushed.append(Pushed(keys, sent, label, time.monotonic() - sent))

                posts = []
                started = time.monotonic()
                for number, (person, label, text) in enumerate(items):
                    delay = started + number / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    request, keys = slack_request(fake, person, text)
                    posts.append(asyncio.create_task(post(request, keys, label)))
                await asyncio.gather(*posts)
            await adapter.settled()
            return sorted(pushed, key=lambda p: p.at), slack_replies(fake, start), statuses
        finally:
            await runner.cleanup()
            await adapter.stop()


async def slack_figures(core: BotCore, people: list[Person], args: argparse.Namespace) -> None:
    organisers = slack_organisers()
    everyone = [*people, *organisers]
    await slack_run(core, everyone, stream(people, organisers, 45), args.rate)  # warm-up
    items = stream(people, organisers, args.slack)
    what = "slash commands; the form's steps as DM events"
    print(f"\nSlack, {len(items)} signed requests paced at {args.rate:g}/s ({what}):")
    for _ in range(args.repeat):
        pushed, replies, statuses = await slack_run(core, everyone, items, args.rate)
        acks = [p.ack for p in pushed if p.ack is not None]
        commands = [p.ack for p in pushed if p.ack is not None and len(p.keys) > 1]
        events = [p.ack for p in pushed if p.ack is not None and len(p.keys) == 1]
        times = answer_times(pushed, replies)
        refused = sum(status != 200 for status in statuses)
        print(line(f"acknowledged, every request ({load()})", acks) + (f"   {refused} not 200" if refused else ""))
        print(line("acknowledged, slash commands", commands))
        print(line("acknowledged, DM events", events))
        print(line("first reply reached the fake", firsts(times)) + unanswered(times))


# -- main ---------------------------------------------------------------------------------------------


async def main_async(url: str, args: argparse.Namespace) -> None:
    clock = FixedClock(dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC))  # choices are open in June
    admins = frozenset(
        {f"telegram:{p.user_id}" for p in telegram_organisers()} | {f"slack:{p.user_id}" for p in slack_organisers()}
    )
    core = await asyncio.to_thread(BotCore.start, Settings(database_url=url, admins=admins), clock)
    try:
        telegram, slack = await asyncio.to_thread(prepare, core, args.size)
        print(
            f"{args.size} collectivities, {args.size * 4} contacts: {len(telegram)} on Telegram, {len(slack)} on Slack"
        )
        if "telegram" in args.only:
            await telegram_figures(core, telegram, args)
        if "slack" in args.only:
            await slack_figures(core, slack, args)
    finally:
        core.sessions.kw["bind"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", help="SQLAlchemy URL; PostgreSQL: a fresh database, dropped after")
    parser.add_argument("--size", type=int, default=50, help="collectivities (four contacts each)")
    parser.add_argument("--updates", type=int, default=600, help="updates in each Telegram burst")
    parser.add_argument("--paced", type=int, default=400, help="updates in the paced Telegram run")
    parser.add_argument("--rate", type=float, default=20.0, help="updates (or Slack requests) a second when paced")
    parser.add_argument("--slack", type=int, default=300, help="signed Slack requests")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement")
    parser.add_argument("--only", default="telegram,slack", help="telegram, slack or both")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    header()
    print(f"database: {(args.database or 'sqlite').split(':')[0]}")
    with bench_database(args.database) as url:
        asyncio.run(main_async(url, args))
    print(f"\npeak resident memory: {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
