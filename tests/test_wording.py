"""How the bot's French and Japanese read to a civil servant: ordinals, articles, one word for one thing."""

from __future__ import annotations

import datetime as dt

import pytest

from locales import Translator
from tests.participation_support import linked


def test_french_editions_are_ordinals_and_the_first_edition_is_1re(chat):
    answer = chat(locale_hint="fr").send("/about")
    assert "1re édition : Nancy, 2008" in answer
    assert "2e édition : Kanazawa, 2010" in answer
    assert "1e édition" not in answer


@pytest.mark.parametrize(
    ("locale", "day", "date"),
    [
        ("fr", "mardi 1er décembre 2026", "1er décembre"),
        ("ja", "2026年12月1日（火）", "12月1日"),
        ("en", "Tuesday 1 December 2026", "1 December"),
    ],
)
def test_the_first_of_the_month_is_written_the_languages_way(locale, day, date):
    translator = Translator(locale)
    assert translator.day(dt.date(2026, 12, 1)) == day
    assert translator.date(dt.date(2026, 12, 1), year=False) == date
    assert translator.listed_date(dt.date(2026, 12, 2)).startswith(("2 décembre", "2026年12月2日", "2 December"))


def test_french_sentences_name_the_collectivity_with_an_article(chat, core):
    person, _ = linked(chat, core, "Ville de Sète", locale_hint="fr")
    assert "Confirmons la participation de la collectivité Ville de Sète." in person.send("/confirm")
    person.send("/cancel")
    assert "Confirmez-vous que la collectivité Ville de Sète ne participera pas ?" in person.send("/decline")
    person.press("Oui, décliner")
    again = person.send("/decline")
    assert "La collectivité Ville de Sète a déjà décliné sa participation." in again
