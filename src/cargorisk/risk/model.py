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
from sklearn.base import BaseEstimator, RegressorMixin

from cargorisk._io import atomic_path, sha256_file, write_bytes_atomic
from cargorisk.errors import ModelFileError

OFFSET_FLOOR = 0.5


class TheftRiskModel(RegressorMixin, BaseEstimator):
    """Gradient-boosted count model of carrier robberies.

    Parameters
    ----------
    features
        Columns of X used by the trees (default: all columns but the offset).
    offset
        Column of X whose log is the starting prediction (``None``: no offset).
    n_estimators, learning_rate, num_leaves, min_child_samples, reg_lambda
        LightGBM hyperparameters (small trees: the panel has a few hundred rows).
    objective
        ``"poisson"`` or ``"tweedie"``.
    random_state
        Seed; training is deterministic for a given seed.
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

    def _base(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        if self.offset is None:
            return np.zeros(len(X))
        return np.log(np.maximum(X[self.offset].to_numpy(dtype=float), OFFSET_FLOOR))

    def fit(self, X: pd.DataFrame, y: pd.Series) -> TheftRiskModel:  # noqa: N803
        """Fit on feature frame X and yearly counts y."""
        self.feature_names_in_ = np.array(self.features or [c for c in X.columns if c != self.offset])
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
        booster.fit(X[self.feature_names_in_], np.asarray(y, dtype=float), init_score=self._base(X))
        self.booster_ = booster.booster_
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """Expected yearly counts."""
        raw = self.booster_.predict(X[self.feature_names_in_], raw_score=True)
        return np.exp(raw + self._base(X))

    def explain(self, X: pd.DataFrame) -> pd.DataFrame:  # noqa: N803
        """Per-row contributions on the log scale: one column per feature, plus the offset
        (``last_year``) and the booster's bias; they sum to log(prediction)."""
        contrib = self.booster_.predict(X[self.feature_names_in_], pred_contrib=True)
        out = pd.DataFrame(contrib[:, :-1], columns=self.feature_names_in_, index=X.index)
        out["bias"] = contrib[:, -1]
        out["last_year"] = self._base(X)
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
    with atomic_path(model_path) as tmp:
        model.booster_.save_model(str(tmp))
    full = {
        **card,
        "model_file": model_path.name,
        "model_sha256": sha256_file(model_path),
        "params": model.get_params(),
        "features": list(model.feature_names_in_),
        "library_versions": library_versions(),
    }
    write_bytes_atomic(card_path, (json.dumps(full, indent=2, default=str) + "\n").encode())
    return card_path


def read_card(path: Path) -> dict:
    """Read and check a model card; raise ModelFileError when missing or unreadable."""
    card_path = path.with_suffix(".card.json")
    if not card_path.exists():
        msg = f"model card {card_path} is missing; run `cargorisk train`"
        raise ModelFileError(msg)
    try:
        card = json.loads(card_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        msg = f"model card {card_path} is corrupt; run `cargorisk train` again"
        raise ModelFileError(msg) from None
    missing = {"model_file", "model_sha256", "features", "params"} - set(card)
    if missing:
        msg = f"model card {card_path} lacks {sorted(missing)}; run `cargorisk train` again"
        raise ModelFileError(msg)
    return card


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
    model.booster_, model.feature_names_in_ = booster, np.array(card["features"])
    model.n_features_in_ = len(card["features"])
    return model, card
