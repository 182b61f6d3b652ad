"""The fake Slack Web API answers the real slack_sdk client as Slack does (so adapter tests can trust it)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_async_handlers
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack_blocks import upload_arguments
from contract.messages import Attachment
from tests.fake_slack import TOKEN, FakeSlack
from tests.fake_telegram import forbid_network, run


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


class Clock:
    """The fake's clock for trigger_id expiry, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client(fake: FakeSlack, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.api_url, **kwargs)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "plain_text", "text": text}}


def test_messages_are_recorded_updated_and_ephemeral_ones_kept_apart():
    async def body() -> None:
        async with FakeSlack() as fake:
            web = client(fake)
            posted = await web.chat_postMessage(channel="C0GENERAL", text="Bonjour", blocks=[section("Bonjour")])
            await web.chat_update(channel="C0GENERAL", ts=posted["ts"], text="Bonsoir", blocks=[section("Bonsoir")])
            await web.chat_postEphemeral(channel="C0GENERAL", user="U0ALICE", text="Rien que pour vous")
            with pytest.raises(SlackApiError) as missing:
                await web.chat_update(channel="C0GENERAL", ts="1.000001", text="?")

            assert fake.posted_texts("C0GENERAL") == ["Bonjour"]
            assert fake.messages[("C0GENERAL", posted["ts"])]["blocks"] == [section("Bonsoir")]
            assert [(m["user"], m["text"]) for m in fake.ephemerals] == [("U0ALICE", "Rien que pour vous")]
            assert missing.value.response["error"] == "message_not_found"

    run(body())


def test_a_wrong_token_and_blocks_over_slacks_limits_are_refused():
    async def body() -> None:
        async with FakeSlack() as fake:
            with pytest.raises(SlackApiError) as unauthorised:
                await AsyncWebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
            with pytest.raises(SlackApiError) as too_many:
                await client(fake).chat_postMessage(channel="C1", text="x", blocks=[section("x")] * 51)
            with pytest.raises(SlackApiError) as too_long:
                await client(fake).chat_postMessage(channel="C1", text="x", blocks=[section("x" * 3001)])
            button = {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "y" * 76}}
            with pytest.raises(SlackApiError) as label:
                await client(fake).chat_postMessage(
                    channel="C1", text="x", blocks=[{"type": "actions", "elements": [button]}]
                )
            answer = await client(fake).auth_test()

            assert unauthorised.value.response["error"] == "invalid_auth"
            assert {too_many.value.response["error"], too_long.value.response["error"]} == {"invalid_blocks"}
            assert label.value.response["error"] == "invalid_blocks"
            assert answer["user_id"] == "U0BOT"
            assert fake.posted_texts() == []

    run(body())


def test_users_info_reports_the_locale_only_when_asked_and_a_dm_channel_is_opened_once():
    async def body() -> None:
        async with FakeSlack() as fake:
            fake.add_user("U0HANAKO", "Hanako Sato", locale="ja-JP", tz="Asia/Tokyo")
            web = client(fake)
            with_locale = await web.users_info(user="U0HANAKO", include_locale=True)
            without = await web.users_info(user="U0HANAKO")
            first = await web.conversations_open(users="U0HANAKO")
            second = await web.conversations_open(users="U0HANAKO")
            with pytest.raises(SlackApiError) as unknown:
                await web.users_info(user="U0NOBODY")

            assert with_locale["user"]["locale"] == "ja-JP"
            assert "locale" not in without["user"]
            assert first["channel"]["id"] == second["channel"]["id"] == fake.dms["U0HANAKO"]
            assert unknown.value.response["error"] == "user_not_found"

    run(body())


def test_files_upload_v2_goes_through_the_three_steps_and_the_file_arrives_whole():
    async def body() -> None:
        async with FakeSlack() as fake:
            content = "collectivité;délégués\nAnnecy;3\n".encode()
            sent = await client(fake).files_upload_v2(
                channel="D0DM", filename="inscriptions.csv", content=content, initial_comment="L'export"
            )

            steps = [call.method for call in fake.calls]
            (stored,) = fake.files.values()
            assert steps == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
            assert stored["content"] == content
            assert (stored["filename"], stored["channel"], stored["initial_comment"]) == (
                "inscriptions.csv",
                "D0DM",
                "L'export",
            )
            assert sent["file"]["name"] == "inscriptions.csv"

    run(body())


