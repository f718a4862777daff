"""Road graphs from OpenStreetMap XML extracts (.osm, .osm.bz2), through osmnx.

Only truck-usable road classes are kept (motorway to tertiary and their links), ways tagged
``hgv=no`` are dropped, and speeds are truck speeds by class: the posted car limit
(``maxspeed``) is used only where it is lower.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping
from pathlib import Path

import networkx as nx
import osmnx as ox

from cargorisk.errors import NetworkBuildError

log = logging.getLogger(__name__)
TRUCK_SPEEDS_KPH = {
    "motorway": 90.0, "trunk": 80.0, "primary": 70.0, "secondary": 60.0, "tertiary": 50.0,
    "motorway_link": 40.0, "trunk_link": 40.0, "primary_link": 40.0, "secondary_link": 40.0,
    "tertiary_link": 40.0,
}
TRUCK_HIGHWAYS = frozenset(TRUCK_SPEEDS_KPH)
EXTRA_WAY_TAGS = ("toll", "hgv")


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
        OSM ``highway`` values to keep.
    truck_speeds_kph
        Truck speed per class, overriding :data:`TRUCK_SPEEDS_KPH`.

    Returns
    -------
    networkx.MultiDiGraph
        The largest weakly connected component, with the cargorisk edge attributes ``ref``,
        ``toll``, ``highway``, ``kind``, ``length`` (m), ``speed_kph``, ``travel_time`` (s).

    Raises
    ------
    NetworkBuildError
        Missing, empty or malformed file, or no truck road left after filtering.
    """
    path = Path(path)
    raw = read_osm(path)
    speeds = {**TRUCK_SPEEDS_KPH, **(truck_speeds_kph or {})}
    graph = keep_truck_roads(raw, set(highway_classes), path)
    graph = ox.routing.add_edge_speeds(graph, hwy_speeds=speeds, fallback=min(speeds.values()))
    for _, _, data in graph.edges(data=True):
        set_cargorisk_attributes(data, speeds)
    graph = ox.routing.add_edge_travel_times(graph)
    for _, data in graph.nodes(data=True):
        data.update(name=data.get("name", ""), kind="junction")
    return graph


def read_osm(path: Path) -> nx.MultiDiGraph:
    """Parse the file with osmnx, keeping the toll and hgv tags; one-line errors."""
    if not path.is_file():
        msg = f"OSM file {path} does not exist; export an area from openstreetmap.org as .osm"
        raise NetworkBuildError(msg)
    saved = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted({*saved, *EXTRA_WAY_TAGS})
    try:
        return ox.graph_from_xml(path, bidirectional=False, simplify=True, retain_all=True)
    except (ET.ParseError, ValueError, KeyError, EOFError, OSError) as exc:  # osmnx errors are ValueErrors
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:150]
        msg = f"{path} is not valid OSM XML ({detail}); export it again from OpenStreetMap (.osm)"
        raise NetworkBuildError(msg) from None
    finally:
        ox.settings.useful_tags_way = saved


def tag_values(value: object) -> list[str]:
    """OSM tag values as a list (osmnx stores merged ways' tags as lists)."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def keep_truck_roads(graph: nx.MultiDiGraph, classes: set[str], path: Path) -> nx.MultiDiGraph:
    """Drop non-truck classes and hgv=no ways, then keep the largest weakly connected part."""
    drop = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True)
            if not classes & set(tag_values(d.get("highway"))) or "no" in tag_values(d.get("hgv"))]
    graph = graph.copy()
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if graph.number_of_edges() == 0:
        kinds = ", ".join(sorted(classes)[:4])
        msg = f"{path} has no truck-usable roads ({kinds}, ...); export a larger area"
        raise NetworkBuildError(msg)
    largest = max(nx.weakly_connected_components(graph), key=len)
    log.info("OSM %s: dropped %d edges of other classes, %d nodes outside the largest component",
             path.name, len(drop), graph.number_of_nodes() - len(largest))
    return graph.subgraph(largest).copy()


def set_cargorisk_attributes(data: dict, speeds: Mapping[str, float]) -> None:
    """ref, toll, single highway class, kind, and a speed capped at the class truck speed."""
    classes = [c for c in tag_values(data.get("highway")) if c in speeds]
    data["highway"] = classes[0] if classes else tag_values(data.get("highway"))[0]
    data["ref"] = ";".join(tag_values(data.get("ref")))
    data["toll"] = "yes" in tag_values(data.get("toll"))
    data["kind"] = "road"
    data["speed_kph"] = min(float(data["speed_kph"]), speeds.get(data["highway"], min(speeds.values())))
