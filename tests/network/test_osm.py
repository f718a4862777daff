"""OpenStreetMap XML builder, on an authored SYNTHETIC fixture in the OSM 0.6 schema."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import osmnx as ox
import pytest

from cargorisk.config import Settings
from cargorisk.errors import NetworkBuildError
from cargorisk.network import find_problems, from_osm_xml, load_network
from cargorisk.network.osm import tag_values

FIXTURE = Path(__file__).parents[1] / "data" / "monterrey_sample_SYNTHETIC.osm"


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return from_osm_xml(FIXTURE)


def test_keeps_only_truck_roads(graph: nx.MultiDiGraph) -> None:
    classes = {d["highway"] for *_, d in graph.edges(data=True)}
    assert classes == {"motorway", "trunk", "primary"}
    names = {n for *_, d in graph.edges(data=True) for n in tag_values(d.get("name"))}
    assert "Calle Hidalgo" not in names and "Paso sin camiones" not in names
    assert "Tramo aislado" not in names  # disconnected piece dropped
    assert {9, 10, 11, 12, 20, 21}.isdisjoint(graph.nodes)


def test_truck_speeds_toll_and_ref(graph: nx.MultiDiGraph) -> None:
    for *_, d in graph.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6), rel=1e-6)
        assert d["kind"] == "road"
        if d["highway"] == "motorway":
            assert d["speed_kph"] == 90  # maxspeed 110 capped at the truck speed
            assert d["toll"] and d["ref"] == "MEX 85D"
        if d["highway"] == "trunk":
            assert d["speed_kph"] == 60  # maxspeed lower than the truck speed
            assert not d["toll"] and d["ref"] == "MEX 85"


def test_osmnx_interop_and_contract(graph: nx.MultiDiGraph) -> None:
    assert graph.graph["crs"] in ("epsg:4326", "EPSG:4326")
    route = nx.shortest_path(graph, 1, 4, weight="travel_time")
    gdf = ox.routing.route_to_gdf(graph, route, weight="travel_time")
    assert set(gdf["ref"]) == {"MEX 85D"}
    nodes, _ = ox.graph_to_gdfs(graph)
    assert len(nodes) == graph.number_of_nodes()
    assert [p for p in find_problems(graph) if "connected" not in p] == []


def test_load_network_picks_the_osm_builder(tmp_path: Path) -> None:
    graph = load_network(FIXTURE, settings=Settings(data_dir=tmp_path), tag=False)
    assert graph.number_of_edges() > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), ("", "not valid OSM XML"),
     ('<osm version="0.6"><node id="1" lat="25" lon="-100"/><way id="2"><nd ref="1"/', "not valid OSM XML"),
     ('<osm version="0.6"><node id="1" lat="25.0" lon="-100.0"/><node id="2" lat="25.1" lon="-100.0"/>'
      '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way></osm>',
      "no truck-usable roads")],
)
def test_bad_files(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "area.osm"
    if content is not None:
        path.write_text(content)
    with pytest.raises(NetworkBuildError, match=message) as info:
        from_osm_xml(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
