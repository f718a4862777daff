"""Administrative tags: country, state and (in Mexico) municipality for every node and edge.

Mexican states and municipalities come from the built INEGI polygon tables; the US side has
no polygons in the data, so US nodes keep the state they were authored (or imported) with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from cargorisk.sources import load_table

METRIC_CRS = "EPSG:6372"  # Mexico ITRF2008 LCC: one metric CRS for the whole corridor
NEAR_MEXICO_M = 5_000.0  # untagged nodes this close to Mexico count as Mexican (coastline simplification)


@dataclass(frozen=True)
class AdminAreas:
    """Mexican state and municipality polygons, projected once for nearest joins."""

    states: gpd.GeoDataFrame
    municipalities: gpd.GeoDataFrame

    @classmethod
    def from_processed(cls, processed_dir: Path) -> AdminAreas:
        """Load ``mx_states`` and ``mx_municipalities`` (built by ``cargorisk data build``)."""
        states = load_table("mx_states", processed_dir)[["cve_ent", "state", "geometry"]]
        muns = load_table("mx_municipalities", processed_dir)[["cvegeo", "geometry"]]
        return cls(states.to_crs(METRIC_CRS), muns.to_crs(METRIC_CRS))

    def locate(self, points: gpd.GeoSeries) -> pd.DataFrame:
        """Municipality (``cvegeo``) and state of each point, and its distance to Mexico (m).

        A point inside a municipality polygon takes it; a point outside every polygon (the
        US, or a coast the polygons simplify away) takes the nearest one. The state comes from
        the municipality code (its first two digits): the municipality polygons are finer than
        the simplified state outlines, which serve only to measure how far a point is from
        Mexico. Repeated points are looked up once.
        """
        xy = np.round(shapely.get_coordinates(points.to_numpy()), 7)
        unique, back = np.unique(xy, axis=0, return_inverse=True)
        pts = gpd.GeoSeries(gpd.points_from_xy(*unique.T), crs=points.crs).to_crs(METRIC_CRS).to_numpy()
        mun = polygon_of(pts, self.municipalities.geometry.to_numpy(), self.municipalities.sindex)
        state = polygon_of(pts, self.states.geometry.to_numpy(), self.states.sindex)
        dist = np.zeros(len(pts))
        outside = ~shapely.intersects(pts, self.states.geometry.to_numpy()[state])
        dist[outside] = shapely.distance(pts[outside], self.states.geometry.to_numpy()[state[outside]])
        cvegeo = self.municipalities["cvegeo"].to_numpy()[mun]
        names = self.states.set_index("cve_ent")["state"]
        found = pd.DataFrame(
            {
                "cvegeo": cvegeo,
                "state": pd.Series(cvegeo).str[:2].astype(int).map(names).to_numpy(),
                "dist_m": dist,
            }
        )
        return found.iloc[back.ravel()].reset_index(drop=True)


def polygon_of(points: np.ndarray, polygons: np.ndarray, index: object) -> np.ndarray:
    """Index of the polygon containing each point, or of the nearest one when none does."""
    hit_point, hit_poly = index.query(points, predicate="intersects")  # type: ignore[attr-defined]
    out = np.full(len(points), -1, dtype=np.int64)
    out[hit_point[::-1]] = hit_poly[::-1]  # the first polygon listed for a point wins
    missing = np.flatnonzero(out < 0)
    if len(missing):
        _, nearest = index.nearest(points[missing], return_all=False)  # type: ignore[attr-defined]
        out[missing] = nearest
    return out


def tag_admin(graph: nx.MultiDiGraph, areas: AdminAreas, *, copy: bool = True) -> nx.MultiDiGraph:
    """Return ``graph`` (a copy unless ``copy=False``) with ``country``, ``state`` and ``cvegeo``
    on nodes and edges.

    Nodes keep an authored ``country``; untagged nodes are Mexican when within 5 km of a
    Mexican state polygon. Mexican nodes get the nearest state and municipality (``cvegeo``,
    5-digit INEGI code); US nodes keep their ``state`` (``""`` if unknown) and get
    ``cvegeo=""``. Edges inside one country take the state and municipality at their midpoint;
    crossing edges get ``country="MX-US"`` and the Mexican end's tags.
    """
    tagged = graph.copy() if copy else graph
    tag_nodes(tagged, areas)
    tag_edges(tagged, areas)
    return tagged


def tag_nodes(graph: nx.MultiDiGraph, areas: AdminAreas) -> None:
    """Set country/state/cvegeo on every node (in place)."""
    ids = list(graph.nodes)
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in ids], dtype=float)
    found = areas.locate(gpd.GeoSeries(gpd.points_from_xy(*xy.T), crs="EPSG:4326"))
    near, states, codes = (found[c].to_numpy() for c in ("dist_m", "state", "cvegeo"))
    for i, node in enumerate(ids):
        data = graph.nodes[node]
        if not data.get("country"):
            data["country"] = "MX" if near[i] <= NEAR_MEXICO_M else "US"
        if data["country"] == "MX":
            data["state"], data["cvegeo"] = states[i], codes[i]
        else:
            data["state"], data["cvegeo"] = data.get("state") or "", ""


def tag_edges(graph: nx.MultiDiGraph, areas: AdminAreas) -> None:
    """Set country/state/cvegeo on every edge (in place), from its midpoint where Mexican."""
    edges = list(graph.edges(keys=True, data=True))
    mids = [edge_midpoint(graph, u, v, d) for u, v, _, d in edges]
    mexican = [
        i
        for i, (u, v, _, _) in enumerate(edges)
        if "MX" == graph.nodes[u]["country"] == graph.nodes[v]["country"]
    ]
    found = areas.locate(gpd.GeoSeries([mids[i] for i in mexican], crs="EPSG:4326"))
    place = dict(
        zip(mexican, zip(found["state"].to_numpy(), found["cvegeo"].to_numpy(), strict=True), strict=True)
    )
    for i, (u, v, _, data) in enumerate(edges):
        nu, nv = graph.nodes[u], graph.nodes[v]
        if nu["country"] != nv["country"]:
            mx = nu if nu["country"] == "MX" else nv
            data.update(country="MX-US", state=mx["state"], cvegeo=mx["cvegeo"])
        elif i in place:
            data.update(country="MX", state=place[i][0], cvegeo=place[i][1])
        else:
            data.update(country=nu["country"], state=nearer(mids[i], nu, nv)["state"], cvegeo="")


def nearer(point: shapely.Point, a: dict, b: dict) -> dict:
    """Of two node attribute dicts, the one whose x/y is closer to ``point``."""
    dist_a = shapely.distance(point, shapely.Point(a["x"], a["y"]))
    return a if dist_a <= shapely.distance(point, shapely.Point(b["x"], b["y"])) else b


def edge_midpoint(graph: nx.MultiDiGraph, u: object, v: object, data: dict) -> shapely.Point:
    """Point halfway along the edge geometry (or the straight segment between its nodes)."""
    line = data.get("geometry")
    if line is None:
        a, b = graph.nodes[u], graph.nodes[v]
        line = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
    return line.interpolate(0.5, normalized=True)
