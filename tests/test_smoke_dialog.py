"""First dialogs through the core: help, unknown commands, and a refusal that changes nothing."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", "Voici ce que je peux faire"), ("ja", "ご利用いただけるコマンド"), ("en", "Here is what I can do")],
)
def test_help_lists_commands_in_the_users_language(chat, locale, expected):
    person = chat(locale_hint=locale)
    answer = person.send("/help")
    assert expected in answer
    assert "/programme" in answer


def test_unknown_command_changes_nothing(chat, snapshot):
    person = chat(locale_hint="fr")
    person.send("/help")
    before = snapshot()
    answer = person.send("/inscription")
    assert "Je ne connais pas la commande /inscription" in answer
    assert snapshot() == before
