"""Organisers' heavy commands are answered by a worker process (bot/workers.py) when the bot runs.

The stats and their chart, an export, arrive as in the bot's own process; other commands stay in the
bot's process; if the worker dies, the command is answered here all the same.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.workers import HeavyWorker
from contract.messages import Incoming
from storage.db import transaction
from storage.inbox import handled_replies
from tests.admin_support import add_collectivity
from tests.waiting import wait_for

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def worker(core) -> Iterator[HeavyWorker]:  # type: ignore[no-untyped-def]
    heavy = HeavyWorker(core)
    core.heavy = heavy.answer
    yield heavy
    core.heavy = None
    heavy.stop()


def test_stats_with_their_chart_and_an_export_come_from_the_worker_the_rest_stays_here(core, chat, worker):
    add_collectivity(core, "Ville de Sète", choices=(1, 2))
    add_collectivity(core, "Nara-shi", country="jp", choices=(1, 3))
    for locale, heading in (("fr", "Demande par atelier"), ("ja", "分科会ごとの希望数")):
        organiser = chat("orga", locale_hint=locale)
        assert heading in organiser.send("/admin stats")
        (reply,) = organiser.last
        assert reply.attachment is not None and reply.attachment.kind == "image"
        assert reply.attachment.content.startswith(PNG)
    (item,) = core.record_updates("console", [("u-1", "orga", {})])
    replies = core.handle(Incoming("console", "orga", "orga", "/admin export doc7 csv"), inbox_row=item.row_id)
    assert replies[0].attachment is not None and "Ville de Sète".encode() in replies[0].attachment.content
    with transaction(core.sessions) as session:
        kept = handled_replies(session, item.row_id)
    assert kept is not None and kept[0]["text"] == replies[0].text
    assert worker.answered == 3
    organiser.send("/programme")
    organiser.send("/admin list")
    organiser.send("/admin lock")
    assert worker.answered == 3


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_command_is_answered_here_when_the_worker_died(core, chat, worker):
    organiser = chat("orga", locale_hint="en")
    assert "Doc 7" in organiser.send("/admin show doc7")
    pool = worker._pool
    assert pool is not None
    for pid in list(pool._processes):  # the worker's process, killed as an out-of-memory killer would
        os.kill(pid, signal.SIGKILL)
    assert "Doc 7" in organiser.send("/admin show doc7")
    assert "Doc 7" in organiser.send("/admin show doc7")
    assert worker.answered == 2


BOT_WITH_A_WORKER = """
import sys
from bot.config import Settings
from bot.core import BotCore
from bot.workers import HeavyWorker
from contract.clock import SystemClock

core = BotCore.start(Settings(database_url=sys.argv[1]), SystemClock())
worker = HeavyWorker(core)
worker.start()
core.heavy = worker.answer
print(*worker._pool._processes, flush=True)
sys.stdin.read()
"""


def test_the_worker_leaves_when_its_bot_is_killed(tmp_path):
    bot = subprocess.Popen(
        [sys.executable, "-c", BOT_WITH_A_WORKER, f"sqlite:///{tmp_path / 'bot.db'}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        (pid,) = (int(p) for p in bot.stdout.readline().split())  # type: ignore[union-attr]
    finally:
        bot.kill()
        bot.wait()
    # The worker checks every PARENT_CHECK second; it may still be loading matplotlib meanwhile.
    wait_for(lambda: not _alive(pid), "the worker exiting after its bot was killed", timeout=60, every=0.2)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
