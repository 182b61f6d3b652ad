"""Slack and Telegram in one `run` process on one database: one collectivity, a contact on each platform.

`bot.app.run_platforms` starts both adapters built by `build_adapters` (Telegram polling the fake Bot
API, Slack on /slack/events of the one HTTP server): each contact sees what the other did, and the
Slack contact's App Home is published again when the Telegram contact changes their collectivity.
"""

from __future__ import annotations

import asyncio
import re
import socket
from dataclasses import replace

import pytest

from bot.app import build_adapters, run_platforms
from bot.slack import SLACK_EVENTS_PATH, ChannelPacer, SlackAdapter
from tests.fake_slack import SIGNING_SECRET, FakeSlack, post
from tests.fake_slack import TOKEN as SLACK_TOKEN
from tests.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.fake_telegram import FakeTelegram, forbid_network, run
from tests.slack_harness import said

CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}\b")
ORGANISER = "U0ORGA"
TELEGRAM_CONTACT = 7001


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_slack_contact_and_a_telegram_contact_of_one_collectivity_see_each_others_choices(core):
    async def scenario():
        async with FakeSlack() as slack, FakeTelegram() as telegram:
            port = _free_port()
            core.settings = replace(
                core.settings,
                telegram_token=TELEGRAM_TOKEN,
                telegram_api_url=telegram.api_url,
                slack_bot_token=SLACK_TOKEN,
                slack_signing_secret=SIGNING_SECRET,
                slack_api_url=slack.api_url,
                http_host="127.0.0.1",
                http_port=port,
                admins=frozenset({f"slack:{ORGANISER}"}),
            )
            adapters = build_adapters(core)
            assert [adapter.platform for adapter in adapters] == ["telegram", "slack"]
            (slack_adapter,) = [a for a in adapters if isinstance(a, SlackAdapter)]
            slack_adapter.pacer = ChannelPacer(0)
            stop = asyncio.Event()
            running = asyncio.create_task(run_platforms(core, stop, adapters))
            await telegram.wait_for("getUpdates")
            url = f"http://127.0.0.1:{port}{SLACK_EVENTS_PATH}"

            async def slack_command(user: str, text: str) -> str:
                before = len(slack.calls)
                await post(url, slack.slash_command(user, text))
                await slack_adapter.settled()
                return said(slack.calls[before:])

            slack.add_user(ORGANISER, "Orga", locale="en-US")
            slack.add_user("U0CAMILLE", "Camille Durand", locale="fr-FR")
            await slack_command(ORGANISER, "admin add Ville de Montclair-sur-Mer; 星空市; jp; city")
            code = CODE.search(await slack_command(ORGANISER, "admin invite 1 uses=2")).group(0)
            await slack_command("U0CAMILLE", f"join {code}")
            await post(url, slack.app_home_opened("U0CAMILLE"))
            await slack_adapter.settled()
            homes_before = len(slack.calls_to("views.publish"))

            hikari = telegram.user(TELEGRAM_CONTACT, "Hikari", "ja")
            await telegram.push(telegram.message(hikari, f"/start {code}"))
            await telegram.wait_for("sendMessage", 1)
            await telegram.push(telegram.message(hikari, "/choose"))
            (_, menu) = await telegram.wait_for("sendMessage", 2)
            message = menu.result
            for count, workshop in enumerate(("ch:2", "ch:3"), start=1):
                await telegram.push(telegram.press(hikari, message, workshop))
                await telegram.wait_for("editMessageText", count)
            await slack_adapter.settled()
            slack_status = await slack_command("U0CAMILLE", "status")

            await slack_command("U0CAMILLE", "confirm")
            view = next(c for c in reversed(slack.calls_to("views.open")) if c.result["ok"]).result["view"]
            answers = {
                block["block_id"]: ("0" if block["element"]["type"] == "number_input" else "no")
                for block in view["blocks"]
                if block["block_id"].startswith("options.")
            }
            submitted = await post(
                url, slack.view_submission("U0CAMILLE", view, {"people": "Camille Durand", **answers})
            )
            await slack_adapter.settled()
            before = len(telegram.calls_to("sendMessage"))
            await telegram.push(telegram.message(hikari, "/status"))
            (*_, telegram_status) = await telegram.wait_for("sendMessage", before + 1)

            stop.set()
            await running
            homes = slack.calls_to("views.publish")
            return slack_status, submitted, str(telegram_status.params["text"]), homes, homes_before

    slack_status, submitted, telegram_status, homes, homes_before = run(scenario())
    # What Hikari chose on Telegram, Camille reads on Slack, and her App Home was published again.
    assert "Atelier 2" in slack_status and "Atelier 3" in slack_status
    assert len(homes) > homes_before
    assert "Atelier 2" in str(homes[-1].params["view"])
    # What Camille confirmed in a Slack modal, Hikari reads on Telegram.
    assert submitted.status == 200 and not submitted.text
    assert "確定" in telegram_status and "Camille Durand" in telegram_status
