"""A compiled graph for fast shortest paths with ``scipy.sparse.csgraph``.

The MultiDiGraph is compiled once into edge arrays sorted by (tail, head). A query takes a
weight per directed edge and an optional keep-mask; parallel edges collapse to their cheapest
kept one (vectorised; masked pairs get ``inf``, which csgraph treats as no edge), and Dijkstra
runs over the junctions only, each run of waypoints between two junctions one edge of a CSR
matrix whose structure never changes (:mod:`cargorisk.routing.contract`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix

from cargorisk.routing.contract import Chains, ChainTree, Prepared, first_minimum

if TYPE_CHECKING:
    import networkx as nx


class CSREngine:
    """Shortest paths over a compiled MultiDiGraph.

    Attributes
    ----------
    nodes
        Node ids in index order; ``index`` maps id -> position.
    edges
        ``(u, v, key)`` of every directed edge open to trucks (``trucks`` is not ``"no"``), in
        compiled order (positions are edge ids).

    ``junctions``: nodes kept in the contracted search graph whatever their neighbours (those
    searched from or read most often: a search from a waypoint costs a little more).
    """

    def __init__(self, graph: nx.MultiDiGraph, junctions: Iterable[Hashable] = ()) -> None:
        self.nodes: list[Hashable] = list(graph.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        # roads closed to heavy trucks (edge attribute trucks="no", cargorisk.network.trucks) are
        # left out of every search
        edges = [(u, v, k) for u, v, k, trucks in graph.edges(keys=True, data="trucks") if trucks != "no"]
        tails = np.array([self.index[u] for u, _, _ in edges], dtype=np.int64)
        heads = np.array([self.index[v] for _, v, _ in edges], dtype=np.int64)
        order = np.lexsort((heads, tails))
        self.edges = [edges[i] for i in order]
        self.node_array, self.edge_array = object_array(self.nodes), object_array(self.edges)
        self.edge_id = {e: i for i, e in enumerate(self.edges)}
        self.tail, self.head = tails[order], heads[order]
        new_pair = np.r_[True, (np.diff(self.tail) != 0) | (np.diff(self.head) != 0)][: len(order)]
        self.pair_start = np.flatnonzero(new_pair)
        self.pair_of_edge = np.cumsum(new_pair) - 1
        self.pair_end = np.r_[self.pair_start[1:], len(self.edges)]
        self.pair_index = {
            (int(t), int(h)): p
            for p, (t, h) in enumerate(
                zip(self.tail[self.pair_start], self.head[self.pair_start], strict=True)
            )
        }
        pair_tail, pair_head = self.tail[self.pair_start], self.head[self.pair_start]
        n = len(self.nodes)
        self.matrix = csr_matrix((np.ones(len(pair_tail)), (pair_tail, pair_head)), shape=(n, n))
        self.matrix.sort_indices()
        # csr_matrix orders entries by (row, col) exactly like the pairs, so data[i] is pair i
        self._graph: nx.MultiDiGraph | Callable[[], nx.MultiDiGraph] = graph
        self.texts: dict[str, np.ndarray] = {}
        self.out_start = np.searchsorted(self.tail, np.arange(n + 1))  # edges of node i: out_start[i:i+2]
        self.pair_keys = pair_tail * n + pair_head  # ascending, like the pairs
        # pairs with parallel edges (a few dozen on the national graph): the rest need no minimum
        sizes = self.pair_end - self.pair_start
        self.multi_pairs = np.flatnonzero(sizes > 1)
        self.multi_edges = np.flatnonzero(sizes[self.pair_of_edge] > 1)
        self.multi_start = np.r_[0, np.cumsum(sizes[self.multi_pairs])[:-1]].astype(np.int64)
        # searches run over the junctions (cargorisk.routing.contract); backward ones over the
        # pairs in (head, tail) order
        pinned = np.zeros(n, dtype=bool)
        pinned[[self.index[j] for j in junctions]] = True
        self.chains = Chains(pair_tail, pair_head, n, pinned)
        self.back_order = np.lexsort((pair_tail, pair_head))
        self.back_position = np.empty_like(self.back_order)  # a pair's number in back_order
        self.back_position[self.back_order] = np.arange(len(self.back_order))
        self.back_chains = Chains(pair_head[self.back_order], pair_tail[self.back_order], n, pinned)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The compiled graph (a router read from its snapshot reads it from disk on first use:
        :mod:`cargorisk.routing.snapshot`)."""
        if callable(self._graph):  # a snapshot's GraphFile (a networkx graph is not callable)
            self._graph = self._graph()
        return self._graph

    def text_attribute(self, name: str) -> np.ndarray:
        """A string edge attribute in compiled order (``""`` when missing), computed once."""
        if name not in self.texts:
            edges = self.graph.edges
            self.texts[name] = np.array([str(edges[e].get(name, "") or "") for e in self.edges], dtype=object)
        return self.texts[name]

    def edge_attribute(self, name: str, default: float = np.nan) -> np.ndarray:
        """An edge attribute as a float array in compiled order."""
        return np.array([float(self.graph.edges[e].get(name, default)) for e in self.edges])

    def pair_weights(self, weights: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        """Cheapest kept parallel edge per node pair (``inf`` where none is kept)."""
        w = np.where(keep, weights, np.inf) if keep is not None else np.asarray(weights, dtype=float)
        out = w[self.pair_start]
        if len(self.multi_pairs):
            out[self.multi_pairs] = np.minimum.reduceat(w[self.multi_edges], self.multi_start)
        return out

    def weighted(self, weights: np.ndarray, keep: np.ndarray | None = None) -> csr_matrix:
        """The CSR matrix with this query's weights (shares the compiled structure)."""
        matrix = self.matrix.copy()
        matrix.data = self.pair_weights(weights, keep)
        return matrix

    def prepared(
        self, weights: np.ndarray, keep: np.ndarray | None = None, *, reverse: bool = False
    ) -> Prepared:
        """What :meth:`search` runs on for these weights, mask and direction (the contracted
        graph's weights and running sums), to reuse over searches."""
        if not reverse:
            return self.chains.prepare(self.pair_weights(weights, keep))
        return self.back_chains.prepare(self.pair_weights(weights, keep)[self.back_order])

    def reweighted(
        self, base: Prepared, weights: np.ndarray, keep: np.ndarray, edges: np.ndarray, *, reverse: bool
    ) -> Prepared:
        """:meth:`prepared` for ``weights``, made from ``base`` (prepared for the same mask and
        direction) when only the edge ids ``edges`` weigh differently: the same numbers, with
        only those edges' pairs and chains computed again."""
        pairs = np.unique(self.pair_of_edge[edges])
        first = self.pair_start[pairs]
        values = np.where(keep[first], weights[first], np.inf)
        for i in np.flatnonzero(self.pair_end[pairs] - first > 1).tolist():  # parallel edges
            span = slice(first[i], self.pair_end[pairs[i]])
            values[i] = np.where(keep[span], weights[span], np.inf).min()
        if reverse:
            pairs = self.back_position[pairs]
        return base.reweighted(pairs, values)

    def search(
        self,
        weights: np.ndarray,
        sources: Sequence[Hashable],
        *,
        keep: np.ndarray | None = None,
        reverse: bool = False,
        matrix: Prepared | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dijkstra from each source (to each, with ``reverse``): distances and predecessors
        over every node, one row per source (``matrix``: from :meth:`prepared` with the same
        weights, mask and direction)."""
        if matrix is None:
            matrix = self.prepared(weights, keep, reverse=reverse)
        rows = [matrix.search(self.index[s]).full() for s in sources]
        if not rows:
            return np.zeros((0, len(self.nodes))), np.zeros((0, len(self.nodes)), dtype=np.int32)
        return np.vstack([d for d, _ in rows]), np.vstack([p for _, p in rows])

    def tree(self, prepared: Prepared, source: Hashable) -> ChainTree:
        """The search tree from (to, for a backward ``prepared``) one node, kept at the
        junctions: read it with :meth:`tree_path` and ``ChainTree.dist_of``."""
        return prepared.search(self.index[source])

    def tree_path(self, tree: ChainTree, node: int, best: np.ndarray, *, reverse: bool = False) -> np.ndarray:
        """Edge ids, in driving order, of the tree path between the tree's node and node index
        ``node`` (source -> node; node -> target for a backward tree), each hop on its cheapest
        edge (``best``: :meth:`best_edges` of the search's weights); empty when unreached."""
        pairs = tree.pairs(node)
        if reverse:
            pairs = self.back_order[pairs][::-1]
        return best[pairs]

    def index_path(self, pred: np.ndarray, start: int, end: int, *, reverse: bool = False) -> list[int]:
        """Node indices from ``start`` to ``end`` read off a predecessor row (``reverse``: the
        row of a backward search from ``end``); empty when ``end`` was not reached."""
        chain, k = [], int(start if reverse else end)
        stop = int(end if reverse else start)
        if pred.ndim == 1 and pred.flags.c_contiguous:
            pred = memoryview(pred)  # its items are Python ints: a third of the time of numpy's
        while k != stop:
            if k < 0:
                return []
            chain.append(k)
            k = pred[k]
        chain.append(stop)
        return chain if reverse else chain[::-1]

    def node_path(
        self, pred: np.ndarray, source: Hashable, target: Hashable, *, reverse: bool = False
    ) -> list:
        """Node ids from source to target read off a predecessor row (``reverse``: the row of a
        backward search from ``target``, giving the path source -> target)."""
        ordered = self.index_path(pred, self.index[source], self.index[target], reverse=reverse)
        return [self.nodes[i] for i in ordered]

    def tree_edges(
        self, pred: np.ndarray, start: int, end: int, best: np.ndarray, *, reverse: bool = False
    ) -> list[int]:
        """Edge ids of the tree path from node index ``start`` to ``end`` (as :meth:`index_path`),
        each hop on its cheapest edge (``best``: :meth:`best_edges` of the search), vectorised."""
        path = np.asarray(self.index_path(pred, start, end, reverse=reverse), dtype=np.int64)
        return best[self.pair_ids(path[:-1], path[1:])].tolist() if len(path) > 1 else []

    def path_nodes(self, ids: np.ndarray) -> list:
        """Node ids along a path of edge ids (its first tail, then every head)."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return []
        return self.node_array[np.r_[self.tail[ids[0]], self.head[ids]]].tolist()

    def edge_keys(self, ids: np.ndarray) -> list[tuple]:
        """``(u, v, key)`` of each edge id."""
        return self.edge_array[np.asarray(ids, dtype=np.int64)].tolist()

    def cheapest_edge(self, i: int, j: int, weights: np.ndarray, keep: np.ndarray | None = None) -> int:
        """Edge id of the cheapest kept parallel edge from node index i to node index j."""
        p = self.pair_index[(int(i), int(j))]
        lo, hi = int(self.pair_start[p]), int(self.pair_end[p])
        w = weights[lo:hi] if keep is None else np.where(keep[lo:hi], weights[lo:hi], np.inf)
        return lo + int(np.argmin(w))

    def pair_ids(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Pair id of each (tail, head) node-index pair, vectorised (pairs are sorted by key)."""
        n = len(self.nodes)
        return np.searchsorted(self.pair_keys, np.asarray(tails, dtype=np.int64) * n + np.asarray(heads))

    def tree_sums(self, pred: np.ndarray, values: np.ndarray, best: np.ndarray, source: int) -> np.ndarray:
        """For every node, the sum of an edge value along the shortest-path tree ``pred`` from
        node index ``source`` (``best``: :meth:`best_edges` of that search; NaN where unreached).

        Pointer jumping: each round adds the sum over the next 2^k ancestors, so a tree of depth
        d takes log2(d) vectorised rounds instead of a Python loop over the nodes."""
        reached = pred >= 0
        active = np.flatnonzero(reached)
        total = np.zeros(len(pred))
        total[active] = values[best[self.pair_ids(pred[active], active)]]
        up = np.where(reached, pred, -1)
        while active.size:  # each round: add the sums of the next 2^k ancestors, then jump
            parents = up[active]
            total[active] += total[parents]  # right side read before writing: synchronous
            up[active] = up[parents]
            active = active[up[active] >= 0]
        unreached = ~reached
        unreached[source] = False
        total[unreached] = np.nan
        return total

    def best_edges(self, weights: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        """Edge id of the cheapest kept parallel edge of every node pair (one array per query)."""
        best = self.pair_start.copy()
        if not len(self.multi_pairs):
            return best
        sub = self.multi_edges  # ordered by pair: each pair with parallels one run
        w = np.where(keep[sub], weights[sub], np.inf) if keep is not None else np.asarray(weights, float)[sub]
        best[self.multi_pairs] = sub[first_minimum(w, self.multi_start)[1]]
        return best

    def path_edges(
        self,
        path: Sequence[Hashable],
        weights: np.ndarray,
        keep: np.ndarray | None = None,
        best: np.ndarray | None = None,
    ) -> list[int]:
        """Edge ids along a node path: on each hop, the cheapest kept parallel edge (``best``:
        :meth:`best_edges` for these weights and mask, to reuse it over many paths)."""
        if best is None:
            return [
                self.cheapest_edge(self.index[a], self.index[b], weights, keep)
                for a, b in itertools.pairwise(path)
            ]
        index, pairs = self.index, self.pair_index
        return [int(best[pairs[index[a], index[b]]]) for a, b in itertools.pairwise(path)]


def object_array(items: Sequence) -> np.ndarray:
    """A 1-d object array of the items as they are (tuples stay elements, never a 2-d array)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out
