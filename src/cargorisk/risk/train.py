"""The training job behind ``cargorisk train`` and ``cargorisk evaluate``.

Build the state panel, backtest LightGBM, the baselines and their blend on the same folds
(full-year and simulated partial-year lags), choose the default by the rule of
:func:`~cargorisk.risk.evaluate.choose_default`, fit LightGBM on every full year, and save it
with its model card (forecast interval, calibration chain) and a backtest figure. Then the two
models below the state forecast, each with its own card: the reporting model (reported
forecast vs estimated incidence, :mod:`~cargorisk.risk.reporting`, evaluated list by list) and
the municipal spread (:mod:`~cargorisk.risk.spread`, backtested on a held-out year).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from cargorisk.config import Settings
from cargorisk.errors import DataSourceError, InputError, ModelFileError
from cargorisk.risk.calibration import (
    CALIBRATION_FILE,
    coverage,
    dispersion,
    effective_dispersion,
    neighbours,
)
from cargorisk.risk.cargo import THEFT_SOURCES, card_table
from cargorisk.risk.evaluate import (
    BASELINES,
    DRAWS,
    FULL_YEAR,
    PARTIAL_YEAR,
    SEED,
    SPEARMAN_TOLERANCE,
    GeometricBlend,
    choose_default,
    feature_ablation,
    run_folds,
    summarise,
    usable_rows,
)
from cargorisk.risk.evaluate import METRICS as EVALUATION_METRICS
from cargorisk.risk.exposure import attach_stop_risk, fit_exposure, load_exposure, save_exposure
from cargorisk.risk.features import FEATURE_DOC, FEATURES, build_state_panel, next_year_rows
from cargorisk.risk.model import TheftRiskModel, load_model, read_card, save_model
from cargorisk.risk.reporting import (
    SIGNAL_DOC,
    ReportingModel,
    incidence,
    leave_one_list_out,
    load_reporting,
    read_measurements,
    save_reporting,
    state_signals,
)
from cargorisk.risk.spread import (
    MunicipalSpread,
    describe,
    load_spread,
    metro_points,
    municipal_adjacency,
    save_spread,
    stretch_features,
)
from cargorisk.risk.spread_backtest import backtest_spread, select_variant, stretch_validation
from cargorisk.risk.traffic import DECAYS_H, FLOOR_QUANTILES, apply_floor, edge_traffic, municipal_zones
from cargorisk.sources import load_table
from cargorisk.sources.build import BUILD_LOG
from cargorisk.sources.sesnsp import latest_population, municipal_year_from_official, read_official_monthly

log = logging.getLogger(__name__)
MODEL_NAME = "theft_risk"
PREDICTORS: dict[str, Callable[[], BaseEstimator]] = {
    "lightgbm": lambda: TheftRiskModel(features=FEATURES),
    **BASELINES,
    "blend": lambda: GeometricBlend(features=FEATURES),
}
METRICS = list(EVALUATION_METRICS)


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
    """Backtest every predictor in both set-ups (full-year and simulated partial-year lag).

    Returns folds, summary and out-of-fold predictions, each with a ``setup`` column
    (:data:`~cargorisk.risk.evaluate.FULL_YEAR` / :data:`~cargorisk.risk.evaluate.PARTIAL_YEAR`);
    the summary is indexed by predictor, full-year rows first, best deviance first within a set-up.
    """
    folds, predictions = run_folds(panel, PREDICTORS, None)
    return folds, summarise(folds), predictions


def train(settings: Settings, graph: nx.MultiDiGraph, *, municipal_file: Path | None = None) -> TrainResult:
    """Backtest, choose the default (see :func:`~cargorisk.risk.evaluate.choose_default`), fit
    LightGBM on all full years and save model, card (with the forecast interval and the
    calibration chain's factors) and figure; then fit and save the reporting model and the
    municipal spread (from ``municipal_file``, an official ``IDM_NM_*.csv``, when given)."""
    from cargorisk.risk.plots import plot_backtest  # noqa: PLC0415  (matplotlib only when training)

    panel = build_state_panel(settings.processed_dir, graph)
    folds, summary, predictions = evaluate(panel)
    rows = usable_rows(panel)
    model = TheftRiskModel(features=FEATURES).fit(rows, rows["carrier"])
    full_year = predictions[predictions["setup"] == FULL_YEAR]
    figure = plot_backtest(full_year, model_path(settings).with_name(f"{MODEL_NAME}_backtest.png"))
    choice = choose_default(summary)
    deviance = summary.loc[summary["setup"] == PARTIAL_YEAR, "poisson_deviance"]
    card = {
        "target": "SESNSP 'Robo a transportista' (con + sin violencia) per state and year",
        "training_window": [int(rows["year"].min()), int(rows["year"].max())],
        "partial_year": "2025 (Jan-Jun) is annualised x12/6 and used only as a lag, never as a target",
        "feature_doc": {f: FEATURE_DOC[f] for f in FEATURES},
        "offset": "log of last year's count (the trees learn a multiplicative correction)",
        "backtest": {
            "setups": {
                FULL_YEAR: "test rows' lags are full-year counts of t-1, like the training rows'",
                PARTIAL_YEAR: (
                    "as the real forecast: t-1's counts binomially thinned to Jan-Jun (p = 6/12), "
                    f"annualised x12/6, lag features recomputed; metrics averaged over {DRAWS} draws "
                    f"(seed {SEED})"
                ),
            },
            "summary": summary.round(4).reset_index().to_dict(orient="records"),
            "folds": folds.round(4).to_dict(orient="records"),
            "default_rule": (
                f"lowest mean Poisson deviance in the {PARTIAL_YEAR} set-up among predictors whose mean "
                f"Spearman is at most {SPEARMAN_TOLERANCE} below the best baseline's"
            ),
            "choice": {k: round(v, 4) if isinstance(v, float) else v for k, v in choice.items()},
        },
        "default_predictor": choice["default"],
        "lightgbm_beats_baselines": bool(deviance["lightgbm"] < deviance[list(BASELINES)].min()),
        "data_checksums": data_checksums(settings.processed_dir),
        "network": network_identity(graph),
        "exposure": {
            "mx_truck_km_per_year": settings.mx_truck_km_per_year,
            "us_theft_per_million_truck_km": settings.us_theft_per_million_truck_km,
            "sources": "see cargorisk.config.Settings and README 'Theft risk'",
        },
        "calibration_chain": {
            "theft_report_rate": settings.theft_report_rate,
            "loaded_share": settings.loaded_share,
            "reporting_model": train_reporting(settings, graph),
            "municipal_spread": train_spread(settings, graph, municipal_file),
            "exposure": train_exposure(settings),
            "theft_scale_prior_shape": settings.theft_scale_prior_shape,
            "user_calibration": f"models/{CALIBRATION_FILE} when `cargorisk calibrate` has written it",
            "sources": "see cargorisk.risk.calibration, cargorisk.config.Settings and README 'Theft risk'",
        },
        "cargo_types": {
            "multipliers": card_table(),
            "theft_shares": list(THEFT_SOURCES),
            "trip_shares": "assumed (no published breakdown of loaded trips by commodity)",
            "cargo_type_shape": settings.cargo_type_shape,
        },
        "interval": forecast_interval(predictions, choice["default"]),
        "feature_ablation": feature_ablation(panel).round(4).reset_index().to_dict(orient="records"),
        "figure": figure.name,
    }
    card_path = save_model(model, model_path(settings), card)
    return TrainResult(card_path, summary, folds, card["default_predictor"])


def forecast_interval(predictions: pd.DataFrame, predictor: str) -> dict[str, object]:
    """Dispersion of the default predictor's out-of-fold errors in the partial-year set-up (as
    the real forecast) and the coverage of its 90% predictive interval on each held-out year
    with the dispersion fitted on the other years (see :mod:`~cargorisk.risk.calibration`)."""
    held_out = predictions[(predictions["setup"] == PARTIAL_YEAR) & (predictions["predictor"] == predictor)]
    covered = []
    for year, test in held_out.groupby("year"):
        rest = held_out[held_out["year"] != year]
        k_rest = dispersion(rest["observed"], rest["predicted"])
        covered.append(coverage(test["observed"], test["predicted"], k_rest) * len(test))
    state_years, draws = held_out.groupby(["year", "cve_ent"]).ngroups, held_out["draw"].nunique()
    return {
        "dispersion_k": round(dispersion(held_out["observed"], held_out["predicted"]), 4),
        "nominal": 0.9,
        "coverage": round(sum(covered) / len(held_out), 4),
        "held_out": f"{len(held_out)} forecasts: {state_years} state-years x {draws} draws ({predictor}, "
        f"{PARTIAL_YEAR}; coverage of each year with k fitted on the others)",
    }


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
    used = ("sesnsp_state_year", "sesnsp_federal_state_month", "bts_port_month", "sesnsp_municipal_year",
            "facts_theft_states")  # fmt: skip
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
    years = sorted(panel["year"].unique())
    rows = next_year_rows(panel, year) if years[3] <= year <= years[-1] + 1 else panel.iloc[:0]
    if rows.empty or rows["lag1"].isna().all():
        msg = (
            f"cannot predict year {year}: the data cover {years[0]}-{years[-1]}; "
            f"choose a year from {years[3]} to {years[-1] + 1}"
        )
        raise InputError(msg)
    name = card.get("default_predictor")
    if name not in ("lightgbm", "blend", *PREDICTORS):
        msg = (
            f"model card of {model_path(settings)} names an unknown default predictor {name!r}; "
            "run `cargorisk train` again"
        )
        raise ModelFileError(msg)
    history = usable_rows(panel)
    if name == "lightgbm":
        predictor = model
    elif name == "blend":  # the saved model is its LightGBM part; the baseline is refitted
        predictor = GeometricBlend(features=FEATURES, estimator=model).fit(history, history["carrier"])
    else:
        predictor = PREDICTORS[name]().fit(history, history["carrier"])
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
    """``graph`` with ``theft_rate`` and ``theft_prob`` for ``year``: the state forecast, its
    estimated incidence (reporting model), spread over stretches (municipal spread, or the
    edge-level multipliers when ``cargorisk train --incidents`` has produced them).

    Graph attributes: ``theft_chain`` (per state), ``theft_incidence`` (the reporting model's
    table, or ``None``), ``theft_dispersion`` (the route interval's gamma shape),
    ``theft_dispersion_by_state`` (the same per state: wider where sources disagree) and
    ``theft_exposure`` (:class:`~cargorisk.risk.exposure.ExposureModel`, when trained). Mexican
    edges carry ``trucks_per_day`` (:mod:`~cargorisk.risk.traffic`), nodes ``parked_risk_per_h``
    (:func:`~cargorisk.risk.exposure.stop_risk`).
    """
    from cargorisk.risk.attach import attach_risk, spread_multipliers, stretch_table  # noqa: PLC0415
    from cargorisk.risk.edges import load_multipliers  # noqa: PLC0415

    predicted = predict_states(settings, graph, year)
    table = estimate_incidence(settings, predicted, year)
    multipliers = load_multipliers(settings, graph)
    saved = load_spread(settings.models_dir)
    traffic = saved_traffic(settings, graph, saved.card) if saved is not None else None
    if not multipliers and saved is not None:
        multipliers = spread_multipliers(stretch_table(graph, saved.model, saved.metros, traffic))
    risky = attach_risk(
        graph,
        predicted,
        settings,
        incidence=None if table is None else table["incidence"],
        edge_multiplier=multipliers,
    )
    interval = read_card(model_path(settings)).get("interval")
    if not interval:
        msg = f"model card {model_path(settings)}.card.json has no forecast interval; run `cargorisk train`"
        raise ModelFileError(msg)
    k = float(interval["dispersion_k"])
    sd = table["sd_log"] if table is not None else pd.Series(0.0, index=predicted["state"])
    by_state = pd.Series(effective_dispersion(k, sd), index=sd.index)
    weight = risky.graph["theft_chain"]["thefts"].reindex(by_state.index).fillna(0.0)
    if traffic is not None:
        nx.set_edge_attributes(risky, (traffic / 365).round(1).to_dict(), "trucks_per_day")
    exposure = load_exposure(settings.models_dir)
    if exposure is not None:
        attach_stop_risk(risky, exposure)
    risky.graph["theft_incidence"] = table
    risky.graph["theft_dispersion_by_state"] = by_state.to_dict()
    risky.graph["theft_dispersion"] = float(1 / np.average(1 / by_state, weights=weight))
    return risky


def estimate_incidence(settings: Settings, predicted: pd.DataFrame, year: int) -> pd.DataFrame | None:
    """The reporting model's table for ``year`` (see :func:`~cargorisk.risk.reporting.incidence`),
    or ``None`` when no reporting model was trained (every state then reports at the national rate)."""
    saved = load_reporting(settings.models_dir)
    if saved is None:
        log.warning("no reporting model in %s: every state is taken to report at the national rate; "
                    "run `cargorisk train`", settings.models_dir)  # fmt: skip
        return None
    reported = predicted.set_index("state")["predicted"]
    return incidence(saved.model, reported, saved.signals, year, saved.adjacency, settings.theft_report_rate)


def train_reporting(settings: Settings, graph: nx.MultiDiGraph) -> dict[str, object]:
    """Fit the reporting model on the published state figures and the SESNSP signals, evaluate
    it list by list, save it (``models/theft_reporting.json``); return its card summary."""
    try:
        facts = load_table("facts_theft_states", settings.processed_dir)
    except DataSourceError as exc:
        log.warning("%s: no reporting model, every state reports at the national rate", exc)
        return {"fitted": False, "reason": str(exc)}
    from cargorisk.risk.attach import edge_state_km, state_exposure  # noqa: PLC0415

    states = load_table("mx_states", settings.processed_dir)
    adjacency = neighbours(states)
    truck_km = state_exposure(graph, edge_state_km(graph, states), settings.mx_truck_km_per_year)
    signals = state_signals(settings.processed_dir, truck_km, adjacency)
    first = int(signals.index.get_level_values("year").min())
    measurements, skipped = read_measurements(facts, sorted(states["state"]), first)
    model = ReportingModel().fit(measurements, signals)
    evaluation = leave_one_list_out(measurements, signals, adjacency)
    overall = evaluation[evaluation["list"] == "all lists"].set_index("predictor")["concordance"]
    card = {
        "fitted": True,
        "signal_doc": {name: SIGNAL_DOC[name] for name in model.signals},
        "beta": dict(zip(model.signals, np.round(model.beta_, 4).tolist(), strict=True)),
        "sigma": round(model.sigma_, 4),
        "tau": round(model.tau_, 4),
        "lists": sorted(measurements["list"].unique()),
        "measurements": int(measurements["listed"].sum()),
        "censored": int((~measurements["listed"]).sum()),
        "skipped": skipped.groupby("reason").size().to_dict(),
        "evaluation": evaluation.round(4).to_dict(orient="records"),
        "held_out_concordance": overall.round(4).to_dict(),
    }
    path = save_reporting(settings.models_dir, model, signals, adjacency, card)
    return {**{k: card[k] for k in ("fitted", "beta", "held_out_concordance")}, "file": path.name}


def train_exposure(settings: Settings) -> dict[str, object]:
    """Fit the exposure model (hour of day, parked share, place factors) on the published
    patterns and save it (``models/theft_exposure.json``); return its card summary."""
    try:
        facts = load_table("facts_theft_time_place", settings.processed_dir)
    except DataSourceError as exc:
        log.warning("%s: no exposure model", exc)
        return {"fitted": False, "reason": str(exc)}
    model, card = fit_exposure(facts)
    path = save_exposure(settings.models_dir, model, card)
    parked = {c: round(m.parked, 4) for c, m in model.countries.items()}
    return {"fitted": True, "parked_share": parked, "file": path.name}


def municipal_counts(settings: Settings, municipal_file: Path | None) -> tuple[pd.DataFrame, str]:
    """Municipal carrier-robbery counts: the official file when given (population joined from
    the built table when present), else the built ``sesnsp_municipal_year``."""
    if municipal_file is None:
        return load_table(
            "sesnsp_municipal_year", settings.processed_dir
        ), "sesnsp_municipal_year (Data Civica copy)"
    counts = municipal_year_from_official(read_official_monthly(Path(municipal_file)))
    try:
        built = load_table("sesnsp_municipal_year", settings.processed_dir)
        counts["population"] = counts["cvegeo"].map(latest_population(built))
    except DataSourceError:
        log.warning("no municipal population: metro areas need the built sesnsp_municipal_year")
    return counts, f"official file {Path(municipal_file).name}"


def train_spread(
    settings: Settings, graph: nx.MultiDiGraph, municipal_file: Path | None = None
) -> dict[str, object]:
    """Choose the traffic model's decay and the spread's variant on the year before the last
    full year, backtest on the last full year, fit on every year and save
    (``models/theft_spread.json``); return its card summary."""
    try:
        counts, origin = municipal_counts(settings, municipal_file)
    except DataSourceError as exc:
        log.warning("%s: no municipal spread, risk is even within each state", exc)
        return {"fitted": False, "reason": str(exc)}
    centroids = load_table("mx_municipalities", settings.processed_dir)
    zones = municipal_zones(counts, centroids)
    ports = load_table("bts_ports", settings.processed_dir)[["port_code", "trucks_last_12m"]]
    metros = metro_points(counts, centroids)
    adjacency = municipal_adjacency(centroids)
    full = counts.groupby("year")["months_covered"].max()
    test_year = int(full[full == 12].index.max())
    candidates = []
    for decay in DECAYS_H:
        raw = edge_traffic(graph, zones, ports, settings.mx_truck_km_per_year, decay)
        for floor in FLOOR_QUANTILES:
            edges = stretch_features(graph, metros, apply_floor(raw, floor))
            scores = stretch_validation(edges, counts, test_year - 1)
            candidates.append(({**scores, "decay_h": decay, "floor_quantile": floor}, edges))
    best = min(range(len(candidates)), key=lambda i: candidates[i][0]["poisson_deviance"])
    traffic_choice = (
        pd.DataFrame([c[0] for c in candidates]).sort_values("poisson_deviance").reset_index(drop=True)
    )
    decay_h, floor_q = candidates[best][0]["decay_h"], candidates[best][0]["floor_quantile"]
    edges = candidates[best][1]
    validation = select_variant(edges, counts, adjacency, test_year - 1)
    chosen = {"neighbours": bool(validation.loc[0, "neighbours"]), "decay": float(validation.loc[0, "decay"])}
    table = backtest_spread(edges, counts, adjacency, test_year, chosen)
    model = MunicipalSpread(**chosen).fit(edges, counts, adjacency)
    card = {
        "counts": origin,
        "years": [int(counts["year"].min()), int(counts["year"].max())],
        "fitted_parameters": describe(model),
        "traffic": {
            "decay_h": decay_h,
            "floor_quantile": floor_q,
            "zones": zones.round(5).to_dict(orient="list"),
            "ports": ports.to_dict(orient="list"),
        },
        "backtest": {
            "test_year": test_year,
            "validation_year": test_year - 1,
            "chosen": {**chosen, "traffic_decay_h": decay_h, "traffic_floor_quantile": floor_q},
            "traffic_validation": traffic_choice.round(4).to_dict(orient="records"),
            "validation": validation.round(4).to_dict(orient="records"),
            "municipalities": int(edges["cvegeo"].nunique()),
            "table": table.round(4).reset_index().to_dict(orient="records"),
        },
        "network": network_identity(graph),
    }
    path = save_spread(settings.models_dir, model, metros, card)
    return {"fitted": True, "counts": origin, "backtest_year": test_year, "file": path.name,
            "rate_ratio": card["fitted_parameters"]["rate_ratio"]}  # fmt: skip


def saved_traffic(settings: Settings, graph: nx.MultiDiGraph, saved: dict) -> pd.Series:
    """The traffic model of a saved spread's card, on ``graph``."""
    spec = saved["traffic"]
    zones, ports = pd.DataFrame(spec["zones"]), pd.DataFrame(spec["ports"])
    raw = edge_traffic(graph, zones, ports, settings.mx_truck_km_per_year, float(spec["decay_h"]))
    return apply_floor(raw, float(spec["floor_quantile"]))


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
