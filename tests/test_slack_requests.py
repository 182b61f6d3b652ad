"""The fake's signed requests are what the real Bolt app reads, and Block Kit from bot/slack_blocks round-trips.

A small Bolt AsyncApp (not the adapter) is mounted on aiohttp with slack_bolt.adapter.aiohttp, its Web API
client pointed at the fake: what it receives proves the builders, what the fake records proves the rendering.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_blocks import (
    BUTTON_ACTION_ID,
    MODAL_CALLBACK_ID,
    button_action,
    errors_response,
    home_view,
    modal_view,
    render_reply,
    submission_from_view,
)
from contract.messages import Button, ChoiceView, FieldView, FormView, Reply, Submission
from tests.fake_slack import SIGNING_SECRET, TOKEN, FakeSlack, post
from tests.fake_telegram import forbid_network, run

FORM = FormView(
    form="choose",
    title="Ateliers",
    submit="Envoyer",
    context="annecy",
    fields=(
        FieldView(
            "first", "choice", "Premier choix", choices=(ChoiceView("1", "Innovation"), ChoiceView("2", "Tourisme"))
        ),
        FieldView(
            "second", "choice", "Second choix", choices=(ChoiceView("1", "Innovation"), ChoiceView("2", "Tourisme"))
        ),
    ),
)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


@dataclass
class Seen:
    """What the Bolt app's listeners received."""

    commands: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    retries: list[str | None] = field(default_factory=list)


