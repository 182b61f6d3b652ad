"""When each deadline's reminders go out: pure functions of the event's deadlines, its settings and a given instant.

The rules are in docs/reminders.md. Nothing here reads the clock or the database: callers pass `now`
(their injected clock's instant) and the event row, so a plan is the same on every instance and every server zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal
from zoneinfo import ZoneInfo

from storage.models import Deadline, Event
from storage.progress import closes_at

# Who an occurrence is for: French collectivities' contacts, Japanese ones', or the subscribed group channels.
Side = Literal["fr", "ja", "channels"]
SIDES: tuple[Side, ...] = ("fr", "ja", "channels")
# The sides each audience of the event file reaches (storage.progress.applies); channels hear of every deadline.
AUDIENCE_SIDES: Mapping[str, tuple[Side, ...]] = {
    "fr": ("fr", "channels"),
    "fr-leads": ("fr", "channels"),
    "steering": ("fr", "channels"),
    "ja": ("ja", "channels"),
    "ja-leads": ("ja", "channels"),
}
# A collectivity's country (Collectivity.country) to its side.
COUNTRY_SIDE: Mapping[str, Side] = {"fr": "fr", "jp": "ja"}


@dataclass(frozen=True)
class LocalHour:
    zone: ZoneInfo
    at: dt.time


@dataclass(frozen=True)
class Settings:
    """The event's reminder settings, as loaded from its file (defaults when the row predates them)."""

    remind_before: tuple[int, ...]
    hours: Mapping[Side, LocalHour]
    # Per-deadline overrides of remind_before, by deadline key.
    overrides: Mapping[str, tuple[int, ...]]

    def days_for(self, deadline_key: str) -> tuple[int, ...]:
        return self.overrides.get(deadline_key, self.remind_before)


def settings_of(event: Event) -> Settings:
    """The settings stored in `event.info["reminders"]` by the loader; the file's defaults when absent."""
    raw: dict[str, Any] = dict(event.info.get("reminders") or {})
    overrides = raw.pop("deadlines", {}) or {}
    stored = raw if _as_loaded(raw) else _validated(raw)

    def hour(side: Side) -> LocalHour:
        local = stored[side]
        hours, minutes = (int(part) for part in local["at"].split(":"))
        return LocalHour(ZoneInfo(local.get("timezone") or event.timezone), dt.time(hours, minutes))

    return Settings(
        remind_before=tuple(stored["remind_before"]),
        hours={side: hour(side) for side in SIDES},
        overrides={key: tuple(days) for key, days in overrides.items()},
    )


def _as_loaded(raw: Mapping[str, Any]) -> bool:
    """Whether `raw` is the whole section as the loader stores it (validated then, every default filled in)."""
    sides = [raw.get(side) for side in SIDES]
    return (
        set(raw) == {"remind_before", *SIDES}
        and isinstance(raw["remind_before"], list)
        and all(isinstance(local, dict) and isinstance(local.get("at"), str) for local in sides)
    )


