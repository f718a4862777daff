"""State x year feature panel for the carrier-robbery model.

One row per state and year. The target ``carrier`` is SESNSP's *Robo a transportista* (with and
without violence) for full years only; the partial last year (2025, Jan-Jun) is annualised
(x 12 / months) for use as a *lag*, never as a target. Every feature of year t uses data of
years before t only, so a row can be predicted before its year starts.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from cargorisk.sources import load_table

CARRIER = "Robo a transportista"
RELATED = {
    "Robo de vehículo automotor": "vehicle",
    "Robo de autopartes": "autoparts",
    "Robo en transporte individual": "individual",
}
FEDERAL_HIGHWAY = "VIAS DE COMUNICACION Y CORRESPONDENCIA"
FEATURES = [
    "loglag1",
    "trend",
    "trend2",
    "rate_lag1",
    "violent_share_lag1",
    "federal_highway_lag1",
    "logpop",
    "road_km",
    "toll_share",
    "border_state",
    "port_trucks_lag1",
]
# Other robbery subtypes are in the panel (and tested by the backtest's ablation, see
# cargorisk.risk.evaluate.feature_ablation) but not features: without them LightGBM's
# partial-year deviance is 21.6 instead of 22.6; federal crimes on communication routes stay
# (without them 22.1 instead of 21.6).
RELATED_GROUPS = {
    "other robbery subtypes": ["vehicle_lag1", "autoparts_lag1", "individual_lag1", "vehicle_trend"],
    "federal highway crimes": ["federal_highway_lag1"],
}
FEATURE_DOC = {
    "loglag1": "log(1 + carrier robberies last year)",
    "trend": "trend of carrier robberies (log change, last year vs the year before)",
    "trend2": "log change two years back",
    "rate_lag1": "carrier robberies per 100k inhabitants last year",
    "violent_share_lag1": "share of last year's carrier robberies with violence",
    "vehicle_lag1": "vehicle robberies per 100k last year",
    "autoparts_lag1": "auto-parts robberies per 100k last year",
    "individual_lag1": "robberies on individual transport per 100k last year",
    "vehicle_trend": "log change of vehicle robberies last year",
    "federal_highway_lag1": "federal crimes against communication routes per 100k last year",
    "logpop": "log population",
    "road_km": "road km of the road graph in the state (each road once)",
    "toll_share": "share of the state's road km on toll roads",
    "border_state": "1 for the six states on the US border",
    "port_trucks_lag1": "log(1 + last year's northbound trucks through the state's ports of entry)",
}


def crime_counts(state_year: pd.DataFrame) -> pd.DataFrame:
    """Carrier robbery (total and violent) and related crimes, annualised, per state x year."""
    rows = state_year[state_year["subtipo"].isin([CARRIER, *RELATED])]
    wide = rows.pivot_table(index=["cve_ent", "year"], columns="subtipo", values="incidents", aggfunc="sum")
    wide = wide.rename(columns={CARRIER: "carrier_observed", **RELATED})
    violent = rows[(rows["subtipo"] == CARRIER) & (rows["modalidad"] == "Con violencia")]
    wide["violent"] = violent.groupby(["cve_ent", "year"])["incidents"].sum()
    meta = state_year.groupby(["cve_ent", "year"])[["state", "population", "months_covered"]].first()
    out = wide.join(meta).reset_index()
    scale = 12 / out["months_covered"]
    for col in ("carrier_observed", "violent", *RELATED.values()):
        out[f"{col}_annual" if col == "carrier_observed" else col] = out[col] * scale
    out["carrier"] = out["carrier_observed"].where(out["months_covered"] == 12)
    return out


def federal_highway(federal: pd.DataFrame) -> pd.Series:
    """Federal crimes against communication routes per state x year (partial years annualised)."""
    rows = federal[federal["tipo"] == FEDERAL_HIGHWAY]
    grouped = rows.groupby([rows["cve_ent"], rows["month"].dt.year.rename("year")])
    return grouped["incidents"].sum() * 12 / grouped["month"].nunique()


def network_features(graph: nx.MultiDiGraph | None) -> pd.DataFrame:
    """Road km, toll share and border flag per Mexican state, from the tagged road graph.

    Without a graph (or without Mexican roads in it) the frame has no rows; the panel then
    sets these features to 0.
    """
    edges = list(graph.edges(data=True)) if graph is not None else []
    rows = [
        (d["state"], d["length"] / 2000, bool(d.get("toll"))) for *_, d in edges if d.get("country") == "MX"
    ]
    frame = pd.DataFrame(rows, columns=["state", "km", "toll"]).astype({"km": float, "toll": bool})
    out = frame.groupby("state").agg(road_km=("km", "sum"))
    toll_km = frame.loc[frame["toll"]].groupby("state")["km"].sum()
    out["toll_share"] = toll_km.reindex(out.index).fillna(0.0) / out["road_km"]
    ports = {d["state"] for *_, d in edges if d.get("kind") == "crossing"}
    out["border_state"] = out.index.isin(ports).astype(int)
    return out


def port_trucks(graph: nx.MultiDiGraph | None, bts: pd.DataFrame) -> pd.Series:
    """Northbound trucks per Mexican state and year, through the ports whose Mexican side it holds."""
    if graph is None:
        return pd.Series(dtype=float)
    state_of_port = {
        d["port_code"]: d["state"] for *_, d in graph.edges(data=True) if d.get("kind") == "crossing"
    }
    trucks = bts[bts["measure"] == "Trucks"].assign(state=lambda d: d["port_code"].map(state_of_port))
    trucks = trucks.dropna(subset=["state"])
    grouped = trucks.groupby(["state", trucks["month"].dt.year.rename("year")])
    return grouped["value"].sum() * 12 / grouped["month"].nunique()


def build_state_panel(processed_dir: Path, graph: nx.MultiDiGraph | None = None) -> pd.DataFrame:
    """The full state x year panel (2015 to the last year in the data) with target and features.

    Parameters
    ----------
    processed_dir
        Folder of the built tables (``sesnsp_state_year``, ``sesnsp_federal_state_month``,
        ``bts_port_month``).
    graph
        The tagged road graph (national by default), for road km, toll share, border flag and
        port trucks
        (without it those features are 0).
    """
    panel = crime_counts(load_table("sesnsp_state_year", processed_dir)).sort_values(["cve_ent", "year"])
    panel["federal_highway"] = (
        panel.set_index(["cve_ent", "year"])
        .index.map(federal_highway(load_table("sesnsp_federal_state_month", processed_dir)))
        .astype(float)
    )
    trucks = port_trucks(graph, load_table("bts_port_month", processed_dir))
    panel["port_trucks"] = [
        trucks.get((s, y), 0.0) for s, y in zip(panel["state"], panel["year"], strict=True)
    ]
    net = network_features(graph)
    for col in ("road_km", "toll_share", "border_state"):
        panel[col] = panel["state"].map(net[col]).fillna(0.0) if len(net) else 0.0
    return add_lags(panel).reset_index(drop=True)


def add_lags(panel: pd.DataFrame) -> pd.DataFrame:
    """Lagged features (years before the row's year only)."""
    by_state = panel.groupby("cve_ent")
    lag = {k: by_state["carrier_observed_annual"].shift(k) for k in (1, 2, 3)}
    per_100k = 1e5 / by_state["population"].shift(1)
    panel = panel.assign(
        lag1=lag[1],
        lag2=lag[2],
        lag3=lag[3],
        loglag1=np.log1p(lag[1]),
        trend=np.log1p(lag[1]) - np.log1p(lag[2]),
        trend2=np.log1p(lag[2]) - np.log1p(lag[3]),
        rate_lag1=lag[1] * per_100k,
        violent_share_lag1=(by_state["violent"].shift(1) / lag[1]).fillna(0.0),
        vehicle_lag1=by_state["vehicle"].shift(1) * per_100k,
        autoparts_lag1=by_state["autoparts"].shift(1) * per_100k,
        individual_lag1=by_state["individual"].shift(1) * per_100k,
        vehicle_trend=np.log1p(by_state["vehicle"].shift(1)) - np.log1p(by_state["vehicle"].shift(2)),
        federal_highway_lag1=by_state["federal_highway"].shift(1) * per_100k,
        logpop=np.log(panel["population"]),
        port_trucks_lag1=np.log1p(by_state["port_trucks"].shift(1)),
    )
    return panel


def next_year_rows(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """Feature rows for predicting ``year`` (which may lie beyond the data by one year)."""
    if year in set(panel["year"]):
        return panel[panel["year"] == year]
    last = panel[panel["year"] == year - 1].copy()
    future = last.assign(year=year, carrier=np.nan, carrier_observed=np.nan)
    extended = pd.concat([panel, future]).sort_values(["cve_ent", "year"])
    static = ["state", "population", "road_km", "toll_share", "border_state"]
    extended[static] = extended.groupby("cve_ent")[static].ffill()
    return add_lags(extended)[lambda d: d["year"] == year]
