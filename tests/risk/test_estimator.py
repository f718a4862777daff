"""TheftRiskModel and the baselines as scikit-learn estimators (issue 15, item 7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.metrics import d2_tweedie_score
from sklearn.utils.estimator_checks import check_estimator

from cargorisk.config import Settings
from cargorisk.risk import (
    FEATURES,
    EmpiricalBayes,
    LastYear,
    MultiYearMean,
    TheftRiskModel,
    build_state_panel,
    load_model,
    save_model,
)
from cargorisk.risk.evaluate import usable_rows

# The baselines read named columns (lag1..lag3, cve_ent) of the state panel and reject arrays
# by design; these checks feed arrays (or sparse matrices) to fit, so they cannot pass.
NEEDS_NAMED_COLUMNS = "reads named state-panel columns (lag1..lag3, cve_ent): X must be a DataFrame"
BASELINE_EXPECTED_FAILED_CHECKS = dict.fromkeys(
    [
        "check_complex_data",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimator_sparse_array",
        "check_estimator_sparse_matrix",
        "check_estimator_sparse_tag",
        "check_estimators_dtypes",
        "check_estimators_empty_data_messages",
        "check_estimators_fit_returns_self",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_1sample",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_regressor_data_not_an_array",
        "check_regressors_int",
        "check_regressors_no_decision_function",
        "check_regressors_train",
        "check_requires_y_none",
        "check_supervised_y_2d",
    ],
    NEEDS_NAMED_COLUMNS,
)


def test_theft_risk_model_passes_check_estimator() -> None:
    check_estimator(TheftRiskModel(), on_skip=None)  # no expected failures: every check passes


@pytest.mark.parametrize("baseline", [LastYear(), MultiYearMean(), EmpiricalBayes()], ids=type)
def test_baselines_check_estimator_with_declared_failures(baseline: BaseEstimator) -> None:
    results = check_estimator(baseline, expected_failed_checks=BASELINE_EXPECTED_FAILED_CHECKS, on_skip=None)
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert {
        "check_estimators_unfitted",
        "check_get_params_invariance",
        "check_no_attributes_set_in_init",
    } <= (passed)


@pytest.fixture
def counts() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))  # noqa: N806
    y = rng.poisson(np.exp(1 + X[:, 0] - 0.5 * X[:, 1])).astype(float)
    return X, y


def test_arrays_and_frames_give_the_same_predictions(counts: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = counts  # noqa: N806
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    on_frame = TheftRiskModel().fit(frame, y)
    on_array = TheftRiskModel().fit(X, y)
    assert on_frame.offset_ is None and on_array.offset_ is None  # no lag1 column: no offset
    assert list(on_frame.feature_names_in_) == ["a", "b", "c", "d"]
    assert not hasattr(on_array, "feature_names_in_") and on_array.n_features_in_ == 4
    assert np.array_equal(on_frame.predict(frame), on_array.predict(X))
    assert np.allclose(on_frame.explain(frame).to_numpy(), on_array.explain(X).to_numpy())
    # features selects by name from a wider frame; the same columns as an array agree
    wide = frame.assign(state="x", year=2024, b_twice=2 * frame["b"])[["year", "b", "state", "a", "b_twice"]]
    selected = TheftRiskModel(features=["a", "b"]).fit(wide, y)
    assert np.array_equal(selected.predict(wide), TheftRiskModel().fit(X[:, :2], y).predict(X[:, :2]))
    with pytest.raises(ValueError, match="with an array X leave features=None"):
        TheftRiskModel(features=["a", "b"]).fit(X, y)


def test_offset_needs_a_frame_with_the_column(counts: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = counts  # noqa: N806
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(lag1=y[::-1])
    model = TheftRiskModel().fit(frame, y)
    assert model.offset_ == "lag1" and list(model.feature_names_in_) == ["a", "b", "c", "d"]
    contributions = model.explain(frame)
    assert np.allclose(np.exp(contributions.sum(axis=1)), model.predict(frame))
    assert np.allclose(contributions["last_year"], np.log(np.maximum(frame["lag1"], 0.5)))
    with pytest.raises(ValueError, match="fitted with the offset column 'lag1'"):
        model.predict(X)
    with pytest.raises(ValueError, match="offset column 'lag1' must hold last year's counts"):
        TheftRiskModel().fit(frame.assign(lag1=-1.0), y)


@pytest.mark.parametrize("method", ["predict", "explain", "score"])
def test_not_fitted_error(method: str, counts: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = counts  # noqa: N806
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError):
        getattr(TheftRiskModel(), method)(*args)


def test_score_is_poisson_d2(counts: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = counts  # noqa: N806
    model = TheftRiskModel().fit(X[:200], y[:200])
    expected = d2_tweedie_score(y[200:], model.predict(X[200:]), power=1)
    assert model.score(X[200:], y[200:]) == pytest.approx(expected)
    assert 0 < model.score(X[200:], y[200:]) < 1


def test_negative_counts_raise(counts: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = counts  # noqa: N806
    with pytest.raises(ValueError, match="y must be non-negative counts"):
        TheftRiskModel().fit(X, np.where(np.arange(len(y)) == 7, -1.0, y))
    assert TheftRiskModel().__sklearn_tags__().target_tags.positive_only


@pytest.fixture(scope="module")
def panel_without_graph(built: Settings) -> pd.DataFrame:
    return build_state_panel(built.processed_dir)


def test_panel_without_a_graph(panel_without_graph: pd.DataFrame) -> None:
    panel = panel_without_graph
    assert panel.groupby("year")["cve_ent"].nunique().eq(32).all()
    assert (panel[["road_km", "toll_share", "border_state", "port_trucks_lag1"]].fillna(0) == 0).all().all()
    assert not panel.loc[panel["year"] >= 2018, FEATURES].isna().any().any()


def test_panel_model_round_trip(panel_without_graph: pd.DataFrame, tmp_path: Path) -> None:
    rows = usable_rows(panel_without_graph)
    model = TheftRiskModel(features=FEATURES).fit(rows, rows["carrier"])
    assert model.offset_ == "lag1" and list(model.feature_names_in_) == FEATURES
    save_model(model, tmp_path / "theft_risk", {})
    loaded, card = load_model(tmp_path / "theft_risk", expected_features=FEATURES)
    assert card["offset_column"] == "lag1" and loaded.offset_ == "lag1"
    assert np.array_equal(loaded.predict(rows), model.predict(rows))
    assert loaded.score(rows, rows["carrier"]) == pytest.approx(model.score(rows, rows["carrier"]))
    no_offset = TheftRiskModel(features=FEATURES, offset=None).fit(rows, rows["carrier"])
    as_array = TheftRiskModel().fit(rows[FEATURES].to_numpy(), rows["carrier"].to_numpy())
    assert np.array_equal(no_offset.predict(rows), as_array.predict(rows[FEATURES].to_numpy()))
