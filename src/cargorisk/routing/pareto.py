"""Exact bi-objective (time, risk) shortest paths by label setting with lower bounds.

Two backward Dijkstra searches from the target give, for every node, the least time and the
least risk still needed to reach it (``lb_time``, ``lb_risk``). Labels (time, risk) leave a
heap ordered by (time + lb_time, risk + lb_risk) - an A* order on time - and a label is kept
when no kept label at its node weakly dominates it and its optimistic completion
(time + lb_time, risk + lb_risk) is not weakly dominated by a path already found to the target.
Both prunings only drop labels that cannot lead to a new Pareto point (the bounds never
overestimate), so every kept target label is a Pareto point and every Pareto point is found.
``max_labels`` bounds the labels kept per node (the lowest-time ones survive), which can drop
Pareto points: the documented bounded variant for very large graphs.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Hashable

import numpy as np

from cargorisk.routing.engine import CSREngine

EPS = 1e-12


class Front:
    """Non-dominated (time, risk) labels added in non-decreasing time order, so their risks
    decrease: the one that can dominate a point is the last with time <= the point's."""

    __slots__ = ("risks", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.risks: list[float] = []

    def dominates(self, time: float, risk: float) -> bool:
        """Whether a kept label weakly dominates (time, risk)."""
        i = bisect.bisect_right(self.times, time + EPS) - 1
        return i >= 0 and self.risks[i] <= risk + EPS

    def add(self, time: float, risk: float) -> None:
        """Keep a label that no kept label dominates (its time is the largest so far)."""
        self.times.append(time)
        self.risks.append(risk)

    def __len__(self) -> int:
        return len(self.times)


def lower_bounds(engine: CSREngine, weights: np.ndarray, target: Hashable, keep: np.ndarray) -> np.ndarray:
    """Least cost from every node to ``target`` over kept edges (``inf`` where unreachable)."""
    dist, _ = engine.search(weights, [target], keep=keep, reverse=True)
    return dist[0]


def pareto_paths(
    engine: CSREngine,
    times: np.ndarray,
    risks: np.ndarray,
    source: Hashable,
    target: Hashable,
    *,
    keep: np.ndarray | None = None,
    max_labels: int | None = None,
    max_time: float | None = None,
) -> list[tuple[float, float, list[int]]]:
    """All Pareto-optimal ``(time, risk, edge ids)`` paths from ``source`` to ``target``,
    sorted by time. Parallel edges are separate choices; masked edges are skipped; with
    ``max_time``, only paths taking at most that long (labels that cannot make it are pruned
    with the same lower bounds, so the front within the bound stays exact)."""
    goal = engine.index[target]
    kept_mask = np.ones(len(engine.edges), dtype=bool) if keep is None else keep
    lb_time = lower_bounds(engine, times, target, kept_mask)
    lb_risk = lower_bounds(engine, risks, target, kept_mask)
    start = engine.index[source]
    if not np.isfinite(lb_time[start]):
        return []
    useful = (kept_mask & np.isfinite(lb_time[engine.head])).tolist()  # edges that can reach the target
    heads, times_l, risks_l = engine.head.tolist(), times.tolist(), risks.tolist()  # fast scalar access
    lb_time_l, lb_risk_l, out_start = lb_time.tolist(), lb_risk.tolist(), engine.out_start.tolist()
    limit = float("inf") if max_time is None else max_time + EPS
    at_node: dict[int, Front] = {}
    at_goal = Front()
    records: list[tuple[int, int]] = []  # (parent record, edge) per kept label
    goal_records: list[tuple[float, float, int]] = []
    counter = itertools.count()
    heap = [(lb_time[start], lb_risk[start], 0.0, 0.0, next(counter), start, -1, -1)]
    while heap:
        _, _, time, risk, _, node, parent, edge = heapq.heappop(heap)
        here = at_node.setdefault(node, Front())
        if here.dominates(time, risk) or at_goal.dominates(time + lb_time[node], risk + lb_risk[node]):
            continue
        if max_labels is not None and len(here) >= max_labels:
            continue
        here.add(time, risk)
        records.append((parent, edge))
        me = len(records) - 1
        if node == goal:
            at_goal.add(time, risk)
            goal_records.append((time, risk, me))
            continue
        for e in range(out_start[node], out_start[node + 1]):
            if not useful[e]:
                continue
            head = heads[e]
            nt, nr = time + times_l[e], risk + risks_l[e]
            ft, fr = nt + lb_time_l[head], nr + lb_risk_l[head]
            if ft > limit:
                continue
            seen = at_node.get(head)
            if not at_goal.dominates(ft, fr) and not (seen is not None and seen.dominates(nt, nr)):
                heapq.heappush(heap, (ft, fr, nt, nr, next(counter), head, me, e))
    found = [(t, r, edge_chain(records, rec)) for t, r, rec in goal_records]
    return sorted(found, key=lambda item: (item[0], item[1]))


def edge_chain(records: list[tuple[int, int]], record: int) -> list[int]:
    """Edge ids from the source to the label ``record``."""
    chain = []
    while record >= 0 and records[record][1] >= 0:
        parent, edge = records[record]
        chain.append(edge)
        record = parent
    return chain[::-1]
