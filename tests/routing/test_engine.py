"""The CSR engine equals networkx on random multigraphs; Pareto equals brute force."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargorisk.routing import CSREngine, pareto_paths


@st.composite
def multigraphs(draw: st.DrawFn, max_nodes: int = 9) -> tuple[nx.MultiDiGraph, np.ndarray]:
    n = draw(st.integers(2, max_nodes))
    edges = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.integers(0, 100_000).map(lambda x: x / 1000),  # weights on a 0.001 grid, so the
                st.integers(0, 1000).map(lambda x: x / 1000),  # 1e-12 dominance tolerance is moot
                st.booleans(),
            ),
            min_size=1,
            max_size=4 * n,
        )
    )
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(n))
    for u, v, w, r, _ in edges:
        if u != v:
            graph.add_edge(u, v, w=w, r=r)
    keep = np.array([k for u, v, *_, k in edges if u != v], dtype=bool)
    return graph, keep


def weights_in_order(engine: CSREngine, name: str) -> np.ndarray:
    return np.array([engine.graph.edges[e][name] for e in engine.edges])


@settings(max_examples=200, deadline=None)
@given(multigraphs())
def test_engine_distances_equal_networkx(case: tuple[nx.MultiDiGraph, np.ndarray]) -> None:
    graph, _ = case
    engine = CSREngine(graph)
    dist, pred = engine.search(weights_in_order(engine, "w"), [0])
    expected = nx.single_source_dijkstra_path_length(graph, 0, weight="w")
    for node in graph.nodes:
        got = dist[0][engine.index[node]]
        if node in expected:
            assert got == pytest.approx(expected[node], abs=1e-9)
            path = engine.node_path(pred[0], 0, node)
            edges = engine.path_edges(path, weights_in_order(engine, "w"))
            assert sum(weights_in_order(engine, "w")[edges]) == pytest.approx(expected[node], abs=1e-9)
        else:
            assert np.isinf(got)


@settings(max_examples=150, deadline=None)
@given(multigraphs(), st.randoms(use_true_random=False))
def test_masks_equal_networkx_on_the_subgraph(case: tuple[nx.MultiDiGraph, np.ndarray], rnd) -> None:
    graph, _ = case
    engine = CSREngine(graph)
    keep = np.array([rnd.random() < 0.7 for _ in engine.edges], dtype=bool)
    sub = nx.MultiDiGraph()
    sub.add_nodes_from(graph.nodes)
    sub.add_edges_from(
        (u, v, k, graph.edges[u, v, k]) for (u, v, k), kept in zip(engine.edges, keep, strict=True) if kept
    )
    dist, _ = engine.search(weights_in_order(engine, "w"), [0], keep=keep)
    expected = nx.single_source_dijkstra_path_length(sub, 0, weight="w")
    for node in graph.nodes:
        got = dist[0][engine.index[node]]
        assert got == pytest.approx(expected[node], abs=1e-9) if node in expected else np.isinf(got)
    back, _ = engine.search(weights_in_order(engine, "w"), [0], keep=keep, reverse=True)
    to_zero = nx.single_source_dijkstra_path_length(sub.reverse(copy=True), 0, weight="w")
    for node in graph.nodes:
        got = back[0][engine.index[node]]
        assert got == pytest.approx(to_zero[node], abs=1e-9) if node in to_zero else np.isinf(got)


@settings(max_examples=150, deadline=None)
@given(multigraphs())
def test_best_edges_and_tree_sums_follow_the_search_tree(case: tuple[nx.MultiDiGraph, np.ndarray]) -> None:
    graph, _ = case
    engine = CSREngine(graph)
    keep = np.array([graph.edges[e]["r"] < 0.7 for e in engine.edges])  # masks some edges
    w, r = weights_in_order(engine, "w"), weights_in_order(engine, "r")
    _, pred = engine.search(w, [0], keep=keep)
    best = engine.best_edges(w, keep)
    sums = engine.tree_sums(pred[0], r, best, engine.index[0])
    for node in graph.nodes:
        path = engine.node_path(pred[0], 0, node)
        if not path:
            assert np.isnan(sums[engine.index[node]])
            continue
        edges = engine.path_edges(path, w, keep, best=best)
        assert edges == engine.path_edges(path, w, keep)  # the cached cheapest edge is the loop's
        assert edges == engine.tree_edges(pred[0], engine.index[0], engine.index[node], best)
        assert all(keep[edges])  # never a masked edge
        assert sums[engine.index[node]] == pytest.approx(r[edges].sum(), abs=1e-9)


def brute_force_front(graph: nx.MultiDiGraph, source: int, target: int) -> set[tuple[float, float]]:
    points = set()
    for path in nx.all_simple_paths(graph, source, target):
        hops = [list(graph.get_edge_data(a, b).values()) for a, b in itertools.pairwise(path)]
        for choice in itertools.product(*hops):
            points.add((sum(d["w"] for d in choice), sum(d["r"] for d in choice)))
    front = {p for p in points if not any(q != p and q[0] <= p[0] and q[1] <= p[1] for q in points)}
    return {(round(t, 6), round(r, 6)) for t, r in front}


@settings(max_examples=150, deadline=None)
@given(multigraphs(max_nodes=6))
def test_pareto_equals_brute_force(case: tuple[nx.MultiDiGraph, np.ndarray]) -> None:
    graph, _ = case
    target = max(graph.nodes)
    engine = CSREngine(graph)
    found = pareto_paths(engine, weights_in_order(engine, "w"), weights_in_order(engine, "r"), 0, target)
    got = {(round(t, 6), round(r, 6)) for t, r, _ in found}
    expected = brute_force_front(graph, 0, target) if nx.has_path(graph, 0, target) else set()
    assert got == expected
    for t, r, edges in found:  # each label's path really has those totals and is non-dominated
        assert sum(weights_in_order(engine, "w")[edges]) == pytest.approx(t)
        assert sum(weights_in_order(engine, "r")[edges]) == pytest.approx(r)
        assert not any(t2 <= t and r2 <= r and (t2, r2) != (t, r) for t2, r2, _ in found)


@settings(max_examples=150, deadline=None)
@given(multigraphs())
def test_roads_closed_to_trucks_are_left_out(case: tuple[nx.MultiDiGraph, np.ndarray]) -> None:
    """Edges with ``trucks="no"`` (cargorisk.network.trucks) are not compiled: distances equal
    networkx on the graph without them."""
    graph, keep = case
    for (u, v, k), kept in zip(list(graph.edges(keys=True)), keep, strict=True):
        graph.edges[u, v, k]["trucks"] = "yes" if kept else "no"
    engine = CSREngine(graph)
    assert all(graph.edges[e]["trucks"] == "yes" for e in engine.edges)
    assert len(engine.edges) == int(keep.sum())
    dist, _ = engine.search(weights_in_order(engine, "w"), [0])
    open_roads = nx.subgraph_view(graph, filter_edge=lambda u, v, k: graph.edges[u, v, k]["trucks"] != "no")
    expected = nx.single_source_dijkstra_path_length(open_roads, 0, weight="w")
    for node in graph.nodes:
        got = dist[0][engine.index[node]]
        assert got == pytest.approx(expected[node], abs=1e-9) if node in expected else np.isinf(got)


@st.composite
def road_graphs(draw: st.DrawFn) -> nx.MultiDiGraph:
    """Junctions joined by roads through waypoints (the national graph's shape: mostly nodes
    with two neighbours), some one-way, some parallel, some loops, and a ring of waypoints
    with no junction on it; weights on a 0.001 grid."""
    junctions = draw(st.integers(1, 5))
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(junctions))
    weight = st.integers(0, 20_000).map(lambda x: x / 1000)
    roads = st.tuples(
        st.integers(0, junctions - 1), st.integers(0, junctions - 1), st.integers(0, 4), st.booleans()
    )
    for a, b, inner, both in draw(st.lists(roads, min_size=1, max_size=8)):
        path = [a, *range(len(graph), len(graph) + inner), b]
        graph.add_nodes_from(path)
        for u, v in itertools.pairwise(path):
            if u == v:
                continue
            graph.add_edge(u, v, w=draw(weight))
            if both:
                graph.add_edge(v, u, w=draw(weight))
    ring = draw(st.integers(0, 4))
    if ring >= 2:
        nodes = list(range(len(graph), len(graph) + ring))
        for u, v in zip(nodes, nodes[1:] + nodes[:1], strict=True):
            graph.add_edge(u, v, w=draw(weight))
    return graph


@settings(max_examples=300, deadline=None)
@given(road_graphs(), st.randoms(use_true_random=False))
def test_searches_over_junctions_equal_networkx_from_every_node(graph: nx.MultiDiGraph, rnd) -> None:
    """The contracted search (cargorisk.routing.contract) gives networkx's distances from and
    to every node, a junction or a waypoint, with and without a mask, and a predecessor tree
    whose paths have those lengths."""
    engine = CSREngine(graph)
    w = weights_in_order(engine, "w")
    keep = np.array([rnd.random() < 0.8 for _ in engine.edges], dtype=bool)
    sub = nx.MultiDiGraph()
    sub.add_nodes_from(graph.nodes)
    sub.add_edges_from((*e, graph.edges[e]) for e, kept in zip(engine.edges, keep, strict=True) if kept)
    best = engine.best_edges(w, keep)
    for source in graph.nodes:
        for reverse in (False, True):
            dist, pred = engine.search(w, [source], keep=keep, reverse=reverse)
            view = sub.reverse(copy=False) if reverse else sub
            expected = nx.single_source_dijkstra_path_length(view, source, weight="w")
            for node in graph.nodes:
                i = engine.index[node]
                if node not in expected:
                    assert np.isinf(dist[0][i])
                    continue
                assert dist[0][i] == pytest.approx(expected[node], abs=1e-9)
                ends = (i, engine.index[source]) if reverse else (engine.index[source], i)
                edges = engine.tree_edges(pred[0], *ends, best, reverse=reverse)
                assert all(keep[edges])
                assert w[edges].sum() == pytest.approx(expected[node], abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(road_graphs(), st.randoms(use_true_random=False))
def test_a_tree_path_read_chain_by_chain_is_the_full_trees_path(graph: nx.MultiDiGraph, rnd) -> None:
    """The path finder reads a search's paths off the junction tree, chain by chain
    (CSREngine.tree_path, ChainTree.pairs): from a junction or a waypoint, to a junction or a
    waypoint, forward and backward, with a mask, it is a shortest path (as long as the full
    search's distance; of equal paths either may be read), joined end to end, on kept edges,
    and empty where the full search reaches nothing."""
    engine = CSREngine(graph)
    w = weights_in_order(engine, "w")
    keep = np.array([rnd.random() < 0.85 for _ in engine.edges], dtype=bool)
    best = engine.best_edges(w, keep)
    for reverse in (False, True):
        prepared = engine.prepared(w, keep, reverse=reverse)
        for source in graph.nodes:
            s = engine.index[source]
            tree = prepared.search(s)
            dist, _ = tree.full()
            for node in graph.nodes:
                i = engine.index[node]
                edges = engine.tree_path(tree, i, best, reverse=reverse)
                ends = (i, s) if reverse else (s, i)
                if not np.isfinite(dist[i]) or i == s:
                    assert len(edges) == 0
                    continue
                assert all(keep[edges])
                assert (engine.tail[edges[1:]] == engine.head[edges[:-1]]).all()  # joined end to end
                assert (engine.tail[edges[0]], engine.head[edges[-1]]) == ends
                assert w[edges].sum() == pytest.approx(dist[i], abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(road_graphs(), st.randoms(use_true_random=False))
def test_reweighting_a_few_edges_prepares_what_preparing_afresh_does(graph: nx.MultiDiGraph, rnd) -> None:
    """The alternatives' searches re-weight the roads of the routes found (CSREngine.reweighted):
    the hops, chain totals, core weights and cheapest chains are exactly those of preparing the
    new weights from scratch, in both directions, with masks and parallel edges."""
    engine = CSREngine(graph)
    w = weights_in_order(engine, "w")
    keep = np.array([rnd.random() < 0.9 for _ in engine.edges], dtype=bool)
    changed = np.array([i for i in range(len(w)) if rnd.random() < 0.3], dtype=np.int64)
    new = w.copy()
    new[changed] *= rnd.choice([0.5, 1.4, 3.0])
    for reverse in (False, True):
        base = engine.prepared(w, keep, reverse=reverse)
        fresh = engine.prepared(new, keep, reverse=reverse)
        got = engine.reweighted(base, new, keep, changed, reverse=reverse)
        for name in ("hop", "total", "weights", "best"):
            np.testing.assert_array_equal(getattr(got, name), getattr(fresh, name))
        for source in list(graph.nodes)[:3]:
            np.testing.assert_array_equal(
                got.search(engine.index[source]).full()[0], fresh.search(engine.index[source]).full()[0]
            )
