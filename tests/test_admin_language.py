"""The organisers' commands speak the reader's language, down to usages and punctuation."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from locales import DIRECTORY


@pytest.mark.parametrize(
    ("locale", "usages"),
    [
        (
            "fr",
            [
                "/admin add nom fr; nom ja; fr|jp; type — ",
                "/admin grant <plateforme>:<utilisateur> — ",
                "/admin edit <n°> champ=valeur … — ",
                "/admin deadline <clé> <AAAA-MM-JJ> — ",
            ],
        ),
        (
            "ja",
            [
                "/admin add フランス語名; 日本語名; fr|jp; 種別 — ",
                "/admin grant <プラットフォーム>:<ユーザー> — ",
                "/admin workshop <番号> slot=<開始時刻> room=<会場> capacity=<定員> — ",
            ],
        ),
        ("en", ["/admin add name fr; name ja; fr|jp; kind — ", "/admin grant <platform>:<user> — "]),
    ],
)
def test_admin_help_shows_usages_in_the_readers_language(chat, locale, usages):
    answer = chat("orga", locale_hint=locale).send("/admin help")
    for usage in usages:
        assert usage in answer
    # A command without a usage shows no stray text (gettext of "" would be the catalog header).
    assert "/admin lock — " in answer and "Project-Id-Version" not in answer


def _strings(locale: str) -> list[str]:
    with (DIRECTORY / locale / "LC_MESSAGES" / "admin.po").open("rb") as f:
        catalog = read_po(f, locale=locale)
    found = []
    for message in catalog:
        if message.id:
            found += list(message.string) if isinstance(message.string, tuple) else [message.string]
    return found


def test_french_admin_messages_put_a_space_before_colons():
    # « N° : 7 », « Atelier : 1 »; command syntax such as plateforme:utilisateur has no space after it.
    wrong = [s for s in _strings("fr") if re.search(r"\S:(\s|$)", s)]
    assert wrong == []


def test_japanese_admin_messages_use_full_width_colons_and_brackets():
    wrong = [s for s in _strings("ja") if re.search(r":(\s|$)|[()]", s)]
    assert wrong == []
