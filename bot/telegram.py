"""The Telegram adapter: updates become neutral Incoming messages, replies are rendered with PTB.

Inline keyboards carry button actions as callback_data; a pressed button is answered at
once and, when the reply says so, its message is edited in place. Deep links
(`t.me/<bot>?start=<code>`) arrive as `/start <code>`. In groups only commands addressed
to the bot, replies to its messages and button presses reach the core.

Telegram cannot show a message to one person of a group: a reply for the asker only is shown
in the group as a reply to the asker's message (see bot/adapter.py). The adapter is also the
Telegram sender for messages the bot starts (`deliver`). It never opens a transaction: the
platform's events (blocked, unblocked, group migrated) go to methods of the core.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
import warnings
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, MessageLimit
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.error import RetryAfter as TelegramRetryAfter
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
from telegram.warnings import PTBDeprecationWarning

from bot.adapter import Capability, degrade, note_after, placement, split_at_lines
from bot.core import BotCore
from bot.inbox import InboxItem, InboxProcessor, current_item
from contract.delivery import Delivery, Failed, RetryAfter, Sender, Sent
from contract.messages import Attachment, Button, Incoming, Recipient, Reply
from contract.numbers import parse_int
from handlers.context import ORGANISERS_CHANGED
from handlers.router import Router
from locales import DEFAULT, SUPPORTED, Translator

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
# Answers: a RetryAfter (HTTP 429) is waited out for `retry_after` seconds, then the request is sent once more.
FLOOD_RETRIES = 1
# Messages the bot starts: passed as rate_limit_args, a 429 is reported at once for the dispatcher to reschedule.
NO_WAIT = -1  # not 0: PTB drops a falsy rate_limit_args
# Seconds to wait after a network error, doubled for each one in a row, at most MAX_BACKOFF.
NETWORK_BACKOFF = 5.0
MAX_BACKOFF = 300.0
CAPABILITIES: frozenset[Capability] = frozenset({"buttons", "edit", "files"})
# A command still being answered after this many seconds shows "typing…" (Telegram shows an action 5 s).
TYPING_AFTER = 0.5
TYPING_AGAIN = 4.5
# Commands whose answer is usually a file: "sending a file…" rather than "typing…".
FILE_COMMANDS = ("/agenda", "/admin export", "/admin stats")
# Long polling: seconds Telegram holds a getUpdates open; after a network error, wait doubling up to the last.
POLL_TIMEOUT = 10
POLL_BACKOFF = (1.0, 30.0)

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
    return split_at_lines(text, limit, utf16_len)


def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Button rows as an inline keyboard; each action is the callback_data (at most 64 bytes)."""
    rows = [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row] for row in buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


def command_menu(router: Router, translator: Translator, *, organiser: bool, group: bool = False) -> list[BotCommand]:
    """The `/` menu in one language; organisers also get `/admin` listing its subcommands.

    A group's menu leaves out the commands refused in groups (`private`: /confirm, /choose, /done…)."""
    menu = [
        BotCommand(name, _shorten(translator.gettext(command.summary)))
        for name, command in router.commands.items()
        if COMMAND_NAME.fullmatch(name) and not (group and command.private)
    ]
    if organiser and router.admin_commands:
        help_ = router.admin_commands.get("help")
        summary = translator.gettext(help_.summary) if help_ else "admin"
        menu.append(BotCommand("admin", _listed(summary, list(router.admin_commands))))
    return menu


def _listed(summary: str, names: list[str]) -> str:
    """`summary: a, b, c…` within Telegram's 256 characters, cut between two names, never inside one."""
    text = f"{summary}:"
    for number, name in enumerate(names):
        piece = f" {name}" if number == 0 else f", {name}"
        if len(text) + len(piece) + 1 > MAX_COMMAND_DESCRIPTION:
            return text + "…"
        text += piece
    return text


# What a person reads before pressing Start (Telegram's limits: 512 and 120 characters).
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120


def bot_descriptions(translator: Translator, name: str, short_name: str) -> tuple[str, str]:
    """The bot's description and short description in one language, naming the event."""
    description = translator.gettext(
        "I help the French and Japanese collectivities prepare the {event}: programme, deadlines, "
        "confirmation of participation, workshop choices and abstracts. Press Start, then send the "
        "invitation code the organisers gave you."
    ).format(event=name)
    short_text = translator.gettext("The assistant of the {event}: programme, deadlines, participation.")
    # The event's full name when it fits, else its short name.
    short = short_text.format(event=name)
    if len(short) > MAX_SHORT_DESCRIPTION:
        short = short_text.format(event=short_name)
    return description[:MAX_DESCRIPTION], short[:MAX_SHORT_DESCRIPTION]


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_COMMAND_DESCRIPTION else text[: MAX_COMMAND_DESCRIPTION - 1] + "…"


