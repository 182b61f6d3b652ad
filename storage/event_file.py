"""The event YAML file: its schema, and reading it into a validated EventSpec.

The schema is documented in docs/event-file.md; every text is a mapping of
locale to string (fr, ja, en), at least one of them present. Imported when a file is read:
a start whose event file is already loaded (same digest) does without pydantic and PyYAML
(storage/event_source.py holds what it needs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from storage.event_source import EventFileError as EventFileError  # the error read_event_file raises
from storage.event_source import default_event_path as default_event_path

LOCALES = ("fr", "ja", "en")
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
HourMinute = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
PartOfDay = Literal["morning", "noon", "afternoon", "evening"]
TaskCheck = Literal["confirmation", "delegation", "workshop_choices", "abstract", "manual"]
# Who an option or a deadline is for; see storage.progress.applies.
Audience = Literal["all", "fr", "ja", "leads", "fr-leads", "ja-leads", "steering"]
# Who attends a programme item without signing up: an audience, or only those signed up for its option.
Attendees = Literal["all", "fr", "ja", "leads", "fr-leads", "ja-leads", "steering", "signed-up"]
# Whether the delegation takes part in an option (a visit, a meal) or brings something (a sample).
OptionKind = Literal["attend", "bring"]


# Deeper than any event file needs; a hostile file nested deeper would exhaust Python's stack.
MAX_DEPTH = 40
# A capacity, a count or a number above this is a typo (and would not fit a database integer).
MAX_NUMBER = 1_000_000


class _EventYamlLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, for pydantic to read (and name the field of an impossible one),
    and refuses nesting deeper than MAX_DEPTH."""

    def __init__(self, stream: bytes) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _date_as_text(loader: _EventYamlLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_EventYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class Text(BaseModel):
    """A text in up to three languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fr: str | None = None
    ja: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one_language_at_least(self) -> Text:
        if not (self.fr or self.ja or self.en):
            raise ValueError("a text needs at least one of fr, ja, en")
        return self

    def get(self, locale: str) -> str:
        """The text in `locale`, else English, French, Japanese in that order."""
        for loc in (locale, "en", "fr", "ja"):
            value = getattr(self, loc, None)
            if value:
                return str(value)
        return ""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartBounds(_Strict):
    start: HourMinute
    end: HourMinute


def _default_parts() -> dict[PartOfDay, PartBounds]:
    return {
        "morning": PartBounds(start="09:00", end="12:00"),
        "noon": PartBounds(start="12:00", end="14:00"),
        "afternoon": PartBounds(start="14:00", end="18:00"),
        "evening": PartBounds(start="19:00", end="23:00"),
    }


class Slot(_Strict):
    key: Key
    day: dt.date
    start: HourMinute
    end: HourMinute
    rooms: list[Text] = Field(default_factory=list)


class ProgrammeItem(_Strict):
    key: Key
    day: dt.date
    start: HourMinute | None = None
    end: HourMinute | None = None
    part: PartOfDay | None = None
    title: Text
    description: Text | None = None
    place: Text | None = None
    audience: Text | None = None
    # Who attends without signing up (the agenda's rule; `audience` is what people read).
    # Left out: `signed-up` when the item has an option, else `all`.
    attendees: Attendees | None = None
    capacity: int | None = Field(default=None, ge=1, le=MAX_NUMBER)
    option: Key | None = None
    slot: Key | None = None

    @model_validator(mode="after")
    def _time_or_part(self) -> ProgrammeItem:
        if self.start is None and self.part is None:
            raise ValueError("give a start time or a part of the day")
        if self.end is not None and self.start is None:
            raise ValueError("an end time needs a start time")
        if self.attendees == "signed-up" and self.option is None:
            raise ValueError("attendees: signed-up needs an option")
        return self

    @property
    def resolved_attendees(self) -> str:
        """`attendees`, or its default: those signed up when the item has an option, else all."""
        if self.attendees is not None:
            return self.attendees
        return "signed-up" if self.option is not None else "all"


class Workshop(_Strict):
    key: Key
    number: int = Field(ge=1, le=MAX_NUMBER)
    title: Text
    topics: list[Text] = Field(default_factory=list)
    slot: Key | None = None
    room: Text | None = None
    capacity: int | None = Field(default=None, ge=1, le=MAX_NUMBER)


class Option(_Strict):
    """Something a delegation can sign up for (a visit, a meal, a stand)."""

    key: Key
    title: Text
    capacity: int | None = Field(default=None, ge=1, le=MAX_NUMBER)
    audience: Audience = "all"
    kind: OptionKind = "attend"


class Task(_Strict):
    key: Key
    title: Text
    check: TaskCheck = "manual"


# Days before a deadline's due date when its reminders go out; 0 is the morning of the day itself.
RemindBefore = Annotated[list[Annotated[int, Field(ge=0, le=365)]], Field(max_length=12)]


def _distinct_days(days: list[int] | None) -> list[int] | None:
    if days is not None and len(set(days)) != len(days):
        raise ValueError("a day appears twice in remind_before")
    return days


class Deadline(_Strict):
    key: Key
    due: dt.date
    title: Text
    to: Text | None = None
    tasks: list[Key] = Field(default_factory=list)
    applies_to: Audience = "all"
    # Overrides the event's reminders.remind_before for this deadline ([] for none). Kept out of the entry's
    # dump, hence of its digest: the loader stores it in the event's info, and adding it is not an edit of the row.
    remind_before: RemindBefore | None = Field(default=None, exclude=True)

    @field_validator("remind_before")
    @classmethod
    def _distinct(cls, value: list[int] | None) -> list[int] | None:
        return _distinct_days(value)


class LocalHour(_Strict):
    """When reminders reach one side: an hour of the day in a time zone."""

    timezone: str | None = None
    at: HourMinute = "09:30"

    @field_validator("timezone")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        return _known_zone(value) if value is not None else None


def _default_fr() -> LocalHour:
    return LocalHour(timezone="Europe/Paris")


def _default_ja() -> LocalHour:
    return LocalHour(timezone="Asia/Tokyo")


class Reminders(_Strict):
    """When the scheduler reminds people of deadlines (docs/reminders.md)."""

    remind_before: RemindBefore = Field(default_factory=lambda: [14, 7, 2, 0])
    # French collectivities' contacts, Japanese ones', and the subscribed group channels (default: the event's zone).
    fr: LocalHour = Field(default_factory=_default_fr)
    ja: LocalHour = Field(default_factory=_default_ja)
    channels: LocalHour = Field(default_factory=LocalHour)

    @field_validator("remind_before")
    @classmethod
    def _distinct(cls, value: list[int] | None) -> list[int] | None:
        return _distinct_days(value)


class Edition(_Strict):
    number: int = Field(ge=1)
    year: int
    city: Text
    note: Text | None = None


class EventSpec(_Strict):
    """A whole event file, validated."""

    schema_version: Literal[1] = Field(alias="schema")
    key: Key
    timezone: str
    start: dt.date
    end: dt.date
    name: Text
    short_name: Text | None = None
    theme: Text | None = None
    place: Text
    description: Text | None = None
    organisers: list[Text] = Field(default_factory=list)
    next_edition: Text | None = None
    parts_of_day: dict[PartOfDay, PartBounds] = Field(default_factory=_default_parts)
    slots: list[Slot] = Field(default_factory=list)
    programme: list[ProgrammeItem]
    workshops: list[Workshop] = Field(default_factory=list)
    options: list[Option] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    history: list[Edition] = Field(default_factory=list)
    reminders: Reminders = Field(default_factory=Reminders)

    @field_validator("timezone")
    @classmethod
    def _known(cls, value: str) -> str:
        return _known_zone(value)

    @model_validator(mode="after")
    def _references(self) -> EventSpec:
        problems: list[str] = []
        if self.end < self.start:
            problems.append("end: the event ends before it starts")
        problems += _duplicates("programme", [i.key for i in self.programme])
        problems += _duplicates("workshops", [w.key for w in self.workshops])
        problems += _duplicates("workshops (number)", [str(w.number) for w in self.workshops])
        problems += _duplicates("slots", [s.key for s in self.slots])
        problems += _duplicates("options", [o.key for o in self.options])
        problems += _duplicates("tasks", [t.key for t in self.tasks])
        problems += _duplicates("deadlines", [d.key for d in self.deadlines])
        slots = {s.key for s in self.slots}
        options = {o.key for o in self.options}
        tasks = {t.key for t in self.tasks}
        for i, item in enumerate(self.programme):
            if not self.start <= item.day <= self.end:
                problems.append(f"programme.{i}.day: {item.day} is outside the event dates")
            if item.slot and item.slot not in slots:
                problems.append(f"programme.{i}.slot: unknown slot {item.slot!r}")
            if item.option and item.option not in options:
                problems.append(f"programme.{i}.option: unknown option {item.option!r}")
        for i, workshop in enumerate(self.workshops):
            if workshop.slot and workshop.slot not in slots:
                problems.append(f"workshops.{i}.slot: unknown slot {workshop.slot!r}")
        for i, deadline in enumerate(self.deadlines):
            for task in deadline.tasks:
                if task not in tasks:
                    problems.append(f"deadlines.{i}.tasks: unknown task {task!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _duplicates(section: str, keys: list[str]) -> list[str]:
    seen: set[str] = set()
    found = []
    for key in keys:
        if key in seen:
            found.append(f"{section}: key {key!r} appears twice")
        seen.add(key)
    return found


def read_event_file(path: Path | str) -> tuple[EventSpec, str]:
    """Parse and validate an event file; return the spec and a digest of its content."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EventFileError(path, [f"cannot read the file ({exc.strerror})"]) from exc
    try:
        data = yaml.load(raw, Loader=_EventYamlLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f"line {where.line + 1}: " if where is not None else ""
        raise EventFileError(path, [f"{line}not valid YAML ({getattr(exc, 'problem', exc)})"]) from exc
    if not isinstance(data, dict):
        raise EventFileError(path, ["the file must be a mapping of fields (schema, key, name, …)"])
    try:
        spec = EventSpec.model_validate(data)
    except ValidationError as exc:
        raise EventFileError(path, [_describe(err) for err in exc.errors()]) from exc
    return spec, hashlib.sha256(raw).hexdigest()


def _describe(error: object) -> str:
    """ "deadlines.0.due: Input should be a valid date… (got '2026-06-31')": the field, why, and the value."""
    err = dict(error)  # type: ignore[call-overload]
    where = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
    message = str(err.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    value = err.get("input")
    if isinstance(value, str | int | float) and len(repr(value)) <= 80 and repr(value) not in message:
        return f"{where}: {message} (got {value!r})"
    return f"{where}: {message}"
