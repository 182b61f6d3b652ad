"""Webhook mode and `rencontres-bot run`: the secret token, /healthz, and the process itself."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import run_platforms, serve
from bot.config import ConfigError, Settings
from bot.http import TELEGRAM_SECRET_HEADER, TELEGRAM_WEBHOOK_PATH, bound_port, build_app, start_server, telegram_routes
from storage.models import ChatUser
from tests.fake_telegram import TOKEN, FakeTelegram, forbid_network, run
from tests.telegram_harness import telegram_bot

SECRET = "s3cret-Token_for-tests"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def test_webhook_refuses_a_missing_or_wrong_secret_before_anything_runs(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            fake = bot.fake
            await bot.adapter.set_webhook("https://bot.example.org/telegram/webhook", SECRET)
            runner = await start_server(build_app(core, telegram_routes(bot.adapter, SECRET)), "127.0.0.1", 0)
            url = f"http://127.0.0.1:{bound_port(runner)}{TELEGRAM_WEBHOOK_PATH}"
            intruder, contact = fake.user(6666, "Intrus"), fake.user(7001, "Hikari", "ja")
            statuses: list[int] = []
            answered_before_ack: list[int] = []
            async with aiohttp.ClientSession() as http:
                for headers, sender in (
                    ({}, intruder),
                    ({TELEGRAM_SECRET_HEADER: "wrong"}, intruder),
                    ({TELEGRAM_SECRET_HEADER: SECRET}, contact),
                ):
                    async with http.post(url, json=fake.message(sender, "/help"), headers=headers) as response:
                        statuses.append(response.status)
                        # Acknowledged only once answered: an update in flight is resent by Telegram, not lost.
                        answered_before_ack.append(len(fake.calls_to("sendMessage")))
                async with http.post(url, data=b"{not json", headers={TELEGRAM_SECRET_HEADER: SECRET}) as response:
                    statuses.append(response.status)
                await fake.wait_for("sendMessage", 1)
                async with http.get(url.replace(TELEGRAM_WEBHOOK_PATH, "/healthz")) as response:
                    health = (response.status, await response.json())
            await runner.cleanup()
            return statuses, fake.webhook, fake.calls_to("sendMessage"), health, answered_before_ack

    statuses, webhook, sent, health, answered_before_ack = run(scenario())
    assert statuses == [403, 403, 200, 400]
    assert answered_before_ack == [0, 0, 1]
    assert webhook == {"url": "https://bot.example.org/telegram/webhook", "secret_token": SECRET}
    assert [int(call.params["chat_id"]) for call in sent] == [7001]
    assert health == (200, {"status": "ok", "database": "ok"})
    with core.sessions() as session:
        assert session.scalars(select(ChatUser.user_id)).all() == ["7001"]  # the intruder never reached the core


def test_webhook_mode_needs_a_valid_secret():
    webhook = Settings(telegram_token=TOKEN, telegram_webhook_url="https://bot.example.org/hook")
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET is required"):
        serve(webhook)
    with pytest.raises(ConfigError, match="A-Z, a-z, 0-9"):
        serve(Settings(**{**webhook.__dict__, "telegram_webhook_secret": "has spaces"}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_rencontres_bot_run_answers_then_stops_cleanly_on_sigterm(database_url, mode):
    async def scenario():
        async with FakeTelegram() as fake:
            port = _free_port()
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": fake.api_url,
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": str(port),
                "ADMINS": "",
            }
            if mode == "webhook":
                env |= {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": SECRET}
            else:
                env.pop("TELEGRAM_WEBHOOK_URL", None)
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
            )
            try:
                update = fake.message(fake.user(7001, "Hikari", "ja"), "/help")
                if mode == "webhook":
                    await fake.wait_for("setWebhook", timeout=60)
                    async with aiohttp.ClientSession() as http:
                        url = f"http://127.0.0.1:{port}{TELEGRAM_WEBHOOK_PATH}"
                        async with http.post(url, data=json.dumps(update), headers={TELEGRAM_SECRET_HEADER: SECRET}):
                            pass
                else:
                    await fake.wait_for("getUpdates", timeout=60)
                    await fake.push(update)
                await fake.wait_for("sendMessage", timeout=30)
            finally:
                process.send_signal(signal.SIGTERM)
                _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            return process.returncode, stderr.decode(), fake.sent_texts(7001)

    returncode, stderr, sent = run(scenario())
    assert returncode == 0, stderr
    assert f"Telegram: {mode} mode" in stderr
    assert "configured platforms: telegram" in stderr
    assert "stopped." in stderr
    assert "/help" in sent[0]


def test_run_in_polling_mode_answers_healthz_on_http_port(core):
    async def scenario():
        async with FakeTelegram() as fake:
            port = _free_port()
            core.settings = replace(
                core.settings,
                telegram_token=TOKEN,
                telegram_api_url=fake.api_url,
                http_host="127.0.0.1",
                http_port=port,
            )
            stop = asyncio.Event()
            running = asyncio.create_task(run_platforms(core, stop))
            await fake.wait_for("getUpdates")  # polling, and (started before it) the HTTP server
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    health = (response.status, await response.json())
                async with http.post(f"http://127.0.0.1:{port}{TELEGRAM_WEBHOOK_PATH}", json={}) as response:
                    webhook_status = response.status
            stop.set()
            await running
            return health, webhook_status, fake.webhook

    health, webhook_status, webhook = run(scenario())
    assert health == (200, {"status": "ok", "database": "ok"})
    assert webhook_status == 404  # polling: no webhook route is served
    assert webhook == {}
