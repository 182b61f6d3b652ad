"""Min-cost flow with convex arc costs on a small graph: successive shortest paths, one unit at a time.

An arc either costs the same for every unit (up to a capacity) or lists the cost of each
unit in non-decreasing order, so a convex cost is one arc, not one edge per unit: the
residual graph stays as small as the problem's structure (dozens of nodes), whatever the
number of units. Dijkstra on reduced costs (potentials kept from one path to the next),
ties broken by node number: the same graph always gives the same flow.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence


class ConvexFlow:
    """A graph of integer-numbered nodes and arcs; `solve` returns the flow of each arc."""

    def __init__(self) -> None:
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.capacities: list[int] = []
        self.costs: list[int] = []  # the cost of every unit, for an arc without a list
        self.unit_costs: list[Sequence[int] | None] = []
        self.nodes = 0

    def node(self) -> int:
        self.nodes += 1
        return self.nodes - 1

    def arc(self, tail: int, head: int, capacity: int, cost: int) -> int:
        """An arc whose every unit costs `cost`."""
        return self._add(tail, head, capacity, cost, None)

    def convex_arc(self, tail: int, head: int, unit_costs: Sequence[int]) -> int:
        """An arc whose k-th unit costs `unit_costs[k]` (non-decreasing: the cheaper units are used first)."""
        if any(a > b for a, b in itertools.pairwise(unit_costs)):
            raise ValueError("unit costs must not decrease")
        return self._add(tail, head, len(unit_costs), 0, unit_costs)

    def _add(self, tail: int, head: int, capacity: int, cost: int, unit_costs: Sequence[int] | None) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.capacities.append(capacity)
        self.costs.append(cost)
        self.unit_costs.append(unit_costs)
        return len(self.tails) - 1

    def solve(self, supplies: dict[int, int], sink: int) -> list[int]:
        """The cheapest flow taking every supply to `sink`; raises ValueError if some cannot get there."""
        n = self.nodes
        source = n  # a node of its own, with one arc to each supplier
        arcs = len(self.tails)
        tails = [*self.tails, *([source] * len(supplies))]
        heads = [*self.heads, *supplies]
        caps = [*self.capacities, *supplies.values()]
        unit_costs = [*self.unit_costs, *([None] * len(supplies))]
        base = [*self.costs, *([0] * len(supplies))]
        flow = [0] * len(tails)
        # Residual arc r = 2e (forward) or 2e + 1 (backward); its cost now, or None when it has no room.
        cost: list[int | None] = [None] * (2 * len(tails))
        out: list[list[int]] = [[] for _ in range(n + 1)]
        for e in range(len(tails)):
            out[tails[e]].append(2 * e)
            out[heads[e]].append(2 * e + 1)
            cost[2 * e] = _forward(base[e], unit_costs[e], 0, caps[e])
        ends = [0] * (2 * len(tails))
        for e in range(len(tails)):
            ends[2 * e] = heads[e]
            ends[2 * e + 1] = tails[e]
        potential = _initial_potentials(n + 1, source, out, ends, cost)
        total = sum(supplies.values())
        # Distances are exact ints (costs reach 10^18 and more); only "not reached yet" is a float.
        inf = float("inf")
        for _ in range(total):
            dist: list[float] = [inf] * (n + 1)
            via = [-1] * (n + 1)
            dist[source] = 0
            heap = [(0, source)]
            done = [False] * (n + 1)
            settled: list[int] = []
            while heap:
                d, u = heapq.heappop(heap)
                if done[u]:
                    continue
                done[u] = True
                settled.append(u)
                if u == sink:
                    break
                pu = potential[u]
                for r in out[u]:
                    c = cost[r]
                    if c is None:
                        continue
                    v = ends[r]
                    nd = d + c + pu - potential[v]
                    if nd < dist[v]:
                        dist[v] = nd
                        via[v] = r
                        heapq.heappush(heap, (nd, v))
            if not done[sink]:
                raise ValueError("some supply cannot reach the sink")
            # Raising every potential by the sink's distance changes no reduced cost: only the nodes
            # settled before the sink need theirs corrected (by how much nearer they are).
            reach = dist[sink]
            for v in settled:
                potential[v] += int(dist[v] - reach)
            v = sink
            while v != source:
                r = via[v]
                e = r >> 1
                flow[e] += -1 if r & 1 else 1
                f = flow[e]
                cost[2 * e] = _forward(base[e], unit_costs[e], f, caps[e])
                cost[2 * e + 1] = _backward(base[e], unit_costs[e], f)
                v = tails[e] if not r & 1 else heads[e]
        return flow[:arcs]


def _forward(cost: int, unit_costs: Sequence[int] | None, flow: int, capacity: int) -> int | None:
    """The cost of one more unit, or None when the arc is full."""
    if flow >= capacity:
        return None
    return cost if unit_costs is None else unit_costs[flow]


def _backward(cost: int, unit_costs: Sequence[int] | None, flow: int) -> int | None:
    """What sending back the last unit saves, or None when the arc carries nothing."""
    if flow == 0:
        return None
    return -(cost if unit_costs is None else unit_costs[flow - 1])


def _initial_potentials(
    n: int, source: int, out: list[list[int]], ends: list[int], cost: list[int | None]
) -> list[int]:
    """Shortest distances from the source with no flow yet (Bellman–Ford: costs may be negative, no cycle is)."""
    inf = float("inf")
    dist: list[float] = [inf] * n
    dist[source] = 0
    for _ in range(n):
        changed = False
        for u in range(n):
            if dist[u] == inf:
                continue
            for r in out[u]:
                c = cost[r]
                if c is not None and dist[u] + c < dist[ends[r]]:
                    dist[ends[r]] = dist[u] + c
                    changed = True
        if not changed:
            break
    else:
        raise ValueError("a cycle of negative cost")
    return [0 if d == inf else int(d) for d in dist]
