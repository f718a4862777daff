"""Roads trucks use and roads closed to them, on the real national graph: Mexico City's
closures and lateral-lane rules, legal truck limits, the border states' state highways on the
routes truckers take, and the graph contract for ``trucks``."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from cargorisk.network import Gazetteer, find_problems
from cargorisk.network.trucks import (
    CLOSED,
    HOURS,
    LATERAL_KPH,
    LATERALS,
    MPH,
    MX_TRUCK_KPH,
    OPEN,
    speed_cap_kph,
    truck_rule,
)


def truck_path_refs(graph: nx.MultiDiGraph, a: object, b: object) -> list[str]:
    """Route numbers along the fastest path open to trucks (what the router searches)."""
    open_roads = nx.subgraph_view(graph, filter_edge=lambda u, v, k: graph[u][v][k].get("trucks") != CLOSED)
    path = nx.shortest_path(open_roads, a, b, weight="travel_time")
    refs = []
    for u, v in itertools.pairwise(path):
        kept = [d for d in graph[u][v].values() if d.get("trucks") != CLOSED]
        refs += min(kept, key=lambda d: d["travel_time"])["ref"].split(";")
    return refs


def by_root(graph: nx.MultiDiGraph, root: str) -> list[dict]:
    return [d for *_, d in graph.edges(data=True) if d.get("tm_root") == root]


def test_rules_and_caps_by_road() -> None:
    assert truck_rule("mexemex.viadbic", "mexsf").trucks == CLOSED
    assert truck_rule("mexdf.ejecen", "mexdfeje").trucks == CLOSED
    assert truck_rule("mexdf.auturbsur", "mexsf").trucks == CLOSED
    assert truck_rule("mexdf.aniper", "mexsf").trucks == LATERALS
    assert truck_rule("mexdf.eje002sur", "mexdfeje").trucks == HOURS
    assert truck_rule("mexnl.mex085d", "mexd") == truck_rule("tx.tx255", "usatx")
    assert truck_rule("tx.tx255", "usatx").trucks == OPEN
    assert speed_cap_kph("MX", "", OPEN) == MX_TRUCK_KPH == 80
    assert speed_cap_kph("US", "California", OPEN) == pytest.approx(55 * MPH)
    assert speed_cap_kph("US", "Texas", OPEN) == float("inf")
    assert speed_cap_kph("MX", "", LATERALS) == LATERAL_KPH


def test_closed_roads_are_marked_with_their_source(national: nx.MultiDiGraph) -> None:
    for root in ("mexemex.viadbic", "mexdf.ejecen", "mexdf.auturbnte"):
        edges = by_root(national, root)
        assert edges and {d["trucks"] for d in edges} == {CLOSED}, root
        assert all(d["truck_rule"] for d in edges)
    assert "art. 26" in by_root(national, "mexdf.auturbnte")[0]["truck_rule"]
    laterals = by_root(national, "mexdf.calzignzar")
    assert {d["trucks"] for d in laterals} == {LATERALS} and max(
        d["speed_kph"] for d in laterals
    ) <= LATERAL_KPH
    open_edges = [d for *_, d in national.edges(data=True) if d.get("trucks") == OPEN]
    assert open_edges and not any("truck_rule" in d for d in open_edges)
    assert all(d["speed_cap_kph"] == pytest.approx(55 * MPH) for d in by_root(national, "ca.ca086"))


def test_graph_is_connected_by_roads_open_to_trucks(national: nx.MultiDiGraph) -> None:
    assert find_problems(national) == []
    bad = national.copy()
    u, v, k = next((u, v, k) for u, v, k, d in bad.edges(keys=True, data=True) if d.get("trucks") == CLOSED)
    bad.edges[u, v, k]["truck_rule"] = ""
    bad.add_edge(u, v, 99, **{**bad.edges[u, v, k], "trucks": "sometimes"})
    problems = find_problems(bad)
    assert any("no truck_rule" in p for p in problems) and any("'sometimes'" in p for p in problems)


@pytest.mark.parametrize("destination", ["Querétaro", "Puebla", "Pachuca de Soto", "Toluca"])
def test_trucks_leave_mexico_city_off_the_viaducts_and_eje_central(
    national: nx.MultiDiGraph, national_gazetteer: Gazetteer, destination: str
) -> None:
    a = national_gazetteer.resolve("Ciudad de México").node
    refs = truck_path_refs(national, a, national_gazetteer.resolve(destination).node)
    assert not {"Viaducto Bicentenario", "EjeCen", "Autopista Urbana Norte", "Autopista Urbana Sur"} & set(
        refs
    )


@pytest.mark.parametrize(
    ("origin", "destination", "needs"),
    [
        # CA-86 and CA-111 from Calexico to I-10 at Indio (to Los Angeles the graph's fastest truck
        # path by Calexico and by Tecate, CA-188 and CA-94, differ by under a minute)
        ("Mexicali", "Indio", {"CA-86", "CA-111"}),
        ("Tijuana", "Phoenix", {"AZ-85"}),
    ],
)
def test_border_state_highways_carry_the_trucks(
    national: nx.MultiDiGraph, national_gazetteer: Gazetteer, origin: str, destination: str, needs: set[str]
) -> None:
    a, b = (national_gazetteer.resolve(p).node for p in (origin, destination))
    assert needs & set(truck_path_refs(national, a, b))


def test_colombia_bridge_is_reached_by_the_camino_colombia(
    national: nx.MultiDiGraph, national_gazetteer: Gazetteer
) -> None:
    port = next(
        v
        for u, v, d in national.edges(data=True)
        if d.get("kind") == "crossing" and "Colombia" in d["bridge"] and national.nodes[v]["country"] == "US"
    )
    refs = truck_path_refs(national, national_gazetteer.resolve("San Antonio, TX").node, port)
    assert "TX-255" in refs
    camino = by_root(national, "tx.tx255")
    assert camino and all(d["toll"] for d in camino)  # the Camino Colombia toll road
