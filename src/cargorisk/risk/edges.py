"""Edge-level theft risk from a user's incident log.

Incidents are snapped to road segments and counted per segment and quarter. LightGBM (Poisson,
offset log km) learns incidents per km from static segment features and each segment's past:
class, toll, speed, distance to the nearest city and port, the state's carrier-robbery rate,
the municipality's and the segment's own earlier incidents, and the night share of those.
Evaluation is temporal (the last four quarters held out) and reports the predictive accuracy
index PAI at 1% and 5% of road km against state-only allocation and prior counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import lightgbm as lgb
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from cargorisk._io import atomic_path, write_bytes_atomic
from cargorisk.config import Settings
from cargorisk.errors import InputError, ModelFileError, shown
from cargorisk.network.admin import METRIC_CRS
from cargorisk.risk.incidents import IncidentLog, read_incidents, road_segments, snap_incidents

EDGE_FEATURES = [
    "class_rank",
    "toll_only",
    "speed_kph",
    "city_km",
    "port_km",
    "state_rate",
    "prior_density",
    "prior_count",
    "mun_prior_density",
    "road_prior_density",
    "night_share",
    "log_km",
]
HELD_OUT_QUARTERS = 4
CLASS_RANK = {"motorway": 0, "trunk": 1, "primary": 2, "secondary": 3, "crossing": 4}


def static_features(
    graph: nx.MultiDiGraph, segments: gpd.GeoDataFrame, state_rate: pd.Series
) -> pd.DataFrame:
    """Per-segment features that do not change with time."""
    metric = segments.to_crs(METRIC_CRS)
    mid = metric.geometry.interpolate(0.5, normalized=True)

    def distance_to(kind: str) -> np.ndarray:
        # cities: the corridor's city nodes, or the named places of graphs without them (national)
        named = kind == "city" and not any(d.get("kind") == "city" for _, d in graph.nodes(data=True))
        pts = [
            shapely.Point(d["x"], d["y"])
            for _, d in graph.nodes(data=True)
            if d.get("kind") == kind or (named and d.get("name") and d.get("kind") != "port")
        ]
        targets = gpd.GeoSeries(pts, crs="EPSG:4326").to_crs(METRIC_CRS).to_numpy()
        tree = shapely.STRtree(targets)
        _, dist = tree.query_nearest(mid.to_numpy(), return_distance=True, all_matches=False)
        return dist / 1000

    return pd.DataFrame(
        {
            "class_rank": segments["highway"].map(CLASS_RANK).fillna(5).to_numpy(),
            "toll_only": (segments["toll"] & ~segments["free_twin"]).astype(int).to_numpy(),
            "speed_kph": segments["speed_kph"].to_numpy(),
            "city_km": distance_to("city"),
            "port_km": distance_to("port"),
            "state_rate": segments["state"].map(state_rate).fillna(0.0).to_numpy(),
            "log_km": np.log(segments["km"].clip(lower=0.1)).to_numpy(),
        }
    )


def quarterly_panel(snapped: pd.DataFrame, segments: gpd.GeoDataFrame, static: pd.DataFrame) -> pd.DataFrame:
    """Segment x quarter rows: count (target) and features from earlier quarters only."""
    quarters = pd.period_range(snapped["datetime"].min(), snapped["datetime"].max(), freq="Q")
    snapped = snapped.assign(
        quarter=snapped["datetime"].dt.to_period("Q"), night=~snapped["datetime"].dt.hour.between(6, 19)
    )
    counts = snapped.groupby(["segment", "quarter"]).size()
    nights = snapped.groupby(["segment", "quarter"])["night"].sum()
    n_seg = len(segments)
    grid = pd.MultiIndex.from_product([range(n_seg), quarters], names=["segment", "quarter"])
    count = counts.reindex(grid, fill_value=0).unstack().to_numpy(dtype=float)
    night = nights.reindex(grid, fill_value=0).unstack().to_numpy(dtype=float)
    prior = np.cumsum(count, axis=1) - count  # incidents in all earlier quarters
    prior_night = np.cumsum(night, axis=1) - night
    km = segments["km"].to_numpy()[:, None]
    mun = segments["cvegeo"].to_numpy()
    mun_prior = pd.DataFrame(prior).groupby(mun).transform("sum").to_numpy()
    mun_km = pd.Series(segments["km"].to_numpy()).groupby(mun).transform("sum").to_numpy()[:, None]
    # the same road within the municipality: smooths counts over graph edges a few km long
    road = (segments["ref"].astype(str) + "|" + segments["cvegeo"].astype(str)).to_numpy()
    road_prior = pd.DataFrame(prior).groupby(road).transform("sum").to_numpy()
    road_km = pd.Series(segments["km"].to_numpy()).groupby(road).transform("sum").to_numpy()[:, None]
    rows = pd.DataFrame(
        {
            "segment": np.repeat(np.arange(n_seg), len(quarters)),
            "quarter": np.tile(np.asarray(quarters), n_seg),
            "q_index": np.tile(np.arange(len(quarters)), n_seg),
            "count": count.ravel(),
            "prior_count": prior.ravel(),
            "prior_density": (prior / km).ravel(),
            "mun_prior_density": (mun_prior / mun_km).ravel(),
            "road_prior_density": (road_prior / road_km).ravel(),
            "night_share": np.divide(prior_night, prior, out=np.zeros_like(prior), where=prior > 0).ravel(),
        }
    )
    return rows.join(static, on="segment")


def pai(density: np.ndarray, km: np.ndarray, observed: np.ndarray, share: float) -> float:
    """Predictive accuracy index: share of incidents in the top ``share`` of road km by
    ``density``, divided by ``share`` (1 = no better than chance)."""
    order = np.argsort(-density, kind="stable")
    cum_km = np.cumsum(km[order])
    top = order[: int(np.searchsorted(cum_km, share * km.sum())) + 1]
    captured = observed[top].sum() / max(observed.sum(), 1)
    return float(captured / (km[top].sum() / km.sum()))


@dataclass
class EdgeModelReport:
    """Outcome of ``cargorisk train --incidents``."""

    n_rows: int
    n_used: int
    problems: list[tuple[int, str]]
    pai: dict[str, dict[str, float]]
    multipliers_path: Path | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Text for the CLI: counts, every problem row, and the PAI table."""
        lines = [f"incidents: {self.n_rows} rows, {self.n_used} used, {len(self.problems)} not used"]
        lines += [f"  line {line}: {reason}" for line, reason in self.problems]
        lines.append(
            f"{'ranking':<22} {'PAI@1%':>8} {'PAI@5%':>8}   (held-out last {HELD_OUT_QUARTERS} quarters)"
        )
        lines += [f"{name:<22} {v['pai_1']:>8.2f} {v['pai_5']:>8.2f}" for name, v in self.pai.items()]
        if self.multipliers_path:
            lines.append(f"wrote {self.multipliers_path}")
        return "\n".join(lines)


