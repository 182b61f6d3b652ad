"""The Telegram adapter: updates become neutral Incoming messages, replies are rendered with PTB.

Inline keyboards carry button actions as callback_data; a pressed button is answered at
once and, when the reply says so, its message is edited in place. Deep links
(`t.me/<bot>?start=<code>`) arrive as `/start <code>`. In groups only commands addressed
to the bot, replies to its messages and button presses reach the core.
"""

from __future__ import annotations

import asyncio
import logging
import re
from types import TracebackType
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.helpers import create_deep_linked_url

from bot.core import BotCore
from contract.messages import Attachment, Button, Incoming, Reply
from handlers.context import ORGANISERS_CHANGED
from handlers.router import Router
from locales import DEFAULT, SUPPORTED, Translator
from storage.db import transaction
from storage.people import granted_organisers, mark_reachable, mark_unreachable, move_channel

PLATFORM = "telegram"
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER)
GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)
MAX_CAPTION = int(MessageLimit.CAPTION_LENGTH)
MAX_COMMAND_DESCRIPTION = 256
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
# Telegram serves bots files of at most 20 MB (getFile refuses larger ones).
MAX_DOWNLOAD = 20 * 1024 * 1024
# A RetryAfter (HTTP 429) is waited out for `retry_after` seconds, then the request is sent once more.
FLOOD_RETRIES = 1

log = logging.getLogger(__name__)