class FloodLimiter(AIORateLimiter):
    """PTB's rate limiter, except that a request sent with `rate_limit_args=NO_WAIT` is never retried."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args == NO_WAIT:
            # The dispatcher of bot-started messages paces them itself; a 429 goes back to it.
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


class TelegramAdapter:
    """One bot: a PTB Application wired to the core. Use as `async with TelegramAdapter(core):`."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, core: BotCore) -> None:
        settings = core.settings
        if not settings.telegram_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.core = core
        self.username = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        # Organisers whose chat got the admin menu from this process: a revoked one's is deleted.
        self._menu_organisers: set[int] = set()
        # Network errors in a row while sending, for the backoff.
        self._network_failures = 0
        # Every update goes through the inbox: recorded, then processed per chat in order.
        self.inbox = InboxProcessor(core, PLATFORM, self.process)
        self._polling: asyncio.Task[None] | None = None
        # Updates parsed on arrival (polling, webhook) and recorded, by update_id: processed without parsing again.
        self._parsed: dict[int, Update] = {}
        self.typing_after = TYPING_AFTER
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_url)
            .base_file_url(file_url_for(settings.telegram_api_url))
            .rate_limiter(FloodLimiter(max_retries=FLOOD_RETRIES))
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
        await self.publish_descriptions()
        await self.application.start()

    def routes(self) -> list[web.RouteDef]:
        """`/telegram/webhook` in webhook mode; nothing in polling mode."""
        from bot.http import telegram_routes

        settings = self.core.settings
        if settings.telegram_webhook_url and settings.telegram_webhook_secret:
            return telegram_routes(self, settings.telegram_webhook_secret)
        return []

    async def listen(self) -> None:
        """Process what the inbox kept from before, then register the webhook or poll getUpdates."""
        await self.inbox.start()
        settings = self.core.settings
        if settings.telegram_webhook_url and settings.telegram_webhook_secret:
            await self.set_webhook(settings.telegram_webhook_url, settings.telegram_webhook_secret)
        else:
            await self.start_polling()

    async def start_polling(self, *, timeout: float = POLL_TIMEOUT) -> None:
        """Fetch updates with our own getUpdates loop (after removing any webhook).

        Not PTB's Updater: it confirms a batch (the next offset) before processing it, so a crash
        lost the batch. Here a batch is recorded in the inbox, in one transaction, before the next
        getUpdates confirms it.
        """
        await self.application.bot.delete_webhook()
        self._polling = asyncio.create_task(self._poll(int(timeout)), name="telegram-polling")

    async def _poll(self, timeout: int) -> None:
        bot = self.application.bot
        offset: int | None = None
        pause = POLL_BACKOFF[0]
        while True:
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=timeout, read_timeout=timeout + 5, allowed_updates=list(ALLOWED_UPDATES)
                )
                if updates:
                    await self._record([(u, u.to_dict()) for u in updates])
                    # Only now may Telegram forget them: the next call confirms everything below `offset`.
                    offset = updates[-1].update_id + 1
                pause = POLL_BACKOFF[0]
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                log.error("Telegram refused the token while polling; stopping polling")
                return
            except Exception as exc:  # Telegram or the database unreachable: try again, later each time
                log.warning("could not fetch or record Telegram updates (%s); again in %.0fs", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_BACKOFF[1])

    async def set_webhook(self, url: str, secret: str) -> None:
        """Ask Telegram to POST updates to `url`, each carrying `secret` in a header."""
        await self.application.bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))

    async def accept(self, data: dict[str, Any]) -> bool:
        """Record one update received by the webhook (authenticated, checked) before it is acknowledged.

        Telegram sends an update again until it gets a 200: once recorded it is processed even if the
        process stops now, and a resent one is recognised (False) and not processed again.
        """
        update = Update.de_json(data, self.application.bot)
        return bool(await self._record([(update, data)]))

    async def _record(self, updates: list[tuple[Update, dict[str, Any]]]) -> list[InboxItem]:
        """Record (update, payload)s in the inbox; the parsed updates of the new ones are kept for `process`."""
        self._parsed.update((update.update_id, update) for update, _ in updates)
        items: list[InboxItem] = []
        try:
            items = await self.inbox.record((str(u.update_id), chat_key(u), payload) for u, payload in updates)
        finally:
            new = {item.payload.get("update_id") for item in items}
            for update, _ in updates:
                if update.update_id not in new:
                    self._parsed.pop(update.update_id, None)
        return items

    async def process(self, item: InboxItem) -> None:
        """Process one recorded update (from the inbox: in order within its chat)."""
        update = self._parsed.pop(item.payload.get("update_id", 0), None)
        if update is None:  # recorded before this start
            update = Update.de_json(item.payload, self.application.bot)
        await self.application.process_update(update)

    async def stop(self) -> None:
        if self._polling is not None:
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)
            self._polling = None
        await self.inbox.stop()
        self._parsed.clear()
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
        """The `/` menus in each language (Telegram picks one by the user's language): private chats get
        every command, groups only those answered in groups, each organiser's private chat the admin menu;
        a revoked organiser's menu is deleted. Then the bot's descriptions."""
        # In a private chat the chat id is the user id.
        ids = await asyncio.to_thread(self.core.organisers, PLATFORM)
        # Telegram user ids are positive integers; anything else in ADMINS cannot be one.
        organisers = sorted(number for number in map(parse_int, ids) if number)
        revoked = sorted(self._menu_organisers - set(organisers))
        bot = self.application.bot
        router = self.core.router
        for language in (None, *SUPPORTED):
            translator = Translator(language or DEFAULT)
            private = command_menu(router, translator, organiser=False)
            group = command_menu(router, translator, organiser=False, group=True)
            admin_menu = command_menu(router, translator, organiser=True)
            # The default scope (any chat not covered below) is the safe one: what a group may send.
            menus: list[tuple[str, Coroutine[Any, Any, bool]]] = [
                ("default", bot.set_my_commands(group, language_code=language)),
                (
                    "private chats",
                    bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats(), language_code=language),
                ),
                ("groups", bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats(), language_code=language)),
            ]
            menus += [
                (
                    f"organiser {chat_id}",
                    bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(chat_id), language_code=language),
                )
                for chat_id in organisers
            ]
            menus += [
                (
                    f"revoked organiser {chat_id}",
                    bot.delete_my_commands(scope=BotCommandScopeChat(chat_id), language_code=language),
                )
                for chat_id in revoked
            ]
            for what, call in menus:
                # One at a time, each on its own: an organiser Telegram does not know ("chat not found")
                # must not cost the others their menu. A menu is a convenience: typed commands work without.
                try:
                    await call
                except TelegramError as exc:
                    log.warning("could not publish the %s command menu (%s): %s", language or "default", what, exc)
        self._menu_organisers = (self._menu_organisers - set(revoked)) | set(organisers)

    async def publish_descriptions(self) -> None:
        """The description and short description in each language (what a person sees before Start)."""
        names = await asyncio.to_thread(self.core.event_names)
        bot = self.application.bot
        for language in (None, *SUPPORTED):
            locale = language or DEFAULT
            description, short = bot_descriptions(Translator(locale), *names[locale])
            try:
                await bot.set_my_description(description, language_code=language)
                await bot.set_my_short_description(short, language_code=language)
            except TelegramError as exc:
                log.warning("could not publish the %s description: %s", language or "default", exc)

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
        if query is None or query.from_user is None:
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
            await asyncio.to_thread(self.core.person_blocked, PLATFORM, str(change.chat.id))
        elif status == ChatMemberStatus.MEMBER:
            await asyncio.to_thread(self.core.person_unblocked, PLATFORM, str(change.from_user.id))

    async def on_migration(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup and got a new id: keep its subscription."""
        message = update.message
        if message is None or message.migrate_to_chat_id is None:
            return
        old, new = str(message.chat.id), str(message.migrate_to_chat_id)
        await asyncio.to_thread(self.core.chat_moved, PLATFORM, old, new)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything a callback raised: logged, never fatal."""
        log.error("error while processing a Telegram update", exc_info=context.error)

    # -- replies out ------------------------------------------------------------------------

    async def answer(self, incoming: Incoming, query: CallbackQuery | None) -> None:
        """Hand the message to the core (unless answered before a restart), then render its replies in order."""
        item = current_item.get()
        if item is not None and item.replies is not None:
            replies = list(item.replies)
        else:
            replies = await self.handle_showing_activity(incoming, None if item is None else item.row_id)
        editable = query.message if query is not None and isinstance(query.message, Message) else None
        asked = incoming.raw.message if query is None and isinstance(incoming.raw, Update) else None
        queue = list(replies)
        while queue:
            reply = degrade(queue.pop(0), self.capabilities)
            recipient, quote_asker = placement(incoming, reply, self.capabilities)
            edit = None
            if reply.edit and editable is not None and reply.attachment is None and reply.to is None:
                # One message is edited in place; any later reply is a new message.
                edit, editable = editable, None
            quote = asked.message_id if quote_asker and asked is not None else None
            outcome = await self.send(recipient, reply, edit=edit, quote=quote, wait=True)
            note = note_after(reply, outcome)
            if note is not None:
                queue.insert(0, note)

    async def handle_showing_activity(self, incoming: Incoming, inbox_row: int | None) -> list[Reply]:
        """`core.handle`, with "typing…" (or "sending a file…") shown while it takes over `typing_after` seconds."""
        kept = {} if inbox_row is None else {"inbox_row": inbox_row}
        # When a worker thread took the message up: the time before, waiting for a thread, is not counted,
        # so a burst (every message briefly queued) spends Telegram's 30 requests a second on answers.
        begun: list[float] = []

        def handle() -> list[Reply]:
            begun.append(time.monotonic())
            return self.core.handle(incoming, **kept)

        answering = asyncio.ensure_future(asyncio.to_thread(handle))
        action = ChatAction.UPLOAD_DOCUMENT if incoming.text.startswith(FILE_COMMANDS) else ChatAction.TYPING
        wait = self.typing_after
        while not answering.done():
            done, _ = await asyncio.wait({answering}, timeout=wait)
            if done:
                break
            working = time.monotonic() - begun[0] if begun else 0.0
            if working < self.typing_after:
                wait = self.typing_after - working
                continue
            try:
                await self.application.bot.send_chat_action(incoming.chat_id, action)
            except TelegramError as exc:
                log.info("could not show %s in chat %s: %s", action, incoming.chat_id, exc)
            wait = TYPING_AGAIN
        return answering.result()

    async def deliver(self, recipient: Recipient, reply: Reply) -> Delivery:
        """Send a message the bot starts; a 429 is reported (RetryAfter), not waited out, so it can be rescheduled."""
        return await self.send(recipient, degrade(reply, self.capabilities), wait=False)

    @property
    def sender(self) -> Sender:
        return self

    async def send(
        self,
        recipient: Recipient,
        reply: Reply,
        *,
        edit: Message | None = None,
        quote: int | None = None,
        wait: bool = False,
    ) -> Delivery:
        """Send (or edit into `edit`) one reply; Telegram's refusals become a Delivery, logged, never raised.

        `wait`: a 429 is waited out once (answers to people); otherwise it is reported at once.
        """
        if recipient.platform != PLATFORM:
            return Failed("refused", f"not a Telegram recipient: {recipient}")
        # In a private chat on Telegram the chat id is the person's user id.
        chat_id = recipient.chat_id or recipient.user_id or ""
        try:
            message_id = await self._render(chat_id, reply, edit, quote, wait)
        except ChatMigrated as exc:
            new = str(exc.new_chat_id)
            log.info("Telegram group %s became %s: subscription moved, message sent there", chat_id, new)
            await asyncio.to_thread(self.core.chat_moved, PLATFORM, chat_id, new)
            return await self.send(Recipient.chat(PLATFORM, new), reply, quote=None, wait=wait)
        except TelegramError as exc:
            outcome = delivery_failure(exc, self._network_failures)
            if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
                self._network_failures += 1
            await self._refused(chat_id, exc, outcome)
            return outcome
        self._network_failures = 0
        return Sent(str(message_id))

    async def _render(self, chat_id: str, reply: Reply, edit: Message | None, quote: int | None, wait: bool) -> int:
        """The id of the (last) message sent or edited."""
        flood: dict[str, Any] = {} if wait else {"rate_limit_args": NO_WAIT}
        if quote is not None:
            flood["reply_parameters"] = ReplyParameters(quote, allow_sending_without_reply=True)
        if reply.attachment is not None:
            return await self._send_file(chat_id, reply, flood)
        return await self._send_text(chat_id, reply, edit, flood)

    async def _send_text(self, chat_id: str, reply: Reply, edit: Message | None, flood: dict[str, Any]) -> int:
        chunks = split_text(reply.text)
        markup = keyboard(reply.buttons)
        bot = self.application.bot
        message_id = 0
        for number, chunk in enumerate(chunks, start=1):
            chunk_markup = markup if number == len(chunks) else None
            if number == 1 and edit is not None and await self._edit(edit, chunk, chunk_markup):
                message_id = edit.message_id
                continue
            sent = await bot.send_message(chat_id, chunk, reply_markup=chunk_markup, **flood)
            message_id = sent.message_id
            # Only the first piece answers the asker's message.
            flood.pop("reply_parameters", None)
        return message_id

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

    async def _send_file(self, chat_id: str, reply: Reply, flood: dict[str, Any]) -> int:
        attachment = reply.attachment
        assert attachment is not None
        markup = keyboard(reply.buttons)
        caption = reply.text.strip() or None
        bot = self.application.bot
        if caption is not None and utf16_len(caption) > MAX_CAPTION:
            for chunk in split_text(caption):
                await bot.send_message(chat_id, chunk, **flood)
                flood.pop("reply_parameters", None)
            caption = None
        upload = InputFile(attachment.content, filename=attachment.filename)
        upload.mimetype = attachment.mime
        sent: Message
        if attachment.kind == "image":
            sent = await bot.send_photo(chat_id, upload, caption=caption, reply_markup=markup, **flood)
        else:
            sent = await bot.send_document(chat_id, upload, caption=caption, reply_markup=markup, **flood)
        return int(sent.message_id)

    async def _refused(self, chat_id: str, exc: TelegramError, outcome: Delivery) -> None:
        """Log a refusal the way an operator needs it; a person who blocked the bot is recorded unreachable."""
        if isinstance(outcome, RetryAfter):
            log.warning(
                "Telegram could not take a message for chat %s now (%s): retry after %ss", chat_id, exc, outcome.seconds
            )
        elif isinstance(outcome, Failed) and outcome.reason == "not-member":
            log.warning(
                "Telegram group %s refused a message (%s); an organiser can /admin unsubscribe %s:%s",
                chat_id,
                exc,
                PLATFORM,
                chat_id,
            )
        elif isinstance(outcome, Failed) and outcome.reason == "blocked":
            log.info("Telegram user %s blocked the bot: no more private messages", chat_id)
            await asyncio.to_thread(self.core.person_blocked, PLATFORM, chat_id)
        elif isinstance(outcome, Failed) and outcome.reason == "chat-gone":
            log.warning("Telegram chat %s not found: message dropped (%s)", chat_id, exc)
            if not chat_id.startswith("-"):
                # A deleted account cannot be written to any more either.
                await asyncio.to_thread(self.core.person_blocked, PLATFORM, chat_id)
        else:
            log.error("Telegram refused a message to chat %s: %s", chat_id, exc)
            if isinstance(exc, Forbidden) and not chat_id.startswith("-"):
                # The person cannot be written to first (e.g. never opened the bot): as before, not again.
                await asyncio.to_thread(self.core.person_blocked, PLATFORM, chat_id)


def chat_key(update: Update) -> str:
    """The chat an update belongs to, for the inbox's order: a chat's updates are processed one at a time."""
    chat = update.effective_chat
    if chat is not None:
        return f"{PLATFORM}:{chat.id}"
    user = update.effective_user
    return f"{PLATFORM}:{user.id}" if user is not None else f"{PLATFORM}:update:{update.update_id}"


def delivery_failure(exc: TelegramError, network_failures: int) -> Delivery:
    """What a Bot API error means for a message: retry later, or never (with the reason)."""
    detail = str(exc.message)
    words = detail.lower()
    if isinstance(exc, TelegramRetryAfter):
        with warnings.catch_warnings():
            # PTB warns that retry_after will become a timedelta: both are read.
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
        return RetryAfter(seconds, detail)
    if isinstance(exc, Forbidden):
        if "blocked by the user" in words:
            return Failed("blocked", detail)
        if "kicked" in words or "not a member" in words:
            return Failed("not-member", detail)
        if "deactivated" in words:
            return Failed("chat-gone", detail)
        return Failed("refused", detail)
    if isinstance(exc, BadRequest):
        if "chat not found" in words or "deactivated" in words:
            return Failed("chat-gone", detail)
        return Failed("refused", detail)
    if isinstance(exc, NetworkError):
        # Telegram unreachable or answering 5xx: back off, longer each time in a row.
        return RetryAfter(min(NETWORK_BACKOFF * 2**network_failures, MAX_BACKOFF), detail)
    return Failed("refused", detail)
