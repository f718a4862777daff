"""Fitting the speed model (:mod:`cargorisk.network.speeds`) to published driving times.

The table ``data/network/driving_times.csv`` is this project's compilation: one row per
published figure (origin, destination, hours, car or truck, the roads named, avoid-tolls when
the figure is for the free road), each with its source address and date. Its ``split`` column
fixes which rows fit the model. Rows fall in four strata (``stratum``): Mexican car rows,
Mexican free mountain roads, US car rows, truck rows; within each stratum the routes (a pair of
places and the avoid-tolls flag), in the order of their first ``id``, go two to the fit and
every third to the holdout, so each stratum is on both sides and every row of a route on the
same side (a plain every-third-pair split put all three mountain free roads in the holdout):

- ``fit``: the rows the coefficients and the truck ratio are fitted to;
- ``holdout``: never seen by the fit; their error is the model's reported error;
- ``check``: rows near the lanes the model is judged on (Chihuahua - Ciudad Juarez), never fitted;
- ``excluded``: a figure that cannot be right (a truck faster on average than its legal limit),
  kept with its source and the reason in ``notes``, never fitted or scored.

The fit alternates routes and coefficients: each row's route is the fastest path under the
current speeds (trucks keep off closed roads; avoid-tolls rows keep off toll roads), the car
rows' length-weighted covariates form a linear design, the bases and coefficients solve a
bounded ridge least squares on relative error (the ridge weight chosen by leave-one-out over the
fit rows), then the truck ratio is fitted to the truck rows; until the routes stop changing.
"""

from __future__ import annotations

import importlib.metadata
import math
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear, minimize_scalar
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from cargorisk._io import sha256_file
from cargorisk.errors import InputError, NoRouteError
from cargorisk.network.places import Gazetteer
from cargorisk.network.speeds import (
    CAR_LIMIT_KPH,
    CLASS_SPEED_KPH,
    CLASS_TIERS,
    COVARIATES,
    MIN_KPH,
    SPEED_CLASSES,
    TABLE_FILE,
    SpeedModel,
    design,
)
from cargorisk.network.trucks import CLOSED

TABLE_COLUMNS = (
    "id", "origin", "destination", "hours", "vehicle", "avoid_tolls", "km_published", "roads",
    "stratum", "split", "source_url", "source_date", "figure_as_published", "notes",
)  # fmt: skip
SPLITS = ("fit", "holdout", "check", "excluded")
ALPHAS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
MAX_ROUNDS = 8
PACE_SCALE = 40.0  # s/km: a covariate effect of one standard deviation is penalised against this
RATIO_BOUNDS = (1.0, 2.0)
# The truck lanes the model is judged on (issue 24: "about 12-13 h", "4.5-5 h", "12-13 h" of
# driving), never fitted: (origin, destination, low, high) hours.
JUDGED_LANES = (
    ("Querétaro", "Laredo, TX", 12.0, 13.0),
    ("Chihuahua, Chihuahua", "El Paso", 4.5, 5.0),
    ("Culiacán", "Nogales, AZ", 12.0, 13.0),
)


def read_driving_times(folder: Path) -> pd.DataFrame:
    """The published driving times table, checked (columns, ids, hours, vehicle, split, URL).

    Raises
    ------
    InputError
        A column is missing or a row has an invalid value (named with its id).
    """
    path = folder / TABLE_FILE
    table = pd.read_csv(path, dtype={"source_date": str, "notes": str, "roads": str}, keep_default_na=False)
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        msg = f"{path} lacks the column(s) {missing}; see the module docstring of cargorisk.network.speed_fit"
        raise InputError(msg)
    table["hours"] = pd.to_numeric(table["hours"], errors="coerce")
    table["avoid_tolls"] = table["avoid_tolls"].astype(str).str.lower() == "true"
    bad = (
        ~(table["hours"] > 0)
        | ~table["vehicle"].isin(("car", "truck"))
        | ~table["split"].isin(SPLITS)
        | ~table["source_url"].str.startswith("http")
    )
    if bad.any() or not table["id"].is_unique:
        row = table[bad].iloc[0]["id"] if bad.any() else table["id"][table["id"].duplicated()].iloc[0]
        msg = f"{path}: row id {row} has a bad hours, vehicle, split or source_url value, or a repeated id"
        raise InputError(msg)
    return table[list(TABLE_COLUMNS)]


