"""Users' incident logs: reading with per-row checks, and snapping to road segments.

Format (CSV, one row per theft): ``lat``, ``lon`` (WGS84 degrees), ``datetime`` (ISO 8601,
local time), optional ``violent`` (true/false or 1/0) and ``value_usd``. Bad rows are reported
one by one with their line number and never silently dropped; the good rows are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from cargorisk.errors import InputError
from cargorisk.network.admin import METRIC_CRS

REQUIRED = ("lat", "lon", "datetime")
TRUE = {"1", "true", "yes", "si", "sí", "t", "y"}
FALSE = {"0", "false", "no", "f", "n", ""}


@dataclass
class IncidentLog:
    """Good incidents and, for every bad or unusable row, its CSV line number and the reason."""

    incidents: pd.DataFrame
    problems: list[tuple[int, str]] = field(default_factory=list)


def read_incidents(path: Path) -> IncidentLog:
    """Read and check an incident CSV (see module docstring).

    Raises
    ------
    InputError
        The file is missing, unreadable, or lacks the required columns.
    """
    if not Path(path).is_file():
        msg = f"incident file {path} does not exist"
        raise InputError(msg)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        msg = f"cannot read incident file {path}: {str(exc).splitlines()[0][:120]}"
        raise InputError(msg) from None
    raw.columns = [c.strip().lower() for c in raw.columns]
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        msg = f"incident file {path} lacks columns {missing}; it needs lat, lon, datetime"
        raise InputError(msg)
    return check_rows(raw)


def check_rows(raw: pd.DataFrame) -> IncidentLog:
    """Parse each column; collect one problem per bad row (line = CSV line, header is line 1)."""
    lat = pd.to_numeric(raw["lat"].str.strip(), errors="coerce")
    lon = pd.to_numeric(raw["lon"].str.strip(), errors="coerce")
    when = pd.to_datetime(raw["datetime"].str.strip(), errors="coerce", format="mixed")
    violent = raw.get("violent", pd.Series("", index=raw.index)).str.strip().str.lower()
    value = pd.to_numeric(
        raw.get("value_usd", pd.Series("", index=raw.index)).replace("", np.nan), errors="coerce"
    )
    reasons = pd.Series("", index=raw.index)
    checks = [
        (lat.isna() | ~lat.between(-90, 90), "lat {!r} is not a latitude", "lat"),
        (lon.isna() | ~lon.between(-180, 180), "lon {!r} is not a longitude", "lon"),
        (when.isna(), "datetime {!r} is not a date/time (use ISO 8601, e.g. 2024-03-05 22:10)", "datetime"),
        (~violent.isin(TRUE | FALSE), "violent {!r} is not true/false", "violent"),
    ]
    for bad, text, column in checks:
        fill = bad & (reasons == "")
        reasons[fill] = [text.format(v) for v in raw.loc[fill, column]] if column in raw else text
    ok = reasons == ""
    good = pd.DataFrame(
        {
            "line": raw.index + 2,
            "lat": lat,
            "lon": lon,
            "datetime": when,
            "violent": violent.isin(TRUE),
            "value_usd": value,
        }
    )[ok].reset_index(drop=True)
    problems = [(int(i) + 2, r) for i, r in reasons[~ok].items()]
    return IncidentLog(good, problems)


def road_segments(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """One row per road between two nodes (both directions and toll/free twins together).

    Columns: ``u``, ``v`` (u < v), ``keys`` (edge keys u->v), ``km``, ``highway`` (best class), ``ref``,
    ``toll`` (any toll twin), ``free_twin`` (a free road between the same nodes), ``speed_kph``
    (fastest), ``state``, ``cvegeo``, ``country``, geometry (EPSG:4326).
    """
    rank = {"motorway": 0, "trunk": 1, "primary": 2, "secondary": 3, "crossing": 4}
    groups: dict[tuple, list[tuple[int, dict]]] = {}
    for u, v, k, d in graph.edges(keys=True, data=True):
        if str(u) < str(v):
            groups.setdefault((u, v), []).append((k, d))
    rows = []
    for (u, v), edges in groups.items():
        best = min((d for _, d in edges), key=lambda d: rank.get(d.get("highway"), 5))
        rows.append(
            {
                "u": u,
                "v": v,
                "keys": [k for k, _ in edges],
                "km": best["length"] / 1000,
                "highway": best.get("highway", ""),
                "ref": best.get("ref", ""),
                "toll": any(d.get("toll") for _, d in edges),
                "free_twin": any(not d.get("toll") for _, d in edges),
                "speed_kph": max(d["speed_kph"] for _, d in edges),
                "state": best.get("state", ""),
                "cvegeo": best.get("cvegeo", ""),
                "country": best.get("country", ""),
                "geometry": best.get("geometry")
                or shapely.LineString(
                    [(graph.nodes[u]["x"], graph.nodes[u]["y"]), (graph.nodes[v]["x"], graph.nodes[v]["y"])]
                ),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def snap_incidents(log: IncidentLog, segments: gpd.GeoDataFrame, max_km: float = 2.0) -> pd.DataFrame:
    """Attach each incident to its nearest road segment within ``max_km``.

    Incidents farther away are added to ``log.problems`` (with their distance) and left out.
    Returns the incidents with ``segment`` (row of ``segments``) and ``snap_km``.
    """
    if log.incidents.empty:
        return log.incidents.assign(segment=pd.Series(dtype=int), snap_km=pd.Series(dtype=float))
    points = gpd.GeoSeries(gpd.points_from_xy(log.incidents["lon"], log.incidents["lat"]), crs="EPSG:4326")
    tree = shapely.STRtree(segments.to_crs(METRIC_CRS).geometry.to_numpy())
    (idx_pt, idx_seg), dist = tree.query_nearest(
        points.to_crs(METRIC_CRS).to_numpy(), return_distance=True, all_matches=False
    )
    nearest = pd.DataFrame({"segment": idx_seg, "snap_km": dist / 1000}, index=idx_pt)
    snapped = log.incidents.join(nearest)
    far = snapped["snap_km"] > max_km
    for row in snapped[far].itertuples(index=False):
        log.problems.append(
            (
                int(row.line),
                f"{row.lat:.4f},{row.lon:.4f} is {row.snap_km:.1f} km "
                f"from the nearest road (max {max_km:g} km); not used",
            )
        )
    return snapped[~far].reset_index(drop=True)
