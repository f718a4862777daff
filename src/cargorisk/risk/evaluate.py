"""Rolling-origin backtest: for each test year t, train on years before t, predict t.

Metrics per fold: mean Poisson deviance, MAE, Spearman rank correlation across states and the
top-5 hit rate (share of the five highest observed states among the five highest predicted).
All predictors are scored on the same folds and, within a fold, on the same test rows.

Two set-ups
-----------
``"full-year lag"``
    The test rows' lags are full-year counts, like the training rows'.
``"partial-year lag"``
    The honest one: it simulates the real forecast. The forecast for 2026 has only January-June
    2025, annualised x12/6, as last year's count, so when predicting year t the test rows get a
    half-year count of t-1, annualised, in place of the full-year count. The data have no
    monthly or half-year state counts before 2025 (only annual ones), so the half year is
    simulated by **binomial thinning** of t-1's full-year counts: each incident falls in
    January-June with probability 6/12 (no seasonality assumed), and the thinned count is
    multiplied by 12/6. Thinned are carrier robberies (violent and non-violent separately, so
    the violent share stays a share) and the vehicle, auto-parts and individual-transport
    robberies, which the real forecast also takes from the half year. Every lag feature of the
    test rows is then recomputed from the thinned counts with :func:`~cargorisk.risk.features.add_lags`
    exactly as for the 2026 rows: ``lag1``, ``loglag1``, ``trend``, ``rate_lag1``,
    ``violent_share_lag1``, ``vehicle_lag1``, ``autoparts_lag1``, ``individual_lag1`` and
    ``vehicle_trend``. Federal crimes on communication routes and port trucks keep their
    full-year values (their monthly sources would allow a real half year; the panel holds
    years only). Training rows keep full-year lags, as the real training does, so each
    predictor is fitted once per fold and scored on :data:`DRAWS` thinned copies of the test
    year (seed :data:`SEED`, the same draws for every predictor); a fold's metrics are the
    means over the draws, which removes most of the simulation noise.

:func:`choose_default` picks the default predictor from the partial-year summary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import mean_absolute_error, mean_poisson_deviance

from cargorisk.risk.baselines import EmpiricalBayes, LastYear, MultiYearMean
from cargorisk.risk.features import FEATURES, RELATED_GROUPS, add_lags
from cargorisk.risk.model import TheftRiskModel

MIN_TRAIN_YEARS = 2
METRICS = ["poisson_deviance", "mae", "spearman", "top5_hit_rate"]
FULL_YEAR = "full-year lag"
PARTIAL_YEAR = "partial-year lag"
SETUPS = (FULL_YEAR, PARTIAL_YEAR)
PARTIAL_MONTHS = 6  # January-June: what the real forecast has of the year before
DRAWS = 20
SEED = 2025
THINNED_RELATED = ("vehicle", "autoparts", "individual")
SPEARMAN_TOLERANCE = 0.005
BASELINES: dict[str, Callable[[], BaseEstimator]] = {
    "last_year": LastYear,
    "mean_3y": MultiYearMean,
    "empirical_bayes": EmpiricalBayes,
}


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


def best_baseline(X: pd.DataFrame, y: pd.Series | np.ndarray) -> str:  # noqa: N803
    """The baseline with the lowest mean Poisson deviance in a rolling-origin backtest on X alone.

    Each year of X after the first is predicted from the years before it; with a single year
    there is nothing to compare and the answer is ``"last_year"``.
    """
    target = np.asarray(y, dtype=float)
    years = sorted(X["year"].unique())
    if len(years) < 2:
        return "last_year"
    deviance = {}
    for name, make in BASELINES.items():
        folds = []
        for year in years[1:]:
            train, test = (X["year"] < year).to_numpy(), (X["year"] == year).to_numpy()
            predicted = make().fit(X[train], target[train]).predict(X[test])
            folds.append(mean_poisson_deviance(target[test], predicted))
        deviance[name] = float(np.mean(folds))
    return min(deviance, key=deviance.__getitem__)


class GeometricBlend(RegressorMixin, BaseEstimator):
    """Weighted geometric mean of LightGBM (:class:`TheftRiskModel`) and a baseline.

    Parameters
    ----------
    features
        LightGBM's features (default :data:`~cargorisk.risk.features.FEATURES`).
    partner
        A name in :data:`BASELINES`, or ``"auto"``: the baseline that :func:`best_baseline`
        finds best on the training data (so in the backtest it is chosen on training folds only).
    weight
        LightGBM's weight on the log scale (0.5: the plain geometric mean).
    estimator
        An already fitted LightGBM model to use as is (the saved one, say) instead of fitting
        one; ``None`` fits ``TheftRiskModel(features=features)``.
    """

    def __init__(
        self,
        features: list[str] | None = None,
        *,
        partner: str = "auto",
        weight: float = 0.5,
        estimator: TheftRiskModel | None = None,
    ) -> None:
        self.features = features
        self.partner = partner
        self.weight = weight
        self.estimator = estimator

    def fit(self, X: pd.DataFrame, y: pd.Series) -> GeometricBlend:  # noqa: N803
        """Choose and fit the baseline; fit LightGBM unless a fitted ``estimator`` was given."""
        self.partner_ = best_baseline(X, y) if self.partner == "auto" else self.partner
        if self.partner_ not in BASELINES:
            msg = f"unknown partner {self.partner_!r}; choose from {sorted(BASELINES)} or 'auto'"
            raise ValueError(msg)
        self.baseline_ = BASELINES[self.partner_]().fit(X, y)
        if self.estimator is not None:
            self.lightgbm_ = self.estimator
        else:
            self.lightgbm_ = TheftRiskModel(features=self.features or FEATURES).fit(X, y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """exp(weight x log LightGBM + (1 - weight) x log baseline)."""
        log_gbm = np.log(self.lightgbm_.predict(X))
        log_base = np.log(self.baseline_.predict(X))
        return np.exp(self.weight * log_gbm + (1 - self.weight) * log_base)


def partial_year_rows(
    panel: pd.DataFrame,
    year: int,
    rng: np.random.Generator,
    *,
    months: int = PARTIAL_MONTHS,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """The rows of ``year`` as the real forecast would see them with only ``months`` of t-1.

    The full-year counts of ``year - 1`` are binomially thinned (p = months / 12) and
    annualised (x 12 / months), then the lags are recomputed with ``add_lags``. ``index``
    restricts the result to those rows of the panel (default: every row of ``year``).
    """
    prev = panel.index[panel["year"] == year - 1]
    if len(prev) == 0 or not (panel.loc[prev, "months_covered"] == 12).all():
        msg = f"year {year - 1} is not a full year in the panel; cannot simulate a partial year from it"
        raise ValueError(msg)
    p, scale = months / 12, 12 / months
    sim = panel.copy()
    total = sim.loc[prev, "carrier_observed_annual"].round().to_numpy(dtype=np.int64)
    violent = np.minimum(sim.loc[prev, "violent"].round().to_numpy(dtype=np.int64), total)
    violent_half = rng.binomial(violent, p)
    carrier_half = violent_half + rng.binomial(total - violent, p)
    sim.loc[prev, "carrier_observed_annual"] = carrier_half * scale
    sim.loc[prev, "violent"] = violent_half * scale
    for col in THINNED_RELATED:
        counts = sim.loc[prev, col].round().to_numpy(dtype=np.int64)
        sim.loc[prev, col] = rng.binomial(counts, p) * scale
    out = add_lags(sim)
    return out.loc[index] if index is not None else out[out["year"] == year]


def run_folds(
    panel: pd.DataFrame,
    predictors: Mapping[str, Callable[[], BaseEstimator]],
    first_test_year: int | None = None,
    *,
    setups: Sequence[str] = SETUPS,
    draws: int = DRAWS,
    seed: int = SEED,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every predictor on every fold; return the metrics and the out-of-fold predictions.

    Each predictor is fitted once per fold (training rows have full-year lags) and scored in
    every set-up of ``setups`` (see the module docstring); the partial-year set-up averages
    the metrics over ``draws`` thinned copies of the test rows, drawn from ``seed`` and the
    test year. The metrics carry ``setup``, ``predictor``, ``year``, ``n_states`` and
    ``draws``; the predictions ``setup``, ``draw``, ``predictor``, ``year``, ``cve_ent``,
    ``observed`` and ``predicted`` (one row per draw).
    """
    unknown = set(setups) - set(SETUPS)
    if unknown:
        msg = f"unknown set-up(s) {sorted(unknown)}; choose from {list(SETUPS)}"
        raise ValueError(msg)
    rows = usable_rows(panel)
    years = sorted(rows["year"].unique())
    first = first_test_year or years[MIN_TRAIN_YEARS]
    metrics, preds = [], []
    for year in [y for y in years if y >= first]:
        train, test = rows[rows["year"] < year], rows[rows["year"] == year]
        observed = test["carrier"].to_numpy(float)
        rng = np.random.default_rng([seed, int(year)])
        test_sets = {
            FULL_YEAR: [test],
            PARTIAL_YEAR: [partial_year_rows(panel, int(year), rng, index=test.index) for _ in range(draws)],
        }
        for name, make in predictors.items():
            fitted = make().fit(train, train["carrier"])
            for setup in setups:
                scores = []
                for draw, features in enumerate(test_sets[setup]):
                    predicted = fitted.predict(features)
                    scores.append(score(observed, predicted))
                    preds.append(
                        pd.DataFrame(
                            {
                                "setup": setup,
                                "draw": draw,
                                "predictor": name,
                                "year": year,
                                "cve_ent": test["cve_ent"].to_numpy(),
                                "observed": test["carrier"].to_numpy(),
                                "predicted": predicted,
                            }
                        )
                    )
                metrics.append(
                    {
                        "setup": setup,
                        "predictor": name,
                        "year": int(year),
                        "n_states": len(test),
                        "draws": len(scores),
                        **pd.DataFrame(scores).mean().to_dict(),
                    }
                )
    return pd.DataFrame(metrics), pd.concat(preds, ignore_index=True)


