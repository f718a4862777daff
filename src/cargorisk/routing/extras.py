"""What a plan adds to the shared decision: more alternatives, the Pareto front, departure advice.

None of these changes the recommended, fastest or safest route (lane scoring, which skips them,
gives the same answer as ``route``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from cargorisk.routing import choice
from cargorisk.routing.departure import Floor, recommended_in_time, sweep
from cargorisk.routing.exposure_pricing import least_hazard, path_exposure
from cargorisk.routing.pareto import pareto_paths
from cargorisk.routing.plan import Route
from cargorisk.routing.pool import joined_parts, mask_key
from cargorisk.routing.pricing import CrossingPath, PathSummary
from cargorisk.routing.schedule import HOUR

if TYPE_CHECKING:
    from cargorisk.routing.router import Decision, Router

PARETO_LABELS = 12  # labels kept per node in the plan's Pareto front (the bounded variant)


def detours(router: Router, decision: Decision) -> list[Route]:
    """More distinct routes for the alternatives: the least-cost search again with the roads
    of the routes already found made :data:`DETOUR_PENALTY` times dearer (the penalty
    method), once per route shown; priced like every other route. The penalised searches
    are cached by the roads penalised (plans of one lane at other hours often show the same
    routes)."""
    a, b, cargo, depart, team, keep = (
        decision.a, decision.b, decision.cargo, decision.depart, decision.team, decision.keep,
    )  # fmt: skip
    roads = keep & ~router.is_crossing
    key, finder = mask_key(roads), router.finder
    used = np.zeros(len(router.seconds), bool)
    out = []
    for route in [decision.choice.recommended, decision.choice.fastest, decision.choice.safest]:
        if used[route.ids].all():  # the roads of a route before: the same detour again
            continue
        used[route.ids] = True
        w, forward = finder.penalised_search("balanced", cargo, used, roads, key, a.node, reverse=False)
        backward = (
            None
            if finder.domestic(a.node, b.node)
            else finder.penalised_search("balanced", cargo, used, roads, key, b.node, reverse=True)[1]
        )
        paths = finder.paths_from(
            "balanced",
            w,
            forward,
            backward,
            origin=a.node,
            destination=b.node,
            keep=keep,
            depart=depart,
            team=team,
        )
        out += [router.price(router.finder.summary(joined_parts(p)), depart, cargo, team) for p in paths[:1]]
    return out


def through_crossings(router: Router, decision: Decision, crossings: set[str]) -> list[Route]:
    """The least-cost route (at the request's cargo value) through each of ``crossings``, priced,
    when the pool does not hold it already: a fallback crossing's figures are then its best way
    across, not those of whichever search profile reached it by a detour. The searches are the
    pool's own (the roads' mask is the same; only the crossing kept differs)."""
    a, b, keep, finder = decision.a, decision.b, decision.keep, router.finder
    key = mask_key(keep & ~router.is_crossing)
    known = {tuple(r.ids) for r in decision.choice.within}
    out = []
    for bridge in sorted(crossings):
        only = keep & (~router.is_crossing | (router.bridge == bridge))
        for parts in finder.profile_paths(
            "balanced", decision.cargo, a.node, b.node, only, key, decision.depart, decision.team
        ):
            summary = finder.summary(joined_parts(parts))
            if tuple(summary.id_list) not in known:
                out.append(router.price(summary, decision.depart, decision.cargo, decision.team))
    return out


def pareto(router: Router, decision: Decision) -> list[Route]:
    """The exact front of (time, theft probability) within the plan's bound: label setting
    over driving time plus each crossing's typical time in line (a crossing closed at the
    truck's hour delays every crossing alike), pruned at ``max_time_ratio`` x the least such
    time in the pool; its paths are then priced (schedule, waits) and kept when the plan
    could show them."""
    a, b = decision.a, decision.b
    times = router.seconds.copy()
    country = router.country(a.node)
    direction = "northbound" if country == "MX" else "southbound"
    for e in np.flatnonzero(router.is_crossing):
        times[e] += router.pricer.wait(router.bridge[e], direction, None).queue_min * 60
    keep = decision.keep & (~router.is_crossing | (router.tail_country == country))
    moving = min(r.driving_h + (r.wait_min - r.closed_min) / 60 for r in decision.choice.within)
    limit = decision.choice.ratio * moving * 3600
    found = pareto_paths(
        router.engine, times, router.risk, a.node, b.node, keep=keep, max_time=limit, max_labels=PARETO_LABELS
    )
    summaries = [router.finder.summary(np.asarray(edges)) for _, _, edges in found]
    routes = [router.price(summary, decision.depart, decision.cargo, decision.team) for summary in summaries]
    return choice.non_dominated([r for r in routes if decision.choice.admits(r)])


def advise(
    router: Router,
    decision: Decision,
    objective: str,
    ratio: float,
    *,
    budget: float | None,
    window_h: float,
) -> object:
    """Departure advice for the recommended choice (see :mod:`~cargorisk.routing.departure`);
    none when no path of the plan crosses the border: with no crossing to wait for, a later
    start arrives as much later (its theft risk depends on the hour, its schedule does not), so
    no later departure arrives as early."""
    if all(p.bridge is None for p in decision.paths):
        return None
    choose_at = chooser(router, decision, objective, ratio, budget)
    return sweep(choose_at, decision.choice.recommended, window_h, objective=objective)


def chooser(
    router: Router, decision: Decision, objective: str, ratio: float, budget: float | None
) -> Callable[[datetime, Callable[[float], bool]], Route | None]:
    """``choose_at(when, hopeless)`` for :func:`~cargorisk.routing.departure.sweep`: the route
    recommended leaving at ``when``, or None when the paths' least hours already make it
    ``hopeless``: their floors are computed in the order of their bounds (:meth:`~cargorisk.
    routing.pricing.Pricer.hours_bound`) until one is not hopeless or the next bound is, so an
    hour no path can win costs the floors of the paths whose bounds leave them a chance."""
    price = lambda path, at: router.price(path, at, decision.cargo, decision.team)  # noqa: E731
    parts = [static_floor(router, p, decision.cargo, decision.team) for p in decision.paths]
    # the paths by the hours no departure of theirs goes below (a floor is never under it)
    bounds = sorted((router.pricer.hours_bound(p, decision.team), i) for i, p in enumerate(decision.paths))

    def choose_at(when: datetime, hopeless: Callable[[float], bool]) -> Route | None:
        floors: dict[int, Floor] = {}
        for bound, i in bounds:
            if hopeless(bound):  # so are this path's floor and every later path's (hopeless grows)
                return None
            floors[i] = at_hour(router, parts[i], decision.team, when)
            if not hopeless(floors[i].total_h):  # this hour may win: every path's floor, in order
                every = [
                    floors[k] if k in floors else at_hour(router, part, decision.team, when)
                    for k, part in enumerate(parts)
                ]
                return recommended_in_time(when, every, price, objective, ratio, budget, hopeless)
        return None

    return choose_at


def floor(router: Router, path: PathSummary, cargo: float, team: bool, depart: datetime | None) -> Floor:
    """The least hours and cost of a path leaving at ``depart``
    (:class:`~cargorisk.routing.departure.Floor`, :meth:`~cargorisk.routing.pricing.Pricer.least_hours`)."""
    return at_hour(router, static_floor(router, path, cargo, team), team, depart)


def lean_floor(
    router: Router, path: PathSummary | CrossingPath, cargo: float, team: bool, depart: datetime | None
) -> Floor:
    """:func:`floor` of a path, or of a :class:`~cargorisk.routing.pricing.CrossingPath` from
    its legs: their totals (summed in another order than the summary's, so the cost and theft
    floors are taken a billionth lower, which only prices a path more) and their schedules at
    the crossing (the least hours are the same)."""
    if not isinstance(path, CrossingPath):
        return floor(router, path, cargo, team, depart)
    costs = router.costs
    driving_s, money, hazard = path.totals
    driving = driving_s / HOUR
    theft = under(float(-np.expm1(-(hazard + parked_least(router, path, team)))))
    cost = under((costs.time_usd_per_h - costs.rest_usd_per_h) * driving + money)
    return at_hour(router, Floor(path, 0.0, driving, cost + cargo * theft, theft), team, depart)


def under(value: float) -> float:
    """``value`` made a billionth of itself lower (a bound from sums in another order)."""
    return value - abs(value) * 1e-9


def static_floor(router: Router, path: PathSummary, cargo: float, team: bool) -> Floor:
    """The part of a path's floor that does not depend on the hour (no hours yet): driving
    hours, the least theft probability, and the cost of driving at the time rate less the rest rate,
    operating cost, tolls and expected loss."""
    costs, driving = router.costs, path.driving_s / HOUR
    where = path.exposure or path_exposure(router, path.ids)
    # the hour only adds to the least in transit, and the crossing and what follows to the stops
    theft = float(-np.expm1(-(least_hazard(router.exposure, where) + parked_least(router, path, team))))
    cost = (costs.time_usd_per_h - costs.rest_usd_per_h) * driving + path.operating_usd + path.toll_usd
    return Floor(path, 0.0, driving, cost + cargo * theft, theft)


def parked_least(router: Router, path: PathSummary | CrossingPath, team: bool) -> float:
    """Hazard parked that no departure of ``path`` goes below (:meth:`~cargorisk.routing.
    pricing.PathSummary.parked_least`; 0 for a path crossing by transfer, whose first carrier
    stops elsewhere)."""
    return 0.0 if router.pricer.transferring(path) else path.parked_least(router, team)


def at_hour(router: Router, part: Floor, team: bool, depart: datetime | None) -> Floor:
    """A static floor completed for a departure: its least hours, each at least at the rest rate."""
    hours = router.pricer.least_hours(part.path, depart, team)
    return Floor(
        part.path, hours, part.driving_h, part.cost_usd + router.costs.rest_usd_per_h * hours, part.theft_prob
    )
