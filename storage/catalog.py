"""The event's catalog kept in memory between messages while the event row says it is unchanged.

The catalog (the event row's file columns, its slots, programme, workshops, options, tasks and
deadlines) changes only when an organiser edits it or a new event file is loaded, and every such
flush adds one to `Event.revision` (storage/models/event.py). Each message reads the row's id,
digest, revision and lock of choices (bot/core.py, with the person, in one statement); a process
serves the catalog from memory while (id, digest, revision) is the one it loaded, so an edit
committed by another process is seen by the next message here.

The rows kept are detached from any session and shared by every message: read them, never
change them. An organiser's message gets rows of its own session (`collections=False`), so an
edit of a workshop or a deadline changes rows the session flushes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Event

COLLECTIONS = ("slots", "programme", "workshops", "options", "tasks", "deadlines")
# The event's columns each message reads from the row (`load_only(*PER_MESSAGE)`); the others come from memory.
PER_MESSAGE = (Event.id, Event.digest, Event.revision, Event.choices_locked)


T = TypeVar("T")
_MEMO = "catalog-memo"


@dataclass(frozen=True)
class _Snapshot:
    key: tuple[int, str, int]
    columns: dict[str, Any]
    collections: dict[str, tuple[Any, ...]]
    # What was computed from this catalog alone (the timeline), by name: kept as long as the catalog.
    memo: dict[str, Any] = field(default_factory=dict)


def kept(event: Event, name: str, compute: Callable[[], T]) -> T:
    """`compute()`, a function of the event's catalog only: once per revision when the catalog came
    from memory, every time otherwise (an organiser's message, which may have changed it)."""
    memo = inspect(event).info.get(_MEMO)
    if memo is None:
        return compute()
    if name not in memo:
        memo[name] = compute()
    value: T = memo[name]
    return value


class EventCatalog:
    """One process's copy of an event's catalog, reloaded when the row's revision moves on."""

    def __init__(self) -> None:
        self._snapshot: _Snapshot | None = None
        self.loads = 0  # how many times it was read from the database (tests count them)

    def fill(self, session: Session, event: Event, *, collections: bool = True) -> None:
        """Give `event` (read with `load_only(*PER_MESSAGE)`) its other columns and, with `collections`, its catalog."""
        key = (event.id, event.digest, event.revision)
        snapshot = self._snapshot
        if snapshot is None or snapshot.key != key:
            snapshot = self._snapshot = self._load(session, event.id)
        unloaded = inspect(event).unloaded
        for name, value in snapshot.columns.items():
            if name in unloaded:
                set_committed_value(event, name, value)
        if collections:
            for name, rows in snapshot.collections.items():
                if name in unloaded:
                    set_committed_value(event, name, list(rows))
            inspect(event).info[_MEMO] = snapshot.memo

    def _load(self, session: Session, event_id: int) -> _Snapshot:
        self.loads += 1
        # A second session on the message's connection: the same transaction, and its rows are
        # detached when it closes, so no later session can flush them.
        with Session(bind=session.connection(), autoflush=False, expire_on_commit=False) as loader:
            loads = [selectinload(getattr(Event, name)) for name in COLLECTIONS]
            event = loader.scalars(select(Event).where(Event.id == event_id).options(*loads)).one()
            columns = {attr.key: getattr(event, attr.key) for attr in inspect(Event).column_attrs}
            found = {name: tuple(getattr(event, name)) for name in COLLECTIONS}
        return _Snapshot((event.id, event.digest, event.revision), columns, found)
