"""Who still has a deadline's tasks to do, and which ones: set queries, a constant number of statements.

The same rules as storage.progress (task_states, applies), written as SQL so that asking about 5,000
collectivities is one statement, not three per collectivity. tests/test_pending.py keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, exists, false, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from storage.models import (
    Abstract,
    ChatUser,
    Collectivity,
    Contact,
    Deadline,
    Delegate,
    Event,
    TaskDone,
    WorkshopChoice,
)


def audience_clause(audience: str) -> ColumnElement[bool]:
    """storage.progress.applies as a WHERE clause on Collectivity."""
    french, japanese = Collectivity.country == "fr", Collectivity.country == "jp"
    lead = Collectivity.lead_volunteer.is_(True)
    clauses: dict[str, ColumnElement[bool]] = {
        "fr": french,
        "ja": japanese,
        "leads": lead,
        "fr-leads": and_(lead, french),
        "ja-leads": and_(lead, japanese),
        "steering": Collectivity.steering_group.is_(True),
    }
    return clauses.get(audience, true())


def _seen(check: str) -> ColumnElement[bool]:
    """Whether the bot sees a task of kind `check` done, for the collectivity of the outer query."""
    cid = Collectivity.id
    confirmed = Collectivity.status == "confirmed"
    if check == "confirmation":
        return confirmed
    if check == "delegation":
        has_delegates = exists().where(Delegate.collectivity_id == cid)
        return and_(confirmed, func.coalesce(Collectivity.delegation_size, 0) > 0, has_delegates)
    if check == "workshop_choices":
        choices = select(func.count()).select_from(WorkshopChoice).where(WorkshopChoice.collectivity_id == cid)
        return choices.scalar_subquery() == 2
    if check == "abstract":
        return exists().where(Abstract.collectivity_id == cid)
    return false()


def _done(key: str, check: str) -> ColumnElement[bool]:
    if check == "manual":
        return exists().where(TaskDone.collectivity_id == Collectivity.id, TaskDone.task_key == key)
    return _seen(check)


def _task_checks(event: Event, deadline: Deadline) -> list[tuple[str, str]]:
    """The deadline's tasks that exist in the event, in the deadline's order, with their check."""
    checks = {task.key: task.check for task in event.tasks}
    return [(key, checks[key]) for key in deadline.task_keys if key in checks]


def _concerned(event: Event, deadline: Deadline, done: Sequence[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """WHERE clauses: the event's collectivities the deadline applies to, not declined, not done with every task."""
    return [
        Collectivity.event_id == event.id,
        Collectivity.status != "declined",
        audience_clause(deadline.applies_to),
        ~and_(*done),
    ]


def pending_query(event: Event, deadline: Deadline) -> tuple[Select[*tuple[Any, ...]], list[str]] | None:
    """The collectivities concerned by `deadline` and not done with it, each with one done-flag per task key.

    None when the deadline has no task (informational: nobody is pending). Declined collectivities are left out.
    """
    tasks = _task_checks(event, deadline)
    if not tasks:
        return None
    done = [_done(key, check) for key, check in tasks]
    flags = [flag.label(f"done_{i}") for i, flag in enumerate(done)]
    query = select(Collectivity, *flags).where(*_concerned(event, deadline, done)).order_by(Collectivity.name_fr)
    return query, [key for key, _ in tasks]


@dataclass(frozen=True)
class Pending:
    """A collectivity that still has some of a deadline's tasks to do."""

    collectivity: Collectivity
    # The task keys still to do, in the deadline's order.
    missing: tuple[str, ...]


def pending_for(session: Session, event: Event, deadline: Deadline, country: str | None = None) -> list[Pending]:
    """Who still has `deadline`'s tasks to do, and which: one statement whatever the number of collectivities.

    `country`: only the collectivities of that country (fr, jp).
    """
    built = pending_query(event, deadline)
    if built is None:
        return []
    query, keys = built
    if country is not None:
        query = query.where(Collectivity.country == country)
    found = []
    for row in session.execute(query):
        collectivity: Collectivity = row[0]
        flags: tuple[bool, ...] = tuple(row[1:])
        found.append(Pending(collectivity, tuple(key for key, flag in zip(keys, flags, strict=True) if not flag)))
    return found


