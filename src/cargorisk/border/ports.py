"""The commercial crossings of the corridor: codes, bridges, both sides' nodes, truck volumes.

One row per crossing edge pair of the road graph (Texas ports have one per truck bridge).
Volumes: CBP per Texas bridge where available, else BTS per port; trend is the last 12 months
over the 12 before; seasonality is each calendar month's trucks per day over the trend (see
:func:`seasonality`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cargorisk.border.names import crossings_named, resolve_crossing

if TYPE_CHECKING:
    import networkx as nx

TIME_ZONES = {
    "23": "America/Chicago",
    "24": "America/Denver",
    "25": "America/Los_Angeles",
    "26": "America/Phoenix",
}
CENTRAL_IN_24 = {"2403"}  # Presidio, Texas keeps Central time; the other 24xx ports are Mountain


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


SEASON_YEARS = 8  # calendar-month shape from the last 8 years of each crossing's counts


def seasonality(series: pd.Series) -> list[float]:
    """Calendar-month index of a monthly truck series (mean 1): trucks per day over the centred
    12-month moving average, the median of each calendar month over the last
    :data:`SEASON_YEARS` years, 2020 left out (the pandemic closure is not a season)."""
    per_day = series / series.index.days_in_month
    trend = per_day.rolling(12, center=True).mean()
    ratio = (per_day / ((trend + trend.shift(-1)) / 2)).dropna()
    recent = ratio[
        (ratio.index > series.index.max() - pd.DateOffset(years=SEASON_YEARS)) & (ratio.index.year != 2020)
    ]
    index = recent.groupby(recent.index.month).median().reindex(range(1, 13))
    if index.isna().all() or not index.mean() > 0:
        return [1.0] * 12
    index = index.fillna(index.mean())
    return (index / index.mean()).round(3).tolist()


def volume_summary(trucks: pd.DataFrame) -> pd.DataFrame:
    """Per (port_code, bridge): trucks in the last 12 months, growth vs the 12 before, and the
    calendar-month seasonality index (:func:`seasonality`)."""
    rows = []
    for (code, bridge), part in trucks.groupby(["port_code", trucks["bridge"].fillna("")]):
        series = part.set_index("month")["trucks"].sort_index()
        last = series.index.max()
        recent = series[series.index > last - pd.DateOffset(months=12)].sum()
        before = series[
            (series.index <= last - pd.DateOffset(months=12))
            & (series.index > last - pd.DateOffset(months=24))
        ].sum()
        rows.append(
            {
                "port_code": code,
                "bridge": bridge or None,
                "trucks_12m": float(recent),
                "growth_12m": float(recent / before - 1) if before > 0 else float("nan"),
                "seasonality": seasonality(series) if recent > 0 else [1.0] * 12,
            }
        )
    return pd.DataFrame(rows)


def crossing_table(graph: nx.MultiDiGraph, processed_dir: Path) -> pd.DataFrame:
    """Every crossing of ``graph`` with its nodes, coordinates, time zone and truck volumes.

    Columns: ``crossing`` (the bridge name, unique), ``port_code``, ``port_name``, ``mx_node``,
    ``us_node``, ``mx_name``, ``us_name`` (the two ends' node names), ``mx_lon``, ``mx_lat``,
    ``us_lon``, ``us_lat``, ``time_zone``, ``trucks_12m``, ``trucks_per_day``, ``growth_12m``,
    ``seasonality`` (12 factors), ``volume_source``.
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
                    "mx_name": a.get("name"),
                    "us_name": b.get("name"),
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


__all__ = ["crossing_table", "crossings_named", "port_time_zone", "resolve_crossing"]
