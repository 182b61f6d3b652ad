"""A fake Telegram Bot API on 127.0.0.1, for driving the real PTB Application over HTTP.

It answers the methods the bot uses with Telegram's JSON (`{"ok": true, "result": …}`)
and serves the documents people sent (getFile, then `/file/bot<token>/<path>`),
records every request with its monotonic time, long-polls getUpdates from a queue, and
fails a method on demand (429 with retry_after, 403 blocked, 400 chat not found), once or for
every message to one chat (a person who blocked the bot, a group that removed it). Optionally
(`enforce_flood_limits`) it answers 429 with retry_after to messages beyond a global and a per-chat rate.
Also: update builders, and a guard that makes any non-loopback connection fail the test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from aiohttp import web

TOKEN = "123456:TEST-not-a-real-token"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Rencontres",
    "username": "rencontres_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Parameters PTB sends JSON-encoded; the others arrive as plain strings.
JSON_PARAMETERS = {
    "reply_markup",
    "reply_parameters",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "link_preview_options",
}
# Telegram serves bots files of at most 20 MB.
MAX_BOT_DOWNLOAD = 20 * 1024 * 1024
T = TypeVar("T")


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    # What the fake answered: the "result" on success, else the error description.
    result: Any = None


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    # Telegram's answer to a message sent to a group that became a supergroup.
    migrate_to_chat_id: int | None = None


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's flood limits as the fake enforces them on send* methods (messages per second).

    Each is a virtual-scheduling (GCRA) check: a message may arrive up to `tolerance` seconds before its turn
    (network jitter between two paced sends), no more; beyond that the fake answers 429 with retry_after.
    """

    overall: float = 30.0
    per_chat: float = 1.0
    tolerance: float = 0.05


