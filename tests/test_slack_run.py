"""`rencontres-bot run` with SLACK_BOT_TOKEN: Slack in HTTP mode on /slack/events, answered, stopped on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot.slack import SLACK_EVENTS_PATH
from tests.fake_slack import SIGNING_SECRET, TOKEN, FakeSlack, post
from tests.fake_telegram import forbid_network, run

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_rencontres_bot_run_with_only_slack_answers_a_command_and_stops_cleanly(database_url):
    async def scenario():
        async with FakeSlack() as fake:
            fake.add_user("U0IRIS", "Iris", locale="ja-JP")
            port = _free_port()
            env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "TELEGRAM_"))}
            env |= {
                "DATABASE_URL": database_url,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.api_url,
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": str(port),
                "ADMINS": "",
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
            )
            try:
                # The HTTP server listens before the adapters log in (auth.test).
                await fake.wait_for("auth.test", timeout=60)
                answer = await post(f"http://127.0.0.1:{port}{SLACK_EVENTS_PATH}", fake.slash_command("U0IRIS", "help"))
                (posted,) = await fake.wait_for("chat.postMessage", timeout=30)
            finally:
                process.send_signal(signal.SIGTERM)
                _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            return process.returncode, stderr.decode(), answer, str(posted.params["text"])

    returncode, stderr, answer, text = run(scenario())
    assert returncode == 0, stderr
    assert "configured platforms: slack" in stderr
    assert f"Slack: HTTP mode on {SLACK_EVENTS_PATH}" in stderr
    assert "stopped." in stderr
    assert answer.status == 200
    assert "/rencontres status" in text
