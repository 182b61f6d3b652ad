"""Issue 11: Telegram menus per chat kind, organisers' menus one by one, revoked ones deleted, descriptions."""

from __future__ import annotations

import json

import pytest

from tests.fake_telegram import forbid_network, run
from tests.telegram_harness import telegram_bot, texts

ORGANISER_ID = 9001
UNKNOWN_ID = 9002
PRIVATE = json.dumps({"type": "all_private_chats"}, sort_keys=True)
GROUPS = json.dumps({"type": "all_group_chats"}, sort_keys=True)
DEFAULT = json.dumps({"type": "default"}, sort_keys=True)


def chat_scope(chat_id: int) -> str:
    return json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_groups_get_only_the_commands_answered_in_groups(core, lang):
    async def scenario():
        async with telegram_bot(core) as bot:
            group = bot.fake.group(-100, "Comité")
            answer = texts(await bot.person(7001, "Keiko", lang).send("/help", chat=group))
            return bot.fake.menus, answer

    menus, help_in_group = run(scenario())
    private = {c["command"] for c in menus[(PRIVATE, lang)]}
    for scope in (GROUPS, DEFAULT):
        group = {c["command"] for c in menus[(scope, lang)]}
        assert {"programme", "deadlines", "help"} <= group
        assert not {"confirm", "choose", "done", "decline", "abstract"} & group
    assert {"confirm", "choose", "done"} <= private
    assert "/programme" in help_in_group and "/confirm" not in help_in_group and "/choose" not in help_in_group


def test_an_organiser_telegram_does_not_know_costs_the_others_nothing(core, caplog):
    async def scenario():
        async with telegram_bot(core, organisers=(UNKNOWN_ID, ORGANISER_ID)) as bot:
            bot.fake.unknown_chats.add(UNKNOWN_ID)
            bot.fake.menus.clear()
            await bot.adapter.publish_commands()
            return bot.fake.menus

    menus = run(scenario())
    for lang in (None, "fr", "ja", "en"):
        assert any(c["command"] == "admin" for c in menus[(chat_scope(ORGANISER_ID), lang)])
        assert (chat_scope(UNKNOWN_ID), lang) not in menus
        assert (PRIVATE, lang) in menus
    assert "chat not found" in caplog.text.lower()


def test_a_revoked_organiser_loses_the_admin_menu(core):
    newcomer = 4321

    async def scenario():
        async with telegram_bot(core, organisers=(ORGANISER_ID,)) as bot:
            camille = bot.person(ORGANISER_ID, "Camille", "fr")
            calls = len(bot.fake.calls_to("setMyCommands"))
            await camille.send(f"/admin grant telegram:{newcomer}")
            await bot.fake.wait_for("setMyCommands", calls + 4 * 5)
            granted = {key for key in bot.fake.menus if key[0] == chat_scope(newcomer)}
            await camille.send(f"/admin revoke-admin telegram:{newcomer}")
            await bot.fake.wait_for("deleteMyCommands", 4)
            return granted, {key for key in bot.fake.menus if key[0] == chat_scope(newcomer)}

    granted, after = run(scenario())
    assert len(granted) == 4
    assert after == set()


@pytest.mark.parametrize(
    ("lang", "name"), [("fr", "9e Rencontres franco-japonaises"), ("ja", "第9回日仏自治体交流会議")]
)
def test_descriptions_in_each_language(core, lang, name):
    async def scenario():
        async with telegram_bot(core) as bot:
            return bot.fake.descriptions, bot.fake.short_descriptions

    descriptions, shorts = run(scenario())
    assert set(descriptions) == set(shorts) == {None, "fr", "ja", "en"}
    assert name in descriptions[lang] + shorts[lang]
    assert descriptions[None] == descriptions["fr"]
    assert all(len(s) <= 120 for s in shorts.values()) and all(len(d) <= 512 for d in descriptions.values())
