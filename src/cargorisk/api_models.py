"""Pydantic models of the HTTP API (:mod:`cargorisk.service`): the requests, checked strictly
(an unknown field is a 422 that names it), and the answers, for the OpenAPI document that TMS
and planning tools generate their clients from (Java, C#, TypeScript).

The endpoints answer with the plan's own dicts (:meth:`~cargorisk.routing.plan.RoutePlan.to_dict`)
without re-validating them on every request; a test validates real answers against these
models, so the document and the answers cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cargorisk.config import MAX_DEPARTURE_WINDOW_H

MAX_TEXT = 200  # characters in a place or port name
MAX_MATRIX = 100  # origins (and destinations) in one matrix request
# what the numbers of the requests count, as a 422 names them ('cargo_value -5 must be 0 to
# 10,000,000,000 (USD)')
UNITS = {
    "cargo_value": "USD",
    "max_theft_prob": "a probability",
    "max_time_ratio": "times the fastest route's hours",
    "depart_window_h": "hours after the departure",
    "alternatives": "routes",
    "limit": "places",
}


class Strict(BaseModel):
    """A model that refuses fields it does not declare (so a test catches any drift)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StopOut(Strict):
    """An interval the truck stands still: a break, rest, 34-hour restart or driver change the
    drivers must make, parked at a closed crossing, or in the border line."""

    kind: str = Field(description="break, rest, restart, driver change, closed (crossing) or line (border)")
    hours: float
    driving_h: float = Field(description="driving hours from the start of the route where it falls")
    start: str | None = Field(description="UTC start (ISO 8601) when the departure is known")
    end: str | None = Field(description="UTC end (ISO 8601) when the departure is known")
    start_h: float = Field(description="hours after departure when it starts")
    end_h: float = Field(description="hours after departure when it ends")
    starts: str | None = Field(description="local start (ISO 8601 with the offset of the place's zone)")
    clock: str = Field(description="local start as a dispatcher reads it, e.g. 'Mon 09:43 CST'")
    zone: str = Field(description="IANA time zone of the place")
    node: str = Field(description="graph node where it falls")
    road: str
    place: str
    country: str = Field(description="MX or US")
    rule: str = Field(description="the hours-of-service rule that requires it (empty at the border)")
    theft_prob: float = Field(description="probability of theft while parked there (0 in the border line)")


class ActivityOut(Strict):
    """One interval of the schedule, from departure to arrival."""

    kind: str = Field(
        description="drive, line, closed, break, rest, restart, driver change, yard (trailer handed "
        "to the next carrier), customs or inspection"
    )
    start: str | None = Field(description="UTC start (ISO 8601) when the departure is known")
    end: str | None = Field(description="UTC end (ISO 8601) when the departure is known")
    start_h: float = Field(description="hours after departure")
    end_h: float = Field(description="hours after departure")
    at_h: float = Field(description="driving hours from the start of the route where it begins")
    country: str = Field(description="MX or US")
    driver: int = Field(description="driver at the wheel (1, or 2 in a team) for drive and line, else 0")
    rule: str
    carrier: str = Field(
        description="carrier role: through carrier, or Mexican carrier, transfer carrier, US carrier"
    )


class LegOut(Strict):
    """One carrier's leg of a route (one leg when crossing through, three by transfer)."""

    carrier: str = Field(description="through carrier, Mexican carrier, transfer carrier or US carrier")
    start_h: float = Field(description="hours after departure")
    end_h: float = Field(description="hours after departure")
    hours: float
    driving_h: float = Field(
        description="hours at the wheel: driving and the border line, as hours of service count them"
    )
    line_h: float = Field(description="of driving_h, hours in the border line")


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
    country: str = Field(description="MX, US, or MX-US for the crossing")
    km: float
    hours: float
    theft_prob: float
    risk_share: float
    first: int
    last: int


class ClosingOut(Strict):
    """The crossing closes soon (within an hour) after the truck joins its line."""

    closes: str = Field(description="when the crossing closes (ISO 8601 with the crossing's offset)")
    margin_min: float = Field(description="minutes between the truck joining the line and the closing")
    reopens: str = Field(description="when it opens again: a later truck waits until then (ISO 8601)")


