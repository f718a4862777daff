"""Authoring step: follow each road of the corridor over the public line layers.

For every authored pair of towns, the shortest path over the DCW (Mexico) or Natural Earth
(US) lines between the points nearest to each town gives the road's shape and length. Where a
layer has no plausible path (no line near a town, a path more than ``MAX_DETOUR`` times the
straight distance, or the US layer's 38 N clip), the straight line times a detour factor is
used, and ``source`` says so. The output is ``data/network/edge_geometry.csv``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from cargorisk._io import atomic_path
from cargorisk.network.corridor import GEOD, pair_key, read_table
from cargorisk.network.lines import from_lines

log = logging.getLogger(__name__)
MAX_SNAP_M = 12_000.0
MAX_DETOUR = 1.6
DETOUR = {"MX": 1.25, "US": 1.2}  # straight-line fallback factors, road km per crow-fly km
METRIC = {"MX": "EPSG:6372", "US": "EPSG:5070"}
SIMPLIFY_M = 150.0


@dataclass
class LineRouter:
    """Shortest paths over one line-layer graph, in its metric CRS."""

    graph: nx.MultiDiGraph
    crs: str

    def __post_init__(self) -> None:
        self.ids = list(self.graph.nodes)
        lonlat = np.array([(self.graph.nodes[n]["x"], self.graph.nodes[n]["y"]) for n in self.ids])
        self.xy = shapely.get_coordinates(
            gpd.GeoSeries(gpd.points_from_xy(*lonlat.T), crs="EPSG:4326").to_crs(self.crs).to_numpy()
        )
        self.tree = cKDTree(self.xy)
        index = {n: i for i, n in enumerate(self.ids)}
        self.lines: dict[tuple[int, int], tuple[float, shapely.LineString]] = {}
        for u, v, d in self.graph.edges(data=True):
            i, j = index[u], index[v]
            if (i, j) not in self.lines or d["length"] < self.lines[(i, j)][0]:
                self.lines[(i, j)] = (d["length"], d["geometry"])
        pairs = np.array(list(self.lines), dtype=np.int64).reshape(-1, 2)
        lengths = [length for length, _ in self.lines.values()]
        n = len(self.ids)
        self.matrix = csr_matrix((lengths, (pairs[:, 0], pairs[:, 1])), shape=(n, n))

    def snap(self, lonlat: tuple[float, float]) -> tuple[int, float]:
        """Nearest line node to a lon/lat point and its distance in metres."""
        point = gpd.GeoSeries(gpd.points_from_xy([lonlat[0]], [lonlat[1]]), crs="EPSG:4326").to_crs(self.crs)
        dist, idx = self.tree.query(shapely.get_coordinates(point.to_numpy())[0])
        return int(idx), float(dist)

    def path(self, a: tuple[float, float], b: tuple[float, float]) -> tuple[shapely.LineString, float] | None:
        """Line geometry (lon/lat) and length (m, incl. the snaps) from a to b, if any."""
        (i, di), (j, dj) = self.snap(a), self.snap(b)
        if max(di, dj) > MAX_SNAP_M:
            return None
        dist, pred = dijkstra(self.matrix, indices=i, return_predecessors=True)
        if not np.isfinite(dist[j]):
            return None
        chain, k = [], j
        while k != i:
            chain.append(self.lines[(pred[k], k)][1])
            k = pred[k]
        coords = [a] + [c for line in reversed(chain) for c in line.coords] + [b]
        return shapely.LineString(coords), float(dist[j]) + di + dj


def straight(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in metres."""
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def trace_pair(router: LineRouter, a: tuple[float, float], b: tuple[float, float], country: str) -> dict:
    """Geometry, length and source of one road between points a and b."""
    crow = straight(a, b)
    found = router.path(a, b)
    if found is not None and 0.97 * crow <= found[1] <= MAX_DETOUR * crow:
        line, length = found
        metric = gpd.GeoSeries([line], crs="EPSG:4326").to_crs(router.crs).simplify(SIMPLIFY_M)
        line = metric.to_crs("EPSG:4326").iloc[0]
        return {"length_m": round(length), "source": f"traced:{router.crs}", "geometry": line}
    factor = DETOUR[country]
    return {
        "length_m": round(crow * factor),
        "source": f"straight x{factor}",
        "geometry": shapely.LineString([a, b]),
    }


def trace_corridor(folder: Path, mx_lines: gpd.GeoDataFrame, us_lines: gpd.GeoDataFrame) -> pd.DataFrame:
    """Trace every authored road over the line layers and write ``edge_geometry.csv``."""
    nodes = read_table(folder, "nodes.csv").set_index("id")
    edges = read_table(folder, "edges.csv")
    routers = {
        "MX": LineRouter(
            from_lines(mx_lines, metric_crs=METRIC["MX"], snap_m=200, node_crossings=True), METRIC["MX"]
        ),
        "US": LineRouter(
            from_lines(us_lines, metric_crs=METRIC["US"], snap_m=200, node_crossings=True), METRIC["US"]
        ),
    }
    pairs = edges.assign(pair=pair_key(edges["u"], edges["v"])).drop_duplicates("pair")
    rows = []
    for row in pairs.itertuples(index=False):
        a, b = (tuple(nodes.loc[n, ["lon", "lat"]].astype(float)) for n in (row.u, row.v))
        country = nodes.at[row.u, "country"]
        traced = trace_pair(routers[country], a, b, country)
        rows.append({"pair": row.pair, "u": row.u, "v": row.v, **traced})
    out = pd.DataFrame(rows)
    out["wkt"] = shapely.to_wkt(out.pop("geometry").to_numpy(), rounding_precision=5)
    with atomic_path(folder / "edge_geometry.csv") as tmp:
        out.to_csv(tmp, index=False)
    log.info("traced %d of %d roads over line layers", out["source"].str.startswith("traced").sum(), len(out))
    return out
