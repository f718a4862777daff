"""The theft model card (``theft_risk.card.json``): the schema of every field the code reads,
checked when the card is loaded, so an edited or damaged card is one ``ModelFileError`` naming
the bad value instead of a traceback deep in prediction (the hostile-input audit, issue 18).
Descriptive fields (the target, the backtest tables, the data checksums) pass as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from cargorisk.errors import ModelFileError, first_invalid

Count = Annotated[int, Strict(), Field(ge=1)]
Positive = Annotated[float, Strict(), Field(allow_inf_nan=False, gt=0)]
Feature = Annotated[str, Strict(), Field(min_length=1)]


class Params(BaseModel):
    """The estimator's hyperparameters (:class:`~cargorisk.risk.model.TheftRiskModel`)."""

    model_config = ConfigDict(extra="forbid")
    features: Annotated[list[Feature], Field(min_length=1)]
    offset: Annotated[str, Strict()] | None = "lag1"
    n_estimators: Count = 50
    learning_rate: Positive = 0.05
    num_leaves: Annotated[int, Strict(), Field(ge=2)] = 4
    min_child_samples: Count = 20
    reg_lambda: Annotated[float, Strict(), Field(allow_inf_nan=False, ge=0)] = 0.0
    objective: Annotated[str, Strict()] = "poisson"
    random_state: Annotated[int, Strict()] = 0


class Network(BaseModel):
    """The road graph the model was trained on."""

    name: Annotated[str, Strict()] = ""


class Interval(BaseModel):
    """The forecast interval's negative-binomial dispersion."""

    dispersion_k: Positive


class TheftCard(BaseModel):
    """The fields the code reads; the rest of the card is documentation."""

    model_config = ConfigDict(extra="allow")
    model_file: Annotated[str, Strict()]
    model_sha256: Annotated[str, Strict(), Field(pattern=r"^[0-9a-f]{64}$")]
    features: Annotated[list[Feature], Field(min_length=1)]
    params: Params
    default_predictor: Annotated[str, Strict()] = "lightgbm"
    offset_column: Annotated[str, Strict()] | None = None
    training_window: tuple[Annotated[int, Strict()], Annotated[int, Strict()]] | None = None
    network: Network = Network()
    interval: Interval | None = None
    library_versions: dict[str, Annotated[str, Strict()]] = {}

    @model_validator(mode="after")
    def same_features(self) -> TheftCard:
        """The estimator's features are the card's."""
        if self.params.features != self.features:
            msg = "params.features differ from features"
            raise ValueError(msg)
        return self


def check_card(card: object, path: Path) -> dict:
    """``card`` when every field the code reads is valid; else ModelFileError naming the first
    bad value and where it is."""
    try:
        TheftCard.model_validate(card)
    except ValidationError as exc:
        msg = f"model card {path} has invalid {first_invalid(exc)}; run `cargorisk train` again"
        raise ModelFileError(msg) from None
    return card  # type: ignore[return-value]