def bolt_app(fake: FakeSlack, seen: Seen) -> AsyncApp:
    app = AsyncApp(
        token=TOKEN, signing_secret=SIGNING_SECRET, client=AsyncWebClient(token=TOKEN, base_url=fake.api_url)
    )

    @app.command("/rencontres")
    async def command(ack: Any, command: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
        seen.commands.append(command["text"])
        await ack()
        if command["text"] == "choose":
            await client.views_open(trigger_id=command["trigger_id"], view=modal_view(FORM))
        else:
            await respond(response_type="ephemeral", **render_reply(Reply(f"Reçu : {command['text']}"))[0].arguments())

    @app.event("message")
    async def direct_message(event: dict[str, Any], say: Any, request: Any) -> None:
        seen.retries.append(request.headers.get("x-slack-retry-num", [None])[0])
        reply = Reply(event["text"], buttons=((Button("Oui", "confirm:yes"), Button("Non", "confirm:no")),))
        for message in render_reply(reply):
            await say(**message.arguments())

    @app.event("app_mention")
    async def mention(event: dict[str, Any], say: Any) -> None:
        await say(text=f"mention {event['text']}")

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        status = "\n".join(f"Échéance {n} : 2026-09-{n % 28 + 1:02d}" for n in range(400))
        await client.views_publish(user_id=event["user"], view=home_view(Reply(status)))

    @app.action(BUTTON_ACTION_ID)
    async def pressed(ack: Any, body: dict[str, Any]) -> None:
        seen.actions.append(button_action(body["actions"][0]))
        await ack()

    @app.view(MODAL_CALLBACK_ID)
    async def submitted(ack: Any, view: dict[str, Any]) -> None:
        submission = submission_from_view(view)
        if submission.values["first"] == submission.values["second"]:
            await ack(**errors_response({"second": "Deux ateliers différents, s'il vous plaît."}, view))
            return
        seen.submissions.append(submission)
        await ack()

    return app


@asynccontextmanager
async def served(app: AsyncApp) -> AsyncIterator[str]:
    """The Bolt app on /slack/events of a loopback aiohttp server; yields the URL."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    server = web.Application()
    server.router.add_post("/slack/events", events)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()


def test_a_slash_command_is_acknowledged_and_answered_on_its_response_url():
    async def body() -> None:
        seen = Seen()
        async with FakeSlack() as fake, served(bolt_app(fake, seen)) as url:
            request = fake.slash_command("U0ALICE", "status")
            answer = await post(url, request)
            (response,) = await fake.wait_for("response_url")

            assert answer.status == 200
            assert seen.commands == ["status"]
            assert response.params["response_id"] == request.payload["response_url"].rsplit("/", 1)[1]
            assert response.params["response_type"] == "ephemeral"
            assert response.params["blocks"][0]["text"]["text"] == "Reçu : status"

    run(body())


def test_a_direct_message_gets_block_kit_buttons_that_come_back_as_the_action():
    async def body() -> None:
        seen = Seen()
        async with FakeSlack() as fake, served(bolt_app(fake, seen)) as url:
            await post(url, fake.message_im("U0ALICE", "Confirmer ?"))
            (call,) = await fake.wait_for("chat.postMessage")
            message = call.result["message"]
            no = message["blocks"][1]["elements"][1]["action_id"]
            answer = await post(url, fake.block_action("U0ALICE", message, no))

            assert fake.posted_texts(fake.dm("U0ALICE")) == ["Confirmer ?"]
            assert answer.status == 200
            assert seen.actions == ["confirm:no"]

    run(body())


def test_a_mention_in_a_channel_reaches_the_app_with_the_bots_mention():
    async def body() -> None:
        async with FakeSlack() as fake, served(bolt_app(fake, Seen())) as url:
            await post(url, fake.app_mention("U0ALICE", "aide"))
            await fake.wait_for("chat.postMessage")

            assert fake.posted_texts("C0GENERAL") == ["mention <@U0BOT> aide"]

    run(body())


def test_a_modal_opened_from_the_command_shows_errors_then_gives_the_submission():
    async def body() -> None:
        seen = Seen()
        async with FakeSlack() as fake, served(bolt_app(fake, seen)) as url:
            await post(url, fake.slash_command("U0ALICE", "choose"))
            (opened,) = await fake.wait_for("views.open")
            view = opened.result["view"]
            refused = await post(url, fake.view_submission("U0ALICE", view, {"first": "1", "second": "1"}))
            accepted = await post(url, fake.view_submission("U0ALICE", view, {"first": "1", "second": "2"}))

            assert opened.result["ok"]
            assert refused.json == {
                "response_action": "errors",
                "errors": {"second": "Deux ateliers différents, s'il vous plaît."},
            }
            assert accepted.status == 200 and not accepted.text
            assert seen.submissions == [Submission("choose", {"first": "1", "second": "2"}, "annecy")]

    run(body())


def test_opening_the_app_home_publishes_a_long_status_within_slacks_limits():
    async def body() -> None:
        async with FakeSlack() as fake, served(bolt_app(fake, Seen())) as url:
            fake.add_user("U0ALICE", "Alice Martin")
            await post(url, fake.app_home_opened("U0ALICE"))
            (published,) = await fake.wait_for("views.publish")

            assert published.result["ok"], published.result
            assert fake.homes["U0ALICE"]["blocks"][0]["text"]["text"].startswith("Échéance 0 : 2026-09-01")

    run(body())


def test_saving_the_request_url_gets_the_challenge_back():
    async def body() -> None:
        async with FakeSlack() as fake, served(bolt_app(fake, Seen())) as url:
            answer = await post(url, fake.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))

            assert answer.status == 200
            assert answer.json == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}

    run(body())


def test_a_bad_signature_or_a_stale_timestamp_is_refused_before_any_listener():
    async def body() -> None:
        seen = Seen()
        async with FakeSlack() as fake, served(bolt_app(fake, seen)) as url:
            request = fake.slash_command("U0ALICE", "status")
            forged = await post(url, request, request.headers("not-the-secret"))
            stale = await post(url, request, request.headers(timestamp=int(time.time()) - 6 * 60))
            fresh = await post(url, request, request.headers(timestamp=int(time.time()) - 4 * 60))

            assert (forged.status, stale.status, fresh.status) == (401, 401, 200)
            assert seen.commands == ["status"]

    run(body())


def test_a_retried_event_carries_slacks_retry_header_and_the_same_event_id():
    async def body() -> None:
        seen = Seen()
        async with FakeSlack() as fake, served(bolt_app(fake, seen)) as url:
            first = fake.message_im("U0ALICE", "Bonjour")
            event_id = first.payload["event_id"]
            retried = fake.event(first.payload["event"], event_id=event_id)
            await post(url, first)
            await post(url, retried, retried.headers(retry_num=1))
            await fake.wait_for("chat.postMessage", 2)

            assert retried.payload["event_id"] == event_id
            assert sorted(seen.retries, key=str) == ["1", None]

    run(body())


def test_a_button_in_an_ephemeral_message_is_pressed_without_the_message():
    async def body() -> None:
        seen = Seen()
        async with FakeSlack() as fake, served(bolt_app(fake, seen)) as url:
            (message,) = render_reply(Reply("Votre statut", buttons=((Button("Détails", "status:details"),),)))
            await AsyncWebClient(token=TOKEN, base_url=fake.api_url).chat_postEphemeral(
                channel="C0GENERAL", user="U0ALICE", **message.arguments()
            )
            (shown,) = fake.ephemerals
            request = fake.block_action("U0ALICE", shown, shown["blocks"][1]["elements"][0]["action_id"])
            answer = await post(url, request)

            assert answer.status == 200
            assert seen.actions == ["status:details"]
            assert request.payload["container"]["is_ephemeral"] and "message" not in request.payload

    run(body())
