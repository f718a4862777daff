"""Saving and loading graphs: GraphML (round-trips every attribute) and GeoPackage (for GIS)."""

from __future__ import annotations

import functools
from pathlib import Path

import networkx as nx
import osmnx as ox

from cargorisk._io import atomic_path
from cargorisk.errors import InputError, NetworkBuildError

EDGE_DTYPES = {
    "toll": lambda s: str(s) == "True",
    "speed_kph": float,
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
        return ox.load_graphml(path, node_dtypes=NODE_DTYPES, edge_dtypes=EDGE_DTYPES)
    except (ValueError, KeyError, SyntaxError, OSError) as exc:
        msg = f"{path} is not a readable GraphML road graph ({str(exc).splitlines()[0][:120]})"
        raise NetworkBuildError(msg) from None
