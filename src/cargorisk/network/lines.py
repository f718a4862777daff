"""Road graphs from line layers (national road networks, DCW, Natural Earth, INEGI RNC).

Lines are split where they share a vertex, their end points are snapped together within a
tolerance, and every piece becomes a pair of directed edges (line layers carry no direction).
Only the largest connected piece is kept; what was dropped is reported in
``G.graph["dropped"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from cargorisk.errors import NetworkBuildError
from cargorisk.network.corridor import add_crossing
from cargorisk.network.places import Gazetteer

log = logging.getLogger(__name__)
WGS84 = "EPSG:4326"


def from_lines(
    lines: gpd.GeoDataFrame,
    *,
    snap_m: float = 50.0,
    metric_crs: str | None = None,
    speed_kph: float = 60.0,
    highway: str = "primary",
    attributes: Mapping[str, str] | None = None,
    node_prefix: str = "",
    node_crossings: bool = False,
) -> nx.MultiDiGraph:
    """Build a routable MultiDiGraph from a GeoDataFrame of road lines.

    Parameters
    ----------
    lines
        LineString / MultiLineString features with a CRS.
    snap_m
        End points closer than this (metres) become one node, closing digitising gaps.
    metric_crs
        Projected CRS for snapping and lengths (default: the layer's UTM zone; for national
        layers pass e.g. ``"EPSG:6372"`` for Mexico or ``"EPSG:5070"`` for the US).
    speed_kph
        Truck speed given to every edge unless ``attributes`` maps a ``speed_kph`` column.
    highway
        Road class given to every edge unless ``attributes`` maps a ``highway`` column.
    attributes
        Edge attribute name -> column of ``lines`` to copy (e.g. ``{"ref": "CARRETERA"}``).
    node_prefix
        Prefix for node ids (useful before joining two graphs).
    node_crossings
        Also split lines where they cross without a shared vertex. Right for geometry-only
        small-scale layers (Natural Earth, DCW) whose junctions were not digitised; wrong for
        layers with bridges and overpasses. Attributes follow each piece from its source line.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx-style graph: node ``x``/``y`` (lon/lat), edge ``length`` (m), ``travel_time`` (s),
        ``speed_kph``, ``highway``, ``geometry`` (EPSG:4326); ``graph["crs"] = "EPSG:4326"``.

    Raises
    ------
    NetworkBuildError
        The layer has no CRS, no line features, or no edge survives.
    """
    metric = project_lines(lines, metric_crs)
    if node_crossings:
        metric = node_at_crossings(metric)
    pieces, piece_src = split_at_shared_vertices(metric)
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(pieces, i)) for i in (0, -1)])
    node_of_end, node_xy = snap_points(ends, snap_m)
    n = len(pieces)
    u, v = node_of_end[:n], node_of_end[n:]
    keep = (u != v) | (shapely.length(pieces) > snap_m)  # drop pieces collapsed by snapping
    edges = gpd.GeoDataFrame(
        {"u": u[keep], "v": v[keep], "src": piece_src[keep], "length": shapely.length(pieces[keep])},
        geometry=pieces[keep],
        crs=metric.crs,
    )
    for name, column in (attributes or {}).items():
        edges[name] = metric[column].to_numpy()[edges["src"].to_numpy()]
    nodes_lonlat = gpd.GeoSeries(gpd.points_from_xy(*node_xy.T), crs=metric.crs).to_crs(WGS84)
    edges = edges.to_crs(WGS84)
    graph = assemble_graph(edges, nodes_lonlat, speed_kph, highway, node_prefix)
    return keep_largest_component(graph)


def project_lines(lines: gpd.GeoDataFrame, metric_crs: str | None) -> gpd.GeoDataFrame:
    """Check the layer and return its single-part lines in a metric CRS."""
    if lines.crs is None:
        msg = (
            "line layer has no CRS; set it first, e.g. gdf.set_crs('EPSG:4326') for lon/lat "
            "degrees (cannot measure lengths or snap on naive geometries)"
        )
        raise NetworkBuildError(msg)
    parts = lines[lines.geometry.notna() & ~lines.geometry.is_empty].explode(index_parts=False)
    parts = parts[parts.geom_type == "LineString"].reset_index(drop=True)
    if parts.empty:
        msg = f"line layer has no LineString features ({len(lines)} rows, types {set(lines.geom_type)})"
        raise NetworkBuildError(msg)
    return parts.to_crs(metric_crs or parts.estimate_utm_crs())


def node_at_crossings(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Split every line where it crosses another; pieces keep their source line's attributes."""
    noded = shapely.node(shapely.MultiLineString(list(lines.geometry))).geoms
    pieces = gpd.GeoSeries(list(noded), crs=lines.crs)
    source = lines.sindex.nearest(pieces.interpolate(0.5, normalized=True), return_all=False)[1]
    out = lines.drop(columns="geometry").iloc[source].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=pieces.to_numpy(), crs=lines.crs)


