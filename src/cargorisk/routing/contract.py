"""Chain contraction: Dijkstra over the junctions of a road graph, not over every waypoint.

Most nodes of a highway graph are waypoints a road merely passes through: 89% of the national
graph's 36,000 nodes have two neighbours. A *chain* is a run of directed node pairs from one
junction (a *core* node) through such waypoints (*interior* nodes) to the next junction. A
search then runs over the core graph only, where each chain is one edge weighing the sum of its
pairs, and the distance and predecessor of every interior node are filled in afterwards from
the chains' running sums, vectorised. The result is the full search's (the same distances and
a shortest-path tree over every node), from a graph a tenth of the size.

A source inside a chain becomes an extra node whose edges lead to the ends of its chains. The
contraction is a speed-up only: the engine's answers do not change (tests compare them with
networkx's on random graphs made mostly of chains).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

UNREACHED = -9999  # scipy's predecessor of a node that has none


class Chains:
    """The directed node pairs of a graph (sorted by tail, then head) cut into chains
    (``pinned``: nodes that stay junctions whatever their neighbours).

    Attributes
    ----------
    order
        Pair ids chain after chain, each chain's pairs in driving order (a *position* is an
        index into this array).
    start, end
        Each chain's first position and one past its last.
    core
        Node indices of the junctions, in core order; ``core_of`` maps a node index to its core
        index (-1 for an interior node).
    """

    def __init__(self, tail: np.ndarray, head: np.ndarray, n: int, pinned: np.ndarray | None = None) -> None:
        self.n, self.tail, self.head = n, np.asarray(tail, np.int64), np.asarray(head, np.int64)
        interior, following = interior_nodes(self.tail, self.head, n)
        if pinned is not None:  # nodes kept as junctions (searched from, or read, often)
            interior &= ~pinned
        self.order, self.start = walk(self.tail, self.head, interior, following)
        self.end = np.r_[self.start[1:], len(self.order)][: len(self.start)]
        self.core = np.flatnonzero(~interior)
        self.core_of = np.full(n, -1, dtype=np.int64)
        self.core_of[self.core] = np.arange(len(self.core))
        self.chain_of = np.repeat(np.arange(len(self.start)), self.end - self.start)  # of each position
        self.position_of = np.empty(len(self.order), dtype=np.int64)  # of each pair
        self.position_of[self.order] = np.arange(len(self.order))
        self.from_core = self.core_of[self.tail[self.order[self.start]]]  # each chain's first junction
        self.to_core = self.core_of[self.head[self.order[self.end - 1]]]
        self.last_tail = self.tail[self.order[self.end - 1]]  # the node before each chain's end
        self.core_pairs()
        self.interior_positions(interior)

    def core_pairs(self) -> None:
        """Chains grouped by (first, last junction): the core graph's structure (one row more
        for a source inside a chain), and the groups with more than one chain."""
        m = len(self.core) + 1
        self.sorted_chains = np.lexsort((self.to_core, self.from_core))
        keys = self.from_core[self.sorted_chains] * m + self.to_core[self.sorted_chains]
        new = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, bool)
        self.group_start = np.flatnonzero(new)
        self.group_keys = keys[self.group_start]
        sizes = np.diff(np.r_[self.group_start, len(keys)])
        self.multi = np.flatnonzero(sizes > 1)  # groups of parallel chains
        self.multi_chains = np.concatenate(
            [self.sorted_chains[self.group_start[g] : self.group_start[g] + sizes[g]] for g in self.multi]
            or [np.zeros(0, np.int64)]
        )
        self.multi_start = np.r_[0, np.cumsum(sizes[self.multi])[:-1]].astype(np.int64)
        self.group_of = np.empty(len(keys), dtype=np.int64)  # of each chain
        self.group_of[self.sorted_chains] = np.cumsum(new) - 1
        self.is_multi = sizes > 1  # of each group
        rows, cols = self.group_keys // m, self.group_keys % m
        structure = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, m))
        structure.sort_indices()  # entries in key order, like the groups
        self.indptr, self.indices = structure.indptr, structure.indices

    def interior_positions(self, interior: np.ndarray) -> None:
        """For each interior node, the one or two positions that reach it (one per direction
        of travel; ``len(order)`` stands for none)."""
        size = len(self.order)
        reach = np.flatnonzero(np.r_[np.diff(self.chain_of) == 0, False]) if size else np.zeros(0, np.int64)
        nodes = self.head[self.order[reach]]
        by_node = np.argsort(nodes, kind="stable")
        nodes, reach = nodes[by_node], reach[by_node]
        first = np.r_[True, nodes[1:] != nodes[:-1]] if len(nodes) else np.zeros(0, bool)
        self.inner = np.flatnonzero(interior)
        self.pos_a = np.full(self.n, size, dtype=np.int64)
        self.pos_b = np.full(self.n, size, dtype=np.int64)
        self.pos_a[nodes[first]] = reach[first]
        self.pos_b[nodes[~first]] = reach[~first]
        # per interior node and direction: its chain (-2: none), the chain's first junction
        # (-1: none) and the node before it on the chain
        chain = np.r_[self.chain_of, -2]
        junction = np.r_[self.from_core, -1, -1]
        before = np.r_[self.tail[self.order], UNREACHED]
        self.chain_a, self.chain_b = chain[self.pos_a[self.inner]], chain[self.pos_b[self.inner]]
        self.from_a, self.from_b = junction[self.chain_a], junction[self.chain_b]
        self.came_a, self.came_b = before[self.pos_a[self.inner]], before[self.pos_b[self.inner]]

    @functools.cached_property
    def bounds(self) -> tuple[list[int], list[int], list[int]]:
        """Each chain's first position, one past its last and its first junction, as Python
        lists (a path is read chain by chain: list items are quicker than numpy's)."""
        return self.start.tolist(), self.end.tolist(), self.from_core.tolist()

    def prepare(self, pair_weights: np.ndarray) -> Prepared:
        """The core graph and running sums for one query's pair weights (``inf``: closed)."""
        return Prepared(self, np.asarray(pair_weights, dtype=float))

    @property
    def nbytes(self) -> int:
        """Memory held by the structure."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


class Prepared:
    """One query's weights over the chains: each position's pair weight (``hop``), each
    chain's total, the core graph's CSR matrix and the cheapest chain of each core pair."""

    def __init__(self, chains: Chains, pair_weights: np.ndarray) -> None:
        self.chains = c = chains
        self.hop = pair_weights[c.order]
        self.total = np.add.reduceat(self.hop, c.start) if len(c.start) else np.zeros(0)  # inf: closed
        weights = self.total[c.sorted_chains[c.group_start]]
        self.best = c.sorted_chains[c.group_start].copy()  # cheapest chain of each core pair
        if len(c.multi):
            weights[c.multi], first = first_minimum(self.total[c.multi_chains], c.multi_start)
            self.best[c.multi] = c.multi_chains[first]
        self.weights = weights
        self.core_matrix: csr_matrix | None = None

    @property
    def nbytes(self) -> int:
        """Memory held (for a cache's bound), the shared structure left out."""
        arrays = sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))
        return arrays + (0 if self.core_matrix is None else 3 * self.weights.nbytes)

    def reweighted(self, pairs: np.ndarray, pair_weights: np.ndarray) -> Prepared:
        """These weights with the pairs ``pairs`` weighing ``pair_weights``: only their chains
        and core pairs are summed again, in the same order, so the numbers are those of
        preparing the new weights from scratch (the alternatives' searches change a few
        routes' roads)."""
        c = self.chains
        new = copy.copy(self)
        new.hop = self.hop.copy()
        new.hop[c.position_of[pairs]] = pair_weights
        chains = np.unique(c.chain_of[c.position_of[pairs]])
        lengths = c.end[chains] - c.start[chains]
        starts = np.r_[0, np.cumsum(lengths)[:-1]]  # the chains' hops, one after the other
        positions = np.arange(int(lengths.sum())) + np.repeat(c.start[chains] - starts, lengths)
        new.total = self.total.copy()
        new.total[chains] = np.add.reduceat(new.hop[positions], starts) if len(chains) else 0.0
        new.weights = self.weights.copy()
        groups = c.group_of[chains]
        new.weights[groups] = new.total[c.sorted_chains[c.group_start[groups]]]
        if c.is_multi[groups].any():
            new.best = self.best.copy()
            new.weights[c.multi], first = first_minimum(new.total[c.multi_chains], c.multi_start)
            new.best[c.multi] = c.multi_chains[first]
        new.core_matrix = None
        return new

    def search(self, source: int) -> ChainTree:
        """The shortest-path tree from node index ``source``."""
        return ChainTree(self, source)

    def matrix(self, own: list[int]) -> tuple[csr_matrix, np.ndarray]:
        """The core graph's matrix, with edges from the extra node (the last) to the ends of
        the source's chains when the source is inside them; and those chains, dearest first."""
        c = self.chains
        m = len(c.core) + 1
        chains = np.array([c.chain_of[p] for p in own], dtype=np.int64)
        if not own and self.core_matrix is not None:
            return self.core_matrix, chains
        rest = np.array([float(self.hop[p + 1 : c.end[c.chain_of[p]]].sum()) for p in own])
        by_cost = np.argsort(-rest, kind="stable")  # the dearer first: the cheaper is the last word
        chains, rest = chains[by_cost], rest[by_cost]
        indptr = np.r_[c.indptr[:-1], len(c.indices) + len(own)]
        matrix = csr_matrix(
            (np.r_[self.weights, rest], np.r_[c.indices, c.to_core[chains]], indptr), shape=(m, m)
        )
        if not own:
            self.core_matrix = matrix  # a junction's searches all run on this one
        return matrix, chains


