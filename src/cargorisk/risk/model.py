"""TheftRiskModel: LightGBM with a Poisson objective on top of last year's count.

The booster learns a multiplicative correction to an offset (log of last year's count), so a
tree model can serve states whose counts differ a thousandfold. Artifacts are a LightGBM text
model plus a model card JSON; loading checks the card and the file's checksum.
"""

from __future__ import annotations

import json
import platform
import warnings
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import sklearn
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import d2_tweedie_score
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data

from cargorisk._io import atomic_path, sha256_file, write_bytes_atomic
from cargorisk.errors import ELSEWHERE_MODELS, ModelFileError
from cargorisk.risk.card import check_card

OFFSET_FLOOR = 0.5


class TheftRiskModel(RegressorMixin, BaseEstimator):
    """Gradient-boosted count model of carrier robberies (a scikit-learn regressor).

    ``predict`` returns expected yearly counts: ``exp(offset + trees)``, where the offset is
    the log of last year's count (floored at 0.5) and the trees learn a multiplicative
    correction with a Poisson objective.

    X may be a DataFrame or an array (or anything ``numpy.asarray`` accepts; not sparse).

    - DataFrame with ``features`` given: those columns are selected by name, so X may be a wide
      panel with many other columns (as in training: ``features=FEATURES``).
    - DataFrame with ``features=None``: every column but the offset column is a feature; names
      and order are checked at predict time as in scikit-learn.
    - Array: columns are positional (the ``n_features_in_`` features, in fit order);
      ``features`` must then be ``None`` at fit.

    The offset applies only when X is a DataFrame that has the ``offset`` column at fit time
    (recorded in ``offset_``); such a model then needs that column at predict time too. Fitted
    on an array, or on a frame without the column, the model has no offset (``offset_`` is
    ``None``): the trees start from the mean of y and it predicts ``exp(trees)``.

    y are counts: non-negative numbers (a negative y raises ``ValueError``). Missing values
    (NaN) in the features are allowed (LightGBM routes them); infinities are not.

    ``score(X, y)`` is a Poisson measure, not R²: D², the share of the Poisson deviance of the
    constant mean prediction that the model explains (``d2_tweedie_score(..., power=1)``).

    Parameters
    ----------
    features
        DataFrame columns used by the trees (default: all columns but the offset).
    offset
        DataFrame column whose log is the starting prediction (``None``: no offset).
    n_estimators, learning_rate, num_leaves, min_child_samples, reg_lambda
        LightGBM hyperparameters (small trees: the panel has a few hundred rows).
    objective
        ``"poisson"`` or ``"tweedie"``.
    random_state
        Seed; training is deterministic for a given seed.

    Attributes
    ----------
    booster_
        The fitted ``lightgbm.Booster``.
    n_features_in_
        Number of features the trees use.
    feature_names_in_
        Their names (only when fitted on a DataFrame with string column names).
    offset_
        The offset column used at fit (``None``: no offset).
    """

    def __init__(  # noqa: PLR0913  (scikit-learn: every hyperparameter is an __init__ argument)
        self,
        features: list[str] | None = None,
        *,
        offset: str | None = "lag1",
        n_estimators: int = 50,
        learning_rate: float = 0.05,
        num_leaves: int = 4,
        min_child_samples: int = 20,
        reg_lambda: float = 0.0,
        objective: str = "poisson",
        random_state: int = 0,
    ) -> None:
        self.features = features
        self.offset = offset
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.objective = objective
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        """Counts as targets (non-negative y); NaN in X is allowed."""
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        tags.input_tags.allow_nan = True
        return tags

    def _feature_frame(self, X: pd.DataFrame, names: list | None) -> pd.DataFrame:  # noqa: N803
        """The feature columns of a DataFrame X: ``names`` selected by name, else all but the offset."""
        if names is None:
            return X.drop(columns=[self.offset]) if self.offset in X.columns else X
        missing = [c for c in names if c not in X.columns]
        if missing:
            msg = f"X lacks the feature columns {missing}"
            raise ValueError(msg)
        return X[list(names)]

    def _log_offset(self, X: ArrayLike, offset: str) -> np.ndarray:  # noqa: N803
        """Log of the offset column of X (floored at 0.5); ValueError when X does not have it."""
        if not isinstance(X, pd.DataFrame) or offset not in X.columns:
            msg = (
                f"{type(self).__name__} was fitted with the offset column {offset!r}: "
                "pass X as a DataFrame that has it"
            )
            raise ValueError(msg)
        return np.log(np.maximum(X[offset].to_numpy(dtype=float), OFFSET_FLOOR))

    def _validate(self, X: ArrayLike) -> tuple[np.ndarray, np.ndarray]:  # noqa: N803
        """Check a fitted model's input; return the feature matrix and the log offset."""
        check_is_fitted(self)
        frame = X
        if isinstance(X, pd.DataFrame):
            frame = self._feature_frame(X, None if self.features is None else list(self.features))
        offset = getattr(self, "offset_", self.offset)
        base = None if offset is None else self._log_offset(X, offset)  # before the X checks
        matrix = validate_data(self, frame, reset=False, dtype=np.float64, ensure_all_finite="allow-nan")
        return matrix, np.zeros(matrix.shape[0]) if base is None else base

    def _fit_inputs(self, X: ArrayLike) -> tuple[ArrayLike, str | None, np.ndarray | None]:  # noqa: N803
        """The features of X for fit, the offset column it provides (or None) and its log."""
        if not isinstance(X, pd.DataFrame):
            if self.features is not None:
                msg = "features names DataFrame columns; with an array X leave features=None"
                raise ValueError(msg)
            return X, None, None
        frame = self._feature_frame(X, None if self.features is None else list(self.features))
        if self.offset is None or self.offset not in X.columns:
            return frame, None, None
        counts = X[self.offset].to_numpy(dtype=float)
        if not np.isfinite(counts).all() or (counts < 0).any():
            msg = f"the offset column {self.offset!r} must hold last year's counts: finite and non-negative"
            raise ValueError(msg)
        return frame, self.offset, self._log_offset(X, self.offset)

    def fit(self, X: ArrayLike, y: ArrayLike) -> TheftRiskModel:  # noqa: N803
        """Fit on features X and yearly counts y (non-negative).

        Raises
        ------
        ValueError
            Negative or non-finite y, invalid X, ``features`` with an array X, a missing
            feature column, or a negative or missing offset.
        """
        frame, offset, init_score = self._fit_inputs(X)
        matrix, target = validate_data(
            self, frame, y, dtype=np.float64, ensure_all_finite="allow-nan", y_numeric=True
        )
        if (target < 0).any():
            msg = "y must be non-negative counts (yearly robberies); got negative values"
            raise ValueError(msg)
        names = getattr(self, "feature_names_in_", None)
        booster = lgb.LGBMRegressor(
            objective=self.objective,
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            reg_lambda=self.reg_lambda,
            random_state=self.random_state,
            deterministic=True,
            force_col_wise=True,
            n_jobs=1,
            verbose=-1,
        )
        booster.fit(
            matrix,
            target,
            init_score=init_score,  # None (no offset): LightGBM starts from the mean of y
            feature_name="auto" if names is None else [str(n) for n in names],
        )
        self.booster_ = booster.booster_
        self.offset_ = offset
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:  # noqa: N803
        """Expected yearly counts (NaN where the offset is missing)."""
        matrix, base = self._validate(X)
        return np.exp(self.booster_.predict(matrix, raw_score=True) + base)

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:  # noqa: N803
        """D² of the Poisson deviance: the share of the deviance of a constant (mean) prediction
        that the model explains, ``sklearn.metrics.d2_tweedie_score(y, predict(X), power=1)``.

        1 is perfect, 0 is no better than predicting the mean of y, and it can be negative.
        """
        return float(d2_tweedie_score(y, self.predict(X), sample_weight=sample_weight, power=1))

    def explain(self, X: ArrayLike) -> pd.DataFrame:  # noqa: N803
        """Per-row contributions on the log scale: one column per feature, plus the offset
        (``last_year``) and the booster's bias; they sum to log(prediction).

        Feature columns are named by ``feature_names_in_`` (``x0``, ``x1``, ... for a model fitted
        on an array); the index is X's for a DataFrame.
        """
        matrix, base = self._validate(X)
        contrib = self.booster_.predict(matrix, pred_contrib=True)
        names = getattr(self, "feature_names_in_", None)
        columns = list(names) if names is not None else [f"x{i}" for i in range(self.n_features_in_)]
        index = X.index if isinstance(X, pd.DataFrame) else None
        out = pd.DataFrame(contrib[:, :-1], columns=columns, index=index)
        out["bias"] = contrib[:, -1]
        out["last_year"] = base
        return out


