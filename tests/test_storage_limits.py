"""Names, titles and ids PostgreSQL would refuse (too long, a NUL): the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from storage.models import ChannelSubscription, ChatUser

LONG_TITLE = "Jumelage Sète–Nara " * 20  # 380 characters
TOO_LONG_ID = {
    "fr": "Je ne peux pas répondre à ce compte",
    "ja": "このアカウントには返信できません",
    "en": "I cannot answer this account",
}


def send(chat, text: str, **fields: object) -> str:  # type: ignore[no-untyped-def]
    """What `chat` reads after sending `text` with some of its incoming fields replaced."""
    chat.last = chat.core.handle(replace(chat.incoming(text), **fields))
    return chat.read()


def test_a_group_title_longer_than_its_column_is_cut_and_the_group_subscribed(chat, core):
    in_group = chat("orga", locale_hint="en", is_group=True, chat_id="jumelage")
    answer = send(in_group, "/admin subscribe", chat_title=LONG_TITLE)
    assert "This chat now receives the reminders and announcements" in answer
    with core.sessions() as session:
        title = session.scalars(select(ChannelSubscription.title)).one()
    assert title == LONG_TITLE[:200]


def test_a_nul_in_a_group_title_is_removed(chat, core):
    in_group = chat("orga", locale_hint="en", is_group=True, chat_id="jumelage")
    assert "now receives" in send(in_group, "/admin subscribe", chat_title="Jumelage\x00 Sète")
    with core.sessions() as session:
        assert session.scalars(select(ChannelSubscription.title)).one() == "Jumelage Sète"


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Camille " * 40, ("Camille " * 40)[:200]),
        ("Camille\x00 Exemple", "Camille Exemple"),
        ("Ca\ud800mille", "Ca?mille"),
    ],
)
def test_a_display_name_is_cut_or_cleaned_and_the_person_answered(chat, core, name, stored):
    person = chat("camille", locale_hint="en")
    assert "/programme" in send(person, "/help", display_name=name)
    with core.sessions() as session:
        assert session.scalars(select(ChatUser.display_name)).one() == stored


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
@pytest.mark.parametrize(
    "fields",
    [{"user_id": "u" * 65}, {"user_id": "nul\x00id"}, {"chat_id": "c" * 65}, {"chat_id": "c" * 65, "is_group": True}],
    ids=["long user id", "nul in user id", "long chat id", "long group id"],
)
def test_an_id_too_long_to_store_is_refused_with_a_sentence_and_changes_nothing(chat, snapshot, locale, fields):
    person = chat("someone", locale_hint=locale)
    before = snapshot()
    answer = send(person, "/help", **fields)
    assert TOO_LONG_ID[locale] in answer
    assert "64" in answer
    assert person.last[0].kind == "refusal"
    assert snapshot() == before


def test_an_id_of_exactly_64_characters_is_answered(chat, core):
    person = chat("x" * 64, locale_hint="en")
    assert "/programme" in person.send("/help")
    assert "Sorry" not in person.read()


def test_a_nul_in_a_button_action_is_removed_before_routing(chat):
    orga = chat("orga", locale_hint="en")
    assert "Nothing was removed." in orga.act("admrm:ke\x00ep")
