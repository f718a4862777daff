"""A compiled graph for fast shortest paths with ``scipy.sparse.csgraph``.

The MultiDiGraph is compiled once into edge arrays sorted by (tail, head). A query takes a
weight per directed edge and an optional keep-mask; parallel edges collapse to their cheapest
kept one with one vectorised ``minimum.reduceat``, straight into the data array of a CSR matrix
whose structure never changes (masked pairs get ``inf``, which csgraph treats as no edge).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


class CSREngine:
    """Shortest paths over a compiled MultiDiGraph.

    Attributes
    ----------
    nodes
        Node ids in index order; ``index`` maps id -> position.
    edges
        ``(u, v, key)`` of every directed edge, in compiled order (positions are edge ids).
    """

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.nodes: list[Hashable] = list(graph.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        edges = list(graph.edges(keys=True))
        tails = np.array([self.index[u] for u, _, _ in edges], dtype=np.int64)
        heads = np.array([self.index[v] for _, v, _ in edges], dtype=np.int64)
        order = np.lexsort((heads, tails))
        self.edges = [edges[i] for i in order]
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
        self.graph = graph
        self.texts: dict[str, np.ndarray] = {}
        self.out_start = np.searchsorted(self.tail, np.arange(n + 1))  # edges of node i: out_start[i:i+2]

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
        if len(self.pair_start) == 0:
            return np.zeros(0)
        return np.minimum.reduceat(w, self.pair_start)

    def weighted(self, weights: np.ndarray, keep: np.ndarray | None = None) -> csr_matrix:
        """The CSR matrix with this query's weights (shares the compiled structure)."""
        matrix = self.matrix.copy()
        matrix.data = self.pair_weights(weights, keep)
        return matrix

    def search(
        self,
        weights: np.ndarray,
        sources: Sequence[Hashable],
        *,
        keep: np.ndarray | None = None,
        reverse: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dijkstra from each source (to each, with ``reverse``): distances and predecessors."""
        matrix = self.weighted(weights, keep)
        if reverse:
            matrix = matrix.transpose().tocsr()
        idx = [self.index[s] for s in sources]
        dist, pred = dijkstra(matrix, directed=True, indices=idx, return_predecessors=True)
        return dist, pred

    def node_path(
        self, pred: np.ndarray, source: Hashable, target: Hashable, *, reverse: bool = False
    ) -> list:
        """Node ids from source to target read off a predecessor row (``reverse``: the row of a
        backward search from ``target``, giving the path source -> target)."""
        start, end = self.index[source], self.index[target]
        chain, k = [], (start if reverse else end)
        stop = end if reverse else start
        while k != stop:
            if k < 0:
                return []
            chain.append(k)
            k = pred[k]
        chain.append(stop)
        ordered = chain if reverse else chain[::-1]
        return [self.nodes[i] for i in ordered]

    def cheapest_edge(self, i: int, j: int, weights: np.ndarray, keep: np.ndarray | None = None) -> int:
        """Edge id of the cheapest kept parallel edge from node index i to node index j."""
        p = self.pair_index[(int(i), int(j))]
        lo, hi = int(self.pair_start[p]), int(self.pair_end[p])
        w = weights[lo:hi] if keep is None else np.where(keep[lo:hi], weights[lo:hi], np.inf)
        return lo + int(np.argmin(w))

    def best_edges(self, weights: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        """Edge id of the cheapest kept parallel edge of every node pair (one array per query)."""
        w = np.where(keep, weights, np.inf) if keep is not None else np.asarray(weights, dtype=float)
        if len(w) == 0:
            return np.zeros(0, dtype=np.int64)
        cheapest = np.minimum.reduceat(w, self.pair_start)[self.pair_of_edge]
        hits = np.flatnonzero((w <= cheapest) | np.isnan(cheapest))  # NaN-safe: a pair always has a hit
        _, first = np.unique(self.pair_of_edge[hits], return_index=True)
        return hits[first]

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
