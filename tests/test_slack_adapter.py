"""The Slack adapter over HTTP: the real Bolt app behind bot/http.py's server, signed requests, the fake Web API.

Commands, direct messages, mentions, buttons, modals, signatures and retries, ephemeral answers in
channels, files both ways, a channel subscribed, and the sender's three answers.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot import slack
from bot.slack import ChannelPacer
from contract.delivery import Failed, RetryAfter, Sent
from contract.messages import Attachment, Button, Recipient, Reply
from storage.models import ChannelSubscription, ChatUser, Collectivity, InboxUpdate
from tests.fake_slack import BOT_USER_ID
from tests.fake_telegram import forbid_network, run
from tests.slack_harness import said, slack_bot

ORGANISER = "U0ORGA"
GOOD_CSV = (
    "name_fr,name_ja,country,kind,status\n"
    "Ville de Sète,セート市,fr,commune,confirmed\n"
    "Kofu-shi,甲府市,jp,city,à l'étude\n"
).encode()


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def methods(calls) -> list[str]:
    return [call.method for call in calls]


def test_a_slash_command_in_a_dm_is_acknowledged_empty_and_answered_with_block_kit(core):
    async def scenario():
        async with slack_bot(core) as bot:
            alice = bot.person("U0ALICE", "Alice Martin", "fr-FR")
            answer, calls = await bot.send(bot.fake.slash_command("U0ALICE", "help"))
            return answer, calls, alice.dm

    answer, calls, dm = run(scenario())
    assert answer.status == 200 and answer.text == ""
    (posted,) = [call for call in calls if call.method == "chat.postMessage"]
    assert posted.params["channel"] == dm
    assert "/rencontres status" in said(calls) and "Voici ce que je peux faire" in said(calls)


def test_a_direct_message_and_a_mention_reach_the_core(core):
    async def scenario():
        async with slack_bot(core) as bot:
            bob = bot.person("U0BOB", "Bob", "en-US")
            written = await bob.write("/programme")
            mentioned = await bob.mention("deadlines")
            return written, mentioned

    written, mentioned = run(scenario())
    assert "chat.postMessage" in methods(written)
    (in_channel,) = [c for c in mentioned if c.method in ("chat.postMessage", "chat.postEphemeral")]
    # Deadlines name what a collectivity still owes: in a channel only the asker sees them.
    assert in_channel.method == "chat.postEphemeral"
    assert in_channel.params["channel"] == "C0GENERAL"
    assert "deadlines" in said(mentioned).lower()
    assert f"<@{BOT_USER_ID}>" not in said(mentioned)


def test_a_refusal_in_a_channel_is_ephemeral_for_the_asker_only(core):
    async def scenario():
        async with slack_bot(core) as bot:
            bot.person("U0CAROL", "Carol", "en-US")
            by_command = await bot.send(bot.fake.slash_command("U0CAROL", "confirm", channel_id="C0GENERAL"))
            by_mention = await bot.send(bot.fake.app_mention("U0CAROL", "status"))
            return by_command[1], by_mention[1]

    by_command, by_mention = run(scenario())
    (response,) = [c for c in by_command if c.method == "response_url"]
    assert response.params["response_type"] == "ephemeral"
    assert "chat.postMessage" not in methods(by_command) and "views.open" not in methods(by_command)
    (ephemeral,) = [c for c in by_mention if c.method == "chat.postEphemeral"]
    assert (ephemeral.params["channel"], ephemeral.params["user"]) == ("C0GENERAL", "U0CAROL")


def test_a_bad_signature_or_a_stale_timestamp_gets_401_and_reaches_nothing(core, snapshot):
    async def scenario():
        async with slack_bot(core) as bot:
            bot.person("U0EVE", "Eve", "en-US")
            before = snapshot()
            request = bot.fake.message_im("U0EVE", "/help")
            forged = await bot.send(request, request.headers("not-the-secret"))
            stale = await bot.send(request, request.headers(timestamp=int(time.time()) - 6 * 60))
            return before, forged, stale

    before, forged, stale = run(scenario())
    assert (forged[0].status, stale[0].status) == (401, 401)
    assert forged[1] == [] and stale[1] == []
    assert snapshot() == before


def test_a_retried_event_and_a_repeated_event_id_are_answered_once(core):
    async def scenario():
        async with slack_bot(core) as bot:
            bot.person("U0DAN", "Dan", "en-US")
            first = bot.fake.message_im("U0DAN", "/about")
            event_id = first.payload["event_id"]
            again = bot.fake.event(first.payload["event"], event_id=event_id)
            answers = [
                await bot.send(first),
                await bot.send(again, again.headers(retry_num=1)),
                await bot.send(again, again.headers(retry_num=2)),
            ]
            return answers, bot.fake.calls_to("chat.postMessage")

    answers, posted = run(scenario())
    assert [answer.status for answer, _ in answers] == [200, 200, 200]
    assert len(posted) == 1
    with core.sessions() as session:
        rows = session.scalars(select(InboxUpdate)).all()
    assert [(row.platform, row.status) for row in rows] == [("slack", "done")]


def test_an_organisers_csv_shared_with_the_bot_is_imported_and_an_export_uploaded(core):
    async def scenario():
        async with slack_bot(core, organisers=(ORGANISER,)) as bot:
            bot.person(ORGANISER, "Orga", "en-US")
            shared = (await bot.send(bot.fake.file_shared(ORGANISER, "collectivities.csv", GOOD_CSV, "text/csv")))[1]
            exported = (await bot.send(bot.fake.slash_command(ORGANISER, "admin export doc5")))[1]
            return shared, exported, bot.fake.files

    shared, exported, files = run(scenario())
    assert "download" in methods(shared)
    assert "Imported 2 collectivities." in said(shared)
    assert methods(exported)[-3:] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    uploaded = [f for f in files.values() if f.get("channel") and f["filename"].endswith(".xlsx")]
    assert uploaded and uploaded[0]["content"].startswith(b"PK")
    with core.sessions() as session:
        assert session.scalars(select(Collectivity.name_fr).order_by(Collectivity.id)).all() == [
            "Ville de Sète",
            "Kofu-shi",
        ]


def test_an_organiser_subscribes_a_slack_channel(core):
    async def scenario():
        async with slack_bot(core, organisers=(ORGANISER,)) as bot:
            bot.person(ORGANISER, "Orga", "en-US")
            request = bot.fake.slash_command(ORGANISER, "admin subscribe", channel_id="C0JUMELAGE")
            return (await bot.send(request))[1]

    calls = run(scenario())
    assert "This chat now receives the reminders and announcements" in said(calls)
    with core.sessions() as session:
        (subscription,) = session.scalars(select(ChannelSubscription)).all()
    assert (subscription.platform, subscription.chat_id) == ("slack", "C0JUMELAGE")


def test_the_sender_answers_sent_retry_after_or_failed(core):
    async def scenario():
        async with slack_bot(core) as bot:
            bot.person("U0FRED", "Fred", "fr-FR")
            sender = bot.adapter.sender
            reply = Reply("Rappel : 3 jours", buttons=((Button("Statut", "cmd:status"),),))
            sent = await sender.deliver(Recipient.person("slack", "U0FRED"), reply)
            bot.fake.rate_limit_next("chat.postMessage", retry_after=7)
            limited = await sender.deliver(Recipient.chat("slack", "C0JUMELAGE"), reply)
            bot.fake.fail_next("chat.postMessage", "channel_not_found")
            gone = await sender.deliver(Recipient.chat("slack", "C0GONE"), reply)
            bot.fake.fail_next("chat.postMessage", "not_in_channel")
            outside = await sender.deliver(Recipient.chat("slack", "C0OTHER"), reply)
            nobody = await sender.deliver(Recipient.person("slack", "U0NOBODY"), reply)
            filed = await sender.deliver(
                Recipient.chat("slack", "C0JUMELAGE"),
                Reply("", attachment=Attachment("a.ics", b"BEGIN", "text/calendar")),
            )
            return sent, limited, gone, outside, nobody, filed, bot.fake.dm("U0FRED")

    sent, limited, gone, outside, nobody, filed, dm = run(scenario())
    assert isinstance(sent, Sent) and sent.message_id
    assert limited == RetryAfter(7.0, "ratelimited")
    assert gone == Failed("chat-gone", "channel_not_found")
    assert outside == Failed("not-member", "not_in_channel")
    assert nobody == Failed("chat-gone", "user_not_found")
    assert isinstance(filed, Sent) and filed.message_id.startswith("F")
    assert dm.startswith("D")
    with core.sessions() as session:
        gone_person = session.scalars(select(ChatUser).where(ChatUser.user_id == "U0NOBODY")).one_or_none()
    assert gone_person is None or gone_person.unreachable_since is not None


def test_answers_wait_out_one_rate_limit_and_are_sent(core):
    async def scenario():
        async with slack_bot(core) as bot:
            bot.person("U0GIL", "Gil", "en-US")
            bot.fake.rate_limit_next("chat.postMessage", retry_after=0)
            return (await bot.send(bot.fake.slash_command("U0GIL", "about")))[1]

    calls = run(scenario())
    posts = [c for c in calls if c.method == "chat.postMessage"]
    assert [c.result["ok"] for c in posts] == [False, True]


def test_the_pacer_keeps_one_second_between_messages_of_a_channel():
    now = [100.0]
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    async def scenario():
        pacer = ChannelPacer(1.0, clock=lambda: now[0], sleep=sleep)
        await pacer.wait("C1")
        await pacer.wait("C1")
        await pacer.wait("C2")
        await pacer.wait("C1")
        now[0] += 5
        await pacer.wait("C1")

    run(scenario())
    assert waited == [1.0, 2.0]


def test_a_submission_slower_than_slacks_deadline_closes_the_modal_and_posts_the_errors(core, monkeypatch):
    # With no time at all for the core, the late path is taken every time: deterministic, no sleeping.
    monkeypatch.setattr(slack, "SUBMISSION_SECONDS", 0)

    async def scenario():
        async with slack_bot(core, organisers=(ORGANISER,)) as bot:
            organiser = bot.person(ORGANISER, "Orga", "en-US")
            contact = bot.person("U0HANA", "Hana", "en-US")
            await organiser.command("admin add Ville de Sète; セート市; fr; commune")
            code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", said(await organiser.command("admin invite 1")))
            await contact.command(f"join {code.group(0)}")
            await contact.command("confirm")
            view = contact.modal()
            options = {
                block["block_id"]: "no" if block["element"]["type"] == "radio_buttons" else "0"
                for block in view["blocks"]
                if block["block_id"].startswith("options.")
            }
            return await contact.submit({"people": "", **options}), contact.dm

    (answer, calls), dm = run(scenario())
    assert answer.status == 200 and answer.text == ""
    (posted,) = [c for c in calls if c.method == "chat.postMessage"]
    assert posted.params["channel"] == dm
    assert "Some answers need correcting; nothing was saved." in said(calls)


def test_socket_mode_serves_no_http_route_and_http_mode_serves_slack_events(core):
    socket_settings = replace(core.settings, slack_bot_token="xoxb-t", slack_app_token="xapp-t")
    http_settings = replace(core.settings, slack_bot_token="xoxb-t", slack_signing_secret="s")

    core.settings = socket_settings
    in_socket_mode = slack.SlackAdapter(core)
    core.settings = http_settings
    in_http_mode = slack.SlackAdapter(core)

    assert in_socket_mode.socket_mode and in_socket_mode.routes() == []
    assert [route.path for route in in_http_mode.routes()] == [slack.SLACK_EVENTS_PATH]  # type: ignore[attr-defined]


def test_a_pressed_button_edits_its_message_and_a_press_in_an_ephemeral_replaces_it(core):
    async def scenario():
        async with slack_bot(core, organisers=(ORGANISER,)) as bot:
            organiser = bot.person(ORGANISER, "Orga", "en-US")
            await organiser.command("admin add Ville de Sète; セート市; fr; commune")
            await organiser.command("admin remove 1")
            kept = await organiser.press("admrm:keep")
            response_url = bot.fake.response_url()
            incoming = await bot.adapter.incoming(ORGANISER, "C0GENERAL")
            origin = slack.Origin(response_url=response_url, ephemeral=True)
            await bot.adapter.show(incoming, Reply("Nothing was removed.", edit=True), origin)
            return kept, bot.fake.responses_to(response_url)

    kept, replaced = run(scenario())
    assert [c.method for c in kept if c.method.startswith("chat.")] == ["chat.update"]
    assert "Nothing was removed." in said(kept)
    assert [(r["replace_original"], r["blocks"][0]["text"]["text"]) for r in replaced] == [
        (True, "Nothing was removed.")
    ]


def test_a_command_in_a_channel_the_bot_is_not_in_is_answered_through_its_response_url(core):
    async def scenario():
        async with slack_bot(core) as bot:
            bot.person("U0JO", "Jo", "en-US")
            bot.fake.fail_next("chat.postMessage", "not_in_channel")
            return (await bot.send(bot.fake.slash_command("U0JO", "about", channel_id="C0ELSEWHERE")))[1]

    calls = run(scenario())
    (response,) = [c for c in calls if c.method == "response_url"]
    assert response.params["response_type"] == "in_channel"
    assert said([response])


def test_an_app_home_changed_several_times_before_it_is_published_again_is_published_once(core):
    async def scenario() -> tuple[int, str]:
        async with slack_bot(core) as bot:
            bot.person("U0CAMILLE", "Camille Durand", locale="en-US")
            before = len(bot.fake.calls_to("views.publish"))
            for _ in range(3):
                # What the core calls after three committed changes in Camille's collectivity.
                bot.adapter.people_changed([("slack", "U0CAMILLE")])
            await asyncio.sleep(0)  # a turn of the loop: the changes reach it (call_soon_threadsafe)
            await bot.adapter.settled()
            published = bot.fake.calls_to("views.publish")[before:]
            return len(published), str(published[-1].params["user_id"])

    count, user = run(scenario())
    assert (count, user) == (1, "U0CAMILLE")
