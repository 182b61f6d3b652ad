"""The language a platform reports is stored for each person, beside the one chosen with /lang."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import ChatUser
from tests.fake_telegram import forbid_network, run
from tests.telegram_harness import telegram_bot


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    yield from forbid_network(monkeypatch)


def languages(core, user_id: str) -> tuple[str | None, str | None]:
    with core.sessions() as session:
        user = session.scalars(select(ChatUser).where(ChatUser.user_id == user_id)).one()
        return user.locale, user.platform_locale


def test_a_telegram_user_who_never_typed_lang_has_the_platforms_language_stored(core):
    async def scenario():
        async with telegram_bot(core) as bot:
            await bot.person(7001, "Hikari", "ja").send("/help")
            stored = languages(core, "7001")
            # Hikari switches her Telegram app to French: the stored language follows.
            await bot.person(7001, "Hikari", "fr-FR").send("/help")
            return stored, languages(core, "7001")

    assert run(scenario()) == ((None, "ja"), (None, "fr"))


def test_the_language_used_is_chosen_then_stored_then_this_messages_hint_then_french(chat, core):
    keiko = chat("keiko", locale_hint="ja")
    assert "第1分科会" in keiko.send("/workshops")
    keiko.locale_hint = None  # a message that says no language (a Slack event, a button)
    assert "第1分科会" in keiko.send("/workshops")
    assert languages(core, "keiko") == (None, "ja")
    keiko.send("/lang en")
    keiko.locale_hint = "ja"
    assert "Workshop 1" in keiko.send("/workshops")
    assert languages(core, "keiko") == ("en", "ja")
    # An unsupported language is stored as reported; the person reads French.
    hans = chat("hans", locale_hint="de-AT")
    assert "Atelier 1" in hans.send("/workshops")
    assert languages(core, "hans") == (None, "de")
