"""The real Telegram adapter connected to the fake Bot API, and people who talk to it.

`Person.send` / `Person.press` hand one update to `application.process_update`, which
returns once every reply is delivered: no waiting, no sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from telegram import Update

from bot.core import BotCore
from bot.telegram import TelegramAdapter
from tests.fake_telegram import TOKEN, Call, FakeTelegram


@asynccontextmanager
async def telegram_bot(core: BotCore, *, organisers: tuple[int, ...] = ()) -> AsyncIterator[Bot]:
    """A fake Bot API and the adapter pointed at it through TELEGRAM_API_URL; `organisers` go to ADMINS."""
    async with FakeTelegram() as fake:
        core.settings = replace(
            core.settings,
            telegram_token=TOKEN,
            telegram_api_url=fake.api_url,
            admins=core.settings.admins | {f"telegram:{user_id}" for user_id in organisers},
        )
        async with TelegramAdapter(core) as adapter:
            # "typing…" only where a test asks for it (tests/test_inbox.py): a slow machine must not add calls.
            adapter.typing_after = 60.0
            yield Bot(fake, adapter)


@dataclass
class Bot:
    fake: FakeTelegram
    adapter: TelegramAdapter

    def person(self, user_id: int, first_name: str, language_code: str | None = None) -> Person:
        return Person(self, self.fake.user(user_id, first_name, language_code))

    async def feed(self, update: dict[str, Any]) -> list[Call]:
        """Process one update to the end; the Bot API calls it caused."""
        before = len(self.fake.calls)
        await self.adapter.application.process_update(Update.de_json(update, self.adapter.application.bot))
        return self.fake.calls[before:]


@dataclass
class Person:
    bot: Bot
    user: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.user["id"])

    async def send(self, text: str, *, chat: dict[str, Any] | None = None, **kwargs: Any) -> list[Call]:
        return await self.bot.feed(self.bot.fake.message(self.user, text, chat=chat, **kwargs))

    async def send_file(self, filename: str, content: bytes, mime: str = "text/csv", **kwargs: Any) -> list[Call]:
        """Send a document (with `caption=…`, `chat=…` or a `declared_size` when given)."""
        return await self.bot.feed(self.bot.fake.document(self.user, filename, content, mime, **kwargs))

    async def press(self, label: str, *, chat_id: int | None = None) -> list[Call]:
        """Press the button whose label contains `label` on the newest bot message showing one."""
        message, data = self.find_button(chat_id or self.id, lambda b: label in b["text"], label)
        return await self.bot.feed(self.bot.fake.press(self.user, message, data))

    async def tap(self, action: str, *, chat_id: int | None = None) -> list[Call]:
        """Press the button whose callback_data starts with `action` (whatever its label's language)."""
        message, data = self.find_button(chat_id or self.id, lambda b: b["callback_data"].startswith(action), action)
        return await self.bot.feed(self.bot.fake.press(self.user, message, data))

    def find_button(
        self, chat_id: int, matches: Callable[[dict[str, str]], bool], wanted: str
    ) -> tuple[dict[str, Any], str]:
        for (chat, _), message in sorted(self.bot.fake.messages.items(), key=lambda kv: -kv[0][1]):
            if chat != chat_id:
                continue
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            found = [b for row in rows for b in row if matches(b)]
            if found:
                assert len(found) == 1, f"{len(found)} buttons match {wanted!r}: {found}"
                return message, found[0]["callback_data"]
        raise AssertionError(f"no button {wanted!r} in chat {chat_id}")

    def buttons(self, chat_id: int | None = None) -> list[str]:
        """The callback_data of the newest keyboard in the chat."""
        for (chat, _), message in sorted(self.bot.fake.messages.items(), key=lambda kv: -kv[0][1]):
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if chat == (chat_id or self.id) and rows:
                return [b["callback_data"] for row in rows for b in row]
        return []


def texts(calls: list[Call], method: str = "sendMessage") -> str:
    """Every text (or caption) of `method` calls, joined: what the person reads."""
    return "\n".join(str(c.params.get("text") or c.params.get("caption") or "") for c in calls if c.method == method)


def methods(calls: list[Call]) -> list[str]:
    return [c.method for c in calls]
