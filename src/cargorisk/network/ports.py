"""Ports of entry on a road graph: crossing edges between a Mexican and a US port node, and
the links that tie each port node to its country's roads.

A crossing (one row of :func:`cargorisk.network.corridor_ports`: port code and name, bridge,
both sides' coordinates) becomes two port nodes at the coordinates of the Mexican customs and
the US port, and ``kind="crossing"`` edges both ways carrying ``port_code``, ``port_name`` and
``bridge``. Each port node is tied to the roads of its own country:

- where Travel Mapping has the bridge (its Mexican and US halves meet at the crossing's border
  point), by the bridge's own line from its inland end to the port node (``length_source``
  ``"travelmapping bridge"``), when that inland end is on the country's main road network;
- elsewhere, by a straight connector to the nearest node of the main network, its length times
  :data:`CONNECTOR_DETOUR` (``length_source`` ``"connector"``).

Every link is listed in ``G.graph["port_links"]``. Roads never cross the border by themselves,
so commercial traffic crosses only at these ports, never on a passenger-only bridge.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from scipy.spatial import cKDTree
from shapely.ops import substring

from cargorisk.network.corridor import CROSSING_SPEED_KPH
from cargorisk.network.places import chord_km, unit_vectors

GEOD = Geod(ellps="WGS84")
LINK_SPEED_KPH = 30.0  # port approach roads and connectors: urban streets with trucks
RURAL_LINK_KM = 15.0  # longer connectors stand for rural state roads (Lukeville, Columbus, Naco)
RURAL_LINK_SPEED_KPH = 60.0
CONNECTOR_DETOUR = 1.3  # road km per straight km for a connector (urban streets)
BRIDGE_MATCH_KM = 2.5  # a bridge belongs to a crossing whose midpoint is this close to its border point


def add_ports(graph: nx.MultiDiGraph, crossings: pd.DataFrame, bridges: pd.DataFrame) -> list[dict]:
    """Add every crossing of ``crossings`` to ``graph`` (in place); return the links added.

    Parameters
    ----------
    graph
        Road graph with integer node ids and a ``country`` on every node.
    crossings
        ``port_code``, ``port_name``, ``bridge``, ``mx_lon``, ``mx_lat``, ``us_lon``, ``us_lat`` and
        optionally ``mx_name``, ``us_name``, ``mx_state``, ``us_state`` for the port nodes.
    bridges
        Bridge halves from :func:`cargorisk.network.national.build_national` (may be empty).
    """
    anchors = {c: main_nodes(graph, c) for c in ("MX", "US")}
    links: list[dict] = []
    for row in crossings.itertuples(index=False):
        halves = matching_bridge(bridges, row)
        ends = {}
        for side, country in (("mx", "MX"), ("us", "US")):
            xy = (float(getattr(row, f"{side}_lon")), float(getattr(row, f"{side}_lat")))
            name, state = (getattr(row, f"{side}_{c}", "") or "" for c in ("name", "state"))
            node = new_node(graph, xy, country, name, state)
            link = tie(graph, node, anchors[country], halves.get(country))
            links.append({"port_code": str(row.port_code), "bridge": row.bridge, "side": country, **link})
            ends[side] = node
        add_crossing(graph, ends["mx"], ends["us"], row, halves)
    graph.graph["port_links"] = links
    return links


def main_nodes(graph: nx.MultiDiGraph, country: str) -> tuple[list, cKDTree]:
    """Nodes of the largest connected road network of ``country``, and a tree to search them."""
    sub = graph.subgraph(n for n, d in graph.nodes(data=True) if d.get("country") == country)
    if sub.number_of_nodes() == 0:
        return [], cKDTree(np.zeros((1, 3)))
    nodes = list(max(nx.weakly_connected_components(sub), key=len))
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes], dtype=float)
    return nodes, cKDTree(unit_vectors(xy))


def matching_bridge(bridges: pd.DataFrame, row: object) -> dict[str, pd.Series]:
    """The Mexican and US halves of the Travel Mapping bridge at this crossing, by country."""
    if bridges.empty:
        return {}
    mid_lon = (float(row.mx_lon) + float(row.us_lon)) / 2  # type: ignore[attr-defined]
    mid_lat = (float(row.mx_lat) + float(row.us_lat)) / 2  # type: ignore[attr-defined]
    _, _, dist = GEOD.inv(
        np.full(len(bridges), mid_lon),
        np.full(len(bridges), mid_lat),
        bridges["border_lon"],
        bridges["border_lat"],
    )
    near = bridges[dist / 1000 <= BRIDGE_MATCH_KM]
    if set(near["country"]) != {"MX", "US"}:
        return {}
    best = near.assign(d=dist[dist / 1000 <= BRIDGE_MATCH_KM]).sort_values("d")
    return {c: best[best["country"] == c].iloc[0] for c in ("MX", "US")}


def new_node(graph: nx.MultiDiGraph, xy: tuple[float, float], country: str, name: str, state: str) -> int:
    """Add a port node at ``xy`` with the next free integer id."""
    node = max((n for n in graph.nodes if isinstance(n, int)), default=-1) + 1
    graph.add_node(node, x=xy[0], y=xy[1], kind="port", country=country, state=state, name=name)
    return node


def tie(graph: nx.MultiDiGraph, node: int, anchors: tuple[list, cKDTree], half: pd.Series | None) -> dict:
    """Link a port node to its country's main road network; describe the link."""
    members, tree = anchors
    here = (graph.nodes[node]["x"], graph.nodes[node]["y"])
    if half is not None and half["node"] in set(members):
        line = bridge_access(half["geometry"], here)
        target, source = int(half["node"]), "travelmapping bridge"
        length = GEOD.geometry_length(line)
    else:
        chord, i = tree.query(unit_vectors(np.array([here]))[0])
        target, source = members[int(i)], "connector"
        line = shapely.LineString([(graph.nodes[target]["x"], graph.nodes[target]["y"]), here])
        length = chord_km(chord) * 1000 * CONNECTOR_DETOUR
    length = max(float(length), 1.0)
    speed = RURAL_LINK_SPEED_KPH if length > RURAL_LINK_KM * 1000 else LINK_SPEED_KPH
    attrs = {
        "ref": "port access",
        "toll": False,
        "highway": "tertiary",
        "kind": "road",
        "speed_kph": speed,
        "length": length,
        "travel_time": length / (speed / 3.6),
        "length_source": source,
    }
    graph.add_edge(target, node, **attrs, geometry=line)
    graph.add_edge(node, target, **attrs, geometry=line.reverse())
    return {"node": node, "to_node": target, "km": round(length / 1000, 2), "source": source}


