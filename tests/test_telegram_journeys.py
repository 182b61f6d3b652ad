"""Whole journeys on Telegram: the real PTB Application against the fake Bot API over HTTP.

A Japanese contact joins by deep link, confirms and picks workshops with buttons; an
organiser creates an invite and exports a list (by getUpdates polling, end to end); a
group is subscribed while its chatter is ignored.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from handlers import build_router
from storage.models import ChannelSubscription, ChatUser, Collectivity, Workshop, WorkshopChoice
from tests.fake_telegram import BOT_USER, forbid_network, run
from tests.telegram_harness import methods, telegram_bot, texts

ORGANISER_ID = 9001
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}\b")
ROUTER = build_router()


def needs(*commands: str) -> pytest.MarkDecorator:
    """Skip a journey whose commands (`name` or `admin name`) are not written yet."""
    known = {*ROUTER.commands, *(f"admin {name}" for name in ROUTER.admin_commands)}
    missing = [c for c in commands if c not in known]
    return pytest.mark.skipif(bool(missing), reason=f"commands not available yet: {', '.join(missing)}")


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


@needs("join", "confirm", "choose", "status", "admin add", "admin invite")
def test_japanese_contact_joins_by_deep_link_confirms_and_picks_two_workshops_by_buttons(core):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            organiser = bot.person(ORGANISER_ID, "Orga", "fr")
            hikari = bot.person(7001, "Hikari", "ja")
            await organiser.send("/admin add Ville de Montclair-sur-Mer; 星空市; jp; city")
            invite = texts(await organiser.send("/admin invite 1"))
            code = CODE.search(invite).group(0)
            assert f"https://t.me/{BOT_USER['username']}?start={code}" in invite

            # Opening the link makes Telegram send "/start CODE".
            joined = await hikari.send(f"/start {code}")
            assert "星空市" in texts(joined)
            assert "cmd:confirm" in hikari.buttons()

            await hikari.tap("cmd:confirm")
            await hikari.tap("cf:size:1")
            await hikari.send("星野 光, 国際交流課長")
            for _ in range(20):  # one question per option, then the summary
                if "cf:ok" in hikari.buttons():
                    break
                await hikari.tap(next(a for a in hikari.buttons() if a.startswith("cf:opt:") and not a.endswith(":0")))
            await hikari.tap("cf:ok")

            menu = await hikari.send("/choose")
            assert methods(menu) == ["sendMessage"]
            first = await hikari.tap("ch:2")
            second = await hikari.tap("ch:3")
            # Each press is answered, then the same message is edited in place: no new messages.
            assert methods(first) == ["answerCallbackQuery", "editMessageText"]
            assert methods(second) == ["answerCallbackQuery", "editMessageText"]
            menu_id = str(menu[0].result["message_id"])
            assert first[1].params["message_id"] == second[1].params["message_id"] == menu_id
            assert "ch:2" not in str(first[1].params.get("reply_markup"))

            programme = await hikari.send("/programme")
            status = await hikari.send("/status")
            presses = len(bot.fake.calls_to("answerCallbackQuery"))
            return programme, status, presses

    programme, status, presses = run(journey())
    assert presses >= 5  # every button press was answered
    assert "2026年10月21日" in texts(programme)
    assert "星空市" in texts(status)
    with core.sessions() as session:
        collectivity = session.scalars(select(Collectivity)).one()
        assert collectivity.status == "confirmed"
        chosen = session.execute(
            select(WorkshopChoice.rank, Workshop.number)
            .join(Workshop, Workshop.id == WorkshopChoice.workshop_id)
            .where(WorkshopChoice.collectivity_id == collectivity.id)
            .order_by(WorkshopChoice.rank)
        ).all()
        assert [tuple(row) for row in chosen] == [(1, 2), (2, 3)]
        person = session.scalars(select(ChatUser).where(ChatUser.user_id == "7001")).one()
        assert (person.platform, person.private_chat_id) == ("telegram", "7001")


@needs("admin add", "admin invite", "admin export")
def test_organiser_creates_an_invite_and_exports_a_list_through_polling(core):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            fake = bot.fake
            organiser = fake.user(ORGANISER_ID, "Orga", "en")
            await bot.adapter.start_polling(timeout=5)
            await fake.push(fake.message(organiser, "/admin add Ville de Montclair-sur-Mer; 星空市; jp; city"))
            await fake.wait_for("sendMessage", 1)
            await fake.push(fake.message(organiser, "/admin invite 1 days=14 uses=2"))
            await fake.wait_for("sendMessage", 2)
            await fake.push(fake.message(organiser, "/admin export doc5"))
            documents = await fake.wait_for("sendDocument", 1)
            return fake.sent_texts(ORGANISER_ID), documents, fake.calls_to("getUpdates"), fake.calls

    sent, documents, polls, calls = run(journey())
    code = CODE.search(sent[1]).group(0)
    assert f"https://t.me/{BOT_USER['username']}?start={code}" in sent[1]
    name, content, mime = documents[0].files["document"]
    assert name.endswith(".xlsx")
    assert content.startswith(b"PK")  # an xlsx is a zip archive
    assert mime == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert int(documents[0].params["chat_id"]) == ORGANISER_ID
    # Polling started by removing any webhook, then confirmed each update with the next offset.
    assert "deleteWebhook" in [c.method for c in calls[: calls.index(polls[0]) + 1]]
    assert {int(p.params.get("offset", 0)) for p in polls} >= {2, 3, 4}


@needs("admin subscribe")
def test_a_group_is_subscribed_and_its_chatter_is_ignored(core):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            group = bot.fake.group(-1001234500001, "Comité de jumelage")
            organiser = bot.person(ORGANISER_ID, "Orga", "fr")
            member = bot.person(7002, "Mika", "ja")
            ignored = [
                *await member.send("Bonjour à tous !", chat=group),
                *await member.send("/help@some_other_bot", chat=group),
                *await member.send("/poll lunch?", chat=group),
            ]
            refused = await member.send("/admin subscribe", chat=group)
            subscribed = await organiser.send(f"/admin@{BOT_USER['username']} subscribe", chat=group)
            replied = await member.send("merci !", chat=group, reply_to=subscribed[0].result)
            programme = await member.send("/programme", chat=group)
            return ignored, refused, subscribed, replied, programme

    ignored, refused, subscribed, replied, programme = run(journey())
    assert ignored == []
    assert replied == []  # a reply to the bot that is no answer to a form is chatter too
    assert "organisateurs" in texts(refused) or "主催者" in texts(refused)
    assert int(subscribed[0].params["chat_id"]) == -1001234500001
    assert "rappels" in texts(subscribed)
    assert methods(programme) and {int(c.params["chat_id"]) for c in programme} == {-1001234500001}
    with core.sessions() as session:
        rows = session.scalars(select(ChannelSubscription)).all()
        assert [(r.platform, r.chat_id, r.subscribed_by) for r in rows] == [
            ("telegram", "-1001234500001", f"telegram:{ORGANISER_ID}")
        ]


def test_a_subscribed_group_keeps_its_subscription_when_it_becomes_a_supergroup(core):
    async def journey():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            group = {"id": -4001, "type": "group", "title": "Comité"}
            bot.fake.chats[-4001] = group
            organiser = bot.person(ORGANISER_ID, "Orga", "fr")
            await organiser.send("/admin subscribe", chat=group)
            update = bot.fake.message(organiser.user, "", chat=group)
            del update["message"]["text"]
            update["message"]["migrate_to_chat_id"] = -1004001
            await bot.feed(update)

    run(journey())
    with core.sessions() as session:
        assert session.scalars(select(ChannelSubscription.chat_id)).all() == ["-1004001"]
