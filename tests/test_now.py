"""/now at the console's clock: before, during, between and after the event, and across a DST change."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core import BotCore
from contract.clock import FixedClock
from tests.conftest import Chat, paris

DST_EVENT = Path(__file__).parent / "data" / "dst-event.yaml"


def ask_now(chat, clock, when: dt.datetime, locale: str) -> str:
    clock.at = when.astimezone(dt.UTC)
    return chat(locale_hint=locale).send("/now")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", ["commencent dans 3 jours", "mercredi 21 octobre 2026", "Arrivée des délégations"]),
        ("ja", ["開始まであと3日です", "2026年10月21日（水）", "代表団の到着"]),
        ("en", ["starts in 3 days", "Wednesday 21 October 2026", "Arrival of the delegations"]),
    ],
)
def test_before_the_event_says_how_long_until_it_starts(chat, clock, locale, expected):
    answer = ask_now(chat, clock, paris(2026, 10, 18, 9, 0), locale)
    for text in expected:
        assert text in answer


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", ["Deux ateliers", "Atelier 1 : Économie", "Auditorium B", "Atelier 3 : Gouvernance", "Auditorium C"]),
        ("ja", ["第1分科会：", "オーディトリアムB", "第3分科会：", "オーディトリアムC"]),
        ("en", ["Workshop 1: Economy", "Auditorium B", "Workshop 3: Governance", "Auditorium C"]),
    ],
)
def test_during_the_morning_workshops_names_the_parallel_workshops_and_rooms(core, chat, clock, locale, expected):
    from storage.db import transaction
    from storage.models import Workshop

    with transaction(core.sessions) as session:
        for key, room in (("economy", "B"), ("governance", "C")):
            workshop = session.query(Workshop).filter_by(key=key).one()
            workshop.slot_key = "morning"
            workshop.room = {"fr": f"Auditorium {room}", "ja": f"オーディトリアム{room}", "en": f"Auditorium {room}"}
    answer = ask_now(chat, clock, paris(2026, 10, 23, 10, 15), locale)
    for text in expected:
        assert text in answer
    assert "Culture" not in answer and "文化" not in answer


@pytest.mark.parametrize(
    ("locale", "now", "next_", "workshops"),
    [
        ("fr", "Déjeuner (buffet)", "Ensuite, dans 2 heures", "14:30–17:00 — Deux ateliers"),
        ("ja", "昼食（ビュッフェ）", "次の予定（2時間後）", "14:30～17:00 — 分科会"),
        ("en", "Lunch (buffet)", "Next, in 2 hours", "2:30 PM–5:00 PM — Two thematic workshops"),
    ],
)
def test_at_lunch_shows_lunch_then_the_afternoon_workshops(chat, clock, locale, now, next_, workshops):
    answer = ask_now(chat, clock, paris(2026, 10, 23, 12, 30), locale)
    current, _, following = answer.partition(next_)
    assert now in current
    assert workshops in following


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", "Soirée libre"), ("ja", "自由行動"), ("en", "Free evening")],
)
def test_in_the_free_evening(chat, clock, locale, expected):
    answer = ask_now(chat, clock, paris(2026, 10, 23, 20, 30), locale)
    assert expected in answer.split("\n\n")[0]


def test_between_items_says_nothing_is_scheduled(chat, clock):
    answer = ask_now(chat, clock, paris(2026, 10, 23, 17, 45), "en")
    assert "Nothing is scheduled at this moment." in answer
    assert "Free evening" in answer


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", ["sont terminées", "2028"]), ("ja", ["終了しました", "2028年"]), ("en", ["is over", "2028"])],
)
def test_after_the_event_says_it_is_over_and_where_the_next_is_announced(chat, clock, locale, expected):
    answer = ask_now(chat, clock, paris(2026, 10, 26, 9, 0), locale)
    for text in expected:
        assert text in answer


@pytest.mark.parametrize(
    ("utc", "current", "clock_text"),
    [
        # 00:45 UTC on 25 Oct is 02:45 summer time: the walk (01:30–02:30) is over.
        (dt.datetime(2026, 10, 25, 0, 45, tzinfo=dt.UTC), None, "2:45"),
        # 23:45 UTC on 24 Oct is 01:45 summer time: during the walk.
        (dt.datetime(2026, 10, 24, 23, 45, tzinfo=dt.UTC), "Night walk", "1:45"),
        # 07:30 UTC on 25 Oct is 08:30 winter time (UTC+1): breakfast.
        (dt.datetime(2026, 10, 25, 7, 30, tzinfo=dt.UTC), "Breakfast", "8:30"),
    ],
)
def test_now_across_the_end_of_summer_time(settings, utc, current, clock_text):
    clock = FixedClock(utc)
    core = BotCore.start(replace(settings, event_file=DST_EVENT), clock)
    answer = Chat(core, "walker", locale_hint="en").send("/now")
    core.sessions.kw["bind"].dispose()
    assert f"It is {clock_text}" in answer
    head = answer.split("\n\n")[0]
    if current:
        assert current in head
    else:
        assert "Nothing is scheduled" in head


def test_breakfast_after_the_clock_change_is_eight_hours_after_midnight_utc(settings):
    # 23:00 UTC on 24 Oct = 01:00 summer time; breakfast 08:00 winter time = 07:00 UTC: 8 hours.
    clock = FixedClock(dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.UTC))
    core = BotCore.start(replace(settings, event_file=DST_EVENT), clock)
    person = Chat(core, "walker", locale_hint="en")
    clock.at = dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC)  # 02:00 winter time, after the walk
    answer = person.send("/now")
    core.sessions.kw["bind"].dispose()
    assert "Next, in 6 hours" in answer
    assert "Breakfast" in answer
