"""State-level theft model on the real SESNSP data: panel, baselines, backtest, artifacts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cargorisk.config import Settings
from cargorisk.errors import InputError, ModelFileError
from cargorisk.risk import (
    FEATURES,
    EmpiricalBayes,
    LastYear,
    TheftRiskModel,
    build_state_panel,
    explain_states,
    load_model,
    predict_states,
)
from cargorisk.risk.evaluate import usable_rows
from cargorisk.risk.train import evaluate, model_path


@pytest.fixture(scope="module")
def panel(built: Settings, corridor: nx.MultiDiGraph) -> pd.DataFrame:
    return build_state_panel(built.processed_dir, corridor)


def test_panel_targets_and_lags(panel: pd.DataFrame) -> None:
    assert panel.groupby("year")["cve_ent"].nunique().eq(32).all()
    assert panel.loc[panel["year"] == 2025, "carrier"].isna().all()  # partial year: no target
    assert panel.loc[panel["year"] == 2024, "carrier"].sum() == 7978
    edomex = panel[panel["cve_ent"] == 15].set_index("year")
    assert edomex.loc[2024, "lag1"] == edomex.loc[2023, "carrier"]
    assert edomex.loc[2025, "carrier_observed_annual"] == edomex.loc[2025, "carrier_observed"] * 2
    assert not panel.loc[panel["year"] >= 2018, FEATURES].isna().any().any()
    border = panel.loc[panel["year"] == 2024].set_index("state")
    assert border.loc["Tamaulipas", "border_state"] == 1 and border.loc["Puebla", "border_state"] == 0
    assert border.loc["Tamaulipas", "port_trucks_lag1"] > border.loc["Sonora", "port_trucks_lag1"] > 0


def test_backtest_same_folds_finite_metrics(panel: pd.DataFrame) -> None:
    folds, summary, predictions = evaluate(panel)
    assert set(summary.index) == {"lightgbm", "last_year", "mean_3y", "empirical_bayes", "blend"}
    per_predictor = folds.groupby("predictor")[["year", "n_states"]].agg(tuple)
    assert per_predictor.nunique().eq(1).all()  # every predictor scored on the same folds
    assert folds["year"].min() == 2020 and folds["year"].max() == 2024
    assert np.isfinite(folds[["poisson_deviance", "mae", "spearman", "top5_hit_rate"]]).all().all()
    assert (summary["spearman"] > 0.85).all()
    assert len(predictions) == 5 * 5 * 32 * 21  # predictors x folds x states x (full year + 20 draws)


def test_baselines(panel: pd.DataFrame) -> None:
    rows = usable_rows(panel)
    test = rows[rows["year"] == 2024]
    assert np.allclose(LastYear().fit(rows, rows["carrier"]).predict(test), np.maximum(test["lag1"], 0.5))
    eb = EmpiricalBayes().fit(rows, rows["carrier"])
    assert eb.alpha_ > 0 and eb.beta_ > 0
    predicted = eb.predict(test)
    mean3 = test[["lag1", "lag2", "lag3"]].mean(axis=1).to_numpy()
    prior_mean = eb.alpha_ / eb.beta_
    assert np.all(np.abs(predicted - prior_mean) <= np.abs(mean3 - prior_mean) + 1e-9)  # shrinks


def test_training_is_deterministic_and_sklearn_compatible(panel: pd.DataFrame) -> None:
    rows = usable_rows(panel)
    a = TheftRiskModel(features=FEATURES, random_state=3).fit(rows, rows["carrier"]).predict(rows)
    b = clone(TheftRiskModel(features=FEATURES, random_state=3)).fit(rows, rows["carrier"]).predict(rows)
    assert np.array_equal(a, b)
    assert TheftRiskModel().get_params()["objective"] == "poisson"


def test_trained_card_and_predictions(trained: Settings, corridor: nx.MultiDiGraph) -> None:
    card = json.loads(model_path(trained).with_suffix(".card.json").read_text())
    assert card["training_window"] == [2018, 2024]
    assert card["features"] == FEATURES
    assert card["default_predictor"] in {"lightgbm", "last_year", "mean_3y", "empirical_bayes", "blend"}
    assert "sesnsp_state_year" in card["data_checksums"]
    assert (trained.models_dir / card["figure"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pred = predict_states(trained, corridor, 2025).set_index("state")
    assert len(pred) == 32 and (pred["predicted"] > 0).all()
    assert pred["predicted"].idxmax() == "Estado de México"
    assert pred.loc["Puebla", "predicted"] > 10 * pred.loc["Yucatán", "predicted"]
    assert len(predict_states(trained, corridor, 2026)) == 32  # from the annualised 2025 lag
    with pytest.raises(InputError, match="cannot predict year 2031"):
        predict_states(trained, corridor, 2031)


def test_contributions_sum_to_the_prediction(trained: Settings, corridor: nx.MultiDiGraph) -> None:
    contributions = explain_states(trained, corridor, 2024).set_index("state")
    model, _ = load_model(model_path(trained))
    log_total = contributions.sum(axis=1, numeric_only=True)
    panel = build_state_panel(trained.processed_dir, corridor)
    rows = panel[panel["year"] == 2024].set_index("state")
    assert np.allclose(np.exp(log_total), model.predict(rows))


@pytest.mark.parametrize("damage", ["truncate", "edit", "delete", "card", "features"])
def test_damaged_model_files_raise(trained: Settings, tmp_path: Path, damage: str) -> None:
    stem = tmp_path / "theft_risk"
    for suffix in (".txt", ".card.json"):
        shutil.copy(model_path(trained).with_suffix(suffix), stem.with_suffix(suffix))
    model_file, card_file = stem.with_suffix(".txt"), stem.with_suffix(".card.json")
    if damage == "truncate":
        model_file.write_bytes(model_file.read_bytes()[:200])
    elif damage == "edit":
        model_file.write_text(model_file.read_text().replace("Tree=0", "Tree=9"))
    elif damage == "delete":
        model_file.unlink()
    elif damage == "card":
        card_file.write_text("{broken")
    with pytest.raises(ModelFileError) as info:
        load_model(stem, expected_features=FEATURES[:-1] if damage == "features" else FEATURES)
    assert "\n" not in str(info.value)


def test_drivers_and_risk_cli(
    trained: Settings, corridor: nx.MultiDiGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    from cargorisk.risk import state_drivers  # noqa: PLC0415

    drivers = state_drivers(trained, corridor, 2025, "Puebla")
    assert len(drivers) == 4
    assert all(isinstance(text, str) and np.isfinite(value) for text, value in drivers)
    with pytest.raises(InputError, match="unknown state 'Pueblo'"):
        state_drivers(trained, corridor, 2025, "Pueblo")
    import os  # noqa: PLC0415

    from cargorisk.cli import main  # noqa: PLC0415

    os.environ["CARGORISK_MODELS_DIR"] = str(trained.models_dir)
    try:
        data = ["--data-dir", str(trained.data_dir)]
        assert main([*data, "risk", "states", "--year", "2025", "--json"]) == 0
        records = json.loads(capsys.readouterr().out)
        assert len(records) == 32 and {"cve_ent", "state", "predicted"} <= set(records[0])
        assert main([*data, "risk", "explain", "Puebla", "--year", "2025"]) == 0
        assert "Puebla 2025: predicted" in capsys.readouterr().out
        assert main([*data, "evaluate", "--json", str(trained.models_dir / "bt.json")]) == 0
        assert "last_year" in capsys.readouterr().out
        backtest = json.loads((trained.models_dir / "bt.json").read_text())
        assert {r["predictor"] for r in backtest["summary"]} == {
            "lightgbm",
            "last_year",
            "mean_3y",
            "empirical_bayes",
            "blend",
        }
        assert main([*data, "risk", "states", "--year", "2040"]) == 1
    finally:
        del os.environ["CARGORISK_MODELS_DIR"]
