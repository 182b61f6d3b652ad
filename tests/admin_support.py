"""Helpers for the organisers' tests: put collectivities and what they stated straight into the database.

The contacts' own commands are tested elsewhere; here rows are written directly so the
organisers' side can be tested on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from bot.core import BotCore
from storage.db import transaction
from storage.models import (
    Abstract,
    Assignment,
    Collectivity,
    Delegate,
    Event,
    OptionSignup,
    WorkshopChoice,
)

NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)


def add_collectivity(
    core: BotCore,
    name_fr: str,
    *,
    country: str = "fr",
    status: str = "confirmed",
    name_ja: str | None = None,
    choices: Iterable[int] = (),
    delegates: Iterable[tuple[str, str]] = (),
    options: Mapping[str, int] | None = None,
    abstract: tuple[int, str] | None = None,
    lead: bool = False,
) -> int:
    """A collectivity with its workshop choices (by workshop number), delegates, options and abstract."""
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        numbers = {w.number: w.id for w in event.workshops}
        people = list(delegates)
        c = Collectivity(
            event_id=event.id,
            name_fr=name_fr,
            name_ja=name_ja,
            country=country,
            kind="commune",
            status=status,
            delegation_size=len(people) or None,
            lead_volunteer=lead,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(c)
        session.flush()
        for rank, number in enumerate(choices, start=1):
            session.add(WorkshopChoice(collectivity_id=c.id, rank=rank, workshop_id=numbers[number], chosen_at=NOW))
        for position, (name, role) in enumerate(people, start=1):
            session.add(Delegate(collectivity_id=c.id, position=position, name=name, role=role))
        for key, count in (options or {}).items():
            session.add(OptionSignup(collectivity_id=c.id, option_key=key, people=count))
        if abstract is not None:
            number, title = abstract
            session.add(
                Abstract(
                    collectivity_id=c.id,
                    workshop_id=numbers[number],
                    title=title,
                    summary_fr=f"Résumé : {title}",
                    summary_ja=f"要旨：{title}",
                    speaker="Camille Exemple",
                    updated_at=NOW,
                )
            )
        return c.id


def set_capacity(core: BotCore, number: int, capacity: int | None) -> None:
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        next(w for w in event.workshops if w.number == number).capacity = capacity


def replace_choices(core: BotCore, collectivity_id: int, numbers: Iterable[int]) -> None:
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        ids = {w.number: w.id for w in event.workshops}
        for old in session.query(WorkshopChoice).filter_by(collectivity_id=collectivity_id):
            session.delete(old)
        session.flush()
        for rank, number in enumerate(numbers, start=1):
            session.add(
                WorkshopChoice(collectivity_id=collectivity_id, rank=rank, workshop_id=ids[number], chosen_at=NOW)
            )


def assign(core: BotCore, collectivity_id: int, number: int, rank: int = 1) -> None:
    """Record an applied balancing: the collectivity presents in workshop `number`."""
    with transaction(core.sessions) as session:
        event = session.get_one(Event, core.event_id)
        workshop_id = next(w.id for w in event.workshops if w.number == number)
        session.add(
            Assignment(collectivity_id=collectivity_id, workshop_id=workshop_id, choice_rank=rank, applied_at=NOW)
        )