class ChainTree:
    """One search's shortest-path tree, kept at the junctions: distances and predecessors of
    the core nodes and the chain each core node is reached by. Distances and paths of
    interior nodes are read off their chains when asked for (:meth:`dist_of`,
    :meth:`pairs`), or all at once (:meth:`full`)."""

    def __init__(self, prepared: Prepared, source: int) -> None:
        c = self.chains = prepared.chains
        self.hop, self.source = prepared.hop, source  # the hops: for interior nodes
        m = len(c.core)
        here = int(c.core_of[source])
        self.own = {
            int(c.chain_of[p]): p for p in (int(c.pos_a[source]), int(c.pos_b[source])) if p < len(c.order)
        }
        matrix, virtual = prepared.matrix(list(self.own.values()))
        dist, pred = dijkstra(
            matrix, directed=True, indices=m if here < 0 else here, return_predecessors=True
        )
        self.dist = dist
        self.incoming = self.reached_by(pred, virtual, prepared.best)

    @property
    def nbytes(self) -> int:
        """Memory held, without the hops (shared with the prepared weights it came from)."""
        return self.dist.nbytes + self.incoming.nbytes + 64 * len(self.own) + 128

    def span(self, lo: int, hi: int) -> float:
        """Sum of the pairs at positions ``lo`` to ``hi`` - 1 (``inf`` through a closed one)."""
        return float(self.hop[lo:hi].sum())

    def reached_by(self, pred: np.ndarray, virtual: np.ndarray, best: np.ndarray) -> np.ndarray:
        """The chain each core node is reached by (-1: the source, or unreached): the
        cheapest chain from its core predecessor, or the source's own chain."""
        c = self.chains
        m = len(c.core)
        out = np.full(m + 1, -1, dtype=np.int32)  # the last: "no junction"
        reached = np.flatnonzero(pred[:m] >= 0)
        via = pred[reached]
        inner = via < m
        group = np.searchsorted(c.group_keys, via[inner] * (m + 1) + reached[inner])
        out[reached[inner]] = best[group]
        for chain in virtual:  # from a source inside a chain: that chain (the cheaper wins)
            target = c.to_core[chain]
            if pred[target] == m:
                out[target] = chain
        return out

    def dist_of(self, nodes: np.ndarray) -> np.ndarray:
        """Distances to node indices ``nodes``."""
        core = self.chains.core_of[nodes]
        out = self.dist[np.maximum(core, 0)].astype(float)
        for k in np.flatnonzero(core < 0).tolist():
            out[k] = self.reach(int(nodes[k]))[0]
        out[np.asarray(nodes) == self.source] = 0.0
        return out

    def reach(self, node: int) -> tuple[float, int, int]:
        """How an interior node is reached: (distance, position of its chain's pair into it,
        the position after which that chain's part of the path starts)."""
        c = self.chains
        found = (np.inf, -1, -1)
        sides = ((c.pos_a[node], c.pos_b[node]), (c.pos_b[node], c.pos_a[node]))
        for pos, other in ((int(a), int(b)) for a, b in sides):
            if pos >= len(c.order):
                continue
            chain = int(c.chain_of[pos])
            if chain in self.own and self.own[chain] < pos:  # straight from the source
                after = self.own[chain]
                cost = self.span(after + 1, pos + 1)
            else:
                junction, after = int(c.from_core[chain]), int(c.start[chain]) - 1
                other_chain = int(c.chain_of[other]) if other < len(c.order) else -2
                if self.incoming[junction] == other_chain:  # reached through this node
                    continue
                cost = float(self.dist[junction]) + self.span(after + 1, pos + 1)
            if cost < found[0]:
                found = (cost, pos, after)
        return found

    def pairs(self, node: int) -> np.ndarray:
        """Pair ids (in this search's direction and numbering) of the tree path from the
        source to node index ``node``; empty when unreached."""
        c = self.chains
        lows: list[int] = []  # the path's runs of positions, from the node back to the source
        highs: list[int] = []
        core = int(c.core_of[node])
        if node != self.source and core < 0:
            cost, pos, after = self.reach(node)
            if not cost < np.inf:
                return np.zeros(0, dtype=np.int64)
            lows.append(after + 1)
            highs.append(pos + 1)
            chain = int(c.chain_of[pos])
            core = -1 if self.own.get(chain) == after else int(c.from_core[chain])
        elif node != self.source and not self.dist[core] < np.inf:
            return np.zeros(0, dtype=np.int64)
        incoming, (start, end, from_core) = memoryview(self.incoming), c.bounds
        while core >= 0 and (chain := incoming[core]) >= 0:  # Python ints: no numpy scalars
            if chain in self.own:
                lows.append(self.own[chain] + 1)
                core = -1
            else:
                lows.append(start[chain])
                core = from_core[chain]
            highs.append(end[chain])
        return c.order[runs(lows[::-1], highs[::-1])]

    def full(self) -> tuple[np.ndarray, np.ndarray]:
        """Distances to every node and each node's predecessor on a shortest path (``-9999``
        at the source and where unreached), vectorised."""
        c = self.chains
        m = len(c.core)
        prefix = running_sums(c, self.hop)
        dist = np.full(c.n, np.inf)
        before = np.full(c.n, UNREACHED, dtype=np.int32)
        dist[c.core] = self.dist[:m]
        before[c.core] = np.r_[c.last_tail, UNREACHED][self.incoming[:m]]  # -1: none
        junction = np.r_[self.dist, np.inf]  # index -1: no junction
        via_a = junction[c.from_a] + prefix(c.pos_a[c.inner])
        via_a[self.incoming[c.from_a] == c.chain_b] = np.inf  # that junction was reached through the node
        via_b = junction[c.from_b] + prefix(c.pos_b[c.inner])
        via_b[self.incoming[c.from_b] == c.chain_a] = np.inf
        take_b = via_b < via_a
        found = np.where(take_b, via_b, via_a)
        dist[c.inner] = found
        before[c.inner] = np.where(found < np.inf, np.where(take_b, c.came_b, c.came_a), UNREACHED)
        for chain, after in self.own.items():  # the rest of the source's chains, straight on
            later = np.arange(after + 1, c.end[chain] - 1)  # positions that end inside the chain
            nodes = c.head[c.order[later]]
            direct = np.cumsum(self.hop[later])
            better = direct < dist[nodes]
            dist[nodes[better]] = direct[better]
            before[nodes[better]] = c.tail[c.order[later[better]]]
        dist[self.source], before[self.source] = 0.0, UNREACHED
        return dist, before


