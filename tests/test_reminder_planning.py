"""Planning reminders: offsets, local hours per side, informational deadlines, DST, down-time catch-up and skips."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from scheduler.planning import DeadlineDates, Occurrence, asked_now, plan, plan_event, settings_of, triage
from storage.db import make_engine, make_sessionmaker, transaction, upgrade
from storage.event_file import EventFileError, default_event_path, read_event_file
from storage.event_loader import load_event_file
from storage.models import Deadline, Event

UTC = dt.UTC


def event_row(timezone: str = "Europe/Paris", reminders: dict[str, object] | None = None) -> Event:
    """An event row as the loader writes it, not stored anywhere: planning needs no database."""
    info: dict[str, object] = {"name": {"en": "Test meeting"}}
    if reminders is not None:
        info["reminders"] = reminders
    return Event(key="test", timezone=timezone, info=info)


def dates(key: str, due: dt.date, *, applies_to: str = "all", informational: bool = False, zone: str = "Europe/Paris"):
    from zoneinfo import ZoneInfo

    closes = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(zone))
    return DeadlineDates(key, due, applies_to, informational, closes)


def at(occurrences: list[Occurrence], side: str) -> list[tuple[int, dt.datetime]]:
    return [(o.days_before, o.at) for o in occurrences if o.side == side]


def test_default_offsets_at_half_past_nine_paris_and_tokyo_and_for_channels():
    settings = settings_of(event_row())
    occurrences = plan([dates("hotel", dt.date(2026, 9, 15))], settings)
    # Paris in September is UTC+2; Tokyo is UTC+9 all year; channels follow the event's zone.
    assert at(occurrences, "fr") == [
        (14, dt.datetime(2026, 9, 1, 7, 30, tzinfo=UTC)),
        (7, dt.datetime(2026, 9, 8, 7, 30, tzinfo=UTC)),
        (2, dt.datetime(2026, 9, 13, 7, 30, tzinfo=UTC)),
        (0, dt.datetime(2026, 9, 15, 7, 30, tzinfo=UTC)),
    ]
    assert at(occurrences, "ja") == [
        (14, dt.datetime(2026, 9, 1, 0, 30, tzinfo=UTC)),
        (7, dt.datetime(2026, 9, 8, 0, 30, tzinfo=UTC)),
        (2, dt.datetime(2026, 9, 13, 0, 30, tzinfo=UTC)),
        (0, dt.datetime(2026, 9, 15, 0, 30, tzinfo=UTC)),
    ]
    assert at(occurrences, "channels") == at(occurrences, "fr")
    assert [o.at for o in occurrences] == sorted(o.at for o in occurrences)
    assert len({o.key for o in occurrences}) == 12
    assert occurrences[0].key == "hotel@2026-09-15/14d/ja"


def test_a_deadline_for_one_country_reaches_that_side_and_the_channels_only():
    settings = settings_of(event_row())
    french = plan([dates("posters", dt.date(2026, 8, 31), applies_to="fr")], settings)
    assert {o.side for o in french} == {"fr", "channels"}
    japanese = plan([dates("x", dt.date(2026, 8, 31), applies_to="ja-leads")], settings)
    assert {o.side for o in japanese} == {"ja", "channels"}
    steering = plan([dates("y", dt.date(2026, 8, 31), applies_to="steering")], settings)
    assert {o.side for o in steering} == {"fr", "channels"}


def test_the_event_file_sets_offsets_hours_zones_and_a_per_deadline_override():
    settings = settings_of(
        event_row(
            reminders={
                "remind_before": [3, 0],
                "fr": {"timezone": "Europe/Paris", "at": "08:00"},
                "ja": {"timezone": "Asia/Tokyo", "at": "10:15"},
                "channels": {"at": "12:00"},
                "deadlines": {"slides": [21, 1]},
            }
        )
    )
    occurrences = plan([dates("hotel", dt.date(2026, 9, 15)), dates("slides", dt.date(2026, 9, 15))], settings)
    hotel = [o for o in occurrences if o.deadline_key == "hotel"]
    slides = [o for o in occurrences if o.deadline_key == "slides"]
    assert at(hotel, "fr") == [
        (3, dt.datetime(2026, 9, 12, 6, 0, tzinfo=UTC)),
        (0, dt.datetime(2026, 9, 15, 6, 0, tzinfo=UTC)),
    ]
    assert at(hotel, "ja")[0] == (3, dt.datetime(2026, 9, 12, 1, 15, tzinfo=UTC))
    assert at(hotel, "channels")[0] == (3, dt.datetime(2026, 9, 12, 10, 0, tzinfo=UTC))
    assert sorted({o.days_before for o in slides}) == [1, 21]


def test_an_informational_deadline_is_announced_once_per_side_on_the_day_it_opens():
    occurrences = plan([dates("registrations-open", dt.date(2026, 6, 3), informational=True)], settings_of(event_row()))
    assert [(o.side, o.days_before, o.at) for o in occurrences] == [
        ("ja", 0, dt.datetime(2026, 6, 3, 0, 30, tzinfo=UTC)),
        ("channels", 0, dt.datetime(2026, 6, 3, 7, 30, tzinfo=UTC)),
        ("fr", 0, dt.datetime(2026, 6, 3, 7, 30, tzinfo=UTC)),
    ]
    assert all(o.informational and o.key.endswith(f"/opens/{o.side}") for o in occurrences)


def test_an_occurrence_at_or_after_its_deadline_is_not_planned():
    # A Tokyo event read from Honolulu: 09:30 there on the due day is already the next day in Tokyo.
    settings = settings_of(event_row("Asia/Tokyo", {"fr": {"timezone": "Pacific/Honolulu", "at": "09:30"}}))
    occurrences = plan([dates("d", dt.date(2026, 9, 15), zone="Asia/Tokyo")], settings)
    assert [o.days_before for o in occurrences if o.side == "fr"] == [14, 7, 2]
    assert all(o.at < o.closes_at for o in occurrences)


def test_end_of_summer_time_in_paris_last_sunday_of_october():
    # Sunday 25 October 2026, 03:00 CEST -> 02:00 CET.
    occurrences = plan([dates("d", dt.date(2026, 10, 25))], settings_of(event_row()))
    fr = dict(at(occurrences, "fr"))
    assert fr[0] == dt.datetime(2026, 10, 25, 8, 30, tzinfo=UTC)  # 09:30 CET
    assert fr[2] == dt.datetime(2026, 10, 23, 7, 30, tzinfo=UTC)  # 09:30 CEST
    closes = occurrences[0].closes_at.astimezone(UTC)
    assert closes == dt.datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # midnight CET: 23:59 Paris is 22:59 UTC
    assert dict(at(occurrences, "ja"))[0] == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_start_of_summer_time_in_paris_last_sunday_of_march():
    # Sunday 29 March 2026, 02:00 CET -> 03:00 CEST.
    occurrences = plan([dates("d", dt.date(2026, 3, 29))], settings_of(event_row()))
    fr = dict(at(occurrences, "fr"))
    assert fr[0] == dt.datetime(2026, 3, 29, 7, 30, tzinfo=UTC)  # 09:30 CEST
    assert fr[2] == dt.datetime(2026, 3, 27, 8, 30, tzinfo=UTC)  # 09:30 CET
    assert occurrences[0].closes_at.astimezone(UTC) == dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_an_hour_in_the_spring_gap_is_read_one_hour_later():
    settings = settings_of(event_row(reminders={"fr": {"timezone": "Europe/Paris", "at": "02:30"}}))
    occurrences = plan([dates("d", dt.date(2026, 3, 29))], settings)
    # 02:30 does not exist in Paris that night: it is 03:30 CEST, 01:30 UTC.
    assert dict(at(occurrences, "fr"))[0] == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("server_zone", ["UTC", "America/New_York", "Pacific/Chatham", "Asia/Tokyo"])
def test_the_plan_does_not_depend_on_the_servers_time_zone(monkeypatch, server_zone):
    reference = plan([dates("d", dt.date(2026, 10, 25)), dates("e", dt.date(2026, 3, 29))], settings_of(event_row()))
    monkeypatch.setenv("TZ", server_zone)
    time.tzset()
    try:
        again = plan([dates("d", dt.date(2026, 10, 25)), dates("e", dt.date(2026, 3, 29))], settings_of(event_row()))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert again == reference


def test_triage_sends_what_is_due_keeps_what_is_to_come_and_skips_what_closed():
    occurrences = plan([dates("d", dt.date(2026, 9, 15))], settings_of(event_row()))
    fr = [o for o in occurrences if o.side == "fr"]
    # 8 September 10:00 Paris: the 14- and 7-day ones are both due (down-time): only the 7-day one goes out.
    result = triage(fr, dt.datetime(2026, 9, 8, 8, 0, tzinfo=UTC))
    assert [o.days_before for o in result.due] == [7]
    assert [o.days_before for o in result.skipped] == [14]
    assert [o.days_before for o in result.upcoming] == [2, 0]
    assert result.next_at == dt.datetime(2026, 9, 13, 7, 30, tzinfo=UTC)
    # Once handled, an occurrence is neither due nor skipped again.
    handled = {o.key for o in result.due + result.skipped}
    assert triage(fr, dt.datetime(2026, 9, 9, 8, 0, tzinfo=UTC), handled).due == ()
    # Back after the deadline closed (16 September 00:00 Paris): nothing is sent late.
    late = triage(fr, dt.datetime(2026, 9, 15, 22, 0, tzinfo=UTC), handled)
    assert late.due == () and [o.days_before for o in late.skipped] == [2, 0] and late.next_at is None
    # One minute before it closes, the morning-of-the-day nudge still goes out.
    last_minute = triage(fr, dt.datetime(2026, 9, 15, 21, 59, tzinfo=UTC), handled)
    assert [o.days_before for o in last_minute.due] == [0]


def test_a_moved_due_date_plans_new_occurrences():
    settings = settings_of(event_row())
    before = {o.key for o in plan([dates("d", dt.date(2026, 9, 15))], settings)}
    after = {o.key for o in plan([dates("d", dt.date(2026, 9, 22))], settings)}
    assert before.isdisjoint(after)


def test_remind_before_is_validated_in_the_event_file(tmp_path: Path):
    data = yaml.safe_load(default_event_path().read_text(encoding="utf-8"))
    data["reminders"] = {"remind_before": [7, 7]}
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(EventFileError, match="a day appears twice"):
        read_event_file(path)
    data["reminders"] = {"fr": {"timezone": "Europe/Pariss"}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(EventFileError, match="unknown time zone"):
        read_event_file(path)
    del data["reminders"]
    data["deadlines"][0]["remind_before"] = [-1]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(EventFileError, match=r"deadlines\.0\.remind_before"):
        read_event_file(path)


def test_settings_from_the_file_reach_the_event_row_and_its_plan(database_url, tmp_path: Path):
    data = yaml.safe_load(default_event_path().read_text(encoding="utf-8"))
    data["reminders"] = {"remind_before": [10, 1]}
    hotel = next(d for d in data["deadlines"] if d["key"] == "hotel-and-slides")
    hotel["remind_before"] = [30, 0]
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    now = dt.datetime(2026, 6, 1, tzinfo=UTC)
    try:
        with transaction(sessions) as session:
            load_event_file(session, default_event_path(), now)
        with transaction(sessions) as session:
            event = session.scalars(select(Event)).one()
            # An organiser moves a deadline in chat; adding reminder settings to the file must not undo it.
            moved = session.scalars(select(Deadline).where(Deadline.key == "leads-summaries")).one()
            moved.due = dt.date(2026, 10, 5)
            assert {o.days_before for o in plan_event(event)} == {14, 7, 2, 0}
        with transaction(sessions) as session:
            event = load_event_file(session, path, now)
            occurrences = plan_event(event)
            assert {o.days_before for o in occurrences if o.deadline_key == "hotel-and-slides"} == {30, 0}
            assert {o.days_before for o in occurrences if o.deadline_key == "confirmation-and-delegation"} == {10, 1}
            assert next(d for d in event.deadlines if d.key == "leads-summaries").due == dt.date(2026, 10, 5)
            assert any(o.key.startswith("leads-summaries@2026-10-05/") for o in occurrences)
    finally:
        engine.dispose()


def test_a_reminder_asked_now_has_its_own_keys_and_none_once_the_deadline_closed():
    deadline = dates("hotel", dt.date(2026, 9, 15))
    now = dt.datetime(2026, 9, 10, 14, 5, tzinfo=UTC)
    asked = asked_now(deadline, now)
    assert [(o.side, o.at, o.days_before) for o in asked] == [("fr", now, 5), ("ja", now, 5), ("channels", now, 5)]
    assert asked[0].key == "hotel@2026-09-15/asked-20260910T140500/fr"
    planned = {o.key for o in plan([deadline], settings_of(event_row()))}
    assert not planned & {o.key for o in asked}
    assert asked_now(deadline, deadline.closes_at) == []
    french_only = asked_now(dates("posters", dt.date(2026, 9, 15), applies_to="fr"), now)
    assert [o.side for o in french_only] == ["fr", "channels"]
