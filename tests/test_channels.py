"""Organisers subscribe group chats to reminders and announcements (console dialogs through the core)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from locales import Translator
from storage.models import AuditEntry, ChannelSubscription

SUBSCRIBED = {
    "fr": "Cette conversation reçoit désormais les rappels et les annonces",
    "ja": "このチャットで、リマインダーとお知らせをフランス語と日本語で受け取れるようになりました",
    "en": "This chat now receives the reminders and announcements",
}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_an_organiser_subscribes_a_group_lists_and_unsubscribes_it(chat, core, locale):
    in_group = chat("orga", locale_hint=locale, is_group=True, chat_id="jumelage")
    assert SUBSCRIBED[locale] in in_group.send("/admin subscribe")
    assert "console:jumelage" in in_group.send("/admin channels")
    already = Translator(locale).gettext("This chat already receives the reminders and announcements.")
    assert in_group.send("/admin subscribe") == already
    in_group.send("/admin unsubscribe")
    with core.sessions() as session:
        assert session.scalars(select(ChannelSubscription)).all() == []
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["channel.subscribe", "channel.unsubscribe"]


def test_the_console_chat_can_be_subscribed_for_a_rehearsal(chat, core):
    chat("orga", locale_hint="en").send("/admin subscribe")
    with core.sessions() as session:
        assert session.scalars(select(ChannelSubscription.chat_id)).all() == ["orga"]


def test_an_organiser_unsubscribes_a_group_from_elsewhere(chat, core):
    chat("orga", locale_hint="en", is_group=True, chat_id="jumelage").send("/admin subscribe")
    answer = chat("orga", locale_hint="en").send("/admin unsubscribe console:jumelage")
    assert answer == "console:jumelage no longer receives the reminders and announcements."
    with core.sessions() as session:
        assert session.scalars(select(ChannelSubscription)).all() == []


def test_a_private_telegram_chat_cannot_be_subscribed(chat, core, snapshot):
    core.settings = replace(core.settings, admins=core.settings.admins | {"telegram:42"})
    organiser = chat("42", platform="telegram", locale_hint="fr")
    organiser.send("/help")
    before = snapshot()
    assert "Veuillez envoyer /admin subscribe dans le groupe" in organiser.send("/admin subscribe")
    assert snapshot() == before


def test_only_organisers_subscribe_and_unknown_chats_are_refused(chat, snapshot):
    member = chat("mika", locale_hint="ja", is_group=True, chat_id="jumelage")
    organiser = chat("orga", locale_hint="en")
    member.send("/help")
    organiser.send("/help")
    before = snapshot()
    assert "主催者" in member.send("/admin subscribe")
    assert organiser.send("/admin unsubscribe") == "This chat is not subscribed, so there is nothing to stop."
    assert "console:nowhere is not among the subscribed chats" in organiser.send("/admin unsubscribe console:nowhere")
    assert "No chat receives the reminders and announcements yet" in organiser.send("/admin channels")
    assert snapshot() == before
