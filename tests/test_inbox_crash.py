"""`rencontres-bot run` killed with SIGKILL in the middle of a burst, then started again: nothing lost, nothing twice.

The process runs against the fake Bot API of this test (TELEGRAM_API_URL). The fake takes in a
number of replies, then holds every later one (they are on their way when the process dies:
never delivered); once the database says those replies' updates are done the process is killed.
After the restart every update is answered exactly once, counted on the fake, and a form
answer that was in flight is kept once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.http import TELEGRAM_SECRET_HEADER, TELEGRAM_WEBHOOK_PATH
from storage.db import make_engine
from storage.models import FormState, InboxUpdate
from tests.fake_telegram import TOKEN, FakeTelegram, forbid_network, run
from tests.participation_support import linked

ROOT = Path(__file__).resolve().parent.parent
SECRET = "crash-test-Secret"
PEOPLE = 299
DELIVERED_BEFORE_KILL = 40
FORM_USER = 7001


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Database:
    """The test's own view of the database the process writes to."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def _count(self, *statuses: str) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status.in_(statuses))
            return int(conn.scalar(query) or 0)

    async def count(self, *statuses: str) -> int:
        return await asyncio.to_thread(self._count, *statuses)

    async def until(self, condition: Callable[[], Any], what: str, timeout: float = 120) -> None:
        """Wait for the other process's commits to make `condition` true (polled: its commits signal nothing)."""
        try:
            async with asyncio.timeout(timeout):
                while not await condition():
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise AssertionError(f"not within {timeout:g} s: {what}") from None


async def _start(fake: FakeTelegram, database_url: str, port: int, mode: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.api_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "ADMINS": "",
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    if mode == "webhook":
        env |= {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": SECRET}
    before = len(fake.calls_to("setWebhook" if mode == "webhook" else "getUpdates"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.DEVNULL
    )
    await fake.wait_for("setWebhook" if mode == "webhook" else "getUpdates", before + 1, timeout=90)
    return process


async def _post_all(port: int, updates: list[dict[str, Any]]) -> list[int | None]:
    """POST each update to the webhook as Telegram does (several at once); None where the process was gone."""
    url = f"http://127.0.0.1:{port}{TELEGRAM_WEBHOOK_PATH}"
    slots = asyncio.Semaphore(8)

    async def post(http: aiohttp.ClientSession, update: dict[str, Any]) -> int | None:
        async with slots:
            try:
                body = json.dumps(update)
                async with http.post(url, data=body, headers={TELEGRAM_SECRET_HEADER: SECRET}) as response:
                    return response.status
            except (aiohttp.ClientError, TimeoutError):
                return None

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        return list(await asyncio.gather(*(post(http, update) for update in updates)))


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_killed_run_answers_every_update_once_after_restart(core, chat, database_url, mode):
    # Someone in the middle of /confirm, asked for the second person of a delegation of two.
    person, _ = linked(chat, core, platform="telegram", user=str(FORM_USER))
    person.send("/confirm")
    person.send("2")
    assert "2" in person.send("Camille Durand, adjointe au maire")
    database = Database(database_url)

    async def scenario() -> tuple[Counter[int], int, int, list[int | None], int]:
        async with FakeTelegram() as fake:
            port = _free_port()
            people = [fake.user(20_000 + n, f"Personne{n}", "fr") for n in range(PEOPLE)]
            updates = [fake.message(someone, "/help") for someone in people[: PEOPLE // 2]]
            updates.append(fake.message(fake.user(FORM_USER, "Louis"), "Louis Petit"))
            updates += [fake.message(someone, "/help") for someone in people[PEOPLE // 2 :]]
            fake.stall_after(DELIVERED_BEFORE_KILL)

            process = await _start(fake, database_url, port, mode)
            posting: asyncio.Task[list[int | None]] | None = None
            if mode == "webhook":
                posting = asyncio.create_task(_post_all(port, updates))
            else:
                for update in updates:
                    await fake.push(update)
            await fake.wait_for("sendMessage", DELIVERED_BEFORE_KILL, timeout=120)

            async def delivered_are_done() -> bool:
                return fake.stalled > 0 and await database.count("done") == len(fake.calls_to("sendMessage"))

            await database.until(delivered_are_done, "every delivered reply's update marked done")
            process.kill()  # SIGKILL: no clean-up, as a container runtime or the OOM killer does
            await process.wait()
            form_answered_before_kill = len(fake.sent_texts(FORM_USER))
            first_statuses = await posting if posting is not None else []
            killed_pending = await database.count("pending", "handled")
            fake.release()

            process = await _start(fake, database_url, port, mode)
            if mode == "webhook":
                # Telegram sends again what got no 200; here everything again, acknowledged or not.
                second = await _post_all(port, updates)
                assert second == [200] * len(updates)

            async def all_done() -> bool:
                return await database.count("pending", "handled") == 0 and await database.count("done") == len(updates)

            await database.until(all_done, "every update done")
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=30)
            answered = Counter(int(call.params["chat_id"]) for call in fake.calls_to("sendMessage"))
            return answered, killed_pending, process.returncode or 0, first_statuses, form_answered_before_kill

    answered, killed_pending, returncode, first_statuses, form_answered_before_kill = run(scenario())
    assert form_answered_before_kill == 0  # the delegate's name was still in flight when the process died
    assert killed_pending > 0  # the kill did leave work recorded and not done
    if mode == "webhook":
        assert None in first_statuses  # some posts were cut by the kill, and sent again after it
    assert returncode == 0
    expected = {20_000 + n: 1 for n in range(PEOPLE)} | {FORM_USER: 1}
    assert dict(answered) == expected, {k: v for k, v in answered.items() if v != 1}
    with core.sessions() as session:
        state = session.scalars(select(FormState)).one()
    names = json.dumps(state.data, ensure_ascii=False)
    assert names.count("Louis Petit") == 1 and names.count("Camille Durand") == 1
