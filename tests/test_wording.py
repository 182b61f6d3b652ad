"""How the bot's French and Japanese read to a civil servant: ordinals, articles, one word for one thing."""

from __future__ import annotations

import datetime as dt

import pytest

from locales import Translator
from tests.admin_support import add_collectivity
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


def test_japanese_programme_writes_time_ranges_and_separators_the_japanese_way(chat):
    answer = chat(locale_hint="ja").send("/programme 23")
    assert "8:30～9:30" in answer and "8:30–9:30" not in answer
    assert " · " not in answer and "«" not in answer
    assert "第9回日仏自治体交流会議" in chat(locale_hint="ja").send("/workshops")


def test_japanese_deadlines_say_this_event_and_a_past_deadline_is_closed(chat):
    deadlines = chat(locale_hint="ja").send("/deadlines")
    assert "本交流会議の締切（近い順）：" in deadlines
    assert "（締切済み）" in deadlines
    assert "期限切れ" not in deadlines and "本会議" not in deadlines.replace("本交流会議", "")


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_invitation_has_the_contacts_part_in_french_then_japanese(core, chat, locale):
    add_collectivity(core, "Ville de Sète", name_ja="セート市")
    core.invite_links["telegram"] = lambda code: f"https://t.me/example_bot?start={code}"
    answer = chat("orga", locale_hint=locale).send("/admin invite 1 days=14")
    code = answer.splitlines()[1]
    forward = {
        "ja": "担当者の方への転送用（フランス語・日本語）：",
        "en": "To forward to the contact (in French and Japanese):",
    }
    contact = answer.split(forward[locale], 1)[1]
    french = contact.index("Cet assistant accompagne la collectivité Ville de Sète")
    japanese = contact.index("本ボットは、セート市の第9回日仏自治体交流会議への参加準備をお手伝いします。")
    assert french < japanese
    assert f"Pour commencer, envoyez /join {code} à l'assistant." in contact
    assert f"本ボットに /join {code} と送信してください。" in contact
    assert f"Lien direct (Telegram) : https://t.me/example_bot?start={code}" in contact
