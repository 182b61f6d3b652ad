"""Fan-out under flood limits: the fake Bot API refuses beyond its rate, the dispatcher sends everything once.

And the dispatcher's batches: rows claimed ahead of their paced turns, each sent at its turn, recorded together.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import itertools
from dataclasses import dataclass, field

import aiohttp

from contract.clock import FixedClock, ShiftedClock
from contract.delivery import Delivery, Sent
from contract.messages import Recipient, Reply
from scheduler.dispatch import Dispatcher, concurrency_for
from scheduler.pacing import LIMITS, Pacer, PlatformLimits, Rate, tolerant
from tests.conftest import paris
from tests.fake_telegram import TOKEN, FakeTelegram, FloodLimits, run
from tests.participation_support import linked
from tests.reminders_support import RecordingSender, outbox, service, statuses
from tests.telegram_harness import telegram_bot

FR_14 = "confirmation-and-delegation@2026-06-30/14d/fr"


async def send_messages(fake: FakeTelegram, chats: list[int]) -> list[int]:
    """POST sendMessage to each chat in turn; the HTTP status of each answer."""
    found = []
    async with aiohttp.ClientSession() as http:
        for chat_id in chats:
            url = f"{fake.api_url}{TOKEN}/sendMessage"
            async with http.post(url, json={"chat_id": chat_id, "text": "Rappel"}) as answer:
                found.append(answer.status)
                body = await answer.json()
                if answer.status == 429:
                    assert body["parameters"]["retry_after"] >= 1
    return found


def test_the_fake_takes_every_message_unless_told_to_enforce_flood_limits():
    async def scenario() -> None:
        async with FakeTelegram() as fake:
            assert await send_messages(fake, [1, 1, 1, 2]) == [200] * 4

    run(scenario())


def test_the_fake_answers_429_beyond_its_overall_rate_and_does_not_take_the_message_in():
    async def scenario() -> None:
        async with FakeTelegram() as fake:
            # One message every ten seconds: the three that follow the first at once are refused.
            fake.enforce_flood_limits(FloodLimits(overall=0.1, per_chat=100))
            assert await send_messages(fake, [1, 2, 3, 4]) == [200, 429, 429, 429]
            assert fake.sent_texts() == ["Rappel"]
            assert len(fake.flooded) == 3

    run(scenario())


def test_the_fake_answers_429_to_a_second_message_in_one_chat_within_its_per_chat_rate():
    async def scenario() -> None:
        async with FakeTelegram() as fake:
            fake.enforce_flood_limits(FloodLimits(overall=1000, per_chat=0.1))
            assert await send_messages(fake, [1, 2, 1, 3]) == [200, 200, 429, 200]

    run(scenario())


def test_refused_for_flood_the_dispatcher_sends_again_later_and_nothing_is_lost_or_doubled(chat, core, clock):
    people = 4
    for n in range(people):
        linked(chat, core, f"Ville {n}", user=str(7100 + n), platform="telegram")
    clock.at = paris(2026, 6, 16, 9, 31)
    service(core, clock, RecordingSender()).plan()

    async def scenario() -> None:
        async with telegram_bot(core) as bot:
            bot.fake.enforce_flood_limits(FloodLimits(overall=10, per_chat=1, tolerance=0))
            # Paced far above what the fake takes, all at once: most are refused with 429 at first.
            unpaced = Pacer({"telegram": PlatformLimits()})
            dispatcher = Dispatcher(
                core.sessions,
                ShiftedClock(clock.at),  # real time, from the planned instant on
                core.event_id,
                {"telegram": bot.adapter.sender},
                pacer=unpaced,
                concurrency=people,
            )
            await dispatcher.drain()
            assert bot.fake.flooded, "the fake refused some for flood"
            received = collections.Counter(int(c.params["chat_id"]) for c in bot.fake.calls_to("sendMessage"))
            assert received == {7100 + n: 1 for n in range(people)}, "each once"

    run(scenario())
    assert statuses(core) == {"sent": people}


@dataclass
class TimedSender:
    """A console that records the test clock's instant of each message it is given."""

    clock: FixedClock
    platform: str = "console"
    at: list[tuple[str, dt.datetime]] = field(default_factory=list)

    async def deliver(self, recipient: Recipient, reply: Reply) -> Delivery:
        self.at.append((recipient.user_id or "", self.clock.now()))
        return Sent(str(len(self.at)))


