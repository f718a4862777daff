"""Router: plan truck routes that trade travel time, theft risk and border waits.

Border-aware search: a route crosses the border once, so the router searches origin -> the
entry node of every allowed crossing and every exit node -> destination (two Dijkstra runs on
the compiled graph, crossings masked), prices the wait at each crossing for the hour the truck
arrives (a closed port means waiting for it to open), and keeps the best combination.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from datetime import datetime, timedelta

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from cargorisk.config import Settings
from cargorisk.errors import InputError, NoRouteError
from cargorisk.network.places import Gazetteer, Place
from cargorisk.routing.constraints import area_mask, edge_values, port_codes, state_mask
from cargorisk.routing.costs import OBJECTIVES, CostModel, check_cargo_value
from cargorisk.routing.engine import CSREngine
from cargorisk.routing.pareto import pareto_paths
from cargorisk.routing.plan import Route, RoutePlan, compare

OVERLAP_LIMIT = 0.7  # alternatives share at most 70% of their km with a route already chosen
SAFEST_MAX_TIME_RATIO = 2.5  # "safest" = least theft risk among routes <= 2.5x the fastest's hours
MAX_WAIT_FOR_OPENING_H = 96
NO_SEGMENTS = pd.DataFrame()  # placeholder while searching; returned routes get their own table


class Router:
    """Plans routes over a road graph whose edges carry ``theft_prob`` (see ``risk_network``).

    Parameters
    ----------
    graph
        Tagged road graph with ``travel_time``, ``length`` and ``theft_prob`` on every edge.
    wait_model
        A fitted :class:`~cargorisk.border.BorderWaitModel` (no border waits when ``None``).
    time_zones
        Crossing (bridge) name -> IANA time zone, for the wait model.
    costs
        Cost parameters (default: cited values from ``Settings``).
    gazetteer
        Place lookup (default: the graph's own node names).
    live_waits
        A CBP feed read with :func:`~cargorisk.border.read_live_waits` (optional).
    default_cargo_value
        Cargo value (USD) used when a request gives none.
    """

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        *,
        wait_model: object | None = None,
        time_zones: dict[str, str] | None = None,
        costs: CostModel | None = None,
        gazetteer: Gazetteer | None = None,
        live_waits: pd.DataFrame | None = None,
        default_cargo_value: float = 100_000.0,
    ) -> None:
        if any("theft_prob" not in d for *_, d in graph.edges(data=True)):
            msg = "the graph has edges without theft_prob; attach risk first (cargorisk.risk.risk_network)"
            raise InputError(msg)
        self.graph, self.engine = graph, CSREngine(graph)
        self.seconds = self.engine.edge_attribute("travel_time")
        self.metres = self.engine.edge_attribute("length")
        self.risk = -np.log1p(-np.clip(self.engine.edge_attribute("theft_prob", 0.0), 0.0, 1 - 1e-12))
        self.is_crossing = edge_values(self.engine, "kind") == "crossing"
        self.road = np.array([r.split(";")[0] for r in edge_values(self.engine, "ref")], dtype=object)
        self.lines = np.array([line_of(graph, e) for e in self.engine.edges], dtype=object)
        self.tail_country = np.array([graph.nodes[u].get("country", "") for u, _, _ in self.engine.edges])
        self.wait_model, self.time_zones, self.live = wait_model, time_zones or {}, live_waits
        self.costs = costs or CostModel()
        self.gazetteer = gazetteer or Gazetteer(graph)
        self.default_cargo_value = default_cargo_value

    @classmethod
    def from_settings(
        cls, settings: Settings, year: int = 2025, graph: nx.MultiDiGraph | None = None
    ) -> Router:
        """The road graph (``graph``, else the national one) with theft risk for ``year``, the
        trained wait model and the cited cost defaults.

        Without ``graph`` the router is built once per process for the same settings, year and
        input files (models, built tables: their sizes and modification times), and each call
        gets its own shallow copy, so setting e.g. ``live`` on it changes no other caller's."""
        if graph is None:
            return copy.copy(shared_router(settings, year, input_stamp(settings)))
        return cls.build(settings, year, graph)

    @classmethod
    def build(cls, settings: Settings, year: int, graph: nx.MultiDiGraph | None = None) -> Router:
        """A new router (see :meth:`from_settings`, which reuses one per process)."""
        from cargorisk.border import crossing_table, load_wait_model, model_file  # noqa: PLC0415
        from cargorisk.network import load_gazetteer, load_network  # noqa: PLC0415
        from cargorisk.risk import risk_network  # noqa: PLC0415

        base = graph if graph is not None else load_network(settings=settings)
        risky = risk_network(settings, base, year)
        wait_model, _ = load_wait_model(model_file(settings))
        zones = crossing_table(base, settings.processed_dir).set_index("crossing")["time_zone"].to_dict()
        return cls(
            risky,
            wait_model=wait_model,
            time_zones=zones,
            costs=CostModel.from_settings(settings),
            gazetteer=load_gazetteer(risky, settings),
            default_cargo_value=settings.cargo_value_usd,
        )

    # ---- the request ----

    def plan(  # noqa: PLR0913  (the request's options, all keyword-only)
        self,
        origin: str | tuple,
        destination: str | tuple,
        *,
        depart: datetime | str | None = None,
        cargo_value: float | None = None,
        objective: str = "balanced",
        avoid_states: Iterable[str] = (),
        avoid_areas: object | None = None,
        avoid_ports: Iterable[str] = (),
        via_port: str | None = None,
        max_theft_prob: float | None = None,
        alternatives: int = 3,
    ) -> RoutePlan:
        """Plan a route (see the module docstring and README for every option).

        Raises
        ------
        PlaceNotFound, AmbiguousPlace, OffNetworkError, InputError
            Bad origin, destination or option (one-line messages).
        NoRouteError
            No route satisfies the constraints; the message names the one that blocks.
        """
        a, b = self.gazetteer.resolve(origin), self.gazetteer.resolve(destination)
        if a.node == b.node:
            msg = f"origin {a.name!r} and destination {b.name!r} are the same network node"
            raise InputError(msg)
        if objective not in OBJECTIVES:
            msg = f"objective {objective!r} is not one of {OBJECTIVES}"
            raise InputError(msg)
        cargo = check_cargo_value(self.default_cargo_value if cargo_value is None else cargo_value)
        when = read_departure(depart)
        constraints = self.constraints(a, b, avoid_states, avoid_areas, avoid_ports, via_port)
        keep = (
            np.logical_and.reduce([m for _, m in constraints])
            if constraints
            else np.ones(len(self.seconds), bool)
        )
        by_objective = {
            o: self.candidates(o, a.node, b.node, keep, cargo, when) for o in {"fastest", "safest", objective}
        }
        if not by_objective[objective]:
            raise self.no_route(a, b, constraints, cargo, when)
        fastest = by_objective["fastest"][0][1]
        pareto = self.pareto(a.node, b.node, keep, cargo, when, by_objective["fastest"])
        safest = self.bounded_safest(fastest, [r for _, r in by_objective["safest"]] + pareto)
        recommended = safest if objective == "safest" else by_objective[objective][0][1]
        if max_theft_prob is not None:
            recommended = self.within_budget(max_theft_prob, objective, by_objective, pareto, safest)
        pool = sorted(
            by_objective[objective] + [(self.score(objective, r, cargo), r) for r in pareto],
            key=lambda item: item[0],
        )
        alts = self.alternatives(pool, [recommended, fastest, safest], alternatives)
        for route in {id(r): r for r in [recommended, fastest, safest, *alts]}.values():
            self.add_details(route)
        for label, route in (("fastest", fastest), ("safest", safest)):
            route.label = label
        recommended.label = "recommended"
        for i, route in enumerate(alts, 1):
            route.label = f"alternative {i}"
        for route in [recommended, fastest, safest, *alts, *pareto]:
            route.vs_fastest = compare(route, fastest)
        return RoutePlan(a.name, b.name, when, cargo, objective, recommended, fastest, safest, alts, pareto)

    def constraints(
        self,
        a: Place,
        b: Place,
        avoid_states: Iterable[str],
        avoid_areas: object | None,
        avoid_ports: Iterable[str],
        via_port: str | None,
    ) -> list[tuple[str, np.ndarray]]:
        """Named keep-masks for the request's constraints."""
        out = []
        states = list(avoid_states)
        if states:
            out.append((f"avoid_states={states}", state_mask(self.engine, states)))
        if avoid_areas is not None:
            out.append(("avoid_areas", area_mask(self.engine, avoid_areas)))
        ports = list(avoid_ports)
        port = edge_values(self.engine, "port_code")
        if ports:
            out.append((f"avoid_ports={ports}", ~np.isin(port, list(port_codes(self.engine, ports)))))
        if via_port is not None:
            forced = port_codes(self.engine, [via_port])
            out.append((f"via_port={via_port!r}", ~self.is_crossing | np.isin(port, list(forced))))
        return out

    # ---- search ----

    def weights(self, objective: str, cargo: float) -> np.ndarray:
        """Additive search weight per edge."""
        return self.costs.edge_weights(objective, self.seconds, self.risk, self.metres, cargo)

    def candidates(
        self,
        objective: str,
        origin: object,
        destination: object,
        keep: np.ndarray,
        cargo: float,
        depart: datetime | None,
        weights: np.ndarray | None = None,
    ) -> list[tuple[float, Route]]:
        """Best route per allowed crossing (or the one domestic route), best first."""
        w = self.weights(objective, cargo) if weights is None else weights
        roads = keep & ~self.is_crossing
        best = self.engine.best_edges(w, roads)
        start, end = self.engine.index[origin], self.engine.index[destination]
        if self.graph.nodes[origin].get("country") == self.graph.nodes[destination].get("country"):
            dist, pred = self.engine.search(w, [origin], keep=roads)
            if not np.isfinite(dist[0][end]):
                return []
            route = self.build_route(self.engine.tree_edges(pred[0], start, end, best), depart, cargo)
            return [(self.score(objective, route, cargo), route)]
        fwd, fwd_pred = self.engine.search(w, [origin], keep=roads)
        bwd, bwd_pred = self.engine.search(w, [destination], keep=roads, reverse=True)
        out = []
        origin_country = self.graph.nodes[origin].get("country")
        for e in np.flatnonzero(keep & self.is_crossing & (self.tail_country == origin_country)):
            i, j = self.engine.tail[e], self.engine.head[e]
            if not (np.isfinite(fwd[0][i]) and np.isfinite(bwd[0][j])):
                continue
            first = self.engine.tree_edges(fwd_pred[0], start, i, best)
            last = self.engine.tree_edges(bwd_pred[0], j, end, best, reverse=True)
            route = self.build_route([*first, int(e), *last], depart, cargo)
            out.append((self.score(objective, route, cargo), route))
        return sorted(out, key=lambda item: item[0])

    def score(self, objective: str, route: Route, cargo: float) -> float:
        """Exact objective value of a built route."""
        if objective == "fastest":
            return route.total_h + 1e-9 * route.theft_prob
        if objective == "safest":
            return route.theft_prob + 1e-12 * route.total_h
        return route.cost_usd

    # ---- building a route ----

    def build_route(self, edges: list[int], depart: datetime | None, cargo: float, label: str = "") -> Route:
        """Totals, waits and tables for a path given as edge ids."""
        seconds, risk = self.seconds[edges], self.risk[edges]
        crossing = next((e for e in edges if self.is_crossing[e]), None)
        port_code = bridge = port_arrival = None
        wait_min = wait_p90 = 0.0
        if crossing is not None:
            data = self.graph.edges[self.engine.edges[crossing]]
            port_code, bridge = data["port_code"], data["bridge"]
            before = float(seconds[: edges.index(crossing)].sum())
            port_arrival = depart + timedelta(seconds=before) if depart else None
            wait_min, wait_p90 = self.wait_at(bridge, port_arrival)
        km, driving_h = float(self.metres[edges].sum()) / 1000, float(seconds.sum()) / 3600
        theft = float(-np.expm1(-risk.sum()))
        total_h = driving_h + wait_min / 60
        return Route(
            label=label,
            nodes=[self.engine.edges[edges[0]][0]] + [self.engine.edges[e][1] for e in edges],
            edges=[self.engine.edges[e] for e in edges],
            km=km,
            driving_h=driving_h,
            wait_min=wait_min,
            wait_p90_min=wait_p90,
            port_code=port_code,
            crossing=bridge,
            port_arrival=port_arrival,
            arrival=depart + timedelta(hours=total_h) if depart else None,
            theft_prob=theft,
            expected_loss_usd=cargo * theft,
            cost_usd=self.costs.route_cost(total_h, theft, km, cargo),
            segments=NO_SEGMENTS,
            riskiest=[],
            ids=list(edges),
        )

    def add_details(self, route: Route) -> None:
        """Fill a returned route's per-segment table and riskiest segments (skipped while searching)."""
        ids = route.ids or [self.engine.edge_id[e] for e in route.edges]
        route.segments = self.segments(ids, self.risk[ids])
        route.riskiest = self.riskiest(route)

    def overlap(self, a: Route, b: Route) -> float:
        """Share of route a's km on node pairs that route b also uses."""
        pairs_b = {frozenset(e[:2]) for e in b.edges}
        shared = sum(self.graph.edges[e]["length"] for e in a.edges if frozenset(e[:2]) in pairs_b)
        return shared / 1000 / max(a.km, 1e-9)

    def wait_at(self, bridge: str, arrival: datetime | None) -> tuple[float, float]:
        """(expected wait, p90) in minutes at a crossing; a closed port adds the time until it opens."""
        if self.wait_model is None:
            return 0.0, 0.0
        zone = self.time_zones.get(bridge, "America/Chicago")
        if arrival is None:  # no departure time: the crossing's typical open-hours wait
            from cargorisk.border.waits import quantiles  # noqa: PLC0415

            mean = self.wait_model.level(bridge)
            return mean, quantiles(mean)[1]
        for hours in range(MAX_WAIT_FOR_OPENING_H):
            at = arrival if hours == 0 else (arrival + timedelta(hours=hours)).replace(minute=0, second=0)
            est = self.wait_model.predict_wait(bridge, at, zone, self.live)
            if est.is_open:
                extra = (at - arrival).total_seconds() / 60
                return extra + est.mean_min, extra + est.p90_min
        return float(MAX_WAIT_FOR_OPENING_H * 60), float(MAX_WAIT_FOR_OPENING_H * 60)

    def segments(self, edges: list[int], risk: np.ndarray) -> pd.DataFrame:
        """Road runs of a path: consecutive edges on the same road in the same state (the road
        is an edge's first ``ref``, the most important of concurrent numbers), with from, to,
        ref, state, km, hours, theft probability, share of the route's risk, and the positions
        of their first and last edge in the route (``first``, ``last``)."""
        ids = np.asarray(edges, dtype=np.int64)
        road, state = self.road[ids], self.engine.text_attribute("state")[ids]
        starts = np.flatnonzero(np.r_[True, (road[1:] != road[:-1]) | (state[1:] != state[:-1])])
        lasts = np.r_[starts[1:] - 1, len(ids) - 1]
        run_risk = np.add.reduceat(np.asarray(risk, dtype=float), starts)
        label = self.gazetteer.label
        return pd.DataFrame(
            {
                "from": [label(self.engine.nodes[i]) for i in self.engine.tail[ids[starts]]],
                "to": [label(self.engine.nodes[i]) for i in self.engine.head[ids[lasts]]],
                "ref": road[starts],
                "state": state[starts],
                "km": np.add.reduceat(self.metres[ids], starts) / 1000,
                "hours": np.add.reduceat(self.seconds[ids], starts) / 3600,
                "theft_prob": -np.expm1(-run_risk),
                "risk_share": run_risk / (run_risk.sum() or 1.0),
                "first": starts,
                "last": lasts,
            }
        )

    def riskiest(self, route: Route, top: int = 3) -> list[dict]:
        """The road runs with the highest theft probability, with what drives their risk."""
        out = []
        for run in (
            route.segments.sort_values("theft_prob", ascending=False).head(top).itertuples(index=False)
        ):
            # the run's kind of road is that of most of its km (a cuota may have a free bypass)
            d = max(
                (self.graph.edges[e] for e in route.edges[run.first : run.last + 1]),
                key=lambda x: x["length"],
            )
            rate = -np.log1p(-run.theft_prob) / max(run.km, 1e-9) * 1e6  # thefts per million truck-km
            drivers = [
                f"{run.state or '?'} rate {rate:.2f} thefts per million truck-km",
                road_kind(d),
                f"{run.km:.0f} km",
            ]
            out.append(
                {"from": run[0], "to": run.to, "ref": run.ref, "state": run.state,
                 "theft_prob": float(run.theft_prob), "drivers": drivers}
            )  # fmt: skip
        return out

    # ---- alternatives, Pareto, budget, failures ----

    def alternatives(self, ranked: list[tuple[float, Route]], chosen: list[Route], n: int) -> list[Route]:
        """Up to ``n`` distinct routes (<70% of their km shared with a route already shown), best
        first, from the per-crossing bests and the Pareto set (so domestic lanes get some too)."""
        picked: list[Route] = []
        for _, route in ranked:
            if len(picked) >= n:
                break
            if all(self.overlap(route, other) < OVERLAP_LIMIT for other in [*chosen, *picked]):
                picked.append(route)
        return picked

    def pareto(
        self,
        origin: object,
        destination: object,
        keep: np.ndarray,
        cargo: float,
        depart: datetime | None,
        fastest_per_crossing: list[tuple[float, Route]],
    ) -> list[Route]:
        """Non-dominated (total hours, theft probability) routes. Crossing waits are priced at
        the hour the fastest path reaches each crossing, then held fixed during the search."""
        times = self.seconds.copy()
        for _, route in fastest_per_crossing:
            for e in np.flatnonzero(self.is_crossing):
                if self.graph.edges[self.engine.edges[e]].get("bridge") == route.crossing:
                    times[e] += route.wait_min * 60
        country = self.graph.nodes[origin].get("country")
        direction = ~self.is_crossing | (self.tail_country == country)
        found = pareto_paths(self.engine, times, self.risk, origin, destination, keep=keep & direction)
        routes = [self.build_route(edges, depart, cargo) for _, _, edges in found]
        return non_dominated(routes)

    def bounded_safest(self, fastest: Route, pool: list[Route]) -> Route:
        """Least theft probability among routes taking at most SAFEST_MAX_TIME_RATIO x the
        fastest's hours (the unbounded minimum, often a huge detour, is the Pareto set's last)."""
        limit = SAFEST_MAX_TIME_RATIO * fastest.total_h
        within = [r for r in pool if r.total_h <= limit] or [fastest]
        return min(within, key=lambda r: (r.theft_prob, r.total_h))

    def within_budget(
        self, budget: float, objective: str, by_objective: dict, pareto: list[Route], safest: Route
    ) -> Route:
        """The best route (by objective) whose theft probability is at most ``budget``."""
        if not 0 <= budget <= 1:
            msg = f"max_theft_prob {budget!r} must be a probability between 0 and 1"
            raise InputError(msg)
        pool = [r for routes in by_objective.values() for _, r in routes] + pareto
        feasible = [r for r in pool if r.theft_prob <= budget]
        if not feasible:
            msg = (
                f"no route has theft probability <= {budget:.2e} (max_theft_prob); "
                f"the safest route has {safest.theft_prob:.2e}"
            )
            raise NoRouteError(msg)
        key = {"fastest": lambda r: r.total_h, "safest": lambda r: r.theft_prob}.get(
            objective, lambda r: r.cost_usd
        )
        return min(feasible, key=key)

    def no_route(
        self,
        a: Place,
        b: Place,
        constraints: list[tuple[str, np.ndarray]],
        cargo: float,
        depart: datetime | None,
    ) -> NoRouteError:
        """A NoRouteError naming the constraint whose removal makes a route possible."""
        everything = np.ones(len(self.seconds), dtype=bool)
        for name, _ in constraints:
            rest = [m for other, m in constraints if other != name]
            keep = np.logical_and.reduce(rest) if rest else everything
            if self.candidates("fastest", a.node, b.node, keep, cargo, depart):
                return NoRouteError(f"no route from {a.name} to {b.name} with {name}; relax that constraint")
        return NoRouteError(f"no road connects {a.name} and {b.name} on this network")


@functools.lru_cache(maxsize=2)  # a router over the national graph holds a few hundred MB
def shared_router(settings: Settings, year: int, stamp: tuple) -> Router:
    """One router per settings, year and state of the input files (``stamp``) in this process."""
    return Router.build(settings, year)


def input_stamp(settings: Settings) -> tuple:
    """Size and modification time of every file a router is built from (a change rebuilds it)."""
    files = [
        *sorted(settings.models_dir.glob("*")),
        settings.processed_dir / "build.json",
        settings.processed_dir / "national.graph.pickle",
    ]
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file())