def _validated(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An older or partial section read through the file's schema, which fills in its defaults."""
    from storage.event_file import Reminders  # pydantic: only for a row the loader did not write whole

    dumped: dict[str, Any] = Reminders.model_validate(raw).model_dump(mode="json")
    return dumped


@dataclass(frozen=True)
class DeadlineDates:
    """What planning needs of a deadline."""

    key: str
    due: dt.date
    applies_to: str
    informational: bool
    closes_at: dt.datetime

    @classmethod
    def of(cls, event: Event, deadline: Deadline) -> DeadlineDates:
        return cls(deadline.key, deadline.due, deadline.applies_to, not deadline.task_keys, closes_at(event, deadline))


@dataclass(frozen=True)
class Occurrence:
    """One reminder of one deadline for one side, at one instant (UTC)."""

    deadline_key: str
    due: dt.date
    # Days before the due date (0: the morning of the day); informational deadlines have one occurrence, 0.
    days_before: int
    side: Side
    at: dt.datetime
    closes_at: dt.datetime
    informational: bool
    # Set for a reminder an organiser asked for (`admin remind`): the instant asked, part of the key.
    requested: bool = False

    @cached_property
    def key(self) -> str:
        """Stable across instances and re-plans; a moved due date makes new occurrences (the old ones lapse)."""
        if self.requested:
            when = "asked-" + self.at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")
        else:
            when = "opens" if self.informational else f"{self.days_before}d"
        return f"{self.deadline_key}@{self.due.isoformat()}/{when}/{self.side}"


def local_instant(day: dt.date, hour: LocalHour) -> dt.datetime:
    """`hour` on `day` in its zone, as a UTC instant.

    An hour that does not exist that day (in the spring-forward gap) is read one hour later, as zoneinfo does.
    """
    wall = dt.datetime.combine(day, hour.at, tzinfo=hour.zone)
    return wall.astimezone(dt.UTC)


def plan(deadlines: Iterable[DeadlineDates], settings: Settings) -> list[Occurrence]:
    """Every occurrence of every deadline, soonest first; those at or after their deadline's close are left out."""
    found = []
    for deadline in deadlines:
        info = deadline.informational
        days = (0,) if info else settings.days_for(deadline.key)
        for side in AUDIENCE_SIDES.get(deadline.applies_to, SIDES):
            for before in days:
                at = local_instant(deadline.due - dt.timedelta(days=before), settings.hours[side])
                if at < deadline.closes_at:
                    found.append(Occurrence(deadline.key, deadline.due, before, side, at, deadline.closes_at, info))
    return list(_in_order(found))


def asked_now(deadline: DeadlineDates, now: dt.datetime) -> list[Occurrence]:
    """The occurrences of a reminder an organiser sends now (`admin remind`): one per side; none once it closed."""
    if now >= deadline.closes_at:
        return []
    days = max((deadline.due - now.astimezone(deadline.closes_at.tzinfo).date()).days, 0)
    return [
        Occurrence(deadline.key, deadline.due, days, side, now, deadline.closes_at, deadline.informational, True)
        for side in AUDIENCE_SIDES.get(deadline.applies_to, SIDES)
    ]


def plan_event(event: Event) -> list[Occurrence]:
    """`plan` for an event row: its deadlines as they stand (organisers' edits included) and its settings."""
    return plan((DeadlineDates.of(event, d) for d in event.deadlines), settings_of(event))


@dataclass(frozen=True)
class Triage:
    """What to do with a plan at one instant."""

    # Due now: send (the most recent occurrence of each deadline and side that is due and still open).
    due: tuple[Occurrence, ...]
    # Not sent and never to be: their deadline closed, or a later occurrence of the same deadline is due too.
    skipped: tuple[Occurrence, ...]
    # Still to come, soonest first.
    upcoming: tuple[Occurrence, ...]

    @property
    def next_at(self) -> dt.datetime | None:
        """When the scheduler should wake up next."""
        return self.upcoming[0].at if self.upcoming else None


def triage(occurrences: Sequence[Occurrence], now: dt.datetime, done: Iterable[str] = ()) -> Triage:
    """Split `occurrences` at `now`; `done` are the keys already handled (sent or skipped), left out of all three.

    After down-time several occurrences of one deadline may be due at once: only the latest goes out, so a
    contact reads one nudge, not three.
    """
    handled = set(done)
    due: dict[tuple[str, dt.date, Side], Occurrence] = {}
    skipped, upcoming = [], []
    for occurrence in occurrences:
        if occurrence.key in handled:
            continue
        if now >= occurrence.closes_at:
            skipped.append(occurrence)
        elif now < occurrence.at:
            upcoming.append(occurrence)
        else:
            slot = (occurrence.deadline_key, occurrence.due, occurrence.side)
            earlier = due.get(slot)
            if earlier is None or earlier.at < occurrence.at:
                due[slot] = occurrence
                if earlier is not None:
                    skipped.append(earlier)
            else:
                skipped.append(occurrence)
    return Triage(_in_order(due.values()), _in_order(skipped), _in_order(upcoming))


def _in_order(occurrences: Iterable[Occurrence]) -> tuple[Occurrence, ...]:
    return tuple(sorted(occurrences, key=lambda o: (o.at, o.deadline_key, o.side, -o.days_before)))