def test_a_replys_attachment_is_uploaded_with_its_name_and_escaped_comment():
    async def body() -> None:
        async with FakeSlack() as fake:
            calendar = Attachment("agenda-annecy.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
            await client(fake).files_upload_v2(channel="D0DM", **upload_arguments(calendar, comment="Annecy & Kōchi"))

            (stored,) = fake.files.values()
            assert (stored["filename"], stored["title"], stored["content"]) == (
                "agenda-annecy.ics",
                "agenda-annecy.ics",
                calendar.content,
            )
            assert stored["initial_comment"] == "Annecy &amp; Kōchi"

    run(body())


def test_a_trigger_id_opens_one_modal_within_three_seconds():
    async def body() -> None:
        clock = Clock()
        async with FakeSlack(clock=clock) as fake:
            web = client(fake)
            modal = {"type": "modal", "title": {"type": "plain_text", "text": "Confirmer"}, "blocks": [section("?")]}
            fresh, late = fake.trigger_id(), fake.trigger_id()
            opened = await web.views_open(trigger_id=fresh, view=modal)
            with pytest.raises(SlackApiError) as reused:
                await web.views_open(trigger_id=fresh, view=modal)
            clock.now += 3.5
            with pytest.raises(SlackApiError) as expired:
                await web.views_open(trigger_id=late, view=modal)
            view_id = opened["view"]["id"]
            updated = await web.views_update(view_id=view_id, hash=opened["view"]["hash"], view=modal)
            with pytest.raises(SlackApiError) as stale:
                await web.views_update(view_id=view_id, hash=opened["view"]["hash"], view=modal)

            assert reused.value.response["error"] == "exchanged_trigger_id"
            assert expired.value.response["error"] == "expired_trigger_id"
            assert updated["view"]["id"] == view_id
            assert stale.value.response["error"] == "hash_conflict"
            assert list(fake.views) == [view_id]

    run(body())


def test_the_app_home_is_published_per_person():
    async def body() -> None:
        async with FakeSlack() as fake:
            fake.add_user("U0ALICE", "Alice Martin")
            home = {"type": "home", "blocks": [section("Annecy : 2 délégués")]}
            await client(fake).views_publish(user_id="U0ALICE", view=home)
            with pytest.raises(SlackApiError) as unknown:
                await client(fake).views_publish(user_id="U0NOBODY", view=home)

            assert fake.homes["U0ALICE"]["blocks"] == home["blocks"]
            assert unknown.value.response["error"] == "invalid_arguments"

    run(body())


def test_a_response_url_records_what_is_posted_to_it():
    async def body() -> None:
        async with FakeSlack() as fake:
            url = fake.response_url()
            answer = await AsyncWebhookClient(url).send(text="Seulement pour vous", response_type="ephemeral")

            assert answer.status_code == 200
            assert fake.responses_to(url) == [{"text": "Seulement pour vous", "response_type": "ephemeral"}]

    run(body())


def test_a_429_is_an_error_without_a_retry_handler():
    async def body() -> None:
        async with FakeSlack() as fake:
            fake.rate_limit_next("chat.postMessage", retry_after=7)
            with pytest.raises(SlackApiError) as limited:
                await client(fake).chat_postMessage(channel="C1", text="Rappel")

            assert limited.value.response.status_code == 429
            assert limited.value.response.headers["Retry-After"] == "7"
            assert fake.posted_texts() == []

    run(body())


def test_the_rate_limit_retry_handler_waits_out_retry_after_and_sends_once(monkeypatch):
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    # The handler's own wait is recorded instead of slept; everything else is real.
    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=sleep))

    async def body() -> None:
        async with FakeSlack() as fake:
            fake.rate_limit_next("chat.postMessage", retry_after=7)
            web = client(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
            posted = await web.chat_postMessage(channel="C1", text="Rappel")

            assert posted["ok"]
            assert [call.result["ok"] for call in fake.calls_to("chat.postMessage")] == [False, True]
            assert fake.posted_texts() == ["Rappel"]
            assert len(waited) == 1 and 7 <= waited[0] < 8

    run(body())


def test_a_file_shared_with_the_bot_is_downloaded_with_the_bot_token_only():
    async def body() -> None:
        async with FakeSlack() as fake:
            content = "nom;pays\nAnnecy;FR\nKōchi;JP\n".encode()
            shared = fake.file_shared("U0ORGA", "collectivites.csv", content, "text/csv")
            (file,) = shared.payload["event"]["files"]
            info = await client(fake).files_info(file=file["id"])
            async with aiohttp.ClientSession() as session:
                async with session.get(
                    file["url_private_download"], headers={"Authorization": f"Bearer {TOKEN}"}
                ) as ok:
                    downloaded = await ok.read()
                async with session.get(file["url_private_download"]) as anonymous:
                    refused = anonymous.status

            assert shared.payload["event"]["subtype"] == "file_share"
            assert (file["name"], file["mimetype"], file["size"]) == ("collectivites.csv", "text/csv", len(content))
            assert info["file"]["url_private_download"] == file["url_private_download"]
            assert downloaded == content
            assert refused == 403

    run(body())
