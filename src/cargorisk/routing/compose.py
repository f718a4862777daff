"""What a plan shows, from the shared decision: the labelled routes, alternatives worth
reading, the Pareto front, departure advice, each route's details and the check of its hours.

- An alternative that the recommended, fastest or safest route beats on time, theft risk and
  cost together is left out, unless it is the plan's only route through its crossing: then it
  stays, labelled "fallback crossing" (a dispatcher may need a second crossing when the first
  one closes), as the best route through that crossing: the least-cost route through it is
  searched for and priced too, and a route that another through the same crossing beats is
  never the fallback.
- The Pareto front (asked for with ``pareto``) is the non-dominated set, in total hours and
  theft probability, of the front search's routes and the routes shown: the recommended route is
  on it unless another route is both at least as fast and at least as safe.
- Every route shown is checked by :mod:`~cargorisk.routing.hos`; a failure (a bug: the schedule
  is built to keep both countries' rules) is a note on the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cargorisk.routing import choice, extras, hos
from cargorisk.routing.describe import describe
from cargorisk.routing.plan import Route, RoutePlan, compare

if TYPE_CHECKING:
    from cargorisk.routing.router import Decision, Router

FALLBACK = "fallback crossing"


@dataclass(frozen=True)
class Shown:
    """What the request asks the plan to show beyond the shared decision."""

    objective: str
    ratio: float
    budget: float | None
    alternatives: int
    pareto: bool
    window_h: float  # hours, checked (:func:`~cargorisk.routing.departure.check_window`)


def compose(router: Router, decision: Decision, shown: Shown) -> RoutePlan:
    """The plan of a decision (see the module docstring)."""
    chosen = decision.choice
    main = [chosen.recommended, chosen.fastest, chosen.safest]
    extra = extras.detours(router, decision) if shown.alternatives else []
    pick = lambda extra: choice.alternatives(  # noqa: E731
        chosen, shown.alternatives, router.overlap, main, extra, shown.objective, shown.budget
    )
    alts = pick(extra)
    fallbacks = {r.crossing for r in alts if choice.dominated(r, main)}
    if fallbacks:  # each fallback crossing's best way across, when the pool reached it by a detour
        more = extras.through_crossings(router, decision, fallbacks)
        alts = pick([*extra, *more]) if more else alts
    alts = label_fallbacks(alts, main)
    front = choice.non_dominated([*main, *extras.pareto(router, decision)]) if shown.pareto else []
    advice = extras.advise(
        router, decision, shown.objective, shown.ratio, budget=shown.budget, window_h=shown.window_h
    )
    label(chosen, alts)
    notes = list(decision.notes)
    for route in {id(r): r for r in [*main, *alts]}.values():
        describe(router, route)
        notes += [
            f"hours-of-service check of the {route.label} route: {p}" for p in hos.check_route(route)[:1]
        ]
    for route in [*main, *alts, *front, *([advice.route] if advice else [])]:
        route.vs_fastest = compare(route, chosen.fastest)
        route.eta_zone = chosen.recommended.eta_zone
    return RoutePlan(
        router.place_name(decision.a), router.place_name(decision.b), decision.depart, decision.cargo,
        shown.objective, chosen.recommended, chosen.fastest, chosen.safest, alts, front, advice, shown.ratio,
        notes, router.cargo, router.crossing_mode,
    )  # fmt: skip


def label_fallbacks(alternatives: list[Route], main: list[Route]) -> list[Route]:
    """The alternatives, those that a route of ``main`` (recommended, fastest, safest) beats on
    time, risk and cost together labelled :data:`FALLBACK` (each is the plan's one route through
    its crossing: :func:`~cargorisk.routing.choice.alternatives`)."""
    for route in alternatives:
        if choice.dominated(route, main):
            route.label = FALLBACK
    return alternatives


def label(chosen: choice.Choice, alternatives: list[Route]) -> None:
    """Label the routes: recommended, fastest, safest, alternative N (fallbacks keep theirs)."""
    for name, route in (("fastest", chosen.fastest), ("safest", chosen.safest)):
        route.label = name
    chosen.recommended.label = "recommended"
    numbered = [r for r in alternatives if r.label != FALLBACK]
    for i, route in enumerate(numbered, 1):
        route.label = f"alternative {i}"
