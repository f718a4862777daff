"""The route pool: per search profile, the best paths through the best-ranked crossings.

For each profile (fastest, least risk, least cost at the cargo value and at the fixed risk
prices of :data:`RISK_PRICES`) one Dijkstra runs from the origin and, for a cross-border lane,
one (reversed) to the destination; crossings are ranked by search cost plus the wait expected
when the truck gets there (its driving time along the search tree, with the breaks and rests
the schedule adds), and the best :data:`TOP_CROSSINGS` are built into paths.

Searches are kept compact (:class:`Tree`: the tree at the junctions and the costs at the
crossings) in least-recently-used caches bounded in bytes and in entries (:class:`CachePolicy`),
with the prepared weights and path summaries, so lanes that share an origin or destination share
their searches; a search leaves its cache with the weights it shares.

Every cargo type's router shares its general router's caches: one bound for all of them. A
type's theft risk is general freight's times the type's multiplier ``m``, so its searches are
general freight's (:meth:`PathFinder.profile`): least cost at cargo value ``v`` is general
freight's at ``v * m``, and the fastest and least-risk searches are general freight's (the same
order of paths up to ties far below a second or a route's risk; 300 varied plans gave the same
routes as searches per type). The fixed risk prices are prices of general freight's risk, so
every type runs the same searches at them: each type's pool holds the paths general freight's
pool finds there (a type that thieves prefer is offered every route general freight is, and
picks by its own price), and a varied load shares them. Only the path summaries, which carry
the type's risk, are kept per type.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import cachetools
import numpy as np

from cargorisk.routing.contract import ChainTree, Prepared
from cargorisk.routing.pricing import CrossingPath, Leg, PathSummary
from cargorisk.routing.schedule import time_to_drive

# the least-cost search runs at the request's cargo value and at these fixed prices of general
# freight's theft risk (USD per unit of -log(1 - p); profile "price"): together with the fastest
# and the least-risk searches they trace the time-risk trade-off at every scale (a route's risk is
# 1e-5 to 1e-2), so a plan for a dear load still finds the safer routes within the time bound, and
# the searches at fixed prices are shared by every lane whatever its cargo value and type
RISK_PRICES = (1e4, 1e5, 1e6, 1e7)
PROFILES = (("fastest", None), ("safest", None), ("balanced", None), *(("price", p) for p in RISK_PRICES))
DETOUR_PENALTY = 1.4  # alternatives: roads already shown cost this much more in the search
TOP_CROSSINGS = 5  # crossings priced exactly per profile (ranked by search cost plus wait)
TREE_CACHE_MB = 300  # searches kept for reuse (a search is about 0.07 MB on the national graph)
PREPARED_CACHE_MB = 200  # weights and prepared searches kept (about 2.5 MB per profile and mask)
SUMMARIES_CACHED = 4_000  # path summaries kept (about 3 kB each)
LEGS_CACHED = 2_000  # legs to and from a crossing kept (shared by the paths through it)


@dataclass(frozen=True)
class CachePolicy:
    """Bounds of a router's caches, in MB and in entries (whichever is reached first evicts the
    least recently used), shared by every cargo type and objective."""

    searches_mb: float = TREE_CACHE_MB
    searches: int = 4_000
    prepared_mb: float = PREPARED_CACHE_MB
    prepared: int = 400
    summaries_mb: float = 50
    summaries: int = SUMMARIES_CACHED
    # the searches of one request's own cargo value and its alternatives (penalised roads), which
    # other requests rarely share, kept apart so they do not push out the shared ones
    request_searches_mb: float = 20
    request_searches: int = 400
    request_prepared_mb: float = 60
    request_prepared: int = 60
    legs_mb: float = 30
    legs: int = LEGS_CACHED

    def caches(self) -> Caches:
        """Empty caches for searches, prepared weights and path summaries, and for one
        request's own searches and weights. A search holds arrays of its weights' entries
        (``depends``): when those leave their cache, so do the searches, so nothing the bounds
        do not count stays alive."""
        trees, prepared = linked(self.searches_mb, self.searches, self.prepared_mb, self.prepared)
        own = linked(
            self.request_searches_mb, self.request_searches, self.request_prepared_mb, self.request_prepared
        )
        summaries = BoundedCache(self.summaries_mb, self.summaries, summary_bytes)
        return Caches(trees, prepared, summaries, *own, BoundedCache(self.legs_mb, self.legs, leg_bytes))


def linked(
    searches_mb: float, searches: int, prepared_mb: float, prepared: int
) -> tuple[BoundedCache, BoundedCache]:
    """A cache of searches and one of the weights they hold arrays of (searches leave with them)."""
    trees = BoundedCache(searches_mb, searches, tree_bytes)
    weights = BoundedCache(prepared_mb, prepared, prepared_bytes)
    weights.dependent, trees.parent = trees, weights
    return trees, weights


class Caches(NamedTuple):
    """A finder's caches (:meth:`CachePolicy.caches`), shared by every cargo type's finder."""

    trees: BoundedCache
    prepared: BoundedCache
    summaries: BoundedCache
    request_trees: BoundedCache
    request_prepared: BoundedCache
    legs: BoundedCache


class BoundedCache(cachetools.LRUCache):
    """A least-recently-used cache bounded in MB (by ``getsizeof``) and in entries, safe to
    share between threads (the HTTP service plans in several; an LRU's bookkeeping is not
    atomic)."""

    def __init__(self, mb: float, entries: int, getsizeof: Callable[[object], int]) -> None:
        super().__init__(int(mb * 2**20), getsizeof=getsizeof)
        self.max_entries = entries
        self.lock = threading.RLock()
        # entries of a ``dependent`` cache that hold arrays of an entry here leave with it; an
        # entry of this cache lists the ``parent`` cache's entries it needs in ``depends``
        self.dependent: BoundedCache | None = None
        self.parent: BoundedCache | None = None
        self.dependents: dict[object, set] = {}

    def __getitem__(self, key: object) -> object:
        with self.lock:
            return super().__getitem__(key)

    def __setitem__(self, key: object, value: object) -> None:
        if self.max_entries <= 0:  # a cache of nothing: nothing stored, nothing to evict
            return
        with self.lock:
            super().__setitem__(key, value)
            while len(self) > self.max_entries:
                self.popitem()

    def __delitem__(self, key: object) -> None:
        with self.lock:
            value = cachetools.Cache.__getitem__(self, key)
            super().__delitem__(key)
            needed = self.dependents.pop(key, ())
        for entry in needed:  # outside the lock: the other cache takes its own
            self.dependent.pop(entry, None)  # type: ignore[union-attr]
        for parent in getattr(value, "depends", ()) if self.parent is not None else ():
            self.parent.dependents.get(parent, set()).discard(key)

    def popitem(self) -> tuple[object, object]:
        """The least recently used entry, removed."""
        with self.lock:
            return super().popitem()

    def clear(self) -> None:
        """Remove every entry."""
        with self.lock:
            super().clear()

    def __getstate__(self) -> dict:
        """Pickled without its lock (a router snapshot holds its empty caches)."""
        return {k: v for k, v in self.__dict__.items() if k != "lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()


class Tree:
    """One Dijkstra's shortest-path tree, kept compact: the tree at the junctions
    (:class:`~cargorisk.routing.contract.ChainTree`), the search cost at each crossing's end
    on this side (``cost``, aligned with the router's ``crossing_ids``), and, computed on
    first use, the paths to the crossings used."""

    def __init__(self, finder: PathFinder, tree: ChainTree, best: np.ndarray, *, reverse: bool) -> None:
        engine = finder.r.engine
        self.tree, self.best, self.reverse = tree, best, reverse
        self.ends = (engine.head if reverse else engine.tail)[finder.r.crossing_ids]
        self.cost = tree.dist_of(self.ends)
        self.seconds = finder.r.seconds
        self.engine = engine
        self.paths: dict[int, np.ndarray] = {}
        self.times: dict[int, float] = {}  # driving seconds to the crossing ends asked for
        self.depends: tuple = ()  # the keys of its weights and prepared search in their cache

    @property
    def nbytes(self) -> int:
        """Memory held (for the cache's bound), with room for the few crossing paths it keeps
        later (about 2 kB each). The weights it shares with the other searches of its weights
        (their cheapest edges, the prepared search's hops) count in the prepared cache, and a
        tree leaves its cache with them."""
        return self.tree.nbytes + self.cost.nbytes + 2048 * TOP_CROSSINGS * 2 + 256

    def seconds_to(self, k: int) -> float:
        """Driving seconds between the source and crossing end ``k`` along the tree (the
        path and its seconds are kept: the crossings a lane ranks are those it may take, and
        the lanes from one place rank the same crossings)."""
        if k not in self.times:
            self.times[k] = float(self.seconds[self.edges(self.ends[k], keep=True)].sum())
        return self.times[k]

    def edges(self, node: int, *, keep: bool = False) -> np.ndarray:
        """Edge ids of the tree path between the source and node index ``node`` (source ->
        node forward; node -> source for a backward tree); empty when unreached. ``keep``
        remembers the path (the crossings' ends, shared by many lanes)."""
        if node in self.paths:
            return self.paths[node]
        found = self.engine.tree_path(self.tree, int(node), self.best, reverse=self.reverse).astype(np.int64)
        if keep:
            self.paths[node] = found
        return found


class PathFinder:
    """Finds the pool's paths over a router's compiled graph (``r``: the router)."""

    def __init__(
        self,
        router: object,
        caches: Caches | None = None,
        *,
        namespace: str = "",
        scale: float = 1.0,
        policy: CachePolicy | None = None,
    ) -> None:
        self.r = router
        self.namespace = namespace  # the cargo type: part of the path summaries' keys
        self.scale = scale  # the type's theft-risk multiplier (searches run on general risk)
        self.caches = caches or (policy or CachePolicy()).caches()
        self.trees, self.prepared, self.summaries = self.caches[:3]
        # the search values every request of this type shares (the fixed risk prices; 0: the
        # fastest and least-risk searches): their searches go in the shared caches
        self.shared_values = {0.0, *RISK_PRICES}
        self.profiles: tuple = PROFILES  # the searches a pool runs
        self.top = TOP_CROSSINGS  # crossings priced per profile

    def bound_to(
        self, router: object, namespace: str | None = None, scale: float | None = None
    ) -> PathFinder:
        """This finder for a copy of its router, sharing the caches (searches do not depend
        on what a copy may change, e.g. live waits); ``namespace`` names a cargo type's path
        summaries, ``scale`` is its theft-risk multiplier."""
        namespace = self.namespace if namespace is None else namespace
        scale = self.scale if scale is None else scale
        new = PathFinder(router, self.caches, namespace=namespace, scale=scale)
        new.profiles, new.top = self.profiles, self.top
        return new

    def profile(self, objective: str, cargo: float) -> tuple[str, float]:
        """The general-freight search profile of this type's ``objective`` at cargo value
        ``cargo`` (see the module docstring): the weights' objective and cargo value; objective
        ``"price"``: least cost at ``cargo``, a fixed price of general freight's risk."""
        if objective == "price":
            return "balanced", cargo
        return objective, (cargo * self.scale if objective == "balanced" else 0.0)

    @property
    def general_risk(self) -> np.ndarray:
        """General freight's edge risk (the searches' risk for every type)."""
        return self.r.general.risk if self.namespace else self.r.risk

    def narrowed(self, profile: tuple[str, float | None], top: int = 1) -> PathFinder:
        """This finder with a pool of one profile and its ``top`` best-ranked crossings (the
        route :meth:`~cargorisk.routing.Router.matrix` reports is the plan with this pool)."""
        new = self.bound_to(self.r)
        new.profiles, new.top = (profile,), top
        return new

    def cache_sizes(self) -> dict[str, tuple[int, int]]:
        """Bytes and entries of each cache (searches, prepared, summaries)."""
        names = ("searches", "prepared", "summaries", "request searches", "request prepared", "legs")
        return {name: (int(c.currsize), len(c)) for name, c in zip(names, self.caches, strict=True)}

    def clear(self) -> None:
        """Empty every cache (benchmarks of cold requests)."""
        for cache in self.caches:
            cache.clear()

    def pool(
        self,
        origin: object,
        destination: object,
        keep: np.ndarray,
        cargo: float,
        depart: datetime | None,
        team: bool,
        *,
        lazy: bool = False,
    ) -> list[PathSummary | CrossingPath]:
        """The distinct paths of every profile (see the module docstring); ``lazy``: a path
        across the border as its :class:`~cargorisk.routing.pricing.CrossingPath`, summarised
        when priced (lane books)."""
        key = mask_key(keep & ~self.r.is_crossing)  # searches run on the roads only
        found: dict[bytes, PathSummary | CrossingPath] = {}
        searched = set()
        for objective, price in self.profiles:
            value = cargo if price is None else price
            profile = self.profile(objective, value)
            if profile in searched:  # a cargo value at a fixed risk price
                continue
            searched.add(profile)
            for parts in self.profile_paths(objective, value, origin, destination, keep, key, depart, team):
                path_key = b"".join(part.tobytes() for part in parts)  # the whole path's edges
                if path_key not in found:
                    found[path_key] = (
                        self.crossing_path(parts, path_key)
                        if lazy and len(parts) == 3
                        else self.summary(joined_parts(parts), path_key)
                    )
        return list(found.values())

    def crossing_path(self, parts: tuple[np.ndarray, ...], path_key: bytes) -> CrossingPath:
        """The :class:`~cargorisk.routing.pricing.CrossingPath` of the parts of a path across the
        border (to the crossing, its edge, from it)."""
        before, edge, after = parts
        legs = (self.leg(before), self.leg(after))
        crossing = int(edge[0])
        direction = "northbound" if self.r.tail_country[crossing] == "MX" else "southbound"
        middle = self.leg(edge).totals  # the crossing edge's, kept as a leg of its own
        totals = tuple(a + b + c for a, b, c in zip(legs[0].totals, middle, legs[1].totals, strict=True))
        return CrossingPath(
            legs, crossing, self.r.bridge[crossing], direction, float(self.r.seconds[crossing]), totals,
            make=lambda: self.summary(joined_parts(parts), path_key),
        )  # fmt: skip

    def summary(self, edges: np.ndarray, path_key: bytes | None = None) -> PathSummary:
        """The path's summary (cached by its edges)."""
        path_key = edges.tobytes() if path_key is None else path_key
        make = lambda: self.r.pricer.summarize(edges, self.leg)  # noqa: E731
        return cached(self.summaries, (self.namespace, path_key), make)

    def leg(self, ids: np.ndarray) -> Leg:
        """The leg of a path to or from its crossing (cached: a lane book's crossing paths
        share each about ten times, one plan's often)."""
        return cached(self.caches.legs, (self.namespace, ids.tobytes()), lambda: self.r.pricer.leg(ids))

    def profile_paths(
        self,
        objective: str,
        cargo: float,
        origin: object,
        destination: object,
        keep: np.ndarray,
        key: str,
        depart: datetime | None,
        team: bool,
    ) -> list[tuple[np.ndarray, ...]]:
        """The best paths of one profile (:meth:`paths_from`): the domestic one, or one per
        best-ranked crossing."""
        roads = keep & ~self.r.is_crossing
        w, _ = self.weights(objective, cargo, roads, key)
        forward = self.search(objective, cargo, roads, key, origin, reverse=False)
        backward = None
        if not self.domestic(origin, destination):
            backward = self.search(objective, cargo, roads, key, destination, reverse=True)
        return self.paths_from(
            objective, w, forward, backward,
            origin=origin, destination=destination, keep=keep, depart=depart, team=team,
        )  # fmt: skip

    def domestic(self, origin: object, destination: object) -> bool:
        """Whether both ends are in one country (no crossing on the way)."""
        return self.r.country(origin) == self.r.country(destination)

    def paths_from(  # noqa: PLR0913  (the searches of one profile, and the request)
        self,
        objective: str,
        w: np.ndarray,
        forward: Tree,
        backward: Tree | None,
        *,
        origin: object,
        destination: object,
        keep: np.ndarray,
        depart: datetime | None,
        team: bool,
    ) -> list[tuple[np.ndarray, ...]]:
        """Paths from a forward tree (origin) and a backward one (destination, None for a
        domestic lane): the direct path, or the best-ranked crossings' paths, as the edge ids
        of their parts (:func:`joined_parts`: the whole path): the direct path's alone, or
        those to the crossing, of the crossing edge and from it."""
        index = self.r.engine.index
        if backward is None:
            found = forward.edges(index[destination])
            return [(found,)] if len(found) else []
        country = self.r.country(origin)
        ids = self.r.crossing_ids
        open_ = keep[ids] & (self.r.tail_country[ids] == country)
        candidates = np.flatnonzero(open_ & np.isfinite(forward.cost) & np.isfinite(backward.cost))
        # search cost without the wait: a lower bound, so crossings are priced in its order and
        # the ranking stops when no crossing left can enter the best ``top`` (exact)
        bound = forward.cost[candidates] + w[ids[candidates]] + backward.cost[candidates]
        ranked: list[tuple[float, int]] = []
        for j in np.argsort(bound, kind="stable"):
            if len(ranked) == self.top and bound[j] > ranked[-1][0]:
                break
            k = int(candidates[j])
            waiting = self.wait_weight(objective, int(ids[k]), forward.seconds_to(k), country, depart, team)
            bisect.insort(ranked, (float(bound[j]) + waiting, k))
            del ranked[self.top :]
        ahead, behind = forward.edges, backward.edges
        return [
            (ahead(forward.ends[k], keep=True), ids[k : k + 1], behind(backward.ends[k], keep=True))
            for _, k in ranked
        ]

    def wait_weight(
        self, objective: str, edge: int, driving_s: float, country: str, depart: datetime | None, team: bool
    ) -> float:
        """The expected wait at a crossing edge, in the profile's weight units, for a truck
        that has driven ``driving_s`` (breaks and rests added by the schedule) to get there."""
        if objective == "safest":
            return 0.0
        elapsed = time_to_drive(driving_s, country, team=team)
        arrival = depart.astimezone(UTC) + timedelta(seconds=elapsed) if depart else None
        bridge = self.r.bridge[edge]
        direction = "northbound" if country == "MX" else "southbound"
        wait = self.r.pricer.wait(bridge, direction, arrival)
        if objective == "fastest":
            return wait.total_min * 60
        return (
            self.r.costs.time_usd_per_h * wait.queue_min + self.r.costs.rest_usd_per_h * wait.closed_min
        ) / 60

    def weights(
        self, objective: str, cargo: float, roads: np.ndarray, key: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Search weights of a profile (:meth:`profile`) and the cheapest kept edge of every
        node pair (cached)."""
        objective, cargo = self.profile(objective, cargo)

        def make() -> tuple[np.ndarray, np.ndarray]:
            money = self.r.pricer.operating + self.r.pricer.toll
            w = self.r.costs.edge_weights(objective, self.r.seconds, self.general_risk, money, cargo)
            return w, compact(self.r.engine.best_edges(w, roads))

        wkey = ("weights", objective, cargo, key)
        return cached(self.pair(wkey)[1], wkey, make)

    def pair(self, wkey: tuple) -> tuple[BoundedCache, BoundedCache]:
        """The caches (searches, weights) of the weights ``wkey``: the shared ones for a
        shared profile, else the request's own."""
        if wkey[0] == "weights" and wkey[2] in self.shared_values:
            return self.trees, self.prepared
        return self.caches.request_trees, self.caches.request_prepared

    def search(
        self, objective: str, cargo: float, roads: np.ndarray, key: str, node: object, *, reverse: bool
    ) -> Tree:
        """Dijkstra from (to, ``reverse``) a node over kept roads (cached; :meth:`profile`)."""
        wkey = ("weights", *self.profile(objective, cargo), key)
        make = lambda: self.weights(objective, cargo, roads, key)  # noqa: E731  (the type's own values)
        return self.tree_over(wkey, make, roads, node, (*wkey[1:], node, reverse), reverse)

    def penalised_search(
        self, objective: str, cargo: float, used: np.ndarray, roads: np.ndarray, key: str, node: object, *,
        reverse: bool,
    ) -> tuple[np.ndarray, Tree]:  # fmt: skip
        """A search over a profile's weights (as :meth:`search`) with the ``used`` roads made
        :data:`DETOUR_PENALTY` times dearer (cached per profile, mask ``key`` and used roads),
        and the penalised weights."""
        base, _ = self.weights(objective, cargo, roads, key)
        profile = self.profile(objective, cargo)
        wkey = ("penalised", *profile, key, mask_key(used))
        changed = np.flatnonzero(used & roads)

        def make_weights() -> tuple[np.ndarray, np.ndarray]:
            w = np.where(used & roads, base * DETOUR_PENALTY, base)
            return w, compact(self.r.engine.best_edges(w, roads))

        def prepare(w: np.ndarray, reverse: bool) -> Prepared:  # from the profile's own, when kept
            plain_key = ("weights", *profile, key)
            plain = self.pair(plain_key)[1].get((*plain_key, "matrix", reverse))
            if plain is None:
                return self.r.engine.prepared(w, roads, reverse=reverse)
            return self.r.engine.reweighted(plain, w, roads, changed, reverse=reverse)

        tree = self.tree_over(wkey, make_weights, roads, node, (*wkey, node, reverse), reverse, prepare)
        return cached(self.pair(wkey)[1], wkey, make_weights)[0], tree

    def tree_over(
        self,
        wkey: tuple,
        make_weights: Callable,
        roads: np.ndarray,
        node: object,
        key: tuple,
        reverse: bool,
        prepare: Callable[[np.ndarray, bool], Prepared] | None = None,
    ) -> Tree:
        """The search ``key`` over the weights cached as ``wkey`` (made by ``make_weights``;
        prepared by ``prepare(weights, reverse)``, by default from scratch), cached, and dropped
        with its weights or prepared search (:meth:`CachePolicy.caches`)."""

        trees, weights = self.pair(wkey)

        def make() -> Tree:
            w, best = cached(weights, wkey, make_weights)
            mkey = (*wkey, "matrix", reverse)
            fresh = prepare or (lambda w, reverse: self.r.engine.prepared(w, roads, reverse=reverse))
            prepared = cached(weights, mkey, lambda: fresh(w, reverse))
            tree = self.fresh_search(prepared, best, node, reverse=reverse)
            tree.depends = (wkey, mkey)
            for parent in tree.depends:
                weights.dependents.setdefault(parent, set()).add(key)
            return tree

        return cached(trees, key, make)

    def fresh_search(self, prepared: Prepared, best: np.ndarray, node: object, *, reverse: bool) -> Tree:
        """A search as :meth:`search` describes, uncached (``prepared``: the engine's prepared
        weights; ``best``: the cheapest kept edge of every pair)."""
        return Tree(self, self.r.engine.tree(prepared, node), best, reverse=reverse)


# a lane-book process (score-lanes and its workers): every search of a book kept, so lanes
# that share an origin or destination never repeat one (a book among 200 places needs up to
# 3,600: 200 places x 9 profiles x 2 directions, about 0.07 MB each); path summaries are not
# kept: a book's lanes rarely share a whole path (1,500 lanes among 200 places: 114 of 18,240
# summaries asked for twice), and the 50 MB bound held 670, so nearly every summary stored
# evicted one (4% of the book's time)
BATCH_POLICY = CachePolicy(
    searches_mb=2_000, searches=20_000, summaries=0,
    request_searches_mb=2_000, request_searches=20_000, request_prepared_mb=200, request_prepared=400,
    legs_mb=1_000, legs=40_000,
)  # fmt: skip


def joined_parts(parts: tuple[np.ndarray, ...]) -> np.ndarray:
    """The edge ids of a path from those of its parts (:meth:`PathFinder.paths_from`)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def cached(cache: cachetools.LRUCache, key: tuple, make: Callable[[], object]) -> object:
    """A value from a least-recently-used cache, made and stored on a miss."""
    try:
        return cache[key]
    except KeyError:
        value = make()
        cache[key] = value
        return value


def tree_bytes(tree: Tree) -> int:
    """Memory of a cached search (the cache's size measure)."""
    return tree.nbytes


def prepared_bytes(value: object) -> int:
    """Memory of a cached weights pair or prepared search (for the cache's bound)."""
    if isinstance(value, tuple):
        return sum(a.nbytes for a in value)
    return value.nbytes


def compact(best: np.ndarray) -> np.ndarray:
    """Edge ids as 32-bit integers (half the memory of a cached search's cheapest edges)."""
    return best.astype(np.int32)


def summary_bytes(summary: PathSummary) -> int:
    """Memory of a cached path summary: its edge ids as an array and a list, its nodes and
    ``(u, v, key)`` edges (Python objects, about 150 bytes an edge), its exposure arrays (six
    of 8 bytes an edge), and a little more."""
    return 200 * len(summary.ids) + 1024


def leg_bytes(leg: Leg) -> int:
    """Memory of a cached leg: its edge ids as an array and a list, its nodes and edges (lists
    of shared objects), about 70 bytes an edge, and its schedules at the crossing."""
    return 70 * len(leg.ids) + 4096


def mask_key(roads: np.ndarray) -> str:
    """A short key for the roads a search may take (searches are cached per mask of roads: masks
    that differ only in which crossings they keep share them)."""
    return hashlib.blake2b(np.packbits(roads).tobytes(), digest_size=8).hexdigest()
