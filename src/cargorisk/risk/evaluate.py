"""Rolling-origin backtest: for each test year t, train on years before t, predict t.

Metrics per fold: mean Poisson deviance, MAE, Spearman rank correlation across states and the
top-5 hit rate (share of the five highest observed states among the five highest predicted).
All predictors are scored on the same folds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.base import BaseEstimator
from sklearn.metrics import mean_absolute_error, mean_poisson_deviance

MIN_TRAIN_YEARS = 2


def score(observed: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """The four backtest metrics for one fold."""
    top = min(5, len(observed))
    top_obs = set(np.argsort(-observed)[:top])
    top_pred = set(np.argsort(-predicted)[:top])
    return {
        "poisson_deviance": float(mean_poisson_deviance(observed, predicted)),
        "mae": float(mean_absolute_error(observed, predicted)),
        "spearman": float(spearmanr(observed, predicted).statistic),
        "top5_hit_rate": len(top_obs & top_pred) / top,
    }


def usable_rows(panel: pd.DataFrame) -> pd.DataFrame:
    """Full-year rows with three years of history."""
    return panel.dropna(subset=["carrier", "lag3"])


def backtest(
    panel: pd.DataFrame,
    predictors: Mapping[str, Callable[[], BaseEstimator]],
    *,
    first_test_year: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the rolling-origin backtest.

    Returns
    -------
    folds
        One row per predictor and test year with the metrics.
    summary
        Mean of each metric per predictor, best Poisson deviance first.
    predictions
        Not returned; see :func:`backtest_predictions`.
    """
    folds, _ = run_folds(panel, predictors, first_test_year)
    summary = folds.groupby("predictor")[["poisson_deviance", "mae", "spearman", "top5_hit_rate"]].mean()
    return folds, summary.sort_values("poisson_deviance")


def run_folds(
    panel: pd.DataFrame, predictors: Mapping[str, Callable[[], BaseEstimator]], first_test_year: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every predictor on every fold; return the metrics and the out-of-fold predictions."""
    rows = usable_rows(panel)
    years = sorted(rows["year"].unique())
    first = first_test_year or years[MIN_TRAIN_YEARS]
    metrics, preds = [], []
    for year in [y for y in years if y >= first]:
        train, test = rows[rows["year"] < year], rows[rows["year"] == year]
        for name, make in predictors.items():
            predicted = make().fit(train, train["carrier"]).predict(test)
            metrics.append(
                {
                    "predictor": name,
                    "year": int(year),
                    "n_states": len(test),
                    **score(test["carrier"].to_numpy(float), predicted),
                }
            )
            preds.append(
                pd.DataFrame(
                    {
                        "predictor": name,
                        "year": year,
                        "cve_ent": test["cve_ent"].to_numpy(),
                        "observed": test["carrier"].to_numpy(),
                        "predicted": predicted,
                    }
                )
            )
    return pd.DataFrame(metrics), pd.concat(preds, ignore_index=True)


def backtest_predictions(
    panel: pd.DataFrame,
    predictors: Mapping[str, Callable[[], BaseEstimator]],
    *,
    first_test_year: int | None = None,
) -> pd.DataFrame:
    """Out-of-fold predictions of every predictor (for plots and calibration)."""
    return run_folds(panel, predictors, first_test_year)[1]
