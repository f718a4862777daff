"""The road network as a map draws it, shared by the HTML and PNG maps: each road once,
merged into runs of one road, state and risk class, simplified for display; and the colours
and the risk unit both maps use. No folium or matplotlib here, so either map loads only its own
drawing library.

A map reads a :class:`MapNetwork`: arrays of node positions, city names and every edge's road,
state, theft rate and line. A router has them all (:func:`map_network` of a router never reads
its road graph, which a router from a snapshot keeps on disk); a bare graph works too.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from cargorisk.routing.edge_lines import EdgeLines, line_of
from cargorisk.routing.router import city_names

ROUTE_COLOURS = {"recommended": "#1f5fd6", "fastest": "#f08c00", "safest": "#12a150"}
ALT_COLOUR = "#8a4fd6"
SIMPLIFY_DEG = 0.005  # display only: about 500 m, invisible at the zoom a corridor map opens with
RISK_KM = 100.0  # the legend's unit: the chance that a loaded trip over this many km is robbed


def trips_per_theft(rate: np.ndarray | float) -> np.ndarray:
    """N of "1 in N loaded trips" over :data:`RISK_KM` km at ``rate`` thefts per million km."""
    return 1 / -np.expm1(-np.asarray(rate, dtype=float) * RISK_KM * 1e-6)


@dataclass(eq=False)
class MapNetwork:
    """What a map reads of a road network, as arrays in one order of nodes and one of edges.

    ``index`` maps a node id to its position in ``xy`` (lon, lat) and ``country``; ``cities``
    names the city nodes by position; ``edge_index`` maps ``(u, v, key)`` to an edge position in
    ``tail``, ``head`` (node positions), ``ref``, ``state``, ``kind``, ``bridge``, ``theft_rate``
    and ``lines`` (``lines[ids]`` gives LineStrings); ``port_names`` names each crossing's port.
    """

    index: Mapping[Hashable, int]
    xy: np.ndarray
    country: np.ndarray
    cities: Mapping[int, str]
    edge_index: Mapping[tuple, int]
    tail: np.ndarray
    head: np.ndarray
    ref: np.ndarray
    state: np.ndarray
    kind: np.ndarray
    bridge: np.ndarray
    theft_rate: np.ndarray
    lines: EdgeLines
    port_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # bridge -> (name, code)

    def point(self, node: Hashable) -> tuple[float, float]:
        """A node's (lon, lat)."""
        x, y = self.xy[self.index[node]]
        return float(x), float(y)

    def city(self, node: Hashable) -> str | None:
        """A node's city name, or None when it is no city."""
        return self.cities.get(self.index[node])

    def ids(self, edges: Sequence[tuple]) -> np.ndarray:
        """Edge positions of ``(u, v, key)`` edges."""
        return np.array([self.edge_index[e] for e in edges], dtype=np.int64)

    def route_lines(self, route: object) -> list[shapely.LineString]:
        """A route's edge lines (its own when the plan kept them)."""
        own = getattr(route, "edge_lines", None)
        if own is not None:
            return list(own)
        return list(self.lines[self.ids(route.edges)])  # type: ignore[attr-defined]

    def crossing_ids(self) -> np.ndarray:
        """The northbound crossing edges (from Mexico), one marker each on a map."""
        return np.flatnonzero((self.kind == "crossing") & (self.country[self.tail] == "MX"))

    @cached_property
    def positive_rates(self) -> np.ndarray:
        """Every edge's theft rate above zero (the colour scale's range)."""
        return self.theft_rate[self.theft_rate > 0]

    @cached_property
    def roads(self) -> gpd.GeoDataFrame:
        """Every road once (either direction; crossings left out): ``ref``, ``state``,
        ``theft_rate`` (a missing rate draws as the lowest) and its line; made once, as every
        map of a network draws the same roads."""
        pair = np.minimum(self.tail, self.head) * len(self.xy) + np.maximum(self.tail, self.head)
        road = pd.factorize(self.ref)[0].astype(np.int64)
        keys = pair * (road.max(initial=0) + 1) + road
        first = np.unique(keys, return_index=True)[1]
        ids = np.sort(first[self.kind[first] != "crossing"])
        rate = np.maximum(np.nan_to_num(self.theft_rate[ids], nan=0.0), 1e-6)
        return gpd.GeoDataFrame(
            {"ref": self.ref[ids], "state": self.state[ids], "theft_rate": rate},
            geometry=self.lines[ids], crs="EPSG:4326",
        )  # fmt: skip


_NETWORKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def map_network(source: object) -> MapNetwork:
    """The :class:`MapNetwork` of a router (from its arrays, the graph unread) or of a road
    graph; made once per router (its copies for cargo types share it) or graph. A
    :class:`MapNetwork` is returned as it is."""
    if isinstance(source, MapNetwork):
        return source
    key = source if isinstance(source, nx.MultiDiGraph) else source.engine  # type: ignore[attr-defined]
    if key not in _NETWORKS:
        _NETWORKS[key] = of_graph(source) if isinstance(source, nx.MultiDiGraph) else of_router(source)
    return _NETWORKS[key]


def of_router(router: object) -> MapNetwork:
    """A router's map network: its compiled arrays (roads closed to trucks are not on it)."""
    r, engine = router, router.engine  # type: ignore[attr-defined]
    table = r.crossings.set_index("crossing")  # type: ignore[attr-defined]
    return MapNetwork(
        engine.index, r.node_xy, r.node_country, r.city_names, engine.edge_id,  # type: ignore[attr-defined]
        engine.tail, engine.head, engine.text_attribute("ref"), engine.text_attribute("state"),
        engine.text_attribute("kind"), r.bridge, r.theft_rate, r.lines,  # type: ignore[attr-defined]
        {bridge: (str(row.port_name), str(row.port_code)) for bridge, row in table.iterrows()},
    )  # fmt: skip


def of_graph(graph: nx.MultiDiGraph) -> MapNetwork:
    """A graph's map network (every edge; one without geometry is the straight line)."""
    index = {n: i for i, n in enumerate(graph.nodes)}
    nodes = list(graph.nodes.values())
    xy = np.array([(d["x"], d["y"]) for d in nodes], dtype=float).reshape(-1, 2)
    edges = list(graph.edges(keys=True, data=True))
    text = {
        name: np.array([str(d.get(name, "") or "") for *_, d in edges], dtype=object)
        for name in ("ref", "state", "kind", "bridge")
    }
    tail = np.array([index[u] for u, *_ in edges], dtype=np.int64)
    head = np.array([index[v] for _, v, *_ in edges], dtype=np.int64)
    lines = [line_of(graph, (u, v, k)) for u, v, k, _ in edges]
    ports = {
        d["bridge"]: (str(d.get("port_name", "")), str(d.get("port_code", "")))
        for *_, d in edges
        if d.get("kind") == "crossing"
    }
    return MapNetwork(
        index, xy, np.array([d.get("country") or "" for d in nodes], dtype=object),
        city_names(nodes),
        {(u, v, k): i for i, (u, v, k, _) in enumerate(edges)}, tail, head,
        text["ref"], text["state"], text["kind"], text["bridge"],
        np.array([float(d.get("theft_rate", 0.0)) for *_, d in edges]), EdgeLines.of(lines), ports,
    )  # fmt: skip


def display_network(
    network: MapNetwork, bounds: tuple[float, float, float, float] | None = None, *, bins: int = 24
) -> gpd.GeoDataFrame:
    """The road network for display: each road once, within ``bounds`` (min lon, min lat, max
    lon, max lat), runs of one road in one state and risk class merged into one line and
    simplified to :data:`SIMPLIFY_DEG`, with ``ref``, ``state``, ``theft_rate``, ``log_rate``.

    This keeps a national map light: the 75,000 edges become a few thousand lines.
    """
    net = network.roads  # shared: never changed here
    if bounds is not None:
        net = net.iloc[np.sort(net.sindex.query(shapely.box(*bounds), predicate="intersects"))]
    net = net.assign(log_rate=np.log10(net["theft_rate"]))
    span = (net["log_rate"].min(), net["log_rate"].max() + 1e-9)
    net = net.assign(bin=((net["log_rate"] - span[0]) / (span[1] - span[0]) * bins).astype(int))
    merged = net.dissolve(by=["ref", "state", "bin"], aggfunc={"theft_rate": "mean", "log_rate": "mean"})
    merged["geometry"] = shapely.simplify(shapely.line_merge(merged.geometry.to_numpy()), SIMPLIFY_DEG)
    return merged.reset_index().drop(columns="bin")
