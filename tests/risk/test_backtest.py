"""Backtest set-ups (full-year vs simulated partial-year lag), the blend and the default rule."""

from __future__ import annotations

import dataclasses
import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cargorisk.config import Settings
from cargorisk.risk import (
    FEATURES,
    LastYear,
    TheftRiskModel,
    TrainResult,
    build_state_panel,
    predict_states,
    train,
)
from cargorisk.risk.evaluate import (
    BASELINES,
    DRAWS,
    FULL_YEAR,
    PARTIAL_YEAR,
    SPEARMAN_TOLERANCE,
    GeometricBlend,
    best_baseline,
    choose_default,
    partial_year_rows,
    run_folds,
    usable_rows,
)
from cargorisk.risk.model import load_model
from cargorisk.risk.train import PREDICTORS, model_path

LAG_DERIVED = ["lag1", "loglag1", "trend", "rate_lag1", "violent_share_lag1"]
UNCHANGED = ["lag2", "lag3", "trend2", "federal_highway_lag1", "logpop", "road_km", "port_trucks_lag1"]


@pytest.fixture(scope="module")
def panel(built: Settings, national: nx.MultiDiGraph) -> pd.DataFrame:
    return build_state_panel(built.processed_dir, national)


@pytest.fixture(scope="module")
def trained_here(
    built: Settings, national: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, TrainResult]:
    """The theft model alone (no border model), trained into a folder of this module."""
    settings = dataclasses.replace(built, models_dir=tmp_path_factory.mktemp("backtest_models"))
    return settings, train(settings, national)


def test_partial_year_rows_thin_last_years_counts(panel: pd.DataFrame) -> None:
    test = usable_rows(panel).query("year == 2024")
    sim = partial_year_rows(panel, 2024, np.random.default_rng(0), index=test.index)
    assert sim.index.equals(test.index)
    assert (sim["lag1"] != test["lag1"]).sum() >= 20  # half-year counts, annualised (small ones may tie)
    half = sim["lag1"].to_numpy() / 2
    assert np.array_equal(half, np.round(half)) and (half >= 0).all()
    assert (half <= test["lag1"].to_numpy()).all()
    # every lag1-derived feature is recomputed from the simulated lag1
    assert np.allclose(sim["loglag1"], np.log1p(sim["lag1"]))
    assert np.allclose(sim["trend"], np.log1p(sim["lag1"]) - np.log1p(sim["lag2"]))
    assert np.allclose(sim["rate_lag1"] * test["lag1"], test["rate_lag1"] * sim["lag1"])
    assert sim["violent_share_lag1"].between(0, 1).all()
    assert not np.allclose(sim["violent_share_lag1"], test["violent_share_lag1"])
    assert not np.allclose(sim["vehicle_lag1"], test["vehicle_lag1"])  # related counts thinned too
    pd.testing.assert_frame_equal(sim[UNCHANGED], test[UNCHANGED])
    again = partial_year_rows(panel, 2024, np.random.default_rng(0), index=test.index)
    pd.testing.assert_frame_equal(sim, again)  # a fixed seed reproduces the draw
    with pytest.raises(ValueError, match="2025 is not a full year"):
        partial_year_rows(panel, 2026, np.random.default_rng(0))


def test_both_setups_on_the_same_folds(trained_here: tuple[Settings, TrainResult]) -> None:
    _, result = trained_here
    folds, summary = result.folds, result.summary
    assert set(folds["setup"]) == set(summary["setup"]) == {FULL_YEAR, PARTIAL_YEAR}
    assert set(summary.index) == set(PREDICTORS) and len(summary) == 2 * len(PREDICTORS)
    assert folds.groupby(["setup", "predictor"])["year"].agg(tuple).nunique() == 1
    assert set(folds.loc[folds["setup"] == PARTIAL_YEAR, "draws"]) == {DRAWS}
    assert set(folds.loc[folds["setup"] == FULL_YEAR, "draws"]) == {1}
    dev = summary.reset_index().pivot(index="predictor", columns="setup", values="poisson_deviance")
    # the thinning adds noise: last year's count is a worse forecast from a half year
    assert dev.loc["last_year", PARTIAL_YEAR] > dev.loc["last_year", FULL_YEAR] + 0.5
    # the 3-year mean has only one of its three lags thinned, so it suffers less
    loss = dev[PARTIAL_YEAR] - dev[FULL_YEAR]
    assert 0 < loss["mean_3y"] < loss["last_year"]
    assert (summary["spearman"] > 0.9).all()