class RouteOut(Strict):
    """One route of a plan (the fields of ``cargorisk route --json``)."""

    label: str = Field(description="recommended, fastest, safest or alternative N")
    km: float
    driving_h: float
    break_h: float
    rest_h: float
    yard_customs_h: float = Field(
        description="a transfer crossing's hours in the yards, customs and inspection"
    )
    wait_min: float
    wait_p90_min: float
    closed_min: float
    crossing_opens: str | None
    crossing_closes: ClosingOut | None = Field(
        None, description="set when the crossing closes within an hour after the truck joins it"
    )
    wait_source: str | None
    total_h: float
    port_code: str | None
    crossing: str | None
    direction: str | None
    low_traffic_port: bool
    team: bool
    depart: str | None
    port_arrival: str | None = Field(
        description="UTC time the truck joins the crossing (parked until it opens or in line), after any stop"
    )
    port_arrival_local: str | None = Field(
        description="the same in the crossing's zone (ISO 8601 with offset)"
    )
    port_zone: str | None = Field(description="IANA time zone of the crossing")
    arrival: str | None = Field(description="UTC arrival time")
    eta_local: str | None = Field(description="the arrival in the destination's zone (ISO 8601 with offset)")
    eta_zone: str | None = Field(description="IANA time zone of the destination")
    theft_prob: float = Field(description="probability that a loaded trip on this route is robbed")
    theft_prob_90: list[float] | None = Field(description="its 90% credible interval")
    one_in_trips: int | None = Field(description="about 1 in this many trips")
    parked_theft_prob: float = Field(
        description="the part of theft_prob from the hours parked (stops, waiting for a closed crossing)"
    )
    expected_loss_usd: float
    parked_loss_usd: float = Field(description="the part of the expected loss from the hours parked")
    expected_loss_usd_90: list[float] | None
    time_cost_usd: float
    operating_cost_usd: float
    toll_usd: float
    fees_usd: float = Field(description="transfer and customs-broker fees (a transfer crossing)")
    fee_items_usd: dict[str, float]
    cost_usd: float = Field(description="generalized cost: time, rest, distance, tolls, expected loss, fees")
    crossing_mode: str = Field(description="through or transfer")
    yard_theft_prob: float = Field(description="theft probability in the transfer yards (in theft_prob)")
    legs: list[LegOut]
    vs_fastest: str
    stops: list[StopOut]
    schedule: list[ActivityOut]
    nodes: list[str]
    riskiest: list[RiskyStretchOut]
    segments: list[SegmentOut]
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON LineString (EPSG:4326)")


class AdviceOut(Strict):
    """Departure advice: a later departure that arrives earlier or costs less."""

    depart: str
    arrival: str | None = Field(description="UTC arrival time")
    eta_local: str | None = Field(description="the arrival in the destination's zone")
    crossing: str | None
    planned_crossing: str | None = Field(
        description="the plan's crossing when the advised departure crosses elsewhere, else null"
    )
    arrive_earlier_h: float
    saving_usd: float
    theft_change: float = Field(description="the advised route's theft probability over the plan's, less 1")
    reason: str
    advice: str


class ParetoPointOut(Strict):
    """A point of the time / theft-risk front."""

    total_h: float
    theft_prob: float
    crossing: str | None
    cost_usd: float
    km: float
    label: str = Field(description="the route's label when the plan shows it (recommended, ...), else empty")


class PlanOut(Strict):
    """The answer to ``POST /v1/route``."""

    origin: str
    destination: str
    depart: str | None
    depart_zone: str | None = Field(description="IANA zone of the departure, e.g. America/Monterrey")
    cargo_value_usd: float
    cargo_type: str
    theft_multiplier: float
    crossing_mode: str
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
    """Every error, whatever its status: the CLI's one-line message and a machine code."""

    error: str = Field(examples=["PlaceNotFound: 'Monterey' is not a known place; did you mean 'Monterrey'?"])
    code: str = Field(
        description="machine code: the error class in snake case (place_not_found, input_error, "
        "no_route_error, ...) or the HTTP condition (not_found, method_not_allowed, unknown_field, "
        "invalid_request, too_large, unsupported_media_type, unauthorized, forbidden, cross_site, cors, "
        "overloaded, deadline, internal)",
        examples=["place_not_found"],
    )


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


class AliveOut(Strict):
    """``GET /healthz``: the process answers (nothing is read to say so)."""

    status: str
    version: str


class HealthOut(Strict):
    """``GET /readyz``: the models this worker loaded, and their data checksums."""

    status: str
    version: str
    network: dict[str, int]
    theft_model: dict[str, str]
    data_checksums: dict[str, dict[str, str]]


ERRORS = {status: {"model": ErrorOut} for status in (400, 401, 404, 409, 413, 422, 503, 504)}


# ---- requests (every field declared: an unknown one is a 422 naming it) ----


class Request(BaseModel):
    """A request model that refuses fields it does not declare (``cargo_vaule`` is a 422, not
    a silent default)."""

    model_config = ConfigDict(extra="forbid")


