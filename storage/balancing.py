"""The optimal assignment of collectivities to workshops, solved as a min-cost flow on a compact graph.

Each confirmed collectivity that chose workshops gets at most one workshop, its 1st or
2nd choice, within each workshop's capacity. Plans are compared lexicographically:
1. most 1st choices; 2. then most 2nd choices; 3. then the most even French/Japanese
mix: the smallest sum over workshops of (French² + Japanese²); 4. then, between plans
still equal, the collectivity with the smaller id keeps its better choice.
Levels are folded into one integer cost with weights so large that a level never trades
against a lower one; levels 3 and 4 are convex (per workshop and country, per class of
alike collectivities), which storage/convex_flow.py takes as one arc with rising unit costs.
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
from storage.convex_flow import ConvexFlow
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

    def digest(self) -> str:
        """A fingerprint of the placements: applying checks it is the plan the organiser was shown."""
        text = ";".join(f"{cid}:{p.workshop}:{p.rank}" for cid, p in sorted(self.placements.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


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
    or nothing, and two convex arcs carry level 4 (the smaller ids keep the better choice).
    """
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
    # Level 1 gives each workshop min(capacity, 1st choices) 1st choices, and no plan gives more: so
    # where every 1st choice fits, every plan that is best gives them all. Those are placed, not solved.
    asked: dict[int, int] = {}
    for (_, first, _), positions in classes.items():
        if first is not None:
            asked[first] = asked.get(first, 0) + len(positions)
    certain = {w for w, count in asked.items() if capacities[w] is None or count <= (capacities[w] or 0)}
    placed_load: dict[tuple[int, str], int] = {}
    open_classes: dict[tuple[str, int | None, int | None], list[int]] = {}
    for key, positions in classes.items():
        country, first, _ = key
        if first in certain:
            placed_load[(first, country)] = placed_load.get((first, country), 0) + len(positions)
        else:
            open_classes[key] = positions
    flows = _solve_open(open_classes, capacities, placed_load, n, (b1, b2, m4))
    placements: dict[int, Placement] = {}
    for key, positions in classes.items():
        _, first, second = key
        firsts, seconds = flows.get(key, (len(positions), 0))
        # Within a class the smaller ids keep the better choice (what the unit costs priced).
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


def _solve_open(
    classes: dict[tuple[str, int | None, int | None], list[int]],
    capacities: Mapping[int, int | None],
    placed_load: Mapping[tuple[int, str], int],
    n: int,
    weights: tuple[int, int, int],
) -> dict[tuple[str, int | None, int | None], tuple[int, int]]:
    """(1st choices, 2nd choices) per class, the seats already placed taken into account."""
    b1, b2, m4 = weights
    graph = ConvexFlow()
    sink = graph.node()
    supplies: dict[int, int] = {}
    wanted: dict[tuple[int, str], int] = {}
    for (country, first, second), positions in classes.items():
        for workshop in (first, second):
            if workshop is not None:
                wanted[(workshop, country)] = wanted.get((workshop, country), 0) + len(positions)
    taken: dict[int, int] = {}
    for (workshop, _), count in placed_load.items():
        taken[workshop] = taken.get(workshop, 0) + count
    room = {w: None if cap is None else cap - taken.get(w, 0) for w, cap in capacities.items()}
    seat_nodes = {key: graph.node() for key in sorted(wanted)}
    workshop_nodes = {w: graph.node() for w in sorted({w for w, _ in wanted})}
    for (workshop, country), count in sorted(wanted.items()):
        left = room[workshop]
        seats = count if left is None else min(count, left)
        # The k-th collectivity of a country in a workshop costs 2k−1: k of them cost k².
        already = placed_load.get((workshop, country), 0)
        graph.convex_arc(
            seat_nodes[(workshop, country)],
            workshop_nodes[workshop],
            [(2 * k - 1) * m4 for k in range(already + 1, already + seats + 1)],
        )
    for workshop, node in workshop_nodes.items():
        left = room[workshop]
        graph.arc(node, sink, n if left is None else left, 0)
    exits: list[tuple[int | None, int | None]] = []
    for (country, first, second), positions in classes.items():
        size = len(positions)
        members, gave_up = graph.node(), graph.node()
        supplies[members] = size
        # Not getting the 1st choice costs the member n − position, nothing at all twice that: the
        # cheapest units go first, i.e. the largest ids give up their better choice first.
        giving_up = [n - position for position in reversed(positions)]
        exits.append(
            (
                None if first is None else graph.arc(members, seat_nodes[(first, country)], size, -b1),
                None if second is None else graph.arc(gave_up, seat_nodes[(second, country)], size, -b2),
            )
        )
        graph.convex_arc(members, gave_up, giving_up)
        graph.convex_arc(gave_up, sink, giving_up)
    flow = graph.solve(supplies, sink)
    return {
        key: (0 if first_arc is None else flow[first_arc], 0 if second_arc is None else flow[second_arc])
        for key, (first_arc, second_arc) in zip(classes, exits, strict=True)
    }


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
    # Columns, not ORM objects: 5,000 collectivities and their choices are read for a few fields each.
    collectivities = session.execute(
        select(Collectivity.id, Collectivity.status, Collectivity.country)
        .where(Collectivity.event_id == event.id)
        .order_by(Collectivity.id)
    ).all()
    choices: dict[int, list[int]] = {}
    for cid, workshop in session.execute(
        select(WorkshopChoice.collectivity_id, WorkshopChoice.workshop_id)
        .join(Collectivity, WorkshopChoice.collectivity_id == Collectivity.id)
        .where(Collectivity.event_id == event.id)
        .order_by(WorkshopChoice.collectivity_id, WorkshopChoice.rank)
    ):
        choices.setdefault(cid, []).append(workshop)
    candidates, without, unconfirmed = [], [], []
    for cid, status, country in collectivities:
        chosen = tuple(choices.get(cid, ()))
        if status != "confirmed":
            if chosen and status == "considering":
                unconfirmed.append(cid)
            continue
        if not chosen:
            without.append(cid)
            continue
        candidates.append(Candidate(cid, country, chosen))
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
