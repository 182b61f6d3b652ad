"""In a group, /status, /agenda and /deadlines name the delegation: answered in the asker's private chat."""

from __future__ import annotations

import pytest

from tests.fake_telegram import forbid_network, run
from tests.participation_support import fill_confirm_form, linked
from tests.telegram_harness import telegram_bot, texts

GROUP = -100_777
NOTE = "Je vous ai envoyé la réponse en message privé."


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


@pytest.mark.parametrize("command", ["/status", "/agenda", "/deadlines"])
def test_asked_in_a_group_the_answer_goes_privately_and_the_group_reads_a_note(core, chat, command):
    person, _ = linked(chat, core, platform="telegram", user="7001", locale_hint="fr")
    fill_confirm_form(person, ["Camille Durand, adjointe au maire"])
    person.press("Confirmer")

    async def scenario():  # type: ignore[no-untyped-def]
        async with telegram_bot(core) as bot:
            camille = bot.person(7001, "Camille", "fr")
            group = bot.fake.group(GROUP, "Jumelage Testville")
            calls = await camille.send(command, chat=group)
            private = [c for c in calls if c.method.startswith("send") and int(c.params["chat_id"]) == 7001]
            in_group = [c for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == GROUP]
            return texts(private, private[0].method) if private else "", texts(in_group), in_group

    private, group_text, in_group = run(scenario())
    if command == "/status":
        assert "Camille Durand" in private
    assert private
    assert "Camille Durand" not in group_text
    assert group_text == NOTE
    assert in_group[0].params["reply_parameters"]["message_id"]  # it answers the asker's own message


def test_the_group_note_says_how_to_open_a_private_chat_when_the_bot_cannot_write_there(core, chat):
    person, _ = linked(chat, core, platform="telegram", user="7001", locale_hint="fr")
    fill_confirm_form(person, ["Camille Durand, adjointe au maire"])
    person.press("Confirmer")

    async def scenario():  # type: ignore[no-untyped-def]
        async with telegram_bot(core) as bot:
            bot.fake.refuse_chat(7001, 403, "Forbidden: bot can't initiate conversation with a user")
            camille = bot.person(7001, "Camille", "fr")
            calls = await camille.send("/status", chat=bot.fake.group(GROUP, "Jumelage Testville"))
            return texts([c for c in calls if int(c.params.get("chat_id", 0)) == GROUP])

    group_text = run(scenario())
    assert "Camille Durand" not in group_text
    assert "ouvrez une conversation privée avec moi" in group_text
    assert "/status" in group_text
