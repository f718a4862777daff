"""Road graphs from OpenStreetMap XML extracts (.osm, .osm.bz2), through osmnx.

Only truck-usable road classes are kept (motorway to tertiary and their links), ways tagged
``hgv=no`` are dropped, and only the largest weakly connected piece is kept. Speeds are truck
speeds by class: the posted car limit (``maxspeed``) is used only where it is lower.

The filter runs on the unsimplified OSM segments and the graph is simplified afterwards, so a
residential or ``hgv=no`` stretch is never merged into a truck edge. osmnx stores the tags of
merged segments that differ as lists in arbitrary order; every list is resolved here
deterministically.
"""

from __future__ import annotations

import contextlib
import logging
import math
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from xml.sax import SAXException

import networkx as nx
import osmnx as ox

from cargorisk.errors import InputError, NetworkBuildError

log = logging.getLogger(__name__)
WGS84 = "EPSG:4326"

TRUCK_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
)
"""OSM ``highway`` classes trucks use, highest first (the order names a merged edge's class)."""

TRUCK_SPEEDS_KPH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 90.0,
        "trunk": 80.0,
        "primary": 70.0,
        "secondary": 60.0,
        "tertiary": 50.0,
        "motorway_link": 40.0,
        "trunk_link": 40.0,
        "primary_link": 40.0,
        "secondary_link": 40.0,
        "tertiary_link": 40.0,
    }
)
"""Default truck speed (km/h) per ``highway`` class; also the cap on ``maxspeed``."""

EXTRA_WAY_TAGS = ("toll", "hgv")
EXTRA_NODE_TAGS = ("name",)
# Edges whose values differ here stay separate when simplifying, so toll, ref and class are exact.
KEEP_APART = ("highway", "ref", "toll")
# What osmnx, ElementTree, SAX and bz2 raise on a damaged file (osmnx's own errors are ValueErrors;
# stray <tag>/<nd> elements raise KeyError or TypeError inside osmnx's SAX handler).
READ_ERRORS = (
    ET.ParseError,
    SAXException,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    EOFError,
    OSError,
)


def from_osm_xml(
    path: str | Path,
    *,
    highway_classes: Collection[str] = TRUCK_HIGHWAYS,
    truck_speeds_kph: Mapping[str, float] | None = None,
) -> nx.MultiDiGraph:
    """Build a truck road graph from an OpenStreetMap XML file.

    Parameters
    ----------
    path
        ``.osm`` or ``.osm.bz2`` file (an export from openstreetmap.org or an extract).
    highway_classes
        OSM ``highway`` values to keep (default :data:`TRUCK_HIGHWAYS`).
    truck_speeds_kph
        Truck speed (km/h) per class, overriding :data:`TRUCK_SPEEDS_KPH`; needed for any
        class in ``highway_classes`` that has no default speed.

    Returns
    -------
    networkx.MultiDiGraph
        The largest weakly connected piece of the truck roads, osmnx-style (``crs`` EPSG:4326, node
        ``x``/``y``, one-way roads as single edges). Edges carry ``highway`` (one class),
        ``ref`` (``""`` if none, several joined with ``";"``), ``toll`` (bool),
        ``length`` (m), ``speed_kph``, ``travel_time`` (s) and ``kind="road"``; nodes carry
        ``name`` (``""`` if none) and ``kind="junction"``. ``graph["dropped"]`` counts what
        the largest-piece step removed.

    Raises
    ------
    NetworkBuildError
        The file is missing, empty or not OSM XML, or no truck road is left after filtering.
    InputError
        A class has no truck speed, or a speed is not a positive number.
    """
    path = Path(path)
    classes = ordered_classes(highway_classes)
    speeds = class_speeds(classes, truck_speeds_kph)
    graph = simplify(keep_truck_roads(read_osm(path), classes, path), classes, path)
    set_truck_speeds(graph, speeds)
    set_cargorisk_attributes(graph)
    graph.graph["crs"] = WGS84  # osmnx writes "epsg:4326"; same CRS, spelled as in the other builders
    return graph


def ordered_classes(highway_classes: Collection[str]) -> tuple[str, ...]:
    """The classes, deduplicated, in :data:`TRUCK_HIGHWAYS` order, then any others by name."""
    if isinstance(highway_classes, str):
        highway_classes = (highway_classes,)
    if not highway_classes:
        msg = "highway_classes is empty; pass OSM highway values such as ('motorway', 'trunk')"
        raise InputError(msg)
    rank = {c: i for i, c in enumerate(TRUCK_HIGHWAYS)}
    return tuple(sorted(set(highway_classes), key=lambda c: (rank.get(c, len(rank)), c)))