class RoadSearch:
    """The graph's edges as arrays, for fastest paths under any per-edge weights.

    Attributes
    ----------
    design
        Per edge: length (km) times each class indicator and covariate (columns ``names``); zero
        on edges outside the model (ports, crossings), whose fixed time is ``fixed_s``.
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.nodes = list(graph.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        edges = pd.DataFrame([d for *_, d in graph.edges(data=True)])
        self.tail = np.array([self.index[u] for u, _ in graph.edges()], dtype=np.int64)
        self.head = np.array([self.index[v] for _, v in graph.edges()], dtype=np.int64)
        self.km = edges["length"].to_numpy(dtype=float) / 1000.0
        modelled = (
            edges["speed_class"].notna().to_numpy() if "speed_class" in edges else np.zeros(len(edges), bool)
        )
        self.modelled = modelled
        self.fixed_s = np.where(modelled, 0.0, edges["travel_time"].to_numpy(dtype=float))
        self.names = [*SPEED_CLASSES, *COVARIATES]
        classes = edges.get("speed_class", pd.Series(index=edges.index, dtype=object))
        covariates = edges.reindex(columns=list(COVARIATES))
        self.features = design(classes, covariates)
        self.design = self.features * self.km[:, None]
        self.toll = edges["toll"].fillna(False).to_numpy(dtype=bool)
        self.closed = edges.get("trucks", pd.Series(index=edges.index, dtype=object)).eq(CLOSED).to_numpy()
        self.cap_kph = (
            edges.get("speed_cap_kph", pd.Series(np.inf, index=edges.index)).fillna(np.inf).to_numpy()
        )
        self.baseline_s = self.km * 3600.0 / baseline_kph(edges)
        self.baseline_s = np.where(modelled, self.baseline_s, self.fixed_s)

    def paths(self, seconds: np.ndarray, pairs: list[tuple[int, int]], keep: np.ndarray) -> list[np.ndarray]:
        """Edge ids of the fastest path of each (origin, destination) node index pair, using only
        ``keep`` edges and ``seconds`` per edge."""
        w = np.where(keep, np.maximum(seconds, 1e-6), np.inf)
        order = np.lexsort((w, self.head, self.tail))
        first = np.r_[True, (np.diff(self.tail[order]) != 0) | (np.diff(self.head[order]) != 0)]
        best = order[first & np.isfinite(w[order])]
        n = len(self.nodes)
        matrix = csr_matrix((w[best], (self.tail[best], self.head[best])), shape=(n, n))
        edge_of = {
            (int(t), int(h)): int(e) for t, h, e in zip(self.tail[best], self.head[best], best, strict=True)
        }
        sources = sorted({a for a, _ in pairs})
        _, pred = dijkstra(matrix, directed=True, indices=sources, return_predecessors=True)
        found = []
        for a, b in pairs:
            row, chain, k = pred[sources.index(a)], [], b
            while k != a:
                before = int(row[k])
                if before < 0:
                    msg = (
                        f"no road path from node {self.nodes[a]!r} to {self.nodes[b]!r} on the allowed roads"
                    )
                    raise NoRouteError(msg)
                chain.append(edge_of[(before, int(k))])
                k = before
            found.append(np.array(chain[::-1], dtype=np.int64))
        return found


def baseline_kph(edges: pd.DataFrame) -> np.ndarray:
    """The class speeds of the graph before the fitted model (:data:`CLASS_SPEED_KPH`)."""
    keys = zip(edges.get("country", ""), edges.get("highway", ""), edges["toll"].fillna(False), strict=True)
    return np.array([CLASS_SPEED_KPH.get((c, h, bool(t)), 40.0) for c, h, t in keys])


@dataclass
class Rows:
    """The table's rows resolved to node index pairs, with the edges each may use."""

    table: pd.DataFrame
    pairs: list[tuple[int, int]]
    keep: list[np.ndarray]


