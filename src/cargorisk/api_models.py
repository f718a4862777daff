"""Pydantic models of the HTTP API's answers (:mod:`cargorisk.service`), for the OpenAPI
document that TMS and planning tools generate their clients from (Java, C#, TypeScript).

The endpoints answer with the plan's own dicts (:meth:`~cargorisk.routing.plan.RoutePlan.to_dict`)
without re-validating them on every request; a test validates real answers against these
models, so the document and the answers cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """A model that refuses fields it does not declare (so a test catches any drift)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StopOut(Strict):
    """A break, rest or driver change the driver must make."""

    kind: str = Field(description="break, rest or driver change")
    hours: float
    driving_h: float = Field(description="driving hours from the start of the route where it falls")
    starts: str | None = Field(description="clock time (ISO 8601) when the departure is known")
    road: str
    place: str
    rule: str = Field(description="the hours-of-service rule that requires it")


class RiskyStretchOut(Strict):
    """One of the route's riskiest stretches and what drives its risk."""

    from_: str = Field(alias="from")
    to: str
    ref: str
    state: str
    theft_prob: float
    drivers: list[str]


class SegmentOut(Strict):
    """A run of the route on one road in one state."""

    from_: str = Field(alias="from")
    to: str
    ref: str
    state: str
    km: float
    hours: float
    theft_prob: float
    risk_share: float
    first: int
    last: int


class RouteOut(Strict):
    """One route of a plan (the fields of ``cargorisk route --json``)."""

    label: str = Field(description="recommended, fastest, safest or alternative N")
    km: float
    driving_h: float
    break_h: float
    rest_h: float
    wait_min: float
    wait_p90_min: float
    closed_min: float
    crossing_opens: str | None
    wait_source: str | None
    total_h: float
    port_code: str | None
    crossing: str | None
    direction: str | None
    low_traffic_port: bool
    team: bool
    depart: str | None
    port_arrival: str | None
    arrival: str | None
    theft_prob: float = Field(description="probability that a loaded trip on this route is robbed")
    theft_prob_90: list[float] | None = Field(description="its 90% credible interval")
    one_in_trips: int | None = Field(description="about 1 in this many trips")
    expected_loss_usd: float
    expected_loss_usd_90: list[float] | None
    time_cost_usd: float
    operating_cost_usd: float
    toll_usd: float
    cost_usd: float = Field(description="generalized cost: time, rest, distance, tolls, expected loss")
    vs_fastest: str
    stops: list[StopOut]
    nodes: list[str]
    riskiest: list[RiskyStretchOut]
    segments: list[SegmentOut]
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON LineString (EPSG:4326)")


class AdviceOut(Strict):
    """Departure advice: a later departure that arrives earlier or costs less."""

    depart: str
    arrival: str | None
    crossing: str | None
    arrive_earlier_h: float
    saving_usd: float
    reason: str
    advice: str


class ParetoPointOut(Strict):
    """A point of the time / theft-risk front."""

    total_h: float
    theft_prob: float
    crossing: str | None


class PlanOut(Strict):
    """The answer to ``POST /v1/route``."""

    origin: str
    destination: str
    depart: str | None
    depart_zone: str | None = Field(description="IANA zone of the departure, e.g. America/Monterrey")
    cargo_value_usd: float
    cargo_type: str
    theft_multiplier: float
    objective: str
    max_time_ratio: float
    recommended: RouteOut
    fastest: RouteOut
    safest: RouteOut
    alternatives: list[RouteOut]
    advice: AdviceOut | None
    notes: list[str]
    pareto: list[ParetoPointOut]


class ErrorOut(Strict):
    """Every error: the CLI's one-line message."""

    error: str = Field(examples=["PlaceNotFound: 'Monterey' is not a known place; did you mean 'Monterrey'?"])


class PlaceOut(Strict):
    """An autocomplete suggestion."""

    label: str
    name: str
    state: str
    country: str


class PortOut(Strict):
    """A commercial crossing."""

    port_code: str
    port_name: str
    crossing: str
    time_zone: str
    trucks_per_day: float


class WaitOut(Strict):
    """Expected commercial wait at a crossing for an arrival time."""

    port_code: str
    crossing: str
    local_time: str
    open: bool
    mean_min: float | None
    p50_min: float | None
    p90_min: float | None
    source: str
    hours: str  # the crossing's hours that day ('07:00-24:00', '24 h', 'closed')
    hours_source: str
    hours_assumed: bool
    uncertain: bool  # the model did not beat naive forecasts where it was evaluated
    backlog_min: float  # part of the wait from the queue built while the crossing was closed
    fast_min: float | None  # FAST-lane wait, from a live feed only


class CargoTypeOut(Strict):
    """A cargo type and its theft multiplier."""

    cargo_type: str
    label: str
    theft_pct: float | None = None
    assumed_trips_pct: float | None = None
    multiplier: float


class HealthOut(Strict):
    """``GET /healthz``."""

    status: str
    version: str
    network: dict[str, int]
    theft_model: dict[str, str]
    data_checksums: dict[str, dict[str, str]]


ERRORS = {status: {"model": ErrorOut} for status in (400, 404, 409, 413, 422)}