@dataclass(frozen=True)
class Reader:
    """What a reminder needs of a contact's chat identity: where to write, in which language, whether to write."""

    platform: str
    user_id: str
    locale: str | None
    platform_locale: str | None
    unreachable_since: dt.datetime | None
    nudges_muted_at: dt.datetime | None


# Read as plain columns, not ChatUser rows: building thousands of ORM objects was most of a reminder's time.
_READER_COLUMNS = (
    ChatUser.platform,
    ChatUser.user_id,
    ChatUser.locale,
    ChatUser.platform_locale,
    ChatUser.unreachable_since,
    ChatUser.nudges_muted_at,
)


@dataclass(frozen=True)
class ContactPerson:
    """A contact of a collectivity, as the nudges need them."""

    collectivity: Collectivity
    user: Reader
    # The deadline's task keys the collectivity still has to do (pending_contacts), in the deadline's order.
    missing: tuple[str, ...] = ()


def pending_contacts(
    session: Session, event: Event, deadline: Deadline, country: str | None = None
) -> list[ContactPerson]:
    """Every contact of the collectivities still pending for `deadline` (of `country`), with what is missing.

    Two statements.
    The pending collectivities first, then their contacts by id: joining contacts to a filter the planner cannot
    estimate (NOT (EXISTS … AND …)) made PostgreSQL scan the contacts once per collectivity (1 s at 5,000).
    """
    if not _task_checks(event, deadline):
        return []
    pending = {p.collectivity.id: p for p in pending_for(session, event, deadline, country)}
    # Integers written into the statement: no bound-parameter cap (SQLite), one statement whatever their number.
    ids: BindParameter[list[int]] = bindparam("pending_ids", sorted(pending), expanding=True, literal_execute=True)
    rows = session.execute(
        select(Contact.collectivity_id, *_READER_COLUMNS)
        .join(ChatUser, ChatUser.id == Contact.chat_user_id)
        .where(Contact.event_id == event.id, Contact.collectivity_id.in_(ids))
        .order_by(ChatUser.id)
    )
    found = []
    for row in rows:
        of = pending[row.collectivity_id]
        found.append(ContactPerson(of.collectivity, _reader(row), of.missing))
    order = {cid: position for position, cid in enumerate(pending)}
    return sorted(found, key=lambda person: order[person.collectivity.id])


def contacts_for_audience(
    session: Session, event: Event, audience: str, country: str | None = None
) -> list[ContactPerson]:
    """Every contact of the non-declined collectivities an audience covers (of `country`): announcements."""
    query = (
        select(Collectivity, *_READER_COLUMNS)
        .join(Contact, Contact.collectivity_id == Collectivity.id)
        .join(ChatUser, ChatUser.id == Contact.chat_user_id)
        .where(Contact.event_id == event.id, Collectivity.status != "declined", audience_clause(audience))
    )
    if country is not None:
        query = query.where(Collectivity.country == country)
    rows = session.execute(query.order_by(Contact.collectivity_id, ChatUser.id))
    return [ContactPerson(row[0], _reader(row)) for row in rows]


def _reader(row: Row[*tuple[Any, ...]]) -> Reader:
    return Reader(
        row.platform, row.user_id, row.locale, row.platform_locale, row.unreachable_since, row.nudges_muted_at
    )


def pending_count(session: Session, event: Event, deadline: Deadline) -> int:
    """How many collectivities still have `deadline`'s tasks to do (the group channels' figure): one statement."""
    tasks = _task_checks(event, deadline)
    if not tasks:
        return 0
    done = [_done(key, check) for key, check in tasks]
    return session.scalar(select(func.count()).select_from(Collectivity).where(*_concerned(event, deadline, done))) or 0
