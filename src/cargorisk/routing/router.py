"""Router: plan truck routes that trade time, distance and tolls, theft risk and border waits.

Border-aware search: a route crosses the border once, so for each search profile the router
runs one Dijkstra from the origin to every crossing's entry and one (reversed) from every exit
to the destination, ranks the crossings by search cost plus the wait expected when the truck
gets there, and prices the best few paths exactly (driver's schedule, wait, costs, risk;
:mod:`~cargorisk.routing.pricing`). The profiles are the fastest path, the least-risk path,
the least-cost path for the cargo value and for a hundred times it (a risk-averse trade-off):
together, the route pool. The plan chooses from it (:mod:`~cargorisk.routing.choice`), and
``score-lanes`` uses the same :meth:`Router.decide`, so both give the same answer.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from cargorisk.config import Settings
from cargorisk.errors import InputError, NoRouteError
from cargorisk.network.places import Gazetteer, Place
from cargorisk.network.timezones import zones_at
from cargorisk.risk.cargo import GENERAL, combined_shape, multiplier
from cargorisk.risk.cargo import cargo_type as cargo_type_of
from cargorisk.routing import choice
from cargorisk.routing.compose import Shown, compose
from cargorisk.routing.constraints import area_mask, crossing_mask, edge_values, state_mask
from cargorisk.routing.costs import CostModel
from cargorisk.routing.departure import check_window, chosen_at
from cargorisk.routing.describe import describe
from cargorisk.routing.edge_lines import EdgeLines, line_of
from cargorisk.routing.engine import CSREngine
from cargorisk.routing.exposure_pricing import ExposureTables
from cargorisk.routing.extras import lean_floor
from cargorisk.routing.matrix import Matrix, route_matrix
from cargorisk.routing.plan import Route, RoutePlan
from cargorisk.routing.pool import CachePolicy, PathFinder
from cargorisk.routing.pricing import CrossingPath, PathSummary, Pricer, summary_of
from cargorisk.routing.request import check_request
from cargorisk.routing.transfer import DEFAULT_MODE, TRANSFER, check_crossing_mode

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class RouterOptions:
    """Plan-wide options with their cited defaults (see :class:`~cargorisk.config.Settings`)."""

    max_time_ratio: float = 1.5
    low_traffic_trucks_per_day: float = 30.0
    southbound_wait_min: float = 9.3
    departure_window_h: float = 24.0
    cargo_type_shape: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RouterOptions:
        """The options from settings."""
        return cls(
            settings.max_time_ratio,
            settings.low_traffic_trucks_per_day,
            settings.southbound_wait_min,
            settings.departure_window_h,
            settings.cargo_type_shape,
        )


@dataclass(frozen=True)
class Decision:
    """The shared core of a plan and a scored lane: the priced pool and the routes chosen."""

    choice: choice.Choice
    paths: list[PathSummary | CrossingPath]  # a lean decision's paths across the border: their parts
    notes: list[str]
    a: Place
    b: Place
    cargo: float
    depart: datetime | None
    team: bool
    keep: np.ndarray  # the edges the pool was searched over: the constraints', less quiet crossings


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
    crossings
        The crossing table (:func:`~cargorisk.border.crossing_table`), for port names and truck
        volumes (default: built from the graph's crossing edges, volumes unknown).
    options
        Time bound, low-traffic threshold, southbound wait, departure window.
    """

    crossing_mode = DEFAULT_MODE  # how the border is crossed (see with_crossing)

    def __init__(  # noqa: PLR0913  (the router's parts, all keyword-only)
        self,
        graph: nx.MultiDiGraph,
        *,
        wait_model: object | None = None,
        time_zones: dict[str, str] | None = None,
        costs: CostModel | None = None,
        gazetteer: Gazetteer | None = None,
        live_waits: pd.DataFrame | None = None,
        default_cargo_value: float = 100_000.0,
        crossings: pd.DataFrame | None = None,
        options: RouterOptions | None = None,
    ) -> None:
        if any("theft_prob" not in d for *_, d in graph.edges(data=True)):
            msg = "the graph has edges without theft_prob; attach risk first (cargorisk.risk.risk_network)"
            raise InputError(msg)
        self.engine = CSREngine(graph, junctions=searched_nodes(graph))
        self.seconds = self.engine.edge_attribute("travel_time")
        self.metres = self.engine.edge_attribute("length")
        self.risk = -np.log1p(-np.clip(self.engine.edge_attribute("theft_prob", 0.0), 0.0, 1 - 1e-12))
        self.is_crossing = edge_values(self.engine, "kind") == "crossing"
        self.crossing_ids = np.flatnonzero(self.is_crossing)
        self.is_toll = (
            np.array([bool(graph.edges[e].get("toll")) for e in self.engine.edges]) & ~self.is_crossing
        )
        self.edge_country = edge_values(self.engine, "country")
        tail, head = self.engine.tail.astype(np.int64), self.engine.head.astype(np.int64)
        pair = np.minimum(tail, head) * len(self.engine.nodes) + np.maximum(tail, head)
        self.undirected_pair = np.unique(pair, return_inverse=True)[1].astype(np.int64)  # 0, 1, ... per pair
        self.state_codes = pd.factorize(self.engine.text_attribute("state"))[0].astype(np.int64)
        scale = graph.graph.get("theft_scale")
        self.theft_dispersion = float(graph.graph.get("theft_dispersion", np.inf))  # see calibration
        self.theft_scale_shape = float(scale.shape) if scale is not None else np.inf
        self.road = np.array([r.split(";")[0] for r in edge_values(self.engine, "ref")], dtype=object)
        # one code per (road, state, country): a plan's road runs are where it changes
        run_keys = zip(self.road, self.engine.text_attribute("state"), self.edge_country, strict=True)
        self.run_codes = pd.factorize(np.array(["\0".join(k) for k in run_keys], dtype=object))[0]
        self.lines = EdgeLines.of([line_of(graph, e) for e in self.engine.edges])
        self.node_country = np.array([graph.nodes[n].get("country") or "" for n in self.engine.nodes])
        nodes = [graph.nodes[n] for n in self.engine.nodes]
        self.node_xy = np.array([(d["x"], d["y"]) for d in nodes], dtype=float).reshape(-1, 2)
        self.node_zone, self.zone_names = zones_at(self.node_xy[:, 0], self.node_xy[:, 1])
        # what maps read besides the arrays above (viz.roads.MapNetwork), so a map needs no graph
        self.theft_rate = self.engine.edge_attribute("theft_rate", 0.0)
        self.city_names = city_names(nodes)
        self.tail_country = self.node_country[self.engine.tail]
        self.bridge, self.port_code = (
            edge_values(self.engine, "bridge"),
            edge_values(self.engine, "port_code"),
        )
        self.wait_model, self.time_zones, self.live = wait_model, time_zones or {}, live_waits
        self.costs = costs or CostModel()
        self.options = options or RouterOptions()
        self.gazetteer = gazetteer or Gazetteer(graph)
        self.labels: dict[int, str] = {}  # node index -> label shown (see node_label)
        self.default_cargo_value = default_cargo_value
        self.crossings = crossings if crossings is not None else bare_crossings(graph)
        volume = self.crossings.set_index("crossing")["trucks_per_day"]
        self.low_traffic = {b for b, v in volume.items() if v < self.options.low_traffic_trucks_per_day}
        self.busy = ~crossing_mask(self.engine, self.low_traffic)  # every edge but low-traffic crossings
        self.exposure = ExposureTables.build(graph, self.engine.nodes, self.edge_country)
        self.pricer = Pricer(self, self.costs, southbound_wait_min=self.options.southbound_wait_min)
        self.finder = PathFinder(self)
        self.cargo = GENERAL
        # cargo type -> its edge risk and exposure tables (its searches: the finder's caches)
        self.cargo_caches: dict[str, tuple[np.ndarray, ExposureTables]] = {}

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The road graph (planning and maps read the compiled arrays; area constraints read
        the graph)."""
        return self.engine.graph

    def country(self, node: object) -> str:
        """The country code of a node (``'MX'``, ``'US'``)."""
        return str(self.node_country[self.engine.index[node]])

    def __copy__(self) -> Router:
        """A shallow copy whose pricing reads the copy (e.g. its own ``live`` waits) while
        sharing the compiled graph and the search caches."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.pricer = self.pricer.bound_to(new)
        new.finder = self.finder.bound_to(new)
        return new

    def with_caches(self, policy: CachePolicy) -> Router:
        """A shallow copy of this router with its own search caches bounded by ``policy`` (e.g.
        :data:`~cargorisk.routing.pool.BATCH_POLICY` for a lane-book process); its cargo-type
        copies share them."""
        new = copy.copy(self)
        new.finder = PathFinder(new, policy=policy, namespace=self.finder.namespace, scale=self.finder.scale)
        return new

    def for_cargo(self, kind: str | None) -> Router:
        """This router with the theft risk of a cargo type (:mod:`cargorisk.risk.cargo`): every
        edge's risk times the type's multiplier, the interval widened by its uncertainty. The
        general type is the router itself; the others are shallow copies whose searches are
        cached per type (shared by every copy of this router)."""
        kind = cargo_type_of(kind)
        if kind == self.cargo:
            return self
        base = self if self.cargo == GENERAL else self.general
        if kind == GENERAL:
            return base
        if kind not in base.cargo_caches:  # made once: a request's copy is garbage after it
            base.cargo_caches[kind] = (base.risk * multiplier(kind), base.exposure.scaled(multiplier(kind)))
        new = copy.copy(base)
        new.general, new.cargo = base, kind
        new.risk, new.exposure = base.cargo_caches[kind]
        new.theft_scale_shape = combined_shape(base.theft_scale_shape, self.options.cargo_type_shape)
        new.finder = base.finder.bound_to(new, namespace=kind, scale=multiplier(kind))  # one cache for all
        return new

    def with_crossing(self, mode: object) -> Router:
        """This router crossing the border in ``mode`` (``through``: one truck door to door;
        ``transfer``: yard, transfer carrier, yard; :mod:`~cargorisk.routing.transfer`): itself
        when it already does, else a shallow copy sharing the searches (the paths do not
        depend on the mode; their pricing does)."""
        mode = check_crossing_mode(mode)
        if mode == self.crossing_mode:
            return self
        new = copy.copy(self)
        new.crossing_mode = mode
        return new

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
        crossings = crossing_table(base, settings.processed_dir)
        return cls(
            risky,
            wait_model=wait_model,
            time_zones=crossings.set_index("crossing")["time_zone"].to_dict(),
            costs=CostModel.from_settings(settings),
            gazetteer=load_gazetteer(risky, settings),
            default_cargo_value=settings.cargo_value_usd,
            crossings=crossings,
            options=RouterOptions.from_settings(settings),
        )

    # ---- the request ----

    def plan(  # noqa: PLR0913  (the request's options, all keyword-only)
        self,
        origin: str | tuple,
        destination: str | tuple,
        *,
        depart: datetime | str | None = None,
        cargo_value: float | None = None,
        cargo_type: str | None = None,
        objective: str = "balanced",
        avoid_states: Iterable[str] = (),
        avoid_areas: object | None = None,
        avoid_ports: Iterable[str] = (),
        via_port: str | None = None,
        max_theft_prob: float | None = None,
        alternatives: int = 3,
        team: bool = False,
        max_time_ratio: float | None = None,
        depart_window_h: float | None = None,
        pareto: bool = False,
        crossing_mode: str | None = None,
    ) -> RoutePlan:
        """Plan a route (see the module docstring and README for every option); ``cargo_type``
        scales theft risk by the type's multiplier (:meth:`for_cargo`); ``pareto`` adds the exact
        time-risk front within the bound (:meth:`pareto`, slower on long lanes);
        ``crossing_mode`` is ``through`` (default) or ``transfer`` (:meth:`with_crossing`).

        Raises
        ------
        PlaceNotFound, AmbiguousPlace, OffNetworkError, InputError
            Bad origin, destination or option (one-line messages).
        NoRouteError
            No route satisfies the constraints; the message names the one that blocks.
        """
        window = check_window(self.options.departure_window_h if depart_window_h is None else depart_window_h)
        a, b = self.places(origin, destination)
        when, cargo, objective, kind = self.check_request(
            a, depart=depart, cargo_value=cargo_value, objective=objective, cargo_type=cargo_type
        )
        if via_port is not None and self.finder.domestic(a.node, b.node):
            msg = (
                f"via_port {via_port!r}: {self.place_name(a)} -> {self.place_name(b)} stays in one country "
                "and crosses no port; leave out via_port"
            )
            raise InputError(msg)
        r = self.for_cargo(kind).with_crossing(crossing_mode)
        ratio = r.options.max_time_ratio if max_time_ratio is None else float(max_time_ratio)
        constraints = r.constraints(avoid_states, avoid_areas, avoid_ports, via_port)
        decision = r.decide(
            a, b, depart=when, cargo=cargo, objective=objective, constraints=constraints,
            forced=via_port is not None, team=team, ratio=ratio, budget=max_theft_prob,
        )  # fmt: skip
        return compose(r, decision, Shown(objective, ratio, max_theft_prob, alternatives, pareto, window))

    def matrix(  # noqa: PLR0913  (the request's options, keyword-only)
        self,
        origins: Sequence[str | tuple],
        destinations: Sequence[str | tuple],
        *,
        depart: datetime | str | None = None,
        cargo_value: float | None = None,
        cargo_type: str | None = None,
        objective: str = "balanced",
        team: bool = False,
        crossing_mode: str | None = None,
        stop: Callable[[], None] | None = None,
    ) -> Matrix:
        """Every origin to every destination from one search per origin (and per destination,
        backwards, across the border): km, hours, crossing, theft probability, expected loss
        and cost of each pair's route, crossing in ``crossing_mode`` (:meth:`with_crossing`);
        :mod:`~cargorisk.routing.matrix` says which route. ``stop`` is called before each
        origin's row and may raise to stop the work (a service's deadline)."""
        return route_matrix(
            self.with_crossing(crossing_mode), origins, destinations, depart=depart, cargo_value=cargo_value,
            cargo_type=cargo_type, objective=objective, team=team, stop=stop,
        )  # fmt: skip

    def place_name(self, place: Place) -> str:
        """How a resolved place is shown: its name, or for coordinates the place they snapped
        to with the coordinates ('near Monterrey (25.7000,-100.3000)')."""
        if place.source != "coordinates":
            return place.name
        return f"{self.node_label(self.engine.index[place.node])} ({place.name})"

    def places(
        self, origin: str | tuple, destination: str | tuple, resolve: Callable | None = None
    ) -> tuple[Place, Place]:
        """Resolve both ends (with ``resolve``, e.g. a memoising lookup, else the gazetteer);
        they must be different nodes."""
        resolve = resolve or self.gazetteer.resolve
        a, b = resolve(origin), resolve(destination)
        if a.node == b.node:
            msg = f"origin {a.name!r} and destination {b.name!r} are the same network node"
            raise InputError(msg)
        return a, b

    def check_request(
        self, a: Place, *, depart: object, cargo_value: object, objective: object, cargo_type: object
    ) -> tuple[datetime | None, float, str, str]:
        """(departure, cargo value, objective, cargo type) of a request from ``a``, checked in
        one order by every entry point (plan, lane books, the HTTP API), so a request with
        several bad values gets the same error from each (:mod:`~cargorisk.routing.request`)."""
        value = self.default_cargo_value if cargo_value is None else cargo_value
        zone = self.zone_of(self.engine.index[a.node])
        return check_request(
            zone, depart=depart, cargo_value=value, objective=objective, cargo_type=cargo_type
        )

    def decide(  # noqa: PLR0913  (one request, keyword-only)
        self,
        a: Place,
        b: Place,
        *,
        depart: datetime | None,
        cargo: float,
        objective: str,
        constraints: list[tuple[str, np.ndarray]] | None = None,
        forced: bool = False,
        team: bool = False,
        ratio: float | None = None,
        budget: float | None = None,
        lean: bool = False,
    ) -> Decision:
        """Price the route pool and choose: the core that :meth:`plan` and lane scoring share.

        Crossings with little truck traffic are left out unless ``forced`` (a via-port) or no
        other crossing gives a route; routes through them are flagged. ``lean`` (lane books,
        which show the recommended and fastest routes only) prices only the paths whose floors
        say they can be one of those (:func:`~cargorisk.routing.departure.chosen_at`: the same
        two routes; the choice's ``within`` then holds the routes priced), and keeps its paths
        across the border as their legs (:class:`~cargorisk.routing.pricing.CrossingPath`,
        floored from the legs, summarised when priced; not when crossing by transfer, whose
        floor is its price).
        """
        constraints = constraints or []
        ratio = self.options.max_time_ratio if ratio is None else ratio
        keep = self.keep_mask([m for _, m in constraints])
        notes = []
        quiet = keep if forced else keep & self.busy
        lazy = lean and self.crossing_mode != TRANSFER  # a transfer's floor is its price
        paths = self.finder.pool(a.node, b.node, quiet, cargo, depart, team, lazy=lazy)
        if not paths and not forced:
            paths = self.finder.pool(a.node, b.node, keep, cargo, depart, team, lazy=lazy)
            if paths:
                notes.append("only crossings with little truck traffic give a route (flagged *)")
        else:
            keep = quiet  # the alternatives and the front use the crossings the pool did
        if not paths:
            raise self.no_route(a, b, constraints, cargo, depart, team)
        if lean:
            floors = [lean_floor(self, p, cargo, team, depart) for p in paths]
            price = lambda path, at: self.price(summary_of(path), at, cargo, team)  # noqa: E731
            chosen = chosen_at(depart, floors, price, objective, ratio, budget)
        else:
            routes = [self.price(p, depart, cargo, team) for p in paths]
            chosen = choice.choose(routes, objective, ratio, budget)
        return Decision(chosen, paths, notes, a, b, cargo, depart, team, keep)

    def price(self, path: PathSummary, depart: datetime | None, cargo: float, team: bool) -> Route:
        """A path priced for a departure, flagged when its crossing has little truck traffic."""
        route = self.pricer.price(path, depart, cargo, team=team)
        route.low_traffic = path.bridge in self.low_traffic
        return route

    def constraints(
        self,
        avoid_states: Iterable[str],
        avoid_areas: object | None,
        avoid_ports: Iterable[str],
        via_port: str | None,
    ) -> list[tuple[str, np.ndarray]]:
        """Named keep-masks for the request's constraints (ports by port, bridge or BTS code)."""
        from cargorisk.border import crossings_named  # noqa: PLC0415

        out = []
        states = list(avoid_states)
        if states:
            out.append((f"avoid_states={states}", state_mask(self.engine, states)))
        if avoid_areas is not None:
            out.append(("avoid_areas", area_mask(self.engine, avoid_areas)))
        ports = list(avoid_ports)
        if ports:
            bridges = {c for p in ports for c in crossings_named(p, self.crossings)["crossing"]}
            out.append((f"avoid_ports={ports}", ~crossing_mask(self.engine, bridges)))
        if via_port is not None:
            forced = set(crossings_named(via_port, self.crossings)["crossing"])
            out.append((f"via_port={via_port!r}", ~self.is_crossing | crossing_mask(self.engine, forced)))
        return out

    # ---- helpers ----

    def keep_mask(self, masks: list[np.ndarray]) -> np.ndarray:
        """The edges every mask keeps (all edges without masks)."""
        return np.logical_and.reduce(masks) if masks else np.ones(len(self.seconds), dtype=bool)

    def zone_of(self, index: int) -> ZoneInfo:
        """The IANA time zone of the node at ``index`` (looked up once for every node)."""
        return ZoneInfo(self.zone_names[self.node_zone[index]])

    def node_label(self, index: int) -> str:
        """The name shown for the node at ``index`` (the gazetteer's label, memoised)."""
        index = int(index)
        if index not in self.labels:
            self.labels[index] = self.gazetteer.label(self.engine.nodes[index])
        return self.labels[index]

    def add_details(self, route: Route, *, full: bool = True) -> None:
        """Fill a route's riskiest runs and, when ``full``, its road runs and stop places
        (plans do it for theirs)."""
        describe(self, route, full=full)

    def edge_ids(self, route: Route) -> np.ndarray:
        """The route's compiled edge ids (from its ``(u, v, key)`` edges when it has none)."""
        return np.asarray(route.ids or [self.engine.edge_id[e] for e in route.edges], dtype=np.int64)

    def overlap(self, a: Route, b: Route) -> float:
        """Share of route a's km on node pairs that route b also uses."""
        ids_a, ids_b = self.edge_ids(a), self.edge_ids(b)
        used = np.zeros(len(self.undirected_pair), dtype=bool)  # pair ids are below the edge count
        used[self.undirected_pair[ids_b]] = True
        shared = used[self.undirected_pair[ids_a]]
        return float(self.metres[ids_a][shared].sum()) / 1000 / max(a.km, 1e-9)

    def no_route(
        self,
        a: Place,
        b: Place,
        constraints: list[tuple[str, np.ndarray]],
        cargo: float,
        depart: datetime | None,
        team: bool,
    ) -> NoRouteError:
        """A NoRouteError naming the constraint whose removal makes a route possible."""
        engine = self.engine
        for name, mask in constraints:
            keep = self.keep_mask([m for other, m in constraints if other != name])
            if self.finder.pool(a.node, b.node, keep, cargo, depart, team):
                # an end inside what the constraint avoids: no road leaves (or reaches) it
                ends = [
                    (which, place)
                    for which, place, side in (("origin", a, engine.tail), ("destination", b, engine.head))
                    if not mask[side == engine.index[place.node]].any()
                ]
                if ends:
                    which, place = ends[0]
                    msg = f"the {which} {place.name} is inside what {name} avoids; take it out of that"
                    return NoRouteError(msg)
                return NoRouteError(f"no route from {a.name} to {b.name} with {name}; relax that constraint")
        return NoRouteError(f"no road connects {a.name} and {b.name} on this network")


