"""Pricing a path: the driver's schedule, the wait at the crossing, costs and theft risk.

A path found by the search is summarised once (:class:`PathSummary`: its stretches per
country, the crossing, km, operating cost, tolls, risk); pricing it for a departure runs the
driver's clock up to the crossing, looks up the wait for the hour the truck gets there (a
closed crossing means parking until it opens), and drives on. Re-pricing the same path for
another departure (the departure sweep) costs a few microseconds.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from cargorisk.routing.costs import CostModel
from cargorisk.routing.plan import Route
from cargorisk.routing.schedule import HOUR, Clock

MAX_WAIT_FOR_OPENING_H = 96
NO_SEGMENTS = pd.DataFrame()  # filled for the routes a plan returns (Router.add_details)


@dataclass(frozen=True)
class Wait:
    """Time at a crossing: parked until it opens (``closed_min``), then in line (``queue_min``,
    mean; ``p90_min``); ``source`` says where the figure comes from."""

    closed_min: float
    queue_min: float
    p90_min: float
    source: str
    opens_at: datetime | None = None  # the crossing's local time it opens, when it was closed

    @property
    def total_min(self) -> float:
        """Closed time plus the expected time in line."""
        return self.closed_min + self.queue_min


NO_WAIT = Wait(0.0, 0.0, 0.0, "")


@dataclass(frozen=True, eq=False)
class PathSummary:
    """What pricing needs of a path, computed once (``crossing``: position in ``ids``)."""

    ids: np.ndarray  # edge ids, in order
    before: tuple[tuple[float, str], ...]  # (driving seconds, country) stretches to the crossing
    after: tuple[tuple[float, str], ...]  # from the crossing on (the crossing edge included)
    crossing: int | None
    bridge: str | None
    port_code: str | None
    direction: str | None  # "northbound" (Mexico -> US) or "southbound"
    km: float
    driving_s: float
    operating_usd: float
    toll_usd: float
    risk: float  # sum of -log(1 - p) over the edges
    risk_sq: float = 0.0  # sum over states of the squared risk in each (for the interval)
    nodes: list = dataclasses.field(default_factory=list)  # node ids along the path
    edge_keys: list = dataclasses.field(default_factory=list)  # (u, v, key) of each edge
    id_list: list[int] = dataclasses.field(default_factory=list)  # ``ids`` as a list
    # the driver's clock at the crossing, per team flag: it does not depend on the departure
    clocks: dict[bool, Clock] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def clock_at_crossing(self, team: bool) -> Clock:
        """A fresh copy of the driver's clock after the stretches before the crossing."""
        if team not in self.clocks:
            clock = Clock(team=team)
            for seconds, country in self.before:
                clock.drive(seconds, country)
            self.clocks[team] = clock
        return self.clocks[team].copy()