def test_out_of_fold_predictions_per_draw(panel: pd.DataFrame) -> None:
    folds, preds = run_folds(panel, {"last_year": LastYear}, 2024, draws=3)
    assert len(folds) == 2 and len(preds) == (1 + 3) * 32
    partial = preds[preds["setup"] == PARTIAL_YEAR]
    assert partial.groupby("draw")["predicted"].sum().nunique() == 3  # independent draws
    full = preds[preds["setup"] == FULL_YEAR]
    assert np.allclose(
        full["predicted"], np.maximum(usable_rows(panel).query("year == 2023")["carrier"], 0.5)
    )


def test_default_predictor_follows_the_rule(trained_here: tuple[Settings, TrainResult]) -> None:
    settings, result = trained_here
    part = result.summary[result.summary["setup"] == PARTIAL_YEAR]
    best_base = part.loc[list(BASELINES), "poisson_deviance"].idxmin()
    eligible = part[part["spearman"] >= part.loc[best_base, "spearman"] - SPEARMAN_TOLERANCE]
    ranked = eligible["poisson_deviance"].sort_values()
    assert result.default == ranked.index[0]
    card = json.loads(model_path(settings).with_suffix(".card.json").read_text())
    choice = card["backtest"]["choice"]
    assert card["default_predictor"] == result.default == choice["default"]
    assert choice["runner_up"] == ranked.index[1]
    assert choice["deviance_margin"] == pytest.approx(ranked.iloc[1] - ranked.iloc[0], abs=1e-4)
    assert {r["setup"] for r in card["backtest"]["summary"]} == {FULL_YEAR, PARTIAL_YEAR}
    assert set(card["backtest"]["setups"]) == {FULL_YEAR, PARTIAL_YEAR}


def test_choose_default_spearman_tolerance() -> None:
    def table(spearman: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "setup": PARTIAL_YEAR,
                "poisson_deviance": [20.0, 22.0, 21.0, 49.0],
                "spearman": [spearman, 0.95, 0.99, 0.99],
            },
            index=pd.Index(["lightgbm", "last_year", "blend", "mean_3y"], name="predictor"),
        )

    close = choose_default(table(0.95 - 0.004))
    assert close["default"] == "lightgbm" and close["runner_up"] == "blend"
    assert close["deviance_margin"] == pytest.approx(1.0)
    losing = choose_default(table(0.95 - 0.006))  # loses on ranking to last_year, the best baseline
    assert losing["default"] == "blend" and "lightgbm" in losing["excluded"]
    assert losing["best_baseline"] == "last_year"


def test_blend_is_a_geometric_mean(panel: pd.DataFrame) -> None:
    rows = usable_rows(panel)
    train_rows, test = rows[rows["year"] < 2024], rows[rows["year"] == 2024]
    blend = clone(GeometricBlend(features=FEATURES, partner="last_year")).fit(
        train_rows, train_rows["carrier"]
    )
    gbm = TheftRiskModel(features=FEATURES).fit(train_rows, train_rows["carrier"]).predict(test)
    assert np.allclose(blend.predict(test), np.sqrt(gbm * np.maximum(test["lag1"], 0.5)))
    auto = GeometricBlend(features=FEATURES).fit(train_rows, train_rows["carrier"])
    assert auto.partner_ == best_baseline(train_rows, train_rows["carrier"]) in BASELINES
    with pytest.raises(ValueError, match="unknown partner"):
        GeometricBlend(partner="median").fit(train_rows, train_rows["carrier"])


def test_predict_states_with_the_blend(
    trained_here: tuple[Settings, TrainResult],
    national: nx.MultiDiGraph,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    settings, _ = trained_here
    blend_settings = dataclasses.replace(settings, models_dir=tmp_path_factory.mktemp("blend_models"))
    for suffix in (".txt", ".card.json"):
        model_path(blend_settings).with_suffix(suffix).write_bytes(
            model_path(settings).with_suffix(suffix).read_bytes()
        )
    card_file = model_path(blend_settings).with_suffix(".card.json")
    card_file.write_text(json.dumps({**json.loads(card_file.read_text()), "default_predictor": "blend"}))
    pred = predict_states(blend_settings, national, 2024)
    assert (pred["predictor"] == "blend").all() and len(pred) == 32
    model, _ = load_model(model_path(settings))
    panel = build_state_panel(settings.processed_dir, national)
    history, rows = usable_rows(panel), panel[panel["year"] == 2024]
    partner = BASELINES[best_baseline(history, history["carrier"])]().fit(history, history["carrier"])
    expected = np.sqrt(model.predict(rows) * partner.predict(rows))  # the saved model is the LightGBM part
    assert np.allclose(pred["predicted"], expected)
    future = predict_states(blend_settings, national, 2026)  # from the annualised 2025 half year
    assert len(future) == 32 and (future["predicted"] > 0).all()