@functools.lru_cache(maxsize=2)  # a router over the national graph holds a few hundred MB
def shared_router(settings: Settings, year: int, stamp: tuple) -> Router:
    """One router per settings, year and state of the input files (``stamp``) in this process,
    read from its snapshot when another process built it (:mod:`cargorisk.routing.snapshot`)."""
    from cargorisk.routing.snapshot import load_router  # noqa: PLC0415

    return load_router(settings, year)


def input_stamp(settings: Settings) -> tuple:
    """Size and modification time of every file a router is built from (a change rebuilds it)."""
    files = [
        *sorted(settings.models_dir.glob("*")),
        settings.processed_dir / "build.json",
        settings.processed_dir / "national.graph.pickle",
    ]
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file())


def bare_crossings(graph: nx.MultiDiGraph) -> pd.DataFrame:
    """Crossing names of a graph when no crossing table is given (volumes unknown: none low)."""
    rows = {
        d["bridge"]: {
            "crossing": d["bridge"],
            "port_code": d["port_code"],
            "port_name": d.get("port_name", ""),
        }
        for *_, d in graph.edges(data=True)
        if d.get("kind") == "crossing"
    }
    table = pd.DataFrame(list(rows.values()), columns=["crossing", "port_code", "port_name"])
    return table.assign(trucks_12m=np.inf, trucks_per_day=np.inf)


def city_names(nodes: list[dict]) -> dict[int, str]:
    """Position -> name of the city nodes among node attribute dicts."""
    return {i: str(d["name"]) for i, d in enumerate(nodes) if d.get("kind") == "city" and d.get("name")}


def searched_nodes(graph: nx.MultiDiGraph) -> set:
    """Nodes searches start from or are read at most often (cities, both ends of every
    crossing): kept as junctions of the contracted search graph (:mod:`~cargorisk.routing.contract`)."""
    cities = {n for n, kind in graph.nodes(data="kind") if kind == "city"}
    return cities | {n for u, v, kind in graph.edges(data="kind") if kind == "crossing" for n in (u, v)}
