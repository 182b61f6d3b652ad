"""Each reply kind as the Telegram and console adapters show it, and the fallback for what they cannot show."""

from __future__ import annotations

import io

import pytest

from bot.adapter import degrade, placement
from bot.console import ConsoleAdapter
from bot.telegram import TelegramAdapter
from contract.messages import Attachment, Button, Incoming, Recipient, Reply
from tests.fake_telegram import forbid_network, run
from tests.telegram_harness import methods, telegram_bot

GROUP = -100555
PRIVATE_ONLY = "Please send this to me in a private conversation"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def test_telegram_shows_a_refusal_in_a_group_as_a_reply_to_the_askers_message(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            group = bot.fake.group(GROUP, "Jumelage Montclair")
            claire = bot.person(7002, "Claire", "en")
            refused = await claire.send("/confirm", chat=group)
            answered = await claire.send("/help", chat=group)
            in_private = await claire.send("/confirm@rencontres_test_bot")
            return refused, answered, in_private

    refused, answered, in_private = run(scenario())
    (sent,) = [call for call in refused if call.method == "sendMessage"]
    assert PRIVATE_ONLY in sent.params["text"]
    assert int(sent.params["chat_id"]) == GROUP  # Telegram cannot show it to Claire only: the group sees it
    assert sent.params["reply_parameters"]["message_id"] > 0
    assert sent.params["reply_parameters"]["allow_sending_without_reply"] is True
    # An answer for the whole group is a plain message, not a reply; so is everything in a private chat.
    assert all("reply_parameters" not in call.params for call in answered + in_private)
    assert methods(answered) == ["sendMessage"]


def test_telegram_quotes_the_very_message_the_asker_sent(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            group = bot.fake.group(GROUP, "Jumelage Montclair")
            update = bot.fake.message(bot.fake.user(7002, "Claire", "en"), "/choose", chat=group)
            calls = await bot.feed(update)
            return update["message"]["message_id"], calls

    asked_id, calls = run(scenario())
    # "typing…" (sendChatAction) may come first on a slow machine: the answer is the message.
    sent = [c for c in calls if c.method == "sendMessage"]
    assert [int(c.params["reply_parameters"]["message_id"]) for c in sent] == [asked_id]


def test_telegram_sends_a_reply_addressed_to_a_person_or_a_chat_there(core, monkeypatch):
    replies = [
        Reply("Pour vous seul", to=Recipient.person("telegram", "7003")),
        Reply("Pour le groupe", to=Recipient.chat("telegram", str(GROUP))),
        Reply("Ici", kind="refusal", visibility="asker"),
    ]
    monkeypatch.setattr(core, "handle", lambda incoming: replies)

    async def scenario():
        async with telegram_bot(core) as bot:
            return await bot.person(7001, "Hikari", "ja").send("/help")

    calls = run(scenario())
    assert [(int(c.params["chat_id"]), c.params["text"]) for c in calls] == [
        (7003, "Pour vous seul"),  # a Telegram user id is their private chat
        (GROUP, "Pour le groupe"),
        (7001, "Ici"),  # asked privately: the private chat is only the asker's
    ]


def test_each_adapter_declares_what_it_can_render():
    assert {"buttons", "edit", "files"} == TelegramAdapter.capabilities
    assert {"buttons", "files"} == ConsoleAdapter.capabilities
    assert "ephemeral" not in TelegramAdapter.capabilities | ConsoleAdapter.capabilities


def test_what_a_platform_cannot_render_has_one_fallback():
    reply = Reply(
        "Choisissez",
        buttons=((Button("Atelier 1", "ch:1"), Button("Atelier 2", "ch:2")),),
        attachment=Attachment("liste.csv", b"a;b\n", "text/csv"),
        edit=True,
    )
    assert degrade(reply, frozenset({"buttons", "edit", "files"})) is reply
    plain = degrade(reply, frozenset())
    assert plain.text == "Choisissez\n• Atelier 1\n• Atelier 2\n📎 liste.csv"
    assert (plain.buttons, plain.attachment, plain.edit) == ((), None, False)
    assert degrade(reply, frozenset({"buttons", "files"})).edit is False  # a new message instead


def test_a_reply_for_the_asker_only_stays_where_it_was_asked_without_ephemeral_messages():
    in_group = Incoming("slack", "U1", "C1", is_group=True)
    just_me = Reply("Pour vous", visibility="asker")
    assert placement(in_group, just_me, frozenset()) == (Recipient.chat("slack", "C1"), True)
    assert placement(in_group, just_me, frozenset({"ephemeral"})) == (Recipient.chat("slack", "C1"), False)
    assert placement(in_group, Reply("Pour tous"), frozenset()) == (Recipient.chat("slack", "C1"), False)
    alone = Incoming("telegram", "7", "7")
    assert placement(alone, just_me, frozenset()) == (Recipient.chat("telegram", "7"), False)
    elsewhere = Reply("DM", to=Recipient.person("telegram", "8"))
    assert placement(in_group, elsewhere, frozenset()) == (Recipient.person("telegram", "8"), False)


def test_the_console_marks_refusals_and_prints_what_is_addressed_to_its_one_user(core, tmp_path):
    out = io.StringIO()
    console = ConsoleAdapter(core, "keiko", stdout=out, files_dir=tmp_path)
    console.send("/lang en")
    out.truncate(0)
    out.seek(0)
    console.send("/nonsense")
    console.render(Reply("Bonjour", to=Recipient.person("console", "keiko")))
    console.render(Reply("Annonce", to=Recipient.chat("console", "atelier-3")))
    console.render(Reply("Choisissez", buttons=((Button("Oui", "yes:1"),),), edit=True))
    assert out.getvalue() == (
        "⚠ I do not know the command /nonsense. Send /help to see what I can do.\n\n"
        "Bonjour\n\n"
        "→ atelier-3\nAnnonce\n\n"
        "Choisissez\n  [1] Oui\n\n"
    )