def library_versions() -> dict[str, str]:
    """Versions recorded in (and checked against) every model card."""
    return {
        "python": platform.python_version(),
        "lightgbm": lgb.__version__,
        "scikit-learn": sklearn.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


def save_model(model: TheftRiskModel, path: Path, card: dict) -> Path:
    """Write ``<path>.txt`` (LightGBM) and ``<path>.card.json`` atomically; return the card path."""
    model_path, card_path = path.with_suffix(".txt"), path.with_suffix(".card.json")
    check_is_fitted(model)
    if not hasattr(model, "feature_names_in_"):
        msg = "save_model needs a model fitted on a DataFrame: the card records its feature names"
        raise ValueError(msg)
    with atomic_path(model_path) as tmp:
        model.booster_.save_model(str(tmp))
    full = {
        **card,
        "model_file": model_path.name,
        "model_sha256": sha256_file(model_path),
        "params": model.get_params(),
        "features": list(model.feature_names_in_),
        "offset_column": getattr(model, "offset_", model.offset),
        "library_versions": library_versions(),
    }
    write_bytes_atomic(card_path, (json.dumps(full, indent=2, default=str) + "\n").encode())
    return card_path


def read_card(path: Path) -> dict:
    """Read and check a model card; raise ModelFileError when missing or unreadable."""
    card_path = path.with_suffix(".card.json")
    if not card_path.exists():
        msg = f"model card {card_path} is missing; run `cargorisk train`{ELSEWHERE_MODELS}"
        raise ModelFileError(msg)
    try:
        card = json.loads(card_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        msg = f"model card {card_path} is corrupt; run `cargorisk train` again"
        raise ModelFileError(msg) from None
    if not isinstance(card, dict):
        msg = f"model card {card_path} is not a model card (a JSON object); run `cargorisk train` again"
        raise ModelFileError(msg)
    missing = {"model_file", "model_sha256", "features", "params"} - set(card)
    if missing:
        msg = f"model card {card_path} lacks {sorted(missing)}; run `cargorisk train` again"
        raise ModelFileError(msg)
    return check_card(card, card_path)


def load_model(path: Path, *, expected_features: list[str] | None = None) -> tuple[TheftRiskModel, dict]:
    """Load a model saved by :func:`save_model`, checking checksum, features and versions.

    Raises
    ------
    ModelFileError
        Missing, truncated, corrupt or edited model file; card/feature mismatch.
    """
    card = read_card(path)
    model_path = path.with_suffix(".txt")
    if not model_path.exists() or sha256_file(model_path) != card["model_sha256"]:
        msg = (
            f"model file {model_path} is missing or does not match its card (damaged?); run `cargorisk train`"
        )
        raise ModelFileError(msg)
    if expected_features is not None and card["features"] != expected_features:
        msg = (
            f"model {model_path} was trained on other features than this version uses; run `cargorisk train`"
        )
        raise ModelFileError(msg)
    if card.get("library_versions", {}).get("lightgbm") != lgb.__version__:
        warnings.warn(
            f"model {model_path} was trained with lightgbm {card['library_versions'].get('lightgbm')}, "
            f"this is {lgb.__version__}",
            stacklevel=2,
        )
    try:
        booster = lgb.Booster(model_file=str(model_path))
    except lgb.basic.LightGBMError as exc:
        msg = f"model file {model_path} cannot be read ({str(exc)[:100]}); run `cargorisk train`"
        raise ModelFileError(msg) from None
    model = TheftRiskModel(**card["params"])
    model.booster_, model.feature_names_in_ = booster, np.array(card["features"], dtype=object)
    model.n_features_in_ = len(card["features"])
    model.offset_ = card.get("offset_column", model.offset)  # cards before offset_column: the param
    return model, card
