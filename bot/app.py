"""`rencontres-bot run`: every configured platform and the scheduler in one process."""

from __future__ import annotations

import sys

from bot.config import Settings


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
    print(f"rencontres-bot: configured platforms: {', '.join(platforms)}", file=sys.stderr)
    print("rencontres-bot: these platform adapters are not available in this version yet.", file=sys.stderr)
    return 2
