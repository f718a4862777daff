"""Route constraints as edge keep-masks: avoided states, areas, ports; a forced port."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import shapely

from cargorisk.errors import InputError
from cargorisk.network.places import normalise, state_keys
from cargorisk.routing.engine import CSREngine


def edge_values(engine: CSREngine, name: str) -> np.ndarray:
    """A string edge attribute in compiled order (``""`` when missing)."""
    return engine.text_attribute(name)


def state_mask(engine: CSREngine, states: Iterable[str]) -> np.ndarray:
    """Keep-mask without edges in (or crossing into) the given states; names are checked."""
    edge_state = edge_values(engine, "state")
    known = sorted(set(edge_state) - {""})
    by_key = {}  # a state as place names write it too: 'NL', 'Coah.', 'CDMX', 'Edo. Mex.', 'TX'
    for s in known:
        for key in sorted(state_keys(s)):
            by_key.setdefault(key, s)
    wanted = set()
    for state in states:
        match = by_key.get(normalise(state))
        if match is None:
            close = difflib.get_close_matches(str(state), known, n=2)
            hint = (
                f"did you mean {' or '.join(map(repr, close))}?" if close else f"known states: {known[:8]}..."
            )
            msg = f"unknown state {state!r} to avoid; {hint}"
            raise InputError(msg)
        wanted.add(match)
    return ~np.isin(edge_state, list(wanted))


def area_mask(engine: CSREngine, areas: object) -> np.ndarray:
    """Keep-mask without edges that touch the polygon(s) (shapely geometry or GeoSeries/GeoDataFrame,
    EPSG:4326 assumed for bare geometries), found with a shapely STRtree."""
    import geopandas as gpd  # noqa: PLC0415  (only when areas are avoided: planning never needs it)

    if isinstance(areas, gpd.GeoDataFrame | gpd.GeoSeries):
        if areas.crs is None:
            msg = "avoid_areas has no CRS; set it (e.g. .set_crs('EPSG:4326'))"
            raise InputError(msg)
        geoms = list(areas.to_crs("EPSG:4326").geometry)
    elif isinstance(areas, shapely.Geometry):
        geoms = [areas]
    else:
        msg = (
            f"avoid_areas must be a shapely geometry or a GeoSeries/GeoDataFrame, got {type(areas).__name__}"
        )
        raise InputError(msg)
    lines = [engine.graph.edges[e].get("geometry") or straight(engine, e) for e in engine.edges]
    tree = shapely.STRtree(lines)
    hit = np.unique(tree.query(geoms, predicate="intersects")[1])
    keep = np.ones(len(engine.edges), dtype=bool)
    keep[hit] = False
    return keep


def straight(engine: CSREngine, edge: tuple) -> shapely.LineString:
    """Straight line of an edge without geometry."""
    a, b = engine.graph.nodes[edge[0]], engine.graph.nodes[edge[1]]
    return shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])


def crossing_mask(engine: CSREngine, bridges: Iterable[str]) -> np.ndarray:
    """True on the crossing edges of the named bridges (names from
    :func:`cargorisk.border.crossings_named`)."""
    return np.isin(edge_values(engine, "bridge"), list(bridges))
