"""The road network as a map draws it, shared by the HTML and PNG maps: each road once,
merged into runs of one road, state and risk class, simplified for display; and the colours
and the risk unit both maps use. No folium or matplotlib here, so either map loads only its own
drawing library."""

from __future__ import annotations

import functools

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

ROUTE_COLOURS = {"recommended": "#1f5fd6", "fastest": "#f08c00", "safest": "#12a150"}
ALT_COLOUR = "#8a4fd6"
SIMPLIFY_DEG = 0.005  # display only: about 500 m, invisible at the zoom a corridor map opens with
RISK_KM = 100.0  # the legend's unit: the chance that a loaded trip over this many km is robbed


def trips_per_theft(rate: np.ndarray | float) -> np.ndarray:
    """N of "1 in N loaded trips" over :data:`RISK_KM` km at ``rate`` thefts per million km."""
    return 1 / -np.expm1(-np.asarray(rate, dtype=float) * RISK_KM * 1e-6)


@functools.lru_cache(maxsize=2)  # the graph of a router, and perhaps one other; a few MB each
def road_lines(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Every road of ``graph`` once (either direction), crossings left out: ``ref``, ``state``,
    ``theft_rate`` (a missing rate draws as the lowest) and its line; made once per graph, as
    every map of a router draws the same roads."""
    rows, seen = [], set()
    for u, ends in graph.adj.items():  # the adjacency itself: a third of the time of edges(data=True)
        for v, parallel in ends.items():
            for d in parallel.values():
                key = (frozenset((u, v)), d.get("ref"))
                line = d.get("geometry")
                if key in seen or line is None or d.get("kind") == "crossing":
                    continue
                seen.add(key)
                rows.append((d.get("ref", ""), d.get("state", ""), d.get("theft_rate", 0.0), line))
    net = gpd.GeoDataFrame(rows, columns=["ref", "state", "theft_rate", "geometry"], crs="EPSG:4326")
    net["theft_rate"] = np.maximum(np.nan_to_num(net["theft_rate"].astype(float), nan=0.0), 1e-6)
    return net


def display_network(
    graph: nx.MultiDiGraph, bounds: tuple[float, float, float, float] | None = None, *, bins: int = 24
) -> gpd.GeoDataFrame:
    """The road network for display: each road once, within ``bounds`` (min lon, min lat, max
    lon, max lat), runs of one road in one state and risk class merged into one line and
    simplified to :data:`SIMPLIFY_DEG`, with ``ref``, ``state``, ``theft_rate``, ``log_rate``.

    This keeps a national map light: the 75,000 edges become a few thousand lines.
    """
    net = road_lines(graph)  # shared: never changed here
    if bounds is not None:
        net = net[net.intersects(shapely.box(*bounds))]
    net = net.assign(log_rate=np.log10(net["theft_rate"]))
    span = (net["log_rate"].min(), net["log_rate"].max() + 1e-9)
    net = net.assign(bin=((net["log_rate"] - span[0]) / (span[1] - span[0]) * bins).astype(int))
    merged = net.dissolve(by=["ref", "state", "bin"], aggfunc={"theft_rate": "mean", "log_rate": "mean"})
    merged["geometry"] = shapely.simplify(shapely.line_merge(merged.geometry.to_numpy()), SIMPLIFY_DEG)
    return merged.reset_index().drop(columns="bin")
