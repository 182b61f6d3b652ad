"""Hostile webhook requests: each is refused (400, or 408 for a body that never arrives) and records nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

import bot.http
from bot.http import TELEGRAM_SECRET_HEADER, TELEGRAM_WEBHOOK_PATH, bound_port, build_app, start_server, telegram_routes
from storage.models import ChatUser, InboxUpdate
from tests.fake_telegram import forbid_network, run
from tests.telegram_harness import telegram_bot

SECRET = "hardening-Secret"
DEEP = 100_000


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


async def _post(core: Any, bodies: list[bytes]) -> tuple[list[int], list[str]]:
    """POST each body to a running webhook; the statuses and what the bot sent."""
    async with telegram_bot(core) as tg:
        runner = await start_server(build_app(core, telegram_routes(tg.adapter, SECRET)), "127.0.0.1", 0)
        url = f"http://127.0.0.1:{bound_port(runner)}{TELEGRAM_WEBHOOK_PATH}"
        statuses = []
        async with aiohttp.ClientSession() as http:
            for body in bodies:
                headers = {TELEGRAM_SECRET_HEADER: SECRET, "Content-Type": "application/json"}
                async with http.post(url, data=body, headers=headers) as response:
                    statuses.append(response.status)
        await tg.adapter.inbox.idle()
        await runner.cleanup()
        return statuses, tg.fake.sent_texts()


def _nothing_recorded(core: Any) -> None:
    with core.sessions() as session:
        assert session.scalars(select(InboxUpdate)).all() == []
        assert session.scalars(select(ChatUser)).all() == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * DEEP + b"]" * DEEP, id="100k-deep-list"),
        pytest.param(
            b'{"update_id": 1, "message": ' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}", id="100k-deep-object"
        ),
        pytest.param(b'{"update_id": true}', id="update-id-true"),
        pytest.param(b'{"update_id": "12"}', id="update-id-string"),
        pytest.param(b'{"update_id": -3}', id="update-id-negative"),
        pytest.param(b'{"update_id": 5, "message": {"message_id": 1, "date": 0, "text": "/help"}}', id="no-chat"),
        pytest.param(b"\xff\xfe not utf-8", id="not-utf8"),
    ],
)
def test_a_malformed_update_is_refused_with_400_and_recorded_nowhere(core, body, caplog):
    caplog.set_level(logging.WARNING)
    statuses, sent = run(_post(core, [body]))
    assert statuses == [400]
    assert sent == []
    _nothing_recorded(core)
    assert not [record for record in caplog.records if record.exc_info]  # no traceback in the log


def test_a_button_press_without_its_sender_is_refused_cleanly(core, caplog):
    caplog.set_level(logging.WARNING)
    press = (
        b'{"update_id": 9, "callback_query": {"id": "q1", "chat_instance": "c", "data": "x",'
        b' "message": {"message_id": 1, "date": 0, "chat": {"id": 7001, "type": "private"}}}}'
    )
    statuses, sent = run(_post(core, [press]))
    assert statuses == [400]
    assert sent == []
    _nothing_recorded(core)
    assert not [r for r in caplog.records if r.exc_info or "AttributeError" in r.getMessage()]


def test_a_body_that_announces_more_than_it_sends_is_cut_off_by_a_read_timeout(core, monkeypatch):
    monkeypatch.setattr(bot.http, "BODY_TIMEOUT", 0.2)

    async def scenario() -> bytes:
        async with telegram_bot(core) as tg:
            runner = await start_server(build_app(core, telegram_routes(tg.adapter, SECRET)), "127.0.0.1", 0)
            reader, writer = await asyncio.open_connection("127.0.0.1", bound_port(runner))
            writer.write(
                f"POST {TELEGRAM_WEBHOOK_PATH} HTTP/1.1\r\nHost: bot\r\n{TELEGRAM_SECRET_HEADER}: {SECRET}\r\n"
                "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n".encode()
                + b'{"update_id": 1'
            )
            await writer.drain()
            # The server answers and closes although the rest of the body never comes.
            async with asyncio.timeout(30):
                answer = await reader.read()
            writer.close()
            await runner.cleanup()
            return answer

    answer = run(scenario())
    assert answer.startswith(b"HTTP/1.1 408")
    _nothing_recorded(core)


def test_a_polled_button_press_without_its_sender_is_ignored_without_a_traceback(core, caplog):
    caplog.set_level(logging.INFO)
    press = {
        "update_id": 9,
        "callback_query": {
            "id": "q1",
            "chat_instance": "c",
            "data": "x",
            "message": {"message_id": 1, "date": 0, "chat": {"id": 7001, "type": "private"}},
        },
    }

    async def scenario() -> list[str]:
        async with telegram_bot(core) as tg:
            await tg.adapter.start_polling(timeout=1)
            polls = len(tg.fake.calls_to("getUpdates"))
            await tg.fake.push(press)
            # The getUpdates after the one that fetched it confirms it: by then it is recorded.
            await tg.fake.wait_for("getUpdates", polls + 2)
            await tg.adapter.inbox.idle()
            return [call.method for call in tg.fake.calls]

    methods = run(scenario())
    assert "answerCallbackQuery" not in methods and "sendMessage" not in methods
    with core.sessions() as session:
        assert session.scalars(select(InboxUpdate.status)).all() == ["done"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
