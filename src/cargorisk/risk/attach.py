"""Turn predicted incidents per state into a theft rate and probability on every edge.

The state rates follow the calibration chain of :mod:`cargorisk.risk.calibration` (the
reported forecast, the estimated incidence of :mod:`cargorisk.risk.reporting`, loaded
truck-km, the user's calibration). Exposure (truck-km per state) is an assumption: the national
figure ``Settings.mx_truck_km_per_year`` shared out over the states in proportion to the road
graph's km weighted by class (:data:`CLASS_WEIGHTS`: an autopista carries more trucks than a
two-lane road). Within a state, the rate varies by stretch: each edge's rate is its state's
times a relative rate per truck-km with exposure-weighted mean 1 per state
(:func:`spread_multipliers`, from the municipal spread of :mod:`cargorisk.risk.spread` and the
modelled truck traffic of :mod:`cargorisk.risk.traffic`, or the user's incident model when
trained). The traffic model ranks roads within a state; the state totals keep the class-weighted
split, because a gravity model without counts misjudges long-haul through traffic in remote
states (its distance decay is chosen on municipal robbery counts, which favour local trips).
Then, on each Mexican edge, ``theft_rate`` is in incidents per million loaded truck-km and
``theft_prob`` = 1 - exp(-rate * km), the chance that one loaded truck trip over the edge is
robbed. US edges take ``Settings.us_theft_per_million_truck_km``; an edge that crosses states
(or the border) takes the length-weighted mean of the state rates along it.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.stats import spearmanr

from cargorisk.config import Settings
from cargorisk.network.admin import METRIC_CRS
from cargorisk.risk.calibration import calibrated_rates, load_scale
from cargorisk.risk.spread import MunicipalSpread, stretch_features, stretch_multipliers
from cargorisk.sources import load_table

CLASS_WEIGHTS = {
    "motorway": 3.0,
    "trunk": 2.0,
    "primary": 1.0,
    "secondary": 0.5,
    "tertiary": 0.5,
    "crossing": 0.0,
}


def edge_state_km(graph: nx.MultiDiGraph, states: gpd.GeoDataFrame) -> pd.DataFrame:
    """Road km of every Mexican or crossing edge inside each state it passes through.

    The edge's ``length`` is shared in proportion to its geometry inside each state polygon;
    the part outside every polygon (the US, or coast the simplified outlines cut off) goes to
    ``"US"`` for crossings and to the edge's own ``state`` otherwise.
    """
    keys = [
        (u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d.get("country") in ("MX", "MX-US")
    ]
    lines = gpd.GeoDataFrame(
        {"edge": range(len(keys))}, geometry=[edge_line(graph, *e) for e in keys], crs="EPSG:4326"
    ).to_crs(METRIC_CRS)
    total = lines.length.to_numpy()
    pieces = gpd.overlay(
        lines, states[["state", "geometry"]].to_crs(METRIC_CRS), how="intersection", keep_geom_type=True
    )
    pieces["share"] = pieces.length.to_numpy() / total[pieces["edge"].to_numpy()]
    shares = pieces.groupby(["edge", "state"])["share"].sum().reset_index()
    rest = 1 - shares.groupby("edge")["share"].sum().reindex(range(len(keys)), fill_value=0.0)
    own = ["US" if graph.edges[e]["country"] == "MX-US" else graph.edges[e]["state"] for e in keys]
    rest_rows = pd.DataFrame({"edge": range(len(keys)), "state": own, "share": rest.clip(lower=0).to_numpy()})
    out = pd.concat([shares, rest_rows[rest_rows["share"] > 1e-9]]).groupby(["edge", "state"])["share"].sum()
    out = out.reset_index()
    lengths = np.array([graph.edges[e]["length"] for e in keys]) / 1000
    out["km"] = out["share"] * lengths[out["edge"].to_numpy()]
    out[["u", "v", "key"]] = pd.DataFrame([keys[i] for i in out["edge"]], index=out.index)
    return out[["u", "v", "key", "state", "km"]]


def edge_line(graph: nx.MultiDiGraph, u: object, v: object, k: int) -> shapely.LineString:
    """The edge's geometry, or the straight segment between its nodes."""
    line = graph.edges[u, v, k].get("geometry")
    if line is None:
        a, b = graph.nodes[u], graph.nodes[v]
        line = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
    return line


