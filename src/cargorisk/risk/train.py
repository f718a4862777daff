"""The training job behind ``cargorisk train`` and ``cargorisk evaluate``.

Build the state panel, backtest LightGBM and the baselines on the same folds, choose the
predictor with the lowest mean Poisson deviance as the default, fit it on every full year,
and save it with its model card and a backtest figure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd
from sklearn.base import BaseEstimator

from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.risk.baselines import EmpiricalBayes, LastYear, MultiYearMean
from cargorisk.risk.evaluate import run_folds, usable_rows
from cargorisk.risk.features import FEATURE_DOC, FEATURES, build_state_panel, next_year_rows
from cargorisk.risk.model import TheftRiskModel, load_model, read_card, save_model
from cargorisk.sources.build import BUILD_LOG

log = logging.getLogger(__name__)
MODEL_NAME = "theft_risk"
PREDICTORS: dict[str, Callable[[], BaseEstimator]] = {
    "lightgbm": lambda: TheftRiskModel(features=FEATURES),
    "last_year": LastYear,
    "mean_3y": MultiYearMean,
    "empirical_bayes": EmpiricalBayes,
}
METRICS = ["poisson_deviance", "mae", "spearman", "top5_hit_rate"]


@dataclass(frozen=True)
class TrainResult:
    """What ``train`` produced: the card's path, the backtest summary and the default predictor."""

    card_path: Path
    summary: pd.DataFrame
    folds: pd.DataFrame
    default: str


def model_path(settings: Settings) -> Path:
    """Stem of the model files in ``settings.models_dir``."""
    return settings.models_dir / MODEL_NAME


