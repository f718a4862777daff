"""Baselines the theft model must beat: last year, multi-year mean, empirical Bayes.

All follow the scikit-learn estimator shape (``fit(X, y)`` / ``predict(X)``) on the state
panel, reading the lag columns ``lag1``..``lag3`` (and, for empirical Bayes, ``cve_ent``) of X
by name. X must therefore be a DataFrame: an array has no named columns and raises
``ValueError``. That is why ``check_estimator``, which feeds arrays, cannot run most of its
checks on them (see ``tests/risk/test_estimator.py`` for the declared expected failures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_consistent_length, check_is_fitted

FLOOR = 0.5  # predictions are counts per year; a zero would make the Poisson deviance infinite


def lag_columns(estimator: BaseEstimator, X: ArrayLike, columns: list[str]) -> np.ndarray:  # noqa: N803
    """``columns`` of the DataFrame X as a float array; ValueError for an array or missing columns."""
    name = type(estimator).__name__
    if not isinstance(X, pd.DataFrame):
        msg = f"{name} reads the named columns {columns} of the state panel: X must be a DataFrame"
        raise ValueError(msg)
    missing = [c for c in columns if c not in X.columns]
    if missing:
        msg = f"{name} needs the columns {missing} of the state panel in X"
        raise ValueError(msg)
    return X[columns].to_numpy(dtype=float)


class LastYear(RegressorMixin, BaseEstimator):
    """Predict last year's count (column ``lag1`` of a DataFrame X)."""

    def fit(self, X: pd.DataFrame, y: ArrayLike) -> LastYear:  # noqa: N803
        """Nothing to learn (checks X's columns)."""
        lag_columns(self, X, ["lag1"])
        check_consistent_length(X, y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """``lag1`` (floored at 0.5)."""
        check_is_fitted(self)
        return np.maximum(lag_columns(self, X, ["lag1"])[:, 0], FLOOR)


class MultiYearMean(RegressorMixin, BaseEstimator):
    """Predict the mean of the last ``years`` counts (1-3; columns ``lag1``.. of a DataFrame X)."""

    def __init__(self, years: int = 3) -> None:
        self.years = years

    def _lags(self) -> list[str]:
        return [f"lag{k}" for k in range(1, self.years + 1)]

    def fit(self, X: pd.DataFrame, y: ArrayLike) -> MultiYearMean:  # noqa: N803
        """Nothing to learn (checks X's columns)."""
        lag_columns(self, X, self._lags())
        check_consistent_length(X, y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """Mean of ``lag1``..``lag{years}``."""
        check_is_fitted(self)
        return np.maximum(lag_columns(self, X, self._lags()).mean(axis=1), FLOOR)


class EmpiricalBayes(RegressorMixin, BaseEstimator):
    """Poisson-gamma smoothing of each state's recent counts toward the cross-state prior.

    A state's yearly rate is Gamma(alpha, beta) across states; its last ``years`` counts are
    Poisson. The prediction is the posterior mean (alpha + sum of counts) / (beta + years).
    alpha and beta come from the training targets by the method of moments (the between-state
    variance net of Poisson noise). X is a DataFrame with ``cve_ent`` (state) and the lag columns.
    """

    def __init__(self, years: int = 3) -> None:
        self.years = years

    def _lags(self) -> list[str]:
        return [f"lag{k}" for k in range(1, self.years + 1)]

    def fit(self, X: pd.DataFrame, y: ArrayLike) -> EmpiricalBayes:  # noqa: N803
        """Fit the gamma prior on the training years' per-state means."""
        states = lag_columns(self, X, ["cve_ent"])[:, 0]
        check_consistent_length(X, y)
        state_means = pd.Series(np.asarray(y, dtype=float)).groupby(states).mean()
        mean = float(state_means.mean())
        excess = float(state_means.var()) - mean / self.years
        variance = max(excess, 1e-6 * mean)
        self.alpha_, self.beta_ = mean**2 / variance, mean / variance
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """Posterior mean rate of each row's state."""
        check_is_fitted(self)
        lags = lag_columns(self, X, self._lags())
        return np.maximum((self.alpha_ + lags.sum(axis=1)) / (self.beta_ + self.years), FLOOR)