class Pricer:
    """Prices paths over the router's edge arrays (see :class:`~cargorisk.routing.Router`)."""

    def __init__(self, router: object, costs: CostModel, *, southbound_wait_min: float = 9.3) -> None:
        self.r = router
        self.costs = costs
        self.southbound_wait_min = southbound_wait_min
        self.operating, self.toll = costs.edge_money(router.metres, router.edge_country, router.is_toll)
        self.openings: dict[tuple, Wait] = {}  # (model, bridge, southbound, UTC hour) -> wait then

    def bound_to(self, router: object) -> Pricer:
        """This pricer for a copy of its router (same costs and edge prices)."""
        new = copy.copy(self)
        new.r = router
        return new

    def summarize(self, edges: np.ndarray | list[int]) -> PathSummary:
        """The path's stretches, crossing and totals."""
        r = self.r
        ids = np.asarray(edges, dtype=np.int64)
        hits = np.flatnonzero(r.is_crossing[ids])
        crossing = int(hits[0]) if len(hits) else None
        bridge = port = direction = None
        if crossing is not None:
            bridge, port = r.bridge[ids[crossing]], r.port_code[ids[crossing]]
            direction = "northbound" if r.tail_country[ids[crossing]] == "MX" else "southbound"
        cut = len(ids) if crossing is None else crossing
        return PathSummary(
            ids=ids,
            before=stretches(r.seconds[ids[:cut]], r.edge_country[ids[:cut]]),
            after=stretches(r.seconds[ids[cut:]], r.edge_country[ids[cut:]]),
            crossing=crossing,
            bridge=bridge,
            port_code=port,
            direction=direction,
            km=float(r.metres[ids].sum()) / 1000,
            driving_s=float(r.seconds[ids].sum()),
            operating_usd=float(self.operating[ids].sum()),
            toll_usd=float(self.toll[ids].sum()),
            risk=float(r.risk[ids].sum()),
            risk_sq=float(np.square(np.bincount(r.state_codes[ids], weights=r.risk[ids])).sum()),
            nodes=r.engine.path_nodes(ids),
            edge_keys=r.engine.edge_keys(ids),
            id_list=ids.tolist(),
        )

    def price(self, path: PathSummary, depart: datetime | None, cargo: float, *, team: bool = False) -> Route:
        """The route for a departure: schedule, wait at the crossing, costs, risk."""
        clock = path.clock_at_crossing(team)
        wait, port_arrival = NO_WAIT, None
        if path.bridge is not None:
            port_arrival = depart + timedelta(seconds=clock.elapsed) if depart else None
            wait = self.wait(path.bridge, path.direction, port_arrival)
            side = "MX" if path.direction == "northbound" else "US"
            clock.park(wait.closed_min * 60, side)
            clock.queue(wait.queue_min * 60, side)
        for seconds, country in path.after:
            clock.drive(seconds, country)
        theft = float(-np.expm1(-path.risk))
        rest_h = sum(s.hours for s in clock.stops if s.kind == "rest") + wait.closed_min / 60
        total_h = clock.elapsed / HOUR
        cost = self.costs.breakdown(
            busy_h=total_h - rest_h,
            rest_h=rest_h,
            operating_usd=path.operating_usd,
            toll_usd=path.toll_usd,
            theft_prob=theft,
            cargo_value=cargo,
        )
        return Route(
            label="",
            nodes=path.nodes,  # shared with every pricing of the path: read, never changed
            edges=path.edge_keys,
            km=path.km,
            driving_h=path.driving_s / HOUR,
            wait_min=wait.total_min,
            wait_p90_min=wait.closed_min + wait.p90_min,
            port_code=path.port_code,
            crossing=path.bridge,
            port_arrival=port_arrival,
            arrival=depart + timedelta(seconds=clock.elapsed) if depart else None,
            theft_prob=theft,
            expected_loss_usd=cost.loss_usd,
            cost_usd=cost.total_usd,
            segments=NO_SEGMENTS,
            ids=path.id_list,
            total_h=total_h,
            costs=cost,
            stops=list(clock.stops),
            wait_source=wait.source,
            closed_min=wait.closed_min,
            opens_at=wait.opens_at,
            direction=path.direction,
            team=team,
            depart=depart,
            risk_sq=path.risk_sq,
            cargo_value=cargo,
        )

    def wait(self, bridge: str, direction: str | None, arrival: datetime | None) -> Wait:
        """The wait at a crossing for a truck arriving at ``arrival`` (None: a typical hour).

        Northbound: the CBP-based model (a live reading when one is loaded). Southbound: the
        documented assumption :attr:`southbound_wait_min` while the crossing is open.
        """
        model = self.r.wait_model
        if model is None:
            return NO_WAIT
        southbound = direction == "southbound"
        if arrival is None:
            mean = self.southbound_wait_min if southbound else model.level(bridge)
            return self.estimate(0.0, mean, "assumed southbound" if southbound else "typical")
        live = None if southbound else self.r.live
        if live is not None:
            return self.first_opening(bridge, southbound, arrival, live)
        # without a live feed the wait depends on the hour only: look it up once per hour and
        # take off the minutes of that hour already gone when parked in front of a closed port
        hour = arrival.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        key = (id(model), bridge, southbound, hour)
        if key not in self.openings:
            self.openings[key] = self.first_opening(bridge, southbound, hour, None)
        found = self.openings[key]
        if found.closed_min == 0 or found.source == "closed":
            return found
        return dataclasses.replace(found, closed_min=found.closed_min - (arrival - hour).total_seconds() / 60)

    def first_opening(
        self, bridge: str, southbound: bool, arrival: datetime, live: pd.DataFrame | None
    ) -> Wait:
        """The wait from ``arrival``: parked until the first open hour, then that hour's line."""
        model = self.r.wait_model
        zone = self.r.time_zones.get(bridge, "America/Chicago")
        for hours in range(MAX_WAIT_FOR_OPENING_H):
            at = arrival if hours == 0 else (arrival + timedelta(hours=hours)).replace(minute=0, second=0)
            est = model.predict_wait(bridge, at, zone, live, "southbound" if southbound else "northbound")
            if est.is_open:
                closed = (at - arrival).total_seconds() / 60
                opens = est.local_time if closed > 0 else None
                if southbound:
                    return self.estimate(closed, self.southbound_wait_min, "assumed southbound", opens)
                return Wait(closed, est.mean_min, est.p90_min, est.source, opens)
        return Wait(MAX_WAIT_FOR_OPENING_H * 60.0, 0.0, 0.0, "closed")

    @staticmethod
    def estimate(closed: float, mean: float, source: str, opens_at: datetime | None = None) -> Wait:
        """A wait with the model's p90 for a given mean."""
        from cargorisk.border.waits import quantiles  # noqa: PLC0415

        return Wait(closed, mean, quantiles(mean)[1], source, opens_at)


def stretches(seconds: np.ndarray, country: np.ndarray) -> tuple[tuple[float, str], ...]:
    """Driving seconds per run of edges in one country."""
    if len(seconds) == 0:
        return ()
    starts = np.flatnonzero(np.r_[True, country[1:] != country[:-1]])
    sums = np.add.reduceat(seconds, starts)
    return tuple((float(s), str(c)) for s, c in zip(sums, country[starts], strict=True))
