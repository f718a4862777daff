"""Route and RoutePlan: what the router returns, with tables, JSON and GeoDataFrames."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from cargorisk.errors import InputError
from cargorisk.risk.calibration import one_in
from cargorisk.risk.cargo import multiplier
from cargorisk.routing.costs import CostBreakdown
from cargorisk.routing.schedule import Stop

if TYPE_CHECKING:
    import networkx as nx

SAME_ARRIVAL_H = 0.25  # arrivals this close count as the same


@dataclass
class Route:
    """One route: path, distances, the driver's schedule, the crossing, risk and costs.

    ``total_h`` is door to door: driving, breaks, rests and the wait at the border.
    ``stops`` are the breaks and rests the driver must take; ``stop_places`` says where they
    fall (road and nearest place) once the plan fills its details.
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
    port_arrival: datetime | None
    arrival: datetime | None
    theft_prob: float
    expected_loss_usd: float
    cost_usd: float
    segments: pd.DataFrame
    riskiest: list[dict] = field(default_factory=list)
    vs_fastest: str = ""
    ids: list[int] = field(default_factory=list, repr=False)  # the router's compiled edge ids
    total_h: float = 0.0
    costs: CostBreakdown | None = None
    stops: list[Stop] = field(default_factory=list)
    stop_places: list[dict] = field(default_factory=list)
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
    # the line of each edge (lon, lat), filled with the plan's details: geometry without the graph
    edge_lines: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def line(self) -> shapely.LineString | None:
        """The route as one LineString (EPSG:4326), when the plan filled its details."""
        return None if self.edge_lines is None else join_lines(self.edge_lines)

    @property
    def break_h(self) -> float:
        """Hours of breaks and driver changes."""
        return sum(s.hours for s in self.stops if s.kind != "rest")

    @property
    def rest_h(self) -> float:
        """Hours of off-duty rest on the road (the wait for a closed crossing not included)."""
        return sum(s.hours for s in self.stops if s.kind == "rest")

    def to_dict(self) -> dict:
        """JSON-ready dict: every figure of the plan table, the schedule and the segments."""
        costs = self.costs or CostBreakdown(0.0, 0.0, 0.0, 0.0, self.expected_loss_usd)
        return {
            "label": self.label,
            "km": round(self.km, 1),
            "driving_h": round(self.driving_h, 2),
            "break_h": round(self.break_h, 2),
            "rest_h": round(self.rest_h, 2),
            "wait_min": round(self.wait_min, 1),
            "wait_p90_min": round(self.wait_p90_min, 1),
            "closed_min": round(self.closed_min, 1),
            "crossing_opens": self.opens_at.isoformat() if self.opens_at else None,
            "wait_source": self.wait_source,
            "total_h": round(self.total_h, 2),
            "port_code": self.port_code,
            "crossing": self.crossing,
            "direction": self.direction,
            "low_traffic_port": self.low_traffic,
            "team": self.team,
            "depart": self.depart.isoformat() if self.depart else None,
            "port_arrival": self.port_arrival.isoformat() if self.port_arrival else None,
            "arrival": self.arrival.isoformat() if self.arrival else None,
            "theft_prob": self.theft_prob,
            "theft_prob_90": list(self.theft_interval) if self.theft_interval else None,
            "one_in_trips": round(1 / self.theft_prob) if self.theft_prob > 0 else None,
            "expected_loss_usd": round(self.expected_loss_usd, 2),
            "expected_loss_usd_90": [round(p * self.cargo_value, 2) for p in self.theft_interval]
            if self.theft_interval
            else None,
            "time_cost_usd": round(costs.time_usd + costs.rest_usd, 2),
            "operating_cost_usd": round(costs.operating_usd, 2),
            "toll_usd": round(costs.toll_usd, 2),
            "cost_usd": round(self.cost_usd, 2),
            "vs_fastest": self.vs_fastest,
            "stops": self.stop_places,
            "nodes": [str(n) for n in self.nodes],
            "riskiest": self.riskiest,
            "segments": records(self.segments),
            "geometry": shapely.geometry.mapping(self.line) if self.edge_lines is not None else None,
        }


