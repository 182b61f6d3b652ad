"""The Slack app manifest in the repo asks for what the bot uses, and docs/slack.md names every setting."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from contract.platforms import platform

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "docs" / "slack-manifest.yaml").read_text(encoding="utf-8"))


def test_the_slash_command_is_the_one_slack_messages_spell():
    (command,) = MANIFEST["features"]["slash_commands"]

    assert platform("slack").command("help") == f"{command['command']} help"
    assert "url" not in command  # Socket Mode as shipped; docs/slack.md says what to add for HTTP


def test_the_bot_scopes_and_events_are_those_docs_slack_md_explains():
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    docs = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")

    assert set(scopes) == {
        "chat:write",
        "commands",
        "im:history",
        "im:write",
        "app_mentions:read",
        "users:read",
        "files:write",
        "files:read",
        "channels:read",
        "groups:read",
    }
    assert set(events) == {"message.im", "app_mention", "app_home_opened"}
    assert all(f"`{name}`" in docs for name in [*scopes, *events])


def test_interactivity_and_the_app_home_with_its_messages_tab_are_on():
    home = MANIFEST["features"]["app_home"]

    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert home["messages_tab_read_only_enabled"] is False
    assert MANIFEST["settings"]["interactivity"]["is_enabled"]
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert len(MANIFEST["display_information"]["description"]) <= 140


def test_docs_slack_md_describes_every_slack_setting_the_configuration_reads():
    config = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    settings = set(re.findall(r"\"(SLACK_[A-Z_]+)\"", config))

    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"} <= settings
    assert all(f"| `{name}` |" in docs for name in settings)