def line_of(graph: nx.MultiDiGraph, edge: tuple) -> shapely.LineString:
    """An edge's geometry, or the straight line between its nodes."""
    line = graph.edges[edge].get("geometry")
    if line is None:
        line = shapely.LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in edge[:2]])
    return line


def road_kind(data: dict) -> str:
    """'toll road (cuota)' / 'free road (libre)' in Mexico, 'US road' / 'border crossing' otherwise."""
    if data.get("kind") == "crossing":
        return "border crossing"
    if data.get("country") != "MX":
        return "US road"
    return "toll road (cuota)" if data.get("toll") else "free road (libre)"


def non_dominated(routes: list[Route]) -> list[Route]:
    """Routes not dominated in (total hours, theft probability), sorted by time, no repeats."""
    routes = sorted(routes, key=lambda r: (r.total_h, r.theft_prob))
    out: list[Route] = []
    for r in routes:
        if all(not (o.total_h <= r.total_h and o.theft_prob <= r.theft_prob) for o in out):
            out.append(r)
    return out


def read_departure(depart: datetime | str | None) -> datetime | None:
    """A timezone-aware departure (ISO 8601 text accepted), or None."""
    if depart is None:
        return None
    if isinstance(depart, str):
        from cargorisk.border.waits import parse_time  # noqa: PLC0415

        depart = parse_time(depart)
    if not isinstance(depart, datetime) or depart.tzinfo is None:
        msg = f"departure {depart!r} needs a time zone, e.g. 2026-03-02T06:00-06:00"
        raise InputError(msg)
    return depart