def runs(lows: list[int], highs: list[int]) -> np.ndarray:
    """The positions ``lows[i]`` to ``highs[i]`` - 1 of every run, one run after the other."""
    lo, hi = np.asarray(lows, dtype=np.int64), np.asarray(highs, dtype=np.int64)
    lengths = hi - lo
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.arange(total, dtype=np.int64) + np.repeat(lo - ends + lengths, lengths)


def first_minimum(values: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs of ``values`` beginning at ``starts`` (ascending, the first 0): each run's
    minimum and the position of its first value reaching it (its first value where the minimum
    is NaN: every run has one)."""
    lowest = np.minimum.reduceat(values, starts)
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(values)]))
    hits = np.flatnonzero((values <= lowest[run]) | np.isnan(lowest[run]))
    return lowest, hits[np.r_[True, run[hits][1:] != run[hits][:-1]]]


def running_sums(chains: Chains, hop: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A function giving, for positions, the sum of the pairs from each one's chain start
    through it, vectorised (``inf`` through a closed pair, and for position ``len(order)``,
    which stands for none)."""
    closed = ~(hop < np.inf)
    open_hop = np.where(closed, 0.0, hop)
    sums, shut = np.r_[np.cumsum(open_hop), np.inf], np.r_[np.cumsum(closed), 0]
    start = chains.start
    base, base_shut = sums[start] - open_hop[start], shut[start] - closed[start]

    def prefix(positions: np.ndarray) -> np.ndarray:
        chain = chains.chain_of[np.minimum(positions, len(chains.order) - 1)]
        blocked = (shut[positions] - base_shut[chain] > 0) | (positions >= len(chains.order))
        return np.where(blocked, np.inf, sums[positions] - base[chain])

    return prefix


def interior_nodes(tail: np.ndarray, head: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Which nodes are interior (two neighbours, every way in continuing to the other
    neighbour), and for each pair into an interior node the pair that continues it (-1
    where none)."""
    keys = tail * n + head
    loops = np.zeros(n, bool)
    loops[tail[tail == head]] = True
    ends = np.unique(np.r_[np.minimum(tail, head) * n + np.maximum(tail, head)][tail != head])
    lo, hi = ends // n, ends % n
    node = np.r_[lo, hi]
    other = np.r_[hi, lo]
    by_node = np.argsort(node, kind="stable")
    node, other = node[by_node], other[by_node]
    degree = np.bincount(node, minlength=n)
    interior = (degree == 2) & ~loops
    first = np.searchsorted(node, np.arange(n))
    padded = np.r_[other, -1, -1]
    nb1 = np.where(interior, padded[first], -1)
    nb2 = np.where(interior, padded[first + 1], -1)
    sentinel = np.r_[keys, n * n]  # past every key

    def has(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return sentinel[np.searchsorted(keys, a * n + b)] == a * n + b

    idx = np.arange(n)
    interior &= (has(nb1, idx) == has(idx, nb2)) & (has(nb2, idx) == has(idx, nb1))
    onward = np.where(tail == nb1[head], nb2[head], nb1[head])
    found = np.searchsorted(keys, head * n + onward)
    following = np.where(interior[head], found, -1)
    return interior, following


def walk(
    tail: np.ndarray, head: np.ndarray, interior: np.ndarray, following: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pair ids chain after chain, and each chain's first position. A loop of interior nodes
    only (no junction on it) gets one of its nodes made a junction."""
    seen = np.zeros(len(tail), bool)
    order: list[int] = []
    starts: list[int] = []
    heads, nexts, inner = head.tolist(), following.tolist(), interior.tolist()

    def chains_from(pairs: np.ndarray) -> None:
        for first in pairs.tolist():
            starts.append(len(order))
            p = first
            while True:
                order.append(p)
                seen[p] = True
                if not inner[heads[p]]:
                    break
                p = nexts[p]

    chains_from(np.flatnonzero(~interior[tail]))
    while not seen.all():  # a loop without junction
        node = int(tail[np.flatnonzero(~seen)[0]])
        interior[node] = inner[node] = False
        chains_from(np.flatnonzero((tail == node) & ~seen))
    return np.asarray(order, dtype=np.int64), np.asarray(starts, dtype=np.int64)