def summarise(folds: pd.DataFrame) -> pd.DataFrame:
    """Mean of each metric per set-up and predictor: indexed by predictor, with a ``setup``
    column; set-ups in :data:`SETUPS` order, best Poisson deviance first within each."""
    summary = folds.groupby(["setup", "predictor"])[METRICS].mean().reset_index()
    rank = summary["setup"].map({setup: i for i, setup in enumerate(SETUPS)})
    summary = summary.assign(rank=rank).sort_values(["rank", "poisson_deviance"]).drop(columns="rank")
    return summary.set_index("predictor")


def backtest(
    panel: pd.DataFrame,
    predictors: Mapping[str, Callable[[], BaseEstimator]],
    *,
    first_test_year: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the rolling-origin backtest in both set-ups.

    Returns
    -------
    folds
        One row per set-up, predictor and test year with the metrics.
    summary
        Mean of each metric per set-up and predictor (see :func:`summarise`).
    """
    folds, _ = run_folds(panel, predictors, first_test_year)
    return folds, summarise(folds)


def backtest_predictions(
    panel: pd.DataFrame,
    predictors: Mapping[str, Callable[[], BaseEstimator]],
    *,
    first_test_year: int | None = None,
) -> pd.DataFrame:
    """Out-of-fold predictions of every predictor (for plots and calibration)."""
    return run_folds(panel, predictors, first_test_year)[1]


def choose_default(
    summary: pd.DataFrame,
    *,
    setup: str = PARTIAL_YEAR,
    baselines: Sequence[str] = tuple(BASELINES),
    tolerance: float = SPEARMAN_TOLERANCE,
) -> dict[str, object]:
    """The default predictor: the winner of the partial-year backtest that does not lose on ranking.

    Rule, on the mean metrics of ``setup`` (the partial-year lag by default, the set-up of the
    real forecast):

    1. The *best baseline* is the baseline (``baselines``) with the lowest mean Poisson deviance.
    2. A predictor *loses on ranking* when its mean Spearman rank correlation is lower than the
       best baseline's by more than ``tolerance`` (0.005); such predictors are not eligible.
       The best baseline itself is always eligible.
    3. The default is the eligible predictor with the lowest mean Poisson deviance; the
       runner-up is the next eligible one, and the margin is the runner-up's deviance minus the
       default's.

    Returns a dict with ``default``, ``runner_up``, ``deviance_margin``, ``best_baseline``,
    ``spearman_floor``, ``eligible`` and ``excluded`` (predictor names).
    """
    part = summary[summary["setup"] == setup] if "setup" in summary else summary
    base = part.loc[[name for name in part.index if name in set(baselines)]]
    if base.empty:
        msg = f"no baseline among the predictors {list(part.index)}"
        raise ValueError(msg)
    best_base = str(base["poisson_deviance"].idxmin())
    floor = float(part.loc[best_base, "spearman"]) - tolerance
    keep = (part["spearman"] >= floor) | (part.index == best_base)
    eligible = part[keep].sort_values("poisson_deviance")
    default = str(eligible.index[0])
    runner_up = str(eligible.index[1]) if len(eligible) > 1 else None
    margin = (
        float(eligible["poisson_deviance"].iloc[1] - eligible["poisson_deviance"].iloc[0])
        if runner_up is not None
        else None
    )
    return {
        "setup": setup,
        "default": default,
        "runner_up": runner_up,
        "deviance_margin": margin,
        "best_baseline": best_base,
        "spearman_floor": floor,
        "eligible": [str(n) for n in eligible.index],
        "excluded": [str(n) for n in part.index[~keep]],
    }


def feature_ablation(panel: pd.DataFrame) -> pd.DataFrame:
    """LightGBM in both set-ups with the model's features, with each group of related
    indicators (:data:`~cargorisk.risk.features.RELATED_GROUPS`) added, and with each group
    left out: the evidence for which related indicators the model keeps."""
    variants = {"model features": list(FEATURES)}
    for group, columns in RELATED_GROUPS.items():
        if set(columns) <= set(FEATURES):
            variants[f"without {group}"] = [f for f in FEATURES if f not in columns]
        else:
            variants[f"with {group}"] = [*FEATURES, *columns]
    predictors = {name: (lambda f=chosen: TheftRiskModel(features=f)) for name, chosen in variants.items()}
    folds, _ = run_folds(panel, predictors, None)
    return summarise(folds)
