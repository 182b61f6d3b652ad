"""The real Slack adapter (Bolt behind the real HTTP server of bot/http.py) against the fake Web API.

`Person.command`, `.write`, `.press`, `.submit` post signed requests as Slack does, then wait until the
adapter has sent every answer (`SlackAdapter.settled`): no sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from bot.core import BotCore
from bot.http import bound_port, build_app, start_server
from bot.slack import SLACK_EVENTS_PATH, ChannelPacer, SlackAdapter
from tests.fake_slack import SIGNING_SECRET, TOKEN, Answer, Call, FakeSlack, SlackRequest, post, state_values


@asynccontextmanager
async def slack_bot(
    core: BotCore, *, organisers: tuple[str, ...] = (), fake: FakeSlack | None = None
) -> AsyncIterator[Bot]:
    """The adapter in HTTP mode on a free loopback port, pointed at the fake through SLACK_API_URL."""
    async with FakeSlack() if fake is None else _same(fake) as slack:
        core.settings = replace(
            core.settings,
            slack_bot_token=TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_app_token=None,
            slack_api_url=slack.api_url,
            admins=core.settings.admins | {f"slack:{user}" for user in organisers},
        )
        # No pacing in tests: the pacer is tested on its own with an injected clock.
        adapter = SlackAdapter(core, pacer=ChannelPacer(0))
        runner = await start_server(build_app(core, adapter.routes()), "127.0.0.1", 0)
        try:
            await adapter.start()
            await adapter.listen()
            yield Bot(slack, adapter, f"http://127.0.0.1:{bound_port(runner)}{SLACK_EVENTS_PATH}")
        finally:
            await runner.cleanup()
            await adapter.stop()


@asynccontextmanager
async def _same(fake: FakeSlack) -> AsyncIterator[FakeSlack]:
    yield fake


@dataclass
class Bot:
    fake: FakeSlack
    adapter: SlackAdapter
    url: str

    def person(self, user_id: str, name: str, locale: str = "fr-FR") -> Person:
        self.fake.add_user(user_id, name, locale=locale)
        return Person(self, user_id)

    async def send(self, request: SlackRequest, headers: Mapping[str, str] | None = None) -> tuple[Answer, list[Call]]:
        """Post one signed request; what the app answered and the Web API calls it caused."""
        before = len(self.fake.calls)
        answer = await post(self.url, request, headers)
        await self.adapter.settled()
        return answer, self.fake.calls[before:]


@dataclass
class Person:
    bot: Bot
    id: str

    @property
    def dm(self) -> str:
        return self.bot.fake.dm(self.id)

    async def command(self, text: str, *, channel_id: str | None = None) -> list[Call]:
        return (await self.bot.send(self.bot.fake.slash_command(self.id, text, channel_id=channel_id)))[1]

    async def write(self, text: str) -> list[Call]:
        return (await self.bot.send(self.bot.fake.message_im(self.id, text)))[1]

    async def mention(self, text: str, channel_id: str = "C0GENERAL") -> list[Call]:
        return (await self.bot.send(self.bot.fake.app_mention(self.id, text, channel_id=channel_id)))[1]

    async def open_home(self) -> list[Call]:
        return (await self.bot.send(self.bot.fake.app_home_opened(self.id)))[1]

    async def press(self, action: str, channel: str | None = None) -> list[Call]:
        """Press the button whose value starts with `action` in the newest message of `channel` showing one."""
        fake = self.bot.fake
        channel = channel or self.dm
        shown = [m for (c, _), m in fake.messages.items() if c == channel] + [
            m for m in fake.ephemerals if m["channel"] == channel and m.get("user") == self.id
        ]
        for message in sorted(shown, key=lambda m: -float(m["ts"])):
            for block in message.get("blocks", []):
                for element in block.get("elements", []) if block["type"] == "actions" else []:
                    if str(element.get("value", "")).startswith(action):
                        request = fake.block_action(self.id, message, element["action_id"])
                        return (await self.bot.send(request))[1]
        raise AssertionError(f"no button {action!r} in {channel}")

    def modal(self) -> dict[str, Any]:
        """The newest modal opened for this person."""
        opened = [c for c in self.bot.fake.calls_to("views.open") if c.result and c.result["ok"]]
        assert opened, "no modal was opened"
        return dict(opened[-1].result["view"])

    async def submit(self, answers: Mapping[str, str | None]) -> tuple[Answer, list[Call]]:
        view = self.modal()
        request = self.bot.fake.view_submission(self.id, view, dict(answers))
        return await self.bot.send(request)


def said(calls: list[Call]) -> str:
    """Every text the person reads in `calls`: messages, ephemerals, response_url posts, modal errors."""
    texts = []
    for call in calls:
        if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"):
            blocks = call.params.get("blocks") or []
            if isinstance(blocks, str):
                import json

                blocks = json.loads(blocks)
            sections = [b["text"]["text"] for b in blocks if b.get("type") == "section"]
            texts.append("\n".join(sections) or str(call.params.get("text", "")))
    return "\n".join(texts)


__all__ = ["Bot", "Person", "said", "slack_bot", "state_values"]
