"""The one HTTP server of `rencontres-bot run`: `/healthz`, `/telegram/webhook`, and each adapter's routes.

It runs in every mode (polling too, for the health check). Each adapter contributes its
routes (`Adapter.routes()`, Telegram's from `telegram_routes`); Slack's `/slack/events` is
added the same way, so every platform shares HTTP_HOST/HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import text

from bot.core import BotCore

if TYPE_CHECKING:
    from bot.telegram import TelegramAdapter

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram updates are small; anything bigger is not one of them.
MAX_BODY_BYTES = 1024 * 1024
# A body must arrive within this many seconds: one announcing more bytes than it sends is cut off (408).
BODY_TIMEOUT = 10.0

log = logging.getLogger(__name__)


def build_app(core: BotCore, *route_tables: Iterable[web.RouteDef]) -> web.Application:
    """The server: `/healthz` plus the routes of each platform running in HTTP mode."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)

    async def healthz(_request: web.Request) -> web.Response:
        database = await asyncio.to_thread(_database_answers, core)
        healthy = database == "ok"
        body = {"status": "ok" if healthy else "unavailable", "database": database}
        return web.json_response(body, status=200 if healthy else 503)

    app.router.add_get("/healthz", healthz)
    for routes in route_tables:
        app.router.add_routes(list(routes))
    return app


def _database_answers(core: BotCore) -> str:
    try:
        engine = core.sessions.kw["bind"]
        with engine.connect().execution_options(read_only=True) as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # the health check reports it instead of failing
        log.warning("health check: database unavailable: %s", exc)
        return "unavailable"
    return "ok"


def telegram_routes(adapter: TelegramAdapter, secret: str) -> list[web.RouteDef]:
    """`POST /telegram/webhook`: only requests carrying the secret token reach the bot."""
    if not secret:
        raise ValueError("a Telegram webhook needs a secret token")
    expected = secret.encode()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(TELEGRAM_SECRET_HEADER, "").encode()
        # Checked before the body is even read, in constant time.
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="forbidden")
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                body = await request.read()
        except TimeoutError:
            log.warning("a webhook request's body did not arrive within %ss", BODY_TIMEOUT)
            response = web.Response(status=408, text="body too slow")
            response.force_close()
            return response
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than json can read
            return web.Response(status=400, text="not JSON")
        problem = update_problem(data)
        if problem is not None:
            log.warning("refused a webhook request that is not a Telegram update: %s", problem)
            return web.Response(status=400, text="not a Telegram update")
        try:
            # Recorded in the inbox before the 200; processed after it (a resent update is recognised).
            await adapter.accept(data)
        except (ValueError, TypeError, KeyError) as exc:  # a malformed update must not become a 500 resent forever
            log.warning("could not read a Telegram update: %s", exc)
            return web.Response(status=400, text="unreadable update")
        return web.Response(status=200, text="ok")

    return [web.post(TELEGRAM_WEBHOOK_PATH, webhook)]


def update_problem(data: object) -> str | None:
    """What makes `data` no Telegram update the bot can read, or None.

    Checked before it is recorded: an update id that is a whole number (not `true`), and for the
    kinds the bot reads, the chat and the sender they need.
    """
    if not isinstance(data, dict):
        return "not an object"
    update_id = data.get("update_id")
    if type(update_id) is not int or update_id < 0:
        return "update_id is not a whole number"
    message = data.get("message")
    if message is not None and not (isinstance(message, dict) and _has_id(message.get("chat"))):
        return "a message without its chat"
    query = data.get("callback_query")
    if query is not None and not (isinstance(query, dict) and _has_id(query.get("from"))):
        return "a button press without its sender"
    member = data.get("my_chat_member")
    if member is not None and not (isinstance(member, dict) and _has_id(member.get("chat"))):
        return "a membership change without its chat"
    return None


def _has_id(value: object) -> bool:
    return isinstance(value, dict) and type(value.get("id")) is int


async def start_server(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve `app` on host:port; stop it with `await runner.cleanup()`."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The port actually bound (useful when 0 asked for any free one)."""
    addresses: Sequence[tuple[str, int]] = runner.addresses
    return int(addresses[0][1])