def split_at_shared_vertices(lines: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Split lines at every vertex another line shares (exactly, to the millimetre).

    Returns the pieces and, for each, the row of ``lines`` it came from.
    """
    coords, owner = shapely.get_coordinates(lines.geometry.to_numpy(), return_index=True)
    key = np.round(coords, 3)
    _, vertex_id = np.unique(key, axis=0, return_inverse=True)
    vertex_id = vertex_id.ravel()
    lines_per_vertex = pd.Series(owner).groupby(vertex_id).nunique().to_numpy()
    first = np.r_[True, owner[1:] != owner[:-1]]
    last = np.r_[owner[1:] != owner[:-1], True]
    is_node = first | last | (lines_per_vertex[vertex_id] > 1)
    node_pos = np.flatnonzero(is_node)
    start, stop = node_pos[:-1], node_pos[1:]
    inside = (owner[start] == owner[stop]) & ~last[start]
    start, stop = start[inside], stop[inside]
    sizes = stop - start + 1
    piece_id = np.repeat(np.arange(len(start)), sizes)
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    vertex = np.repeat(start, sizes) + offsets
    return shapely.linestrings(coords[vertex], indices=piece_id), owner[start].astype(np.int64)


def snap_points(points: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Cluster points closer than ``tolerance`` (transitively); return cluster ids and centres."""
    pairs = cKDTree(points).query_pairs(tolerance, output_type="ndarray")
    n = len(points)
    adjacency = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(adjacency, directed=False)
    centres = np.column_stack([np.bincount(labels, weights=points[:, i]) for i in (0, 1)])
    centres /= np.bincount(labels)[:, None]
    return labels, centres


def assemble_graph(
    edges: gpd.GeoDataFrame, nodes: gpd.GeoSeries, speed_kph: float, highway: str, prefix: str
) -> nx.MultiDiGraph:
    """Turn the edge table into an osmnx-style MultiDiGraph with edges in both directions."""
    graph = nx.MultiDiGraph(crs=WGS84)
    used = np.unique(np.r_[edges["u"].to_numpy(), edges["v"].to_numpy()])
    graph.add_nodes_from(
        (f"{prefix}{i}", {"x": nodes.iloc[i].x, "y": nodes.iloc[i].y, "kind": "junction"}) for i in used
    )
    extra = [c for c in edges.columns if c not in ("u", "v", "src", "length", "geometry")]
    for row in edges.itertuples(index=False):
        speed = float(getattr(row, "speed_kph", speed_kph))
        data = {
            "length": float(row.length),
            "speed_kph": speed,
            "highway": highway,
            "kind": "road",
            "travel_time": float(row.length) / (speed / 3.6),
            "toll": False,
            "ref": "",
        }
        data.update({c: getattr(row, c) for c in extra})
        u, v = f"{prefix}{row.u}", f"{prefix}{row.v}"
        graph.add_edge(u, v, **data, geometry=row.geometry)
        graph.add_edge(v, u, **data, geometry=row.geometry.reverse())
    return graph


def keep_largest_component(
    graph: nx.MultiDiGraph, *, strongly: bool = False, usable: Callable[[dict], bool] | None = None
) -> nx.MultiDiGraph:
    """Keep the largest weakly (or ``strongly``) connected component, connected by the edges
    whose data pass ``usable`` (all edges by default; other edges between kept nodes stay);
    record what was dropped."""
    if graph.number_of_edges() == 0:
        msg = "no road edges left after snapping; check the layer and the snapping tolerance"
        raise NetworkBuildError(msg)
    find = nx.strongly_connected_components if strongly else nx.weakly_connected_components
    view = (
        graph
        if usable is None
        else nx.subgraph_view(graph, filter_edge=lambda u, v, k: usable(graph[u][v][k]))
    )
    components = sorted(find(view), key=len, reverse=True)
    dropped = components[1:]
    dropped_nodes = sum(len(c) for c in dropped)
    dropped_km = sum(d["length"] for c in dropped for _, _, d in graph.subgraph(c).edges(data=True)) / 2e3
    kept = graph  # the builders' own fresh graph: trimmed in place (a copy of a large graph is slow)
    kept.remove_nodes_from([n for c in dropped for n in c])
    kept.graph["dropped"] = {"components": len(dropped), "nodes": dropped_nodes, "km": round(dropped_km, 1)}
    if dropped:
        log.info("dropped %d small components (%d nodes, %.0f km)", len(dropped), dropped_nodes, dropped_km)
    return kept


def join_at_ports(
    mx: nx.MultiDiGraph, us: nx.MultiDiGraph, ports: pd.DataFrame, *, max_snap_km: float = 10.0
) -> nx.MultiDiGraph:
    """Join a Mexican and a US graph with crossing edges at the ports of entry.

    Parameters
    ----------
    mx, us
        Graphs with distinct node ids (see ``node_prefix`` of :func:`from_lines`).
    ports
        One row per crossing with ``port_code``, ``port_name``, ``bridge``, ``mx_lon``,
        ``mx_lat``, ``us_lon``, ``us_lat`` (e.g. :func:`cargorisk.network.corridor_ports`).
    max_snap_km
        Ports whose ends are farther than this from either graph are skipped (and logged).
    """
    joined = nx.compose(mx, us)
    joined.graph.update(crs=WGS84, dropped={"mx": mx.graph.get("dropped"), "us": us.graph.get("dropped")})
    near_mx = Gazetteer(mx, max_snap_km=max_snap_km)
    near_us = Gazetteer(us, max_snap_km=max_snap_km)
    for row in ports.itertuples(index=False):
        (a, da), (b, db) = near_mx.nearest(row.mx_lon, row.mx_lat), near_us.nearest(row.us_lon, row.us_lat)
        if max(da, db) > max_snap_km:
            log.info("port %s %s not joined: %.1f / %.1f km away", row.port_code, row.bridge, da, db)
            continue
        joined.nodes[a].update(kind="port", country="MX")
        joined.nodes[b].update(kind="port", country="US")
        add_crossing(joined, a, b, str(row.port_code), row.port_name, row.bridge)
    return joined
