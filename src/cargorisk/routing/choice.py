"""Choosing the routes of a plan from a pool of priced routes.

The fastest route is the pool's least total hours (door to door: driving, stops, border);
routes arriving within a quarter of an hour of it count as arriving with it, and the cheapest
of them is the fastest.
Every other route shown lies within ``max_time_ratio`` x those hours, and its driving hours
within the same ratio of the pool's least driving hours (so a long wait for a closed crossing
never makes room for a long detour: waiting is not turned into kilometres): "safest" is the least
theft probability there, the recommended route the best by the objective there (for
"balanced", the least generalized cost, so it is never dearer than a route shown beside it),
and alternatives are the next best that share less than 70% of their km with a route shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cargorisk.errors import InputError, NoRouteError, shown
from cargorisk.routing.plan import SAME_ARRIVAL_H, SAME_RISK, Route

OVERLAP_LIMIT = 0.7
# what an alternative must do better than a route shown to be worth showing on its own: arrive
# earlier than the same arrival, carry at least 1% less theft risk (the plan shows whole
# percents), or cost at least USD 10 less
SAME_USD = 10.0  # costs within this much count as the same (SAME_RISK: theft risks)
KEYS: dict[str, Callable[[Route], tuple]] = {
    "balanced": lambda r: (r.cost_usd, r.total_h),
    "fastest": lambda r: (r.total_h, r.cost_usd),
    "safest": lambda r: (r.theft_prob, r.total_h),
}


@dataclass(frozen=True)
class Choice:
    """The routes a plan shows (before labels and details)."""

    recommended: Route
    fastest: Route
    safest: Route
    within: list[Route]  # the pool within the time bound, best by the objective first
    limit_h: float  # total hours a route may take
    driving_limit_h: float  # driving hours a route may take
    ratio: float

    def admits(self, route: Route) -> bool:
        """Whether a route is within the plan's bound (total and driving hours)."""
        return route is self.fastest or (
            route.total_h <= self.limit_h and route.driving_h <= self.driving_limit_h
        )


def choose(pool: list[Route], objective: str, max_time_ratio: float, budget: float | None = None) -> Choice:
    """Fastest, safest and recommended routes from ``pool`` (see the module docstring).

    Raises
    ------
    InputError
        A bad ratio or budget.
    NoRouteError
        No route within the bound meets the theft budget.
    """
    if not max_time_ratio >= 1:
        msg = f"max_time_ratio {shown(max_time_ratio)} must be at least 1"
        msg += " (1.5: half as long again as the fastest)"
        raise InputError(msg)
    quickest = min(r.total_h for r in pool)
    # arrivals within a quarter of an hour are the same arrival: the cheaper route is the fastest
    # (a detour that only fills the wait for a closed crossing never wins)
    fastest = min((r for r in pool if r.total_h <= quickest + SAME_ARRIVAL_H), key=lambda r: r.cost_usd)
    limit = max_time_ratio * fastest.total_h + 1e-9
    driving = max_time_ratio * min(r.driving_h for r in pool) + 1e-9
    admitted = [r for r in pool if r is fastest or (r.total_h <= limit and r.driving_h <= driving)]
    within = sorted(admitted, key=KEYS[objective])  # the fastest always: it arrives first
    safest = min(within, key=KEYS["safest"])
    recommended = {"fastest": fastest, "safest": safest}.get(objective, within[0])
    if budget is not None:
        recommended = within_budget(within, objective, budget, safest, max_time_ratio)
    return Choice(recommended, fastest, safest, within, limit, driving, max_time_ratio)


def within_budget(within: list[Route], objective: str, budget: float, safest: Route, ratio: float) -> Route:
    """The best route (by objective) whose theft probability is at most ``budget``."""
    if not 0 <= budget <= 1:
        msg = f"max_theft_prob {shown(budget)} must be a probability between 0 and 1"
        raise InputError(msg)
    feasible = [r for r in within if r.theft_prob <= budget]
    if not feasible:
        msg = (
            f"no route has theft probability <= {budget:.2e} (max_theft_prob); the safest route "
            f"within {ratio:g}x the fastest's hours has {safest.theft_prob:.2e} "
            "(raise max_time_ratio to look further)"
        )
        raise NoRouteError(msg)
    return min(feasible, key=KEYS[objective])


