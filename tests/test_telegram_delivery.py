"""How replies reach Telegram: flood control, blocked people, long texts, files, edits, menus."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from bot.telegram import MAX_TEXT, file_url_for, split_text, utf16_len
from contract.delivery import Failed, Sent
from contract.messages import Attachment, Button, Recipient, Reply
from handlers import build_router
from locales import Translator
from storage.models import ChatUser
from tests.fake_telegram import BOT_USER, forbid_network, run
from tests.telegram_harness import methods, telegram_bot, texts

ADMIN_COMMANDS = set(build_router().admin_commands)

ORGANISER_ID = 9001
HIKARI = Recipient.chat("telegram", "7001")


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def test_a_429_is_waited_out_for_retry_after_and_not_retried_early(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            bot.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            await bot.person(7001, "Hikari", "ja").send("/help")
            return bot.fake.calls_to("sendMessage")

    attempts = run(scenario())
    assert len(attempts) == 2  # refused once, then accepted: sent exactly once
    assert attempts[1].at - attempts[0].at >= 1.0
    assert attempts[0].params["text"] == attempts[1].params["text"]


def test_a_person_who_blocked_the_bot_is_marked_unreachable_and_not_retried(core, clock):
    async def scenario():
        async with telegram_bot(core) as bot:
            hikari = bot.person(7001, "Hikari", "ja")
            await hikari.send("/help")
            bot.fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
            calls = await hikari.send("/about")
            return calls

    calls = run(scenario())
    assert methods(calls) == ["sendMessage"]
    with core.sessions() as session:
        person = session.scalars(select(ChatUser).where(ChatUser.user_id == "7001")).one()
        assert person.unreachable_since == clock.now()


def test_blocking_and_unblocking_the_bot_is_recorded(core, clock):
    async def scenario():
        async with telegram_bot(core) as bot:
            hikari = bot.person(7001, "Hikari", "ja")
            await hikari.send("/help")
            states = []
            for blocked in (True, False):
                await bot.feed(bot.fake.blocked_by(hikari.user, blocked=blocked))
                with core.sessions() as session:
                    states.append(session.scalars(select(ChatUser.unreachable_since)).one())
            return states

    assert run(scenario()) == [clock.now(), None]


def test_a_missing_chat_is_logged_and_nothing_crashes(core, caplog):
    async def scenario():
        async with telegram_bot(core) as bot:
            bot.fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
            delivered = await bot.adapter.deliver(Recipient.chat("telegram", "-100999"), Reply("Rappel"))
            after = await bot.person(7001, "Hikari", "ja").send("/help")
            return delivered, after

    with caplog.at_level(logging.WARNING, logger="bot.telegram"):
        delivered, after = run(scenario())
    assert delivered == Failed("chat-gone", "Chat not found")
    assert "-100999 not found" in caplog.text
    assert methods(after) == ["sendMessage"]


def test_a_long_answer_is_split_under_4096_at_line_ends_with_the_buttons_last(core):
    lines = [f"{n:04d} 分科会のご案内 — une ligne de programme assez longue pour remplir 🇯🇵" for n in range(200)]
    long_text = "\n".join(lines)

    async def scenario():
        async with telegram_bot(core) as bot:
            reply = Reply(long_text, buttons=((Button("OK", "cmd:status"),),))
            await bot.adapter.deliver(HIKARI, reply)
            return bot.fake.calls_to("sendMessage")

    sent = run(scenario())
    assert len(sent) > 1
    assert all(utf16_len(call.params["text"]) <= MAX_TEXT for call in sent)
    assert "\n".join(call.params["text"] for call in sent) == long_text
    assert [("reply_markup" in call.params) for call in sent] == [False] * (len(sent) - 1) + [True]


def test_split_text_counts_like_telegram_and_cuts_an_overlong_line_at_spaces():
    assert split_text("") == []
    assert split_text("\n\n") == []
    assert split_text("a\nb", limit=3) == ["a\nb"]
    assert split_text("aa\nbb", limit=3) == ["aa", "bb"]
    assert split_text("🇯🇵🇯🇵", limit=4) == ["🇯🇵", "🇯🇵"]  # each flag is four UTF-16 units
    words = " ".join(["mot"] * 50)
    pieces = split_text(words, limit=20)
    assert all(utf16_len(p) <= 20 for p in pieces)
    assert " ".join(pieces) == words


def test_files_arrive_as_documents_or_photos_with_the_text_as_caption(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            sheet = Attachment("doc5.csv", b"a;b\n1;2\n", "text/csv")
            chart = Attachment("stats.png", b"\x89PNG\r\n\x1a\nfake", "image/png", kind="image")
            delivered = [
                await bot.adapter.deliver(HIKARI, Reply("Doc 5", attachment=sheet)),
                await bot.adapter.deliver(HIKARI, Reply("x" * 2000, attachment=chart)),
            ]
            assert all(isinstance(d, Sent) for d in delivered)
            return bot.fake.calls

    calls = run(scenario())
    sent = [c for c in calls if c.method in ("sendDocument", "sendPhoto", "sendMessage")]
    assert methods(sent) == ["sendDocument", "sendMessage", "sendPhoto"]
    assert sent[0].files["document"] == ("doc5.csv", b"a;b\n1;2\n", "text/csv")
    assert sent[0].params["caption"] == "Doc 5"
    assert sent[1].params["text"] == "x" * 2000  # too long for a caption: sent before the file
    assert sent[2].files["photo"][0] == "stats.png"
    assert "caption" not in sent[2].params


def test_a_button_on_a_message_that_cannot_be_edited_gets_a_new_message(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            hikari = bot.person(7001, "Hikari", "ja")
            await hikari.send("/lang")
            # A message Telegram no longer lets the bot edit (too old, or deleted).
            gone = {"message_id": 1, "date": 0, "chat": bot.fake.chats[7001], "from": BOT_USER, "text": "?"}
            moved = await bot.feed(bot.fake.press(hikari.user, gone, "lang:en"))
            # The same button pressed twice: the message already says it, nothing new is sent.
            first = await hikari.tap("lang:fr")
            twice = await bot.feed(bot.fake.press(hikari.user, first[1].result, "lang:fr"))
            return moved, first, twice

    moved, first, twice = run(scenario())
    assert methods(moved) == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    assert "English" in texts(moved)
    assert methods(first) == ["answerCallbackQuery", "editMessageText"]
    assert methods(twice) == ["answerCallbackQuery", "editMessageText"]


def test_the_command_menu_is_set_per_language_and_organisers_also_see_admin(core):
    async def scenario():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            return bot.fake.menus

    menus = run(scenario())
    default = '{"type": "default"}'
    organiser = json.dumps({"chat_id": ORGANISER_ID, "type": "chat"}, sort_keys=True)
    assert {(default, None), (default, "fr"), (default, "ja"), (default, "en")} <= set(menus)
    assert {(organiser, lang) for lang in (None, "fr", "ja", "en")} <= set(menus)
    for lang in ("fr", "ja", "en"):
        public = {c["command"]: c["description"] for c in menus[(default, lang)]}
        assert public["help"] == Translator(lang).gettext("what I can do")
        assert "admin" not in public
        admin = {c["command"]: c["description"] for c in menus[(organiser, lang)]}
        assert admin["admin"].startswith(Translator(lang).gettext("the organisers' commands"))
        # Its subcommands, as many as fit, each whole: "…, list, import, …".
        assert ", list, " in admin["admin"] and len(admin["admin"]) <= 256
        listed = admin["admin"].split(": ", 1)[1].removesuffix("…").split(", ")
        assert listed and set(listed) <= ADMIN_COMMANDS
    assert menus[(default, None)] == menus[(default, "fr")]  # other languages get French, the bot's default


def test_an_organiser_named_in_chat_gets_the_admin_menu_without_a_restart(core):
    newcomer_id = 4321
    scope = json.dumps({"chat_id": newcomer_id, "type": "chat"}, sort_keys=True)

    async def scenario():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            before = set(bot.fake.menus)
            calls = len(bot.fake.calls_to("setMyCommands"))
            await bot.person(ORGANISER_ID, "Camille", "fr").send(f"/admin grant telegram:{newcomer_id}")
            # The menus are published again in the background: wait for that round, no fixed sleep.
            # Per language: default, private chats, groups, and the two organisers.
            await bot.fake.wait_for("setMyCommands", calls + 4 * 5)
            return before, set(bot.fake.menus)

    before, after = run(scenario())
    assert not any(key[0] == scope for key in before)
    assert {(scope, lang) for lang in (None, "fr", "ja", "en")} <= after


def test_the_file_url_follows_the_api_url():
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
