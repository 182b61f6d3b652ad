"""Slack's escaped text and markup read back as what the person typed."""

from __future__ import annotations

import pytest

from bot.slack_text import command_text, plain_text, strip_mention


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("Culture &amp; tourisme &lt;2026&gt;", "Culture & tourisme <2026>"),
        ("&amp;lt; stays as typed", "&lt; stays as typed"),
        ("voir <https://rencontres.example.org|rencontres.example.org>", "voir rencontres.example.org"),
        ("voir <https://rencontres.example.org/a?b=1&amp;c=2>", "voir https://rencontres.example.org/a?b=1&c=2"),
        ("écrire à <mailto:anne@example.org|anne@example.org>", "écrire à anne@example.org"),
        ("dans <#C0GENERAL|general> et <#C0OTHER>", "dans #general et #C0OTHER"),
        ("<!here> réunion", "@here réunion"),
        ("高知県の<@U0HANAKO|hanako>さん", "高知県のslack:U0HANAKOさん"),
    ],
)
def test_slack_markup_reads_as_typed(sent, typed):
    assert plain_text(sent) == typed


def test_a_slash_commands_text_becomes_the_command_the_core_reads():
    assert command_text("choose 3 1") == "/choose 3 1"
    assert command_text("  ") == "/help"
    assert command_text("admin grant <@U0ANNE|anne>") == "/admin grant slack:U0ANNE"
    assert command_text("/status") == "/status"


def test_the_bots_mention_is_dropped_and_other_mentions_kept():
    assert strip_mention("<@U0BOT> status", "U0BOT") == "status"
    assert strip_mention("<@U0BOT|rencontres>: aide", "U0BOT") == "aide"
    assert strip_mention("merci <@U0BOT>", "U0BOT") == "merci <@U0BOT>"
    assert strip_mention("<@U0ANNE> status", "U0BOT") == "<@U0ANNE> status"