class _Turns:
    """When the next message may arrive, overall and per chat (the fake's side of FloodLimits)."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self.overall_at = 0.0
        self.chat_at: dict[int | None, float] = {}

    def wait(self, chat_id: int | None, now: float) -> float:
        """Seconds until a message to `chat_id` is allowed (0: take it now, and count it)."""
        early = max(self.overall_at - now, self.chat_at.get(chat_id, 0.0) - now) - self.limits.tolerance
        if early > 0:
            return early
        self.overall_at = max(self.overall_at, now) + 1 / self.limits.overall
        self.chat_at[chat_id] = max(self.chat_at.get(chat_id, 0.0), now) + 1 / self.limits.per_chat
        return 0.0


class FakeTelegram:
    """The Bot API of one bot, served by aiohttp on a free loopback port."""

    def __init__(self, *, max_poll_wait: float = 0.5) -> None:
        self.calls: list[Call] = []
        self.max_poll_wait = max_poll_wait
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.menus: dict[tuple[str, str | None], list[dict[str, str]]] = {}
        # The bot's description and short description, by language code (None: the default).
        self.descriptions: dict[str | None, str] = {}
        self.short_descriptions: dict[str | None, str] = {}
        # Chats Telegram does not know: a menu scoped to one is refused with "chat not found".
        self.unknown_chats: set[int] = set()
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._failures: dict[str, list[Failure]] = {}
        # Documents people sent, by file_id: what getFile and the file download serve.
        self.files: dict[str, tuple[str, bytes]] = {}
        self._refusing: dict[int, Failure] = {}
        # After this many messages sent, every later send* request is held, never taken in (see stall_after).
        self._stall_after: int | None = None
        self._released = asyncio.Event()
        self.stalled = 0  # requests held by `stall_after`
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Set `hold_after` to N: every sendMessage after the N-th is recorded, then held until `resume_held` is set
        # (a send in flight when the test kills the bot).
        self.hold_after: int | None = None
        self.resume_held = asyncio.Event()
        # Off unless `enforce_flood_limits`: requests refused with 429, never recorded in `calls`.
        self._turns: _Turns | None = None
        self.flooded: list[Call] = []

    # -- server ---------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """What TELEGRAM_API_URL is set to (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what the tests look at -----------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of every sendMessage (to `chat_id` when given), in order."""
        return [
            str(call.params["text"])
            for call in self.calls_to("sendMessage")
            if chat_id is None or int(call.params["chat_id"]) == chat_id
        ]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait (at most `timeout` seconds) until the bot made `count` calls to `method`."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(self.calls_to(method)) >= count)
        except TimeoutError:
            seen = [call.method for call in self.calls]
            raise AssertionError(f"expected {count} {method} within {timeout}s; the bot called {seen}") from None
        return self.calls_to(method)

    async def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        """Wait (at most `timeout` seconds) until `condition()` holds after some request."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(condition)
        except TimeoutError:
            raise AssertionError(
                f"not within {timeout}s: {what}; the bot called {[c.method for c in self.calls]}"
            ) from None

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next call to `method` with this error instead of the result."""
        self._failures.setdefault(method, []).append(Failure(status, description, retry_after, migrate_to_chat_id))

    def refuse_chat(self, chat_id: int, status: int, description: str, *, retry_after: int | None = None) -> None:
        """Answer every message sent to `chat_id` with this error (e.g. 403 blocked) until `accept_chat`."""
        self._refusing[chat_id] = Failure(status, description, retry_after)

    def accept_chat(self, chat_id: int) -> None:
        self._refusing.pop(chat_id, None)

    def stall_after(self, messages: int) -> None:
        """Once `messages` sendMessage calls are taken in, hold every later send* request unrecorded.

        Models a process killed while its replies are on their way: a held request never reaches
        "Telegram" (it is dropped by `release`, not recorded), so what the fake counts is exactly
        what was delivered before the kill.
        """
        self._stall_after = messages

    def release(self) -> None:
        """Drop the held requests (their sender is dead) and take every later one in again."""
        self._stall_after = None
        self._released.set()
        self._released = asyncio.Event()

    def enforce_flood_limits(self, limits: FloodLimits | None) -> None:
        """Answer send* requests beyond `limits` with 429 and retry_after, as Telegram does (None: off again).

        A refused request is kept in `flooded`, not in `calls`: Telegram did not take the message in.
        """
        self._turns = _Turns(limits) if limits is not None else None

    # -- updates --------------------------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (a waiting long poll answers at once)."""
        self._updates.append(update)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def user(self, user_id: int, first_name: str, language_code: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        self.chats.setdefault(user_id, {"id": user_id, "type": "private", "first_name": first_name})
        return user

    def group(self, chat_id: int, title: str) -> dict[str, Any]:
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        self.chats[chat_id] = chat
        return chat

    def message(
        self,
        user: dict[str, Any],
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An update with a text message from `user` (in their private chat unless `chat`)."""
        chat = chat or self.chats[user["id"]]
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return {"update_id": next(self._update_ids), "message": message}

    def document(
        self,
        user: dict[str, Any],
        filename: str,
        content: bytes,
        mime: str = "text/csv",
        *,
        caption: str | None = None,
        chat: dict[str, Any] | None = None,
        declared_size: int | None = None,
    ) -> dict[str, Any]:
        """An update with a document from `user`; `declared_size` overrides the file_size Telegram reports."""
        file_id = f"file{next(self._message_ids)}"
        self.files[file_id] = (filename, content)
        update = self.message(user, caption or "", chat=chat)
        message = update["message"]
        del message["text"]
        message.pop("entities", None)
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": filename,
            "mime_type": mime,
            "file_size": len(content) if declared_size is None else declared_size,
        }
        if caption:
            message["caption"] = caption
            if caption.startswith("/"):
                message["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        return update

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> dict[str, Any]:
        """An update for `user` pressing the button `data` under the bot's `message`."""
        current = self.messages.get((message["chat"]["id"], message["message_id"]), message)
        query = {
            "id": f"q{next(self._message_ids)}",
            "from": user,
            "chat_instance": f"ci{message['chat']['id']}",
            "message": current,
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def blocked_by(self, user: dict[str, Any], *, blocked: bool = True) -> dict[str, Any]:
        """The my_chat_member update Telegram sends when `user` blocks (or unblocks) the bot."""
        member = {"user": BOT_USER, "status": "member"}
        kicked = {"user": BOT_USER, "status": "kicked", "until_date": 0}
        change = {
            "chat": self.chats[user["id"]],
            "from": user,
            "date": int(time.time()),
            "old_chat_member": member if blocked else kicked,
            "new_chat_member": kicked if blocked else member,
        }
        return {"update_id": next(self._update_ids), "my_chat_member": change}

    # -- the API --------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_parameters(request)
        # Checked and recorded with no await in between, so the count never passes the stall.
        stalled = self._stall_after is not None and len(self.calls_to("sendMessage")) >= self._stall_after
        if method.startswith("send") and stalled:
            self.stalled += 1
            await self._notify()
            await self._released.wait()
            return _error(502, "Bad Gateway: dropped, its sender was killed")
        call = Call(method, params, files)
        wait = self._turns.wait(_chat_of(params), call.at) if self._turns and method.startswith("send") else 0.0
        if wait > 0:
            call.result = "Too Many Requests: retry after"
            self.flooded.append(call)
            return _error(429, f"Too Many Requests: retry after {math.ceil(wait)}", retry_after=math.ceil(wait))
        self.calls.append(call)
        await self._notify()
        if method == "sendMessage" and self.hold_after is not None and len(self.calls_to(method)) > self.hold_after:
            await self.resume_held.wait()
        failures = self._failures.get(method)
        refusing = self._refusing.get(_chat_of(params)) if method.startswith("send") else None
        if failures or refusing:
            failure = failures.pop(0) if failures else refusing
            assert failure is not None
            call.result = failure.description
            return _error(failure.status, failure.description, failure.retry_after, failure.migrate_to_chat_id)
        handler: Callable[[Call], Awaitable[web.Response]] | None = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        response = await handler(call)
        assert response.text is not None
        body = json.loads(response.text)
        call.result = body.get("result", body.get("description"))
        return response

    async def _api_getFile(self, call: Call) -> web.Response:
        file_id = str(call.params["file_id"])
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        name, content = self.files[file_id]
        if len(content) > MAX_BOT_DOWNLOAD:
            return _error(400, "Bad Request: file is too big")
        result = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content)}
        return _ok({**result, "file_path": f"documents/{file_id}_{name}"})

    async def _download(self, request: web.Request) -> web.Response:
        """The file route (`/file/bot<token>/<file_path>`), recorded as a call to `download`."""
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        self.calls.append(Call("download", {"file_path": path}))
        file_id = path.removeprefix("documents/").split("_", 1)[0]
        if file_id not in self.files:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.files[file_id][1], content_type="application/octet-stream")

    async def _api_getMe(self, call: Call) -> web.Response:
        return _ok(BOT_USER)

    async def _api_getUpdates(self, call: Call) -> web.Response:
        if self.webhook.get("url"):
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(call.params.get("offset", 0))
        # Asking from `offset` confirms every earlier update: Telegram forgets them.
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        wait = min(float(call.params.get("timeout", 0)), self.max_poll_wait)
        if not self._updates and wait > 0:
            try:
                async with asyncio.timeout(wait), self._changed:
                    await self._changed.wait_for(lambda: bool(self._updates))
            except TimeoutError:
                pass
        limit = int(call.params.get("limit", 100))
        return _ok(self._updates[:limit])

    async def _api_sendMessage(self, call: Call) -> web.Response:
        message = self._new_message(call, text=str(call.params["text"]))
        return _ok(message)

    async def _api_editMessageText(self, call: Call) -> web.Response:
        key = (int(call.params["chat_id"]), int(call.params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = call.params.get("reply_markup")
        if message.get("text") == call.params["text"] and message.get("reply_markup") == markup:
            return _error(400, "Bad Request: message is not modified: specified new message content is the same")
        message = {**message, "text": call.params["text"], "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self.messages[key] = message
        return _ok(message)

    async def _api_answerCallbackQuery(self, call: Call) -> web.Response:
        return _ok(True)

    async def _api_sendChatAction(self, call: Call) -> web.Response:
        actions = {"typing", "upload_document", "upload_photo", "record_voice", "choose_sticker"}
        if str(call.params.get("action")) not in actions:
            return _error(400, "Bad Request: wrong parameter action in request")
        return _ok(True)

    async def _api_sendDocument(self, call: Call) -> web.Response:
        name, content, mime = call.files["document"]
        document = {
            "file_id": f"doc{len(self.calls)}",
            "file_unique_id": f"u{len(self.calls)}",
            "file_name": name,
            "mime_type": mime,
            "file_size": len(content),
        }
        return _ok(self._new_message(call, document=document, caption=call.params.get("caption")))

    async def _api_sendPhoto(self, call: Call) -> web.Response:
        _name, content, _mime = call.files["photo"]
        size = {"file_id": f"ph{len(self.calls)}", "file_unique_id": f"u{len(self.calls)}", "file_size": len(content)}
        photo = [{**size, "width": 320, "height": 240}]
        return _ok(self._new_message(call, photo=photo, caption=call.params.get("caption")))

    async def _api_setMyCommands(self, call: Call) -> web.Response:
        commands = call.params["commands"]
        for command in commands:
            name, description = command["command"], command["description"]
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.islower()):
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                return _error(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope_params = call.params.get("scope", {"type": "default"})
        if scope_params.get("chat_id") is not None and int(scope_params["chat_id"]) in self.unknown_chats:
            return _error(400, "Bad Request: chat not found")
        scope = json.dumps(scope_params, sort_keys=True)
        self.menus[(scope, call.params.get("language_code"))] = commands
        return _ok(True)

    async def _api_setMyDescription(self, call: Call) -> web.Response:
        if len(call.params.get("description", "")) > 512:
            return _error(400, "Bad Request: BOT_DESCRIPTION_INVALID")
        self.descriptions[call.params.get("language_code")] = call.params.get("description", "")
        return _ok(True)

    async def _api_setMyShortDescription(self, call: Call) -> web.Response:
        if len(call.params.get("short_description", "")) > 120:
            return _error(400, "Bad Request: BOT_SHORT_DESCRIPTION_INVALID")
        self.short_descriptions[call.params.get("language_code")] = call.params.get("short_description", "")
        return _ok(True)

    async def _api_deleteMyCommands(self, call: Call) -> web.Response:
        scope = json.dumps(call.params.get("scope", {"type": "default"}), sort_keys=True)
        self.menus.pop((scope, call.params.get("language_code")), None)
        return _ok(True)

    async def _api_setWebhook(self, call: Call) -> web.Response:
        self.webhook = {"url": call.params["url"], "secret_token": call.params.get("secret_token")}
        return _ok(True)

    async def _api_deleteWebhook(self, call: Call) -> web.Response:
        self.webhook = {}
        return _ok(True)

    async def _api_getWebhookInfo(self, call: Call) -> web.Response:
        info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}
        return _ok(info)

    def _new_message(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = int(call.params["chat_id"])
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = {"id": chat_id, "type": "private", "first_name": "Contact"}
            if chat_id < 0:
                chat = {"id": chat_id, "type": "group", "title": "Group"}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            **{key: value for key, value in content.items() if value is not None},
        }
        if call.params.get("reply_markup"):
            message["reply_markup"] = call.params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return message


async def _read_parameters(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    if request.content_type == "application/json":
        params = await request.json()
    elif request.can_read_body:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = (value.filename, value.file.read(), value.content_type)
            elif name in JSON_PARAMETERS:
                params[name] = json.loads(str(value))
            else:
                params[name] = str(value)
    params.update({name: value for name, value in request.query.items() if name not in params})
    return params, files


def _chat_of(params: dict[str, Any]) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(
    status: int, description: str, retry_after: int | None = None, migrate_to_chat_id: int | None = None
) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    if migrate_to_chat_id is not None:
        body["parameters"] = {"migrate_to_chat_id": migrate_to_chat_id}
    return web.json_response(body, status=status)


# -- no network but loopback ------------------------------------------------------------------

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def forbid_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make any connection to a non-loopback address fail, and fail the test if one was tried.

    Use as `yield from forbid_network(monkeypatch)` in an autouse fixture.
    """
    attempts: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def allowed(host: object) -> bool:
        return isinstance(host, str) and (host in LOOPBACK or host.startswith("127."))

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not allowed(host if isinstance(host, str) else str(host)):
            attempts.append(f"getaddrinfo {host}")
            raise OSError(f"network access is forbidden in tests: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def guard(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not allowed(address[0]):
            attempts.append(f"connect {address}")
            raise OSError(f"network access is forbidden in tests: {address}")

    def connect(sock: socket.socket, address: Any) -> None:
        guard(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield attempts
    assert not attempts, f"the test tried to reach the network: {attempts}"


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run an async test body (the suite has no asyncio plugin)."""
    return asyncio.run(coroutine)