def resolve_rows(table: pd.DataFrame, search: RoadSearch, gazetteer: Gazetteer) -> Rows:
    """Resolve origin and destination of every row; trucks keep off closed roads, avoid-tolls
    rows off toll roads."""
    pairs, keep = [], []
    for row in table.itertuples(index=False):
        a, b = gazetteer.resolve(row.origin).node, gazetteer.resolve(row.destination).node
        pairs.append((search.index[a], search.index[b]))
        mask = ~search.closed if row.vehicle == "truck" else np.ones(len(search.km), bool)
        keep.append(mask & ~search.toll if row.avoid_tolls else mask)
    return Rows(table.reset_index(drop=True), pairs, keep)


def route_all(
    search: RoadSearch, rows: Rows, seconds: np.ndarray, truck_seconds: np.ndarray
) -> list[np.ndarray]:
    """Each row's fastest path (car rows under ``seconds``, truck rows under ``truck_seconds``)."""
    paths: list[np.ndarray] = [np.zeros(0, np.int64)] * len(rows.pairs)
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows.table.itertuples(index=False)):
        groups.setdefault((row.vehicle, bool(row.avoid_tolls)), []).append(i)
    for (vehicle, _), members in groups.items():
        weights = truck_seconds if vehicle == "truck" else seconds
        found = search.paths(weights, [rows.pairs[i] for i in members], rows.keep[members[0]])
        for i, path in zip(members, found, strict=True):
            paths[i] = path
    return paths


def prior_theta() -> np.ndarray:
    """Prior coefficients: class paces of :data:`SPEED_CLASSES`, no covariate effect."""
    return np.r_[[3600.0 / kph for kph in SPEED_CLASSES.values()], np.zeros(len(COVARIATES))]


def tier_matrix() -> np.ndarray:
    """T with class paces = T @ phi: per tier list of :data:`CLASS_TIERS`, the first class's
    pace, then non-negative increments, so each class is at most as fast as the one before."""
    names = list(SPEED_CLASSES)
    t = np.zeros((len(names), len(names)))
    for tier in CLASS_TIERS:
        for i, name in enumerate(tier):
            for earlier in tier[: i + 1]:
                t[names.index(name), names.index(earlier)] = 1.0
    return t


def solve(design: np.ndarray, target_s: np.ndarray, alpha: float, scale: np.ndarray) -> np.ndarray:
    """Bounded, tiered ridge least squares on relative error: min sum ((X theta - y) / y)^2 +
    alpha x penalty (class paces toward the prior, relative; covariates toward 0 per standard
    deviation), with theta = (T phi, covariates): class tiers ordered, covariates >= 0."""
    prior = prior_theta()
    n_class = len(SPEED_CLASSES)
    to_theta = np.eye(len(prior))
    to_theta[:n_class, :n_class] = tier_matrix()
    penalty = np.zeros((len(prior), len(prior)))
    penalty[:n_class, :n_class] = np.diag(1.0 / prior[:n_class])
    penalty[n_class:, n_class:] = np.diag(scale / PACE_SCALE)
    rows = np.vstack([design / target_s[:, None], math.sqrt(alpha) * penalty]) @ to_theta
    goal = np.r_[np.ones(len(target_s)), math.sqrt(alpha) * penalty @ prior]
    heads = {tier[0] for tier in CLASS_TIERS}
    lower = np.r_[
        [3600.0 / CAR_LIMIT_KPH[k] if k in heads else 0.0 for k in SPEED_CLASSES], np.zeros(len(COVARIATES))
    ]
    upper = np.r_[np.full(n_class, 3600.0 / MIN_KPH), np.full(len(COVARIATES), np.inf)]
    phi = lsq_linear(rows, goal, bounds=(lower, upper)).x
    return to_theta @ phi


def choose_alpha(
    design: np.ndarray, target_s: np.ndarray, scale: np.ndarray
) -> tuple[float, dict[float, float]]:
    """The ridge weight with the least leave-one-out mean absolute log error over the rows."""
    scores = {}
    for alpha in ALPHAS:
        errors = []
        for i in range(len(target_s)):
            keep = np.arange(len(target_s)) != i
            theta = solve(design[keep], target_s[keep], alpha, scale)
            errors.append(abs(math.log(design[i] @ theta / target_s[i])))
        scores[alpha] = float(np.mean(errors))
    return min(scores, key=scores.__getitem__), scores


