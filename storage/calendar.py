"""iCalendar (.ics) files: a collectivity's agenda for calendar applications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

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
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
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
    # Calendar applications need the zone's rules, not only its name, to place TZID times.
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
