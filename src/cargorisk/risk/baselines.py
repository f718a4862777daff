"""Baselines the theft model must beat: last year, multi-year mean, empirical Bayes.

All follow the scikit-learn estimator shape (``fit(X, y)`` / ``predict(X)``) on the state
panel, reading the lag columns ``lag1``..``lag3`` of X.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

FLOOR = 0.5  # predictions are counts per year; a zero would make the Poisson deviance infinite


class LastYear(RegressorMixin, BaseEstimator):
    """Predict last year's count."""

    def fit(self, X: pd.DataFrame, y: pd.Series) -> LastYear:  # noqa: N803
        """Nothing to learn."""
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """``lag1`` (floored at 0.5)."""
        return np.maximum(X["lag1"].to_numpy(dtype=float), FLOOR)


class MultiYearMean(RegressorMixin, BaseEstimator):
    """Predict the mean of the last ``years`` counts (1-3)."""

    def __init__(self, years: int = 3) -> None:
        self.years = years

    def fit(self, X: pd.DataFrame, y: pd.Series) -> MultiYearMean:  # noqa: N803
        """Nothing to learn."""
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """Mean of ``lag1``..``lag{years}``."""
        lags = X[[f"lag{k}" for k in range(1, self.years + 1)]].to_numpy(dtype=float)
        return np.maximum(lags.mean(axis=1), FLOOR)


class EmpiricalBayes(RegressorMixin, BaseEstimator):
    """Poisson-gamma smoothing of each state's recent counts toward the cross-state prior.

    A state's yearly rate is Gamma(alpha, beta) across states; its last ``years`` counts are
    Poisson. The prediction is the posterior mean (alpha + sum of counts) / (beta + years).
    alpha and beta come from the training targets by the method of moments (the between-state
    variance net of Poisson noise).
    """

    def __init__(self, years: int = 3) -> None:
        self.years = years

    def fit(self, X: pd.DataFrame, y: pd.Series) -> EmpiricalBayes:  # noqa: N803
        """Fit the gamma prior on the training years' per-state means."""
        state_means = pd.Series(np.asarray(y, dtype=float)).groupby(X["cve_ent"].to_numpy()).mean()
        mean = float(state_means.mean())
        excess = float(state_means.var()) - mean / self.years
        variance = max(excess, 1e-6 * mean)
        self.alpha_, self.beta_ = mean**2 / variance, mean / variance
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """Posterior mean rate of each row's state."""
        lags = X[[f"lag{k}" for k in range(1, self.years + 1)]].to_numpy(dtype=float)
        return np.maximum((self.alpha_ + lags.sum(axis=1)) / (self.beta_ + self.years), FLOOR)
