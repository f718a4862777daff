"""Routing benchmark, measured in one run:

1. corridor ``Router.plan`` (Monterrey -> Dallas with alternatives and Pareto set): p50 over
   repeated calls (goal: under 20 ms);
2. one-to-all shortest paths on a 250,000-node road-like grid (500 x 500, random weights,
   both directions): our CSR engine vs networkx (goal: >= 20x faster) and vs raw
   ``scipy.sparse.csgraph.dijkstra`` on a prebuilt matrix (goal: within 1.5x).

Usage: python benchmarks/bench_routing.py [--data-dir data] [--side 500]   (needs `make demo` first)
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from cargorisk.config import Settings
from cargorisk.routing import CSREngine, Router


def best_of(fn, repeat: int = 3) -> float:
    """Fastest of ``repeat`` timed calls, seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def corridor_plan(settings: Settings) -> None:
    router = Router.from_settings(settings)
    calls = []
    for _ in range(25):
        start = time.perf_counter()
        router.plan("Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00-06:00", cargo_value=250_000)
        calls.append(time.perf_counter() - start)
    p50 = statistics.median(calls) * 1000
    print(
        f"corridor plan Monterrey -> Dallas (3 objectives, 3 alternatives, Pareto): p50 {p50:.1f} ms "
        f"(goal < 20 ms), p90 {np.percentile(calls, 90) * 1000:.1f} ms"
    )


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


def one_to_all(side: int) -> None:
    graph = grid_graph(side)
    start = time.perf_counter()
    engine = CSREngine(graph)
    compile_s = time.perf_counter() - start
    weights = engine.edge_attribute("w")
    raw = csr_matrix((weights, (engine.tail, engine.head)), shape=(len(engine.nodes),) * 2)
    source = side * (side // 2) + side // 2
    t_engine = best_of(lambda: engine.search(weights, [source]))
    t_scipy = best_of(lambda: dijkstra(raw, directed=True, indices=source, return_predecessors=True))
    t_nx = best_of(lambda: nx.single_source_dijkstra_path_length(graph, source, weight="w"), repeat=1)
    ours, _ = engine.search(weights, [source])
    check = nx.single_source_dijkstra_path_length(graph, source, weight="w")
    assert np.allclose([ours[0][engine.index[n]] for n in check], list(check.values()))
    print(
        f"one-to-all on {len(engine.nodes):,} nodes / {len(engine.edges):,} edges "
        f"(compile once: {compile_s:.1f} s; distances equal networkx's)"
    )
    print(f"  cargorisk CSR engine {t_engine * 1000:8.1f} ms")
    ratio, speedup = t_engine / t_scipy, t_nx / t_engine
    print(f"  raw scipy csgraph    {t_scipy * 1000:8.1f} ms   engine / scipy = {ratio:.2f}x (goal <= 1.5x)")
    print(f"  networkx             {t_nx * 1000:8.1f} ms   networkx / engine = {speedup:.1f}x (goal >= 20x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--side", type=int, default=500)
    args = parser.parse_args()
    corridor_plan(Settings.from_env(data_dir=args.data_dir))
    one_to_all(args.side)


if __name__ == "__main__":
    main()
