"""Saving and loading graphs: GraphML (round-trips every attribute), GeoPackage (for GIS), and
the pickled cache of a built graph keyed by the checksums of its inputs."""

from __future__ import annotations

import functools
import logging
import pickle
from pathlib import Path

import networkx as nx
import osmnx as ox

from cargorisk._io import atomic_path, sha256_file
from cargorisk.errors import ELSEWHERE_DATA, DataSourceError, InputError, NetworkBuildError

log = logging.getLogger(__name__)

EDGE_DTYPES = {
    "toll": lambda s: str(s) == "True",
    "osmid": int,
    "speed_kph": float,
    "car_speed_kph": float,
    "speed_cap_kph": float,
    "curvature_deg_km": float,
    "shaping_per_km": float,
    "junctions_per_km": float,
    "road_density_km": float,
    "theft_rate": float,
    "theft_prob": float,
    "port_code": str,
    "ref": str,
    "cvegeo": str,
}
NODE_DTYPES = {"osmid": str, "cvegeo": str, "state": str, "name": str, "aliases": str}


def save_graph(graph: nx.MultiDiGraph, path: str | Path) -> Path:
    """Write ``graph`` to ``.graphml`` or ``.gpkg`` (layers ``nodes`` and ``edges``), atomically."""
    path = Path(path)
    writers = {
        ".graphml": ox.save_graphml,
        ".gpkg": functools.partial(ox.save_graph_geopackage, directed=True),
    }
    if path.suffix not in writers:
        msg = f"cannot save a graph as {path.name!r}; use a .graphml or .gpkg file name"
        raise InputError(msg)
    with atomic_path(path) as tmp:
        tmp.unlink()  # the writers refuse nothing, but GeoPackage would append to an existing file
        final_tmp = tmp.with_suffix(path.suffix)  # GDAL picks the driver from the extension
        try:
            writers[path.suffix](graph, final_tmp)
            final_tmp.replace(tmp)
        finally:
            final_tmp.unlink(missing_ok=True)
    return path


def load_graph(path: str | Path) -> nx.MultiDiGraph:
    """Read a graph saved with :func:`save_graph` as GraphML, restoring attribute types."""
    path = Path(path)
    if not path.is_file():
        msg = f"graph file {path} does not exist"
        raise InputError(msg)
    try:
        try:  # integer node ids (osmnx and the national graph) come back as integers ...
            return ox.load_graphml(path, node_dtypes={**NODE_DTYPES, "osmid": int}, edge_dtypes=EDGE_DTYPES)
        except ValueError:  # ... readable ids (the corridor's 'mx_monterrey') as text
            return ox.load_graphml(path, node_dtypes=NODE_DTYPES, edge_dtypes=EDGE_DTYPES)
    except (ValueError, KeyError, SyntaxError, OSError) as exc:
        msg = f"{path} is not a readable GraphML road graph ({str(exc).splitlines()[0][:120]})"
        raise NetworkBuildError(msg) from None


def table_signature(name: str, processed_dir: Path) -> str:
    """SHA-256 of a built table's parquet file (refusing a table that is not built)."""
    path = processed_dir / f"{name}.parquet"
    if not path.is_file():
        msg = f"table {path} is not built; run `cargorisk data fetch` then `cargorisk data build`"
        msg += ELSEWHERE_DATA
        raise DataSourceError(msg)
    return sha256_file(path)


def read_cached_graph(path: Path, inputs: dict[str, str]) -> nx.MultiDiGraph | None:
    """The graph cached at ``path`` if it was built from exactly ``inputs``, else None.

    The cache is a pickle this package wrote into the data folder; an unreadable, stale or
    foreign file is ignored (and rebuilt by the caller), never trusted.
    """
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            saved_inputs, graph = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        log.info("graph cache %s is unreadable; rebuilding", path)
        return None
    if saved_inputs != inputs or not isinstance(graph, nx.MultiDiGraph):
        log.info("graph cache %s is out of date; rebuilding", path)
        return None
    return graph


def write_cached_graph(graph: nx.MultiDiGraph, path: Path, inputs: dict[str, str]) -> None:
    """Cache ``graph`` with the checksums of its inputs, atomically."""
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        pickle.dump((inputs, graph), fh, protocol=pickle.HIGHEST_PROTOCOL)


def add_osmnx_attributes(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Give ``graph`` (in place) what osmnx expects beyond our contract: an ``osmid`` per road,
    shared by its two directions (osmnx's ``to_undirected`` and ``basic_stats`` pair them by
    it), and ``street_count`` on nodes. Returns the graph."""
    ids: dict[tuple, int] = {}
    for u, v, d in graph.edges(data=True):
        line = d.get("geometry")
        shape = tuple(line.coords) if line is not None else ()
        key = (frozenset((u, v)), d.get("ref"), d.get("kind"), frozenset((shape, shape[::-1])))
        d["osmid"] = ids.setdefault(key, len(ids))
    nx.set_node_attributes(graph, ox.stats.count_streets_per_node(graph), name="street_count")
    return graph
