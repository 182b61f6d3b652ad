"""Pacing: when the next message to a chat may go, under the platform's overall and per-chat limits."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from contract.clock import FixedClock
from contract.messages import Recipient
from scheduler.pacing import LIMITS, Pacer, PlatformLimits, Rate, TokenBucket

START = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)


def seconds(at: dt.datetime) -> float:
    return (at - START).total_seconds()


def send_in_order(pacer: Pacer, clock: FixedClock, recipients: list[Recipient]) -> list[float]:
    """A dispatcher sending one message after the other, each as soon as the pacer allows: the seconds sent at."""
    sent = []
    for recipient in recipients:
        wait = pacer.next_at(recipient, clock.now()) - clock.now()
        clock.move(wait)
        assert pacer.try_take(recipient, clock.now())
        sent.append(seconds(clock.now()))
    return sent


def test_telegram_fan_out_to_many_people_goes_at_30_per_second_at_most():
    clock = FixedClock(START)
    sent = send_in_order(Pacer(), clock, [Recipient.person("telegram", str(i)) for i in range(91)])
    assert sent[0] == 0
    assert sent[90] == pytest.approx(3.0, abs=1e-4)  # evenly spaced: no burst for a flood limit to answer with 429
    assert min(b - a for a, b in itertools.pairwise(sent)) >= 1 / 30


def test_one_private_chat_gets_one_message_per_second_and_others_are_not_held_up():
    clock = FixedClock(START)
    pacer = Pacer()
    alice, bob = Recipient.person("telegram", "alice"), Recipient.person("telegram", "bob")
    assert pacer.try_take(alice, clock.now())
    clock.move(dt.timedelta(seconds=0.1))
    assert not pacer.try_take(alice, clock.now())  # nothing is taken: bob's message may go meanwhile
    assert seconds(pacer.next_at(alice, clock.now())) == 1
    assert pacer.try_take(bob, clock.now())
    clock.move(dt.timedelta(seconds=0.9))
    assert pacer.try_take(alice, clock.now())
    clock.move(dt.timedelta(seconds=10))
    assert pacer.next_at(alice, clock.now()) == clock.now()  # idle again: no wait


def test_a_telegram_group_gets_20_messages_per_minute():
    sent = send_in_order(Pacer(), FixedClock(START), [Recipient.chat("telegram", "-100123")] * 21)
    assert sent[:3] == [0, 3, 6]
    assert sent[20] == 60  # the 21st is a minute after the first


def test_slack_has_one_per_second_per_channel_and_no_overall_limit():
    clock = FixedClock(START)
    pacer = Pacer()
    channels = [Recipient.chat("slack", f"C{i}") for i in range(100)]
    assert all(pacer.try_take(c, clock.now()) for c in channels)
    assert not pacer.try_take(channels[0], clock.now())
    assert seconds(pacer.next_at(channels[0], clock.now())) == 1


def test_the_console_is_not_paced():
    clock = FixedClock(START)
    pacer = Pacer()
    assert all(pacer.try_take(Recipient.person("console", "me"), clock.now()) for _ in range(5))


def test_retry_after_holds_the_chat_or_the_whole_platform():
    clock = FixedClock(START)
    pacer = Pacer()
    alice, bob = Recipient.person("telegram", "alice"), Recipient.person("telegram", "bob")
    pacer.hold(alice, START + dt.timedelta(seconds=12))
    assert seconds(pacer.next_at(alice, clock.now())) == 12
    assert seconds(pacer.next_at(bob, clock.now())) == 0
    pacer.hold(bob, START + dt.timedelta(seconds=5), whole_platform=True)
    assert seconds(pacer.next_at(Recipient.person("telegram", "carol"), clock.now())) == 5
    assert seconds(pacer.next_at(Recipient.person("slack", "U1"), clock.now())) == 0


def test_a_bucket_allows_its_burst_then_spaces_messages():
    bucket = TokenBucket(Rate(2, 1, burst=3))
    taken = []
    for _ in range(5):
        at = bucket.allows_at(START)
        bucket.take(at)
        taken.append(seconds(at))
    assert taken == [0, 0, 0, 0.5, 1.0]


def test_every_bucket_must_allow_a_message():
    pacer = Pacer({"x": PlatformLimits(overall=Rate(1, 1), private_chat=Rate(1, 10))})
    clock = FixedClock(START)
    assert send_in_order(pacer, clock, [Recipient.person("x", n) for n in ("alice", "alice", "bob")]) == [0, 10, 11]


def test_idle_chats_are_forgotten_during_a_large_fan_out():
    clock = FixedClock(START)
    pacer = Pacer()
    for i in range(5000):
        assert pacer.try_take(Recipient.person("telegram", str(i)), clock.now())
        clock.move(dt.timedelta(seconds=1))
    assert pacer.tracked_chats < 1500
    assert LIMITS["telegram"].private_chat == Rate(1, 1)
