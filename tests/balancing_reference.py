"""The balancing solver as it was before the compact graph: one node per collectivity, one edge per choice.

Slow (7 s at 3,500 collectivities) but plainly right; tests/test_balancing.py checks that the compact
solver reaches the same objective on random instances too large for brute force.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from storage.balancing import Candidate, Placement, Plan, _distinct, _misses, objective


def reference_solve(candidates: Iterable[Candidate], capacities: Mapping[int, int | None]) -> Plan:
    """The solver before the compact graph: one node per collectivity (kept to check the new one against)."""
    ordered = sorted(candidates, key=lambda c: c.id)
    n = len(ordered)
    # Weights of the levels: each exceeds the whole range of the levels below it.
    m4 = n * (n + 1) + 1
    b2 = (n * n + 1) * m4
    b1 = (n + 1) * b2
    graph = nx.MultiDiGraph()
    graph.add_node("s", demand=-n)
    graph.add_node("t", demand=n)
    wanted: dict[tuple[int, str], int] = {}
    for position, c in enumerate(ordered):
        node = ("c", c.id)
        graph.add_edge("s", node, capacity=1, weight=0)
        graph.add_edge(node, "t", capacity=1, weight=2 * (n - position))
        for rank, workshop in enumerate(_distinct(c.choices)[:2], start=1):
            if workshop not in capacities:
                continue
            weight = -b1 if rank == 1 else -b2 + (n - position)
            graph.add_edge(node, ("wc", workshop, c.country), capacity=1, weight=weight, rank=rank)
            wanted[(workshop, c.country)] = wanted.get((workshop, c.country), 0) + 1
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
    for c in ordered:
        placements[c.id] = Placement(None, None)
        for target, edges in flow.get(("c", c.id), {}).items():
            if target == "t":
                continue
            for key, amount in edges.items():
                if amount:
                    placements[c.id] = Placement(target[1], graph.edges[("c", c.id), target, key]["rank"])
    return Plan(placements, objective(ordered, placements), _misses(ordered, placements, capacities))
