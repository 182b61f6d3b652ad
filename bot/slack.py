"""The Slack adapter: the whole bot on slack-bolt's AsyncApp, in Socket Mode or on `/slack/events`.

It adds no business logic: a slash command `/rencontres <command>`, a direct message, a mention, a
button or a modal becomes an `Incoming`; the core answers in a worker thread; each `Reply` is rendered
with bot/slack_blocks.py (Block Kit, modals, App Home). Every request is acknowledged at once: the
listeners only start the work and `ack()` (Bolt answers Slack when they return), except a modal's
submission, whose field errors must travel in the acknowledgement itself (see `on_submission`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapter import Capability, degrade
from bot.core import BotCore
from bot.slack_blocks import (
    BUTTON_ACTION_ID,
    MODAL_CALLBACK_ID,
    SlackMessage,
    button_action,
    errors_response,
    home_view,
    modal_view,
    opened_in,
    render_reply,
    submission_from_view,
    upload_arguments,
)
from bot.slack_text import command_text, plain_text, strip_mention
from contract.delivery import Delivery, Failed, FailureReason, RetryAfter, Sender, Sent
from contract.messages import Attachment, Incoming, Recipient, Reply, Submission
from locales import DEFAULT, Translator, negotiate

PLATFORM = "slack"
SLASH_COMMAND = "/rencontres"
SLACK_EVENTS_PATH = "/slack/events"
CAPABILITIES: frozenset[Capability] = frozenset({"buttons", "edit", "files", "ephemeral", "whole-forms"})
# Slack waits 3 s for a view_submission's answer, which must carry the field errors: the core gets 2 s
# (network both ways and Bolt take the rest). Past them the modal is closed and the outcome posted.
SUBMISSION_SECONDS = 2.0
# Slack allows about one message a second in a channel (bursts are tolerated, sustained rates are not).
CHANNEL_INTERVAL = 1.0
# App Homes published at the same time after changes (each is a whole /status through the core).
HOME_PUBLISHERS = 2
# A person's name and locale (users.info) are asked again after this long: a changed locale is followed.
PROFILE_SECONDS = 3600.0
MAX_DOWNLOAD = 20 * 1024 * 1024
# Seconds before a message the bot starts is tried again after a network error.
NETWORK_RETRY = 30.0
# Slack's errors that mean a message can never be delivered there.
FAILURES: Mapping[str, FailureReason] = {
    "channel_not_found": "chat-gone",
    "is_archived": "chat-gone",
    "account_inactive": "chat-gone",
    "user_not_found": "chat-gone",
    "user_disabled": "chat-gone",
    "not_in_channel": "not-member",
    "cannot_dm_bot": "refused",
}
# A person who cannot be written to any more: recorded unreachable, as a Telegram block is.
GONE_PEOPLE = frozenset({"account_inactive", "user_not_found", "user_disabled"})

log = logging.getLogger(__name__)


class ChannelPacer:
    """At most one message per `interval` seconds in each channel; later ones wait their turn."""

    def __init__(
        self,
        interval: float = CHANNEL_INTERVAL,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        if self.interval <= 0:
            return
        now = self.clock()
        turn = max(now, self._next.get(channel, now))
        # The slot is taken before waiting, so concurrent senders queue one interval apart.
        self._next[channel] = turn + self.interval
        if turn > now:
            await self.sleep(turn - now)


@dataclass(frozen=True)
class Origin:
    """What Slack gave with the request being answered: where a modal, an ephemeral or an edit can go."""

    trigger_id: str | None = None
    response_url: str | None = None
    # The message whose button was pressed (channel, ts), to edit in place; None in an ephemeral one.
    message: tuple[str, str] | None = None
    # The button was in an ephemeral message: only its response_url can replace it.
    ephemeral: bool = False


@dataclass
class Profile:
    name: str | None
    locale: str | None
    at: float


class SlackAdapter:
    """One Slack workspace inside `rencontres-bot run`."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, core: BotCore, *, pacer: ChannelPacer | None = None) -> None:
        settings = core.settings
        if not settings.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        self.core = core
        self.socket_mode = bool(settings.slack_app_token)
        # Answers to people wait out one 429 (Retry-After) and are sent again.
        self.client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
        )
        # Messages the bot starts report a 429 at once: the dispatcher reschedules them.
        self.sender_client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        self.pacer = pacer or ChannelPacer()
        self.bot_user_id = ""
        self._profiles: dict[str, Profile] = {}
        self._dms: dict[str, str] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        # App Homes to publish again after a change, not yet begun; at most HOME_PUBLISHERS at a time, so the
        # answers people wait for keep the core's worker threads.
        self._homes_due: set[str] = set()
        self._home_slots = asyncio.Semaphore(HOME_PUBLISHERS)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._socket: Any = None
        # Listeners return at once (ack), so Bolt may process before responding: the HTTP answer leaves
        # when the work is started, never after it.
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret or "",
            request_verification_enabled=not self.socket_mode,
            process_before_response=True,
        )
        self.app.command(SLASH_COMMAND)(self.on_command)
        self.app.event("message")(self.on_message)
        self.app.event("app_mention")(self.on_mention)
        self.app.event("app_home_opened")(self.on_home_opened)
        self.app.action(BUTTON_ACTION_ID)(self.on_button)
        self.app.view(MODAL_CALLBACK_ID)(self.on_submission)

    # -- life cycle -------------------------------------------------------------------------

    @property
    def sender(self) -> Sender:
        return self

    def routes(self) -> list[web.RouteDef]:
        """`POST /slack/events` in HTTP mode (Bolt verifies the signature: 401 otherwise); none in Socket Mode."""
        if self.socket_mode:
            return []

        async def events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await self.app.async_dispatch(await to_bolt_request(request)))

        return [web.post(SLACK_EVENTS_PATH, events)]

    async def start(self) -> None:
        """Log in (auth.test: the bot's own user id, to read mentions) and follow the core's changes."""
        self._loop = asyncio.get_running_loop()
        answer = await self.client.auth_test()
        self.bot_user_id = str(answer.get("user_id") or "")
        self.core.people_listeners.append(self.people_changed)

    async def listen(self) -> None:
        """Socket Mode: open the socket. HTTP mode: the shared server already serves /slack/events."""
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.core.settings.slack_app_token)
            await self._socket.connect_async()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self.people_changed in self.core.people_listeners:
            self.core.people_listeners.remove(self.people_changed)
        await self.settled()

    async def settled(self) -> None:
        """Wait until every answer started has been sent (for stopping, and for tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _logged(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("could not answer on Slack")

    # -- requests in: each listener starts the work and acknowledges ------------------------

    async def on_command(self, ack: Callable[..., Awaitable[None]], command: dict[str, Any]) -> None:
        self._spawn(self._command(command))
        await ack()

    async def _command(self, command: Mapping[str, Any]) -> None:
        channel = str(command["channel_id"])
        incoming = await self.incoming(
            str(command["user_id"]),
            channel,
            text=command_text(str(command.get("text", ""))),
            chat_title=_channel_title(command.get("channel_name")),
        )
        origin = Origin(trigger_id=command.get("trigger_id"), response_url=command.get("response_url"))
        await self.answer(incoming, origin)

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """A direct message (message.im), possibly a file shared with the bot; channel chatter is not read."""
        subtype = event.get("subtype")
        if event.get("channel_type") != "im" or event.get("bot_id") or subtype not in (None, "file_share"):
            return
        self._spawn(self._once(body, self._message(event)))

    async def _message(self, event: Mapping[str, Any]) -> None:
        files = event.get("files") or []
        attachment = await self.download(files[0]) if files else None
        incoming = await self.incoming(
            str(event["user"]),
            str(event["channel"]),
            text=plain_text(str(event.get("text") or "")),
            attachment=attachment,
        )
        await self.answer(incoming, Origin())

    async def on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """`@rencontres status` in a channel: read as the command `/status`."""
        if event.get("bot_id") or not event.get("user"):
            return
        self._spawn(self._once(body, self._mention(event)))

    async def _mention(self, event: Mapping[str, Any]) -> None:
        text = command_text(strip_mention(str(event.get("text") or ""), self.bot_user_id))
        incoming = await self.incoming(str(event["user"]), str(event["channel"]), text=text)
        await self.answer(incoming, Origin())

    async def on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        self._spawn(self._once(body, self.publish_home(str(event["user"]), event.get("channel"))))

    async def on_button(self, ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        self._spawn(self._button(body))
        await ack()

    async def _button(self, body: Mapping[str, Any]) -> None:
        user = str(body["user"]["id"])
        container = body.get("container") or {}
        # A button of the App Home has no channel: it is answered in the person's direct messages.
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or await self.dm_channel(user)
        message = body.get("message")
        incoming = await self.incoming(user, str(channel), action=button_action(body["actions"][0]))
        origin = Origin(
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
            message=(str(channel), str(message["ts"])) if message and not container.get("is_ephemeral") else None,
            ephemeral=bool(container.get("is_ephemeral")),
        )
        await self.answer(incoming, origin)

    async def on_submission(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """A modal sent: the field errors go back in the acknowledgement, so the core runs before it.

        The core runs in a thread, waited for at most SUBMISSION_SECONDS (well within Slack's 3 s). Past
        that, the modal is closed (the work cannot be cancelled and will commit) and its outcome, errors
        included, is posted to the person when it is ready.
        """
        user = str(body["user"]["id"])
        submission = submission_from_view(view)
        work = asyncio.ensure_future(self._submit(user, opened_in(view), submission))
        try:
            incoming, replies = await asyncio.wait_for(asyncio.shield(work), SUBMISSION_SECONDS)
        except TimeoutError:
            await ack()
            self._spawn(self._late_submission(work))
            return
        errors = next((reply.field_errors for reply in replies if reply.field_errors), None)
        if errors:
            await ack(**errors_response(errors, view))
            return
        await ack()
        self._spawn(self.show_all(incoming, replies, Origin()))

    async def _submit(self, user: str, channel: str, submission: Submission) -> tuple[Incoming, list[Reply]]:
        incoming = await self.incoming(user, channel or await self.dm_channel(user), submission=submission)
        return incoming, await asyncio.to_thread(self.core.handle, incoming)

    async def _late_submission(self, work: asyncio.Future[tuple[Incoming, list[Reply]]]) -> None:
        incoming, replies = await work
        await self.show_all(incoming, replies, Origin())

    async def _once(self, body: Mapping[str, Any], work: Coroutine[Any, Any, None]) -> None:
        """Process an event the first time its event_id is seen; Slack's retries of it are only acknowledged."""
        event_id = str(body.get("event_id") or "")
        if not event_id:
            await work
            return
        event = body.get("event") or {}
        chat_key = str(event.get("channel") or event.get("user") or "")
        recorded = await asyncio.to_thread(
            self.core.record_updates, PLATFORM, [(event_id, chat_key, {"type": str(event.get("type", ""))})]
        )
        if not recorded:
            work.close()
            return
        row = recorded[0].row_id
        try:
            await work
        except Exception as exc:
            await asyncio.to_thread(self.core.finish_update, row, repr(exc))
            raise
        await asyncio.to_thread(self.core.finish_update, row)

    # -- from Slack to the core ---------------------------------------------------------------

    async def incoming(self, user_id: str, channel: str, **fields: Any) -> Incoming:
        """What `user_id` sent in `channel`, with their name and Slack locale (users.info include_locale)."""
        profile = await self.profile(user_id)
        return Incoming(
            platform=PLATFORM,
            user_id=user_id,
            chat_id=channel,
            # Direct messages with the bot are "D…" channels; every other conversation is a group.
            is_group=not channel.startswith("D"),
            display_name=profile.name,
            locale_hint=profile.locale,
            **fields,
        )

    async def profile(self, user_id: str) -> Profile:
        known = self._profiles.get(user_id)
        if known is not None and time.monotonic() - known.at < PROFILE_SECONDS:
            return known
        try:
            answer = await self.client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("users.info %s failed: %s", user_id, exc)
            return known or Profile(None, None, 0.0)
        user = answer.get("user") or {}
        names = user.get("profile") or {}
        name = names.get("display_name") or names.get("real_name") or user.get("real_name") or user.get("name")
        profile = Profile(name or None, user.get("locale") or None, time.monotonic())
        self._profiles[user_id] = profile
        return profile

    async def download(self, file: Mapping[str, Any]) -> Attachment | None:
        """A file shared with the bot, fetched with the bot token; None when too large or unreachable."""
        url = file.get("url_private_download") or file.get("url_private")
        name = str(file.get("name") or "file")
        mime = str(file.get("mimetype") or "application/octet-stream")
        if not url or int(file.get("size") or 0) > MAX_DOWNLOAD:
            return Attachment(name, b"", mime)
        headers = {"Authorization": f"Bearer {self.core.settings.slack_bot_token}"}
        try:
            async with aiohttp.ClientSession() as session, session.get(str(url), headers=headers) as response:
                content = await response.content.read(MAX_DOWNLOAD + 1)
                if response.status != 200 or len(content) > MAX_DOWNLOAD:
                    return Attachment(name, b"", mime)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("could not download %s: %s", name, exc)
            return Attachment(name, b"", mime)
        return Attachment(name, content, mime)

    async def dm_channel(self, user_id: str) -> str:
        """The person's direct-message channel with the bot (conversations.open)."""
        if user_id not in self._dms:
            answer = await self.client.conversations_open(users=user_id)
            self._dms[user_id] = str(answer["channel"]["id"])
        return self._dms[user_id]

    # -- from the core to Slack ---------------------------------------------------------------

    async def answer(self, incoming: Incoming, origin: Origin) -> None:
        replies = await asyncio.to_thread(self.core.handle, incoming)
        await self.show_all(incoming, replies, origin)

    async def show_all(self, incoming: Incoming, replies: list[Reply], origin: Origin) -> None:
        for reply in replies:
            await self.show(incoming, degrade(reply, CAPABILITIES), origin)
            # A trigger_id opens one modal; the response_url may serve the next replies.
            origin = dataclasses.replace(origin, trigger_id=None, message=None, ephemeral=False)

    async def show(self, incoming: Incoming, reply: Reply, origin: Origin) -> None:
        """One reply: a modal for a form, ephemeral for the asker in a channel, edited in place, or posted."""
        if reply.form is not None and origin.trigger_id and await self.open_modal(incoming, reply, origin.trigger_id):
            return
        if reply.to is not None:
            await self.deliver(reply.to, reply)
            return
        channel = incoming.chat_id
        if reply.visibility == "asker" and incoming.is_group:
            await self.show_ephemeral(incoming, reply, origin)
            return
        messages = render_reply(reply)
        if reply.edit and origin.ephemeral and origin.response_url and len(messages) == 1:
            # A press in an ephemeral message: it is replaced, and stays seen by the asker only.
            await self.respond(origin.response_url, messages[0], replace_original=True)
            await self._upload(await self.dm_channel(incoming.user_id), reply)
            return
        if reply.edit and origin.message is not None and len(messages) == 1:
            with contextlib.suppress(SlackApiError):
                await self.client.chat_update(
                    channel=origin.message[0], ts=origin.message[1], **messages[0].arguments()
                )
                await self._upload(channel, reply)
                return
        try:
            await self.post(self.client, channel, reply, messages)
        except SlackApiError as exc:
            # A slash command in a channel the bot is not in (a private one reads as not found): its
            # response_url still reaches the channel.
            if exc.response.get("error") not in ("not_in_channel", "channel_not_found") or not origin.response_url:
                raise
            for message in messages:
                await self.respond(origin.response_url, message, response_type="in_channel")

    async def show_ephemeral(self, incoming: Incoming, reply: Reply, origin: Origin) -> None:
        """Only the asker sees it: through the response_url when there is one, else chat.postEphemeral."""
        for message in render_reply(reply):
            if origin.response_url:
                await self.respond(origin.response_url, message, response_type="ephemeral")
            else:
                await self.client.chat_postEphemeral(
                    channel=incoming.chat_id, user=incoming.user_id, **message.arguments()
                )
        if reply.attachment is not None:
            # A file cannot be ephemeral: it goes to the asker's direct messages.
            await self._upload(await self.dm_channel(incoming.user_id), reply)

    async def respond(self, response_url: str, message: SlackMessage, **extra: Any) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.post(response_url, json={**message.arguments(), **extra}) as response,
        ):
            if response.status != 200:
                log.warning("response_url answered %s", response.status)

    async def open_modal(self, incoming: Incoming, reply: Reply, trigger_id: str) -> bool:
        """The reply's form as a modal; False (the question is posted instead) when Slack refuses it."""
        assert reply.form is not None
        translator = Translator(negotiate(incoming.locale_hint) or DEFAULT)
        yes_no = (translator.gettext("Yes"), translator.gettext("No"))
        try:
            view = modal_view(reply.form, yes_no=yes_no, channel=incoming.chat_id)
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except (SlackApiError, ValueError) as exc:
            # An expired trigger (the core took over 3 s) or a form Slack cannot show: asked step by step.
            log.warning("could not open the %s modal: %s", reply.form.form, exc)
            return False
        return True

    async def post(
        self, client: AsyncWebClient, channel: str, reply: Reply, messages: list[SlackMessage] | None = None
    ) -> str:
        """Post the reply's messages and file in `channel`, one a second at most; the last message's ts."""
        ts = ""
        for message in render_reply(reply) if messages is None else messages:
            await self.pacer.wait(channel)
            answer = await client.chat_postMessage(channel=channel, **message.arguments())
            ts = str(answer.get("ts") or ts)
        return await self._upload(channel, reply, client) or ts

    async def _upload(self, channel: str, reply: Reply, client: AsyncWebClient | None = None) -> str:
        if reply.attachment is None:
            return ""
        await self.pacer.wait(channel)
        answer = await (client or self.client).files_upload_v2(channel=channel, **upload_arguments(reply.attachment))
        files = answer.get("files") or [{}]
        return str(files[0].get("id") or "")

    async def publish_home(self, user_id: str, channel: str | None = None) -> None:
        """The App Home: the person's `/status` (their collectivity and its next deadlines), else `/deadlines`."""
        incoming = await self.incoming(user_id, channel or await self.dm_channel(user_id), text="/status")
        replies = await asyncio.to_thread(self.core.handle, incoming)
        if any(reply.kind == "refusal" for reply in replies):
            replies = await asyncio.to_thread(self.core.handle, dataclasses.replace(incoming, text="/deadlines"))
        text = "\n\n".join(reply.text for reply in replies if reply.text)
        buttons = tuple(row for reply in replies for row in reply.buttons)
        await self.client.views_publish(user_id=user_id, view=home_view(Reply(text, buttons=buttons)))

    def people_changed(self, people: list[tuple[str, str]]) -> None:
        """Called from the core's worker thread: the App Home of each Slack contact concerned is published again."""
        loop = self._loop
        if loop is None:
            return
        for platform, user_id in people:
            if platform == PLATFORM:
                loop.call_soon_threadsafe(self._home_changed, user_id)

    def _home_changed(self, user_id: str) -> None:
        if user_id in self._homes_due:
            # Its publishing has not begun: it will read what is committed by then, this change included.
            return
        self._homes_due.add(user_id)
        self._spawn(self._publish_due(user_id))

    async def _publish_due(self, user_id: str) -> None:
        async with self._home_slots:
            self._homes_due.discard(user_id)
            await self.publish_home(user_id)

    # -- the sender -----------------------------------------------------------------------------

    async def deliver(self, recipient: Recipient, reply: Reply) -> Delivery:
        """A message the bot starts, to a channel or a person (their direct messages); never raises."""
        reply = degrade(reply, CAPABILITIES)
        try:
            if recipient.user_id is not None:
                channel = await self._open_dm(recipient.user_id)
            else:
                channel = str(recipient.chat_id)
            return Sent(await self.post(self.sender_client, channel, reply))
        except SlackApiError as exc:
            outcome = delivery_failure(exc)
            if recipient.user_id is not None and str(exc.response.get("error")) in GONE_PEOPLE:
                await asyncio.to_thread(self.core.person_blocked, PLATFORM, recipient.user_id)
            return outcome
        except (aiohttp.ClientError, TimeoutError) as exc:
            return RetryAfter(NETWORK_RETRY, str(exc))

    async def _open_dm(self, user_id: str) -> str:
        if user_id not in self._dms:
            answer = await self.sender_client.conversations_open(users=user_id)
            self._dms[user_id] = str(answer["channel"]["id"])
        return self._dms[user_id]


def delivery_failure(exc: SlackApiError) -> Delivery:
    """Slack's refusal as a sender's answer: a rate limit to wait, a chat that is gone, or refused."""
    error = str(exc.response.get("error") or "")
    if exc.response.status_code == 429 or error == "ratelimited":
        retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after") or "30"
        try:
            seconds = float(retry if isinstance(retry, str) else retry[0])
        except (TypeError, ValueError):
            seconds = 30.0
        return RetryAfter(seconds, error)
    return Failed(FAILURES.get(error, "refused"), error)


def _channel_title(name: object) -> str | None:
    """A channel's name as lists show it (`#jumelage`); none for direct messages."""
    if not isinstance(name, str) or not name or name in ("directmessage", "privategroup"):
        return None
    return f"#{name}"
