"""Route and RoutePlan: what the router returns, with tables, JSON and GeoDataFrames."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely

from cargorisk.errors import InputError
from cargorisk.network.timezones import clock, zone_key
from cargorisk.risk.cargo import multiplier
from cargorisk.routing.costs import CostBreakdown
from cargorisk.routing.edge_lines import PathLines, line_of, line_through
from cargorisk.routing.schedule import HOUR, RESTS, STOPS, Activity
from cargorisk.routing.text import plan_text
from cargorisk.routing.transfer import carrier_of, legs

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

    from cargorisk.routing.exposure_pricing import Hazard

SAME_ARRIVAL_H = 0.25  # arrivals this close count as the same
SAME_RISK = 0.01  # theft probabilities within this share of each other count as the same
# how an arrival counted as the same is said, to the minute (English; the map's words translate it)
SAME_ARRIVAL_WORDS = {
    "same_time": "at the same time",
    "min_later": "{minutes:.0f} min later",
    "min_earlier": "{minutes:.0f} min earlier",
}
# the departure advice's words (Spanish: cargorisk.viz.words), one template for every part
ADVICE_WORDS = {
    "advice": "leave {when} instead: arrive {change}{arrival}, {money}{extra}; {reason}",
    "earlier": "{hours:.1f} h earlier",
    "later": "{hours:.1f} h later",
    **SAME_ARRIVAL_WORDS,
    "cheaper": "USD {usd:,.0f} cheaper",
    "dearer": "USD {usd:,.0f} dearer",
    "same_cost": "at the same cost",
    "theft_change": "theft risk {change:+.0%}",
    "other_crossing": "through {crossing} instead of {planned}",
    "why_closed": "{crossing} is closed when the truck would get there and opens {opens}",
    "why_wait": "the expected wait at {crossing} drops from {before:.0f} to {after:.0f} min",
    "why_hours": "{hours:.1f} h less on the road (breaks, rests and waits fall better)",
    "why_risk": "its hours on the road and parked fall where theft is rarer",
}
PORT_WORK = ("yard", "customs", "inspection")  # time at the border after the line (yards: a transfer)


@dataclass
class Route:
    """One route: path, distances, the drivers' schedule, the crossing, risk and costs.

    ``total_h`` is door to door: driving, breaks, rests and the wait at the border.

    Times: ``depart`` is the departure as the request gave it (the origin's zone);
    ``port_arrival`` (when the truck joins the crossing: parked until it opens or in its line,
    after any stop the driver took on getting there) and ``arrival`` are UTC; ``opens_at`` (when
    a crossing closed at arrival opens) is in the crossing's zone. ``port_arrival_local`` and
    ``eta_local`` show them in the zone of the crossing (``port_zone``) and of the destination
    (``eta_zone``, IANA names).

    ``schedule`` is every activity from departure to arrival
    (:class:`~cargorisk.routing.schedule.Activity`: kind, start and end in seconds after
    departure, driving position, country, driver at the wheel, rule); ``stops`` are the driver's
    own stops among them (breaks, rests, 34-hour restarts, driver changes). ``stop_places``,
    filled with the plan's details, is every interval the truck stands still (those stops,
    parked at a closed crossing, the border line) with its UTC and local times, node, place,
    road and country.
    """

    label: str
    nodes: list
    edges: list[tuple]
    km: float
    driving_h: float
    wait_min: float
    wait_p90_min: float
    port_code: str | None
    crossing: str | None
    port_arrival: datetime | None  # UTC
    arrival: datetime | None  # UTC
    theft_prob: float
    expected_loss_usd: float
    cost_usd: float
    parked_theft_prob: float = 0.0  # the part of theft_prob from the hours parked (stops, closed crossing)
    riskiest: list[dict] = field(default_factory=list)
    vs_fastest: str = ""
    ids: list[int] = field(default_factory=list, repr=False)  # the router's compiled edge ids
    total_h: float = 0.0
    costs: CostBreakdown | None = None
    stop_places: list[dict] = field(default_factory=list)
    # the crossing closes soon after the truck joins it: closes, margin_min, reopens (local; details)
    closing: dict | None = None
    wait_source: str = ""
    closed_min: float = 0.0
    direction: str | None = None
    team: bool = False
    depart: datetime | None = None
    low_traffic: bool = False
    opens_at: datetime | None = None  # when a crossing closed at arrival opens (its local time)
    risk_sq: float = 0.0  # sum over states of the squared risk in each (see calibration)
    theft_interval: tuple[float, float] | None = None  # 90% interval of theft_prob (details)
    cargo_value: float = 0.0
    port_s: float | None = None  # seconds after departure when the truck joins the crossing
    # the line of each edge (lon, lat), filled with the plan's details: geometry without the graph
    edge_lines: np.ndarray | PathLines | None = field(default=None, repr=False, compare=False)
    schedule: list[Activity] = field(default_factory=list, repr=False)
    port_zone: str | None = None  # IANA zone of the crossing
    eta_zone: str | None = None  # IANA zone of the destination (filled with the details)
    crossing_mode: str = "through"  # or "transfer" (:mod:`~cargorisk.routing.transfer`)
    yard_theft_prob: float = 0.0  # theft probability in the transfer yards (in ``theft_prob``)
    # the theft hazard as priced, by edge (in transit at the hour driven, and the stops): the
    # road runs' figures are this route's (:func:`~cargorisk.routing.describe.runs`)
    hazard: Hazard | None = field(default=None, repr=False, compare=False)
    fees: dict[str, float] = field(default_factory=dict)  # a transfer's fees, USD (in ``costs``)
    # the road runs, filled with the plan's details (columns of ``segments``, one array each)
    runs: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def segments(self) -> pd.DataFrame:
        """The road runs as a frame (:func:`~cargorisk.routing.describe.runs`; empty until
        the plan fills its details)."""
        return pd.DataFrame(self.runs)

    @segments.setter
    def segments(self, frame: pd.DataFrame) -> None:
        self.runs = {str(c): frame[c].to_numpy() for c in frame.columns}

    @property
    def parked_loss_usd(self) -> float:
        """The part of the expected loss from the hours parked (hazards add, so the parked
        hazard's share of the total)."""
        total = -np.log1p(-self.theft_prob) if self.theft_prob < 1 else np.inf
        parked = -np.log1p(-self.parked_theft_prob)
        return float(self.expected_loss_usd * parked / total) if total > 0 else 0.0

    @property
    def port_arrival_local(self) -> datetime | None:
        """When the truck gets to the crossing, in the crossing's zone."""
        return in_zone(self.port_arrival, self.port_zone)

    @property
    def eta_local(self) -> datetime | None:
        """When the truck arrives, in the destination's zone (UTC until it is known)."""
        return in_zone(self.arrival, self.eta_zone)

    def utc(self, seconds: float) -> datetime | None:
        """The UTC time ``seconds`` after departure (None without a departure): the clock of
        the ``schedule``'s activities."""
        return None if self.depart is None else self.depart.astimezone(UTC) + timedelta(seconds=seconds)

    @property
    def line(self) -> shapely.LineString | None:
        """The route as one LineString (EPSG:4326), when the plan filled its details."""
        return None if self.edge_lines is None else join_lines(self.edge_lines)

    @property
    def stops(self) -> list[Activity]:
        """The driver's own stops in the schedule: breaks, rests, restarts, driver changes."""
        return [a for a in self.schedule if a.kind in STOPS]

    @property
    def break_h(self) -> float:
        """Hours of breaks and driver changes."""
        return sum(s.hours for s in self.stops if s.kind not in RESTS)

    @property
    def rest_h(self) -> float:
        """Hours of off-duty rest on the road, 34-hour restarts included (the wait for a closed
        crossing not included)."""
        return sum(s.hours for s in self.stops if s.kind in RESTS)

    @property
    def port_h(self) -> float:
        """Hours at the crossing after the line: customs and inspection, and a transfer's yards."""
        return sum(a.hours for a in self.schedule if a.kind in PORT_WORK)

    def to_dict(self, *, arrays: bool = False) -> dict:
        """JSON-ready dict: every figure of the plan table, the schedule and the segments;
        ``arrays``: the geometry's coordinates as a NumPy array (:func:`geojson_line`)."""
        costs = self.costs or CostBreakdown(0.0, 0.0, 0.0, 0.0, self.expected_loss_usd)
        carriers = carrier_of(self.schedule, self.direction, self.crossing_mode)
        return {
            "label": self.label,
            "km": round(self.km, 1),
            "driving_h": round(self.driving_h, 2),
            "break_h": round(self.break_h, 2),
            "rest_h": round(self.rest_h, 2),
            "yard_customs_h": round(self.port_h, 2),
            "wait_min": round(self.wait_min, 1),
            "wait_p90_min": round(self.wait_p90_min, 1),
            "closed_min": round(self.closed_min, 1),
            "crossing_opens": self.opens_at.isoformat() if self.opens_at else None,
            "crossing_closes": closing_dict(self.closing),
            "wait_source": self.wait_source,
            "total_h": round(self.total_h, 2),
            "port_code": self.port_code,
            "crossing": self.crossing,
            "direction": self.direction,
            "low_traffic_port": self.low_traffic,
            "team": self.team,
            "depart": iso(self.depart),
            "port_arrival": iso(self.port_arrival),
            "port_arrival_local": iso(self.port_arrival_local),
            "port_zone": self.port_zone,
            "arrival": iso(self.arrival),
            "eta_local": iso(self.eta_local),
            "eta_zone": self.eta_zone,
            "theft_prob": self.theft_prob,
            "theft_prob_90": list(self.theft_interval) if self.theft_interval else None,
            "one_in_trips": round(1 / self.theft_prob) if self.theft_prob > 0 else None,
            "parked_theft_prob": self.parked_theft_prob,
            "expected_loss_usd": round(self.expected_loss_usd, 2),
            "parked_loss_usd": round(self.parked_loss_usd, 2),
            "expected_loss_usd_90": [round(p * self.cargo_value, 2) for p in self.theft_interval]
            if self.theft_interval
            else None,
            "time_cost_usd": round(costs.time_usd + costs.rest_usd, 2),
            "operating_cost_usd": round(costs.operating_usd, 2),
            "toll_usd": round(costs.toll_usd, 2),
            "fees_usd": round(costs.fees_usd, 2),
            "fee_items_usd": {k: round(v, 2) for k, v in self.fees.items()},
            "cost_usd": round(self.cost_usd, 2),
            "crossing_mode": self.crossing_mode,
            "yard_theft_prob": self.yard_theft_prob,
            "legs": legs(self.schedule, self.direction, self.crossing_mode),
            "vs_fastest": self.vs_fastest,
            "stops": self.stop_places,
            "schedule": [self.activity_dict(a, c) for a, c in zip(self.schedule, carriers, strict=True)],
            "nodes": [str(n) for n in self.nodes],
            "riskiest": self.riskiest,
            "segments": records(self.runs),
            "geometry": geojson_line(self.line, arrays=arrays) if self.edge_lines is not None else None,
        }

    def activity_dict(self, activity: Activity, carrier: str = "") -> dict:
        """One activity of the schedule, JSON-ready: UTC start and end (None without a
        departure), hours after departure, country, driver at the wheel, carrier role."""
        return {
            "kind": activity.kind,
            "start": iso(self.utc(activity.start_s)),
            "end": iso(self.utc(activity.end_s)),
            "start_h": round(activity.start_s / HOUR, 6),
            "end_h": round(activity.end_s / HOUR, 6),
            "at_h": round(activity.at_s / HOUR, 6),
            "country": activity.country,
            "driver": activity.driver,
            "rule": activity.rule,
            "carrier": carrier,
        }


def closing_dict(closing: dict | None) -> dict | None:
    """:attr:`Route.closing` as JSON: the closing and the reopening as ISO 8601 with the
    crossing's offset, the minutes between the truck joining it and its closing."""
    if closing is None:
        return None
    return {
        "closes": closing["closes"].isoformat(),
        "margin_min": round(closing["margin_min"], 1),
        "reopens": closing["reopens"].isoformat(),
    }


def same_arrival(earlier_h: float, words: dict) -> str:
    """An arrival the planner counts as the same as another (within :data:`SAME_ARRIVAL_H`),
    said to the minute: 'at the same time', '6 min later' (``earlier_h`` < 0), '6 min earlier'."""
    minutes = round(earlier_h * 60)
    if minutes == 0:
        return str(words["same_time"])
    return str(words["min_earlier" if minutes > 0 else "min_later"]).format(minutes=abs(minutes))


def compare(route: Route, fastest: Route) -> str:
    """'+38 min, -42% theft risk' relative to the fastest route ('fastest route' only for it)."""
    if route is fastest or route.nodes == fastest.nodes:
        return "fastest route"
    minutes = round((route.total_h - fastest.total_h) * 60)  # an int: never "-0"
    change = (route.theft_prob / fastest.theft_prob - 1) * 100 if fastest.theft_prob > 0 else 0.0
    # a tenth of a percent when it rounds to 0: a 'safest' route 0.3% safer said '+0%'
    risk = f"{change:+.1f}" if round(change) == 0 and round(change, 1) != 0 else f"{round(change):+d}"
    return f"{minutes:+d} min, {risk}% theft risk vs fastest"


@dataclass(frozen=True)
class Advice:
    """A better departure for the recommended choice: leave at ``depart`` instead.

    ``why``: the reason, as a key of :data:`ADVICE_WORDS` (``closed``, ``wait``, ``risk``, ``hours``) and
    its values, said in each language; ``theft_change``: the advised route's theft probability
    over the plan's, less 1; ``planned_crossing``: the plan's crossing when the advised route
    crosses elsewhere (else None)."""

    depart: datetime
    route: Route
    arrive_earlier_h: float
    saving_usd: float
    why: tuple[str, dict]
    theft_change: float = 0.0
    planned_crossing: str | None = None

    @property
    def reason(self) -> str:
        """Why the later departure is better, in English."""
        return reason_words(self.why, ADVICE_WORDS, clock)

    def sentence(self) -> str:
        """'leave Mon 04:00 CST instead: arrive 3.2 h earlier (Tue 09:10 CDT), USD 180 cheaper,
        theft risk +12%, through Colombia instead of World Trade Bridge; ...' (each time in the
        zone of its place; the risk and the crossing only when they change)."""
        return advice_text(self, ADVICE_WORDS, clock)

    def to_dict(self) -> dict:
        """JSON-ready dict (``arrival`` in UTC, ``eta_local`` in the destination's zone)."""
        return {
            "depart": self.depart.isoformat(),
            "arrival": iso(self.route.arrival),
            "eta_local": iso(self.route.eta_local),
            "crossing": self.route.crossing,
            "planned_crossing": self.planned_crossing,
            "arrive_earlier_h": round(self.arrive_earlier_h, 2),
            "saving_usd": round(self.saving_usd, 2),
            "theft_change": round(self.theft_change, 4),
            "reason": self.reason,
            "advice": self.sentence(),
        }


def advice_text(advice: Advice, words: dict, when: Callable[[datetime], str]) -> str:
    """The advice in ``words`` (:data:`ADVICE_WORDS` or another language's), times written by
    ``when``."""
    hours = advice.arrive_earlier_h
    if abs(hours) < SAME_ARRIVAL_H:
        change = same_arrival(hours, words)
    else:
        change = str(words["earlier" if hours > 0 else "later"]).format(hours=abs(hours))
    arrival = f" ({when(advice.route.eta_local)})" if advice.route.arrival else ""
    usd = advice.saving_usd
    money = str(words["same_cost"] if abs(usd) < 1 else words["cheaper" if usd > 0 else "dearer"])
    money = money.format(usd=abs(usd))
    extra = ""
    if abs(advice.theft_change) >= SAME_RISK:
        extra += ", " + str(words["theft_change"]).format(change=advice.theft_change)
    if advice.planned_crossing:
        crossing = str(words["other_crossing"])
        extra += ", " + crossing.format(crossing=advice.route.crossing, planned=advice.planned_crossing)
    return str(words["advice"]).format(
        when=when(advice.depart), change=change, arrival=arrival, money=money, extra=extra,
        reason=reason_words(advice.why, words, when),
    )  # fmt: skip


def reason_words(why: tuple[str, dict], words: dict, when: Callable[[datetime], str]) -> str:
    """A reason (:attr:`Advice.why`) in ``words``, its times written by ``when``."""
    key, values = why
    shown = {k: when(v) if isinstance(v, datetime) else v for k, v in values.items()}
    return str(words[f"why_{key}"]).format(**shown)


@dataclass
class RoutePlan:
    """The answer to one routing request."""

    origin: str
    destination: str
    depart: datetime | None
    cargo_value_usd: float
    objective: str
    recommended: Route
    fastest: Route
    safest: Route
    alternatives: list[Route]
    pareto: list[Route]
    advice: Advice | None = None
    max_time_ratio: float = 1.5
    notes: list[str] = field(default_factory=list)
    cargo_type: str = "general"
    crossing_mode: str = "through"

    def routes(self) -> list[Route]:
        """Recommended, fastest, safest and alternatives, without repeats (same path)."""
        seen, out = set(), []
        for route in [self.recommended, self.fastest, self.safest, *self.alternatives]:
            key = tuple(route.edges)
            if key not in seen:
                seen.add(key)
                out.append(route)
        return out

    def to_dict(self, *, arrays: bool = False) -> dict:
        """The plan as a JSON-ready dict (a route in two roles, often the recommended and the
        fastest, is written once: both keys hold the same dict, which readers do not change);
        ``arrays``: each route's coordinates as a NumPy array (:func:`geojson_line`)."""
        shown = {tuple(r.edges): r.label for r in self.routes()}
        written: dict[int, dict] = {}

        def route_dict(route: Route) -> dict:
            if id(route) not in written:
                written[id(route)] = route.to_dict(arrays=arrays)
            return written[id(route)]

        return {
            "origin": self.origin,
            "destination": self.destination,
            "depart": iso(self.depart),
            "depart_zone": zone_key(self.depart.tzinfo) if self.depart else None,
            "cargo_value_usd": self.cargo_value_usd,
            "cargo_type": self.cargo_type,
            "theft_multiplier": round(multiplier(self.cargo_type), 3),
            "crossing_mode": self.crossing_mode,
            "objective": self.objective,
            "max_time_ratio": self.max_time_ratio,
            "recommended": route_dict(self.recommended),
            "fastest": route_dict(self.fastest),
            "safest": route_dict(self.safest),
            "alternatives": [route_dict(r) for r in self.alternatives],
            "advice": self.advice.to_dict() if self.advice else None,
            "notes": self.notes,
            "pareto": [
                {
                    "total_h": round(r.total_h, 3),
                    "theft_prob": r.theft_prob,
                    "crossing": r.crossing,
                    "cost_usd": round(r.cost_usd, 2),
                    "km": round(r.km, 1),
                    "label": shown.get(tuple(r.edges), ""),
                }
                for r in self.pareto
            ],
        }

    def to_json(self) -> str:
        """The plan as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_geodataframe(self, graph: nx.MultiDiGraph | None = None) -> gpd.GeoDataFrame:
        """One row per road run of every route (column ``route``, then every column of
        ``Route.segments``: from, to, ref, state, km, hours, theft_prob, risk_share, first,
        last), with its line, EPSG:4326. ``graph`` is only needed for routes without details."""
        import geopandas as gpd  # noqa: PLC0415  (only here: planning itself never needs it)

        frames = []
        for route in self.routes():
            lines = route.edge_lines if route.edge_lines is not None else edge_lines_of(graph, route)
            runs = route.segments.copy()
            runs.insert(0, "route", route.label)
            runs["geometry"] = [
                join_lines(lines[a : b + 1]) for a, b in zip(runs["first"], runs["last"], strict=True)
            ]
            frames.append(runs)
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")

    def summary(self) -> str:
        """A dispatcher-readable table of the routes, the advice, the Pareto front and the
        recommended schedule with local clock times (:mod:`~cargorisk.routing.text`)."""
        return plan_text(self)


def iso(when: datetime | None) -> str | None:
    """ISO 8601 with its offset, or None."""
    return when.isoformat() if when is not None else None


def in_zone(when: datetime | None, zone: str | None) -> datetime | None:
    """An instant in the named IANA zone (unchanged without one)."""
    if when is None or zone is None:
        return when
    return when.astimezone(ZoneInfo(zone))


def geojson_line(line: shapely.LineString, *, arrays: bool = False) -> dict:
    """A line as a GeoJSON geometry (what ``shapely.geometry.mapping`` gives, read at once);
    ``arrays``: the coordinates as an (n, 2) NumPy array, for a JSON writer that takes arrays
    (orjson with ``OPT_SERIALIZE_NUMPY`` writes the same bytes several times faster than
    making the lists: a plan's dict and JSON 2.4 -> 2.0 ms)."""
    coordinates = shapely.get_coordinates(line)
    return {"type": "LineString", "coordinates": coordinates if arrays else coordinates.tolist()}


def records(columns: dict[str, np.ndarray], digits: int = 6) -> list[dict]:
    """Rows of equal-length columns as dicts of plain values, floats rounded to ``digits``,
    missing values None."""

    def plain(value: object) -> object:
        if isinstance(value, float):
            return None if math.isnan(value) else round(value, digits)
        return None if value is pd.NA else value

    values = [[plain(v) for v in np.asarray(c).tolist()] for c in columns.values()]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def join_lines(lines: np.ndarray | PathLines) -> shapely.LineString:
    """Consecutive edge lines (lon, lat) as one LineString, shared ends once."""
    if isinstance(lines, PathLines):  # straight from the coordinates, no line per edge
        return lines.joined()
    return line_through(shapely.get_coordinates(np.asarray(lines, dtype=object)))


def edge_lines_of(graph: nx.MultiDiGraph | None, route: Route) -> np.ndarray:
    """A route's edge lines from the graph (straight between nodes where an edge has none)."""
    if graph is None:
        msg = "this plan has no route geometry; pass the router's graph: plan.to_geodataframe(router.graph)"
        raise InputError(msg)
    return np.array([line_of(graph, edge) for edge in route.edges], dtype=object)
