"""`rencontres-bot run`: every configured platform in one process, until SIGINT or SIGTERM.

One asyncio loop, one HTTP server on HTTP_HOST:HTTP_PORT in every mode: `/healthz` plus each
adapter's routes (Telegram's `/telegram/webhook` in webhook mode). Telegram polls by default;
with TELEGRAM_WEBHOOK_URL it registers a webhook instead.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.adapter import Adapter
from bot.config import ConfigError, Settings
from bot.core import BotCore
from bot.slack import SLACK_EVENTS_PATH
from bot.workers import HeavyWorker
from contract.clock import Clock, ShiftedClock, SystemClock
from scheduler.dispatch import LOOKAHEAD, concurrency_for
from scheduler.pacing import LIMITS, Pacer, Rate, with_overall
from scheduler.service import QUEUED, ReminderService

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
    check_telegram(settings)
    if "slack" in platforms:
        mode = "Socket Mode" if settings.slack_app_token else f"HTTP mode on {SLACK_EVENTS_PATH}"
        say(f"Slack: {mode}, Web API {settings.slack_api_url}")
    if "telegram" in platforms and settings.telegram_webhook_url:
        say(
            f"Telegram: webhook mode, {settings.telegram_webhook_url} -> "
            f"http://{settings.http_host}:{settings.http_port}/telegram/webhook"
        )
    elif "telegram" in platforms:
        say("Telegram: polling mode (set TELEGRAM_WEBHOOK_URL for webhook mode)")
    core = BotCore.start(settings, rehearsal_clock())
    try:
        asyncio.run(run_platforms(core))
    except InvalidToken:
        say("Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather.")
        return 2
    except NetworkError as exc:
        say(f"could not reach the Telegram Bot API at {settings.telegram_api_url}: {exc}")
        return 1
    except TelegramError as exc:
        say(f"Telegram refused to start the bot: {exc}")
        return 1
    except SlackApiError as exc:
        say(f"Slack refused to start the bot ({exc.response.get('error')}); check SLACK_BOT_TOKEN and SLACK_APP_TOKEN.")
        return 2
    except OSError as exc:
        say(f"could not listen on {settings.http_host}:{settings.http_port}: {exc}")
        return 1
    finally:
        core.sessions.kw["bind"].dispose()
    say("stopped.")
    return 0


def rehearsal_clock() -> Clock:
    """The real clock; with RB_NOW (ISO 8601 with an offset, a rehearsal) one that starts there and runs on."""
    start = os.environ.get("RB_NOW")
    if not start:
        return SystemClock()
    import datetime as dt

    try:
        parsed = dt.datetime.fromisoformat(start)
    except ValueError as exc:
        raise ConfigError(f"RB_NOW {start!r} is not an ISO 8601 instant (e.g. 2026-06-16T09:30+02:00)") from exc
    if parsed.tzinfo is None:
        raise ConfigError(f"RB_NOW {start!r} needs an offset (e.g. +02:00)")
    say(f"rehearsal clock: starting at {parsed.isoformat()} (RB_NOW)")
    return ShiftedClock(parsed)


def check_telegram(settings: Settings) -> None:
    """Refuse settings that cannot work in webhook mode, before anything starts."""
    if settings.telegram_webhook_url is None:
        return
    secret = settings.telegram_webhook_secret
    if secret is None:
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
    if not WEBHOOK_SECRET.fullmatch(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters among A-Z, a-z, 0-9, _ and -")


def build_adapters(core: BotCore) -> list[Adapter]:
    """One adapter per platform configured in the settings (`Settings.configured_platforms`)."""
    from bot.telegram import TelegramAdapter

    adapters: list[Adapter] = []
    if core.settings.telegram_token:
        adapters.append(TelegramAdapter(core))
    if "slack" in core.settings.configured_platforms():
        from bot.slack import SlackAdapter

        adapters.append(SlackAdapter(core))
    return adapters


async def run_platforms(
    core: BotCore, stop: asyncio.Event | None = None, adapters: Sequence[Adapter] | None = None
) -> None:
    """Serve /healthz and every adapter's routes, start each adapter, run until `stop` (default: SIGINT/SIGTERM)."""
    from bot.http import build_app, start_server

    settings = core.settings
    if stop is None:
        stop = stop_on_signals()
    adapters = build_adapters(core) if adapters is None else adapters
    started: list[Adapter] = []
    reminders: ReminderService | None = None
    # Organisers' exports, stats and balancing are answered in a worker process, off the other chats' interpreter.
    heavy = HeavyWorker(core)
    heavy.start()
    core.heavy = heavy.answer
    # Listen first: /healthz answers while the platforms log in, and a webhook can be delivered at once.
    runner = await start_server(
        build_app(core, *(adapter.routes() for adapter in adapters)), settings.http_host, settings.http_port
    )
    try:
        for adapter in adapters:
            await adapter.start()
            started.append(adapter)
            await adapter.listen()
        say(f"HTTP: /healthz on {settings.http_host}:{settings.http_port}")
        reminders = start_reminders(core, started)
        say(f"running: {', '.join(a.platform for a in adapters)}; Ctrl-C to stop.")
        await stop.wait()
    finally:
        if reminders is not None:
            await reminders.stop()
        # Stop taking requests first, then let each platform finish what it is answering.
        await runner.cleanup()
        for adapter in reversed(started):
            await adapter.stop()
        core.heavy = None
        await asyncio.to_thread(heavy.stop)


def start_reminders(core: BotCore, adapters: Sequence[Adapter]) -> ReminderService:
    """The planner and dispatcher (scheduler/service.py), sending through each adapter's sender.

    Paced at TELEGRAM_RATE messages per second overall on Telegram (scheduler/pacing.py, 1 a second per chat).
    """
    rate = Rate(core.settings.telegram_rate, 1)
    pacer = Pacer(with_overall(LIMITS, "telegram", rate))
    senders = {a.platform: a.sender for a in adapters}
    service = ReminderService(
        core.sessions,
        core.clock,
        core.event_id,
        senders,
        pacer=pacer,
        concurrency=concurrency_for(rate.count),
        lookahead=LOOKAHEAD,
    )
    service.start()
    core.listeners.setdefault(QUEUED, []).append(service.wake)
    return service


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (Ctrl-C, `docker stop`, systemd)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
