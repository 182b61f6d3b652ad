"""Issue 11: /deadlines order and after the event; /programme today and tomorrow."""

from __future__ import annotations

import pytest

from tests.conftest import paris
from tests.participation_support import linked


@pytest.mark.parametrize(("locale", "past"), [("fr", "Échéances passées"), ("ja", "過ぎた締切")])
def test_without_a_collectivity_past_deadlines_come_under_a_heading(chat, clock, locale, past):
    clock.at = paris(2026, 8, 4, 10, 0)
    answer = chat(locale_hint=locale).send("/deadlines")
    upcoming, _, after = answer.partition(past)
    assert after, answer
    # Soonest first above the heading: 31 August before 15 September; the 31 May one below.
    assert ("5月31日" if locale == "ja" else "31 mai") in after
    assert ("9月15日" if locale == "ja" else "15 septembre") in upcoming
    assert ("5月31日" if locale == "ja" else "31 mai") not in upcoming


@pytest.mark.parametrize(
    ("locale", "over", "open_since"),
    [("fr", "sont terminées", "en cours depuis"), ("ja", "終了しました", "から受付中")],
)
def test_after_the_event_deadlines_and_programme_say_it_is_over(chat, core, clock, locale, over, open_since):
    clock.at = paris(2026, 12, 1, 10, 0)
    person, _ = linked(chat, core, locale_hint=locale)
    for answer in (person.send("/deadlines"), chat(locale_hint=locale).send("/deadlines")):
        assert over in answer
        assert open_since not in answer
    assert over in person.send("/programme")


@pytest.mark.parametrize(
    ("locale", "today", "tomorrow", "friday", "saturday"),
    [
        ("fr", "aujourd'hui", "demain", "vendredi 23 octobre", "samedi 24 octobre"),
        ("ja", "今日", "明日", "2026年10月23日（金）", "2026年10月24日（土）"),
        ("en", "today", "tomorrow", "Friday 23 October", "Saturday 24 October"),
    ],
)
def test_programme_today_and_tomorrow(chat, clock, locale, today, tomorrow, friday, saturday):
    clock.at = paris(2026, 10, 23, 8, 0)
    person = chat(locale_hint=locale)
    answer = person.send(f"/programme {today}")
    assert friday in answer and saturday not in answer
    assert person.last[0].kind == "answer"
    answer = person.send(f"/programme {tomorrow}")
    assert saturday in answer and friday not in answer
    clock.at = paris(2026, 10, 24, 8, 0)
    person.send(f"/programme {tomorrow}")
    assert person.last[0].kind == "refusal"
