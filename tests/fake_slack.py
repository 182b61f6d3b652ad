"""A fake Slack Web API on 127.0.0.1, for driving the real slack_sdk / Bolt clients over HTTP.

`FakeSlack.api_url` is what SLACK_API_URL (the AsyncWebClient's `base_url`) is set to. It answers
the methods the bot uses with Slack's JSON (`{"ok": true, …}`, errors as `{"ok": false, "error": …}`
with HTTP 200), records every request, hands out trigger_ids (valid 3 s and once) and response_urls,
checks messages and views against Block Kit's limits as Slack does (`invalid_blocks`), and answers a
method with 429 and Retry-After on demand. Also: builders of the requests Slack sends to an app
(slash commands, events, files shared with the bot, block_actions, view_submission), signed with
slack_sdk's SignatureVerifier, and `post()` to send one to the app.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

TOKEN = "xoxb-1-test-not-a-real-token"
SIGNING_SECRET = "test-signing-secret-not-a-real-one"
TEAM_ID = "T0TEST"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0TEST"
# How long Slack honours a trigger_id, and how often a response_url may be used.
TRIGGER_SECONDS = 3.0
RESPONSE_URL_USES = 5
# Block Kit limits the fake enforces (https://docs.slack.dev/reference/block-kit/).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
MESSAGE_TEXT = 40000


@dataclass
class Call:
    """One request the bot made to the Web API (or to an upload or response URL)."""

    method: str
    params: dict[str, Any]
    token: str | None = None
    at: float = field(default_factory=time.monotonic)
    # What the fake answered (the whole JSON body).
    result: Any = None


@dataclass
class User:
    id: str
    name: str
    locale: str = "fr-FR"
    tz: str = "Europe/Paris"


@dataclass
class Trigger:
    issued: float
    used: bool = False


class FakeSlack:
    """The Web API of one workspace with one bot, served by aiohttp on a free loopback port."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.calls: list[Call] = []
        self.users: dict[str, User] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        self.dms: dict[str, str] = {}
        # file id -> {"filename", "length", "content", "title", "channel", "initial_comment"}
        self.files: dict[str, dict[str, Any]] = {}
        # response_url id -> the bodies posted to it, in order
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self._triggers: dict[str, Trigger] = {}
        self._rate_limits: dict[str, list[int]] = {}
        self._errors: dict[str, list[str]] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server ---------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._dispatch)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{response_id}", self._respond)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to (slack_sdk appends the method name)."""
        return f"http://127.0.0.1:{self.port}/api/"

    # -- what the tests set up and look at ------------------------------------------------

    def add_user(self, user_id: str, name: str, *, locale: str = "fr-FR", tz: str = "Europe/Paris") -> User:
        user = User(user_id, name, locale, tz)
        self.users[user_id] = user
        return user

    def dm(self, user_id: str) -> str:
        """The channel of `user_id`'s direct messages with the bot (what conversations.open answers)."""
        return self.dms.setdefault(user_id, f"D{user_id.removeprefix('U')}")

    def trigger_id(self) -> str:
        """A fresh trigger_id, as Slack puts in a slash command or an interaction."""
        trigger_id = f"{next(self._ids)}.{int(time.time())}.trigger"
        self._triggers[trigger_id] = Trigger(self.clock())
        return trigger_id

    def response_url(self) -> str:
        """A fresh response_url, as Slack puts in a slash command or an interaction."""
        response_id = f"R{next(self._ids)}"
        self.responses[response_id] = []
        return f"http://127.0.0.1:{self.port}/response/{response_id}"

    def responses_to(self, response_url: str) -> list[dict[str, Any]]:
        return self.responses[response_url.rsplit("/", 1)[1]]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def posted_texts(self, channel: str | None = None) -> list[str]:
        """The fallback `text` of every message posted (to `channel` when given), in order; refused calls left out."""
        return [
            str(call.params.get("text", ""))
            for call in self.calls_to("chat.postMessage")
            if call.result and call.result["ok"] and (channel is None or call.params.get("channel") == channel)
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

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        """Answer the next call to `method` with 429 Too Many Requests and `Retry-After`."""
        self._rate_limits.setdefault(method, []).append(retry_after)

    def fail_next(self, method: str, error: str) -> None:
        """Answer the next call to `method` with `{"ok": false, "error": error}` (e.g. channel_not_found)."""
        self._errors.setdefault(method, []).append(error)

    # -- requests Slack sends to the app --------------------------------------------------

    def slash_command(
        self, user_id: str, text: str, *, channel_id: str | None = None, command: str = "/rencontres"
    ) -> SlackRequest:
        """A slash command `command text` typed by `user_id` in `channel_id` (by default their DM with the bot)."""
        channel_id = channel_id or self.dm(user_id)
        form = {
            "token": "verification-token-unused",
            "team_id": TEAM_ID,
            "team_domain": "rencontres-test",
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else "general",
            "user_id": user_id,
            "user_name": self._name(user_id),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.response_url(),
            "trigger_id": self.trigger_id(),
        }
        return SlackRequest(urlencode(form), "application/x-www-form-urlencoded")

    def message_im(self, user_id: str, text: str) -> SlackRequest:
        """A message.im event: `user_id` wrote `text` to the bot in their direct messages."""
        event = {
            "type": "message",
            "channel": self.dm(user_id),
            "channel_type": "im",
            "user": user_id,
            "text": text,
            "ts": self._next_ts(),
            "event_ts": self._next_ts(),
        }
        return self.event(event)

    def app_mention(self, user_id: str, text: str, *, channel_id: str = "C0GENERAL") -> SlackRequest:
        """An app_mention event: `user_id` wrote `<@bot> text` in a channel."""
        event = {
            "type": "app_mention",
            "channel": channel_id,
            "user": user_id,
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": self._next_ts(),
            "event_ts": self._next_ts(),
        }
        return self.event(event)

    def file_shared(self, user_id: str, filename: str, content: bytes, mime: str, *, text: str = "") -> SlackRequest:
        """A message.im event with a file `user_id` shared with the bot; the file is served to the bot's token."""
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {"filename": filename, "length": len(content), "content": content, "mime": mime}
        event = {
            "type": "message",
            "subtype": "file_share",
            "channel": self.dm(user_id),
            "channel_type": "im",
            "user": user_id,
            "text": text,
            "files": [self._file_object(file_id)],
            "ts": self._next_ts(),
            "event_ts": self._next_ts(),
        }
        return self.event(event)

    def url_verification(self, challenge: str = "challenge-test") -> SlackRequest:
        """What Slack sends when an HTTP request URL is saved; the app must echo the challenge."""
        body = {"token": "verification-token-unused", "challenge": challenge, "type": "url_verification"}
        return SlackRequest(json.dumps(body), "application/json")

    def app_home_opened(self, user_id: str, *, tab: str = "home") -> SlackRequest:
        event = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.dm(user_id),
            "tab": tab,
            "event_ts": self._next_ts(),
        }
        return self.event(event)

    def event(self, event: Mapping[str, Any], *, event_id: str | None = None) -> SlackRequest:
        """An Events API event_callback around `event` (pass `event_id` to send the same event twice)."""
        body = {
            "token": "verification-token-unused",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        return SlackRequest(json.dumps(body), "application/json")

    def block_action(self, user_id: str, message: Mapping[str, Any], action_id: str) -> SlackRequest:
        """`user_id` pressed the button `action_id` of the bot's `message` (as stored in `messages` or `ephemerals`).

        As Slack does, a press in an ephemeral message carries no `message` (it cannot be updated, only
        replaced through the response_url).
        """
        channel = str(message["channel"])
        found = [
            (block, element)
            for block in message.get("blocks", [])
            if block.get("type") == "actions"
            for element in block["elements"]
            if element.get("action_id") == action_id
        ]
        assert found, f"the message has no button {action_id!r}: {message.get('blocks')}"
        block, button = found[0]
        action = {
            "type": "button",
            "block_id": block.get("block_id", ""),
            "action_id": action_id,
            "text": button["text"],
            "value": button.get("value", ""),
            "action_ts": self._next_ts(),
        }
        ephemeral = any(message is shown for shown in self.ephemerals)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "rencontres-test"},
            "user": {"id": user_id, "username": self._name(user_id), "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "container": {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else "general"},
            "trigger_id": self.trigger_id(),
            "response_url": self.response_url(),
            "actions": [action],
        }
        if not ephemeral:
            payload["message"] = dict(message)
        return _interaction(payload)

    def view_submission(self, user_id: str, view: Mapping[str, Any], answers: Mapping[str, str | None]) -> SlackRequest:
        """`user_id` gave `answers` {block_id: value} to the modal `view` (as views.open returned it) and sent it."""
        submitted = {**view, "state": {"values": state_values(view, answers)}}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "rencontres-test"},
            "user": {"id": user_id, "username": self._name(user_id), "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "trigger_id": self.trigger_id(),
            "view": submitted,
            "response_urls": [],
        }
        return _interaction(payload)

    def _name(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return user.name if user else user_id.lower()

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    # -- the API --------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_parameters(request)
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None
        token = token or params.pop("token", None)
        call = Call(method, params, token)
        self.calls.append(call)
        await self._notify()
        if self._rate_limits.get(method):
            retry_after = self._rate_limits[method].pop(0)
            call.result = {"ok": False, "error": "ratelimited"}
            return web.json_response(call.result, status=429, headers={"Retry-After": str(retry_after)})
        if token != TOKEN:
            body: dict[str, Any] = {"ok": False, "error": "not_authed" if token is None else "invalid_auth"}
        elif self._errors.get(method):
            body = {"ok": False, "error": self._errors[method].pop(0)}
        else:
            handler: Callable[[Call], Awaitable[dict[str, Any]]] | None = getattr(
                self, "_api_" + method.replace(".", "_"), None
            )
            body = await handler(call) if handler else {"ok": False, "error": "unknown_method"}
        call.result = body
        return web.json_response(body)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _api_auth_test(self, call: Call) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://rencontres-test.slack.com/",
            "team": "Rencontres test",
            "user": "rencontres",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }

    async def _api_users_info(self, call: Call) -> dict[str, Any]:
        user = self.users.get(str(call.params.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        info: dict[str, Any] = {
            "id": user.id,
            "team_id": TEAM_ID,
            "name": user.name,
            "real_name": user.name,
            "tz": user.tz,
            "is_bot": False,
            "profile": {"real_name": user.name, "display_name": user.name},
        }
        # Slack reports the locale only to those who ask for it.
        if _true(call.params.get("include_locale")):
            info["locale"] = user.locale
        return {"ok": True, "user": info}

    async def _api_conversations_open(self, call: Call) -> dict[str, Any]:
        users = str(call.params.get("users", ""))
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        # The bot opens one person's direct messages, never a group DM.
        assert "," not in users, f"the fake opens one person's DM only: {users}"
        if users not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self.dm(users)}}

    async def _api_chat_postMessage(self, call: Call) -> dict[str, Any]:
        error = _message_error(call.params)
        if error:
            return {"ok": False, "error": error}
        channel = str(call.params["channel"])
        message = self._message(call.params)
        self.messages[(channel, message["ts"])] = message
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    async def _api_chat_postEphemeral(self, call: Call) -> dict[str, Any]:
        error = _message_error(call.params) or (None if call.params.get("user") else "user_not_found")
        if error:
            return {"ok": False, "error": error}
        message = {**self._message(call.params), "channel": call.params["channel"], "user": call.params["user"]}
        self.ephemerals.append(message)
        return {"ok": True, "message_ts": message["ts"]}

    async def _api_chat_update(self, call: Call) -> dict[str, Any]:
        key = (str(call.params.get("channel")), str(call.params.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        error = _message_error({**call.params, "channel": key[0]})
        if error:
            return {"ok": False, "error": error}
        message = {**self._message(call.params), "ts": key[1], "edited": {"user": BOT_USER_ID}}
        self.messages[key] = message
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"], "message": message}

    async def _api_views_open(self, call: Call) -> dict[str, Any]:
        error = self._use_trigger(call.params.get("trigger_id")) or _view_error(call.params.get("view"), "modal")
        if error:
            return {"ok": False, "error": error}
        return {"ok": True, "view": self._store_view(call.params["view"])}

    async def _api_views_update(self, call: Call) -> dict[str, Any]:
        view_id = call.params.get("view_id")
        if view_id is None:
            external = call.params.get("external_id")
            matches = [key for key, v in self.views.items() if external and v.get("external_id") == external]
            view_id = matches[0] if matches else None
        current = self.views.get(str(view_id))
        if current is None:
            return {"ok": False, "error": "not_found"}
        if call.params.get("hash") and call.params["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        error = _view_error(call.params.get("view"), current["type"])
        if error:
            return {"ok": False, "error": error}
        return {"ok": True, "view": self._store_view(call.params["view"], view_id=str(view_id))}

    async def _api_views_publish(self, call: Call) -> dict[str, Any]:
        user_id = str(call.params.get("user_id"))
        if user_id not in self.users:
            return {"ok": False, "error": "invalid_arguments"}
        error = _view_error(call.params.get("view"), "home")
        if error:
            return {"ok": False, "error": error}
        view = self._store_view(call.params["view"])
        self.homes[user_id] = view
        return {"ok": True, "view": view}

    async def _api_files_getUploadURLExternal(self, call: Call) -> dict[str, Any]:
        filename, length = call.params.get("filename"), call.params.get("length")
        if not filename or length is None:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {"filename": filename, "length": int(length), "content": None}
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        content = await request.read()
        self.calls.append(Call("upload", {"file_id": file_id, "length": len(content)}))
        await self._notify()
        if file_id not in self.files:
            return web.Response(status=404, text="not found")
        self.files[file_id]["content"] = content
        return web.Response(text=f"OK - {len(content)}")

    async def _api_files_completeUploadExternal(self, call: Call) -> dict[str, Any]:
        files = call.params.get("files")
        entries = json.loads(files) if isinstance(files, str) else files
        if not entries:
            return {"ok": False, "error": "invalid_arguments"}
        completed = []
        for entry in entries:
            stored = self.files.get(entry.get("id"))
            if stored is None or stored["content"] is None:
                return {"ok": False, "error": "file_not_found"}
            if len(stored["content"]) != stored["length"]:
                return {"ok": False, "error": "file_upload_size_mismatch"}
            stored.update(
                title=entry.get("title") or stored["filename"],
                channel=call.params.get("channel_id"),
                initial_comment=call.params.get("initial_comment"),
            )
            completed.append(
                {"id": entry["id"], "name": stored["filename"], "title": stored["title"], "size": stored["length"]}
            )
        return {"ok": True, "files": completed}

    async def _api_files_info(self, call: Call) -> dict[str, Any]:
        file_id = str(call.params.get("file"))
        if file_id not in self.files or self.files[file_id]["content"] is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": self._file_object(file_id)}

    async def _download(self, request: web.Request) -> web.Response:
        """A file's `url_private_download`: served only with the bot token, as Slack does."""
        file_id = request.match_info["file_id"].removeprefix(f"{TEAM_ID}-")
        self.calls.append(Call("download", {"file_id": file_id}, request.headers.get("Authorization")))
        await self._notify()
        stored = self.files.get(file_id)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.Response(status=403, text="not authorised")
        if stored is None or stored["content"] is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=stored["content"], content_type=stored.get("mime", "application/octet-stream"))

    def _file_object(self, file_id: str) -> dict[str, Any]:
        stored = self.files[file_id]
        name = stored["filename"]
        url = f"http://127.0.0.1:{self.port}/files-pri/{TEAM_ID}-{file_id}/{name}"
        return {
            "id": file_id,
            "name": name,
            "title": stored.get("title", name),
            "mimetype": stored.get("mime", "application/octet-stream"),
            "filetype": name.rsplit(".", 1)[-1].lower(),
            "size": stored["length"],
            "url_private": url,
            "url_private_download": url,
        }

    async def _respond(self, request: web.Request) -> web.Response:
        response_id = request.match_info["response_id"]
        body = await request.json()
        self.calls.append(Call("response_url", {"response_id": response_id, **body}))
        await self._notify()
        posted = self.responses.get(response_id)
        if posted is None:
            return web.Response(status=404, text="no_such_url")
        if len(posted) >= RESPONSE_URL_USES:
            return web.Response(status=404, text="used_url")
        posted.append(body)
        return web.Response(text="ok")

    def _use_trigger(self, trigger_id: object) -> str | None:
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            return "invalid_trigger_id"
        if trigger.used:
            return "exchanged_trigger_id"
        if self.clock() - trigger.issued > TRIGGER_SECONDS:
            return "expired_trigger_id"
        trigger.used = True
        return None

    def _message(self, params: Mapping[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": params.get("text", ""),
            "ts": self._next_ts(),
            "channel": params.get("channel"),
        }
        if params.get("blocks"):
            message["blocks"] = _decoded(params["blocks"])
        return message

    def _store_view(self, view: Any, *, view_id: str | None = None) -> dict[str, Any]:
        view = _decoded(view)
        view_id = view_id or f"V{next(self._ids):08d}"
        stored = {
            **view,
            "id": view_id,
            "team_id": TEAM_ID,
            "hash": f"{int(time.time())}.h{next(self._ids)}",
            "state": {"values": {}},
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        }
        self.views[view_id] = stored
        return stored


@dataclass(frozen=True)
class SlackRequest:
    """A request body as Slack sends it to an app (form-encoded or JSON), before signing."""

    body: str
    content_type: str

    def headers(
        self,
        secret: str = SIGNING_SECRET,
        *,
        timestamp: int | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> dict[str, str]:
        """Slack's headers for this body, signed with `secret` by slack_sdk's own algorithm."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=self.body)
        assert signature is not None
        headers = {
            "Content-Type": self.content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return headers

    @property
    def payload(self) -> dict[str, Any]:
        """The body as the app reads it (an interaction's `payload`, an event, a command's fields)."""
        if self.content_type == "application/json":
            return dict(json.loads(self.body))
        form = dict(parse_qsl(self.body))
        return dict(json.loads(form["payload"])) if "payload" in form else form


@dataclass(frozen=True)
class Answer:
    """What the app answered Slack: the HTTP status and the body (JSON when it is JSON)."""

    status: int
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


async def post(url: str, request: SlackRequest, headers: Mapping[str, str] | None = None) -> Answer:
    """POST `request` to the app at `url` as Slack does, signed with SIGNING_SECRET unless `headers` are given."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=request.body.encode(), headers=dict(headers or request.headers())) as response,
    ):
        return Answer(response.status, await response.text())


def state_values(view: Mapping[str, Any], answers: Mapping[str, str | None]) -> dict[str, Any]:
    """The `state.values` Slack sends when a person gives `answers` to the input blocks of `view`.

    A choice must be one of the element's options, as in Slack's menus; a field left out is left empty.
    """
    values: dict[str, Any] = {}
    inputs = {block["block_id"]: block for block in view.get("blocks", []) if block.get("type") == "input"}
    unknown = set(answers) - set(inputs)
    assert not unknown, f"the modal has no field {sorted(unknown)}"
    for block_id, block in inputs.items():
        element = block["element"]
        answer = answers.get(block_id)
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] in ("static_select", "radio_buttons"):
            options = {option["value"]: option for option in element["options"]}
            assert answer is None or answer in options, f"{answer!r} is not a choice of {block_id}: {sorted(options)}"
            state["selected_option"] = options[answer] if answer is not None else None
        else:
            state["value"] = answer
        values[block_id] = {element["action_id"]: state}
    return values


def _interaction(payload: Mapping[str, Any]) -> SlackRequest:
    return SlackRequest(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


async def _read_parameters(request: web.Request) -> dict[str, Any]:
    """A Web API call's parameters: JSON body, form body and query string, as Slack accepts all three."""
    params: dict[str, Any] = {}
    if request.content_type == "application/json":
        params = dict(await request.json())
    elif request.can_read_body:
        form = await request.post()
        params = {name: str(value) for name, value in form.items() if not isinstance(value, web.FileField)}
    params.update({name: value for name, value in request.query.items() if name not in params})
    return params


def _true(value: object) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


def _decoded(value: Any) -> Any:
    """A JSON-encoded parameter (blocks, view) sent as a form field, decoded; objects as they are."""
    return json.loads(value) if isinstance(value, str) else value


def _message_error(params: Mapping[str, Any]) -> str | None:
    """Slack's error for a chat.* call, or None: a channel, some content, blocks within Block Kit's limits."""
    if not params.get("channel"):
        return "channel_not_found"
    blocks = _decoded(params.get("blocks")) or []
    if not params.get("text") and not blocks:
        return "no_text"
    if len(str(params.get("text", ""))) > MESSAGE_TEXT:
        return "msg_too_long"
    if len(blocks) > MESSAGE_BLOCKS:
        return "invalid_blocks"
    return _blocks_error(blocks)


def _view_error(view: Any, kind: str) -> str | None:
    view = _decoded(view)
    if not isinstance(view, dict) or view.get("type") != kind:
        return "invalid_arguments"
    blocks = view.get("blocks", [])
    if len(blocks) > VIEW_BLOCKS or len(view.get("private_metadata", "")) > PRIVATE_METADATA:
        return "invalid_arguments"
    for key in ("title", "submit", "close"):
        if key in view and len(view[key].get("text", "")) > VIEW_TITLE:
            return "invalid_arguments"
    if kind == "modal" and "title" not in view:
        return "invalid_arguments"
    if kind == "modal" and "submit" not in view and any(b.get("type") == "input" for b in blocks):
        return "invalid_arguments"
    return _blocks_error(blocks)


def _blocks_error(blocks: list[dict[str, Any]]) -> str | None:
    """`invalid_blocks` when a section, a button or an id breaks Block Kit's rules, else None."""
    block_ids: set[str] = set()
    for block in blocks:
        # An action_id is unique within its block; a block_id within the message or view.
        action_ids: set[str] = set()
        if "block_id" in block:
            if block["block_id"] in block_ids:
                return "invalid_blocks"
            block_ids.add(block["block_id"])
        if block.get("type") == "section":
            text = block.get("text", {}).get("text", "")
            if not text or len(text) > SECTION_TEXT:
                return "invalid_blocks"
        elements = list(block.get("elements", []))
        if "element" in block:
            elements.append(block["element"])
        for element in elements:
            action_id = element.get("action_id")
            if action_id is not None:
                if action_id in action_ids:
                    return "invalid_blocks"
                action_ids.add(action_id)
            if element.get("type") == "button" and (
                not 0 < len(element["text"]["text"]) <= BUTTON_TEXT or len(element.get("value", "")) > BUTTON_VALUE
            ):
                return "invalid_blocks"
    return None
