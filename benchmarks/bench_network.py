"""Network build benchmark, measured in one run:

1. the national graph from the raw Travel Mapping files: reading the waypoint files into tables
   plus the builder (ports, admin tags, place names), in a temporary copy of the data folder
   (goal: under 30 s);
2. loading the national graph from its on-disk cache in a fresh process, imports timed apart
   (goal: under 2 s);
3. the corridor network with admin tags, and graphs from the whole Mexican (DCW) and US Southwest
   (Natural Earth) line layers, with networkx routing as a check.

Usage: python benchmarks/bench_network.py [--data-dir data]   (needs `cargorisk data build`)
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

from cargorisk.config import Settings
from cargorisk.network import (
    AdminAreas,
    build_national_network,
    from_lines,
    load_network,
    network_dir,
    tag_admin,
)
from cargorisk.network.corridor import build_corridor
from cargorisk.sources import SOURCES, build_sources, load_table

BUILD_GOAL_S = 30.0
LOAD_GOAL_S = 2.0
TM = "travelmapping_highways"
ADMIN_TABLES = ("mx_states", "mx_municipalities")
LOAD_SCRIPT = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
from cargorisk.config import Settings
from cargorisk.network import cached_national, load_network
imported = time.perf_counter() - start
settings = Settings(data_dir=Path(sys.argv[1]))
start = time.perf_counter()
cached_national.cache_clear()
graph = load_network(settings=settings)
print(json.dumps({"import": imported, "load": time.perf_counter() - start, "nodes": len(graph)}))
"""


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"{label:<52} {seconds:8.3f} s")
    return out, seconds


def road_km(graph: nx.MultiDiGraph) -> dict[str, float]:
    """Road km by country, each road once (edges come in both directions)."""
    km: dict[str, float] = {}
    for _, _, d in graph.edges(data=True):
        if d.get("kind") == "road":
            km[d.get("country", "?")] = km.get(d.get("country", "?"), 0.0) + d["length"] / 2000.0
    return km


def copy_inputs(settings: Settings, tmp: Path) -> Settings:
    """A data folder in ``tmp`` holding the raw Travel Mapping files, the fetch manifest and the
    admin tables the builder tags with (so the real data folder is not touched)."""
    copy = Settings(data_dir=tmp)
    shutil.copytree(settings.raw_dir / TM, copy.raw_dir / TM)
    shutil.copy2(settings.raw_dir / "manifest.json", copy.raw_dir / "manifest.json")
    copy.processed_dir.mkdir(parents=True)
    for name in ADMIN_TABLES:
        shutil.copy2(settings.processed_dir / f"{name}.parquet", copy.processed_dir / f"{name}.parquet")
    return copy


def national_build(settings: Settings) -> nx.MultiDiGraph:
    """Time raw files -> tables -> national graph in a temporary data folder; print the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_inputs(settings, Path(tmp))
        built, t_read = timed(
            "national: read raw waypoint files into tables",
            build_sources,
            [SOURCES[TM]],
            copy.raw_dir,
            copy.processed_dir,
        )
        graph, t_graph = timed(
            "national: builder + ports + admin tags + names",
            build_national_network,
            copy.processed_dir,
            network_dir(copy),
            True,
        )
    total = t_read + t_graph
    rows = ", ".join(f"{t.table} {t.rows:,}" for t in built)
    km = road_km(graph)
    print(
        f"{'national: build from raw, total (goal < 30 s)':<52} {total:8.3f} s   "
        f"ratio to goal {total / BUILD_GOAL_S:.2f}"
    )
    print(
        f"{'':<52} {'':8}     {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges, "
        f"{sum(km.values()):,.0f} road km ({', '.join(f'{c} {v:,.0f}' for c, v in sorted(km.items()))})"
    )
    print(f"{'':<52} {'':8}     tables: {rows}")
    return graph


def cached_load(settings: Settings, built: nx.MultiDiGraph, runs: int = 3) -> None:
    """Time ``load_network()`` from the on-disk cache in fresh processes (median of ``runs``)."""
    graph = load_network(settings=settings)  # writes the cache if it is missing or stale
    cache = settings.processed_dir / "national.graph.pickle"
    same = (graph.number_of_nodes(), graph.number_of_edges()) == (
        built.number_of_nodes(),
        built.number_of_edges(),
    )
    data_dir = str(settings.data_dir.resolve())
    results = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", LOAD_SCRIPT, data_dir], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(runs)
    ]
    load = statistics.median(r["load"] for r in results)
    imports = statistics.median(r["import"] for r in results)
    print(
        f"{'national: cached load in a fresh process (goal < 2 s)':<52} {load:8.3f} s   "
        f"ratio to goal {load / LOAD_GOAL_S:.2f}   (median of {runs}; imports {imports:.2f} s apart)"
    )
    print(
        f"{'':<52} {'':8}     cache {cache.stat().st_size / 1e6:.1f} MB; "
        f"same size as the graph built above: {same}"
    )


def corridor(settings: Settings) -> float:
    """Time the corridor network with admin tags; return the total seconds."""
    graph, t_build = timed("corridor: build from data/network CSVs", build_corridor, network_dir(settings))
    areas, t_areas = timed("corridor: load admin polygons", AdminAreas.from_processed, settings.processed_dir)
    tagged, t_tag = timed("corridor: tag states and municipalities", tag_admin, graph, areas)
    print(
        f"{'corridor with tags, total (bar: < 2 s)':<52} {t_build + t_areas + t_tag:8.3f} s"
        f"   {tagged.number_of_nodes()} nodes, {tagged.number_of_edges()} edges"
    )
    return t_build + t_areas + t_tag


def line_layers(settings: Settings) -> tuple[float, float]:
    """Time graphs from the Mexican and US line layers; return (Mexican build, one Dijkstra) s."""
    mx_lines = load_table("mx_roads_dcw", settings.processed_dir)
    mx, t_mx = timed(
        "whole Mexican line layer (10,422 lines) (bar: < 60 s)",
        from_lines,
        mx_lines,
        metric_crs="EPSG:6372",
        snap_m=100,
    )
    print(
        f"{'':<52} {'':8}     {mx.number_of_nodes():,} nodes, {mx.number_of_edges():,} edges,"
        f" dropped {mx.graph['dropped']}"
    )
    us_lines = load_table("us_roads_ne", settings.processed_dir)
    us, _ = timed(
        "US Southwest line layer, noded at crossings",
        from_lines,
        us_lines,
        metric_crs="EPSG:5070",
        snap_m=200,
        node_crossings=True,
    )
    print(f"{'':<52} {'':8}     {us.number_of_nodes():,} nodes, {us.number_of_edges():,} edges")
    source = next(iter(mx.nodes))
    _, t_nx = timed(
        "networkx one-to-all Dijkstra on the Mexican graph",
        nx.single_source_dijkstra_path_length,
        mx,
        source,
        weight="length",
    )
    return t_mx, t_nx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    settings = Settings(data_dir=parser.parse_args().data_dir)
    built = national_build(settings)
    cached_load(settings, built)
    t_corridor = corridor(settings)
    t_mx, t_nx = line_layers(settings)
    print(
        f"ratio corridor-with-tags / 2 s bar: {t_corridor / 2:.2f};"
        f" Mexican layer / 60 s bar: {t_mx / 60:.3f}; layer build / one Dijkstra: {t_mx / t_nx:.1f}"
    )


if __name__ == "__main__":
    main()
