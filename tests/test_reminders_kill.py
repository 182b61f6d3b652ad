"""`rencontres-bot run` killed (SIGKILL) mid-fan-out and restarted: nothing sent twice, at most one uncertain.

Then stopped (SIGTERM) during a send: that one is finished and recorded sent.
"""

from __future__ import annotations

import asyncio
import collections

from tests.fake_telegram import FakeTelegram, run
from tests.participation_support import linked
from tests.reminders_support import start_bot, statuses

PEOPLE = 6


def test_killed_mid_fan_out_and_restarted_sends_nothing_twice(chat, core, settings):
    for n in range(PEOPLE):
        linked(chat, core, f"Ville {n}", user=str(7000 + n), platform="telegram")

    async def scenario() -> None:
        async with FakeTelegram() as fake:
            fake.hold_after = 2
            first = await start_bot(fake, settings.database_url, "2026-06-16T09:31+02:00")
            try:
                await fake.wait_for("sendMessage", 3, timeout=60)  # the third is in flight, held
            finally:
                first.kill()
                await first.wait()
            fake.resume_held.set()
            total = sum(statuses(core).values())
            assert statuses(core).get("sending") == 1
            # Restarted ten minutes later (rehearsal clock): the lease of the row in flight has expired.
            # The last one is held too: stopped (SIGTERM) during that send, the bot finishes and records it.
            fake.resume_held = asyncio.Event()
            fake.hold_after = total - 1
            second = await start_bot(fake, settings.database_url, "2026-06-16T09:41+02:00")
            try:
                await fake.wait_for("sendMessage", total, timeout=60)
            finally:
                second.terminate()
                fake.resume_held.set()
                await second.wait()
            pairs = collections.Counter(
                (int(c.params["chat_id"]), str(c.params["text"])) for c in fake.calls_to("sendMessage")
            )
            assert max(pairs.values()) == 1, "nothing sent twice"
            assert len(fake.calls_to("sendMessage")) == total

    run(scenario())
    final = statuses(core)
    assert final.get("unknown") == 1, "the one in flight at the kill: uncertain, not re-sent"
    assert final.get("sent") == sum(final.values()) - 1
