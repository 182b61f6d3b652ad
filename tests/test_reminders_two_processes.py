"""Two `rencontres-bot run` processes on one PostgreSQL database, same bot token: each message is sent once.

Each process talks to its own fake Bot API (same token), so the test knows who sent what; a chat's count is
summed over both. The first message of each process is held on its fake until the other process has one in
flight too: the claims (`FOR UPDATE SKIP LOCKED`) let both send at once, so both must have sent some.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import time

import pytest
from sqlalchemy import select

from bot.core import BotCore
from scheduler.outbox import rehearse
from scheduler.planning import plan_event, triage
from storage.db import transaction
from storage.models import ChatUser, Collectivity, Contact, Event, OutboxMessage, ReminderRun
from storage.outbox import FINAL
from tests.fake_telegram import FakeTelegram, run
from tests.reminders_support import outbox, start_bot, statuses

NOW = "2026-06-16T09:31+02:00"  # the 14-day reminders of the 30 June deadline, both sides
COLLECTIVITIES = 100
CONTACTS_EACH = 3
TIMEOUT = 90.0


def many_contacts(core: BotCore) -> None:
    """300 contacts on Telegram, of 100 collectivities (half French, half Japanese), none done anything."""
    created = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with transaction(core.sessions) as session:
        for n in range(COLLECTIVITIES):
            country = "fr" if n % 2 == 0 else "jp"
            collectivity = Collectivity(
                event_id=core.event_id,
                name_fr=f"Ville {n}",
                name_ja=f"市{n}" if country == "jp" else None,
                country=country,
                kind="commune",
                status="considering",
                created_at=created,
                updated_at=created,
            )
            session.add(collectivity)
            session.flush()
            for k in range(CONTACTS_EACH):
                user_id = str(100_000 + n * CONTACTS_EACH + k)
                # Some chose a language, some have only their platform's, some neither.
                person = ChatUser(
                    platform="telegram",
                    user_id=user_id,
                    display_name=f"Contact {user_id}",
                    locale=("en", None, None)[k],
                    platform_locale=(None, "ja", None)[k],
                    private_chat_id=user_id,
                    created_at=created,
                )
                session.add(person)
                session.flush()
                session.add(
                    Contact(
                        event_id=core.event_id,
                        chat_user_id=person.id,
                        collectivity_id=collectivity.id,
                        joined_at=created,
                    )
                )


def planned(core: BotCore) -> tuple[collections.Counter[str], set[str]]:
    """What is due at NOW: messages per chat, and the occurrences to record (due and skipped)."""
    now = dt.datetime.fromisoformat(NOW)
    with core.sessions() as session:
        event = session.get_one(Event, core.event_id)
        per_chat = collections.Counter(
            str(m.reply.to.user_id or m.reply.to.chat_id)
            for _occurrence, messages in rehearse(session, event, now)
            for m in messages
            if m.reply.to is not None
        )
        sorted_out = triage(plan_event(event), now)
        return per_chat, {o.key for o in [*sorted_out.due, *sorted_out.skipped]}


async def all_final(core: BotCore, expected: int, procs: list[asyncio.subprocess.Process]) -> None:
    """Poll the outbox until it holds `expected` rows, every one in a final status (or fail after TIMEOUT)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        counts = await asyncio.to_thread(statuses, core)
        if sum(counts.values()) >= expected and all(status in FINAL for status in counts):
            return
        dead = [p.returncode for p in procs if p.returncode is not None]
        assert not dead, f"a bot process exited ({dead}) before the fan-out was done: {counts}"
        assert time.monotonic() < deadline, f"the outbox is not done within {TIMEOUT:g} s: {counts}"
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_processes_on_one_postgres_send_each_message_once(core, settings, tmp_path):
    many_contacts(core)
    per_chat, occurrences = planned(core)
    expected = sum(per_chat.values())
    assert expected >= 300 and max(per_chat.values()) == 1, "a fan-out of a few hundred, one per contact"
    logs = [tmp_path / "first-bot.log", tmp_path / "second-bot.log"]

    async def scenario() -> tuple[list[FakeTelegram], list[int]]:
        async with FakeTelegram() as first_api, FakeTelegram() as second_api:
            fakes = [first_api, second_api]
            for fake in fakes:
                fake.hold_after = 0  # each first send waits on its fake (`resume_held`) until released below
            with logs[0].open("wb") as first_log, logs[1].open("wb") as second_log:
                procs = [
                    await start_bot(fake, settings.database_url, NOW, stderr=log)
                    for fake, log in zip(fakes, (first_log, second_log), strict=True)
                ]
            try:
                # Both have a message in flight at once: neither waits for the other's send to claim one.
                await asyncio.gather(*(fake.wait_for("sendMessage", 1, timeout=TIMEOUT) for fake in fakes))
                for fake in fakes:
                    fake.resume_held.set()
                await all_final(core, expected, procs)
            finally:
                for fake in fakes:
                    fake.resume_held.set()
                for proc in procs:
                    if proc.returncode is None:
                        proc.terminate()
                for proc in procs:
                    try:
                        await asyncio.wait_for(proc.wait(), 30)
                    except TimeoutError:
                        proc.kill()
                        await proc.wait()
            return fakes, [proc.pid for proc in procs]

    try:
        fakes, pids = run(scenario())
    except AssertionError as error:
        tails = [log.read_text(errors="replace")[-2000:] for log in logs]
        raise AssertionError(f"{error}\n--- first bot:\n{tails[0]}\n--- second bot:\n{tails[1]}") from None

    sends = [fake.calls_to("sendMessage") for fake in fakes]
    delivered = collections.Counter(str(call.params["chat_id"]) for calls in sends for call in calls)
    assert {chat: n for chat, n in delivered.items() if n > 1} == {}, "chats written to twice"
    assert delivered == per_chat, "every planned message delivered exactly once, across both processes"
    assert statuses(core) == {"sent": expected}, "no row pending, unknown, failed or skipped"

    rows = outbox(core)
    assert len({r.dedup_key for r in rows}) == len(rows) == expected, "each message one outbox row"
    pairs = collections.Counter((r.user_id, r.text) for r in rows)
    sent_pairs = collections.Counter(
        (str(call.params["chat_id"]), str(call.params["text"])) for calls in sends for call in calls
    )
    assert sent_pairs == pairs, "what reached the chats is the outbox, each row once"
    assert all(r.attempts == 1 for r in rows), "no row claimed twice"

    # Both sent some, and the outbox says which process sent each one.
    by_worker = collections.Counter(r.claimed_by for r in rows)
    for pid, calls in zip(pids, sends, strict=True):
        worker = next((w for w in by_worker if w and w.endswith(f":{pid}")), None)
        assert calls and worker is not None and by_worker[worker] == len(calls), (pid, len(calls), by_worker)

    with core.sessions() as session:
        recorded = list(session.scalars(select(ReminderRun).where(ReminderRun.event_id == core.event_id)))
        batches = collections.Counter(r.batch for r in session.scalars(select(OutboxMessage)))
    assert sorted(r.occurrence for r in recorded) == sorted(occurrences), "each occurrence recorded once"
    for run_row in recorded:
        assert run_row.recipients == batches.get(run_row.occurrence, 0), run_row.occurrence
