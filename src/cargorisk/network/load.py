"""Loading road graphs and the gazetteer: the national graph (cached on disk, keyed by its
inputs' checksums), the corridor network, saved graphs, OSM extracts and line layers."""

from __future__ import annotations

import copy
import functools
import logging
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from cargorisk._io import sha256_file
from cargorisk._log import stage
from cargorisk.config import Settings, network_dir
from cargorisk.errors import DataSourceError, InputError
from cargorisk.network.admin import AdminAreas, polygon_of, tag_admin
from cargorisk.network.corridor import CORRIDOR_NAME, build_corridor, read_table
from cargorisk.network.io import load_graph, read_cached_graph, table_signature, write_cached_graph
from cargorisk.network.lines import from_lines
from cargorisk.network.national import assemble_national, builder_signature
from cargorisk.network.osm import from_osm_xml
from cargorisk.network.places import Gazetteer, corridor_places, municipality_gazetteer
from cargorisk.network.speeds import MODEL_FILE, TABLE_FILE, SpeedModel, load_speed_model
from cargorisk.sources import load_table
from cargorisk.sources.travelmapping import attach_systems

log = logging.getLogger(__name__)
LINE_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".parquet", ".zip")
OSM_SUFFIXES = (".osm", ".xml", ".bz2")


def load_network(
    source: str | Path = "national", *, settings: Settings | None = None, tag: bool = True
) -> nx.MultiDiGraph:
    """Load a road graph.

    Parameters
    ----------
    source
        ``"national"`` (default: built from the Travel Mapping highway data, cached on disk and
        rebuilt when the data changes), ``"corridor"`` (the embedded network), or a file:
        ``.graphml`` (saved graph), ``.osm``/``.osm.bz2`` (OpenStreetMap XML) or a line layer
        (``.gpkg``, ``.geojson``, ``.shp``, ``.parquet``).
    settings
        Where the corridor files and the built tables are (default: from environment).
    tag
        Add country/state/municipality tags (needs ``cargorisk data build``).
    """
    settings = settings or Settings.from_env()
    if str(source) == "national":
        return own_copy(cached_national(settings.processed_dir, network_dir(settings), tag))
    if str(source) == "corridor":
        return own_copy(cached_corridor(network_dir(settings), settings.processed_dir if tag else None))
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


def own_copy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy the caller may change: nodes, edges and their attributes, and the graph metadata
    (lists such as ``port_links``) copied, so the process-wide cache stays as built."""
    out = graph.copy()
    out.graph = copy.deepcopy(graph.graph)
    return out


@functools.lru_cache(maxsize=2)
def cached_national(processed_dir: Path, corridor_dir: Path, tag: bool) -> nx.MultiDiGraph:
    """The national graph, from the on-disk cache when its inputs are unchanged, else built."""
    inputs = national_inputs(processed_dir, corridor_dir, tag)
    path = processed_dir / ("national.graph.pickle" if tag else "national_untagged.graph.pickle")
    graph = read_cached_graph(path, inputs)
    if graph is None:
        graph = build_national_network(processed_dir, corridor_dir, tag)
        write_cached_graph(graph, path, inputs)
    return graph


HIGHWAY_TABLES = (
    "tm_routes",
    "tm_waypoints",
    "tm_systems",
    "tm_regions",
    "tm_state_routes",
    "tm_state_waypoints",
)


def national_inputs(processed_dir: Path, corridor_dir: Path, tag: bool) -> dict[str, str]:
    """Checksums the national graph depends on: its tables, the corridor's crossings and places,
    the speed model, and the source of the builder's modules."""
    tables = [*HIGHWAY_TABLES] + (["mx_states", "mx_municipalities"] if tag else [])
    inputs = {name: table_signature(name, processed_dir) for name in tables}
    inputs |= {f: sha256_file(corridor_dir / f) for f in ("nodes.csv", "crossings.csv")}
    model = corridor_dir / MODEL_FILE
    inputs[MODEL_FILE] = sha256_file(model) if model.is_file() else "prior"
    return inputs | {"builder": builder_signature()}


