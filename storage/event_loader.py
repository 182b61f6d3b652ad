"""Loads an event file into the database, idempotently.

Each row remembers the digest of the file entry it came from. Loading the same file
again writes nothing; an entry whose content changed in the file is rewritten; an
entry that organisers edited in chat (a workshop's slot, a deadline's date) keeps
their value for as long as the file leaves that entry unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.event_source import EventFileError
from storage.models import (
    Abstract,
    Assignment,
    Deadline,
    Event,
    Option,
    ProgrammeItem,
    Slot,
    Task,
    Workshop,
    WorkshopChoice,
)

if TYPE_CHECKING:  # pydantic and the schema load with the file, when its content changed (read_event_file)
    from pydantic import BaseModel

    from storage.event_file import EventSpec

Row = TypeVar("Row", Slot, ProgrammeItem, Workshop, Option, Task, Deadline)


def read_event_file(path: Path | str) -> tuple[EventSpec, str]:
    """storage.event_file.read_event_file, imported only when a file's content changed."""
    from storage.event_file import read_event_file as read

    return read(path)


def load_event_file(session: Session, path: Path | str, now: dt.datetime) -> Event:
    """Validate `path` and bring the database in line with it; raises EventFileError, writing nothing."""
    loaded = _loaded_already(session, path)
    if loaded is not None:
        return loaded
    spec, digest = read_event_file(path)
    try:
        return sync_event(session, spec, digest, now)
    except EventFileError as exc:
        raise EventFileError(path, exc.problems) from None


def _loaded_already(session: Session, path: Path | str) -> Event | None:
    """The event row of this very file content (digest of its bytes), if it was loaded before.

    Parsing and validating the YAML is most of a start (0.3 s); a file loaded before was valid then, and
    sync_event would change nothing. Any change to the file changes the digest and takes the full path.
    """
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None  # read_event_file says why
    return session.scalars(select(Event).where(Event.digest == digest).order_by(Event.id).limit(1)).first()


def sync_event(session: Session, spec: EventSpec, digest: str, now: dt.datetime) -> Event:
    event = session.scalars(select(Event).where(Event.key == spec.key)).one_or_none()
    if event is not None and event.digest == digest:
        return event
    if event is None:
        event = Event(key=spec.key, loaded_at=now, choices_locked=False)
        session.add(event)
    event.digest = digest
    event.timezone = spec.timezone
    event.start = spec.start
    event.end = spec.end
    event.loaded_at = now
    event.info = _info(spec)
    session.flush()
    _check_removed_workshops(session, event, {w.key for w in spec.workshops})
    _sync(event.slots, spec.slots, Slot, _slot_fields)
    _sync(event.programme, spec.programme, ProgrammeItem, _item_fields)
    _sync(event.workshops, spec.workshops, Workshop, _workshop_fields)
    _sync(event.options, spec.options, Option, _option_fields)
    _sync(event.tasks, spec.tasks, Task, _task_fields)
    _sync(event.deadlines, spec.deadlines, Deadline, _deadline_fields)
    session.flush()
    return event


def _info(spec: EventSpec) -> dict[str, Any]:
    dumped = spec.model_dump(mode="json", exclude_none=True)
    keys = ("name", "short_name", "theme", "place", "description", "organisers", "next_edition", "history")
    info = {key: dumped[key] for key in keys if key in dumped}
    info["parts_of_day"] = dumped["parts_of_day"]
    # The scheduler's settings (scheduler.settings reads them); per-deadline overrides by deadline key.
    info["reminders"] = dumped["reminders"] | {
        "deadlines": {d.key: list(d.remind_before) for d in spec.deadlines if d.remind_before is not None}
    }
    return info


def _entry_digest(entry: BaseModel) -> str:
    # The entry's own content only: moving it in the file (or adding one before it) is not an edit of it.
    dumped = entry.model_dump(mode="json")
    return hashlib.sha256(json.dumps(dumped, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _sync(
    rows: list[Row],
    entries: Sequence[BaseModel],
    model: type[Row],
    fields: Callable[[Any, int], dict[str, Any]],
) -> None:
    by_key = {row.key: row for row in rows}
    wanted = set()
    for position, entry in enumerate(entries):
        key = entry.key  # type: ignore[attr-defined]
        wanted.add(key)
        digest = _entry_digest(entry)
        row = by_key.get(key)
        if row is None:
            rows.append(model(key=key, digest=digest, **fields(entry, position)))
        elif row.digest != digest:
            for name, value in fields(entry, position).items():
                setattr(row, name, value)
            row.digest = digest
        elif getattr(row, "position", position) != position:
            setattr(row, "position", position)  # noqa: B010 - only ordered rows (programme, tasks) have one
    for row in [r for r in rows if r.key not in wanted]:
        rows.remove(row)


def _check_removed_workshops(session: Session, event: Event, keys: set[str]) -> None:
    problems = []
    for workshop in event.workshops:
        if workshop.key in keys:
            continue
        for model, what in ((WorkshopChoice, "choices"), (Abstract, "abstracts"), (Assignment, "assignments")):
            count = session.scalar(select(func.count()).select_from(model).where(model.workshop_id == workshop.id))
            if count:
                problems.append(
                    f"workshops: {workshop.key!r} is no longer in the file but {count} {what} name it; "
                    "keep it, or ask the collectivities to choose again first"
                )
    if problems:
        raise EventFileError("", problems)


def _text(value: BaseModel | None) -> dict[str, Any] | None:
    return value.model_dump(exclude_none=True) if value is not None else None


def _slot_fields(e: Any, _position: int) -> dict[str, Any]:
    return {"day": e.day, "start": e.start, "end": e.end, "rooms": [_text(r) for r in e.rooms]}


def _item_fields(e: Any, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "day": e.day,
        "start": e.start,
        "end": e.end,
        "part": e.part,
        "title": _text(e.title),
        "description": _text(e.description),
        "place": _text(e.place),
        "audience": _text(e.audience),
        "attendees": e.resolved_attendees,
        "capacity": e.capacity,
        "option_key": e.option,
        "slot_key": e.slot,
    }


def _workshop_fields(e: Any, _position: int) -> dict[str, Any]:
    return {
        "number": e.number,
        "title": _text(e.title),
        "topics": [_text(t) for t in e.topics],
        "slot_key": e.slot,
        "room": _text(e.room),
        "capacity": e.capacity,
    }


def _option_fields(e: Any, _position: int) -> dict[str, Any]:
    return {"title": _text(e.title), "capacity": e.capacity, "audience": e.audience, "kind": e.kind}


def _task_fields(e: Any, position: int) -> dict[str, Any]:
    return {"position": position, "title": _text(e.title), "check": e.check}


def _deadline_fields(e: Any, _position: int) -> dict[str, Any]:
    return {
        "due": e.due,
        "title": _text(e.title),
        "to": _text(e.to),
        "task_keys": list(e.tasks),
        "applies_to": e.applies_to,
    }