def fit_ratio(
    search: RoadSearch, paths: list[np.ndarray], target_s: np.ndarray, car_pace: np.ndarray
) -> float:
    """The truck-to-car pace ratio that best matches the truck rows (least squared log error)."""
    cap_pace = 3600.0 / search.cap_kph

    def loss(ratio: float) -> float:
        pace = np.maximum(ratio * car_pace, cap_pace)
        predicted = np.array([route_seconds(search, p, pace) for p in paths])
        return float(np.sum(np.log(predicted / target_s) ** 2))

    return float(minimize_scalar(loss, bounds=RATIO_BOUNDS, method="bounded").x)


def route_seconds(search: RoadSearch, path: np.ndarray, pace: np.ndarray) -> float:
    """Time (s) of a path: modelled edges at ``pace`` (s/km), the others at their fixed time."""
    return float(np.sum(search.km[path] * pace[path] * search.modelled[path] + search.fixed_s[path]))


@dataclass
class SpeedFit:
    """A fitted model and how it did: per-row predictions and the fit's diagnostics."""

    model: SpeedModel
    rows: pd.DataFrame
    lanes: pd.DataFrame
    alpha_scores: dict[float, float]
    rounds: int


def fit_speed_model(graph: nx.MultiDiGraph, gazetteer: Gazetteer, table: pd.DataFrame) -> SpeedFit:
    """Fit :class:`~cargorisk.network.speeds.SpeedModel` to the ``fit`` rows of ``table``
    (:func:`read_driving_times`) on ``graph`` (the national graph, which carries the classes and
    covariates) and predict every row: routes under the prior, then fit and route again until
    the routes stop changing (at most :data:`MAX_ROUNDS` fits)."""
    search = RoadSearch(graph)
    rows = resolve_rows(table, search, gazetteer)
    scale = weighted_sd(search)
    theta, ratio, alpha, scores = prior_theta(), 1.2, ALPHAS[0], {}
    paths, previous, rounds = route_under(search, rows, theta, ratio), None, 0
    while signature(paths) != previous and rounds < MAX_ROUNDS:
        previous, rounds = signature(paths), rounds + 1
        theta, ratio, alpha, scores = fit_round(search, rows, paths, scale)
        paths = route_under(search, rows, theta, ratio)
    model = make_model(theta, ratio)
    predictions = predict_rows(search, rows, model, theta, paths)
    lanes = lane_hours(search, gazetteer, model, theta)
    model.card = model_card(table, predictions, alpha, scores, rounds)
    model.card["judged_lanes"] = lanes.round(2).to_dict("records")
    return SpeedFit(model, predictions, lanes, scores, rounds)


