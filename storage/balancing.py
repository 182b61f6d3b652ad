"""The optimal assignment of collectivities to workshops, solved as a min-cost flow (networkx) on a compact graph.

Each confirmed collectivity that chose workshops gets at most one workshop, its 1st or
2nd choice, within each workshop's capacity. Plans are compared lexicographically:
1. most 1st choices; 2. then most 2nd choices; 3. then the most even French/Japanese
mix: the smallest sum over workshops of (French² + Japanese²); 4. then, between plans
still equal, the collectivity with the smaller id keeps its better choice.
Levels are folded into one integer cost with weights so large that a level never trades
against a lower one; level 3 is convex per (workshop, country), which a flow expresses
with one unit edge per seat at rising cost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from storage import audit
from storage.models import Assignment, Collectivity, Event, Workshop, WorkshopChoice


@dataclass(frozen=True)
class Candidate:
    id: int
    country: str
    choices: tuple[int, ...]  # workshop ids, 1st choice first


@dataclass(frozen=True)
class Placement:
    workshop: int | None
    rank: int | None  # 1, 2, or None when neither choice had room


@dataclass(frozen=True)
class Miss:
    """A choice a collectivity did not get, and the workshops that were full."""

    collectivity: int
    rank: int | None  # the rank it got (2), or None when it got nothing
    full: tuple[int, ...]  # the workshops of its better choices, all at capacity


@dataclass(frozen=True)
class Plan:
    placements: dict[int, Placement]
    objective: tuple[int, int, int, int]
    misses: tuple[Miss, ...]

    @property
    def firsts(self) -> int:
        return -self.objective[0]

    @property
    def seconds(self) -> int:
        return -self.objective[1]


def objective(candidates: Iterable[Candidate], placements: Mapping[int, Placement]) -> tuple[int, int, int, int]:
    """(−1st choices, −2nd choices, Σ per workshop and country of count², tie-break): smaller is better."""
    ordered = sorted(candidates, key=lambda c: c.id)
    n = len(ordered)
    firsts = seconds = tie = 0
    counts: dict[tuple[int, str], int] = {}
    for position, c in enumerate(ordered):
        placed = placements.get(c.id, Placement(None, None))
        if placed.rank == 1:
            firsts += 1
        elif placed.rank == 2:
            seconds += 1
            tie += n - position
        else:
            tie += 2 * (n - position)
        if placed.workshop is not None:
            key = (placed.workshop, c.country)
            counts[key] = counts.get(key, 0) + 1
    return (-firsts, -seconds, sum(v * v for v in counts.values()), tie)


def solve(candidates: Iterable[Candidate], capacities: Mapping[int, int | None]) -> Plan:
    """The best plan; `capacities` maps workshop id to its capacity (None: no limit).

    Collectivities of one country with the same two choices are interchangeable for levels 1–3, so
    each such class is one node (a few dozen, not thousands): its members leave it by rank 1, rank 2
    or nothing, and two chains of unit edges carry level 4 (the smaller ids keep the better choice).
    """
    import networkx as nx  # 0.2 s to import: only when an organiser balances, not at every start

    ordered = sorted(candidates, key=lambda c: c.id)
    n = len(ordered)
    # Weights of the levels: each exceeds the whole range of the levels below it.
    m4 = n * (n + 1) + 1
    b2 = (n * n + 1) * m4
    b1 = (n + 1) * b2
    classes: dict[tuple[str, int | None, int | None], list[int]] = {}
    for position, c in enumerate(ordered):
        chosen = _distinct(c.choices)[:2]
        first = chosen[0] if chosen and chosen[0] in capacities else None
        second = chosen[1] if len(chosen) > 1 and chosen[1] in capacities else None
        classes.setdefault((c.country, first, second), []).append(position)
    graph = nx.MultiDiGraph()
    graph.add_node("t", demand=n)
    wanted: dict[tuple[int, str], int] = {}
    for key, positions in classes.items():
        country, first, second = key
        size = len(positions)
        graph.add_node(("k", key), demand=-size)
        if first is not None:
            graph.add_edge(("k", key), ("wc", first, country), capacity=size, weight=-b1)
            wanted[(first, country)] = wanted.get((first, country), 0) + size
        if second is not None:
            graph.add_edge(("k2", key), ("wc", second, country), capacity=size, weight=-b2)
            wanted[(second, country)] = wanted.get((second, country), 0) + size
        # Not getting the 1st choice costs the member n − position, nothing at all twice that: the flow
        # takes the cheapest unit edges first, i.e. the largest ids give up their better choice first.
        for position in reversed(positions):
            graph.add_edge(("k", key), ("k2", key), capacity=1, weight=n - position)
            graph.add_edge(("k2", key), "t", capacity=1, weight=n - position)
    for (workshop, country), count in sorted(wanted.items()):
        limit = capacities[workshop]
        seats = count if limit is None else min(count, limit)
        # The k-th collectivity of a country in a workshop costs 2k−1: k of them cost k².
        for k in range(1, seats + 1):
            graph.add_edge(("wc", workshop, country), ("w", workshop), capacity=1, weight=(2 * k - 1) * m4)
    for workshop in sorted({w for w, _ in wanted}):
        limit = capacities[workshop]
        graph.add_edge(("w", workshop), "t", capacity=n if limit is None else limit, weight=0)
    flow = nx.min_cost_flow(graph) if n else {}
    placements: dict[int, Placement] = {}
    for key, positions in classes.items():
        country, first, second = key
        firsts = sum(flow[("k", key)].get(("wc", first, country), {}).values()) if first is not None else 0
        seconds = sum(flow[("k2", key)].get(("wc", second, country), {}).values()) if second is not None else 0
        # Within a class the smaller ids keep the better choice (what the unit edges priced).
        for index, position in enumerate(positions):
            if index < firsts:
                placed = Placement(first, 1)
            elif index < firsts + seconds:
                placed = Placement(second, 2)
            else:
                placed = Placement(None, None)
            placements[ordered[position].id] = placed
    placements = dict(sorted(placements.items()))
    return Plan(placements, objective(ordered, placements), _misses(ordered, placements, capacities))


def _distinct(choices: tuple[int, ...]) -> list[int]:
    seen: list[int] = []
    for w in choices:
        if w not in seen:
            seen.append(w)
    return seen


def _misses(
    ordered: list[Candidate], placements: Mapping[int, Placement], capacities: Mapping[int, int | None]
) -> tuple[Miss, ...]:
    load: dict[int, int] = {}
    for placed in placements.values():
        if placed.workshop is not None:
            load[placed.workshop] = load.get(placed.workshop, 0) + 1
    misses = []
    for c in ordered:
        placed = placements[c.id]
        if placed.rank == 1:
            continue
        better = _distinct(c.choices)[: (placed.rank - 1) if placed.rank else 2]
        full = tuple(w for w in better if w in capacities and load.get(w, 0) >= (capacities[w] or 0))
        misses.append(Miss(c.id, placed.rank, full))
    return tuple(misses)


# --- from and to the database -----------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    candidates: tuple[Candidate, ...]
    capacities: dict[int, int | None]
    # Confirmed collectivities with no choices yet, and not-yet-confirmed ones that chose: left out.
    without_choices: tuple[int, ...]
    not_confirmed: tuple[int, ...]

    def digest(self) -> str:
        """A fingerprint of what the plan depends on: applying refuses when it changed."""
        data = {
            "c": [[c.id, c.country, list(c.choices)] for c in self.candidates],
            "w": sorted([w, cap] for w, cap in self.capacities.items()),
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def read_inputs(session: Session, event: Event) -> Inputs:
    collectivities = list(
        session.scalars(select(Collectivity).where(Collectivity.event_id == event.id).order_by(Collectivity.id))
    )
    choices: dict[int, list[WorkshopChoice]] = {}
    ids = [c.id for c in collectivities]
    if ids:
        for choice in session.scalars(
            select(WorkshopChoice).where(WorkshopChoice.collectivity_id.in_(ids)).order_by(WorkshopChoice.rank)
        ):
            choices.setdefault(choice.collectivity_id, []).append(choice)
    candidates, without, unconfirmed = [], [], []
    for c in collectivities:
        chosen = tuple(choice.workshop_id for choice in choices.get(c.id, []))
        if c.status != "confirmed":
            if chosen and c.status == "considering":
                unconfirmed.append(c.id)
            continue
        if not chosen:
            without.append(c.id)
            continue
        candidates.append(Candidate(c.id, c.country, chosen))
    capacities = {w.id: w.capacity for w in event.workshops}
    return Inputs(tuple(candidates), capacities, tuple(without), tuple(unconfirmed))


def current_assignments(session: Session, event: Event) -> dict[int, int]:
    rows = session.execute(
        select(Assignment.collectivity_id, Assignment.workshop_id)
        .join(Workshop, Assignment.workshop_id == Workshop.id)
        .where(Workshop.event_id == event.id)
    ).all()
    return {cid: wid for cid, wid in rows}


def apply_plan(session: Session, event: Event, plan: Plan, *, actor: str, now: dt.datetime) -> int:
    """Replace every assignment of the event by the plan's; returns how many were written."""
    before = current_assignments(session, event)
    workshop_ids = [w.id for w in event.workshops]
    numbers = {w.id: w.number for w in event.workshops}
    session.execute(delete(Assignment).where(Assignment.workshop_id.in_(workshop_ids)))
    rows = [
        {"collectivity_id": cid, "workshop_id": placed.workshop, "choice_rank": placed.rank, "applied_at": now}
        for cid, placed in sorted(plan.placements.items())
        if placed.workshop is not None
    ]
    if rows:
        # One executemany, not one ORM object (and one INSERT round trip) per row.
        session.execute(insert(Assignment), rows)
    written = len(rows)
    audit.record(
        session,
        event_id=event.id,
        at=now,
        actor=actor,
        action="balance.apply",
        target=f"event:{event.key}",
        before={str(cid): numbers.get(wid) for cid, wid in sorted(before.items())},
        after={str(cid): numbers.get(p.workshop) for cid, p in sorted(plan.placements.items()) if p.workshop},
    )
    return written