def compare(route: Route, fastest: Route) -> str:
    """'+38 min, -42% theft risk' relative to the fastest route ('fastest route' only for it)."""
    if route is fastest or route.nodes == fastest.nodes:
        return "fastest route"
    minutes = round((route.total_h - fastest.total_h) * 60)  # an int: never "-0"
    risk = round((route.theft_prob / fastest.theft_prob - 1) * 100) if fastest.theft_prob > 0 else 0
    return f"{minutes:+d} min, {risk:+d}% theft risk vs fastest"


@dataclass(frozen=True)
class Advice:
    """A better departure for the recommended choice: leave at ``depart`` instead."""

    depart: datetime
    route: Route
    arrive_earlier_h: float
    saving_usd: float
    reason: str

    def sentence(self) -> str:
        """'leave Mon 04:00 instead: arrive 3.2 h earlier, USD 180 cheaper (...)'."""
        if abs(self.arrive_earlier_h) < SAME_ARRIVAL_H:
            when = "at the same time"
        else:
            when = f"{abs(self.arrive_earlier_h):.1f} h {'earlier' if self.arrive_earlier_h > 0 else 'later'}"
        arrival = f" ({self.route.arrival:%a %H:%M})" if self.route.arrival else ""
        return (
            f"leave {self.depart:%a %H:%M} instead: arrive {when}{arrival}, "
            f"USD {self.saving_usd:,.0f} cheaper; {self.reason}"
        )

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
            "depart": self.depart.isoformat(),
            "arrival": self.route.arrival.isoformat() if self.route.arrival else None,
            "crossing": self.route.crossing,
            "arrive_earlier_h": round(self.arrive_earlier_h, 2),
            "saving_usd": round(self.saving_usd, 2),
            "reason": self.reason,
            "advice": self.sentence(),
        }


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

    def routes(self) -> list[Route]:
        """Recommended, fastest, safest and alternatives, without repeats (same path)."""
        seen, out = set(), []
        for route in [self.recommended, self.fastest, self.safest, *self.alternatives]:
            key = tuple(route.edges)
            if key not in seen:
                seen.add(key)
                out.append(route)
        return out

    def to_dict(self) -> dict:
        """The plan as a JSON-ready dict."""
        return {
            "origin": self.origin,
            "destination": self.destination,
            "depart": self.depart.isoformat() if self.depart else None,
            "depart_zone": zone_name(self.depart).strip(" ()") or None,
            "cargo_value_usd": self.cargo_value_usd,
            "cargo_type": self.cargo_type,
            "theft_multiplier": round(multiplier(self.cargo_type), 3),
            "objective": self.objective,
            "max_time_ratio": self.max_time_ratio,
            "recommended": self.recommended.to_dict(),
            "fastest": self.fastest.to_dict(),
            "safest": self.safest.to_dict(),
            "alternatives": [r.to_dict() for r in self.alternatives],
            "advice": self.advice.to_dict() if self.advice else None,
            "notes": self.notes,
            "pareto": [
                {"total_h": round(r.total_h, 3), "theft_prob": r.theft_prob, "crossing": r.crossing}
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
        """A dispatcher-readable table of the routes, the advice and the recommended schedule."""
        kind = f" {self.cargo_type} (theft x{multiplier(self.cargo_type):.2f})"
        kind = "" if self.cargo_type == "general" else kind
        lines = [
            f"{self.origin} -> {self.destination}; cargo USD {self.cargo_value_usd:,.0f}{kind}"
            + f"; objective {self.objective}"
            + (
                f"; depart {self.depart:%a %Y-%m-%d %H:%M %Z}{zone_name(self.depart)}"
                if self.depart
                else "; no departure given: typical border waits and no clock times (give --depart)"
            )
        ]
        lines.append(
            f"{'route':<14} {'km':>6} {'drive h':>7} {'stops h':>7} {'wait':>6} {'total h':>7} "
            f"{'crossing':<30} {'P(theft)':>9} {'1 in':>7} {'loss':>6} {'operate':>8} {'tolls':>6} "
            f"{'cost USD':>9}  vs fastest"
        )
        for r in self.routes():
            costs = r.costs or CostBreakdown(0.0, 0.0, 0.0, 0.0, r.expected_loss_usd)
            crossing = (r.crossing or "-")[:29] + ("*" if r.low_traffic else "")
            lines.append(
                f"{r.label:<14} {r.km:>6,.0f} {r.driving_h:>7.1f} {r.break_h + r.rest_h:>7.1f} "
                f"{r.wait_min:>5.0f}m {r.total_h:>7.1f} {crossing:<30} {r.theft_prob:>9.2e} "
                f"{one_in(r.theft_prob).removeprefix('1 in '):>7} "
                f"{r.expected_loss_usd:>6,.0f} {costs.operating_usd:>8,.0f} {costs.toll_usd:>6,.0f} "
                f"{r.cost_usd:>9,.0f}  {r.vs_fastest}"
            )
        lines += [f"note: {n}" for n in self.notes]
        if self.advice:
            lines.append(f"advice: {self.advice.sentence()}")
        lines.append(risk_sentence(self.recommended))
        lines += schedule_lines(self.recommended)
        top = self.recommended.riskiest[:3]
        if top:
            lines.append("riskiest segments of the recommended route:")
            lines += [
                f"  {s['from']} - {s['to']} ({s['ref']}, {s['state']}): P {s['theft_prob']:.1e}; "
                f"{'; '.join(s['drivers'])}"
                for s in top
            ]
        return "\n".join(lines)


def risk_sentence(route: Route) -> str:
    """'theft risk: about 1 in 4,300 trips (90%: 1 in 9,100 to 1 in 2,000); expected loss ...'."""
    text = f"theft risk of the {route.label} route: about {one_in(route.theft_prob)} trips"
    loss = f"expected loss USD {route.expected_loss_usd:,.0f}"
    if route.theft_interval and route.theft_interval[1] > route.theft_interval[0]:
        low, high = route.theft_interval
        text += f" (90%: {one_in(high)} to {one_in(low)})"
        loss += f" (90%: {low * route.cargo_value:,.0f}-{high * route.cargo_value:,.0f})"
    return f"{text}; {loss}"


def schedule_lines(route: Route) -> list[str]:
    """The recommended route's stops and border arrival, one line each."""
    lines = []
    if route.port_arrival is not None:
        closed = (
            f", closed: waits {route.closed_min / 60:.1f} h until it opens {route.opens_at:%a %H:%M %Z}"
            if route.opens_at
            else ""
        )
        lines.append(
            f"border: arrive {route.crossing} {route.port_arrival:%a %H:%M}{closed}; "
            f"expected line {route.wait_min - route.closed_min:.0f} min ({route.wait_source})"
        )
    for stop in route.stop_places:
        lines.append(
            f"  {stop['kind']} {stop['hours']:.1f} h after {stop['driving_h']:.1f} h of driving: "
            f"{stop['road']}, {stop['place']} ({stop['rule']})"
        )
    return lines


def zone_name(when: datetime | None) -> str:
    """' (America/Monterrey)' for a time in a named IANA zone, else ''."""
    key = getattr(when.tzinfo, "key", None) if when is not None else None
    return f" ({key})" if key else ""


def records(frame: pd.DataFrame, digits: int = 6) -> list[dict]:
    """A frame's rows as dicts of plain values, floats rounded to ``digits``, missing values
    None (several times faster than ``round().to_dict("records")`` on small frames)."""

    def plain(value: object) -> object:
        if isinstance(value, float):
            return None if math.isnan(value) else round(value, digits)
        return None if value is pd.NA else value

    columns = [[plain(v) for v in frame[c].tolist()] for c in frame.columns]
    return [dict(zip(frame.columns, row, strict=True)) for row in zip(*columns, strict=True)]


def join_lines(lines: np.ndarray) -> shapely.LineString:
    """Consecutive edge lines (lon, lat) as one LineString, shared ends once."""
    coords = shapely.get_coordinates(np.asarray(lines, dtype=object))
    repeated = np.r_[False, (np.diff(coords, axis=0) == 0).all(axis=1)]
    return shapely.LineString(coords[~repeated])


def edge_lines_of(graph: nx.MultiDiGraph | None, route: Route) -> np.ndarray:
    """A route's edge lines from the graph (straight between nodes where an edge has none)."""
    if graph is None:
        msg = "this plan has no route geometry; pass the router's graph: plan.to_geodataframe(router.graph)"
        raise InputError(msg)
    lines = []
    for u, v, k in route.edges:
        line = graph.edges[u, v, k].get("geometry")
        if line is None:
            line = shapely.LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)])
        lines.append(line)
    return np.array(lines, dtype=object)
