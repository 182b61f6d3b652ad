"""Issue 11: time counts in days under two months, hours and minutes under a day, rounded down."""

from __future__ import annotations

import pytest

from tests.conftest import paris
from tests.participation_support import linked


@pytest.mark.parametrize(
    ("locale", "days46", "days10"),
    [("fr", "encore 46 jours", "encore 10 jours"), ("ja", "残り46日", "残り10日")],
)
def test_deadlines_count_days_under_two_months(chat, core, clock, locale, days46, days10):
    person, _ = linked(chat, core, locale_hint=locale)
    # The hotel deadline (15 September) closes at midnight: 46 days and 10 days before it.
    clock.at = paris(2026, 8, 1, 0, 0)
    answer = person.send("/deadlines")
    assert days46 in answer and "2 mois" not in answer and "2か月" not in answer
    clock.at = paris(2026, 9, 6, 0, 0)
    answer = person.send("/deadlines")
    assert days10 in answer and "semaine" not in answer and "週間" not in answer


@pytest.mark.parametrize(("locale", "expected"), [("ja", "1時間45分"), ("fr", "1 heure 45 minutes")])
def test_under_a_day_hours_and_minutes_rounded_down(chat, clock, locale, expected):
    clock.at = paris(2026, 10, 21, 7, 15)
    answer = chat(locale_hint=locale).send("/now")
    assert expected in answer
    assert "2時間" not in answer and "2 heures" not in answer
