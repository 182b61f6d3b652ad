"""One vocabulary for what people type: yes/no means the same in /confirm, /admin edit and an imported file."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Collectivity
from tests.participation_support import fill_confirm_form, linked
from tests.test_participation_confirm import collectivity_state


@pytest.mark.parametrize(("locale", "word"), [("fr", "ok"), ("ja", "ＯＫ"), ("en", "OK")])
def test_ok_makes_a_steering_committee_member_as_it_means_yes_in_confirm(core, chat, locale, word):
    orga = chat("orga", locale_hint=locale)
    orga.send("/admin add Ville de Sète; セート市; fr; commune")
    answer = orga.send(f"/admin edit 1 steering={word}")
    assert "yes or no" not in answer and "oui ou non" not in answer
    with core.sessions() as session:
        assert session.scalars(select(Collectivity.steering_group)).one() is True


def test_a_word_that_is_neither_yes_nor_no_is_refused_and_changes_nothing(chat, snapshot):
    orga = chat("orga", locale_hint="fr")
    orga.send("/admin add Ville de Sète; セート市; fr; commune")
    before = snapshot()
    assert "peut-être" in orga.send("/admin edit 1 steering=peut-être")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("locale", "answers", "stored"),
    [
        # "1" is one person for a counted option, not "yes, the whole delegation".
        (
            "fr",
            {"visits": "oui", "thursday-lunch": "1", "opening-dinner": "non", "stand": "Non.", "gastronomy": "ok"},
            {"visits": 2, "thursday-lunch": 1, "gastronomy": 2},
        ),
        (
            "ja",
            {
                "visits": "はい",
                "thursday-lunch": "いいえ",
                "opening-dinner": "ＯＫ",
                "stand": "なし",
                "gastronomy": "はい。",
            },
            {"visits": 2, "opening-dinner": 2, "gastronomy": 2},
        ),
    ],
)
def test_confirm_form_reads_yes_and_no_in_the_persons_language(chat, core, locale, answers, stored):
    person, cid = linked(chat, core, locale_hint=locale)
    fill_confirm_form(person, ["Camille Durand, adjointe", "Louis Petit"], answers)
    person.press({"fr": "Confirmer", "ja": "確定する"}[locale])
    assert collectivity_state(core, cid)[3] == stored


def test_an_import_reads_the_steering_column_with_the_same_words(core, chat, tmp_path):
    path = tmp_path / "collectivities.csv"
    path.write_text(
        "name_fr,name_ja,country,kind,steering\n"
        "Ville de Sète,セート市,fr,commune,oui\n"
        "Nara-shi,奈良市,jp,city,はい\n"
        "Kofu-shi,甲府市,jp,city,いいえ\n"
        "Ville de Dole,,fr,commune,\n"
        "Ville de Nîmes,,fr,commune,ok\n",
        "utf-8",
    )
    assert "5" in chat("orga", locale_hint="en").send(f"/admin import {path}")
    with core.sessions() as session:
        flags = dict(session.execute(select(Collectivity.name_fr, Collectivity.steering_group)).all())
    assert flags == {
        "Ville de Sète": True,
        "Nara-shi": True,
        "Kofu-shi": False,
        "Ville de Dole": False,
        "Ville de Nîmes": True,
    }


def test_an_import_with_a_bad_steering_word_names_the_line_and_imports_nothing(chat, snapshot, tmp_path):
    path = tmp_path / "collectivities.csv"
    path.write_text(
        "name_fr,name_ja,country,kind,steering\n"
        "Ville de Sète,セート市,fr,commune,oui\n"
        "Nara-shi,奈良市,jp,city,たぶん\n",
        "utf-8",
    )
    orga = chat("orga", locale_hint="en")
    orga.send("/help")
    before = snapshot()
    answer = orga.send(f"/admin import {path}")
    assert "Line 3" in answer and "たぶん" in answer
    assert snapshot() == before


@pytest.mark.parametrize(
    ("locale", "command", "expected"),
    [
        ("fr", "/admin edit 99 kind=commune", "Il n'y a pas de collectivité n° 99. Voir /admin list."),
        ("ja", "/admin invite 99", "番号 99 の自治体はありません。/admin list でご確認ください。"),
        ("en", "/admin deadline nope 2026-07-01", "There is no deadline “nope”. See /admin deadlines."),
    ],
)
def test_chat_names_the_command_that_lists_what_was_not_found(chat, locale, command, expected):
    """Storage says what is missing; the chat handler adds the command to look it up."""
    assert chat("orga", locale_hint=locale).send(command) == expected
