"""The national road graph, built from Travel Mapping's highway waypoints.

Every numbered Mexican federal highway and expressway (plus the state expressways, Mexico City
and Monterrey urban routes Travel Mapping lists), every Interstate of the contiguous US, the
US numbered highways of Texas, New Mexico, Arizona and California, and those states' state
highways (Texas with its loops and spurs) that come within :data:`STATE_HIGHWAY_REACH_KM` of a
commercial port of entry (:func:`near_the_ports`).

How it is built (:func:`build_national`):

1. **Nodes.** Routes meet where their files share a coordinate. Points of *different* routes
   within :data:`MERGE_TOLERANCE_M` (10 m) of each other are merged too, unless both are hidden
   shaping points: measured on this data, 10 m joins 4 such pairs (2 Mexican, 2 US), each
   clearly one junction (same label or an interchange), while the next pairs (16-50 m) are
   mostly consecutive points of one route. Nodes are the points that two routes share, route ends,
   the inland ends of the international bridges, and every visible waypoint: Travel Mapping
   places those where a road not in the data joins (state roads, town accesses). With shared
   points and ends alone, the median Mexican municipality centre lay 13.8 km from a node and
   754 of 2,457 lay more than 25 km away; with visible waypoints, 3.8 km and 247. Hidden
   shaping points stay inside edge geometry. A route end on no other route is joined to the
   nearest point of another route within :data:`GAP_M` (2 km; :func:`close_gaps`): the streets
   between them are not in the data. Nothing is shared across the border: a point
   where a Mexican and a US file meet becomes two nodes, so only the crossing edges of
   :mod:`cargorisk.network.ports` join the countries.
2. **Edges** run node to node along one route, both directions, with a LineString through the
   waypoints in between. ``length`` is the geodesic length (pyproj, WGS84) times
   :data:`LENGTH_FACTOR`, the measured ratio of road length to the straight-segment polyline
   (1.03 in Mexico, 1.00 in the US; see its comment). Where two routes run concurrently over
   the same points, one edge carries both numbers (``ref`` ``"MEX-45D;MEX-45"``), toll if one
   of them is.
3. **Attributes.** ``ref`` (``MEX-85D``, ``I-35``, ``US-83``); ``highway`` from the system's tier
   (1 motorway, 2 trunk, 3 primary, 4 secondary, 5 tertiary); ``toll`` (the ``D`` suffix of
   Mexican expressways, with :data:`FREE_WITH_D` and :data:`TOLL_WITHOUT_D` as documented
   exceptions; US roads are free but for the turnpikes of :data:`US_TOLL_SECTIONS` and the
   toll roads of :data:`US_TOLL_ROUTES`); ``speed_class`` and the geometry covariates of
   :mod:`cargorisk.network.speeds`; ``trucks``, ``truck_rule`` and ``speed_cap_kph`` from
   :mod:`cargorisk.network.trucks`; ``car_speed_kph`` and ``speed_kph`` (loaded truck) from the
   fitted speed model, and ``travel_time`` (truck).

Regions outside the contiguous US (Alaska, Hawaii, Puerto Rico) and the Mexico-Guatemala bridge
are left out. Credit: Travel Mapping project (travelmapping.net), HighwayData.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import re
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from cargorisk.errors import NetworkBuildError
from cargorisk.network.admin import AdminAreas, tag_admin
from cargorisk.network.io import add_osmnx_attributes
from cargorisk.network.lines import keep_largest_component
from cargorisk.network.places import chord_km, name_nodes, unit_vectors
from cargorisk.network.ports import add_ports
from cargorisk.network.speeds import COVARIATES, SpeedModel, edge_covariates, edge_speeds, speed_class
from cargorisk.network.trucks import CLOSED, OPEN, speed_cap_kph, truck_rule

log = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")
WGS84 = "EPSG:4326"
METRIC_CRS = {"MX": "EPSG:6372", "US": "EPSG:5070"}
NATIONAL_NAME = "cargorisk national (Travel Mapping)"
MERGE_TOLERANCE_M = 10.0
# A route that ends on no other route ("dangling") within GAP_M of another route's point is
# extended to that point: Travel Mapping ends an urban route where its number or name ends,
# and the streets that carry on to the next mapped road are not in the data. Measured on this
# data: of 3,862 route ends, 704 dangle; 154 Mexican and 125 US ones lie within 2 km of another
# route (the next 2-3 km: 44 and 29 more). The case that set the question: Tijuana's Via Rapida
# (Oriente) ends 1.6 km from MEX-2's first waypoint at La Presa (Blvd Insurgentes joins them),
# so Tijuana -> Tecate ran 98.7 km by Rosarito instead of about 50; Cotulla -> Pearsall (I-35)
# ran 167 km and Benson -> Willcox (I-10) 150 km for the same reason. 2 km is the spacing of
# waypoints (median about 2 km, see LENGTH_FACTOR), so a closed gap is measured as any other
# piece between two waypoints: a straight line times the country's factor.
GAP_M = 2000.0
NAME_KM = 8.0  # a place names its nearest node when that node is this close
BRIDGE_SYSTEM = "nasib"
BORDER_LABEL = "MEX/USA"
LEFT_OUT_REGIONS = ("AK", "HI", "PR", "GTM")
# The border states' state-highway systems (Travel Mapping tier 4). They are added where they
# carry cross-border trucks: a route is kept when one of its waypoints lies within
# STATE_HIGHWAY_REACH_KM of a commercial port of entry, the ports' hinterland that links each
# crossing to the Interstates (AZ-85 from Lukeville to I-8, 130 km; CA-86 and CA-111 from
# Calexico to I-10 at Indio, 130 km; SH-255 from the Colombia bridge to I-35; NM-11 from Columbus
# to I-10). Farther away long-haul trucks have the Interstates and US highways, which the graph
# has everywhere; measured on this data, all 1,433 state routes would add 9,004 edges (12%) to
# every search, the 207 within reach 1,290.
STATE_SYSTEMS = ("usatx", "usatxl", "usatxs", "usaaz", "usaca", "usanm")
STATE_HIGHWAY_REACH_KM = 150.0
# Their visible waypoints (junctions with roads not in the data, town accesses) stay inside the
# edges: their nodes are junctions with other routes and route ends. Places in the US snap to
# the corridor's places and the metros, which lie on Interstates and US highways.
JUNCTION_NODES_ONLY = STATE_SYSTEMS
TIER_CLASS = {1: "motorway", 2: "trunk", 3: "primary", 4: "secondary", 5: "tertiary"}
# Road length over the straight-segment polyline, by country. Waypoints are about 2 km apart
# (median), so the polyline cuts the curves between them. Measured against the published road
# distances of tests/network/test_national.py with factor 1: median ratio published / graph
# 1.03 for the Mexican pairs (1.00-1.06, one 1.09), 1.00 for the US pairs, whose Interstates have
# a waypoint at every exit (0.98-1.02). The factors remove that bias; the test allows 10%.
LENGTH_FACTOR = {"MX": 1.03, "US": 1.00}
# Exceptions to "a D suffix means cuota" (Wikipedia, List of Mexican Federal Highways: "The
# letter D is added to the road number for all toll roads"; Mexican Federal Highway: "usually
# toll"): free sections of a D route, as (route file, first waypoint, last waypoint).
FREE_WITH_D: dict[tuple[str, str, str], str] = {
    ("mexgto.mex045d", "MEX45_S", "MEX90"): (
        "Irapuato southern bypass of 45D: free to travel, though toll-maintained "
        "(Travel Mapping forum, topic 3167)"
    ),
}
# US turnpikes on the graph, as (route file, first waypoint, last waypoint): the Kansas Turnpike
# carries I-35 from the Oklahoma line to Emporia (exit 127), and I-44 in Oklahoma runs on the
# H.E. Bailey (free through Lawton, exits 30-46), Turner (Oklahoma City-Sapulpa) and Will
# Rogers (Tulsa-Missouri line) turnpikes (AARoads, Kansas Turnpike; Wikipedia, Turner, Will
# Rogers and H.E. Bailey Turnpikes; section ends by exit milepost); in California, CA-125's South
# Bay Expressway is tolled from SR 905 to SR 54, exit 12A (Wikipedia, California State Route 125);
# in Texas, SH 130 from I-10 near Seguin north to I-35 (Wikipedia, Texas State Highway 130: the
# toll road; its concurrency with I-10 and Loop 410 to San Antonio is free).
US_TOLL_SECTIONS: dict[tuple[str, str, str], str] = {
    ("ks.i035", "OK/KS", "127"): "Kansas Turnpike",
    ("ok.i044", "5", "30"): "H.E. Bailey Turnpike (south of Lawton)",
    ("ok.i044", "46", "107"): "H.E. Bailey Turnpike (Lawton-Oklahoma City)",
    ("ok.i044", "138A(35)", "224"): "Turner Turnpike",
    ("ok.i044", "241", "OK/MO"): "Will Rogers Turnpike",
    ("ca.ca125", "CA11/905", "12A"): "South Bay Expressway (toll from SR 905 to SR 54)",
    ("tx.tx130", "614(10)", "411"): "SH 130 toll road (free where it runs on I-10 and Loop 410)",
}
# Toll roads without a D number, in Travel Mapping's "select freeways" (mexsf): the concession
# toll roads of the Valle de Mexico (the Autopista Urbana Norte/Sur and the Supervia Poniente on
# the Periferico, the Viaducto Bicentenario, the Autopistas Siervo de la Nacion,
# Naucalpan-Ecatepec, Piramides-Texcoco and to the AIFA airport, all with electronic tolls) and
# the Macrotunel of Acapulco. Other mexsf roads are free urban boulevards and beltways.
TOLL_WITHOUT_D: dict[str, str] = {
    "mexdf.auturbnte": "Autopista Urbana Norte",
    "mexdf.auturbsur": "Autopista Urbana Sur",
    "mexdf.auturbsurcue": "Autopista Urbana Sur (to Cuernavaca)",
    "mexdf.auturbpte": "Autopista Urbana Poniente (Supervia)",
    "mexdf.autsienac": "Autopista Urbana Siervo de la Nacion",
    "mexemex.autsienac": "Autopista Urbana Siervo de la Nacion",
    "mexdf.autnaueca": "Autopista Naucalpan-Ecatepec",
    "mexdf.autnauecaeca": "Autopista Naucalpan-Ecatepec (Ecatepec)",
    "mexemex.autnaueca": "Autopista Naucalpan-Ecatepec",
    "mexemex.autnauecaeca": "Autopista Naucalpan-Ecatepec (Ecatepec)",
    "mexemex.viadbic": "Viaducto Bicentenario",
    "mexemex.autpirtex": "Autopista Piramides-Texcoco",
    "mexemex.autaifa": "Autopista al Aeropuerto Internacional Felipe Angeles",
    "mexgro.mac": "Macrotunel de Acapulco",
}
# State highways that are toll roads over their whole length (Wikipedia, "Texas State Highway
# 255": the Camino Colombia Toll Road to Laredo's Colombia Solidarity bridge; "Texas State
# Highway 550": toll road; "Texas State Highway Loop 49": Toll 49). SH 130 is tolled north of
# I-10 only (:data:`US_TOLL_SECTIONS`). Toll sections of other state routes (SH 45, SH 99, the
# California toll roads but CA-125) are not marked: they stay free here.
US_TOLL_ROUTES: dict[str, str] = {
    "tx.tx255": "Camino Colombia Toll Road",
    "tx.tx550": "SH 550 toll road",
    "tx.lp0049": "Toll 49",
}
REF_PATTERN = re.compile(r"^([A-Z]+)(\d.*)$")


def build_national(
    routes: pd.DataFrame,
    waypoints: pd.DataFrame,
    *,
    tolerance_m: float = MERGE_TOLERANCE_M,
    speed_model: SpeedModel | None = None,
) -> tuple[nx.MultiDiGraph, dict[str, pd.DataFrame]]:
    """Build the road graph (no ports yet) from the ``tm_routes`` and ``tm_waypoints`` tables.

    Returns the graph (integer node ids, both directions of every road; speeds from
    ``speed_model``, default :meth:`SpeedModel.prior`) and the bridges: one row per
    international bridge half (``root``, ``country``, ``geometry`` from the inland end to the
    border, ``node``: the inland end's node id).
    """
    points = route_points(routes, waypoints)
    if points.empty:
        msg = "no Travel Mapping waypoints to build from; run `cargorisk data build travelmapping_highways`"
        raise NetworkBuildError(msg)
    points["point"] = merge_points(points, tolerance_m)
    points = close_gaps(drop_repeats(points))
    points["is_node"] = node_flags(points)
    bridges = points[points["system"] == BRIDGE_SYSTEM]
    roads = points[points["system"] != BRIDGE_SYSTEM]
    roads = roads.reset_index(drop=True)
    segments = concurrent_once(split_routes(roads))
    node_ids = number_nodes(points, segments, bridges)
    graph = nx.MultiDiGraph(
        crs=WGS84,
        name=NATIONAL_NAME,
        source="Travel Mapping project (travelmapping.net), HighwayData",
        merge_tolerance_m=tolerance_m,
        length_factor=str(LENGTH_FACTOR),
    )
    add_nodes(graph, points, node_ids)
    add_roads(graph, segments, node_ids, speed_model or SpeedModel.prior())
    return graph, bridge_table(bridges, node_ids)


def route_points(routes: pd.DataFrame, waypoints: pd.DataFrame) -> pd.DataFrame:
    """Waypoints with their route's system, tier, country, region and formatted ``ref``."""
    keep = routes[~routes["region"].isin(LEFT_OUT_REGIONS)].copy()
    keep["ref"] = [
        format_ref(r, b, c) for r, b, c in zip(keep["route"], keep["banner"], keep["city"], strict=True)
    ]
    keep["toll"] = [is_toll(*row) for row in keep[["root", "route", "country"]].itertuples(index=False)]
    keep["deck"] = keep["root"].isin(list(TOLL_WITHOUT_D))  # urban toll decks over free roads
    cols = ["root", "system", "tier", "country", "region", "region_name", "ref", "toll", "deck"]
    points = waypoints.merge(keep[cols], on="root", how="inner")
    points = points.sort_values(["root", "seq"], kind="stable").reset_index(drop=True)
    return points.assign(toll=section_tolls(points))


def format_ref(route: str, banner: str = "", name: str = "") -> str:
    """'MEX85D' -> 'MEX-85D', 'MEXM40D' -> 'MEX-M40D' (Arco Norte), 'US83' -> 'US-83', 'I-35'
    stays, a banner is appended ('I-35 Bus'); a route without a number (urban freeways such as
    'AniPer') takes its full ``name`` when the route list gives one ('Anillo Periférico')."""
    if not any(c.isdigit() for c in route):
        ref = name or route
    elif route.startswith("MEX"):
        ref = f"MEX-{route[3:]}"
    else:
        match = REF_PATTERN.match(route)
        ref = f"{match.group(1)}-{match.group(2)}" if match else route
    return f"{ref} {banner}" if banner else ref


def is_toll(root: str, route: str, country: str) -> bool:
    """Cuota: a Mexican route number with the D suffix, a toll road of :data:`TOLL_WITHOUT_D` or
    of :data:`US_TOLL_ROUTES` (sections, free or toll, are applied per waypoint by
    :func:`section_tolls`)."""
    if country != "MX":
        return root in US_TOLL_ROUTES
    return root in TOLL_WITHOUT_D or bool(re.search(r"\dD$", route))


def section_tolls(points: pd.DataFrame) -> pd.Series:
    """``points["toll"]`` with the documented sections set: :data:`FREE_WITH_D` free and
    :data:`US_TOLL_SECTIONS` toll. A piece of route takes the flag of its first waypoint, so a
    section's waypoints but its last are marked; a section of a route left out of ``points``
    (a state highway far from the ports) is skipped."""
    toll = points["toll"].copy()
    sections = [(key, False) for key in FREE_WITH_D] + [(key, True) for key in US_TOLL_SECTIONS]
    for (root, first, last), value in sections:
        route = points[points["root"] == root]
        seq = dict(zip(route["label"], route["seq"], strict=False))
        if route.empty:
            continue
        if first in seq and last in seq:
            lo, hi = sorted((seq[first], seq[last]))
            toll[route.index[(route["seq"] >= lo) & (route["seq"] < hi)]] = value
        else:
            log.warning("toll section %s %s-%s is not in the data; left as it is", root, first, last)
    return toll


def merge_points(points: pd.DataFrame, tolerance_m: float) -> np.ndarray:
    """Point id per waypoint: equal coordinates in one country share an id, and points of
    different routes within ``tolerance_m`` merge (unless both are hidden shaping points)."""
    exact = points.groupby(["country", "lon", "lat"], sort=True).ngroup().to_numpy()
    first = pd.DataFrame({"exact": exact, "i": np.arange(len(points))}).groupby("exact")["i"].first()
    uniq = points.iloc[first.to_numpy()].reset_index(drop=True)
    roots = points.groupby(exact)["root"].agg(frozenset).to_numpy()
    all_hidden = points.groupby(exact)["hidden"].all().to_numpy()
    pairs = []
    for country, crs in METRIC_CRS.items():
        idx = np.flatnonzero(uniq["country"].to_numpy() == country)
        if len(idx) < 2:
            continue
        x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(
            uniq["lon"].to_numpy()[idx], uniq["lat"].to_numpy()[idx]
        )
        found = cKDTree(np.column_stack([x, y])).query_pairs(tolerance_m, output_type="ndarray")
        pairs += [(idx[a], idx[b]) for a, b in found if roots[idx[a]] != roots[idx[b]]]
    pairs = [(a, b) for a, b in pairs if not (all_hidden[a] and all_hidden[b])]
    n = len(uniq)
    rows = np.array([a for a, _ in pairs], dtype=np.int64)
    cols = np.array([b for _, b in pairs], dtype=np.int64)
    _, label = connected_components(coo_matrix((np.ones(len(pairs)), (rows, cols)), shape=(n, n)))
    log.info("merged %d point pairs within %.0f m", len(pairs), tolerance_m)
    return label[exact]


def close_gaps(points: pd.DataFrame, gap_m: float = GAP_M) -> pd.DataFrame:
    """``points`` with each dangling route end (:data:`GAP_M`) extended to the nearest point of
    another route of its country within ``gap_m``, as one more waypoint of the dangling route
    (that point's id, coordinates and label). A road is entered where it can be: a controlled-
    access road (toll, or tier 1: the Interstates) at a visible waypoint (an interchange), not at
    a hidden shaping point between them (of the 279 ends within 2 km, 7 had such a point
    nearest: on MEX-15D twice, MEX-76D, EMEX-5D, I-90, I-81 and I-30). Two ends that are each
    other's nearest are joined once; international bridges neither dangle nor are joined to."""
    root = points["root"].to_numpy()
    first = np.r_[True, root[1:] != root[:-1]]
    last = np.r_[root[:-1] != root[1:], True]
    roads = points["system"].to_numpy() != BRIDGE_SYSTEM
    routes_at = points.groupby("point")["root"].transform("nunique").to_numpy()
    dangling = (first | last) & (routes_at == 1) & roads
    controlled = points["toll"].to_numpy(dtype=bool) | (points["tier"].to_numpy() == 1)
    enterable = roads & ~(points["hidden"].to_numpy(dtype=bool) & controlled)
    country, ids = points["country"].to_numpy(), points["point"].to_numpy()
    lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    added, joined = [], set()
    for name, crs in METRIC_CRS.items():
        ends = np.flatnonzero(dangling & (country == name))
        targets = np.flatnonzero(enterable & (country == name))
        if not len(ends) or not len(targets):
            continue
        to_metres = Transformer.from_crs(WGS84, crs, always_xy=True)
        at = np.column_stack(to_metres.transform(lon[ends], lat[ends]))
        xy = np.column_stack(to_metres.transform(lon[targets], lat[targets]))
        tree = cKDTree(xy)
        for end, here in zip(ends, at, strict=True):
            near = [j for j in tree.query_ball_point(here, gap_m) if root[targets[j]] != root[end]]
            if not near:
                continue
            target = targets[min(near, key=lambda j: np.hypot(*(xy[j] - here)))]
            pair = frozenset((int(ids[end]), int(ids[target])))
            if pair in joined:
                continue
            joined.add(pair)
            row = points.iloc[[end]].assign(hidden=False, _order=end + (0.5 if last[end] else -0.5))
            for column in ("lon", "lat", "point", "label"):
                row[column] = points[column].to_numpy()[target]
            added.append(row)
    log.info("closed %d gaps of up to %.0f m between route ends and other routes", len(added), gap_m)
    if not added:
        return points
    ordered = pd.concat([points.assign(_order=np.arange(len(points), dtype=float)), *added])
    return ordered.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def drop_repeats(points: pd.DataFrame) -> pd.DataFrame:
    """Remove a waypoint that repeats the previous point of its route (after merging)."""
    same = (points["root"] == points["root"].shift()) & (points["point"] == points["point"].shift())
    return points[~same].reset_index(drop=True)


def node_flags(points: pd.DataFrame, *, visible: bool = True) -> np.ndarray:
    """Whether each waypoint is a node: a route end, a point used twice (by two routes, or a
    route that loops back to it) and, with ``visible``, every waypoint that is not hidden but
    those of :data:`JUNCTION_NODES_ONLY` systems."""
    first = points["root"] != points["root"].shift()
    last = points["root"] != points["root"].shift(-1)
    uses = points.groupby("point")["point"].transform("size").to_numpy()
    shown = ~points["hidden"].to_numpy() & ~points["system"].isin(JUNCTION_NODES_ONLY).to_numpy()
    return (first | last).to_numpy() | (uses > 1) | (shown if visible else False)


def split_routes(points: pd.DataFrame) -> pd.DataFrame:
    """One row per piece of route between consecutive nodes: ``u``, ``v`` (point ids), the
    route's attributes, the piece's coordinates and point ids, and the covariates of
    :func:`~cargorisk.network.speeds.edge_covariates` (``points`` has a default index)."""
    pos = np.flatnonzero(points["is_node"].to_numpy())
    root = points["root"].to_numpy()
    start, stop = pos[:-1], pos[1:]
    inside = root[start] == root[stop]
    start, stop = start[inside], stop[inside]
    pid = points["point"].to_numpy()
    lonlat = points[["lon", "lat"]].to_numpy()
    attrs = points.iloc[start][["root", "system", "tier", "country", "region_name", "ref", "toll", "deck"]]
    segments = attrs.reset_index(drop=True).assign(u=pid[start], v=pid[stop])
    segments = pd.concat([segments, edge_covariates(points, start, stop)], axis=1)
    segments["ids"] = [tuple(pid[a : b + 1]) for a, b in zip(start, stop, strict=True)]
    segments["coords"] = [lonlat[a : b + 1] for a, b in zip(start, stop, strict=True)]
    return segments[segments["u"] != segments["v"]].reset_index(drop=True)


def concurrent_once(segments: pd.DataFrame) -> pd.DataFrame:
    """One edge where several routes run over the same points (concurrent numbers).

    The lowest-tier route's attributes are kept, ``ref`` lists every number (``;``-joined),
    and the edge is toll if a D-numbered route on it is: Travel Mapping draws the free number
    over the autopista where the old libre is not mapped. Of the 1,084 km of such pairs, the
    largest are MEX-15D/15 in Sonora (537 km, tolled at the Hermosillo and Guaymas plazas),
    MEX-45D/45 Chihuahua-Ciudad Juarez (185 km, Sueco and Villa Ahumada plazas), MEX-2D/2
    (116 km), MEX-16D/16 Chihuahua-Cuauhtemoc (89 km) and MEX-57D/57 in Queretaro (61 km, the
    Palmillas plaza). An urban toll deck (:data:`TOLL_WITHOUT_D`) drawn over a free road leaves
    the road free: both exist, one above the other.
    """
    canon = [ids if ids[0] <= ids[-1] else ids[::-1] for ids in segments["ids"]]
    segments = segments.assign(key=canon).sort_values(["tier", "ref"], kind="stable")
    grouped = segments.groupby("key", sort=False)
    first = grouped.head(1).set_index("key")
    first["ref"] = grouped["ref"].agg(lambda refs: ";".join(dict.fromkeys(refs)))
    first["toll"] = (
        grouped["toll"].all() | (segments["toll"] & ~segments["deck"]).groupby(segments["key"]).any()
    )
    return first.reset_index(drop=True)


def number_nodes(points: pd.DataFrame, segments: pd.DataFrame, bridges: pd.DataFrame) -> dict[int, int]:
    """Integer node id (0..n-1, ordered by country, lon, lat) for every point used as a node."""
    inland = bridges["is_node"] & (bridges["label"] != BORDER_LABEL)
    used = set(segments["u"]) | set(segments["v"]) | set(bridges.loc[inland, "point"])
    firsts = points.drop_duplicates("point").set_index("point").loc[sorted(used)]
    ordered = firsts.sort_values(["country", "lon", "lat"], kind="stable").index
    return {int(p): i for i, p in enumerate(ordered)}


def add_nodes(graph: nx.MultiDiGraph, points: pd.DataFrame, node_ids: dict[int, int]) -> None:
    """Nodes with ``x``, ``y`` (the point's first coordinate), ``country`` and US ``state``."""
    firsts = points.drop_duplicates("point").set_index("point").loc[list(node_ids)]
    us = firsts["country"].to_numpy() == "US"
    states = np.where(us, firsts["region_name"].to_numpy(), "")
    graph.add_nodes_from(
        (node, {"x": float(x), "y": float(y), "kind": "junction", "country": c, "state": s})
        for node, x, y, c, s in zip(
            node_ids.values(), firsts["lon"], firsts["lat"], firsts["country"], states, strict=True
        )
    )


def add_roads(
    graph: nx.MultiDiGraph, segments: pd.DataFrame, node_ids: dict[int, int], model: SpeedModel
) -> None:
    """Two directed edges per segment, with geometry ending exactly on its nodes, its class,
    covariates, truck rule and speeds."""
    factor = segments["country"].map(LENGTH_FACTOR).to_numpy()
    lengths = np.array([polyline_m(c) for c in segments["coords"]]) * factor
    frame = road_attributes(segments)
    frame = frame.join(edge_speeds(model, frame))
    for seg, length, attrs in zip(
        segments.itertuples(index=False), lengths, frame.to_dict("records"), strict=True
    ):
        u, v = node_ids[int(seg.u)], node_ids[int(seg.v)]
        coords = np.array(seg.coords, dtype=float)
        coords[0] = graph.nodes[u]["x"], graph.nodes[u]["y"]
        coords[-1] = graph.nodes[v]["x"], graph.nodes[v]["y"]
        line = shapely.LineString(coords)
        attrs |= {
            "ref": seg.ref,
            "toll": bool(seg.toll),
            "kind": "road",
            "length": float(length),
            "travel_time": float(length) / (attrs["speed_kph"] / 3.6),
            "length_source": "travelmapping",
            "tm_root": seg.root,
        }
        if attrs["trucks"] == OPEN:
            del attrs["truck_rule"]
        graph.add_edge(u, v, **attrs, geometry=line)
        graph.add_edge(v, u, **attrs, geometry=line.reverse())


def road_attributes(segments: pd.DataFrame) -> pd.DataFrame:
    """Per segment: ``highway`` (from the tier), ``speed_class``, the covariates (rounded),
    ``trucks``, ``truck_rule`` and ``speed_cap_kph``."""
    rules = [
        truck_rule(root, system) for root, system in zip(segments["root"], segments["system"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            "highway": [TIER_CLASS.get(int(t), "tertiary") for t in segments["tier"]],
            "speed_class": [
                speed_class(c, s, int(t), bool(toll))
                for c, s, t, toll in segments[["country", "system", "tier", "toll"]].itertuples(index=False)
            ],
            **{name: segments[name].round(3) for name in COVARIATES},
            "trucks": [r.trucks for r in rules],
            "truck_rule": [r.rule for r in rules],
        }
    )
    states = np.where(segments["country"] == "US", segments["region_name"], "")
    frame["speed_cap_kph"] = [
        speed_cap_kph(c, s, t) for c, s, t in zip(segments["country"], states, frame["trucks"], strict=True)
    ]
    return frame


def polyline_m(coords: np.ndarray) -> float:
    """Geodesic length (m) of a lon/lat polyline."""
    coords = np.asarray(coords, dtype=float)
    return float(GEOD.line_length(coords[:, 0], coords[:, 1]))


def bridge_table(bridges: pd.DataFrame, node_ids: dict[int, int]) -> pd.DataFrame:
    """International bridge halves: root, country, inland node, and the line inland -> border."""
    rows = []
    for root, part in bridges.groupby("root", sort=True):
        coords = part[["lon", "lat"]].to_numpy()
        if part["label"].iloc[0] == BORDER_LABEL:  # the US halves run from the border inland
            coords, inland = coords[::-1], int(part["point"].iloc[-1])
        else:
            inland = int(part["point"].iloc[0])
        rows.append(
            {
                "root": root,
                "country": part["country"].iloc[0],
                "node": node_ids.get(inland),
                "border_lon": coords[-1][0],
                "border_lat": coords[-1][1],
                "geometry": shapely.LineString(coords),
            }
        )
    return pd.DataFrame(rows, columns=["root", "country", "node", "border_lon", "border_lat", "geometry"])


def assemble_national(
    routes: pd.DataFrame,
    waypoints: pd.DataFrame,
    crossings: pd.DataFrame,
    *,
    areas: AdminAreas | None = None,
    places: pd.DataFrame | None = None,
    speed_model: SpeedModel | None = None,
) -> nx.MultiDiGraph:
    """The complete national graph: roads, ports of entry, the strongly connected core (small
    fragments dropped and reported in ``graph["dropped"]``), admin tags and place names.

    Parameters
    ----------
    routes, waypoints
        The ``tm_routes`` and ``tm_waypoints`` tables.
    crossings
        The commercial crossings (:func:`cargorisk.network.corridor_ports`).
    areas
        Mexican state and municipality polygons for ``state`` and ``cvegeo`` (no tags if None).
    places
        Named places (:func:`cargorisk.network.places.corridor_places`); each names its nearest
        node within :data:`NAME_KM`.
    speed_model
        The fitted speed model (:func:`cargorisk.network.speeds.load_speed_model`; default:
        the prior of :meth:`~cargorisk.network.speeds.SpeedModel.prior`).
    """
    routes = near_the_ports(routes, waypoints, crossings)
    graph, bridges = build_national(routes, waypoints, speed_model=speed_model)
    add_ports(graph, crossings, bridges)
    # strongly connected by roads open to trucks: every node kept is reachable by truck (nodes
    # only on closed roads, e.g. along Eje Central, go with those closed edges)
    graph = keep_largest_component(graph, strongly=True, usable=lambda d: d.get("trucks") != CLOSED)
    if areas is not None:
        graph = tag_admin(graph, areas, copy=False)
    if places is not None:
        graph.graph["named_nodes"] = name_nodes(graph, places, NAME_KM)
    return add_osmnx_attributes(graph)


def near_the_ports(
    routes: pd.DataFrame,
    waypoints: pd.DataFrame,
    crossings: pd.DataFrame,
    reach_km: float = STATE_HIGHWAY_REACH_KM,
) -> pd.DataFrame:
    """``routes`` without the state highways (:data:`STATE_SYSTEMS`) that come no closer than
    ``reach_km`` to the US side of any of ``crossings``."""
    state = routes.loc[routes["system"].isin(STATE_SYSTEMS), "root"]
    points = waypoints[waypoints["root"].isin(state)]
    if points.empty or crossings.empty:
        return routes
    ports = cKDTree(unit_vectors(crossings[["us_lon", "us_lat"]].to_numpy(dtype=float)))
    chord, _ = ports.query(unit_vectors(points[["lon", "lat"]].to_numpy(dtype=float)))
    near = set(points.loc[chord_km(chord) <= reach_km, "root"])
    far = set(state) - near
    log.info("state highways: %d routes within %.0f km of a port, %d left out", len(near), reach_km, len(far))
    return routes[~routes["root"].isin(far)].reset_index(drop=True)


def builder_signature() -> str:
    """SHA-256 over the source of the modules that shape the national graph and the versions of
    the libraries whose objects the cache pickles, so that a cached graph is rebuilt after any
    change to how it is built (no version number to forget)."""
    from cargorisk.network import admin, corridor, io, lines, places, ports, speeds, trucks  # noqa: PLC0415

    digest = hashlib.sha256()
    for module in (sys.modules[__name__], admin, corridor, io, lines, places, ports, speeds, trucks):
        digest.update(Path(module.__file__).read_bytes())  # type: ignore[arg-type]
    for package in ("networkx", "osmnx", "shapely", "pyproj", "geopandas", "pandas", "numpy"):
        digest.update(f"{package} {importlib.metadata.version(package)}".encode())
    return digest.hexdigest()