def test_rows_are_claimed_in_batches_ahead_of_their_turns_and_each_leaves_at_its_turn(chat, core, clock):
    for n in range(12):
        linked(chat, core, f"Ville {n:02d}", user=f"maire{n:02d}")
    clock.at = paris(2026, 6, 16, 9, 31)
    service(core, clock, RecordingSender()).plan()
    sender = TimedSender(clock)

    async def wait(seconds: float) -> None:
        clock.move(dt.timedelta(seconds=seconds))

    ten_a_second = Pacer({"console": PlatformLimits(overall=Rate(10, 1))})
    dispatcher = Dispatcher(
        core.sessions,
        clock,
        core.event_id,
        {"console": sender},
        pacer=ten_a_second,
        concurrency=5,
        lookahead=dt.timedelta(milliseconds=500),
        sleep=wait,
    )
    claims = []
    claim = dispatcher._claim

    def counted(limit: int | None = None) -> list:
        claimed = claim(limit)
        claims.append(len(claimed))
        return claimed

    dispatcher._claim = counted  # type: ignore[method-assign]
    run(dispatcher.drain())
    expected = {r.user_id for r in outbox(core, lambda r: r.batch == FR_14)}
    assert sorted(who for who, _ in sender.at) == sorted(expected) and len(expected) == 12, "each once"
    assert max(claims) == 5, "a claim takes several rows whose turns come within the lookahead"
    instants = [at for _, at in sender.at]
    assert all(b - a >= dt.timedelta(milliseconds=100) for a, b in itertools.pairwise(instants)), "paced"
    assert statuses(core) == {"sent": 12}


def test_one_message_at_a_time_up_to_telegrams_own_rate_so_a_kill_leaves_one_uncertain():
    assert LIMITS["telegram"].overall == Rate(30, 1)
    assert concurrency_for(30) == 1
    assert concurrency_for(200) == 40


def test_a_message_that_left_late_lets_only_a_short_burst_catch_up():
    start = dt.datetime(2026, 6, 16, 7, 30, tzinfo=dt.UTC)
    limits = tolerant({"x": PlatformLimits(overall=Rate(200, 1))}, dt.timedelta(milliseconds=20))
    gate = Pacer(limits)
    late = start + dt.timedelta(seconds=1)
    at_once = 0
    while gate.try_take(Recipient.person("x", str(at_once)), late):
        at_once += 1
    assert at_once == 5, "20 ms of lateness at 5 ms a message"


def test_a_paced_turn_is_reserved_ahead_and_refused_past_the_latest_instant():
    start = dt.datetime(2026, 6, 16, 7, 30, tzinfo=dt.UTC)
    pacer = Pacer({"x": PlatformLimits(overall=Rate(10, 1))})
    person = Recipient.person("x", "1")
    turns = [pacer.reserve(Recipient.person("x", str(n)), start, start + dt.timedelta(seconds=0.25)) for n in range(4)]
    assert turns[:3] == [start + dt.timedelta(seconds=s) for s in (0, 0.1, 0.2)]
    assert turns[3] is None, "past the latest instant: nothing taken"
    assert pacer.next_at(person, start) == start + dt.timedelta(seconds=0.3)


def test_rows_are_sent_concurrently_and_each_recorded(chat, core, clock):
    for n in range(6):
        linked(chat, core, f"Ville {n}", user=f"m{n}")
    clock.at = paris(2026, 6, 16, 9, 31)
    service(core, clock, RecordingSender()).plan()
    started: list[str] = []
    release = asyncio.Event()

    class Slow:
        platform = "console"

        async def deliver(self, recipient: Recipient, reply: Reply) -> Delivery:
            started.append(recipient.user_id or "")
            if len(started) == 3:
                release.set()
            await release.wait()  # the first three are all in flight before any answers
            return Sent(recipient.user_id or "")

    dispatcher = Dispatcher(core.sessions, clock, core.event_id, {"console": Slow()}, concurrency=3)
    report = run(dispatcher.pass_once())
    assert report.sent == 6
    assert statuses(core) == {"sent": 6}


def test_telegram_rate_is_read_from_the_environment_and_refused_when_not_a_rate():
    import pytest

    from bot.config import ConfigError, Settings

    assert Settings.from_env({}).telegram_rate == 30
    assert Settings.from_env({"TELEGRAM_RATE": "200"}).telegram_rate == 200
    for wrong in ("0", "fast", "-5"):
        with pytest.raises(ConfigError, match="TELEGRAM_RATE"):
            Settings.from_env({"TELEGRAM_RATE": wrong})


def test_the_bots_reminders_are_paced_at_telegram_rate(core):
    from dataclasses import replace

    from bot.app import start_reminders

    async def scenario() -> None:
        core.settings = replace(core.settings, telegram_rate=200)
        reminders = start_reminders(core, [])
        try:
            assert reminders.dispatcher.pacer.limits["telegram"].overall == Rate(200, 1)
            assert reminders.dispatcher.pacer.limits["telegram"].private_chat == Rate(1, 1), "still 1 a second a chat"
            assert reminders.dispatcher.concurrency == concurrency_for(200)
        finally:
            await reminders.stop()

    run(scenario())
