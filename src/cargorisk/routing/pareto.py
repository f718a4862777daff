"""Exact bi-objective (time, risk) shortest paths by label setting.

Labels (time, risk) leave a heap in lexicographic order; a label is kept when no kept label
at its node, nor at the target, weakly dominates it. Every kept target label is then a Pareto
point, and every Pareto point is found (label correctness: costs are non-negative). On the
corridor network this is exact. For large graphs ``max_labels`` bounds the labels kept per node
(the lowest-time ones survive), which can drop Pareto points: the documented bounded variant.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable

import numpy as np

from cargorisk.routing.engine import CSREngine

EPS = 1e-12


def dominated(time: float, risk: float, kept: list[tuple[float, float]]) -> bool:
    """Whether (time, risk) is weakly dominated by one of ``kept``."""
    return any(t <= time + EPS and r <= risk + EPS for t, r in kept)


def pareto_paths(
    engine: CSREngine,
    times: np.ndarray,
    risks: np.ndarray,
    source: Hashable,
    target: Hashable,
    *,
    keep: np.ndarray | None = None,
    max_labels: int | None = None,
) -> list[tuple[float, float, list[int]]]:
    """All Pareto-optimal ``(time, risk, edge ids)`` paths from ``source`` to ``target``,
    sorted by time. Parallel edges are separate choices; masked edges are skipped."""
    goal = engine.index[target]
    kept_mask = np.ones(len(engine.edges), dtype=bool) if keep is None else keep
    out_edges: list[list[int]] = [[] for _ in engine.nodes]
    for e in np.flatnonzero(kept_mask):
        out_edges[engine.tail[e]].append(int(e))
    at_node: list[list[tuple[float, float]]] = [[] for _ in engine.nodes]
    records: list[tuple[int, int]] = []  # (parent record, edge) per kept label
    goal_records: list[tuple[float, float, int]] = []
    counter = itertools.count()
    heap = [(0.0, 0.0, next(counter), engine.index[source], -1, -1)]
    while heap:
        time, risk, _, node, parent, edge = heapq.heappop(heap)
        if dominated(time, risk, at_node[node]) or dominated(time, risk, at_node[goal]):
            continue
        if max_labels is not None and len(at_node[node]) >= max_labels:
            continue
        at_node[node].append((time, risk))
        records.append((parent, edge))
        me = len(records) - 1
        if node == goal:
            goal_records.append((time, risk, me))
            continue
        for e in out_edges[node]:
            nt, nr, head = time + times[e], risk + risks[e], int(engine.head[e])
            if not dominated(nt, nr, at_node[head]) and not dominated(nt, nr, at_node[goal]):
                heapq.heappush(heap, (nt, nr, next(counter), head, me, e))
    return [(t, r, edge_chain(records, rec)) for t, r, rec in goal_records]


def edge_chain(records: list[tuple[int, int]], record: int) -> list[int]:
    """Edge ids from the source to the label ``record``."""
    chain = []
    while record >= 0 and records[record][1] >= 0:
        parent, edge = records[record]
        chain.append(edge)
        record = parent
    return chain[::-1]
