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
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not a Telegram update")
        try:
            await adapter.accept(data)
        except Exception:  # a malformed update must not become a 500 that Telegram resends forever
            log.exception("could not read a Telegram update")
            return web.Response(status=400, text="unreadable update")
        return web.Response(status=200, text="ok")

    return [web.post(TELEGRAM_WEBHOOK_PATH, webhook)]


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
