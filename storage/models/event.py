"""The event as loaded from its YAML file: days, programme, slots, workshops, options, tasks, deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage.models.base import Base

# Texts are stored as {"fr": ..., "ja": ..., "en": ...} mappings, as in the event file.
TextJSON = dict[str, Any]


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    start: Mapped[dt.date]
    end: Mapped[dt.date]
    # name, short_name, theme, place, description, organisers, next_edition, history, parts_of_day
    info: Mapped[dict[str, Any]]
    choices_locked: Mapped[bool] = mapped_column(default=False)
    loaded_at: Mapped[dt.datetime]
    # Counts the committed changes to this row and its catalog (slots, programme, workshops, options,
    # tasks, deadlines): a process keeps the catalog in memory while the number it read is unchanged.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    programme: Mapped[list[ProgrammeItem]] = relationship(
        back_populates="event", order_by="ProgrammeItem.position", cascade="all, delete-orphan"
    )
    slots: Mapped[list[Slot]] = relationship(
        back_populates="event", order_by="[Slot.day, Slot.start]", cascade="all, delete-orphan"
    )
    workshops: Mapped[list[Workshop]] = relationship(
        back_populates="event", order_by="Workshop.number", cascade="all, delete-orphan"
    )
    options: Mapped[list[Option]] = relationship(back_populates="event", cascade="all, delete-orphan")
    tasks: Mapped[list[Task]] = relationship(
        back_populates="event", order_by="Task.position", cascade="all, delete-orphan"
    )
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="event", order_by="Deadline.due", cascade="all, delete-orphan"
    )


class _FromFile:
    """Rows that mirror an entry of the event file; `digest` is that entry's content when last loaded."""

    digest: Mapped[str] = mapped_column(String(64))


class Slot(_FromFile, Base):
    __tablename__ = "slots"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    day: Mapped[dt.date]
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    rooms: Mapped[list[Any]]

    event: Mapped[Event] = relationship(back_populates="slots")


class ProgrammeItem(_FromFile, Base):
    __tablename__ = "programme_items"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int]
    day: Mapped[dt.date]
    start: Mapped[str | None] = mapped_column(String(5))
    end: Mapped[str | None] = mapped_column(String(5))
    part: Mapped[str | None] = mapped_column(String(12))
    title: Mapped[TextJSON]
    description: Mapped[TextJSON | None]
    place: Mapped[TextJSON | None]
    audience: Mapped[TextJSON | None]
    # who attends without signing up: an audience (storage.progress.applies) or "signed-up"
    attendees: Mapped[str] = mapped_column(String(12), default="all", server_default="all")
    capacity: Mapped[int | None]
    option_key: Mapped[str | None] = mapped_column(String(40))
    slot_key: Mapped[str | None] = mapped_column(String(40))

    event: Mapped[Event] = relationship(back_populates="programme")


class Workshop(_FromFile, Base):
    __tablename__ = "workshops"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    number: Mapped[int]
    title: Mapped[TextJSON]
    topics: Mapped[list[Any]]
    slot_key: Mapped[str | None] = mapped_column(String(40))
    room: Mapped[TextJSON | None]
    capacity: Mapped[int | None]

    event: Mapped[Event] = relationship(back_populates="workshops")


class Option(_FromFile, Base):
    __tablename__ = "options"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[TextJSON]
    capacity: Mapped[int | None]
    audience: Mapped[str] = mapped_column(String(8))
    # attend (a visit, a meal) or bring (a gastronomy sample): how the question is worded.
    kind: Mapped[str] = mapped_column(String(8), default="attend")

    event: Mapped[Event] = relationship(back_populates="options")


class Task(_FromFile, Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int]
    title: Mapped[TextJSON]
    check: Mapped[str] = mapped_column(String(20))

    event: Mapped[Event] = relationship(back_populates="tasks")


class Deadline(_FromFile, Base):
    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    due: Mapped[dt.date]
    title: Mapped[TextJSON]
    to: Mapped[TextJSON | None]
    task_keys: Mapped[list[Any]]
    applies_to: Mapped[str] = mapped_column(String(8))

    event: Mapped[Event] = relationship(back_populates="deadlines")


CATALOG = (Slot, ProgrammeItem, Workshop, Option, Task, Deadline)


@event.listens_for(Session, "before_flush")
def _count_revision(session: Session, _flush: object, _instances: object) -> None:
    """Any change to an event row or its catalog, whoever flushes it, adds one to `Event.revision`."""
    changed: set[int] = set()
    for row in (*session.dirty, *session.deleted, *session.new):
        if isinstance(row, Event):
            if row.id is not None and row not in session.new:
                changed.add(row.id)
        elif isinstance(row, CATALOG):
            owner = row.event_id if row.event_id is not None else getattr(row.event, "id", None)
            if owner is not None:
                changed.add(owner)
    if changed:
        # On the connection, not the session: the in-memory rows keep the number read at the start.
        session.connection().execute(
            update(Event).where(Event.id.in_(sorted(changed))).values(revision=Event.revision + 1)
        )
