"""/programme, /workshops and /about as a reader of each language sees them."""

from __future__ import annotations

import pytest

DAY_HEADINGS = {
    "fr": "vendredi 23 octobre 2026",
    "ja": "2026年10月23日（金）",
    "en": "Friday 23 October 2026",
}


@pytest.mark.parametrize("locale", ["fr", "ja", "en"])
def test_whole_programme_has_every_day_in_the_readers_language(chat, locale):
    answer = chat(locale_hint=locale).send("/programme")
    assert DAY_HEADINGS[locale] in answer
    expected_days = {
        "fr": ["mercredi 21 octobre 2026", "samedi 24 octobre 2026"],
        "ja": ["2026年10月21日（水）", "2026年10月24日（土）"],
        "en": ["Wednesday 21 October 2026", "Saturday 24 October 2026"],
    }[locale]
    for heading in expected_days:
        assert heading in answer


@pytest.mark.parametrize(
    ("locale", "typed", "plenary", "absent"),
    [
        ("fr", "vendredi", "Séance plénière", "Arrivée des délégations"),
        ("fr", "23", "Séance plénière", "Villa Domergue"),
        ("ja", "金曜日", "全体会合", "代表団の到着"),
        ("ja", "10月23日", "全体会合", "代表団の到着"),
        ("en", "friday", "Plenary session", "Arrival of the delegations"),
        ("en", "2026-10-23", "Plenary session", "Villa Domergue"),
    ],
)
def test_programme_of_one_day_lists_only_that_days_items(chat, locale, typed, plenary, absent):
    answer = chat(locale_hint=locale).send(f"/programme {typed}")
    assert DAY_HEADINGS[locale] in answer
    assert plenary in answer
    assert absent not in answer


@pytest.mark.parametrize(
    ("locale", "time"),
    [("fr", "08:30–09:30"), ("ja", "8:30～9:30"), ("en", "8:30 AM–9:30 AM")],
)
def test_times_are_written_the_readers_way(chat, locale, time):
    assert time in chat(locale_hint=locale).send("/programme 23")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", "Je ne trouve pas le jour « lundi »"),
        ("ja", "「lundi」に当たる日"),
        ("en", "I could not find the day “lundi”"),
    ],
)
def test_a_day_outside_the_event_is_refused_in_the_readers_language(chat, snapshot, locale, expected):
    person = chat(locale_hint=locale)
    person.send("/help")
    before = snapshot()
    assert expected in person.send("/programme lundi")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("locale", "titles"),
    [
        ("fr", ["Atelier 1 : Économie et emploi", "Atelier 4 : Innovation et recherche"]),
        ("ja", ["第1分科会：", "第4分科会："]),
        ("en", ["Workshop 1: Economy and employment", "Workshop 4: Innovation and research"]),
    ],
)
def test_workshops_lists_the_four_with_topics_and_unset_slots(chat, locale, titles):
    answer = chat(locale_hint=locale).send("/workshops")
    for title in titles:
        assert title in answer
    not_set = {"fr": "pas encore fixé", "ja": "未定", "en": "not yet set"}[locale]
    assert answer.count(not_set) >= 4
    assert answer.count("– ") >= 16  # every example topic


def test_workshops_show_slot_and_room_once_organisers_set_them(core, chat):
    from storage.db import transaction
    from storage.models import Workshop

    with transaction(core.sessions) as session:
        workshop = session.query(Workshop).filter_by(key="culture").one()
        workshop.slot_key = "morning"
        workshop.room = {"fr": "Auditorium B", "ja": "オーディトリアムB", "en": "Auditorium B"}
    answer = chat(locale_hint="fr").send("/workshops")
    assert "Créneau : vendredi 23 octobre 2026, 09:30–12:00 · Salle : Auditorium B" in answer
    programme = chat(locale_hint="ja").send("/programme 23")
    assert "第2分科会：" in programme and "オーディトリアムB" in programme


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", ["9e Rencontres franco-japonaises", "Nancy", "Organisateurs", "Cités Unies France"]),
        ("ja", ["第9回日仏自治体交流会議", "ナンシー", "主催", "第1回"]),
        ("en", ["Franco-Japanese", "Nancy", "Organisers", "2028"]),
    ],
)
def test_about_tells_the_event_organisers_and_history(chat, locale, expected):
    answer = chat(locale_hint=locale).send("/about")
    for text in expected:
        assert text in answer
