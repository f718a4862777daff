"""The border wait model file (``border_waits.json``): its schema, checked value by value when it
is loaded, so an edited or damaged file is one ``ModelFileError`` naming the bad value, never a
traceback, a "nan min" wait or a 0-minute one (the hostile-input audit, issue 18)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from cargorisk.errors import ModelFileError, first_invalid

Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]  # an int or float, never a bool or text
Minutes = Annotated[float, Strict(), Field(allow_inf_nan=False, ge=0)]
Positive = Annotated[float, Strict(), Field(allow_inf_nan=False, gt=0)]
Weekday = Annotated[int, Strict(), Field(ge=0, le=6)]
Hour = Annotated[int, Strict(), Field(ge=0, le=23)]
HourKey = Annotated[int, Field(ge=0, le=23)]  # a JSON object key: text such as "4"
Month = Annotated[int, Strict(), Field(ge=1, le=12)]


def no_reading_or_minutes(value: float) -> float:
    """A cell's mean wait: minutes from 0, or NaN where the crossing was closed."""
    if not (math.isnan(value) or 0 <= value < math.inf):
        msg = "a wait must be 0 minutes or more (NaN only where closed)"
        raise ValueError(msg)
    return value


class Observed(BaseModel):
    """One observed crossing's cells, column by column."""

    model_config = ConfigDict(extra="forbid")
    month: list[Month]
    weekday: list[Weekday]
    hour: list[Hour]
    wait_min: list[Annotated[float, Strict(), AfterValidator(no_reading_or_minutes)]]
    is_open: list[Annotated[bool, Strict()]]

    @model_validator(mode="after")
    def aligned(self) -> Observed:
        """Columns of one length; an open cell has a wait."""
        columns = (self.month, self.weekday, self.hour, self.wait_min, self.is_open)
        if len({len(c) for c in columns}) != 1:
            msg = "columns of different lengths"
            raise ValueError(msg)
        if any(o and math.isnan(w) for o, w in zip(self.is_open, self.wait_min, strict=True)):
            msg = "an open hour without a wait"
            raise ValueError(msg)
        return self


DayMinute = Annotated[int, Strict(), Field(ge=0, le=24 * 60)]
Text = Annotated[str, Strict()]
DAY_KINDS = ("weekday", "saturday", "sunday")


class SpanDoc(BaseModel):
    """One day's hours of a crossing and direction (:class:`~cargorisk.border.hours.Span`)."""

    model_config = ConfigDict(extra="forbid")
    open: list[tuple[DayMinute, DayMinute]]
    source: Text
    assumed: Annotated[bool, Strict()]
    url: Text

    @model_validator(mode="after")
    def ordered(self) -> SpanDoc:
        """Each interval opens before it closes."""
        if any(a >= b for a, b in self.open):
            msg = "an interval that closes before it opens"
            raise ValueError(msg)
        return self


def every_day_kind(spans: dict[str, SpanDoc]) -> dict[str, SpanDoc]:
    """A direction's hours name weekday, Saturday and Sunday."""
    missing = [k for k in DAY_KINDS if k not in spans]
    if missing:
        msg = f"hours without {', '.join(missing)}"
        raise ValueError(msg)
    return spans


def time_zone(name: str) -> str:
    """An IANA time zone name ('America/Chicago')."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        msg = "not an IANA time zone"
        raise ValueError(msg) from None
    return name


Direction = Literal["northbound", "southbound", "mx_export"]
Crossings = Annotated[list[Text], Field(min_length=1)]


class CrossingsDoc(BaseModel):
    """The crossing table the model was fitted on (what the ``border`` commands show)."""

    model_config = ConfigDict(extra="forbid")
    crossing: Crossings
    port_code: list[Annotated[str, Strict(), Field(pattern=r"^\d{4}$")]]
    port_name: list[Text]
    time_zone: list[Annotated[str, Strict(), AfterValidator(time_zone)]]
    trucks_12m: list[Minutes]
    trucks_per_day: list[Minutes]
    growth_12m: list[Annotated[float, Strict()]]  # NaN where there is no year before
    volume_source: list[Text]
    mx_name: list[Text | None]
    us_name: list[Text | None]

    @model_validator(mode="after")
    def aligned(self) -> CrossingsDoc:
        """Columns of one length."""
        if len({len(v) for v in self.__dict__.values()}) != 1:
            msg = "columns of different lengths"
            raise ValueError(msg)
        return self


class WaitModelFile(BaseModel):
    """What :func:`~cargorisk.border.waits.save_wait_model` writes."""

    model_config = ConfigDict(extra="forbid")
    elasticity: Number
    carry_over_h: Minutes  # hours, from 0
    levels: dict[str, Minutes]
    volumes: dict[str, Minutes]  # trucks a year: from 0
    reference: dict[str, tuple[Positive, Minutes]]  # (level, trucks): the level is logged
    seasons: dict[str, Annotated[list[Positive], Field(min_length=12, max_length=12)]]
    shape: list[tuple[Weekday, Hour, Minutes]]
    own_shape: dict[str, list[tuple[Weekday, Hour, Minutes]]]
    hour_shape: dict[HourKey, Minutes]
    hours: dict[str, dict[Direction, Annotated[dict[str, SpanDoc], AfterValidator(every_day_kind)]]]
    uncertain: list[Text]
    observed: dict[str, Observed]
    crossings: CrossingsDoc
    card: dict

    @model_validator(mode="after")
    def referenced(self) -> WaitModelFile:
        """The model scales from at least one observed crossing."""
        if not self.reference:
            msg = "no reference crossing"
            raise ValueError(msg)
        return self


def read_wait_doc(doc: object, path: Path) -> WaitModelFile:
    """The checked document; ModelFileError naming the first bad value and where it is."""
    try:
        return WaitModelFile.model_validate(doc)
    except ValidationError as exc:
        msg = f"border wait model {path} has invalid {first_invalid(exc)}; run `cargorisk train`"
        raise ModelFileError(msg) from None
