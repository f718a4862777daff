"""Many-to-many: the route of every origin-destination pair from one search per origin (and
one backward search per destination across the border), like OSRM's table service and
Valhalla's matrix.

Which route a cell reports, exactly: the route :meth:`Router.plan
<cargorisk.routing.Router.plan>` recommends when its route pool holds only the objective's own
search profile (fastest: driving time; safest: theft risk; balanced: the generalized cost at the
cargo value) through its best-ranked crossing (search cost plus the wait expected when the
truck gets there, as the pool ranks crossings), priced exactly as plans are (driver's schedule,
wait, costs, risk); when the truck gets there while it is closed, through the :data:`CROSSINGS`
best-ranked. A full plan also weighs the other profiles and more crossings, so it may recommend
a better route for a pair; the matrix is the quick screen of a whole network
(``PathFinder.narrowed`` gives the plan it equals, with one crossing or :data:`CROSSINGS`,
which the tests check pair by pair).

The crossings of every pair are ranked at once per origin: the forward costs to each crossing
plus its wait (both depend on the origin only) plus the backward costs from it (the
destination's) form a (crossings x destinations) array whose least entry per column is priced.
The ranking estimates the hour the truck gets there from the driving alone, and a rest on the
way can bring it to a closed crossing (a weekend's Monterrey -> Dallas ranked Colombia first,
priced with 17 h parked: 37.7 h against the plan's 23.0 h by Roma): then the next ranked are
priced too and chosen among as a plan chooses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from cargorisk.errors import InputError
from cargorisk.routing import choice
from cargorisk.routing.plan import Route, iso
from cargorisk.routing.pool import Tree, mask_key

MAX_PLACES = 500  # origins (or destinations) in one matrix; larger networks: several calls
CROSSINGS = 3  # crossings priced for a pair whose first-ranked is closed on arrival (a plan: five)


@dataclass(frozen=True)
class Matrix:
    """The routes of every pair: ``routes[i][j]`` from ``origins[i]`` to ``destinations[j]``
    (None where no road joins them or both name one network node); ``departs[i]``: origin
    ``i``'s departure (a time without an offset is each origin's own local time, so origins in
    different zones leave at different instants)."""

    origins: list[str]
    destinations: list[str]
    objective: str
    cargo_value: float
    cargo_type: str
    departs: list[datetime | None]
    routes: list[list[Route | None]]
    depart: str | None = None  # the departure as the request gave it

    FIGURES = (
        ("km", lambda r: round(r.km, 1)),
        ("driving_h", lambda r: round(r.driving_h, 2)),
        ("total_h", lambda r: round(r.total_h, 2)),
        ("crossing", lambda r: r.crossing),
        ("port_code", lambda r: r.port_code),
        ("wait_min", lambda r: round(r.wait_min, 1)),
        ("theft_prob", lambda r: float(f"{r.theft_prob:.4g}")),
        ("expected_loss_usd", lambda r: round(r.expected_loss_usd, 2)),
        ("cost_usd", lambda r: round(r.cost_usd, 2)),
    )

    def figure(self, name: str) -> list[list[object]]:
        """One figure for every pair (rows: origins), None where there is no route."""
        get = dict(self.FIGURES)[name]
        return [[None if r is None else get(r) for r in row] for row in self.routes]

    def to_dict(self) -> dict:
        """JSON-ready: the request's terms and one origins x destinations array per figure."""
        return {
            "origins": self.origins,
            "destinations": self.destinations,
            "objective": self.objective,
            "cargo_value_usd": self.cargo_value,
            "cargo_type": self.cargo_type,
            "depart": self.depart,
            "departs": [iso(when) for when in self.departs],
            **{name: self.figure(name) for name, _ in self.FIGURES},
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per pair (origin, destination and every figure; blank where no route)."""
        rows = []
        for i, origin in enumerate(self.origins):
            for j, destination in enumerate(self.destinations):
                route = self.routes[i][j]
                figures = {name: None if route is None else get(route) for name, get in self.FIGURES}
                rows.append({"origin": origin, "destination": destination, **figures})
        return pd.DataFrame(rows)


def route_matrix(  # noqa: PLR0913  (the request's options, keyword-only)
    router: object,
    origins: Sequence[str | tuple],
    destinations: Sequence[str | tuple],
    *,
    depart: datetime | str | None = None,
    cargo_value: float | None = None,
    cargo_type: str | None = None,
    objective: str = "balanced",
    team: bool = False,
    stop: Callable[[], None] | None = None,
) -> Matrix:
    """The matrix of ``router`` (see the module docstring and :meth:`Router.matrix`); ``stop``
    is called before each origin's row and may raise to stop the work (a service's deadline).

    Raises
    ------
    PlaceNotFound, AmbiguousPlace, OffNetworkError, InputError
        A place or option that cannot be used (the first, as one line).
    """
    for name, places in (("origins", origins), ("destinations", destinations)):
        if not 1 <= len(places) <= MAX_PLACES:
            msg = f"{name}: {len(places)} places; give 1 to {MAX_PLACES}"
            raise InputError(msg)
    sources = [router.gazetteer.resolve(p) for p in origins]  # type: ignore[attr-defined]
    targets = [router.gazetteer.resolve(p) for p in destinations]  # type: ignore[attr-defined]
    requests = [
        router.check_request(  # type: ignore[attr-defined]
            a, depart=depart, cargo_value=cargo_value, objective=objective, cargo_type=cargo_type
        )
        for a in sources
    ]
    _, cargo, objective, kind = requests[0]
    r = router.for_cargo(kind)  # type: ignore[attr-defined]
    search = Searches(r, objective, cargo, r.options.max_time_ratio)
    nodes = [b.node for b in targets]
    routes = []
    for a, (when, *_) in zip(sources, requests, strict=True):
        if stop is not None:
            stop()
        routes.append(search.row(a, nodes, when, team))
    return Matrix(
        [r.place_name(a) for a in sources], [r.place_name(b) for b in targets], objective, cargo, kind,
        [when for when, *_ in requests], routes,
        iso(depart) if isinstance(depart, datetime) else depart,
    )  # fmt: skip


class Searches:
    """The profile's searches over a router's caches (the plan's own, so a matrix and the plans
    of its pairs share them), for the mask without low-traffic crossings and, where that gives
    no route, the full one (as :meth:`Router.decide` falls back)."""

    def __init__(self, router: object, objective: str, cargo: float, ratio: float) -> None:
        self.r = router
        self.objective, self.ratio = objective, ratio
        self.value = cargo if objective == "balanced" else 0.0
        self.cargo = cargo
        everything = np.ones(len(router.seconds), dtype=bool)  # type: ignore[attr-defined]
        self.masks = (everything & router.busy, everything)  # type: ignore[attr-defined]
        self.roads = everything & ~router.is_crossing  # type: ignore[attr-defined]
        self.key = mask_key(self.roads)  # both masks search the same roads

    def tree(self, node: object, *, reverse: bool) -> Tree:
        """The (cached) search from, or with ``reverse`` to, a node."""
        return self.r.finder.search(self.objective, self.value, self.roads, self.key, node, reverse=reverse)

    def row(self, a: object, targets: list, depart: datetime | None, team: bool) -> list[Route | None]:
        """The routes from place ``a`` to every target node."""
        out: list[Route | None] = [None] * len(targets)
        for keep in self.masks:
            missing = [j for j, b in enumerate(targets) if out[j] is None and b != a.node]
            if not missing:
                break
            for j, paths in self.paths(a.node, [targets[j] for j in missing], keep, depart, team).items():
                out[missing[j]] = self.chosen(paths, depart, team)
        return out

    def chosen(self, paths: list[Callable[[], np.ndarray]], depart: datetime | None, team: bool) -> Route:
        """The route through the best-ranked crossing (``paths[0]``), or, when the truck gets
        there while it is closed, the route a plan recommends among all of ``paths`` (the
        ranking guessed the hour from the driving alone); a path's edges are joined only when
        it is priced."""
        price = lambda path: self.r.price(self.r.finder.summary(path()), depart, self.cargo, team)  # noqa: E731
        first = price(paths[0])
        if first.closed_min <= 0 or len(paths) == 1:
            return first
        routes = [first, *(price(path) for path in paths[1:])]
        return choice.choose(routes, self.objective, self.ratio).recommended

    def paths(
        self, a: object, targets: list, keep: np.ndarray, depart: datetime | None, team: bool
    ) -> dict[int, list[Callable[[], np.ndarray]]]:
        """The paths (each a call giving its edge ids) to each target (by position) that has one
        under ``keep``: one within the country, one through each of the :data:`CROSSINGS`
        best-ranked crossings across the border."""
        r = self.r
        forward = self.tree(a, reverse=False)
        country = r.country(a)
        found: dict[int, list[Callable[[], np.ndarray]]] = {}
        abroad = [j for j, b in enumerate(targets) if r.country(b) != country]
        for j, b in enumerate(targets):
            if j not in abroad:
                edges = forward.edges(r.engine.index[b])
                if len(edges):
                    found[j] = [functools.partial(np.asarray, edges)]
        if abroad:
            far = [targets[j] for j in abroad]
            found.update(self.crossing_paths(forward, a, far, abroad, keep, depart, team))
        return found

    def crossing_paths(
        self,
        forward: Tree,
        a: object,
        targets: list,
        positions: list[int],
        keep: np.ndarray,
        depart: datetime | None,
        team: bool,
    ) -> dict[int, list[Callable[[], np.ndarray]]]:
        """Paths across the border: through each target's :data:`CROSSINGS` best-ranked
        crossings, ranked at once (:func:`through`)."""
        r, finder = self.r, self.r.finder
        ids = r.crossing_ids
        w, _ = finder.weights(self.objective, self.value, self.roads, self.key)
        country = r.country(a)
        usable = np.flatnonzero(keep[ids] & (r.tail_country[ids] == country) & np.isfinite(forward.cost))
        if not len(usable):
            return {}
        to_crossing = forward.cost[usable] + w[ids[usable]]
        waits = np.array(
            [
                finder.wait_weight(self.objective, int(ids[k]), forward.seconds_to(k), country, depart, team)
                for k in usable
            ]
        )
        trees = [self.tree(b, reverse=True) for b in targets]
        backward = np.stack([t.cost[usable] for t in trees], axis=1)  # crossings x targets
        total = (to_crossing[:, None] + backward) + waits[:, None]  # as the pool ranks them
        total[~np.isfinite(backward)] = np.inf
        ranked = np.argsort(total, axis=0, kind="stable")[:CROSSINGS]
        found: dict[int, list[Callable[[], np.ndarray]]] = {}
        for col, tree in enumerate(trees):
            for row in ranked[:, col]:
                if not np.isfinite(total[row, col]):
                    break
                found.setdefault(positions[col], []).append(
                    functools.partial(through, forward, tree, ids, int(usable[row]))
                )
        return found


def through(forward: Tree, backward: Tree, ids: np.ndarray, k: int) -> np.ndarray:
    """Edge ids of the path through crossing ``k`` (of ``ids``): ``forward`` to it, ``backward``
    from it."""
    before, after = forward.edges(forward.ends[k], keep=True), backward.edges(backward.ends[k], keep=True)
    return np.concatenate((before, ids[k : k + 1], after))