def state_exposure(
    graph: nx.MultiDiGraph,
    state_km: pd.DataFrame,
    total_truck_km: float,
    weights: dict[str, float] | None = None,
) -> pd.Series:
    """Truck-km per Mexican state per year: ``total_truck_km`` shared by class-weighted road km.

    ``state_km`` is :func:`edge_state_km`; each road counts once (both directions share it).
    """
    weights = CLASS_WEIGHTS if weights is None else weights
    highway = [
        graph.edges[u, v, k].get("highway", "")
        for u, v, k in state_km[["u", "v", "key"]].itertuples(index=False)
    ]
    weighted = state_km.assign(w=state_km["km"] / 2 * np.array([weights.get(h, 1.0) for h in highway]))
    per_state = weighted[weighted["state"] != "US"].groupby("state")["w"].sum()
    return per_state / per_state.sum() * total_truck_km


def state_rates(predicted: pd.DataFrame, exposure: pd.Series) -> pd.Series:
    """Incidents per million truck-km per state (``predicted`` has ``state`` and ``predicted``)."""
    incidents = predicted.set_index("state")["predicted"]
    return (incidents / exposure.reindex(incidents.index) * 1e6).dropna()


def attach_risk(
    graph: nx.MultiDiGraph,
    predicted: pd.DataFrame,
    settings: Settings,
    *,
    incidence: pd.Series | None = None,
    weights: dict[str, float] | None = None,
    edge_multiplier: dict[tuple, float] | None = None,
) -> nx.MultiDiGraph:
    """Return a copy of ``graph`` with ``theft_rate`` and ``theft_prob`` on every edge.

    Parameters
    ----------
    graph
        Tagged road graph (edges carry ``country`` and ``state``).
    predicted
        Predicted SESNSP reports per state for the year (columns ``state``, ``predicted``).
    settings
        Exposure and US-rate assumptions; where the built state polygons are.
    incidence
        Estimated robberies per state (reported or not; :func:`~cargorisk.risk.reporting.incidence`);
        without it every state reports at the national rate ``theft_report_rate``.
    weights
        Class weights for the exposure split (default :data:`CLASS_WEIGHTS`).
    edge_multiplier
        Relative rate per edge ``(u, v, key)`` within its state (:func:`spread_multipliers` or
        an edge-level incident model); 1 when absent.

    An edge crossing several states takes the length-weighted mean of their rates.
    """
    states = load_table("mx_states", settings.processed_dir)
    state_km = edge_state_km(graph, states)
    scale = load_scale(settings.models_dir, settings.theft_scale_prior_shape)
    chain = state_chain(graph, predicted, settings, state_km, scale.mean, incidence, weights)
    rates = chain["rate"].copy()
    rates["US"] = settings.us_theft_per_million_truck_km * scale.mean
    state_km["incidents"] = state_km["km"] * state_km["state"].map(rates).fillna(rates.median())
    per_edge = state_km.groupby(["u", "v", "key"])[["incidents", "km"]].sum()
    mexican_rate = (per_edge["incidents"] / per_edge["km"]).to_dict()
    out = graph.copy()
    out.graph["theft_chain"] = chain
    out.graph["theft_scale"] = scale
    for u, v, k, data in out.edges(keys=True, data=True):
        rate = mexican_rate.get((u, v, k), rates["US"])
        rate *= (edge_multiplier or {}).get((u, v, k), 1.0)
        data["theft_rate"] = float(rate)
        data["theft_prob"] = float(-np.expm1(-rate * 1e-6 * data["length"] / 1000))
    return out


