"""What a person typed in Slack, as the neutral core reads it: pure functions, no network.

Slack escapes `&`, `<` and `>` in the text it sends and writes links and mentions as `<…>`
(https://docs.slack.dev/messaging/formatting-message-text); a collectivity's "Culture & tourisme"
arrives as "Culture &amp; tourisme" and must be stored as typed.
"""

from __future__ import annotations

import re

# <@U123>, <@U123|name>, <#C123|general>, <!here>, <!subteam^S1|@team>, <https://…|label>, <mailto:…|label>
_MARKUP = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")


def plain_text(text: str) -> str:
    """Slack's message or command text as typed: links by their label, a mentioned person as `slack:<id>`.

    A person as `slack:U…` is how organisers' commands name someone (`admin grant slack:U…`), so
    mentioning a colleague after `/rencontres admin grant` names them.
    """
    return _unescape(_MARKUP.sub(_plain_markup, text))


def command_text(slash_text: str) -> str:
    """The text of `/rencontres <command> …` as the core reads a command (`/command …`); nothing is `/help`."""
    words = plain_text(slash_text).strip()
    if not words:
        return "/help"
    return words if words.startswith("/") else f"/{words}"


def strip_mention(text: str, bot_user_id: str) -> str:
    """A channel message that mentions the bot (`<@BOT> status`), without the mention."""
    return re.sub(rf"^\s*<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[\s:,]*", "", text)


def _plain_markup(match: re.Match[str]) -> str:
    sigil, target, label = match.group(1), match.group(2), match.group(3)
    if sigil == "@":
        return f"slack:{target}"
    if sigil == "#":
        return f"#{label}" if label else f"#{target}"
    if sigil == "!":
        return label or f"@{target}"
    return label or target.removeprefix("mailto:")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