def bridge_access(half: shapely.LineString, port: tuple[float, float]) -> shapely.LineString:
    """The bridge half from its inland end to the point nearest the port, ending at the port."""
    cut = half.project(shapely.Point(port))
    part = substring(half, 0, cut) if cut > 0 else shapely.LineString([half.coords[0]] * 2)
    coords = [c for c in part.coords if c != port] + [port]
    return shapely.LineString(coords if len(coords) > 1 else [port, port])


def add_crossing(graph: nx.MultiDiGraph, mx: int, us: int, row: object, halves: dict[str, pd.Series]) -> None:
    """The two crossing edges of a port: over the bridge's line where known, else straight."""
    a, b = graph.nodes[mx], graph.nodes[us]
    line = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
    if halves:
        border = (float(halves["MX"]["border_lon"]), float(halves["MX"]["border_lat"]))
        line = shapely.LineString([(a["x"], a["y"]), border, (b["x"], b["y"])])
    length = max(GEOD.geometry_length(line), 1.0)
    attrs = {
        "ref": row.bridge,  # type: ignore[attr-defined]
        "toll": True,
        "highway": "crossing",
        "kind": "crossing",
        "port_code": str(row.port_code),  # type: ignore[attr-defined]
        "port_name": row.port_name,  # type: ignore[attr-defined]
        "bridge": row.bridge,  # type: ignore[attr-defined]
        "speed_kph": CROSSING_SPEED_KPH,
        "length": length,
        "travel_time": length / (CROSSING_SPEED_KPH / 3.6),
        "length_source": "travelmapping bridge" if halves else "straight",
    }
    graph.add_edge(mx, us, **attrs, geometry=line)
    graph.add_edge(us, mx, **attrs, geometry=line.reverse())