def class_speeds(classes: tuple[str, ...], overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Truck speed per class: defaults updated with ``overrides``; each must be positive."""
    speeds = {**TRUCK_SPEEDS_KPH, **(overrides or {})}
    missing = [c for c in classes if c not in speeds]
    if missing:
        cls = missing[0]
        msg = f"no truck speed for highway class {cls!r}; pass truck_speeds_kph={{{cls!r}: <km/h>}}"
        raise InputError(msg)
    for cls in classes:
        speed = speeds[cls]
        if not (isinstance(speed, int | float) and math.isfinite(speed) and speed > 0):
            msg = f"truck speed for {cls!r} must be a positive number of km/h, got {speed!r}"
            raise InputError(msg)
    return {c: float(speeds[c]) for c in classes}


def read_osm(path: Path) -> nx.MultiDiGraph:
    """Parse the file with osmnx (unsimplified, all pieces), keeping toll, hgv and node names."""
    if not path.is_file():
        msg = f"{path} does not exist or is not a file; export the area from OpenStreetMap (.osm) and pass it"
        raise NetworkBuildError(msg)
    if path.stat().st_size == 0:
        raise NetworkBuildError(invalid_xml(path, "the file is empty"))
    try:
        with extra_osm_tags():
            return ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
    except READ_ERRORS as exc:
        raise NetworkBuildError(invalid_xml(path, error_detail(exc))) from exc


@contextlib.contextmanager
def extra_osm_tags() -> Iterator[None]:
    """Temporarily add :data:`EXTRA_WAY_TAGS` and :data:`EXTRA_NODE_TAGS` to osmnx's settings."""
    way_tags, node_tags = ox.settings.useful_tags_way, ox.settings.useful_tags_node
    ox.settings.useful_tags_way = [*way_tags, *(t for t in EXTRA_WAY_TAGS if t not in way_tags)]
    ox.settings.useful_tags_node = [*node_tags, *(t for t in EXTRA_NODE_TAGS if t not in node_tags)]
    try:
        yield
    finally:
        ox.settings.useful_tags_way, ox.settings.useful_tags_node = way_tags, node_tags


def invalid_xml(path: Path, detail: str) -> str:
    """The one-line message for a file that cannot be read as OSM XML."""
    return f"{path} is not valid OSM XML ({detail}); export it again from OpenStreetMap (.osm)"


def error_detail(exc: BaseException) -> str:
    """A short single-line description of a parser error."""
    text = " ".join(str(exc).split())
    if isinstance(exc, KeyError | TypeError | AttributeError) or not text:
        text = f"{type(exc).__name__}: {text}".rstrip(": ")
    return text[:150]


def tag_values(value: object) -> list[str]:
    """OSM tag values as a list of strings (osmnx stores merged segments' tags as lists)."""
    if value is None:
        return []
    values = value if isinstance(value, list | tuple | set) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def is_truck_road(data: Mapping[str, object], classes: Collection[str]) -> bool:
    """A kept class, and not ``hgv=no`` (for list values: any class kept, any ``no`` drops)."""
    if not any(c in classes for c in tag_values(data.get("highway"))):
        return False
    return "no" not in (v.lower() for v in tag_values(data.get("hgv")))


def no_truck_roads(path: Path, classes: tuple[str, ...]) -> NetworkBuildError:
    """The error for a file without a single usable truck road."""
    msg = (
        f"{path} has no roads trucks can use (highway={'/'.join(classes)}, not hgv=no); "
        "export an area that contains such roads from OpenStreetMap (.osm)"
    )
    return NetworkBuildError(msg)


def keep_truck_roads(graph: nx.MultiDiGraph, classes: tuple[str, ...], path: Path) -> nx.MultiDiGraph:
    """Drop other classes and ``hgv=no`` segments, isolated nodes, and all but the largest piece."""
    total_nodes, total_edges = graph.number_of_nodes(), graph.number_of_edges()
    other = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if not is_truck_road(d, classes)]
    graph.remove_edges_from(other)
    graph.remove_nodes_from(list(nx.isolates(graph)))
    if graph.number_of_edges() == 0:
        raise no_truck_roads(path, classes)
    pieces = sorted(nx.weakly_connected_components(graph), key=len, reverse=True)
    kept = nx.MultiDiGraph(graph.subgraph(pieces[0]))
    dropped_nodes = graph.number_of_nodes() - kept.number_of_nodes()
    dropped_edges = graph.number_of_edges() - kept.number_of_edges()
    kept.graph["dropped"] = {"components": len(pieces) - 1, "nodes": dropped_nodes, "edges": dropped_edges}
    log.info(
        "%s: kept %d of %d OSM nodes and %d of %d segments; dropped %d segments of other classes or "
        "hgv=no, and %d small pieces (%d nodes, %d segments)",
        path.name,
        kept.number_of_nodes(),
        total_nodes,
        kept.number_of_edges(),
        total_edges,
        len(other),
        len(pieces) - 1,
        dropped_nodes,
        dropped_edges,
    )
    return kept


def simplify(graph: nx.MultiDiGraph, classes: tuple[str, ...], path: Path) -> nx.MultiDiGraph:
    """osmnx topology simplification, then one ``highway`` class per edge (the highest kept)."""
    simple = ox.simplify_graph(graph, edge_attrs_differ=KEEP_APART)
    if simple.number_of_edges() == 0:  # a lone closed ring is removed by simplify_graph
        raise no_truck_roads(path, classes)
    for *_, data in simple.edges(data=True):
        present = set(tag_values(data.get("highway")))
        data["highway"] = next(c for c in classes if c in present)
    return simple


def set_truck_speeds(graph: nx.MultiDiGraph, speeds: Mapping[str, float]) -> None:
    """``speed_kph`` from ``maxspeed`` or the class speed, capped at the class speed; travel times."""
    ox.routing.add_edge_speeds(graph, hwy_speeds=dict(speeds))
    for *_, data in graph.edges(data=True):
        cap = speeds[data["highway"]]
        speed = float(data["speed_kph"])
        data["speed_kph"] = speed if 0 < speed < cap else cap  # NaN or 0 (bad maxspeed) -> cap
    ox.routing.add_edge_travel_times(graph)


def set_cargorisk_attributes(graph: nx.MultiDiGraph) -> None:
    """Edge ``ref``, ``toll``, ``kind``; node ``name``, ``kind``."""
    for *_, data in graph.edges(data=True):
        data["ref"] = ";".join(sorted(set(tag_values(data.get("ref")))))
        data["toll"] = any(v.lower() == "yes" for v in tag_values(data.get("toll")))
        data["kind"] = "road"
    for _, data in graph.nodes(data=True):
        data["name"] = ";".join(sorted(set(tag_values(data.get("name")))))
        data["kind"] = "junction"
