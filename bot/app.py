"""`rencontres-bot run`: every configured platform in one process, until SIGINT or SIGTERM.

Telegram polls by default; with TELEGRAM_WEBHOOK_URL it registers a webhook and serves
`/telegram/webhook` (and `/healthz`) on HTTP_HOST:HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import ConfigError, Settings
from bot.core import BotCore
from contract.clock import SystemClock

# What Telegram accepts as a webhook secret_token.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def say(message: str) -> None:
    print(f"rencontres-bot: {message}", file=sys.stderr, flush=True)


def serve(settings: Settings) -> int:
    platforms = settings.configured_platforms()
    if not platforms:
        print(
            "rencontres-bot: no chat platform is configured, so there is nothing to run.\n"
            "  Telegram: set TELEGRAM_BOT_TOKEN.\n"
            "  Slack: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP).\n"
            "  To try the bot without any token: rencontres-bot console",
            file=sys.stderr,
        )
        return 2
    say(f"configured platforms: {', '.join(platforms)}")
    if "telegram" not in platforms:
        say("Slack support is not available in this version yet, so there is nothing to run.")
        return 2
    if "slack" in platforms:
        say("Slack support is not available in this version yet; starting Telegram only.")
    check_telegram(settings)
    if settings.telegram_webhook_url:
        say(
            f"Telegram: webhook mode, {settings.telegram_webhook_url} -> "
            f"http://{settings.http_host}:{settings.http_port}/telegram/webhook"
        )
    else:
        say("Telegram: polling mode (set TELEGRAM_WEBHOOK_URL for webhook mode)")
    core = BotCore.start(settings, SystemClock())
    try:
        asyncio.run(run_telegram(core))
    except InvalidToken:
        say("Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather.")
        return 2
    except NetworkError as exc:
        say(f"could not reach the Telegram Bot API at {settings.telegram_api_url}: {exc}")
        return 1
    except TelegramError as exc:
        say(f"Telegram refused to start the bot: {exc}")
        return 1
    finally:
        core.sessions.kw["bind"].dispose()
    say("stopped.")
    return 0


def check_telegram(settings: Settings) -> None:
    """Refuse settings that cannot work in webhook mode, before anything starts."""
    if settings.telegram_webhook_url is None:
        return
    secret = settings.telegram_webhook_secret
    if secret is None:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
    if not WEBHOOK_SECRET.fullmatch(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters among A-Z, a-z, 0-9, _ and -")


async def run_telegram(core: BotCore, stop: asyncio.Event | None = None) -> None:
    """Run the Telegram bot until `stop` is set (by default: until SIGINT or SIGTERM)."""
    from bot.http import build_app, start_server, telegram_routes
    from bot.telegram import TelegramAdapter

    settings = core.settings
    if stop is None:
        stop = stop_on_signals()
    async with TelegramAdapter(core) as adapter:
        runner = None
        try:
            if settings.telegram_webhook_url and settings.telegram_webhook_secret:
                app = build_app(core, telegram_routes(adapter, settings.telegram_webhook_secret))
                # Listen first, so Telegram can deliver as soon as the webhook is registered.
                runner = await start_server(app, settings.http_host, settings.http_port)
                await adapter.set_webhook(settings.telegram_webhook_url, settings.telegram_webhook_secret)
            else:
                await adapter.start_polling()
            say(f"Telegram: running as @{adapter.username}; Ctrl-C to stop.")
            await stop.wait()
        finally:
            if runner is not None:
                await runner.cleanup()


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (Ctrl-C, `docker stop`, systemd)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