def evaluate(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Backtest every predictor; return folds, summary (best first) and out-of-fold predictions."""
    folds, predictions = run_folds(panel, PREDICTORS, None)
    summary = folds.groupby("predictor")[METRICS].mean().sort_values("poisson_deviance")
    return folds, summary, predictions


def train(settings: Settings, graph: nx.MultiDiGraph) -> TrainResult:
    """Backtest, choose the default, fit LightGBM on all full years and save model, card, figure."""
    from cargorisk.risk.plots import plot_backtest  # noqa: PLC0415  (matplotlib only when training)

    panel = build_state_panel(settings.processed_dir, graph)
    folds, summary, predictions = evaluate(panel)
    rows = usable_rows(panel)
    model = TheftRiskModel(features=FEATURES).fit(rows, rows["carrier"])
    figure = plot_backtest(predictions, model_path(settings).with_name(f"{MODEL_NAME}_backtest.png"))
    card = {
        "target": "SESNSP 'Robo a transportista' (con + sin violencia) per state and year",
        "training_window": [int(rows["year"].min()), int(rows["year"].max())],
        "partial_year": "2025 (Jan-Jun) is annualised x12/6 and used only as a lag, never as a target",
        "feature_doc": {f: FEATURE_DOC[f] for f in FEATURES},
        "offset": "log of last year's count (the trees learn a multiplicative correction)",
        "backtest": {
            "summary": summary.round(4).reset_index().to_dict(orient="records"),
            "folds": folds.round(4).to_dict(orient="records"),
        },
        "default_predictor": str(summary.index[0]),
        "lightgbm_beats_baselines": bool(summary.index[0] == "lightgbm"),
        "data_checksums": data_checksums(settings.processed_dir),
        "network": network_identity(graph),
        "exposure": {
            "mx_truck_km_per_year": settings.mx_truck_km_per_year,
            "us_theft_per_million_truck_km": settings.us_theft_per_million_truck_km,
            "sources": "see cargorisk.config.Settings and README 'Theft risk'",
        },
        "figure": figure.name,
    }
    card_path = save_model(model, model_path(settings), card)
    return TrainResult(card_path, summary, folds, card["default_predictor"])


def network_identity(graph: nx.MultiDiGraph) -> dict[str, object]:
    """Which road graph the network features came from (name and size), for the model card."""
    return {
        "name": graph.graph.get("name", ""),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
    }


def data_checksums(processed_dir: Path) -> dict[str, dict[str, str]]:
    """Input checksums of the tables the model reads (from the build log)."""
    log = json.loads((processed_dir / BUILD_LOG).read_text())
    used = ("sesnsp_state_year", "sesnsp_federal_state_month", "bts_port_month")
    return {name: log[name]["inputs"] for name in used if name in log}


def predict_states(settings: Settings, graph: nx.MultiDiGraph, year: int) -> pd.DataFrame:
    """Predicted carrier robberies per state for ``year`` with the card's default predictor.

    Returns columns ``cve_ent``, ``state``, ``predicted``, ``predictor`` and, where the year
    is observed, ``observed`` (annualised for the partial year).
    """
    model, card = load_model(model_path(settings), expected_features=FEATURES)
    trained_on = card.get("network", {}).get("name")
    if trained_on != graph.graph.get("name", ""):
        log.warning(
            "the theft model was trained on the %r network, predictions use %r: road km and toll "
            "shares differ; run `cargorisk train` for this network",
            trained_on,
            graph.graph.get("name", ""),
        )
    panel = build_state_panel(settings.processed_dir, graph)
    rows = next_year_rows(panel, year)
    if rows.empty or rows["lag1"].isna().all():
        years = sorted(panel["year"].unique())
        msg = (
            f"cannot predict year {year}: the data cover {years[0]}-{years[-1]}; "
            f"choose a year from {years[3]} to {years[-1] + 1}"
        )
        raise InputError(msg)
    name = card["default_predictor"]
    history = usable_rows(panel)
    predictor = model if name == "lightgbm" else PREDICTORS[name]().fit(history, history["carrier"])
    out = rows[["cve_ent", "state"]].assign(predicted=predictor.predict(rows), predictor=name)
    if year in set(panel["year"]):
        out["observed"] = rows["carrier_observed_annual"].to_numpy()
    return out.reset_index(drop=True)


def explain_states(settings: Settings, graph: nx.MultiDiGraph, year: int) -> pd.DataFrame:
    """LightGBM contributions (log scale) per state for ``year``: what drives each prediction."""
    model, _ = load_model(model_path(settings), expected_features=FEATURES)
    rows = next_year_rows(build_state_panel(settings.processed_dir, graph), year)
    contributions = model.explain(rows)
    contributions.insert(0, "state", rows["state"].to_numpy())
    return contributions.reset_index(drop=True)


def card_summary(settings: Settings) -> dict:
    """The saved model card."""
    return read_card(model_path(settings))


def risk_network(settings: Settings, graph: nx.MultiDiGraph, year: int) -> nx.MultiDiGraph:
    """``graph`` with ``theft_rate`` and ``theft_prob`` for ``year``: state model, plus the
    edge-level multipliers when ``cargorisk train --incidents`` has produced them."""
    from cargorisk.risk.attach import attach_risk  # noqa: PLC0415
    from cargorisk.risk.edges import load_multipliers  # noqa: PLC0415

    predicted = predict_states(settings, graph, year)
    return attach_risk(graph, predicted, settings, edge_multiplier=load_multipliers(settings, graph))


def state_drivers(
    settings: Settings, graph: nx.MultiDiGraph, year: int, state: str, top: int = 4
) -> list[tuple[str, float]]:
    """The largest LightGBM contributions (log scale) to ``state``'s prediction for ``year``,
    beyond its last-year offset: ``[(description, contribution), ...]``, biggest first.

    A positive contribution raises the predicted count above last year's, a negative one lowers it.
    """
    contributions = explain_states(settings, graph, year).set_index("state")
    if state not in contributions.index:
        msg = f"unknown state {state!r}; choose from {sorted(contributions.index)}"
        raise InputError(msg)
    row = contributions.loc[state].drop(["bias", "last_year"])
    ranked = row.reindex(row.abs().sort_values(ascending=False).index)[:top]
    return [(FEATURE_DOC[name], float(value)) for name, value in ranked.items()]