def alternatives(
    choice: Choice,
    n: int,
    overlap: Callable[[Route, Route], float],
    shown: list[Route],
    extra: list[Route] = (),  # type: ignore[assignment]
    objective: str = "balanced",
    budget: float | None = None,
) -> list[Route]:
    """Up to ``n`` routes from the bounded pool and ``extra`` candidates, best first, each
    sharing less than 70% of its km with every route already shown, and within the theft
    budget when there is one (a plan asked to stay under it offers nothing over it; its
    fastest and safest are shown as they are, to say what the budget costs). An extra candidate must be
    within the bound and no better by the objective than the recommended route (which the
    route pool, shared with lane scoring, decides). A route that a route ``shown`` beats on
    time, risk and cost together is passed over unless it is the first (the best) through a
    crossing no route shown or picked takes, whatever it shares with them; it leaves again when
    a route not beaten takes that crossing.
    So every beaten route picked is the one route of its crossing (a fallback crossing:
    :func:`~cargorisk.routing.compose.label_fallbacks`)."""
    key = KEYS[objective]
    admitted = [r for r in extra if choice.admits(r) and key(r) >= key(choice.recommended)]
    crossings = {r.crossing for r in shown}
    picked: list[Route] = []
    candidates = [
        r for r in sorted([*choice.within, *admitted], key=key) if budget is None or r.theft_prob <= budget
    ]
    for candidate in candidates:
        if len(picked) >= n:
            break
        route, beaten = candidate, dominated(candidate, shown)
        if beaten and route.crossing in crossings:  # no use, not even as a fallback
            continue
        if beaten:  # a better route through this crossing takes its place (and its slot)
            route = best_through(route, [c for c in candidates if c.crossing == route.crossing], key)
            beaten = dominated(route, shown)
        if any(route is p for p in picked):
            continue
        # the first route through a crossing no route shown or picked takes is another option
        # however much of its way it shares with them (the roads to neighbouring bridges are
        # mostly the same); other routes must differ in 30% of their km
        if route.crossing not in crossings or all(
            overlap(route, other) < OVERLAP_LIMIT for other in [*shown, *picked]
        ):
            if not beaten:  # a fallback through this crossing is no longer needed: its slot is free
                picked = [p for p in picked if p.crossing != route.crossing or not dominated(p, shown)]
            picked.append(route)
            crossings.add(route.crossing)
    return picked


def dominated(route: Route, others: list[Route]) -> bool:
    """Whether another route of ``others`` is as good as ``route`` on time, theft risk and cost
    together (door-to-door hours, theft probability, generalized cost), or worse only by less
    than a dispatcher would act on (:data:`~cargorisk.routing.plan.SAME_ARRIVAL_H`,
    :data:`SAME_RISK`, :data:`SAME_USD`): a detour that arrives with the fastest, 0.04% safer
    and USD 174 dearer is no alternative to it."""
    return any(
        other is not route
        and other.total_h <= route.total_h + SAME_ARRIVAL_H
        and other.theft_prob <= route.theft_prob * (1 + SAME_RISK)
        and other.cost_usd <= route.cost_usd + SAME_USD
        for other in others
    )


def best_through(route: Route, same: list[Route], key: Callable[[Route], tuple]) -> Route:
    """``route``, or the route of ``same`` (through its crossing) that outclasses it
    (:func:`outclassed`), best by ``key``, and so on while one outclasses that (a few steps at
    most: each is better by a margin)."""
    for _ in range(len(same)):
        better = [o for o in same if outclasses(o, route)]
        if not better:
            break
        route = min(better, key=key)
    return route


def outclassed(route: Route, others: list[Route]) -> bool:
    """Whether a route of ``others`` beats ``route`` (:func:`dominated`) and is not beaten by it
    in turn (two routes within a dispatcher's margins of each other beat each other: then
    neither is outclassed, and the objective's order decides)."""
    return any(outclasses(o, route) for o in others)


def outclasses(other: Route, route: Route) -> bool:
    """Whether ``other`` beats ``route`` (:func:`dominated`) and is not beaten by it in turn."""
    return other is not route and dominated(route, [other]) and not dominated(other, [route])


def non_dominated(routes: list[Route]) -> list[Route]:
    """Routes not dominated in (total hours, theft probability), sorted by time, no repeats."""
    routes = sorted(routes, key=lambda r: (r.total_h, r.theft_prob))
    out: list[Route] = []
    for r in routes:
        if all(not (o.total_h <= r.total_h and o.theft_prob <= r.theft_prob) for o in out):
            out.append(r)
    return out
