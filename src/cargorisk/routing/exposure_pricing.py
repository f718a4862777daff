"""Theft exposure of a priced route in time and while parked (:mod:`cargorisk.risk.exposure`).

An edge's risk (``-log(1 - theft_prob)``) counts every robbery of a loaded truck per km there,
moving or parked, at any hour. A priced route knows when it drives each edge and where and how
long it stands still, so its hazard is split as the exposure model says:

* **in transit**, each edge carries its country's moving share ``1 - phi`` of its risk, times
  the multiplier of the local hour at which the truck drives it (the hour's share of thefts
  over its share of traffic; 1 in a country without an hourly profile, and 1 when the plan has
  no departure time);
* **parked**, each stop (break, rest, 34-hour restart, driver change, waiting for a closed
  crossing) carries the hours it lasts times the node's hazard per hour parked unsecured
  (``parked_risk_per_h``: the country's parked share of the riskiest road there, at that
  road's speed, over the fleet's parked hours per driving hour).

Rests go where parking is safest within reach: a solo driver's rest is taken up to 2 h of
driving before it falls due, at the edge end with the least hazard per hour parked
(:func:`rest_placer`; resting early is always legal), and the plan says so in its rule.

A trip that parks as the fleet does and drives at the fleet's hours keeps the edge risk's
total; a truck held for hours at a closed crossing, or driving through the riskiest hours,
carries more. Without a trained exposure model (``models/theft_exposure.json``) the hazard is
the edge risk, as before. The line at the border (at the wheel, moving up) counts as transit at
the crossing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from cargorisk.routing.schedule import HOUR, Activity, RestPlacer

if TYPE_CHECKING:
    import networkx as nx

PARKED_KINDS = frozenset({"break", "rest", "restart", "closed", "driver change"})
COUNTRY_CODES = ("MX", "US")  # rows of the hourly table; any other country is the last row


@dataclass(frozen=True)
class ExposureTables:
    """The exposure model compiled onto the router's arrays.

    ``parked_per_h``: hazard per hour parked unsecured at each node index (times the cargo
    type's multiplier); ``share``: each edge's moving share of its risk; ``code``: each edge's
    row in ``hourly`` (24 multipliers per country, ones where there is no profile)."""

    active: bool
    parked_per_h: np.ndarray
    share: np.ndarray
    code: np.ndarray
    hourly: np.ndarray

    @classmethod
    def build(cls, graph: nx.MultiDiGraph, nodes: list, edge_country: np.ndarray) -> ExposureTables:
        """From a risk-attached graph (``graph.graph["theft_exposure"]`` and the nodes'
        ``parked_risk_per_h``, :func:`~cargorisk.risk.exposure.attach_stop_risk`)."""
        model = graph.graph.get("theft_exposure")
        code = np.full(len(edge_country), len(COUNTRY_CODES), dtype=np.int64)
        for i, country in enumerate(COUNTRY_CODES):
            code[edge_country == country] = i
        hourly = np.ones((len(COUNTRY_CODES) + 1, 24))
        shares = np.ones(len(COUNTRY_CODES) + 1)
        if model is not None:
            for i, country in enumerate(COUNTRY_CODES):
                hourly[i] = model.transit_multiplier(country, np.arange(24))
                shares[i] = model.transit_share(country)
        parked = np.array([float(graph.nodes[n].get("parked_risk_per_h", 0.0)) for n in nodes])
        return cls(model is not None, parked, shares[code], code, hourly)

    def scaled(self, factor: float) -> ExposureTables:
        """The same tables for a cargo type whose theft risk is ``factor`` times general freight's
        (the edge risk the router holds is scaled already)."""
        return ExposureTables(self.active, self.parked_per_h * factor, self.share, self.code, self.hourly)


@dataclass(frozen=True, eq=False)
class Hazard:
    """A route's theft hazard (``-log(1 - p)``) moving and parked; ``edges``: each edge's in
    transit, and ``stops``: (the position of the edge each stop is at the end of, its hazard)."""

    transit: float
    parked: float
    edges: np.ndarray | None = None
    stops: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def total(self) -> float:
        """Moving plus parked."""
        return self.transit + self.parked

    def parked_by_edge(self) -> np.ndarray | None:
        """Each edge's hazard of the stops at its end (with :attr:`edges`, in transit, the
        route's hazard by edge; their sum is :attr:`total`); None when not kept."""
        if self.edges is None:
            return None
        out = np.zeros(len(self.edges))
        if self.stops is not None and len(self.stops[0]):
            np.add.at(out, self.stops[0], self.stops[1])
        return out


@dataclass(frozen=True)
class PathExposure:
    """What the hazard needs of a path, computed once: driving seconds at each edge's middle
    and end, the moving risk of each edge, its hourly row and the zone of its end."""

    mid_s: np.ndarray
    end_s: np.ndarray
    moving: np.ndarray
    code: np.ndarray
    zone: np.ndarray
    head: np.ndarray


def path_exposure(router: object, ids: np.ndarray) -> PathExposure:
    """:class:`PathExposure` of the edges ``ids`` on ``router``'s arrays."""
    seconds = router.seconds[ids]
    end = np.cumsum(seconds)
    tables = router.exposure
    head = router.engine.head[ids].astype(np.int64)
    return PathExposure(
        end - seconds / 2,
        end,
        router.risk[ids] * tables.share[ids],
        tables.code[ids],
        router.node_zone[head],
        head,
    )


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """A cached ZoneInfo."""
    return ZoneInfo(name)


@lru_cache(maxsize=4096)  # a lane book's departures and a sweep's hours repeat
def zone_offsets(names: tuple[str, ...], start: datetime) -> np.ndarray:
    """Seconds each zone of ``names`` is ahead of UTC at ``start`` (not to be changed: shared)."""
    offsets = np.array([zone(name).utcoffset(start).total_seconds() for name in names])
    offsets.setflags(write=False)
    return offsets


def local_hours(router: object, where: PathExposure, utc_s: np.ndarray, start: datetime) -> np.ndarray:
    """Local hour (0-23) of each edge, driven ``utc_s`` seconds after ``start`` (UTC), in the
    zone of the edge's end (offsets taken at the start: a clock change during the trip moves
    one hour of a night by an hour). The floor of the local second, then integer division: the
    hours of the float floor division, a quarter of its time."""
    offsets = zone_offsets(tuple(router.zone_names), start) if len(where.zone) else np.zeros(1)
    epoch = start.timestamp()
    return np.floor(epoch + utc_s + offsets[where.zone]).astype(np.int64) // int(HOUR) % 24


def route_hazard(
    router: object, where: PathExposure, activities: list[Activity], start: datetime | None
) -> Hazard:
    """The hazard of a scheduled path (module docstring); ``start``: UTC departure or None."""
    tables = router.exposure
    if not tables.active:
        return Hazard(float(where.moving.sum()), 0.0, where.moving)  # every share is 1: the edge risk
    still = [a for a in activities if a.kind != "drive"]
    at = np.array([a.at_s for a in still])
    if start is None:
        moving = where.moving
    else:
        lengths = np.cumsum([0.0, *(a.end_s - a.start_s for a in still)])
        elapsed = where.mid_s + lengths[at.searchsorted(where.mid_s, side="right")] if still else where.mid_s
        hours = local_hours(router, where, elapsed, start)
        moving = where.moving * tables.hourly[where.code, hours]
    edges, parked = stop_terms(tables, where, still, at)
    return Hazard(float(moving.sum()), float(sum(parked)), moving, (edges, np.asarray(parked)))


def stops_hazard(
    tables: ExposureTables, where: PathExposure, activities: list[Activity], at: np.ndarray | None = None
) -> float:
    """The hazard parked of a schedule's stops on a path, added in their order (``at``: their
    driving positions, when known); 0 without an exposure model."""
    if not tables.active:
        return 0.0
    still = [a for a in activities if a.kind != "drive"]
    return sum(stop_terms(tables, where, still, at)[1])


def stop_terms(
    tables: ExposureTables, where: PathExposure, still: list[Activity], at: np.ndarray | None = None
) -> tuple[np.ndarray, list[float]]:
    """(the position of the edge each stop of ``still`` is at the end of, each stop's hazard
    parked), in their order (``at``: their driving positions, when known)."""
    at = np.array([a.at_s for a in still]) if at is None else at
    edges = edges_at(where, at)
    nodes = where.head[edges].tolist()
    return edges, [stop_hazard(tables, node, a) for node, a in zip(nodes, still, strict=True)]


def rest_placer(tables: ExposureTables, where: PathExposure) -> RestPlacer | None:
    """Where on the path a rest goes (:class:`~cargorisk.routing.schedule.Schedule`'s
    ``place``): among the ends of the edges within a window of driving positions, the one
    with the least hazard per hour parked, the latest of equals, when it is below the hazard
    where the rest falls due; None without an exposure model. The window starts no earlier
    than the driving left on the path after the rest allows: resting earlier leaves more to
    drive after it, and it must fit in as many days (``day``: a day's driving) as from where the
    rest falls due, or the early rest would cost a whole rest more (an audit found 10 h more on
    3 of 14 long lanes)."""
    if not tables.active or not len(where.end_s):
        return None
    risk = tables.parked_per_h[where.head]
    total = float(where.end_s[-1])

    def place(lo: float, hi: float, day: float) -> float:
        lo = max(lo, hi - spare_driving(total - hi, day))
        first = int(where.end_s.searchsorted(lo, side="left"))
        last = int(where.end_s.searchsorted(hi, side="right"))
        if last <= first:
            return hi
        due = tables.parked_per_h[node_at(where, hi)]
        window = risk[first:last]
        best = first + len(window) - 1 - int(np.argmin(window[::-1]))
        return float(where.end_s[best]) if risk[best] < due * (1 - 1e-9) else hi

    return place


def spare_driving(left: float, day: float) -> float:
    """How much more than ``left`` seconds of driving fits in the days ``left`` needs (0 when
    nothing is left: a rest that falls due at the end is not taken)."""
    if left <= 0:
        return 0.0
    return day * math.ceil(left / day - 1e-9) - left


def least_hazard(tables: ExposureTables, where: PathExposure) -> float:
    """A hazard no departure goes below on the path: every edge at its country's least hourly
    multiplier, nothing parked (the departure sweep's floor)."""
    return least_moving(tables, where.moving, where.code)


def edges_least_hazard(router: object, ids: np.ndarray) -> float:
    """:func:`least_hazard` of the edges ``ids`` (each edge's term the same; summed in
    another order, so equal to the path's up to rounding)."""
    tables = router.exposure
    return least_moving(tables, router.risk[ids] * tables.share[ids], tables.code[ids])


def least_moving(tables: ExposureTables, moving: np.ndarray, code: np.ndarray) -> float:
    """The moving risk ``moving`` of edges in the hourly rows ``code``, each at its row's
    least multiplier."""
    return float((moving * tables.hourly.min(axis=1)[code]).sum())


def node_at(where: PathExposure, position_s: float) -> int:
    """The node (index) where the truck is after ``position_s`` driving seconds: the end of the
    edge it is on (as :func:`~cargorisk.routing.describe.stop_places` places a stop)."""
    found = int(where.end_s.searchsorted(position_s - 1e-6))  # the method: no numpy dispatch
    return int(where.head[min(found, len(where.end_s) - 1)])


def nodes_at(where: PathExposure, positions_s: np.ndarray) -> np.ndarray:
    """:func:`node_at` of each position, in one search."""
    return where.head[edges_at(where, positions_s)]


def edges_at(where: PathExposure, positions_s: np.ndarray) -> np.ndarray:
    """The position in the path of the edge whose end each position is at (:func:`node_at`)."""
    found = where.end_s.searchsorted(np.asarray(positions_s, dtype=float) - 1e-6)
    return np.minimum(found, len(where.end_s) - 1)


def stop_hazard(tables: ExposureTables, node: int, stop: Activity) -> float:
    """Hazard of one stop at ``node``: its hours times the hazard per hour parked there; 0 for
    what is not parked (the border line: at the wheel, moving up)."""
    if stop.kind not in PARKED_KINDS:
        return 0.0
    return float(tables.parked_per_h[node]) * (stop.end_s - stop.start_s) / HOUR
