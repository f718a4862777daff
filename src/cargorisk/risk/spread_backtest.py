"""Backtest of the municipal spread (:mod:`cargorisk.risk.spread`): predict a year's municipal
carrier-robbery counts from the years before it, against baselines.

The spread's own choices (neighbour prior, weight of recent years, and the traffic model's
distance decay, :mod:`cargorisk.risk.traffic`) are selected on a validation year (the year
before the test year, fitted on the years before it) and then scored
once on the test year, so the test year never chooses anything. Predictions are made for the
municipalities that have road edges on the graph (the others carry no road and no route).

Predictors of the test year's municipal counts:

``spread``
    the state forecast times the spread's municipal shares;
``stretch model only``
    the same without the municipal signal (every relative risk 1): what road kind, toll and
    place alone say;
``road km``
    the state forecast spread over municipalities by their road km (today's state-level
    allocation);
``last year``
    each municipality's count of the year before.

The state forecast is the state's count of the year before (last year's count, the best
baseline of the state backtest; the LightGBM state model needs three years of lags and cannot
be fitted before 2019). Rows ``(state total known)`` use the observed state totals instead, to
score the spread alone. Metrics: Spearman rank correlation across municipalities, mean Poisson
deviance and MAE (predictions floored at :data:`FLOOR`), and the PAI at 1% and 5% of road km
(:func:`~cargorisk.risk.edges.pai`: the share of the year's robberies in the municipalities with
the highest predicted robberies per road km, over that share of road km).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import mean_absolute_error, mean_poisson_deviance

from cargorisk.risk.edges import pai
from cargorisk.risk.spread import MunicipalSpread

FLOOR = 0.1  # robberies a year: a zero prediction would make the Poisson deviance infinite
VARIANTS = [{"neighbours": n, "decay": d} for n, d in itertools.product((False, True), (1.0, 0.5, 0.25))]
METRICS = ["spearman", "poisson_deviance", "mae", "pai_1", "pai_5"]


def municipal_table(edges: pd.DataFrame, municipal: pd.DataFrame) -> pd.DataFrame:
    """Per municipality with road edges: ``state`` (code), ``road_km`` and the count of every
    year (columns named by year)."""
    road = edges.groupby("cvegeo")["km"].sum().rename("road_km")
    counts = municipal.pivot_table(index="cvegeo", columns="year", values="incidents", aggfunc="sum")
    out = road.to_frame().join(counts).fillna(0.0)
    out.insert(0, "state", out.index.str[:2])
    return out


def shares_of(model: MunicipalSpread, edges: pd.DataFrame) -> pd.Series:
    """Each municipality's share of its state's robberies under ``model``."""
    shares = model.edge_shares(edges)
    return shares.groupby(edges["cvegeo"].to_numpy())["mun_share"].first()


def score(observed: np.ndarray, predicted: np.ndarray, road_km: np.ndarray) -> dict[str, float]:
    """The metrics of the module docstring."""
    predicted = np.maximum(predicted, FLOOR)
    density = predicted / road_km
    return {
        "spearman": float(spearmanr(observed, predicted).statistic),
        "poisson_deviance": float(mean_poisson_deviance(observed, predicted)),
        "mae": float(mean_absolute_error(observed, predicted)),
        "pai_1": pai(density, road_km, observed, 0.01),
        "pai_5": pai(density, road_km, observed, 0.05),
    }


def fit_before(
    variant: dict, edges: pd.DataFrame, municipal: pd.DataFrame, adjacency: dict, year: int
) -> MunicipalSpread:
    """The spread fitted on the years before ``year``."""
    return MunicipalSpread(**variant).fit(edges, municipal[municipal["year"] < year], adjacency)


def predictions(
    table: pd.DataFrame, edges: pd.DataFrame, spread: MunicipalSpread, year: int, *, known_total: bool
) -> dict[str, np.ndarray]:
    """Every predictor's counts for ``year`` (state total: last year's, or the observed one)."""
    source = year if known_total else year - 1
    state_total = table.groupby("state")[source].transform("sum").to_numpy()
    km_share = (table["road_km"] / table.groupby("state")["road_km"].transform("sum")).to_numpy()
    flat = MunicipalSpread(neighbours=spread.neighbours, decay=spread.decay, ridge=spread.ridge)
    flat.beta_, flat.theta_, flat.alpha_ = spread.beta_, pd.Series(dtype=float), spread.alpha_
    out = {
        "spread": state_total * shares_of(spread, edges).reindex(table.index).to_numpy(),
        "stretch model only": state_total * shares_of(flat, edges).reindex(table.index).to_numpy(),
        "road km": state_total * km_share,
    }
    if not known_total:
        out["last year"] = table[year - 1].to_numpy()
    return out


def stretch_validation(edges: pd.DataFrame, municipal: pd.DataFrame, year: int) -> dict[str, float]:
    """Metrics of the stretch model alone (no municipal signal) on validation ``year``, fitted
    on the years before with the state totals known: how well the edge features, traffic
    among them, place the robberies (this chooses the traffic model's decay)."""
    table = municipal_table(edges, municipal)
    model = fit_before({}, edges, municipal, {}, year)
    flat = predictions(table, edges, model, year, known_total=True)["stretch model only"]
    return score(table[year].to_numpy(), flat, table["road_km"].to_numpy())


def select_variant(edges: pd.DataFrame, municipal: pd.DataFrame, adjacency: dict, year: int) -> pd.DataFrame:
    """Poisson deviance and Spearman of each spread variant on validation ``year`` (fitted on
    the years before, state totals known), best deviance first."""
    table = municipal_table(edges, municipal)
    rows = []
    for variant in VARIANTS:
        model = fit_before(variant, edges, municipal, adjacency, year)
        predicted = predictions(table, edges, model, year, known_total=True)["spread"]
        rows.append({**variant, **score(table[year].to_numpy(), predicted, table["road_km"].to_numpy())})
    return pd.DataFrame(rows).sort_values("poisson_deviance").reset_index(drop=True)


def backtest_spread(
    edges: pd.DataFrame, municipal: pd.DataFrame, adjacency: dict, test_year: int, variant: dict
) -> pd.DataFrame:
    """Score every predictor on ``test_year`` with the spread ``variant`` (chosen on the year
    before by :func:`select_variant`) fitted on the years before: one row per predictor and
    state-total set-up, with :data:`METRICS`."""
    model = fit_before(variant, edges, municipal, adjacency, test_year)
    table = municipal_table(edges, municipal)
    observed, km = table[test_year].to_numpy(), table["road_km"].to_numpy()
    rows = []
    for known in (False, True):
        for name, predicted in predictions(table, edges, model, test_year, known_total=known).items():
            label = f"{name} (state total known)" if known else name
            rows.append({"predictor": label, **score(observed, predicted, km)})
    return pd.DataFrame(rows).set_index("predictor")
