"""What a plan says about a route: its road runs, its riskiest stretches, where and when the
truck stands still (each time in the zone of its place).

Filled only for the routes a plan returns (searching and the departure sweep skip it).
"""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from cargorisk.network.timezones import clock
from cargorisk.risk.calibration import route_interval
from cargorisk.routing.edge_lines import PathLines
from cargorisk.routing.exposure_pricing import stop_hazard
from cargorisk.routing.plan import Route, iso
from cargorisk.routing.schedule import DRIVING, HOUR

CLOSE_MARGIN_H = 1.0  # a crossing closing this soon after the truck joins it is said (a late arrival)


def describe(router: object, route: Route, *, full: bool = True) -> None:
    """Fill ``route.riskiest`` and ``route.theft_interval`` and, when ``full``,
    ``route.segments`` and ``route.stop_places`` (in place; lane scoring needs no more)."""
    ids = router.edge_ids(route)
    route.edge_lines = PathLines(router.lines, ids)  # made when asked for
    parked = route.hazard.parked_by_edge() if route.hazard is not None else None
    if parked is not None and len(parked) != len(ids):
        parked = None
    by_edge = None if parked is None else route.hazard.edges + parked  # the route's hazard, by edge
    if by_edge is not None:  # the interval's spread over states, on the basis of the route's P
        route.risk_sq = float(np.square(np.bincount(router.state_codes[ids], weights=by_edge)).sum())
    found = runs(router, ids, by_edge)
    route.riskiest = riskiest(router, ids, found, parked=parked)
    route.theft_interval = route_interval(
        -np.log1p(-route.theft_prob), route.risk_sq, router.theft_dispersion, router.theft_scale_shape
    )
    if route.arrival is not None:
        route.eta_zone = zone_at_end(router, int(ids[-1]))
    if full:
        route.runs = found
        route.stop_places = stop_places(router, route, ids)
        route.closing = closing(router, route)


def closing(router: object, route: Route) -> dict | None:
    """When the crossing closes within :data:`CLOSE_MARGIN_H` after the truck joins it, and when
    it opens again: ``{"closes": ..., "margin_min": ..., "reopens": ...}`` (local times), for
    a dispatcher to know that arriving that much later costs the night; None otherwise."""
    joins, model = route.port_arrival_local, router.wait_model
    if joins is None or model is None or route.crossing is None:
        return None
    midnight = joins.replace(hour=0, minute=0, second=0, microsecond=0)
    minute = (joins.replace(tzinfo=None) - midnight.replace(tzinfo=None)).total_seconds() / 60  # wall clock
    span = model.hours(route.crossing, joins.date(), route.direction or "northbound", router.live)
    end = span.closes_after(minute)
    if end is None:
        return None
    closes = (midnight + timedelta(minutes=end)).astimezone(UTC).astimezone(joins.tzinfo)
    margin = (closes.astimezone(UTC) - joins.astimezone(UTC)).total_seconds() / 60  # hours that elapse
    if margin > CLOSE_MARGIN_H * 60:
        return None
    later = router.pricer.first_opening(route.crossing, route.direction == "southbound", closes, router.live)
    if later.opens_at is None:  # open on (a 24-hour crossing past midnight)
        return None
    return {"closes": closes, "margin_min": margin, "reopens": later.opens_at}