def paces(search: RoadSearch, theta: np.ndarray, ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Car and truck pace (s/km) of every edge under coefficients ``theta`` and truck ``ratio``."""
    car = search.features @ theta
    return car, np.maximum(ratio * car, 3600.0 / search.cap_kph)


def route_under(search: RoadSearch, rows: Rows, theta: np.ndarray, ratio: float) -> list[np.ndarray]:
    """Every row's fastest path under the speeds of ``theta`` and ``ratio``."""
    car, truck = paces(search, theta, ratio)
    return route_all(search, rows, search.km * car + search.fixed_s, search.km * truck + search.fixed_s)


def signature(paths: list[np.ndarray]) -> list[tuple]:
    """Comparable form of a list of paths."""
    return [tuple(p) for p in paths]


def fit_round(
    search: RoadSearch, rows: Rows, paths: list[np.ndarray], scale: np.ndarray
) -> tuple[np.ndarray, float, float, dict[float, float]]:
    """One fit on fixed routes: coefficients from the car rows (ridge weight by leave-one-out),
    then the truck ratio from the truck rows. Returns theta, ratio, alpha and the alpha scores."""
    target = rows.table["hours"].to_numpy() * 3600.0
    fit = (rows.table["split"] == "fit").to_numpy()
    car = fit & (rows.table["vehicle"] == "car").to_numpy()
    truck = np.flatnonzero(fit & (rows.table["vehicle"] == "truck").to_numpy())
    design = np.array([search.design[p].sum(axis=0) for p in paths])
    goal = target - np.array([search.fixed_s[p].sum() for p in paths])
    alpha, scores = choose_alpha(design[car], goal[car], scale)
    theta = solve(design[car], goal[car], alpha, scale)
    ratio = fit_ratio(search, [paths[i] for i in truck], target[truck], search.features @ theta)
    return theta, ratio, alpha, scores


def weighted_sd(search: RoadSearch) -> np.ndarray:
    """Km-weighted standard deviation of each covariate over the modelled edges."""
    km = search.km * search.modelled
    values = search.features[:, len(SPEED_CLASSES) :]
    mean = (values * km[:, None]).sum(axis=0) / km.sum()
    return np.sqrt(((values - mean) ** 2 * km[:, None]).sum(axis=0) / km.sum())


def make_model(theta: np.ndarray, ratio: float) -> SpeedModel:
    """The model of coefficient vector ``theta`` (class paces, then covariates)."""
    n_class = len(SPEED_CLASSES)
    base = {name: round(float(v), 4) for name, v in zip(SPEED_CLASSES, theta[:n_class], strict=True)}
    coef = {name: round(float(v), 5) for name, v in zip(COVARIATES, theta[n_class:], strict=True)}
    return SpeedModel(base, coef, round(float(ratio), 4))


def predict_rows(
    search: RoadSearch, rows: Rows, model: SpeedModel, theta: np.ndarray, car_paths: list[np.ndarray]
) -> pd.DataFrame:
    """Every row with the model's hours (car or truck, on the row's fastest path under the fitted
    speeds) and the baseline's (the class speeds of :data:`CLASS_SPEED_KPH`, on its own fastest
    path), with errors in percent and the route's km."""
    car_pace, truck_pace = paces(search, theta, model.truck_ratio)
    paths = route_under(search, rows, theta, model.truck_ratio)
    base_paths = route_all(search, rows, search.baseline_s, search.baseline_s)
    out = rows.table[["id", "origin", "destination", "vehicle", "split", "hours"]].copy()
    truck = (out["vehicle"] == "truck").to_numpy()
    out["model_h"] = [
        route_seconds(search, p, truck_pace if t else car_pace) / 3600
        for p, t in zip(paths, truck, strict=True)
    ]
    out["car_model_h"] = [route_seconds(search, p, car_pace) / 3600 for p in car_paths]
    out["baseline_h"] = [search.baseline_s[p].sum() / 3600 for p in base_paths]
    out["model_km"] = [search.km[p].sum() for p in paths]
    out["model_err_pct"] = 100 * (out["model_h"] / out["hours"] - 1)
    out["baseline_err_pct"] = 100 * (out["baseline_h"] / out["hours"] - 1)
    return out


def lane_hours(
    search: RoadSearch, gazetteer: Gazetteer, model: SpeedModel, theta: np.ndarray
) -> pd.DataFrame:
    """Truck driving hours of :data:`JUDGED_LANES` on their fastest truck path (ports and
    crossings at their fixed times; no border wait), beside the issue's figures."""
    _, truck_pace = paces(search, theta, model.truck_ratio)
    pairs = [
        (search.index[gazetteer.resolve(a).node], search.index[gazetteer.resolve(b).node])
        for a, b, *_ in JUDGED_LANES
    ]
    paths = search.paths(search.km * truck_pace + search.fixed_s, pairs, ~search.closed)
    out = pd.DataFrame(JUDGED_LANES, columns=["origin", "destination", "low_h", "high_h"])
    out["truck_h"] = [route_seconds(search, p, truck_pace) / 3600 for p in paths]
    out["km"] = [search.km[p].sum() for p in paths]
    mid = (out["low_h"] + out["high_h"]) / 2
    out["within_15pct"] = (out["truck_h"] >= out["low_h"] * 0.85) & (out["truck_h"] <= out["high_h"] * 1.15)
    out["err_pct_vs_mid"] = 100 * (out["truck_h"] / mid - 1)
    return out


def error_summary(predictions: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Median and mean absolute percentage error of model and baseline, per split, and the
    median ratio of published truck time to the model's car time on the same route."""
    summary: dict[str, dict[str, float]] = {}
    for split, part in predictions.groupby("split"):
        summary[str(split)] = {
            "rows": len(part),
            "model_median_abs_pct": round(float(part["model_err_pct"].abs().median()), 1),
            "model_mean_abs_pct": round(float(part["model_err_pct"].abs().mean()), 1),
            "baseline_median_abs_pct": round(float(part["baseline_err_pct"].abs().median()), 1),
            "baseline_mean_abs_pct": round(float(part["baseline_err_pct"].abs().mean()), 1),
        }
    trucks = predictions[predictions["vehicle"] == "truck"]
    summary["truck_over_car"] = {
        "rows": len(trucks),
        "median": round(float((trucks["hours"] / trucks["car_model_h"]).median()), 3),
    }
    return summary


def model_card(
    table: pd.DataFrame, predictions: pd.DataFrame, alpha: float, scores: dict[float, float], rounds: int
) -> dict:
    """What the model file says about its fit: data, rows, ridge weight, errors, versions."""
    return {
        "fitted": True,
        "table": TABLE_FILE,
        "table_rows": {s: int((table["split"] == s).sum()) for s in SPLITS},
        "source_dates": sorted({str(d) for d in table["source_date"]})[:1]
        + sorted({str(d) for d in table["source_date"]})[-1:],
        "alpha": alpha,
        "alpha_loo_mean_abs_log": {str(k): round(v, 4) for k, v in scores.items()},
        "rounds": rounds,
        "errors": error_summary(predictions),
        "versions": {p: importlib.metadata.version(p) for p in ("numpy", "scipy", "networkx")},
    }


def table_checksum(folder: Path) -> str:
    """SHA-256 of the driving times table (recorded in the model card)."""
    return sha256_file(folder / TABLE_FILE)


def report_lines(fit: SpeedFit) -> list[str]:
    """The fit as text: coefficients, errors per split against the class speeds of before, the
    held-out rows, and the judged lanes."""
    model, errors = fit.model, fit.model.card["errors"]
    bases = ", ".join(f"{k} {3600 / v:.0f}" for k, v in model.base_s_per_km.items())
    lines = [
        f"car base speed (km/h): {bases}",
        "s/km per unit: " + ", ".join(f"{k} {v:.3g}" for k, v in model.coef_s_per_km.items()),
        f"truck pace = max({model.truck_ratio:.3f} x car pace, legal limit); alpha {model.card['alpha']}",
        f"published truck time / model car time, median: {errors['truck_over_car']['median']:.2f} "
        f"({errors['truck_over_car']['rows']} truck rows)",
        "abs. error %        rows  model median  mean   class speeds median  mean",
    ]
    for split in ("fit", "holdout", "check"):
        e = errors.get(split)
        if e:
            model_err = f"{e['model_median_abs_pct']:>13.1f} {e['model_mean_abs_pct']:>5.1f}"
            base_err = f"{e['baseline_median_abs_pct']:>20.1f} {e['baseline_mean_abs_pct']:>5.1f}"
            lines.append(f"  {split:<17} {e['rows']:>4} {model_err} {base_err}")
    held = fit.rows[fit.rows["split"] == "holdout"]
    lines.append("held out: id  origin -> destination  vehicle  published h  model h  class speeds h")
    lines += [
        f"  {r.id:>3}  {r.origin} -> {r.destination}  {r.vehicle}  {r.hours:.2f}  {r.model_h:.2f}"
        f"  {r.baseline_h:.2f}"
        for r in held.itertuples(index=False)
    ]
    lines.append("judged lanes (truck, not fitted): published range, model h")
    lines += [
        f"  {r.origin} -> {r.destination}  {r.low_h:g}-{r.high_h:g} h  {r.truck_h:.1f} h"
        f"  ({'within' if r.within_15pct else 'outside'} 15%)"
        for r in fit.lanes.itertuples(index=False)
    ]
    return lines
