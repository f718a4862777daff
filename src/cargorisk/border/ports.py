"""The commercial crossings of the corridor: codes, bridges, both sides' nodes, truck volumes.

One row per crossing edge pair of the road graph (Texas ports have one per truck bridge).
Volumes: CBP per Texas bridge where available, else BTS per port; trend is the last 12 months
over the 12 before; seasonality is each calendar month's mean over the port's mean (3 years).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cargorisk.errors import InputError, PlaceNotFound
from cargorisk.network.places import normalise

if TYPE_CHECKING:
    import networkx as nx

TIME_ZONES = {
    "23": "America/Chicago",
    "24": "America/Denver",
    "25": "America/Los_Angeles",
    "26": "America/Phoenix",
}
CENTRAL_IN_24 = {"2403"}
ALIASES = {
    "bota": "Bridge of the Americas",
    "wtb": "World Trade Bridge",
    "puente iii": "World Trade Bridge",
    "zaragoza": "Ysleta Bridge",
    "tornillo": "Marcelino Serna Bridge",
    "pharr": "Pharr International Bridge",
    "los indios": "Free Trade International Bridge (Los Indios)",
    "otay": "Otay Mesa Commercial",
}  # Presidio, Texas keeps Central time; the other 24xx ports are Mountain


def port_time_zone(port_code: str) -> str:
    """IANA time zone of a port of entry (by CBP field office prefix)."""
    return "America/Chicago" if port_code in CENTRAL_IN_24 else TIME_ZONES[port_code[:2]]


def monthly_trucks(processed_dir: Path) -> pd.DataFrame:
    """Northbound trucks per crossing and month: CBP per Texas bridge, BTS per port elsewhere.

    Columns ``port_code``, ``bridge`` (``None`` for BTS port totals), ``month``, ``trucks``.
    """
    from cargorisk.sources import load_table  # noqa: PLC0415  (planning needs no table reader)

    bts = load_table("bts_port_month", processed_dir)
    bts = bts[bts["measure"] == "Trucks"][["port_code", "month", "value"]].rename(columns={"value": "trucks"})
    cbp = load_table("cbp_bridge_month", processed_dir)
    cbp = cbp[cbp["mode"] == "Commercial Trucks"].rename(
        columns={"crossing": "bridge", "northbound": "trucks"}
    )
    return pd.concat(
        [bts.assign(bridge=None), cbp[["port_code", "bridge", "month", "trucks"]]], ignore_index=True
    )


def volume_summary(trucks: pd.DataFrame) -> pd.DataFrame:
    """Per (port_code, bridge): trucks in the last 12 months, growth vs the 12 before, and the
    calendar-month seasonality index over the last 36 months."""
    rows = []
    for (code, bridge), part in trucks.groupby(["port_code", trucks["bridge"].fillna("")]):
        series = part.set_index("month")["trucks"].sort_index()
        last = series.index.max()
        recent = series[series.index > last - pd.DateOffset(months=12)].sum()
        before = series[
            (series.index <= last - pd.DateOffset(months=12))
            & (series.index > last - pd.DateOffset(months=24))
        ].sum()
        window = series[series.index > last - pd.DateOffset(months=36)]
        season = window.groupby(window.index.month).mean()
        season = season / season.mean() if season.mean() > 0 else season * 0 + 1
        rows.append(
            {
                "port_code": code,
                "bridge": bridge or None,
                "trucks_12m": float(recent),
                "growth_12m": float(recent / before - 1) if before > 0 else float("nan"),
                "seasonality": season.reindex(range(1, 13)).fillna(1.0).round(3).tolist(),
            }
        )
    return pd.DataFrame(rows)


def crossing_table(graph: nx.MultiDiGraph, processed_dir: Path) -> pd.DataFrame:
    """Every crossing of ``graph`` with its nodes, coordinates, time zone and truck volumes.

    Columns: ``crossing`` (the bridge name, unique), ``port_code``, ``port_name``, ``mx_node``,
    ``us_node``, ``mx_lon``, ``mx_lat``, ``us_lon``, ``us_lat``, ``time_zone``, ``trucks_12m``,
    ``trucks_per_day``, ``growth_12m``, ``seasonality`` (12 factors), ``volume_source``.
    """
    rows = []
    for u, v, d in graph.edges(data=True):
        if d.get("kind") == "crossing" and graph.nodes[u].get("country") == "MX":
            a, b = graph.nodes[u], graph.nodes[v]
            rows.append(
                {
                    "crossing": d["bridge"],
                    "port_code": d["port_code"],
                    "port_name": d["port_name"],
                    "mx_node": u,
                    "us_node": v,
                    "mx_lon": a["x"],
                    "mx_lat": a["y"],
                    "us_lon": b["x"],
                    "us_lat": b["y"],
                    "time_zone": port_time_zone(d["port_code"]),
                }
            )
    table = pd.DataFrame(rows).drop_duplicates("crossing")
    volumes = volume_summary(monthly_trucks(processed_dir))
    by_bridge = volumes.dropna(subset=["bridge"]).set_index("bridge")
    by_port = volumes[volumes["bridge"].isna()].set_index("port_code")
    picked = [
        by_bridge.loc[r.crossing] if r.crossing in by_bridge.index else by_port.loc[r.port_code]
        for r in table.itertuples()
    ]
    for col in ("trucks_12m", "growth_12m", "seasonality"):
        table[col] = [p[col] for p in picked]
    table["volume_source"] = ["CBP bridge" if r in by_bridge.index else "BTS port" for r in table["crossing"]]
    table["trucks_per_day"] = table["trucks_12m"] / 365
    return table.sort_values("port_code").reset_index(drop=True)


def resolve_crossing(query: str, table: pd.DataFrame) -> pd.Series:
    """Find a crossing by bridge name, port name or BTS port code.

    A port with several truck bridges (Laredo, Brownsville) resolves to its busiest one unless
    the bridge is named. Unknown names raise PlaceNotFound with suggestions.
    """
    return crossings_named(query, table).iloc[0]


def crossings_named(query: str, table: pd.DataFrame) -> pd.DataFrame:
    """The crossings a name means, busiest first: the bridge when a bridge is named ('Colombia
    Solidarity Bridge', 'Pharr'), every truck bridge of the port for a port name or BTS code
    ('Laredo', '2304'). The one resolver behind ``border waits --port``, ``--via-port`` and
    ``--avoid-port``; unknown names raise PlaceNotFound with suggestions."""
    key = normalise(str(query))
    key = normalise(ALIASES.get(key, key))
    if not key:
        msg = "empty port name; give a port (e.g. 'Laredo'), a bridge or a 4-digit port code"
        raise InputError(msg)
    for column in ("crossing", "port_name", "port_code"):
        hits = table[table[column].map(normalise) == key]
        if not hits.empty:
            return hits.sort_values("trucks_12m", ascending=False)
    names = sorted(set(table["crossing"]) | set(table["port_name"]))
    close = difflib.get_close_matches(str(query), names, n=3, cutoff=0.6) or difflib.get_close_matches(
        key, [normalise(n) for n in names], n=3, cutoff=0.6
    )
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else "run `cargorisk border ports`"
    msg = f"{query!r} is not a commercial crossing; {hint}"
    raise PlaceNotFound(msg)