Place = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class Trip(Request):
    """What a route and a matrix request share: departure, cargo, objective, team driving,
    crossing mode."""

    depart: str | None = Field(None, max_length=40, examples=["2026-03-02T06:00-06:00"])
    cargo_value: float | None = Field(None, ge=0, le=1e10, allow_inf_nan=False, examples=[250_000])
    cargo_type: str = Field("general", max_length=40, examples=["food_beverage"])
    objective: Literal["balanced", "fastest", "safest"] = "balanced"
    team: bool = False
    crossing_mode: str = Field(
        "through",
        max_length=40,
        description="through (one truck door to door) or transfer (yard, transfer carrier, yard)",
        examples=["transfer"],
    )

    @field_validator("cargo_value", mode="before")
    @classmethod
    def _no_boolean_money(cls, value: object) -> object:
        """``true`` is not an amount of USD (JSON booleans would otherwise read as 1)."""
        if isinstance(value, bool):
            msg = "a boolean is not an amount of USD"
            raise ValueError(msg)  # pydantic reports it as a 422
        return value

    @field_validator("objective", mode="before")
    @classmethod
    def _objective_any_case(cls, value: object) -> object:
        """'FASTEST' and ' safest' name the same objective (as on the CLI and in lane books)."""
        return value.strip().lower() if isinstance(value, str) else value


class RouteRequest(Trip):
    """A route request: the options of ``cargorisk route``."""

    origin: Place = Field(examples=["Monterrey, NL"])
    destination: Place = Field(examples=["Dallas, TX"])
    avoid_states: list[Annotated[str, Field(max_length=MAX_TEXT)]] = Field(
        default_factory=list, max_length=32
    )
    avoid_ports: list[Annotated[str, Field(max_length=MAX_TEXT)]] = Field(default_factory=list, max_length=30)
    via_port: str | None = Field(None, max_length=MAX_TEXT)
    max_theft_prob: float | None = Field(None, gt=0, le=1, allow_inf_nan=False)
    alternatives: int = Field(3, ge=0, le=5)
    max_time_ratio: float | None = Field(None, ge=1, le=5, allow_inf_nan=False)
    depart_window_h: float | None = Field(
        None,
        ge=0,
        le=MAX_DEPARTURE_WINDOW_H,
        allow_inf_nan=False,
        description="hours after the departure searched for a better one (0: no departure advice; "
        "default: the server's departure_window_h, 24)",
        examples=[12],
    )
    pareto: bool = Field(False, description="add the exact time / theft-risk front (slower on long lanes)")


class PngQuery(RouteRequest):
    """A static map request (``map.png``): the route request, the language of the legend and
    whether the browser should save it."""

    lang: Literal["en", "es"] = "en"
    download: bool = Field(False, description="answer as an attachment (route.png) a browser saves")


class MapQuery(PngQuery):
    """A map request (``map.html``): as :class:`PngQuery`, and whether to draw the summary box."""

    summary: bool = Field(True, description="the summary box (a page with its own table leaves it out)")


class PlacesQuery(Request):
    """An autocomplete request (``GET /v1/places``)."""

    q: str = Field(min_length=1, max_length=MAX_TEXT, examples=["Monterr"])
    limit: int = Field(8, ge=1, le=25)


class WaitsQuery(Request):
    """A border-wait request (``GET /v1/border/waits``)."""

    port: str = Field(min_length=1, max_length=MAX_TEXT, examples=["Laredo"])
    at: str = Field(min_length=1, max_length=40, examples=["2026-03-02T08:00-06:00"])


class MatrixRequest(Trip):
    """A matrix request: every origin to every destination (``cargorisk matrix``)."""

    origins: list[Place] = Field(
        min_length=1, max_length=MAX_MATRIX, examples=[["Monterrey, NL", "Saltillo"]]
    )
    destinations: list[Place] = Field(
        min_length=1, max_length=MAX_MATRIX, examples=[["Dallas, TX", "Laredo, TX"]]
    )


class MatrixOut(Strict):
    """The answer to ``POST /v1/matrix``: one row per origin, one column per destination;
    ``null`` where no route joins the pair (or both name one place)."""

    origins: list[str]
    destinations: list[str]
    objective: str
    cargo_value_usd: float
    cargo_type: str
    depart: str | None = Field(None, description="the departure as the request gave it")
    departs: list[str | None] = Field(
        description="each origin's departure, ISO 8601 in its own zone (a departure without an offset "
        "is each origin's local time, so origins in different zones leave at different instants)"
    )
    km: list[list[float | None]]
    driving_h: list[list[float | None]]
    total_h: list[list[float | None]]
    crossing: list[list[str | None]]
    port_code: list[list[str | None]]
    wait_min: list[list[float | None]]
    theft_prob: list[list[float | None]]
    expected_loss_usd: list[list[float | None]]
    cost_usd: list[list[float | None]]


class JobOut(Strict):
    """A lane book scored in the background (``POST /v1/lanes`` above the synchronous size)."""

    job: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    rows: int
    scored: int
    failed: int = Field(0, description="rows scored so far whose status is error (each says why in the CSV)")
    created: str
    expires: str = Field(
        description="when the job is forgotten (404): its last change plus the time jobs are kept"
    )
    result: str | None = Field(None, description="where the scored CSV is, once done")
    error: str | None = Field(
        None, description="why it failed, e.g. 'the server stopped before it finished; post the book again'"
    )
