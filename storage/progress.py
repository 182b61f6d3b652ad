"""Which tasks a collectivity has done, deadline by deadline.

A task is done when the bot sees it (`check`: confirmation, delegation, workshop_choices,
abstract) or, for `manual` tasks, when a contact marked it with /done (a TaskDone row).
The scheduler asks the same questions to decide whom to remind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import ScalarSelect, bindparam, func, select
from sqlalchemy.orm import Session

from storage.catalog import kept
from storage.models import Abstract, Collectivity, Deadline, Delegate, Event, Task, TaskDone, WorkshopChoice
from storage.pending import pending_for


def applies(audience: str, collectivity: Collectivity) -> bool:
    """Whether an audience of the event file includes this collectivity.

    all; fr, ja (by country, `jp`); leads, fr-leads, ja-leads (volunteer workshop leads, of
    either or one country); steering (members of the French steering group).
    """
    if audience == "fr":
        return collectivity.country == "fr"
    if audience == "ja":
        return collectivity.country == "jp"
    if audience == "leads":
        return collectivity.lead_volunteer
    if audience == "fr-leads":
        return collectivity.lead_volunteer and collectivity.country == "fr"
    if audience == "ja-leads":
        return collectivity.lead_volunteer and collectivity.country == "jp"
    if audience == "steering":
        return collectivity.steering_group
    return True


def closes_at(event: Event, deadline: Deadline) -> dt.datetime:
    """A deadline's due date lasts the whole day: it closes at the next midnight, event time."""
    return dt.datetime.combine(deadline.due + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(event.timezone))


def task_applies(event: Event, task: Task, collectivity: Collectivity) -> bool:
    """A task concerns a collectivity when one of the deadlines listing it does (or none lists it)."""
    listing = kept(event, "task-audiences", partial(_task_audiences, event)).get(task.key, ())
    return not listing or any(applies(audience, collectivity) for audience in listing)


def _task_audiences(event: Event) -> dict[str, tuple[str, ...]]:
    """Task key -> the audiences of the deadlines listing it."""
    found: dict[str, list[str]] = {}
    for deadline in event.deadlines:
        for key in deadline.task_keys:
            found.setdefault(key, []).append(deadline.applies_to)
    return {key: tuple(audiences) for key, audiences in found.items()}


@dataclass(frozen=True)
class TaskProgress:
    task: Task
    done: bool
    # When a contact marked a manual task done; None for what the bot sees by itself.
    done_at: dt.datetime | None = None

    @property
    def manual(self) -> bool:
        return self.task.check == "manual"


@dataclass(frozen=True)
class DeadlineProgress:
    deadline: Deadline
    closes_at: dt.datetime
    tasks: tuple[TaskProgress, ...]

    @property
    def complete(self) -> bool:
        return all(t.done for t in self.tasks)

    @property
    def pending(self) -> tuple[TaskProgress, ...]:
        return tuple(t for t in self.tasks if not t.done)

    def is_past(self, now: dt.datetime) -> bool:
        return now >= self.closes_at


def _counted(model: type[Delegate] | type[WorkshopChoice] | type[Abstract]) -> ScalarSelect[int]:
    return select(func.count()).select_from(model).where(model.collectivity_id == bindparam("id")).scalar_subquery()


# Built once: the three counts a task check needs, in one statement.
_COUNTS = select(_counted(Delegate), _counted(WorkshopChoice), _counted(Abstract))


# How many delegates, workshop choices and abstracts a collectivity has.
Counts = tuple[int, int, int]


def _seen(session: Session, collectivity: Collectivity, counts: Counts | None) -> dict[str, bool]:
    """What the bot sees by itself, one answer per kind of check."""
    delegates, choices, abstracts = counts or session.execute(_COUNTS, {"id": collectivity.id}).one()
    confirmed = collectivity.status == "confirmed"
    return {
        "confirmation": confirmed,
        "delegation": confirmed and bool(collectivity.delegation_size) and bool(delegates),
        "workshop_choices": choices == 2,
        "abstract": bool(abstracts),
    }


def task_states(
    session: Session, event: Event, collectivity: Collectivity, *, counts: Counts | None = None
) -> dict[str, TaskProgress]:
    """Every task of the event, done or not, for this collectivity (whether it applies or not).

    `counts`, when the caller has read them already, spare a statement.
    """
    seen = _seen(session, collectivity, counts)
    marked = {
        row.task_key: row
        for row in session.scalars(select(TaskDone).where(TaskDone.collectivity_id == collectivity.id))
    }
    states = {}
    for task in event.tasks:
        if task.check == "manual":
            row = marked.get(task.key)
            states[task.key] = TaskProgress(task, row is not None, row.done_at if row else None)
        else:
            states[task.key] = TaskProgress(task, seen.get(task.check, False))
    return states


def progress(
    session: Session, event: Event, collectivity: Collectivity, *, counts: Counts | None = None
) -> list[DeadlineProgress]:
    """The deadlines that apply to this collectivity, soonest first, with each task done or not."""
    states = task_states(session, event, collectivity, counts=counts)
    result = []
    for deadline in sorted(event.deadlines, key=lambda d: (d.due, d.key)):
        if not applies(deadline.applies_to, collectivity):
            continue
        tasks = tuple(states[key] for key in deadline.task_keys if key in states)
        result.append(DeadlineProgress(deadline, closes_at(event, deadline), tasks))
    return result


def pending_collectivities(session: Session, event: Event, deadline: Deadline) -> list[Collectivity]:
    """Collectivities this deadline applies to that still have one of its tasks to do (declined ones aside).

    One statement whatever their number (storage.pending writes these rules as SQL).
    """
    return [pending.collectivity for pending in pending_for(session, event, deadline)]
