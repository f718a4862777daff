"""The theft model card (``theft_risk.card.json``): the schema of every field the code reads,
checked when the card is loaded, so an edited or damaged card is one ``ModelFileError`` naming
the bad value instead of a traceback deep in prediction (the hostile-input audit, issue 18).
Descriptive fields (the target, the backtest tables, the data checksums) pass as they are."""

from __future__ import annotations

import json
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
        """The estimator's features and offset column are the card's."""
        if self.params.features != self.features:
            msg = "params.features differ from features"
            raise ValueError(msg)
        if self.offset_column is not None and self.offset_column != self.params.offset:
            msg = f"offset_column {self.offset_column!r} differs from params.offset {self.params.offset!r}"
            raise ValueError(msg)
        return self


def check_card(card: object, path: Path) -> dict:
    """``card`` when every field the code reads is valid; else ModelFileError naming the first
    bad value and where it is."""
    return check_model_file(TheftCard, card, path, what="model card")


# ---- the models below the state forecast (theft_spread.json, theft_reporting.json, theft_exposure.json) ----

Finite = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(allow_inf_nan=False, ge=0)]
Share = Annotated[float, Field(allow_inf_nan=False, ge=0, le=1)]


class SpreadParameters(BaseModel):
    """The fitted municipal spread (:mod:`cargorisk.risk.spread`)."""

    features: Annotated[list[Feature], Field(min_length=1)]
    beta: dict[str, Finite]
    alpha: Annotated[float, Field(allow_inf_nan=False, gt=0)]
    theta: dict[str, NonNegative]
    state_counts: dict[str, NonNegative]
    neighbours: bool
    decay: Annotated[float, Field(allow_inf_nan=False, gt=0, le=1)]
    ridge: NonNegative
    years: tuple[int, int]


class TrafficSpec(BaseModel):
    """The traffic model's inputs (:mod:`cargorisk.risk.traffic`)."""

    decay_h: Annotated[float, Field(allow_inf_nan=False, gt=0)]
    floor_quantile: Annotated[float, Field(allow_inf_nan=False, ge=0, lt=1)]
    zones: dict[str, list]
    ports: dict[str, list]


class SpreadFile(BaseModel):
    """``theft_spread.json``: the fields the code reads."""

    model_config = ConfigDict(extra="allow")
    model: SpreadParameters
    metros_m: Annotated[list[tuple[Finite, Finite]], Field(min_length=1)]
    traffic: TrafficSpec


class ReportingState(BaseModel):
    """One state's posterior in the reporting model."""

    u: Finite
    sd: Annotated[float, Field(allow_inf_nan=False, gt=0)]
    birge: Annotated[float, Field(allow_inf_nan=False, gt=0)]
    sources: Annotated[int, Field(ge=0)]


class ReportingParameters(BaseModel):
    """The fitted reporting model (:mod:`cargorisk.risk.reporting`)."""

    ridge: NonNegative
    signals: Annotated[list[Feature], Field(min_length=1)]
    beta: dict[str, Finite]
    sigma: Annotated[float, Field(allow_inf_nan=False, gt=0)]
    tau: Annotated[float, Field(allow_inf_nan=False, gt=0)]
    lists: dict[str, Finite]
    states: Annotated[dict[str, ReportingState], Field(min_length=1)]


class ReportingFile(BaseModel):
    """``theft_reporting.json``: the fields the code reads."""

    model_config = ConfigDict(extra="allow")
    model: ReportingParameters
    signals_table: dict[str, list]
    adjacency: dict[str, list[str]]


class CountryExposureCard(BaseModel):
    """One country's exposure parameters (:mod:`cargorisk.risk.exposure`)."""

    model_config = ConfigDict(extra="allow")
    hourly: Annotated[list[NonNegative], Field(min_length=24, max_length=24)]
    hourly_low: Annotated[list[NonNegative], Field(min_length=24, max_length=24)]
    hourly_high: Annotated[list[NonNegative], Field(min_length=24, max_length=24)]
    parked: Share
    parked_low: Share
    parked_high: Share
    secured_factor: NonNegative
    unsecured_factor: NonNegative


class ExposureParameters(BaseModel):
    """The fitted exposure model."""

    parked_per_driving_hour: Annotated[float, Field(allow_inf_nan=False, gt=0)]
    countries: dict[str, CountryExposureCard]


class ExposureFile(BaseModel):
    """``theft_exposure.json``: the fields the code reads."""

    model_config = ConfigDict(extra="allow")
    model: ExposureParameters


def check_model_file(schema: type[BaseModel], saved: object, path: Path, what: str = "model file") -> dict:
    """``saved`` when it matches ``schema``; else ModelFileError naming the first bad value."""
    try:
        schema.model_validate(saved)
    except ValidationError as exc:
        msg = f"{what} {path} has invalid {first_invalid(exc)}; run `cargorisk train` again"
        raise ModelFileError(msg) from None
    return saved  # type: ignore[return-value]


def read_model_json(path: Path, schema: type[BaseModel]) -> dict | None:
    """The JSON model file at ``path`` checked against ``schema``; ``None`` when it does not
    exist (not trained); ModelFileError when it is damaged or invalid."""
    if not path.exists():
        return None
    try:
        saved = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        msg = f"model file {path} is damaged; run `cargorisk train` again"
        raise ModelFileError(msg) from None
    return check_model_file(schema, saved, path)
