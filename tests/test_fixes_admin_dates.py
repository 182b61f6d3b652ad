"""Issue 11: /admin deadline reads the dates people type in each language."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Deadline


def _due(core) -> dt.date:  # type: ignore[no-untyped-def]
    with transaction(core.sessions) as session:
        return session.scalars(select(Deadline).where(Deadline.key == "hotel-and-slides")).one().due


@pytest.mark.parametrize(
    ("locale", "typed", "shown"),
    [
        ("fr", "20/09/2026", "20 septembre 2026"),
        ("ja", "2026年9月20日", "2026年9月20日"),
        ("ja", "２０２６年９月２０日（日）", "2026年9月20日"),
        ("fr", "20.09.2026", "20 septembre 2026"),
        ("en", "2026-09-20", "20 September 2026"),
    ],
)
def test_deadline_dates_as_typed(chat, core, locale, typed, shown):
    organiser = chat("orga", locale_hint=locale)
    assert shown in organiser.send(f"/admin deadline hotel-and-slides {typed}")
    assert _due(core) == dt.date(2026, 9, 20)


@pytest.mark.parametrize(("locale", "typed"), [("fr", "31/09/2026"), ("ja", "2026年13月1日"), ("fr", "09/20/2026")])
def test_impossible_dates_are_refused(chat, core, snapshot, locale, typed):
    organiser = chat("orga", locale_hint=locale)
    before = snapshot()
    organiser.send(f"/admin deadline hotel-and-slides {typed}")
    assert organiser.last[0].kind == "refusal"
    assert snapshot() == before
