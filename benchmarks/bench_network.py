"""Network build benchmark: the corridor network with admin tags, and graphs from the whole
Mexican (DCW) and US Southwest (Natural Earth) line layers, with networkx routing as a check.

Usage: python benchmarks/bench_network.py [--data-dir data]   (needs `cargorisk data build`)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import networkx as nx

from cargorisk.config import Settings
from cargorisk.network import AdminAreas, from_lines, network_dir, tag_admin
from cargorisk.network.corridor import build_corridor
from cargorisk.sources import load_table


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"{label:<52} {seconds:8.3f} s")
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    settings = Settings(data_dir=parser.parse_args().data_dir)
    graph, t_build = timed("corridor: build from data/network CSVs", build_corridor, network_dir(settings))
    areas, t_areas = timed("corridor: load admin polygons", AdminAreas.from_processed, settings.processed_dir)
    tagged, t_tag = timed("corridor: tag states and municipalities", tag_admin, graph, areas)
    print(
        f"{'corridor with tags, total (bar: < 2 s)':<52} {t_build + t_areas + t_tag:8.3f} s"
        f"   {tagged.number_of_nodes()} nodes, {tagged.number_of_edges()} edges"
    )
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
    print(
        f"ratio corridor-with-tags / 2 s bar: {(t_build + t_areas + t_tag) / 2:.2f};"
        f" Mexican layer / 60 s bar: {t_mx / 60:.3f}; layer build / one Dijkstra: {t_mx / t_nx:.1f}"
    )


if __name__ == "__main__":
    main()
