"""One validator for cargorisk's graph contract, and the summary behind ``network info``."""

from __future__ import annotations

import math
from collections import Counter

import networkx as nx

from cargorisk.errors import NetworkBuildError
from cargorisk.network.trucks import CLOSED, OPEN, TRUCK_VALUES

NODE_ATTRS = ("x", "y", "name", "kind", "country", "state")
EDGE_ATTRS = ("length", "travel_time", "ref", "toll", "highway", "kind", "country", "state", "geometry")


def find_problems(graph: nx.MultiDiGraph) -> list[str]:
    """Every breach of the graph contract (empty list: the graph is valid).

    Checks: a MultiDiGraph with ``graph["crs"]``; numeric lon/lat on every node; positive,
    finite ``length`` (m) and ``travel_time`` (s) on every edge; a ``port_code`` on every
    crossing edge and a crossing edge at every port node; where an edge has ``trucks``, one of
    :data:`~cargorisk.network.trucks.TRUCK_VALUES` and a ``truck_rule`` unless ``"yes"``;
    strong connectivity by the edges open to trucks (``trucks`` not ``"no"``: what the router
    searches).
    """
    if not isinstance(graph, nx.MultiDiGraph):
        return [f"expected a networkx.MultiDiGraph, got {type(graph).__name__}"]
    problems = [] if graph.graph.get("crs") else ["graph has no 'crs' attribute"]
    for node, data in graph.nodes(data=True):
        x, y = data.get("x"), data.get("y")
        numeric = isinstance(x, int | float) and isinstance(y, int | float)
        if not (numeric and -180 <= x <= 180 and -90 <= y <= 90):
            problems.append(f"node {node!r} has no valid x/y (lon/lat): {x!r}, {y!r}")
    for u, v, data in graph.edges(data=True):
        for attr in ("length", "travel_time"):
            value = data.get(attr)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                problems.append(f"edge {u!r}->{v!r} has invalid {attr}={value!r}")
        if data.get("kind") == "crossing" and not data.get("port_code"):
            problems.append(f"crossing edge {u!r}->{v!r} has no port_code")
        problems += truck_problems(u, v, data)
    crossing_nodes = {n for u, v, d in graph.edges(data=True) if d.get("kind") == "crossing" for n in (u, v)}
    problems += [
        f"port node {n!r} has no crossing edge"
        for n, d in graph.nodes(data=True)
        if d.get("kind") == "port" and n not in crossing_nodes
    ]
    open_roads = nx.subgraph_view(graph, filter_edge=lambda u, v, k: graph[u][v][k].get("trucks") != CLOSED)
    if graph.number_of_nodes() and not nx.is_strongly_connected(open_roads):
        count = nx.number_strongly_connected_components(open_roads)
        problems.append(f"graph is not strongly connected by roads open to trucks ({count} components)")
    return problems


def truck_problems(u: object, v: object, data: dict) -> list[str]:
    """Breaches of the ``trucks`` / ``truck_rule`` contract on one edge."""
    trucks = data.get("trucks")
    if trucks is None:
        return []
    if trucks not in TRUCK_VALUES:
        return [f"edge {u!r}->{v!r} has trucks={trucks!r}, expected one of {TRUCK_VALUES}"]
    if trucks != OPEN and not data.get("truck_rule"):
        return [f"edge {u!r}->{v!r} has trucks={trucks!r} but no truck_rule (its source)"]
    return []


def validate_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Return ``graph`` if it meets the contract, else raise NetworkBuildError."""
    problems = find_problems(graph)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        msg = f"invalid road graph: {problems[0]}{more}; run `cargorisk network info` for all"
        raise NetworkBuildError(msg)
    return graph


def describe_network(graph: nx.MultiDiGraph) -> dict[str, object]:
    """Nodes, edges, km by country and toll, components, ports and crossings, fragments dropped
    and port links added by the builder (graph metadata), attribute completeness, problems.

    Road km count each road once (edges come in both directions).
    """
    km: Counter[str] = Counter()
    trucks: Counter[str] = Counter()
    for _, _, d in graph.edges(data=True):
        label = f"{d.get('country', '?')} {'toll' if d.get('toll') else 'free'}"
        km[label] += d.get("length", 0.0) / 2000.0
        if d.get("trucks", OPEN) != OPEN:
            trucks[d["trucks"]] += d.get("length", 0.0) / 2000.0
    ports = sorted({d["port_code"] for *_, d in graph.edges(data=True) if d.get("kind") == "crossing"})
    n_nodes, n_edges = graph.number_of_nodes(), graph.number_of_edges()
    return {
        "name": graph.graph.get("name", ""),
        "source": graph.graph.get("source", ""),
        "nodes": n_nodes,
        "edges": n_edges,
        "crossings": len(
            {d.get("bridge") for *_, d in graph.edges(data=True) if d.get("kind") == "crossing"}
        ),
        "dropped": graph.graph.get("dropped"),
        "port_links": graph.graph.get("port_links", []),
        "kinds": dict(Counter(d.get("kind", "?") for _, d in graph.nodes(data=True))),
        "km": {k: round(v, 1) for k, v in sorted(km.items())},
        "truck_rules_km": {k: round(v, 1) for k, v in sorted(trucks.items())},
        "components": nx.number_strongly_connected_components(graph) if n_nodes else 0,
        "ports": ports,
        "node_completeness": {a: share(graph.nodes(data=True), a, n_nodes) for a in NODE_ATTRS},
        "edge_completeness": {a: share(graph.edges(data=True), a, n_edges) for a in EDGE_ATTRS},
        "problems": find_problems(graph),
    }


def share(items: object, attr: str, total: int) -> float:
    """Fraction of items whose ``attr`` is present and not empty."""
    if not total:
        return 0.0
    present = sum(1 for *_, d in items if d.get(attr) not in (None, ""))  # type: ignore[attr-defined]
    return round(present / total, 4)
