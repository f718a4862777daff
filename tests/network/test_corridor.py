"""The embedded corridor network: real geography, ports, toll/free pairs, tags, osmnx interop."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import folium
import networkx as nx
import osmnx as ox
import pandas as pd
import pytest

from cargorisk.config import Settings
from cargorisk.network import Gazetteer, describe_network, find_problems, load_network, network_dir
from cargorisk.network.trace import trace_corridor
from cargorisk.sources import load_table

# Published road distances (km), as given by Mexico's SICT route planner "Traza tu ruta"
# (app.sct.gob.mx/sibuac_internet) and Google Maps for the fastest truck-legal route.
PUBLISHED_KM = [
    ("Monterrey, NL", "Nuevo Laredo", 225),  # SICT: via MEX-85D, 221-227 km
    ("Monterrey, NL", "Dallas, TX", 920),  # Google Maps: via Laredo and I-35, about 920 km (570 mi)
    ("Ciudad de México", "Nuevo Laredo", 1160),  # SICT: via 57D/57 and 85D, about 1,160 km
    ("Guadalajara", "Nogales, Sonora", 1690),  # SICT: via MEX-15D, about 1,690 km
    ("Querétaro", "Ciudad Juárez", 1570),  # SICT: via 57, 49 and 45D, about 1,570 km
]
TOLL_FREE_PAIRS = [
    ("57", "Querétaro", "Ciudad de México"),
    ("85", "Monterrey, NL", "Nuevo Laredo"),
    ("45", "Querétaro", "León"),
    ("150", "Puebla", "Veracruz, Veracruz"),
    ("40", "Torreón", "Saltillo"),
    ("40", "Monterrey, NL", "Reynosa"),
]


@pytest.mark.parametrize(("origin", "destination", "km"), PUBLISHED_KM)
def test_shortest_paths_match_published_road_distances(
    corridor: nx.MultiDiGraph, gazetteer: Gazetteer, origin: str, destination: str, km: float
) -> None:
    a, b = gazetteer.resolve(origin).node, gazetteer.resolve(destination).node
    length = nx.shortest_path_length(corridor, a, b, weight="length") / 1000
    assert length == pytest.approx(km, rel=0.10)


def test_size_connectivity_and_contract(corridor: nx.MultiDiGraph) -> None:
    assert corridor.number_of_nodes() >= 250
    assert nx.is_strongly_connected(corridor)
    assert corridor.graph["crs"] == "EPSG:4326"
    assert find_problems(corridor) == []


def test_every_commercial_port_has_crossings_both_ways(corridor: nx.MultiDiGraph, built: Settings) -> None:
    ports = load_table("bts_ports", built.processed_dir)
    commercial = set(ports.loc[ports["commercial"], "port_code"])
    assert len(commercial) == 22
    crossings = [(u, v, d) for u, v, d in corridor.edges(data=True) if d["kind"] == "crossing"]
    assert commercial == {d["port_code"] for *_, d in crossings}
    for u, v, d in crossings:
        assert corridor.has_edge(v, u)
        assert corridor.nodes[u]["country"] != corridor.nodes[v]["country"]
        assert d["country"] == "MX-US"
    texas = {
        d["bridge"]
        for *_, d in crossings
        if d["port_code"].startswith("23") or d["port_code"] in {"2401", "2402", "2403", "2404"}
    }
    bridges = load_table("cbp_bridges", built.processed_dir)
    assert set(bridges.loc[bridges["commercial"], "crossing"]) == texas  # every Texas truck bridge


@pytest.mark.parametrize(("number", "origin", "destination"), TOLL_FREE_PAIRS)
def test_parallel_toll_and_free_roads(
    corridor: nx.MultiDiGraph, gazetteer: Gazetteer, number: str, origin: str, destination: str
) -> None:
    """Between these towns a dispatcher can take the cuota (MEX-nD) or the libre (MEX-n)."""
    a, b = gazetteer.resolve(origin).node, gazetteer.resolve(destination).node
    fastest = nx.shortest_path(corridor, a, b, weight="travel_time")
    libre = nx.subgraph_view(corridor, filter_edge=lambda u, v, k: not corridor.edges[u, v, k]["toll"])
    free = nx.shortest_path(libre, a, b, weight="travel_time")

    def refs(path: list[str], graph: nx.MultiDiGraph) -> set[str]:
        return {
            min(graph.get_edge_data(u, v).values(), key=lambda d: d["travel_time"])["ref"]
            for u, v in itertools.pairwise(path)
        }

    assert f"MEX-{number}D" in refs(fastest, corridor)
    assert f"MEX-{number}" in refs(free, libre)
    time_fast = nx.path_weight(corridor, fastest, "travel_time")
    assert nx.path_weight(libre, free, "travel_time") > 1.1 * time_fast


def test_cities_capitals_and_us_hubs_present(corridor: nx.MultiDiGraph) -> None:
    names = {d["name"] for _, d in corridor.nodes(data=True)}
    us = {
        "San Diego",
        "Los Angeles",
        "Phoenix",
        "Tucson",
        "Albuquerque",
        "El Paso",
        "San Antonio",
        "Austin",
        "Dallas",
        "Fort Worth",
        "Houston",
        "Laredo",
        "McAllen",
        "Brownsville",
        "Oklahoma City",
        "Kansas City",
        "Memphis",
        "Atlanta",
        "Chicago",
        "Detroit",
    }
    industrial = {
        "Monterrey",
        "Saltillo",
        "Ramos Arizpe",
        "Torreón",
        "Chihuahua",
        "Hermosillo",
        "San Luis Potosí",
        "Querétaro",
        "Celaya",
        "León",
        "Aguascalientes",
        "Guadalajara",
        "Toluca",
        "Puebla",
        "Veracruz",
        "Manzanillo",
        "Lázaro Cárdenas",
        "Altamira",
        "Tampico",
    }
    assert us <= names
    assert industrial <= names
    mexican = [d for _, d in corridor.nodes(data=True) if d["country"] == "MX" and d["kind"] == "city"]
    assert len({d["state"] for d in mexican}) == 32  # a city node in every state


def test_admin_tags_agree_with_authored_states(corridor: nx.MultiDiGraph) -> None:
    authored = pd.read_csv(Settings().network_dir / "nodes.csv").set_index("id")["state"]
    mexican = [n for n, d in corridor.nodes(data=True) if d["country"] == "MX"]
    assert all(corridor.nodes[n]["state"] == authored[n] for n in mexican)
    assert all(len(corridor.nodes[n]["cvegeo"]) == 5 for n in mexican)
    assert corridor.nodes["mx_monterrey"]["cvegeo"] == "19039"
    for _, _, d in corridor.edges(data=True):
        assert d["country"] in {"MX", "US", "MX-US"}
        assert d["state"]
        assert bool(d["cvegeo"]) == (d["country"] != "US")


def test_lengths_and_travel_times(corridor: nx.MultiDiGraph) -> None:
    info = describe_network(corridor)
    assert info["km"]["MX toll"] > 7_000
    assert info["km"]["MX free"] > 15_000
    assert info["km"]["US free"] > 15_000
    for _, _, d in corridor.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6))
        assert d["length_source"] in {"published", "straight"} or d["length_source"].startswith(
            ("traced", "straight x")
        )
    published = sum(d["length_source"] == "published" for *_, d in corridor.edges(data=True))
    assert published / corridor.number_of_edges() > 0.6


def test_osmnx_interop(corridor: nx.MultiDiGraph) -> None:
    nodes, edges = ox.graph_to_gdfs(corridor)
    assert nodes.crs == "EPSG:4326"
    assert edges.index.names == ["u", "v", "key"]
    route = nx.shortest_path(corridor, "mx_monterrey", "us_dallas", weight="travel_time")
    gdf = ox.routing.route_to_gdf(corridor, route, weight="travel_time")
    assert gdf["length"].sum() / 1000 == pytest.approx(923, rel=0.02)
    assert "World Trade Bridge" in set(gdf["ref"])
    assert isinstance(edges.explore(), folium.Map)


def test_cached_load_returns_independent_copies(built: Settings) -> None:
    a = load_network("corridor", settings=built)
    a.remove_node("mx_monterrey")
    assert "mx_monterrey" in load_network("corridor", settings=built)


def test_untagged_load_needs_no_data(tmp_path: object) -> None:
    graph = load_network("corridor", settings=Settings(data_dir=tmp_path), tag=False)  # type: ignore[arg-type]
    assert graph.number_of_nodes() >= 250
    assert "cvegeo" not in graph.nodes["mx_monterrey"]


def test_committed_geometry_matches_a_fresh_trace(built: Settings, tmp_path: Path) -> None:
    """edge_geometry.csv is derived data: re-tracing the authored roads must reproduce it."""
    source = network_dir(built)
    for name in ("nodes.csv", "edges.csv", "crossings.csv"):
        shutil.copy(source / name, tmp_path / name)
    fresh = trace_corridor(
        tmp_path,
        load_table("mx_roads_dcw", built.processed_dir),
        load_table("us_roads_ne", built.processed_dir),
    )
    committed = pd.read_csv(source / "edge_geometry.csv")
    columns = ["pair", "length_m", "source"]
    pd.testing.assert_frame_equal(fresh[columns], committed[columns], check_dtype=False)