def highway_tables(processed_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Travel Mapping routes and waypoints of both sources: national highways, and the
    border states' state highways with their systems' tiers and region names attached."""
    state = attach_systems(
        load_table("tm_state_routes", processed_dir),
        load_table("tm_systems", processed_dir),
        load_table("tm_regions", processed_dir),
    )
    routes = load_table("tm_routes", processed_dir)
    routes = pd.concat([routes, state[list(routes.columns)]], ignore_index=True)
    waypoints = pd.concat(
        [load_table("tm_waypoints", processed_dir), load_table("tm_state_waypoints", processed_dir)],
        ignore_index=True,
    )
    return routes.drop_duplicates("root").reset_index(drop=True), waypoints


def national_speed_model(corridor_dir: Path) -> SpeedModel:
    """The fitted speed model of ``corridor_dir`` (``speed_model.json``), else the prior."""
    path = corridor_dir / MODEL_FILE
    if not path.is_file():
        log.warning(
            "no speed model at %s; using the prior class speeds (run `cargorisk network fit-speeds`)", path
        )
        return SpeedModel.prior()
    model = load_speed_model(path)
    table = corridor_dir / TABLE_FILE
    if table.is_file() and model.card.get("table_sha256") not in (None, sha256_file(table)):
        log.warning("%s was fitted to another version of %s; run `cargorisk network fit-speeds`", path, table)
    return model


def build_national_network(processed_dir: Path, corridor_dir: Path, tag: bool) -> nx.MultiDiGraph:
    """Build the national graph from the built tables (see :mod:`cargorisk.network.national`)."""
    with stage("build the national road graph") as note:
        graph = assemble_national(
            *highway_tables(processed_dir),
            corridor_ports(folder=corridor_dir),
            areas=AdminAreas.from_processed(processed_dir) if tag else None,
            places=corridor_places(read_table(corridor_dir, "nodes.csv")),
            speed_model=national_speed_model(corridor_dir),
        )
        note["result"] = f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"
    return graph


def corridor_ports(settings: Settings | None = None, folder: Path | None = None) -> pd.DataFrame:
    """The commercial crossings (authored in the corridor network) with both ends' coordinates,
    names and states: the input of :func:`join_at_ports` and of the national graph's ports."""
    folder = folder or network_dir(settings or Settings.from_env())
    nodes = read_table(folder, "nodes.csv").set_index("id")
    crossings = read_table(folder, "crossings.csv")
    for side in ("mx", "us"):
        for column in ("lon", "lat", "name", "state"):
            crossings[f"{side}_{column}"] = crossings[side].map(nodes[column])
    return crossings


def national_places(folder: Path) -> pd.DataFrame:
    """The corridor's named places plus the US metros (``us_metros.csv``) not already among them."""
    places = corridor_places(read_table(folder, "nodes.csv"))
    metros = read_table(folder, "us_metros.csv")
    known = set(zip(places["name"], places["state"], strict=True))
    extra = metros[[(n, st) not in known for n, st in zip(metros["name"], metros["state"], strict=True)]]
    extra = extra.assign(aliases=extra["aliases"].fillna("").astype(str))
    return pd.concat([places, extra[places.columns]], ignore_index=True)


def metro_people(folder: Path) -> dict[str, float]:
    """The 2020 population of each of the 50 largest US metros (``us_metros.csv``), by label
    (``"San Antonio, Texas"``): how many people a US place of that name counts when a name is
    shared (:func:`cargorisk.network.places.by_people`)."""
    metros = read_table(folder, "us_metros.csv")
    labels = metros["name"] + ", " + metros["state"]
    return dict(zip(labels, metros["metro_pop_2020_m"].astype(float) * 1e6, strict=True))


def in_municipalities(places: pd.DataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """``places`` with the ``cvegeo`` of the municipality each Mexican one lies in (the nearest
    polygon for a point on a coast the polygons simplify away); '' for the others."""
    mexican = (places["country"] == "MX").to_numpy()
    out = places.assign(cvegeo="")
    if mexican.any():
        points = gpd.points_from_xy(places.loc[mexican, "lon"], places.loc[mexican, "lat"])
        found = polygon_of(np.asarray(points), polygons.geometry.to_numpy(), polygons.sindex)
        out.loc[mexican, "cvegeo"] = polygons["cvegeo"].to_numpy()[found]
    return out


def load_gazetteer(graph: nx.MultiDiGraph, settings: Settings | None = None) -> Gazetteer:
    """A gazetteer over ``graph``, every Mexican municipality and (on graphs other than the
    corridor, whose nodes are those places) the corridor's named places and the 50 largest US
    metros (needs the built data). Places count the people of the municipality they lie in, or
    of their US metro, to weigh names several places share."""
    settings = settings or Settings.from_env()
    names = load_table("mx_municipality_names", settings.processed_dir)
    polygons = load_table("mx_municipalities", settings.processed_dir)
    try:  # the municipalities' population ranks those a short name may mean
        municipal = load_table("sesnsp_municipal_year", settings.processed_dir)
    except DataSourceError:
        municipal = None
    own = graph.graph.get("name") == CORRIDOR_NAME
    folder = network_dir(settings)
    places = None if own else in_municipalities(national_places(folder), polygons)
    table = municipality_gazetteer(names, polygons, municipal)
    people = metro_people(folder)
    return Gazetteer(graph, table, places=places, max_snap_km=settings.max_snap_km, people=people)