def runs(router: object, ids: np.ndarray, hazard: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Road runs of a path of edge ids: consecutive edges on the same road in the same state
    and country (the road is an edge's first ``ref``, the most important of concurrent
    numbers), with from, to, ref, state, country ('MX', 'US', or 'MX-US' for the crossing), km,
    hours, theft probability, share of the route's risk, and the positions of their first and
    last edge in the route (``first``, ``last``); the columns of ``Route.segments``.

    ``hazard``: each edge's hazard on a priced route (:meth:`~cargorisk.routing.
    exposure_pricing.Hazard.by_edge`: in transit at the hour driven, and the stops at its end),
    so a run's theft probability is its part of the route's and the runs add up to it (but the
    yards of a transfer); without it, the roads' own at the fleet's hours and stops."""
    engine = router.engine
    code = router.run_codes[ids]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    lasts = np.r_[starts[1:] - 1, len(ids) - 1]
    run_risk = np.add.reduceat(router.risk[ids] if hazard is None else hazard, starts)
    label = router.node_label
    return {
        "from": np.array([label(i) for i in engine.tail[ids[starts]]], dtype=object),
        "to": np.array([label(i) for i in engine.head[ids[lasts]]], dtype=object),
        "ref": router.road[ids[starts]],
        "state": engine.text_attribute("state")[ids[starts]],
        "country": router.edge_country[ids[starts]],
        "km": np.add.reduceat(router.metres[ids], starts) / 1000,
        "hours": np.add.reduceat(router.seconds[ids], starts) / 3600,
        "theft_prob": -np.expm1(-run_risk),
        "risk_share": run_risk / (run_risk.sum() or 1.0),
        "first": starts,
        "last": lasts,
    }


def riskiest(
    router: object,
    ids: np.ndarray,
    runs: dict[str, np.ndarray],
    top: int = 3,
    *,
    parked: np.ndarray | None = None,
) -> list[dict]:
    """The road runs (see :func:`runs`) with the highest theft probability, with what drives
    their risk (``parked``: each edge's hazard of the stops at its end, when the runs are a
    priced route's: a run ranked by a rest made on it says so)."""
    first, last = runs["first"], runs["last"]
    out = []
    for r in np.argsort(-runs["theft_prob"], kind="stable")[:top]:
        # the run's kind of road is that of most of its km (a cuota may have a free bypass)
        run_ids = ids[first[r] : last[r] + 1]
        main = int(run_ids[np.argmax(router.metres[run_ids])])
        p, km, state = float(runs["theft_prob"][r]), float(runs["km"][r]), runs["state"][r]
        hazard = -np.log1p(-p)
        # the road's own rate, whatever the hours the route drives it and where it stops
        rate = float(router.risk[run_ids].sum()) / max(km, 1e-9) * 1e6  # thefts per million truck-km
        # Mexico's rates are of loaded trucks (the calibration chain); the US one of all trucks
        trucks = "loaded truck-km" if router.tail_country[main] == "MX" else "truck-km"
        drivers = [
            f"road rate {rate:.2g} thefts per million {trucks} ({state or '?'})",
            road_kind(router, main),
            f"{km:.0f} km",
        ]
        stopped = 0.0 if parked is None else float(parked[first[r] : last[r] + 1].sum())
        if stopped > 0.05 * hazard:
            drivers.append(f"{stopped / hazard:.0%} of it parked (stops on it)")
        out.append(
            {"from": runs["from"][r], "to": runs["to"][r], "ref": runs["ref"][r], "state": state,
             "theft_prob": p, "drivers": drivers}
        )  # fmt: skip
    return out


def stop_places(router: object, route: Route, ids: list[int]) -> list[dict]:
    """Every interval the truck stands still (the driver's stops, parked at a closed crossing,
    the border line), in order: kind, hours, driving hours before it, UTC start and end (None
    without a departure), hours after departure, local start and clock time in the zone of the
    place, the graph node, nearest place and road, country and rule."""
    ids = np.asarray(ids, dtype=np.int64)
    cum = np.cumsum(router.seconds[ids])
    out = []
    for activity in route.schedule:
        if activity.kind in DRIVING:
            continue
        edge = int(ids[min(int(np.searchsorted(cum, activity.at_s - 1e-6)), len(ids) - 1)])
        node = router.engine.head[edge]
        start, zone = route.utc(activity.start_s), zone_at_end(router, edge)
        local = start.astimezone(ZoneInfo(zone)) if start is not None else None
        out.append(
            {
                "kind": activity.kind,
                "hours": round(activity.hours, 4),
                "driving_h": round(activity.at_s / HOUR, 2),
                "start": iso(start),
                "end": iso(route.utc(activity.end_s)),
                "start_h": round(activity.start_s / HOUR, 4),
                "end_h": round(activity.end_s / HOUR, 4),
                "starts": iso(local),
                "clock": clock(local),
                "zone": zone,
                "node": str(router.engine.nodes[node]),
                "road": str(router.road[edge]),
                "place": router.node_label(node),
                "country": activity.country,
                "rule": activity.rule,
                "theft_prob": float(-np.expm1(-stop_hazard(router.exposure, node, activity))),
            }
        )
    return out


def zone_at_end(router: object, edge: int) -> str:
    """The IANA time zone where an edge ends."""
    return router.zone_names[router.node_zone[router.engine.head[edge]]]


def road_kind(router: object, edge: int) -> str:
    """'toll road (cuota)' / 'free road (libre)' in Mexico, 'US road' / 'border crossing' otherwise."""
    if router.is_crossing[edge]:
        return "border crossing"
    toll = bool(router.is_toll[edge])
    if router.edge_country[edge] != "MX":
        return "US toll road" if toll else "US road"
    return "toll road (cuota)" if toll else "free road (libre)"