def file_url_for(api_url: str) -> str:
    """The Bot API file base matching an API base: `https://host/bot` -> `https://host/file/bot`."""
    head, sep, tail = api_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if sep else f"{api_url}/file"


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, cut at line ends (at spaces for an overlong line)."""
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            extra = utf16_len(piece) + (1 if lines else 0)
            if lines and size + extra > limit:
                chunks.append("\n".join(lines))
                lines, size, extra = [], 0, utf16_len(piece)
            lines.append(piece)
            size += extra
    if lines:
        chunks.append("\n".join(lines))
    # Telegram refuses blank messages and trims what surrounds the text anyway.
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def _cut_line(line: str, limit: int) -> list[str]:
    pieces = []
    while utf16_len(line) > limit:
        end, units = 0, 0
        for end, char in enumerate(line):  # noqa: B007 - `end` is the first character over the limit
            units += utf16_len(char)
            if units > limit:
                break
        space = line.rfind(" ", 0, end)
        cut = space if space > 0 else end
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ")
    pieces.append(line)
    return pieces


def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Button rows as an inline keyboard; each action is the callback_data (at most 64 bytes)."""
    rows = [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


def command_menu(router: Router, translator: Translator, *, organiser: bool) -> list[BotCommand]:
    """The `/` menu in one language; organisers also get `/admin` listing its subcommands."""
    menu = [
        BotCommand(name, _shorten(translator.gettext(command.summary)))
        for name, command in router.commands.items()
        if COMMAND_NAME.fullmatch(name)
    ]
    if organiser and router.admin_commands:
        help_ = router.admin_commands.get("help")
        summary = translator.gettext(help_.summary) if help_ else "admin"
        menu.append(BotCommand("admin", _shorten(f"{summary}: {', '.join(router.admin_commands)}")))
    return menu


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_COMMAND_DESCRIPTION else text[: MAX_COMMAND_DESCRIPTION - 1] + "…"


class TelegramAdapter:
    """One bot: a PTB Application wired to the core. Use as `async with TelegramAdapter(core):`."""

    def __init__(self, core: BotCore) -> None:
        settings = core.settings
        if not settings.telegram_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.core = core
        self.username = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_url)
            .base_file_url(file_url_for(settings.telegram_api_url))
            .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
            .build()
        )
        app = self.application
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.StatusUpdate.MIGRATE, self.on_migration))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, self.on_message))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self.on_error)

    # -- life cycle -------------------------------------------------------------------------

    async def __aenter__(self) -> TelegramAdapter:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Log in (getMe), offer one-tap invite links, publish the menus, start processing updates."""
        await self.application.initialize()
        self.username = self.application.bot.username
        self.core.invite_links[PLATFORM] = self.invite_link
        self._loop = asyncio.get_running_loop()
        self.core.listeners.setdefault(ORGANISERS_CHANGED, []).append(self.organisers_changed)
        await self.publish_commands()
        await self.application.start()

    async def start_polling(self, *, timeout: float = 10) -> None:
        """Fetch updates with getUpdates (this also removes any webhook)."""
        updater = self.application.updater
        assert updater is not None
        await updater.start_polling(timeout=int(timeout), allowed_updates=list(ALLOWED_UPDATES))

    async def set_webhook(self, url: str, secret: str) -> None:
        """Ask Telegram to POST updates to `url`, each carrying `secret` in a header."""
        await self.application.bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))

    async def accept(self, data: dict[str, Any]) -> None:
        """Answer one update received by the webhook (already authenticated) before it is acknowledged.

        Telegram sends an update again until it gets a 200: processing first means an update in
        flight when the process stops is resent, not lost.
        """
        update = Update.de_json(data, self.application.bot)
        await self.application.process_update(update)

    async def stop(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        self.core.invite_links.pop(PLATFORM, None)
        listeners = self.core.listeners.get(ORGANISERS_CHANGED, [])
        if self.organisers_changed in listeners:
            listeners.remove(self.organisers_changed)

    def organisers_changed(self) -> None:
        """Called from the core's worker thread: publish the menus again, so a new organiser sees /admin."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self.publish_commands(), self._loop)

    def invite_link(self, code: str) -> str:
        """`https://t.me/<bot>?start=<code>`: opening it sends `/start <code>` to the bot."""
        return create_deep_linked_url(self.username, code)

    async def publish_commands(self) -> None:
        """The `/` menu in each language (Telegram picks it by the user's language), admin menu for organisers."""
        organisers = await asyncio.to_thread(self._organiser_chats)
        bot = self.application.bot
        for language in (None, *SUPPORTED):
            translator = Translator(language or DEFAULT)
            try:
                await bot.set_my_commands(
                    command_menu(self.core.router, translator, organiser=False), language_code=language
                )
                admin_menu = command_menu(self.core.router, translator, organiser=True)
                for chat_id in organisers:
                    await bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(chat_id), language_code=language)
            except TelegramError as exc:
                # A menu is a convenience: the bot answers typed commands without it.
                log.warning("could not publish the %s command menu: %s", language or "default", exc)

    def _organiser_chats(self) -> list[int]:
        prefix = f"{PLATFORM}:"
        ids = {actor.removeprefix(prefix) for actor in self.core.settings.admins if actor.startswith(prefix)}
        with transaction(self.core.sessions) as session:
            ids.update(granted_organisers(session, self.core.event_id, PLATFORM))
        # In a private chat the chat id is the user id.
        return sorted(int(user_id) for user_id in ids if user_id.lstrip("-").isdigit())

    # -- updates in -------------------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        is_group = message.chat.type in GROUP_TYPES
        if message.chat.type == ChatType.CHANNEL or (is_group and not self.addressed_to_me(message)):
            return
        user = message.from_user
        incoming = Incoming(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(message.chat.id),
            text=message.text or message.caption or "",
            attachment=await self.download(message) if message.document is not None else None,
            is_group=is_group,
            display_name=user.full_name,
            locale_hint=user.language_code,
            chat_title=message.chat.title,
            raw=update,
        )
        await self.answer(incoming, None)

    async def download(self, message: Message) -> Attachment | None:
        """The document sent with `message` (getFile, then the file itself), at most MAX_DOWNLOAD bytes.

        A larger or undownloadable file arrives with no content: the handler says what it accepts.
        """
        document = message.document
        if document is None:
            return None
        name = document.file_name or "document"
        mime = document.mime_type or "application/octet-stream"
        if document.file_size is not None and document.file_size > MAX_DOWNLOAD:
            return Attachment(name, b"", mime)
        try:
            content = bytes(await (await document.get_file()).download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download the document %r: %s", name, exc)
            content = b""
        return Attachment(name, content if len(content) <= MAX_DOWNLOAD else b"", mime)

    def addressed_to_me(self, message: Message) -> bool:
        """In a group: `/cmd@thisbot`, a bare `/cmd` that is one of ours, or a reply to one of our messages."""
        text = message.text or ""
        if text.startswith("/"):
            name, _, target = text.split(maxsplit=1)[0][1:].partition("@")
            if target:
                return target.lower() == self.username.lower()
            # A bare command we do not know is probably meant for another bot in the group.
            return name.lower() in self.core.router.commands or name.lower() == "admin"
        replied = message.reply_to_message
        return replied is not None and replied.from_user is not None and replied.from_user.id == self.bot_id

    @property
    def bot_id(self) -> int:
        return int(self.application.bot.id)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            # Stop the button's spinner at once, whatever the answer turns out to be.
            await query.answer()
        except TelegramError as exc:
            log.info("could not answer a button press: %s", exc)
        if query.data is None:
            return
        chat = query.message.chat if query.message is not None else None
        user = query.from_user
        incoming = Incoming(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(chat.id if chat is not None else user.id),
            action=query.data,
            is_group=chat is not None and chat.type in GROUP_TYPES,
            display_name=user.full_name,
            locale_hint=user.language_code,
            chat_title=chat.title if chat is not None else None,
            raw=update,
        )
        await self.answer(incoming, query)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A person blocked or unblocked the bot in their private chat."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        if status == ChatMemberStatus.BANNED:
            await asyncio.to_thread(self._mark_unreachable, str(change.chat.id))
        elif status == ChatMemberStatus.MEMBER:
            await asyncio.to_thread(self._mark_reachable, str(change.from_user.id))

    async def on_migration(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup and got a new id: keep its subscription."""
        message = update.message
        if message is None or message.migrate_to_chat_id is None:
            return
        old, new = str(message.chat.id), str(message.migrate_to_chat_id)
        await asyncio.to_thread(self._move_channel, old, new)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything a callback raised: logged, never fatal."""
        log.error("error while processing a Telegram update", exc_info=context.error)

    # -- replies out ------------------------------------------------------------------------

    async def answer(self, incoming: Incoming, query: CallbackQuery | None) -> None:
        """Hand the message to the core, then render its replies in order."""
        replies = await asyncio.to_thread(self.core.handle, incoming)
        editable = query.message if query is not None and isinstance(query.message, Message) else None
        for reply in replies:
            edit = None
            if reply.edit and editable is not None and reply.attachment is None and reply.to is None:
                # One message is edited in place; any later reply is a new message.
                edit, editable = editable, None
            target = incoming.chat_id
            if reply.to is not None:
                # In a private chat on Telegram the chat id is the person's user id.
                target = reply.to.chat_id or reply.to.user_id or target
            await self.deliver(target, reply, edit)

    async def deliver(self, chat_id: str, reply: Reply, edit: Message | None = None) -> bool:
        """Send (or edit into `edit`) one reply; Telegram's refusals are recorded and logged, never raised."""
        try:
            if reply.attachment is not None:
                await self._send_file(chat_id, reply)
            else:
                await self._send_text(chat_id, reply, edit)
            return True
        except Forbidden as exc:
            await self._refused(chat_id, exc)
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                log.warning("Telegram chat %s not found: reply dropped", chat_id)
            else:
                log.error("Telegram refused a reply to chat %s: %s", chat_id, exc.message)
        except RetryAfter as exc:
            log.error("flood control still active for chat %s after waiting: %s", chat_id, exc)
        except TelegramError as exc:
            log.error("could not deliver a reply to chat %s: %s", chat_id, exc)
        return False

    async def _send_text(self, chat_id: str, reply: Reply, edit: Message | None) -> None:
        chunks = split_text(reply.text)
        markup = keyboard(reply.buttons)
        bot = self.application.bot
        for number, chunk in enumerate(chunks, start=1):
            chunk_markup = markup if number == len(chunks) else None
            if number == 1 and edit is not None and await self._edit(edit, chunk, chunk_markup):
                continue
            await bot.send_message(chat_id, chunk, reply_markup=chunk_markup)

    async def _edit(self, message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """Replace the text and keyboard of `message`; False when it cannot be edited (then send anew)."""
        try:
            await self.application.bot.edit_message_text(
                text, chat_id=message.chat.id, message_id=message.message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True  # pressing the same button twice: the message already says it
            log.info("could not edit message %s, sending a new one: %s", message.message_id, exc.message)
            return False
        return True

    async def _send_file(self, chat_id: str, reply: Reply) -> None:
        attachment = reply.attachment
        assert attachment is not None
        markup = keyboard(reply.buttons)
        caption = reply.text.strip() or None
        if caption is not None and utf16_len(caption) > MAX_CAPTION:
            for chunk in split_text(caption):
                await self.application.bot.send_message(chat_id, chunk)
            caption = None
        upload = InputFile(attachment.content, filename=attachment.filename)
        upload.mimetype = attachment.mime
        if attachment.kind == "image":
            await self.application.bot.send_photo(chat_id, upload, caption=caption, reply_markup=markup)
        else:
            await self.application.bot.send_document(chat_id, upload, caption=caption, reply_markup=markup)

    async def _refused(self, chat_id: str, exc: Forbidden) -> None:
        if chat_id.startswith("-"):
            log.warning(
                "Telegram group %s refused a message (%s); an organiser can /admin unsubscribe %s:%s",
                chat_id,
                exc.message,
                PLATFORM,
                chat_id,
            )
            return
        log.info("Telegram user %s blocked the bot: no more private messages", chat_id)
        await asyncio.to_thread(self._mark_unreachable, chat_id)

    # -- storage (run in a worker thread) -------------------------------------------------

    def _mark_unreachable(self, chat_id: str) -> None:
        with transaction(self.core.sessions) as session:
            mark_unreachable(session, PLATFORM, chat_id, self.core.clock.now())

    def _mark_reachable(self, user_id: str) -> None:
        with transaction(self.core.sessions) as session:
            mark_reachable(session, PLATFORM, user_id)

    def _move_channel(self, old: str, new: str) -> None:
        with transaction(self.core.sessions) as session:
            move_channel(session, PLATFORM, old, new)