def state_chain(
    graph: nx.MultiDiGraph,
    predicted: pd.DataFrame,
    settings: Settings,
    state_km: pd.DataFrame,
    scale: float,
    incidence: pd.Series | None = None,
    weights: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Per Mexican state, the chain from forecast reports to the rate per million loaded
    truck-km (:func:`~cargorisk.risk.calibration.calibrated_rates`) with the settings' factors
    and the calibration in force (``scale``; the settings' shares and shapes are checked when
    they are made: :class:`~cargorisk.config.Settings`)."""
    reported = predicted.set_index("state")["predicted"]
    if incidence is None:
        incidence = reported / settings.theft_report_rate
    exposure = state_exposure(graph, state_km, settings.mx_truck_km_per_year, weights)
    chain = calibrated_rates(
        reported,
        incidence,
        exposure,
        report_rate=settings.theft_report_rate,
        loaded_share=settings.loaded_share,
        scale=scale,
    ).dropna(subset=["rate"])
    chain.attrs["predicted"] = predicted  # the forecast it starts from (risk states shows both)
    return chain


def stretch_table(
    graph: nx.MultiDiGraph, spread: MunicipalSpread, metros: np.ndarray, traffic: pd.Series
) -> pd.DataFrame:
    """Every Mexican edge with its features, share of its state's robberies, municipality's
    share and relative rate per truck-km (``multiplier``, exposure-weighted mean 1 per state;
    exposure within the state: km times the modelled trucks, ``traffic`` by ``(u, v, key)``,
    :func:`~cargorisk.risk.traffic.edge_traffic`)."""
    edges = stretch_features(graph, metros, traffic)
    shares = spread.edge_shares(edges)
    edges = edges.join(shares)
    edges["multiplier"] = stretch_multipliers(
        shares, edges, edges["km"].to_numpy() * edges["trucks"].to_numpy(), spread
    )
    return edges


def spread_multipliers(table: pd.DataFrame) -> dict[tuple, float]:
    """``{(u, v, key): multiplier}`` of a :func:`stretch_table`."""
    keys = zip(table["u"], table["v"], table["key"], strict=True)
    return dict(zip(keys, table["multiplier"].astype(float), strict=True))


def exposure_sensitivity(
    graph: nx.MultiDiGraph, predicted: pd.DataFrame, settings: Settings
) -> dict[str, float]:
    """How state rankings move when exposure is split by plain road km instead of weighted km.

    Returns the Spearman correlation of the two state-rate rankings and the largest ratio
    between a state's two rates; the national total only rescales and changes no ranking.
    """
    state_km = edge_state_km(graph, load_table("mx_states", settings.processed_dir))
    weighted = state_rates(predicted, state_exposure(graph, state_km, settings.mx_truck_km_per_year))
    flat = {k: 1.0 for k in CLASS_WEIGHTS if k != "crossing"} | {"crossing": 0.0}
    plain = state_rates(predicted, state_exposure(graph, state_km, settings.mx_truck_km_per_year, flat))
    ratio = (weighted / plain.reindex(weighted.index)).dropna()
    return {
        "spearman_weighted_vs_plain_km": float(spearmanr(weighted, plain.reindex(weighted.index)).statistic),
        "max_rate_ratio": float(max(ratio.max(), 1 / ratio.min())),
    }


def stretch_risk_table(graph: nx.MultiDiGraph, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Each road within each Mexican municipality once (both directions and graph edges of one
    road merged): ``ref``, ``municipality`` (``names`` by cvegeo, else the code), ``state``,
    ``km``, ``theft_rate`` (km-weighted, per million loaded truck-km), ``theft_prob`` (of one
    loaded trip over the whole stretch), ``trucks_per_day`` (km-weighted, modelled) and
    ``state_share`` (the stretch's part of its state's expected robberies: rate x km x trucks),
    highest rate first. Crossing and US edges are left out."""
    rows, seen = [], set()
    for u, v, d in graph.edges(data=True):
        key = (frozenset((u, v)), d.get("ref"), d.get("osmid"))
        if key in seen or d.get("country") != "MX":
            continue
        seen.add(key)
        km, rate = d["length"] / 1000, d.get("theft_rate", 0.0)
        trucks = d.get("trucks_per_day", 1.0)
        rows.append(
            (
                d.get("ref", ""),
                d.get("cvegeo", ""),
                d.get("state", ""),
                km,
                rate * km,
                trucks * km,
                rate * km * trucks,
            )
        )
    cols = ["ref", "cvegeo", "state", "km", "rate_km", "trucks_km", "robberies"]
    table = pd.DataFrame(rows, columns=cols).groupby(["ref", "cvegeo", "state"], as_index=False).sum()
    table["theft_rate"] = table["rate_km"] / table["km"]
    table["theft_prob"] = -np.expm1(-table["rate_km"] * 1e-6)
    table["trucks_per_day"] = table["trucks_km"] / table["km"]
    table["state_share"] = table["robberies"] / table.groupby("state")["robberies"].transform("sum")
    names = names or {}
    table.insert(1, "municipality", [names.get(code, code) for code in table["cvegeo"]])
    table["rank_rate"] = table["theft_rate"].round(3)
    ranked = table.sort_values(["rank_rate", "km"], ascending=False)
    return ranked.drop(columns=["rate_km", "trucks_km", "robberies", "rank_rate"]).reset_index(drop=True)


def municipal_shares(graph: nx.MultiDiGraph, state: str) -> pd.Series:
    """Each municipality's share of ``state``'s expected robberies on the graph's roads
    (rate x km x modelled trucks), largest first, indexed by cvegeo."""
    table = stretch_risk_table(graph)
    part = table[table["state"] == state]
    return part.groupby("cvegeo")["state_share"].sum().sort_values(ascending=False)