def fit_booster(train: pd.DataFrame, seed: int = 0) -> lgb.Booster:
    """LightGBM Poisson on incidents per segment-quarter with offset log(km)."""
    data = lgb.Dataset(train[EDGE_FEATURES], train["count"], init_score=train["log_km"], free_raw_data=False)
    params = {
        "objective": "poisson",
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_data_in_leaf": 40,
        "lambda_l2": 1.0,
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": 1,
        "verbose": -1,
    }
    return lgb.train(params, data, num_boost_round=150)


def predict_density(booster: lgb.Booster, rows: pd.DataFrame) -> np.ndarray:
    """Expected incidents per km and quarter."""
    return np.exp(booster.predict(rows[EDGE_FEATURES], raw_score=True))


def evaluate_edges(panel: pd.DataFrame, km: np.ndarray) -> dict[str, dict[str, float]]:
    """PAI of the model, state-only allocation and prior counts on the held-out quarters."""
    last = panel["q_index"].max()
    cut = last - HELD_OUT_QUARTERS + 1
    if cut < 4:
        need = HELD_OUT_QUARTERS + 4
        msg = f"the incident log spans {last + 1} quarters; edge-level evaluation needs at least {need}"
        raise InputError(msg)
    booster = fit_booster(panel[panel["q_index"] < cut])
    at_cut = panel[panel["q_index"] == cut].sort_values("segment")
    observed = panel[panel["q_index"] >= cut].groupby("segment")["count"].sum().sort_index().to_numpy()
    rankings = {
        "lightgbm": predict_density(booster, at_cut),
        "state-only allocation": at_cut["state_rate"].to_numpy(),
        "prior counts": at_cut["prior_density"].to_numpy(),
    }
    return {
        name: {"pai_1": pai(d, km, observed, 0.01), "pai_5": pai(d, km, observed, 0.05)}
        for name, d in rankings.items()
    }


