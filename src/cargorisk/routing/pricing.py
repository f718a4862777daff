"""Pricing a path: the driver's schedule, the wait at the crossing, costs and theft risk.

A path found by the search is summarised once (:class:`PathSummary`: its stretches per
country, the crossing, km, operating cost, tolls, risk); pricing it for a departure runs the
drivers' schedule up to the crossing (:mod:`~cargorisk.routing.schedule`), looks up the wait for
the hour the truck gets there (a closed crossing means parking until it opens), takes the stop
the line and the crossing need, and drives on. Every time is computed in UTC from the
departure (adding hours to a zoned time would add them on the wall clock, an hour wrong across
a clock change); the route shows them in the zone of each place. Re-pricing the same path for
another departure (the departure sweep) costs some tens of microseconds.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from cargorisk.risk.cargo import multiplier
from cargorisk.routing import transfer
from cargorisk.routing.costs import CostModel
from cargorisk.routing.exposure_pricing import (
    PathExposure,
    edges_least_hazard,
    path_exposure,
    rest_placer,
    route_hazard,
    stops_hazard,
)
from cargorisk.routing.plan import Route
from cargorisk.routing.schedule import (
    HOUR,
    PLACED_NOTE,
    Handover,
    RestPlacer,
    Schedule,
    drive_all,
    earliest_arrival,
    finish,
    finish_transfer,
    joins_at,
    starts_at_border,
)

MAX_WAIT_FOR_OPENING_H = 96
# wait look-ups kept per router (one per crossing, direction and UTC hour of arrival, about
# 0.5 kB each): departures move on with the calendar, so a service running for months would
# otherwise keep every hour it was ever asked about; past the limit they start again
OPENINGS_LIMIT = 50_000


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
class Leg:
    """A path's edges on one side of its crossing (a path without one: all of it), with what
    every path that shares them uses: a lane book's crossing paths share each leg about ten
    times over (10,000 lanes among 200 places: 96,000 crossing paths, 8,600 legs to the
    border, 8,700 from it)."""

    ids: np.ndarray
    stretches: tuple[tuple[float, str], ...]  # (driving seconds, country) runs
    id_list: list[int]
    heads: list  # node id at each edge's end
    edge_keys: list  # (u, v, key) of each edge
    router: object = dataclasses.field(default=None, repr=False)  # whose arrays the ids index
    # (team, into_us) -> schedules; ("parked", team, into_us) -> their least hazard parked
    clocks: dict = dataclasses.field(default_factory=dict, repr=False)

    def starts(self, team: bool, into_us: bool) -> list[Schedule]:
        """The schedules at the crossing after driving this leg (:func:`starts_at_border`),
        computed once; their rests are placed on this leg alone, which is where they go on any
        path that starts with it (a rest falls due no later than the crossing). The least
        hazard parked of their stops is kept with them (:meth:`parked_least`), read off the same
        exposure. A rest placed early on the leg cannot know the driving after the crossing, so
        when one was, the schedules with every rest where its clock runs out are kept too, after
        them: pricing goes on from each and takes the one arriving first (the placed one when
        they arrive together), so an early rest never costs the trip a rest more (an audit scan:
        one cross-border path in 19 arrived more than half an hour later)."""
        key = (team, into_us)
        if key not in self.clocks:
            where, tables = path_exposure(self.router, self.ids), self.router.exposure
            place = rest_placer(tables, where)
            found = starts_at_border(self.stretches, team=team, into_us=into_us, place=place)
            if any(a.rule.endswith(PLACED_NOTE) for s in found for a in s.activities):
                found = [*found, *starts_at_border(self.stretches, team=team, into_us=into_us)]
            self.clocks[key] = found
            self.clocks[("parked", *key)] = min(stops_hazard(tables, where, s.activities) for s in found)
        return self.clocks[key]

    def parked_least(self, team: bool, into_us: bool) -> float:
        """The least hazard parked, over the schedules at the crossing (:meth:`starts`), of
        the stops on this leg (:meth:`PathSummary.parked_least`)."""
        self.starts(team, into_us)
        return self.clocks[("parked", team, into_us)]

    @functools.cached_property
    def totals(self) -> tuple[float, float, float]:
        """(driving seconds, operating cost and tolls in USD, least hazard) of the leg
        (:meth:`Pricer.totals`), computed once."""
        return self.router.pricer.totals(self.ids)


def border_legs(direction: str | None, crossing_s: float) -> tuple[str, float, str]:
    """(country of the border line, seconds on the crossing edge, country it enters)."""
    line, enters = ("MX", "US") if direction == "northbound" else ("US", "MX")
    return line, crossing_s, enters


@dataclass(frozen=True, eq=False)
class PathSummary:
    """What pricing needs of a path, computed once (``crossing``: position in ``ids``)."""

    ids: np.ndarray  # edge ids, in order
    before: tuple[tuple[float, str], ...]  # (driving seconds, country) stretches to the crossing
    after: tuple[tuple[float, str], ...]  # after the crossing edge
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
    crossing_s: float = 0.0  # driving seconds of the crossing edge
    exposure: PathExposure | None = dataclasses.field(default=None, compare=False, repr=False)
    place: RestPlacer | None = dataclasses.field(default=None, compare=False, repr=False)  # where rests go
    # the drivers' schedules at the crossing, per team flag: they do not depend on the departure
    clocks: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    leg: Leg | None = dataclasses.field(default=None, compare=False, repr=False)  # the leg to the crossing

    def crossing_legs(self) -> tuple[str, float, str] | None:
        """(country of the border line, seconds on the crossing edge, country it enters), None
        without a crossing."""
        return None if self.bridge is None else border_legs(self.direction, self.crossing_s)

    def without_wait(self, team: bool) -> Schedule:
        """The drivers' schedule door to door without any wait at the border, made once per
        team flag and shared (read, never changed): a path without a crossing has this one at
        every hour, so its floor and every pricing of it take it as it is."""
        key = ("least", team)
        if key not in self.clocks:
            no_wait = lambda _: (0.0, 0.0, None)  # noqa: E731
            schedule, _, _ = finish(
                self.schedules_at_crossing(team), no_wait, self.crossing_legs(), self.after
            )
            self.clocks[key] = schedule
        return self.clocks[key]

    def least_hours(self, team: bool) -> float:
        """Door-to-door hours without any wait at the border (a path without a crossing takes
        exactly these at every hour)."""
        return self.without_wait(team).elapsed / HOUR

    def parked_least(self, router: object, team: bool) -> float:
        """Hazard parked (on ``router``'s tables) that no departure of the path goes below,
        computed once per team flag: without a crossing, that of its one schedule's stops
        (:meth:`without_wait`); across the border, the least over the drivers' schedules at the
        crossing of the stops made before it. Every pricing goes on from one of those schedules,
        and what follows (the line, a closed crossing, the stops after it) only adds stops (not
        for a transfer, whose first carrier stops elsewhere: :meth:`at_first_yard`)."""
        if self.bridge is not None and self.leg is not None:  # the leg's: its stops, its schedules
            return self.leg.parked_least(team, self.direction == "northbound")
        key = ("parked", team)
        if key not in self.clocks:
            where, tables = self.exposure or path_exposure(router, self.ids), router.exposure
            if self.bridge is None:
                found = stops_hazard(tables, where, self.without_wait(team).activities)
            else:
                starts = self.schedules_at_crossing(team)
                found = min(stops_hazard(tables, where, s.activities) for s in starts)
            self.clocks[key] = found
        return self.clocks[key]

    def at_first_yard(self, team: bool) -> Schedule:
        """The first carrier's schedule at its yard by the crossing (a transfer crossing: its
        drivers do not go on across the border, so no rest need last 10 hours), computed once
        per team flag."""
        key = (transfer.TRANSFER, team)
        if key not in self.clocks:
            self.clocks[key] = drive_all(Schedule(team=team, place=self.place), self.before)
        return self.clocks[key]

    def schedules_at_crossing(self, team: bool) -> list[Schedule]:
        """The drivers' schedules at the crossing (the end without one), computed once per team
        flag (:func:`~cargorisk.routing.schedule.starts_at_border`; they do not depend on the
        departure)."""
        if team not in self.clocks:
            into_us = self.direction == "northbound"
            if self.leg is None or self.place is None:  # no placer: every rest where the clock runs out
                found = starts_at_border(self.before, team=team, into_us=into_us, place=self.place)
            else:  # the leg's, placing the rests after the crossing on this path
                found = [s.placed(self.place) for s in self.leg.starts(team, into_us)]
            self.clocks[team] = found
        return self.clocks[team]


@dataclass(eq=False)
class CrossingPath:
    """A path across the border before its summary: its legs on either side of the crossing
    edge, which every path through them shares. A lane book takes a path's floor from these
    (:func:`~cargorisk.routing.extras.lean_floor`: the legs' totals, their schedules at the
    crossing) and summarises only the paths it prices (about six in ten); :meth:`~Pricer.
    least_hours` reads either."""

    legs: tuple[Leg, Leg]  # to the crossing, from it
    edge: int  # the crossing edge
    bridge: str
    direction: str
    crossing_s: float  # driving seconds of the crossing edge
    totals: tuple[float, float, float]  # the whole path's, as :attr:`Leg.totals`
    make: Callable[[], PathSummary] = dataclasses.field(repr=False)  # the summary

    @property
    def after(self) -> tuple[tuple[float, str], ...]:
        """(driving seconds, country) stretches after the crossing edge."""
        return self.legs[1].stretches

    def crossing_legs(self) -> tuple[str, float, str]:
        """As :meth:`PathSummary.crossing_legs`."""
        return border_legs(self.direction, self.crossing_s)

    def schedules_at_crossing(self, team: bool) -> list[Schedule]:
        """The drivers' schedules at the crossing (the leg's: those of the summary, but for
        where the rests after the crossing go)."""
        return self.legs[0].starts(team, self.direction == "northbound")

    def parked_least(self, router: object, team: bool) -> float:
        """As :meth:`PathSummary.parked_least` (the same stops, on the leg to the crossing, on
        the tables of the router that made it: its cargo type's)."""
        return self.legs[0].parked_least(team, self.direction == "northbound")

    @functools.cached_property
    def summary(self) -> PathSummary:
        """The path's summary, made once."""
        return self.make()


def summary_of(path: PathSummary | CrossingPath) -> PathSummary:
    """The summary of a path, summarising a :class:`CrossingPath` on first use."""
    return path.summary if isinstance(path, CrossingPath) else path


class Pricer:
    """Prices paths over the router's edge arrays (see :class:`~cargorisk.routing.Router`)."""

    def __init__(self, router: object, costs: CostModel, *, southbound_wait_min: float = 9.3) -> None:
        self.r = router
        self.costs = costs
        self.southbound_wait_min = southbound_wait_min
        self.operating, self.toll = costs.edge_money(router.metres, router.edge_country, router.is_toll)
        # each edge's country as a small integer: runs of one country are found on these (a
        # quarter of the time of comparing the names)
        codes, countries = pd.factorize(router.edge_country, use_na_sentinel=False)
        self.country_codes, self.countries = codes, np.asarray(countries, dtype=object)
        self.openings: dict[tuple, Wait] = {}  # (model, bridge, southbound, UTC hour number) -> wait then

    def bound_to(self, router: object) -> Pricer:
        """This pricer for a copy of its router (same costs and edge prices)."""
        new = copy.copy(self)
        new.r = router
        return new

    def summarize(
        self, edges: np.ndarray | list[int], leg: Callable[[np.ndarray], Leg] | None = None
    ) -> PathSummary:
        """The path's stretches, crossing and totals; ``leg`` makes the legs on either side of
        a crossing (default :meth:`leg`; the path finder keeps them, as paths share them)."""
        r = self.r
        ids = np.asarray(edges, dtype=np.int64)
        hits = np.flatnonzero(r.is_crossing[ids])
        crossing = int(hits[0]) if len(hits) else None
        bridge = port = direction = None
        if crossing is None:
            legs = [self.leg(ids)]
        else:
            leg = leg or self.leg
            edge = ids[crossing : crossing + 1]
            head = [r.engine.node_array[r.engine.head[edge[0]]]]
            middle = Leg(edge, (), edge.tolist(), head, r.engine.edge_keys(edge))
            legs = [leg(ids[:crossing]), middle, leg(ids[crossing + 1 :])]
            bridge, port = r.bridge[ids[crossing]], r.port_code[ids[crossing]]
            direction = "northbound" if r.tail_country[ids[crossing]] == "MX" else "southbound"
        return PathSummary(
            ids=ids,
            before=legs[0].stretches,
            after=legs[-1].stretches if crossing is not None else (),
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
            nodes=joined([r.engine.node_array[r.engine.tail[ids[0]]]] if len(ids) else [], legs, "heads"),
            edge_keys=joined([], legs, "edge_keys"),
            id_list=joined([], legs, "id_list"),
            crossing_s=0.0 if crossing is None else float(r.seconds[ids[crossing]]),
            exposure=(where := path_exposure(r, ids)),
            place=rest_placer(r.exposure, where),
            leg=None if crossing is None else legs[0],
        )

    def totals(self, ids: np.ndarray) -> tuple[float, float, float]:
        """(driving seconds, operating cost and tolls in USD, least hazard) of the edges
        ``ids``: what a path's floor needs (:func:`~cargorisk.routing.extras.lean_floor`)."""
        r = self.r
        money = float(self.operating[ids].sum()) + float(self.toll[ids].sum())
        return float(r.seconds[ids].sum()), money, edges_least_hazard(r, ids)

    def leg(self, ids: np.ndarray) -> Leg:
        """The :class:`Leg` of the edges ``ids``."""
        r = self.r
        return Leg(
            ids=ids,
            stretches=stretches(r.seconds[ids], self.country_codes[ids], self.countries),
            id_list=ids.tolist(),
            heads=r.engine.node_array[r.engine.head[ids]].tolist(),
            edge_keys=r.engine.edge_keys(ids),
            router=r,
        )

    def price(self, path: PathSummary, depart: datetime | None, cargo: float, *, team: bool = False) -> Route:
        """The route for a departure: schedule, wait at the crossing, costs, risk. Times are
        computed in UTC from the departure; of the schedules that differ in how long the rests
        in Mexico are, the one arriving first (then with the least rest) is kept."""
        start = None if depart is None else depart.astimezone(UTC)
        if self.transferring(path):
            schedule, port_s, waits = self.transfer_schedule(path, start, team)
        elif path.bridge is None:  # no crossing: nothing on the way waits on the hour
            schedule, port_s, waits = path.without_wait(team), None, []
        else:
            schedule, port_s, waits = finish(
                path.schedules_at_crossing(team),
                self.waits_for(path, start),
                path.crossing_legs(),
                path.after,
                self.port_work("customs clearance"),
            )
        return self.route(path, schedule, combined(waits), port_s, start, depart, cargo, team)

    def transferring(self, path: PathSummary) -> bool:
        """Whether ``path`` crosses the border by transfer (:mod:`~cargorisk.routing.transfer`)."""
        return path.bridge is not None and self.r.crossing_mode == transfer.TRANSFER

    def transfer_schedule(
        self, path: PathSummary, start: datetime | None, team: bool
    ) -> tuple[Schedule, float, list[tuple[float, float, Wait]]]:
        """The three carriers' schedule of a transfer crossing (see :func:`finish_transfer`):
        yard dwell, drayage with customs and the cargo type's inspection, far yard, second
        carrier."""
        figures = transfer.figures()
        first, carrier, second = transfer.roles(path.direction)
        yards = (
            Handover(
                figures.yard_origin_h * HOUR, f"secured yard: the {first} hands the trailer to the {carrier}"
            ),
            Handover(
                figures.yard_destination_h * HOUR,
                f"secured yard: the {carrier} hands the trailer to the {second}",
            ),
        )
        legs = path.crossing_legs()
        return finish_transfer(
            path.at_first_yard(team), self.waits_for(path, start), legs, path.after, team=team, yards=yards,
            port_work=self.port_work("customs clearance of the transfer"),
        )  # fmt: skip

    def port_work(self, customs: str) -> list[tuple[str, float, str]]:
        """The time at the crossing after the line, the driver on duty (kind, seconds, rule):
        customs processing and the inspection the cargo type needs (the cited figures of
        :mod:`~cargorisk.routing.transfer`), whoever drives the load across."""
        figures = transfer.figures()
        return [
            ("customs", figures.customs_h * HOUR, customs),
            ("inspection", figures.inspection(self.r.cargo) * HOUR, transfer.inspection_rule(self.r.cargo)),
        ]

    def yard_risk(self, path: PathSummary, schedule: Schedule) -> float:
        """Theft risk (``-log(1 - p)``) of the trailer parked in the yards of a transfer: each
        yard dwell's hours times the secured-yard hazard at its end of the crossing
        (:func:`~cargorisk.routing.transfer.yard_hazard_per_h`)."""
        dwell = [a.hours for a in schedule.activities if a.kind == transfer.HANDOVER]
        if not dwell or path.crossing is None:
            return 0.0
        nodes = (path.nodes[path.crossing], path.nodes[path.crossing + 1])
        scale = multiplier(self.r.cargo)
        return sum(
            hours * transfer.yard_hazard_per_h(self.r.graph, node, scale)
            for hours, node in zip(dwell, nodes, strict=False)
        )

    def least_hours(self, path: PathSummary | CrossingPath, depart: datetime | None, team: bool) -> float:
        """Hours no schedule of ``path`` beats leaving at ``depart``: across the border, the
        wait at the crossing then, the driving and the rests that cannot be avoided
        (:func:`~cargorisk.routing.schedule.earliest_arrival`; not the hours without a wait: a
        closure can stand for a stop, and the schedule takes stops as they fall due)."""
        if path.bridge is None:
            return path.least_hours(team)
        if self.transferring(path):  # exact: three carriers, no schedule choices to bound
            return self.price(path, depart, 0.0, team=team).total_h
        start = None if depart is None else depart.astimezone(UTC)
        wait_at, legs = self.waits_for(path, start), path.crossing_legs()
        after = sum(seconds for seconds, _ in path.after)
        return min(earliest_arrival(s, wait_at, legs, after) for s in path.schedules_at_crossing(team)) / HOUR

    def hours_bound(self, path: PathSummary, team: bool) -> float:
        """Hours no departure of ``path`` goes below (and so no :meth:`least_hours`): without
        a crossing its hours, which no hour changes; across the border the quickest schedule
        to the crossing, its edge and the driving after, with no wait, break or rest (a
        transfer: the driving alone)."""
        if path.bridge is None:
            return path.least_hours(team)
        if self.transferring(path):
            return path.driving_s / HOUR
        driving = path.crossing_s + sum(seconds for seconds, _ in path.after)
        return (min(s.elapsed for s in path.schedules_at_crossing(team)) + driving) / HOUR

    def route(
        self,
        path: PathSummary,
        schedule: Schedule,
        wait: Wait,
        port_s: float | None,
        start: datetime | None,
        depart: datetime | None,
        cargo: float,
        team: bool,
    ) -> Route:
        """The priced route of a finished schedule."""
        mode, yard, fees, yard_h = transfer.THROUGH, 0.0, {}, 0.0
        if self.transferring(path):  # the yards: theft exposure, fees, time at the rest rate
            mode, yard, fees = (
                transfer.TRANSFER,
                self.yard_risk(path, schedule),
                dict(transfer.figures().fees_usd),
            )
            yard_h = sum(a.hours for a in schedule.activities if a.kind == transfer.HANDOVER)
        port_s = joins_at(schedule.activities, port_s)
        hazard = route_hazard(
            self.r, path.exposure or path_exposure(self.r, path.ids), schedule.activities, start
        )
        theft = float(-np.expm1(-(hazard.total + yard)))
        rest_h = schedule.rest_s / HOUR + wait.closed_min / 60 + yard_h  # the trailer waits, no driver
        total_h = schedule.elapsed / HOUR
        cost = self.costs.breakdown(
            busy_h=total_h - rest_h,
            rest_h=rest_h,
            operating_usd=path.operating_usd,
            toll_usd=path.toll_usd,
            theft_prob=theft,
            cargo_value=cargo,
            fees_usd=sum(fees.values()),
            team=team,
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
            port_arrival=at(start, port_s),
            arrival=at(start, schedule.elapsed),
            theft_prob=theft,
            parked_theft_prob=float(-np.expm1(-(hazard.parked + yard))),
            hazard=hazard,
            expected_loss_usd=cost.loss_usd,
            cost_usd=cost.total_usd,
            ids=path.id_list,
            total_h=total_h,
            costs=cost,
            wait_source=wait.source,
            closed_min=wait.closed_min,
            opens_at=wait.opens_at,
            direction=path.direction,
            team=team,
            depart=depart,
            risk_sq=path.risk_sq,
            cargo_value=cargo,
            schedule=schedule.activities,
            port_zone=self.r.time_zones.get(path.bridge) if path.bridge else None,
            port_s=port_s,
            crossing_mode=mode,
            yard_theft_prob=float(-np.expm1(-yard)),
            fees=fees,
        )

    def waits_for(self, path: PathSummary | CrossingPath, start: datetime | None) -> Callable:
        """The wait at the path's crossing for a truck getting there some seconds after a
        departure at ``start`` (UTC; None: a typical hour), as :func:`cross_border` reads it:
        (seconds parked, seconds in line, the :class:`Wait`). Without a live feed the wait
        depends on the UTC hour only (:meth:`wait`): read from its cache by the hour's number,
        with no date arithmetic (pricing asks this for every path, departure and schedule)."""
        if (
            start is None
            or self.r.wait_model is None
            or (self.r.live is not None and path.direction != "southbound")
        ):

            def wait_at(elapsed: float) -> tuple[float, float, Wait]:
                found = self.wait(path.bridge, path.direction, at(start, elapsed))
                return found.closed_min * 60, found.queue_min * 60, found

            return wait_at
        epoch, key = start.timestamp(), (id(self.r.wait_model), path.bridge, path.direction == "southbound")

        def hourly(elapsed: float) -> tuple[float, float, Wait]:
            moment = epoch + elapsed
            hour = math.floor(moment / HOUR)
            found = self.openings.get((*key, hour))
            if found is None:  # :meth:`wait` looks it up and keeps it under this key
                found = self.wait(path.bridge, path.direction, datetime.fromtimestamp(hour * HOUR, UTC))
            closed = found.closed_min * 60
            if closed > 0 and found.source != "closed":
                closed -= moment - hour * HOUR  # the minutes of the hour already gone
            return closed, found.queue_min * 60, found

        return hourly

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
        key = (id(model), bridge, southbound, round(hour.timestamp() / HOUR))
        found = self.openings.get(key)
        if found is None:
            found = self.keep(key, self.first_opening(bridge, southbound, hour, None))
        if found.closed_min == 0 or found.source == "closed":
            return found
        return dataclasses.replace(found, closed_min=found.closed_min - (arrival - hour).total_seconds() / 60)

    def keep(self, key: tuple, found: Wait) -> Wait:
        """Remember a wait look-up (at most :data:`OPENINGS_LIMIT`: past it they start again)."""
        if len(self.openings) >= OPENINGS_LIMIT:
            self.openings.clear()
        self.openings[key] = found
        return found

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


def combined(waits: list[tuple[float, float, Wait]]) -> Wait:
    """The waits of one crossing looked up in turn (:func:`cross_border`) as one: the time
    parked while closed added up, the line of the last."""
    if not waits:
        return NO_WAIT
    last = waits[-1][2]
    closed = sum(seconds for seconds, _, _ in waits) / 60
    opens = next((w.opens_at for c, _, w in reversed(waits) if c > 0 and w.opens_at is not None), None)
    return Wait(closed, last.queue_min, last.p90_min, last.source, opens)


def at(start: datetime | None, seconds: float | None) -> datetime | None:
    """``seconds`` after ``start`` (UTC), or None without either."""
    return None if start is None or seconds is None else start + timedelta(seconds=seconds)


def stretches(seconds: np.ndarray, codes: np.ndarray, names: np.ndarray) -> tuple[tuple[float, str], ...]:
    """Driving seconds per run of edges in one country (``codes``: each edge's country as an
    index into ``names``)."""
    if len(seconds) == 0:
        return ()
    starts = np.concatenate(([0], np.flatnonzero(codes[1:] != codes[:-1]) + 1))
    sums = np.add.reduceat(seconds, starts)
    return tuple((float(t), str(c)) for t, c in zip(sums, names[codes[starts]], strict=True))


def joined(start: list, legs: list[Leg], name: str) -> list:
    """``start`` followed by the list ``name`` (heads, edge keys, ids) of every leg."""
    out = list(start)
    for leg in legs:
        out += getattr(leg, name)
    return out
