"""Routing benchmark, measured in one run:

1. ``Router.plan`` on the national graph: the full plan (route pool of six search profiles,
   driver schedules, border waits, alternatives, departure sweep over 24 h); Monterrey ->
   Dallas repeated (searches cached, as for a planner asking twice) and cold (the search cache
   emptied before each call, as for a new lane), p50 and p90 (goal: p50 under 300 ms), the
   same with the Pareto front, and p50 of two longer lanes;
2. one-to-all shortest paths (travel time) on the national graph itself, and on a 250,000-node
   road-like grid (500 x 500, random weights, both directions): our CSR engine vs networkx
   (goal: >= 20x faster) and vs raw ``scipy.sparse.csgraph.dijkstra`` on a prebuilt matrix
   (goal: within 1.5x), distances checked equal.

Usage: python benchmarks/bench_routing.py [--data-dir data] [--side 500]   (needs `make demo` first)
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Hashable
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from cargorisk.config import Settings
from cargorisk.network import load_network
from cargorisk.routing import CSREngine, Router

PLAN_GOAL_MS = 300.0
DEPART = "2026-03-02T06:00-06:00"
LANES = (("Ciudad de México", "Laredo, TX"), ("Guadalajara", "Chicago"))


def best_of(fn, repeat: int = 3) -> float:
    """Fastest of ``repeat`` timed calls, seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def plan_times(
    router: Router, origin: str, destination: str, calls: int, *, cold: bool = False, **options
) -> np.ndarray:
    """Seconds of ``calls`` plans of one lane (after one warm-up call); ``cold`` empties the
    router's search cache before each call."""
    router.plan(origin, destination, depart=DEPART, cargo_value=250_000, **options)
    times = []
    for _ in range(calls):
        if cold:
            router.finder.clear()
        start = time.perf_counter()
        router.plan(origin, destination, depart=DEPART, cargo_value=250_000, **options)
        times.append(time.perf_counter() - start)
    return np.array(times)


def national_plan(router: Router, calls: int = 25) -> None:
    """p50/p90 of Monterrey -> Dallas against the goal (repeated, cold, with Pareto), and p50
    of the longer lanes."""
    for label, options in (
        ("repeated", {}),
        ("cold", {"cold": True}),
        ("cold, with Pareto", {"cold": True, "pareto": True}),
    ):
        times = plan_times(router, "Monterrey, NL", "Dallas, TX", calls, **options) * 1000
        p50, p90 = np.percentile(times, [50, 90])
        print(
            f"national plan Monterrey -> Dallas, {label}: p50 {p50:.1f} ms, p90 {p90:.1f} ms over {calls} "
            f"calls; p50 / goal {PLAN_GOAL_MS:.0f} ms = {p50 / PLAN_GOAL_MS:.2f}"
        )
    for origin, destination in LANES:
        p50 = statistics.median(plan_times(router, origin, destination, calls, cold=True)) * 1000
        print(f"national plan {origin} -> {destination}, cold: p50 {p50:.1f} ms over {calls} calls")


def compare_one_to_all(label: str, graph: nx.MultiDiGraph, weight: str, source: Hashable) -> None:
    """Time one-to-all from ``source``: CSR engine vs raw csgraph vs networkx; check distances.
    networkx searches the roads the engine compiles: those open to trucks (``trucks`` not
    ``"no"``)."""
    start = time.perf_counter()
    engine = CSREngine(graph)
    compile_s = time.perf_counter() - start
    weights = engine.edge_attribute(weight)
    raw = engine.weighted(weights)  # prebuilt once: parallel edges already collapsed
    index = engine.index[source]
    t_engine = best_of(lambda: engine.search(weights, [source]))
    t_scipy = best_of(lambda: dijkstra(raw, directed=True, indices=index, return_predecessors=True))
    open_roads = graph.copy()
    open_roads.remove_edges_from(
        [(u, v, k) for u, v, k, t in graph.edges(keys=True, data="trucks") if t == "no"]
    )
    t_nx = best_of(lambda: nx.single_source_dijkstra_path_length(open_roads, source, weight=weight), repeat=1)
    ours, _ = engine.search(weights, [source])
    check = nx.single_source_dijkstra_path_length(open_roads, source, weight=weight)
    reached = np.isfinite(ours[0]).sum()
    assert reached == len(check), (reached, len(check))
    assert np.allclose([ours[0][engine.index[n]] for n in check], list(check.values()))
    print(
        f"one-to-all on {label}, {len(engine.nodes):,} nodes / {len(engine.edges):,} edges "
        f"(compile once: {compile_s:.1f} s; distances equal networkx's, {reached:,} reached)"
    )
    print(f"  cargorisk CSR engine {t_engine * 1000:8.1f} ms")
    ratio, speedup = t_engine / t_scipy, t_nx / t_engine
    print(f"  raw scipy csgraph    {t_scipy * 1000:8.1f} ms   engine / scipy = {ratio:.2f}x (goal <= 1.5x)")
    print(f"  networkx             {t_nx * 1000:8.1f} ms   networkx / engine = {speedup:.1f}x (goal >= 20x)")


def national_one_to_all(settings: Settings) -> None:
    """One-to-all travel times from Monterrey on the national graph."""
    graph = load_network(settings=settings)
    source = next(n for n, d in graph.nodes(data=True) if d.get("name") == "Monterrey")
    compare_one_to_all("the national graph (travel_time from Monterrey)", graph, "travel_time", source)


def grid_graph(side: int, seed: int = 0) -> nx.MultiDiGraph:
    """A side x side grid, edges both ways, weights 50-150 (seconds, say)."""
    rng = np.random.default_rng(seed)
    graph = nx.MultiDiGraph()
    idx = np.arange(side * side).reshape(side, side)
    pairs = np.vstack(
        [np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()], np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel()]]
    )
    weights = rng.uniform(50, 150, len(pairs))
    graph.add_nodes_from(range(side * side))
    graph.add_weighted_edges_from(
        ((int(a), int(b), float(w)) for (a, b), w in zip(pairs, weights, strict=True)), weight="w"
    )
    graph.add_weighted_edges_from(
        ((int(b), int(a), float(w)) for (a, b), w in zip(pairs, weights, strict=True)), weight="w"
    )
    return graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--side", type=int, default=500)
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=args.data_dir)
    national_plan(Router.from_settings(settings))
    national_one_to_all(settings)
    side = args.side
    compare_one_to_all(f"a {side} x {side} grid", grid_graph(side), "w", side * (side // 2) + side // 2)


if __name__ == "__main__":
    main()
