"""The embedded corridor network: authored nodes, roads and crossings in ``data/network/``.

``nodes.csv``, ``edges.csv`` and ``crossings.csv`` are authored by this project from public
facts (see ``data/network/SOURCES.md``). ``edge_geometry.csv`` is derived from them by
``cargorisk.network.trace``, which follows each authored road over the DCW (Mexico) and Natural
Earth (US) line layers; it is committed so the network builds without those layers. An edge's
``length`` is the published road distance (``edges.csv`` column ``km``) where one is given,
else the traced length; ``length_source`` says which.
"""

from __future__ import annotations

import logging
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from cargorisk.errors import DataSourceError

log = logging.getLogger(__name__)
GEOD = Geod(ellps="WGS84")
WGS84 = "EPSG:4326"
CROSSING_SPEED_KPH = 10.0  # crawl over the bridge; queueing is the border model's job
FILES = ("nodes.csv", "edges.csv", "crossings.csv", "edge_geometry.csv")
CORRIDOR_NAME = "cargorisk corridor"


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """Read one authored CSV, with a clear error when it is missing or malformed."""
    path = folder / name
    if not path.exists():
        msg = f"corridor network file {path} is missing; restore data/network/ from the repository"
        raise DataSourceError(msg)
    try:
        return pd.read_csv(path, dtype={"port_code": str}, keep_default_na=False, na_values=[""])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        msg = f"cannot read {path}: {str(exc).splitlines()[0]}; restore it from the repository"
        raise DataSourceError(msg) from None


def pair_key(u: pd.Series, v: pd.Series) -> pd.Series:
    """Order-free key of a node pair ('a|b' with a < b)."""
    return pd.Series(np.where(u < v, u + "|" + v, v + "|" + u), index=u.index)


def build_corridor(folder: Path) -> nx.MultiDiGraph:
    """Assemble the corridor MultiDiGraph from the files in ``folder``.

    Every authored road becomes two directed edges (a toll road and its free twin between the
    same towns are parallel edges with different keys); every crossing becomes two
    ``kind="crossing"`` edges carrying ``port_code``, ``port_name`` and ``bridge``.
    """
    nodes, edges, crossings, geometry = (read_table(folder, f) for f in FILES)
    graph = nx.MultiDiGraph(crs=WGS84, name=CORRIDOR_NAME)
    for row in nodes.itertuples(index=False):
        graph.add_node(
            row.id,
            x=float(row.lon),
            y=float(row.lat),
            name=row.name,
            kind=row.kind,
            country=row.country,
            state=row.state,
            aliases="" if pd.isna(row.aliases) else row.aliases,
        )
    traced = geometry.set_index("pair")
    edges = edges.assign(pair=pair_key(edges["u"], edges["v"]))
    missing = sorted(set(edges["pair"]) - set(traced.index))
    if missing:
        msg = (
            f"edge_geometry.csv lacks {len(missing)} roads (e.g. {missing[0]}); run `cargorisk network trace`"
        )
        raise DataSourceError(msg)
    for row in edges.itertuples(index=False):
        line = shapely.from_wkt(traced.at[row.pair, "wkt"])
        if traced.at[row.pair, "u"] != row.u:
            line = line.reverse()
        published = pd.notna(row.km)
        attrs = {
            "ref": row.ref,
            "toll": bool(row.toll),
            "highway": row.highway,
            "kind": "road",
            "speed_kph": float(row.speed_kph),
            "length": float(row.km) * 1000 if published else float(traced.at[row.pair, "length_m"]),
            "length_source": "published" if published else traced.at[row.pair, "source"],
        }
        add_both_ways(graph, row.u, row.v, line, attrs)
    for row in crossings.itertuples(index=False):
        add_crossing(graph, row.mx, row.us, str(row.port_code), row.port_name, row.bridge)
    return graph


def add_both_ways(graph: nx.MultiDiGraph, u: str, v: str, line: shapely.LineString, attrs: dict) -> None:
    """Add a road as two directed edges with travel time from length and speed."""
    attrs = {**attrs, "travel_time": attrs["length"] / (attrs["speed_kph"] / 3.6)}
    graph.add_edge(u, v, **attrs, geometry=line)
    graph.add_edge(v, u, **attrs, geometry=line.reverse())


def add_crossing(
    graph: nx.MultiDiGraph, mx: str, us: str, port_code: str, port_name: str, bridge: str
) -> None:
    """Add the two crossing edges of a port of entry (straight line over the bridge)."""
    a, b = graph.nodes[mx], graph.nodes[us]
    line = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
    length = GEOD.geometry_length(line)
    attrs = {
        "ref": bridge,
        "toll": True,
        "highway": "crossing",
        "kind": "crossing",
        "port_code": port_code,
        "port_name": port_name,
        "bridge": bridge,
        "speed_kph": CROSSING_SPEED_KPH,
        "length": length,
        "length_source": "straight",
    }
    add_both_ways(graph, mx, us, line, attrs)
