"""iCalendar (.ics) files: a collectivity's agenda for calendar applications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # imported when a calendar is built, not with every handler at start
    import icalendar

PRODID = "-//Rencontres Bot//Agenda//EN"


@dataclass(frozen=True)
class CalendarEntry:
    """One event of the agenda; `uid` stays the same from one download to the next."""

    uid: str
    start: dt.datetime
    end: dt.datetime
    summary: str
    location: str | None = None
    description: str | None = None


def build_ics(entries: Iterable[CalendarEntry], *, name: str, stamp: dt.datetime) -> bytes:
    """A VCALENDAR with one VEVENT per entry; times keep their zone, described by a VTIMEZONE."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    entries = list(entries)
    # Calendar applications need the zone's rules, not only its name, to place TZID times: written as
    # yearly RRULEs, the form Outlook, Google and Apple emit (vobject misreads a list of RDATEs).
    zones = {entry.start.tzinfo for entry in entries if isinstance(entry.start.tzinfo, ZoneInfo)}
    years = [entry.start.year for entry in entries] or [stamp.year]
    for zone in sorted(zones, key=lambda z: z.key):
        calendar.add_component(vtimezone(zone, min(years)))
    for entry in entries:
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp.astimezone(dt.UTC))
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        event.add("summary", entry.summary)
        if entry.location:
            event.add("location", entry.location)
        if entry.description:
            event.add("description", entry.description)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _offset(delta: dt.timedelta | None) -> dt.timedelta:
    return delta if delta is not None else dt.timedelta(0)


@cache
def _transitions(zone: ZoneInfo, year: int) -> tuple[tuple[dt.datetime, dt.timedelta, dt.timedelta, str], ...]:
    """The zone's changes of offset in `year`: (local wall time before the change, offset before, after, name)."""
    found = []
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    previous = _offset(start.astimezone(zone).utcoffset())
    instant = start
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    while instant < end:
        following = instant + dt.timedelta(hours=1)
        offset = _offset(following.astimezone(zone).utcoffset())
        if offset != previous:
            # Changes fall on the hour or half-hour in every zone in use: find the minute.
            moment = instant
            while _offset((moment + dt.timedelta(minutes=1)).astimezone(zone).utcoffset()) == previous:
                moment += dt.timedelta(minutes=1)
            moment += dt.timedelta(minutes=1)
            local_before = (moment + previous).replace(tzinfo=None)
            found.append((local_before, previous, offset, moment.astimezone(zone).tzname() or ""))
            previous = offset
        instant = following
    return tuple(found)


def _yearly_rule(local: dt.datetime) -> dict[str, object]:
    """RRULE of a change on `local`'s weekday: the last one of its month, or the n-th."""
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
    next_month = (local.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    last_day = (next_month - dt.timedelta(days=1)).day
    nth = -1 if local.day + 7 > last_day else (local.day - 1) // 7 + 1
    return {"freq": "yearly", "bymonth": local.month, "byday": f"{nth}{weekday}"}


def vtimezone(zone: ZoneInfo, year: int) -> icalendar.Timezone:
    """The zone's VTIMEZONE as the rules of `year` repeated yearly (DAYLIGHT and STANDARD), or one STANDARD."""
    import icalendar

    timezone = icalendar.Timezone()
    timezone.add("tzid", zone.key)
    changes = _transitions(zone, year)
    if len(changes) != 2:
        # No daylight saving time (or an irregular year): one fixed offset.
        offset = _offset(dt.datetime(year, 7, 1, tzinfo=zone).utcoffset())
        standard = icalendar.TimezoneStandard()
        standard.add("tzname", dt.datetime(year, 7, 1, tzinfo=zone).tzname() or zone.key)
        standard.add("dtstart", dt.datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        timezone.add_component(standard)
        return timezone
    for local, before, after, name in changes:
        part = icalendar.TimezoneDaylight() if after > before else icalendar.TimezoneStandard()
        part.add("tzname", name)
        # DTSTART in 1970 on the same rule: the first occurrence of the rule that year.
        part.add("dtstart", _first_in_1970(local))
        part.add("rrule", _yearly_rule(local))
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        timezone.add_component(part)
    return timezone


def _first_in_1970(local: dt.datetime) -> dt.datetime:
    rule = _yearly_rule(local)
    byday = str(rule["byday"])
    nth, weekday = int(byday[:-2]), ("MO", "TU", "WE", "TH", "FR", "SA", "SU").index(byday[-2:])
    first = dt.datetime(1970, local.month, 1, local.hour, local.minute)
    days = [first + dt.timedelta(days=i) for i in range(31) if (first + dt.timedelta(days=i)).month == local.month]
    matching = [d for d in days if d.weekday() == weekday]
    return matching[nth] if nth < 0 else matching[nth - 1]