def train_edge_model(
    settings: Settings,
    graph: nx.MultiDiGraph,
    path: Path,
    *,
    max_snap_km: float = 2.0,
    log: IncidentLog | None = None,
) -> EdgeModelReport:
    """Read, snap, evaluate (temporal split), refit on all quarters, and save edge multipliers.

    The multiplier of a segment is its predicted density next quarter over its state's mean
    predicted density (km-weighted), so state totals keep coming from the state model.
    """
    from cargorisk.risk.train import predict_states  # noqa: PLC0415  (train imports this module's users)

    log = log or read_incidents(path)
    n_rows = len(log.incidents) + len(log.problems)
    segments = road_segments(graph)
    snapped = snap_incidents(log, segments, max_snap_km)
    if snapped.empty:
        msg = f"no usable incident in {path} ({len(log.problems)} rows with problems); see the list above"
        raise InputError(msg)
    year = int(snapped["datetime"].dt.year.max())
    rates = predict_states(settings, graph, year).set_index("state")["predicted"]
    panel = quarterly_panel(snapped, segments, static_features(graph, segments, rates))
    km = segments["km"].to_numpy()
    scores = evaluate_edges(panel, km)
    booster = fit_booster(panel)
    density = predict_density(
        booster, panel[panel["q_index"] == panel["q_index"].max()].sort_values("segment")
    )
    path_out = save_multipliers(settings, segments, density, scores)
    return EdgeModelReport(n_rows, len(snapped), sorted(log.problems), scores, path_out)


def save_multipliers(
    settings: Settings, segments: gpd.GeoDataFrame, density: np.ndarray, scores: dict[str, dict[str, float]]
) -> Path:
    """Write ``models/edge_risk.parquet`` (u, v, state, km, density = predicted incidents per km
    next quarter, multiplier) and its card."""
    frame = segments[["u", "v", "state", "km"]].assign(density=density)
    state_mean = frame.groupby("state").apply(
        lambda g: np.average(g["density"], weights=g["km"]), include_groups=False
    )
    frame["multiplier"] = frame["density"] / frame["state"].map(state_mean)
    path = settings.models_dir / "edge_risk.parquet"
    with atomic_path(path) as tmp:
        frame[["u", "v", "state", "km", "density", "multiplier"]].to_parquet(tmp, index=False)
    card = {"features": EDGE_FEATURES, "held_out_quarters": HELD_OUT_QUARTERS, "pai": scores}
    write_bytes_atomic(path.with_suffix(".card.json"), (json.dumps(card, indent=2) + "\n").encode())
    return path


REFIT = "run `cargorisk train --incidents FILE` again"


def load_multipliers(settings: Settings, graph: nx.MultiDiGraph) -> dict[tuple, float]:
    """Edge multipliers by ``(u, v, key)`` (both directions) from ``models/edge_risk.parquet``;
    empty when no edge model was trained."""
    path = settings.models_dir / "edge_risk.parquet"
    if not path.exists():
        return {}
    try:
        frame = pd.read_parquet(path, columns=["u", "v", "multiplier"])
    except (OSError, ValueError, KeyError) as exc:
        msg = f"edge risk model {path} is damaged ({exc.__class__.__name__}); {REFIT}"
        raise ModelFileError(msg) from None
    values = pd.to_numeric(frame["multiplier"], errors="coerce")
    if not (np.isfinite(values) & (values >= 0)).all():
        msg = f"edge risk model {path} has multipliers that are negative or not finite; {REFIT}"
        raise ModelFileError(msg)
    out = {}
    for row, value in zip(frame.itertuples(index=False), values, strict=True):
        for a, b in ((row.u, row.v), (row.v, row.u)):
            try:
                keys = graph.get_edge_data(a, b, default={})
            except TypeError:  # a list or array where a node id belongs
                msg = f"edge risk model {path} has a node id that is not one ({shown(a)}); {REFIT}"
                raise ModelFileError(msg) from None
            for k in keys:
                out[(a, b, k)] = float(value)
    return out
