"""Where programme items sit in time: local start and end in the event's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from storage.catalog import kept
from storage.models import Event, ProgrammeItem

# An item with a start time but no end lasts this long, for "what is on now".
DEFAULT_LENGTH = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Placed:
    item: ProgrammeItem
    start: dt.datetime
    end: dt.datetime
    exact: bool  # False when the times come from a part of the day ("morning")


def _at(day: dt.date, hhmm: str, zone: ZoneInfo) -> dt.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def place_item(event: Event, item: ProgrammeItem) -> Placed:
    zone = ZoneInfo(event.timezone)
    if item.start is not None:
        start = _at(item.day, item.start, zone)
        end = _at(item.day, item.end, zone) if item.end else start + DEFAULT_LENGTH
        return Placed(item, start, end, exact=True)
    bounds = event.info["parts_of_day"][item.part or "morning"]
    return Placed(item, _at(item.day, bounds["start"], zone), _at(item.day, bounds["end"], zone), exact=False)


def timeline(event: Event) -> list[Placed]:
    """Every item, in the order it happens (file order breaks ties)."""
    return list(kept(event, "timeline", lambda: _timeline(event)))


def _timeline(event: Event) -> tuple[Placed, ...]:
    placed = [place_item(event, item) for item in event.programme]
    return tuple(sorted(placed, key=lambda p: (p.start, p.item.position)))


def event_bounds(event: Event) -> tuple[dt.datetime, dt.datetime]:
    """From the first item's start (or the first day's midnight) to the last item's end."""
    return kept(event, "bounds", lambda: _bounds(event))


def _bounds(event: Event) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(event.timezone)
    placed = timeline(event)
    first = placed[0].start if placed else dt.datetime.combine(event.start, dt.time(), tzinfo=zone)
    last_midnight = dt.datetime.combine(event.end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    last = max((p.end for p in placed), default=last_midnight)
    return first, last


def slot_bounds(event: Event, day: dt.date, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(event.timezone)
    return _at(day, start, zone), _at(day, end, zone)
