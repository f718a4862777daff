"""Road graphs for the Mexico-US corridor.

``load_network("corridor")`` returns the embedded corridor network tagged with states and
municipalities; ``from_osm_xml`` and ``from_lines`` build graphs from OpenStreetMap extracts
and national line layers, ``join_at_ports`` joins a Mexican and a US graph at the ports of
entry, and ``resolve_place`` turns names and coordinates into nodes. All graphs follow the
osmnx conventions (``networkx.MultiDiGraph``, ``crs``, node ``x``/``y``, edge ``length`` in m
and ``travel_time`` in s).
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd

from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.network.admin import AdminAreas, tag_admin
from cargorisk.network.corridor import build_corridor, read_table
from cargorisk.network.io import load_graph, save_graph
from cargorisk.network.lines import from_lines, join_at_ports
from cargorisk.network.osm import from_osm_xml
from cargorisk.network.places import Gazetteer, Place, municipality_gazetteer, resolve_place
from cargorisk.network.validate import describe_network, find_problems, validate_graph
from cargorisk.sources import load_table

__all__ = [
    "AdminAreas",
    "Gazetteer",
    "Place",
    "corridor_ports",
    "describe_network",
    "find_problems",
    "from_lines",
    "from_osm_xml",
    "join_at_ports",
    "load_gazetteer",
    "load_graph",
    "load_network",
    "network_dir",
    "resolve_place",
    "save_graph",
    "tag_admin",
    "validate_graph",
]
LINE_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".parquet", ".zip")
OSM_SUFFIXES = (".osm", ".xml", ".bz2")


def network_dir(settings: Settings) -> Path:
    """The corridor network folder: ``settings.network_dir``, else the one in the source tree."""
    if (settings.network_dir / "nodes.csv").exists():
        return settings.network_dir
    return Path(__file__).resolve().parents[3] / "data" / "network"


def load_network(
    source: str | Path = "corridor", *, settings: Settings | None = None, tag: bool = True
) -> nx.MultiDiGraph:
    """Load a road graph.

    Parameters
    ----------
    source
        ``"corridor"`` (the embedded network, cached), or a file: ``.graphml`` (saved graph),
        ``.osm``/``.osm.bz2`` (OpenStreetMap XML) or a line layer (``.gpkg``, ``.geojson``,
        ``.shp``, ``.parquet``).
    settings
        Where the corridor files and the built admin polygons are (default: from environment).
    tag
        Add country/state/municipality tags (needs ``cargorisk data build``).
    """
    settings = settings or Settings.from_env()
    if str(source) == "corridor":
        return cached_corridor(network_dir(settings), settings.processed_dir if tag else None).copy()
    path = Path(source)
    if path.suffix == ".graphml":
        graph = load_graph(path)
    elif path.suffix in OSM_SUFFIXES:
        graph = from_osm_xml(path)
    elif path.suffix in LINE_SUFFIXES:
        graph = from_lines(gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path))
    else:
        msg = f"unknown network source {str(source)!r}; use 'corridor', .graphml, .osm or a line layer"
        raise InputError(msg)
    return tag_admin(graph, AdminAreas.from_processed(settings.processed_dir)) if tag else graph


@functools.lru_cache(maxsize=4)
def cached_corridor(folder: Path, processed_dir: Path | None) -> nx.MultiDiGraph:
    """Build (and tag, when ``processed_dir`` is given) the corridor network once per process."""
    graph = build_corridor(folder)
    return tag_admin(graph, AdminAreas.from_processed(processed_dir)) if processed_dir else graph


def corridor_ports(settings: Settings | None = None) -> pd.DataFrame:
    """The corridor's crossings with both ends' coordinates (input for :func:`join_at_ports`)."""
    folder = network_dir(settings or Settings.from_env())
    nodes = read_table(folder, "nodes.csv").set_index("id")
    crossings = read_table(folder, "crossings.csv")
    for side in ("mx", "us"):
        crossings[f"{side}_lon"] = crossings[side].map(nodes["lon"])
        crossings[f"{side}_lat"] = crossings[side].map(nodes["lat"])
    return crossings


def load_gazetteer(graph: nx.MultiDiGraph, settings: Settings | None = None) -> Gazetteer:
    """A gazetteer over ``graph`` and every Mexican municipality (needs the built data)."""
    settings = settings or Settings.from_env()
    names = load_table("mx_municipality_names", settings.processed_dir)
    polygons = load_table("mx_municipalities", settings.processed_dir)
    return Gazetteer(graph, municipality_gazetteer(names, polygons), max_snap_km=settings.max_snap_km)
