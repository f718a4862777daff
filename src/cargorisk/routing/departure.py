"""Departure advice: would leaving later arrive earlier, or as early and for less?

The paths of a plan do not depend on the hour (the search is time-independent); their waits
and the driver's schedule do. The sweep re-prices the plan's paths for every hour of a window
after the planned departure, chooses as the plan does, and keeps the departure that arrives
first (a later start that arrives at the same time, within a quarter of an hour, wins when it
is cheaper: less time parked in front of a closed crossing). Waiting is never turned into
kilometres: a detour that only fills waiting time costs its km and arrives no earlier.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cargorisk.config import MAX_DEPARTURE_WINDOW_H
from cargorisk.errors import InputError
from cargorisk.routing import choice
from cargorisk.routing.plan import SAME_ARRIVAL_H, SAME_RISK, Advice, Route

MIN_SAVING_USD = 10.0  # a later start must save at least this much to be worth advising
LATE_TRIES = 3  # routes of late paths priced to show an hour's recommended route is late too
# by objective (but the fastest): a floor's figure, and the route's figure it is a floor of (the
# first of the key :func:`~cargorisk.routing.choice.choose` ranks routes by)
KEYS: dict[str, tuple[Callable[[Floor], float], Callable[[Route], float]]] = {
    "balanced": (lambda f: f.cost_usd, lambda r: r.cost_usd),
    "safest": (lambda f: f.theft_prob, lambda r: r.theft_prob),
}


@dataclass(frozen=True)
class Floor:
    """What a path takes and costs at least leaving at a given hour: door-to-door hours (no
    schedule beats them), its driving hours, a cost floor (every hour at least at the rest
    rate, driving hours at the time rate) and a theft probability no hour goes below (each edge at
    its country's least hourly multiplier, parked only where no departure avoids it:
    :meth:`~cargorisk.routing.pricing.PathSummary.parked_least`)."""

    path: object
    total_h: float
    driving_h: float
    cost_usd: float
    theft_prob: float


def recommended_in_time(
    when: datetime,
    floors: list[Floor],
    price: Callable[[object, datetime], Route],
    objective: str,
    ratio: float,
    budget: float | None,
    hopeless: Callable[[float], bool],
) -> Route | None:
    """The route :func:`~cargorisk.routing.choice.choose` recommends among every floor's path leaving
    at ``when`` (:func:`chosen_at`), or None when it arrives too late (``hopeless`` says so of its
    hours) whichever it is. Most hours the sweep cannot skip by the floors alone are like that: a
    path whose floor is late gives a route within the bound whatever the fastest route is (no
    longer than the ratio times the least floor, driving within the driving bound), meeting the
    budget and better by the objective than the floor of every path that could arrive in time; the
    recommended route is then that one or better still, so one of the late paths. A few routes
    priced show it (the routes of the late paths cheapest by their floors, :data:`LATE_TRIES` at
    most); otherwise every path is chosen among, and those routes are not priced again."""
    priced: dict[int, Route] = {}

    def get(path: object, at: datetime | None = None) -> Route:
        if id(path) not in priced:
            priced[id(path)] = price(path, when)
        return priced[id(path)]

    if objective in KEYS:
        floor_key, route_key = KEYS[objective]
        late = sorted((f for f in floors if hopeless(f.total_h)), key=floor_key)
        target = min((floor_key(f) for f in floors if not hopeless(f.total_h)), default=math.inf)
        least = ratio * min(f.total_h for f in floors) + 1e-9  # at most the bound, whatever the fastest
        driving = ratio * min(f.driving_h for f in floors) + 1e-9
        for floor in late[:LATE_TRIES]:
            if floor_key(floor) >= target:
                break
            if floor.driving_h > driving or (budget is not None and floor.theft_prob > budget):
                continue
            route = get(floor.path)
            meets = budget is None or route.theft_prob <= budget
            if meets and route.total_h <= least and route_key(route) < target:
                return None
    return chosen_at(when, floors, get, objective, ratio, budget).recommended


def chosen_at(
    when: datetime | None,
    floors: list[Floor],
    price: Callable[[object, datetime | None], Route],
    objective: str,
    ratio: float,
    budget: float | None,
) -> choice.Choice:
    """:func:`~cargorisk.routing.choice.choose` over the routes of the floors' paths leaving
    at ``when``, pricing only the paths that can matter: those that may be the fastest (least
    hours no more than a quarter of an hour over the quickest found), the one driving least
    (it sets the driving bound), and, within the bound, those whose floor is no worse than the
    best found by the objective. Its recommended and fastest routes are those of pricing them
    all (tested); its ``within`` holds the routes priced."""
    priced: dict[int, Route] = {}

    def get(floor: Floor) -> Route:
        if id(floor) not in priced:
            priced[id(floor)] = price(floor.path, when)
        return priced[id(floor)]

    get(min(floors, key=lambda f: f.driving_h))
    quickest = min(r.total_h for r in priced.values())
    for floor in sorted(floors, key=lambda f: f.total_h):
        if floor.total_h > quickest + SAME_ARRIVAL_H:
            break
        quickest = min(quickest, get(floor).total_h)
    if objective != "fastest":
        fastest = choice.choose(list(priced.values()), "fastest", ratio).fastest
        limit = ratio * fastest.total_h + 1e-9
        driving = ratio * min(f.driving_h for f in floors) + 1e-9
        floor_key, route_key = KEYS[objective]
        best = None
        for floor in sorted(floors, key=floor_key):
            if best is not None and floor_key(floor) > best:
                break
            if (
                floor.total_h > limit
                or floor.driving_h > driving
                or (budget is not None and floor.theft_prob > budget)
            ):
                continue
            route = get(floor)
            meets = budget is None or route.theft_prob <= budget  # else a dearer route may be the one
            if route.total_h <= limit and meets and (best is None or route_key(route) < best):
                best = route_key(route)
    return choice.choose(list(priced.values()), objective, ratio, budget)


def check_window(window_h: object) -> float:
    """The departure window in hours, checked: 0 (no advice) to :data:`MAX_DEPARTURE_WINDOW_H`.

    Raises
    ------
    InputError
        Not a number, not finite, negative or longer than a week.
    """
    try:
        hours = float(window_h)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        hours = math.nan
    if not 0 <= hours <= MAX_DEPARTURE_WINDOW_H:
        msg = (
            f"depart_window_h {window_h!r} must be a number of hours from 0 (no departure advice) "
            f"to {MAX_DEPARTURE_WINDOW_H:.0f} (a week)"
        )
        raise InputError(msg)
    return hours


def sweep(
    choose_at: Callable[[datetime, Callable[[float], bool]], Route | None],
    planned: Route,
    window_h: float,
    step_h: float = 1.0,
    objective: str = "balanced",
) -> Advice | None:
    """The best departure in ``(planned.depart, planned.depart + window_h]``, or None.

    ``choose_at(depart, hopeless)`` prices the plan's paths for a departure and returns the
    route the plan would recommend then, or None when ``hopeless(hours)`` says that no route
    taking at least ``hours`` door to door (the least of the paths' floors) can beat the best
    departure found so far: its arrival, in quarter hours, is already later, and arrival is the
    first part of the key (:func:`arrival_key`: then the plan's ``objective``). The answer is the
    one pricing every hour gives (tested); most hours of a lane without a closure or a long wait
    ahead are settled by the floors alone.
    """
    if planned.depart is None or planned.arrival is None:
        return None
    best, best_key = None, arrival_key(planned, planned, objective)
    steps = int(window_h / step_h)
    start = planned.depart.astimezone(UTC)  # hours are added in UTC, shown in the origin's zone
    for k in range(1, steps + 1):
        when = (start + timedelta(hours=k * step_h)).astimezone(planned.depart.tzinfo)
        late = (when.timestamp() - planned.arrival.timestamp()) / 3600

        def hopeless(least_h: float, late: float = late, limit: int = best_key[0]) -> bool:
            return round((late + least_h) / SAME_ARRIVAL_H) > limit

        route = choose_at(when, hopeless)
        if route is None:
            continue
        key = arrival_key(route, planned, objective)
        if key < best_key:
            best, best_key = route, key
    if best is None or not worth_it(planned, best, objective):
        return None
    earlier = hours_earlier(planned, best)
    change = best.theft_prob / planned.theft_prob - 1 if planned.theft_prob > 0 else 0.0
    other = planned.crossing if best.crossing != planned.crossing else None
    saving = planned.cost_usd - best.cost_usd
    return Advice(best.depart, best, earlier, saving, why(planned, best), change, other)


def arrival_key(route: Route, planned: Route, objective: str = "balanced") -> tuple[float, ...]:
    """Sort key: arrival in quarter hours after the planned arrival, then as the plan's objective
    ranks routes: the least theft probability first for the safest (a later start that only
    saves money on a riskier route is not safer advice), else the least cost (balanced: the
    expected loss is in it)."""
    hours = (route.arrival.timestamp() - planned.arrival.timestamp()) / 3600
    if objective == "safest":
        return (round(hours / SAME_ARRIVAL_H), route.theft_prob, route.cost_usd)
    return (round(hours / SAME_ARRIVAL_H), route.cost_usd)


def worth_it(planned: Route, better: Route, objective: str) -> bool:
    """Whether a departure that ranks better is worth advising: it arrives a quarter hour
    earlier or more, or saves :data:`MIN_SAVING_USD`, or, for the safest, cuts the theft risk by
    :data:`~cargorisk.routing.plan.SAME_RISK` or more."""
    if hours_earlier(planned, better) >= SAME_ARRIVAL_H or (objective == "safest" and safer(planned, better)):
        return True
    return planned.cost_usd - better.cost_usd >= MIN_SAVING_USD


def hours_earlier(planned: Route, better: Route) -> float:
    """Hours ``better`` arrives before ``planned`` (negative: after)."""
    return (planned.arrival.timestamp() - better.arrival.timestamp()) / 3600


def safer(planned: Route, better: Route) -> bool:
    """Whether ``better`` carries at least :data:`~cargorisk.routing.plan.SAME_RISK` less theft
    risk than ``planned``."""
    return better.theft_prob < planned.theft_prob * (1 - SAME_RISK)


def why(planned: Route, better: Route) -> tuple[str, dict]:
    """Why the later departure is better (:attr:`~cargorisk.routing.plan.Advice.why`)."""
    earlier = hours_earlier(planned, better)
    if planned.closed_min >= 30 and planned.opens_at is not None:
        return "closed", {"crossing": planned.crossing, "opens": planned.opens_at}
    shorter_wait_h = (planned.wait_min - better.wait_min) / 60
    # the wait is the reason only when it is most of what is gained (a rest the later start
    # does without can gain 9 h beside 28 min less in line)
    if better.crossing == planned.crossing and shorter_wait_h >= 0.25 and shorter_wait_h >= earlier / 2:
        return "wait", {"crossing": better.crossing, "before": planned.wait_min, "after": better.wait_min}
    if earlier < SAME_ARRIVAL_H and safer(planned, better):
        return "risk", {}
    return "hours", {"hours": planned.total_h - better.total_h}
