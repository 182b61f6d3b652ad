"""What no longer matches after a collectivity changed its mind: stale assignments, broken binômes.

An applied balancing (storage.balancing) places a collectivity in one of its choices; choosing
again or declining afterwards leaves that assignment standing until the organisers balance
again. A joint talk (« binôme ») names a partner, which may decline or choose other workshops.
Nothing is changed here: contacts are warned and organisers shown (`/admin mismatches`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Abstract, Assignment, Collectivity, Event, Workshop, WorkshopChoice

BinomeProblem = Literal["declined", "other_workshop"]


@dataclass(frozen=True)
class StaleAssignment:
    collectivity: Collectivity
    workshop: Workshop  # assigned, but no longer among its choices (or it declined)


@dataclass(frozen=True)
class BrokenBinome:
    collectivity: Collectivity
    workshop: Workshop
    partner: Collectivity
    problem: BinomeProblem  # the partner declined, or has not this workshop among its choices


def _choice_ids(session: Session, collectivity_ids: list[int]) -> dict[int, set[int]]:
    chosen: dict[int, set[int]] = {cid: set() for cid in collectivity_ids}
    if collectivity_ids:
        rows = session.execute(
            select(WorkshopChoice.collectivity_id, WorkshopChoice.workshop_id).where(
                WorkshopChoice.collectivity_id.in_(collectivity_ids)
            )
        )
        for cid, wid in rows:
            chosen[cid].add(wid)
    return chosen


def is_stale(assignment: Assignment, collectivity: Collectivity, chosen: Collection[int]) -> bool:
    """Whether an applied assignment no longer stands: the collectivity declined or chose other workshops."""
    return collectivity.status == "declined" or assignment.workshop_id not in chosen


def assignments_of(session: Session, collectivity: Collectivity) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.collectivity_id == collectivity.id)))


def stale_among(
    event: Event, collectivity: Collectivity, assigned: Iterable[Assignment], chosen: Collection[int]
) -> list[StaleAssignment]:
    """stale_assignments for one collectivity whose assignments and chosen workshop ids are already read."""
    workshops = {w.id: w for w in event.workshops}
    return [
        StaleAssignment(collectivity, workshops[a.workshop_id])
        for a in assigned
        if a.workshop_id in workshops and is_stale(a, collectivity, chosen)
    ]


def stale_assignments(
    session: Session, event: Event, collectivity: Collectivity | None = None
) -> list[StaleAssignment]:
    """Applied assignments that no longer match the collectivity's choices (all of the event's, or one's)."""
    query = (
        select(Assignment, Collectivity)
        .join(Collectivity, Assignment.collectivity_id == Collectivity.id)
        .where(Collectivity.event_id == event.id)
        .order_by(Collectivity.id)
    )
    if collectivity is not None:
        query = query.where(Collectivity.id == collectivity.id)
    pairs = [(row[0], row[1]) for row in session.execute(query)]
    chosen = _choice_ids(session, [c.id for _, c in pairs])
    workshops = {w.id: w for w in event.workshops}
    return [
        StaleAssignment(c, workshops[a.workshop_id])
        for a, c in pairs
        if a.workshop_id in workshops and is_stale(a, c, chosen[c.id])
    ]


def broken_binomes(session: Session, event: Event, collectivity: Collectivity | None = None) -> list[BrokenBinome]:
    """Joint talks whose partner declined or did not choose the talk's workshop."""
    query = (
        select(Abstract, Collectivity)
        .join(Collectivity, Abstract.collectivity_id == Collectivity.id)
        .where(Collectivity.event_id == event.id, Abstract.partner_collectivity_id.is_not(None))
        .order_by(Collectivity.id, Abstract.workshop_id)
    )
    if collectivity is not None:
        query = query.where(Collectivity.id == collectivity.id)
    return _broken(session, event, [(row[0], row[1]) for row in session.execute(query)])


def broken_among(
    session: Session, event: Event, owner: Collectivity, abstracts: Iterable[Abstract]
) -> list[BrokenBinome]:
    """broken_binomes for one collectivity whose abstracts are already read (its partners are read here)."""
    joint = sorted((a for a in abstracts if a.partner_collectivity_id is not None), key=lambda a: a.workshop_id)
    return _broken(session, event, [(a, owner) for a in joint])


def _broken(session: Session, event: Event, pairs: list[tuple[Abstract, Collectivity]]) -> list[BrokenBinome]:
    partner_ids = sorted({a.partner_collectivity_id for a, _ in pairs if a.partner_collectivity_id is not None})
    if not partner_ids:
        return []
    partners = {p.id: p for p in session.scalars(select(Collectivity).where(Collectivity.id.in_(partner_ids)))}
    chosen = _choice_ids(session, partner_ids)
    workshops = {w.id: w for w in event.workshops}
    found = []
    for abstract, owner in pairs:
        partner = partners.get(abstract.partner_collectivity_id or 0)
        workshop = workshops.get(abstract.workshop_id)
        if partner is None or workshop is None or owner.status == "declined":
            continue
        if partner.status == "declined":
            found.append(BrokenBinome(owner, workshop, partner, "declined"))
        elif workshop.id not in chosen[partner.id]:
            found.append(BrokenBinome(owner, workshop, partner, "other_workshop"))
    return found


def binome_problem(session: Session, event: Event, workshop: Workshop, partner: Collectivity) -> BinomeProblem | None:
    """Why `partner` cannot give a joint talk in `workshop` as things stand, or None."""
    if partner.status == "declined":
        return "declined"
    if workshop.id not in _choice_ids(session, [partner.id])[partner.id]:
        return "other_workshop"
    return None
