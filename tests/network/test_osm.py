"""OpenStreetMap XML builder, on an authored SYNTHETIC fixture in the OSM 0.6 schema.

Fixture ids (see the comment at the top of the file): -101 Escobedo and -105 Cienega junctions
(MEX 85D toll motorway between them, one carriageway per direction, and MEX 85 free trunk via
-203), primary -203 -> -303, secondary -303 -> -304; everything else must be dropped.
"""

from __future__ import annotations

import bz2
from pathlib import Path

import networkx as nx
import osmnx as ox
import pytest

from cargorisk.config import Settings
from cargorisk.errors import InputError, NetworkBuildError
from cargorisk.network import find_problems, from_osm_xml, load_network
from cargorisk.network.osm import TRUCK_HIGHWAYS, is_truck_road, tag_values

FIXTURE = Path(__file__).parents[1] / "data" / "monterrey_sample_SYNTHETIC.osm"
ESCOBEDO, CIENEGA, SENDERO, CLASS_CHANGE, AVENUE_END = -101, -105, -203, -303, -304
RESIDENTIAL_ONLY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
    '<bounds minlat="25.70" minlon="-100.35" maxlat="25.71" maxlon="-100.34"/>\n'
    '<node id="-1" visible="true" version="1" lat="25.7000" lon="-100.3500"/>\n'
    '<node id="-2" visible="true" version="1" lat="25.7050" lon="-100.3450"/>\n'
    '<way id="-3" visible="true" version="1"><nd ref="-1"/><nd ref="-2"/>'
    '<tag k="highway" v="residential"/></way>\n</osm>\n'
)


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return from_osm_xml(FIXTURE)


def edges_of(graph: nx.MultiDiGraph, highway: str) -> list[dict]:
    return [d for *_, d in graph.edges(data=True) if d["highway"] == highway]


def test_keeps_only_truck_roads(graph: nx.MultiDiGraph) -> None:
    assert {d["highway"] for *_, d in graph.edges(data=True)} == {"motorway", "trunk", "primary", "secondary"}
    assert set(graph.nodes) == {ESCOBEDO, CIENEGA, SENDERO, CLASS_CHANGE, AVENUE_END}
    names = {n for *_, d in graph.edges(data=True) for n in tag_values(d.get("name"))}
    dropped = {"Calle Encino", "Calle Nogal", "Avenida Los Pinos", "Avenida Las Torres", "Río Pesquería"}
    assert dropped.isdisjoint(names)
    assert all(isinstance(d["highway"], str) for *_, d in graph.edges(data=True))


def test_disconnected_primary_piece_is_dropped(graph: nx.MultiDiGraph) -> None:
    assert {-501, -502, -503}.isdisjoint(graph.nodes)
    assert graph.graph["dropped"] == {"components": 1, "nodes": 3, "edges": 4}
    assert nx.is_weakly_connected(graph)


def test_dropped_ways_do_not_leak_into_truck_edges(graph: nx.MultiDiGraph) -> None:
    # the residential spur and the hgv=no shortcut leave the primary as one edge of its own way
    (primary,) = [d for u, v, d in graph.edges(data=True) if (u, v) == (SENDERO, CLASS_CHANGE)]
    assert primary["osmid"] == -1004 and primary["highway"] == "primary"
    # the class change inside the avenue stays a node: each edge keeps one class
    (secondary,) = [d for u, v, d in graph.edges(data=True) if (u, v) == (CLASS_CHANGE, AVENUE_END)]
    assert secondary["osmid"] == -1005 and secondary["highway"] == "secondary"


def test_truck_speeds_and_travel_times(graph: nx.MultiDiGraph) -> None:
    expected = {"motorway": 90.0, "trunk": 80.0, "primary": 50.0, "secondary": 60.0}
    for *_, d in graph.edges(data=True):
        # motorway: maxspeed 110 capped at 90; trunk: no maxspeed; primary: maxspeed 50 < 70 kept
        assert d["speed_kph"] == expected[d["highway"]]
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6), abs=1e-6)
        assert d["length"] > 0 and d["kind"] == "road"


def test_toll_and_ref(graph: nx.MultiDiGraph) -> None:
    motorway, trunk = edges_of(graph, "motorway"), edges_of(graph, "trunk")
    assert len(motorway) == 2 and all(d["toll"] is True and d["ref"] == "MEX 85D" for d in motorway)
    assert len(trunk) == 4 and all(d["toll"] is False and d["ref"] == "MEX 85" for d in trunk)
    assert {d["ref"] for d in edges_of(graph, "primary") + edges_of(graph, "secondary")} == {""}


def test_one_edge_per_motorway_carriageway(graph: nx.MultiDiGraph) -> None:
    assert graph.number_of_edges(ESCOBEDO, CIENEGA) == 1
    assert graph.number_of_edges(CIENEGA, ESCOBEDO) == 1
    assert all(d["oneway"] for d in edges_of(graph, "motorway"))


def test_node_attributes_and_crs(graph: nx.MultiDiGraph) -> None:
    assert graph.graph["crs"] == "EPSG:4326"
    assert graph.nodes[ESCOBEDO]["name"] == "Entronque Escobedo"
    assert graph.nodes[SENDERO]["name"] == "Crucero La Sendero"
    assert graph.nodes[AVENUE_END]["name"] == ""
    for _, d in graph.nodes(data=True):
        assert d["kind"] == "junction" and 25.7 < d["y"] < 25.8 and -100.4 < d["x"] < -100.2


def test_osmnx_interop(graph: nx.MultiDiGraph) -> None:
    nodes, edges = ox.graph_to_gdfs(graph)
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    route = nx.shortest_path(graph, ESCOBEDO, CIENEGA, weight="travel_time")
    gdf = ox.routing.route_to_gdf(graph, route, weight="travel_time")
    assert list(gdf["ref"]) == ["MEX 85D"] and list(gdf["toll"]) == [True]
    route = nx.shortest_path(graph, ESCOBEDO, AVENUE_END, weight="travel_time")
    gdf = ox.routing.route_to_gdf(graph, route, weight="travel_time")
    assert list(gdf["highway"]) == ["trunk", "primary", "secondary"]
    assert gdf["travel_time"].sum() == pytest.approx(nx.path_weight(graph, route, "travel_time"))


def test_meets_the_graph_contract(graph: nx.MultiDiGraph) -> None:
    assert find_problems(graph) == []


def test_load_network_picks_the_osm_builder(tmp_path: Path) -> None:
    graph = load_network(FIXTURE, settings=Settings(data_dir=tmp_path), tag=False)
    assert graph.number_of_edges() == 10


def test_reads_bz2(tmp_path: Path, graph: nx.MultiDiGraph) -> None:
    path = tmp_path / "monterrey.osm.bz2"
    path.write_bytes(bz2.compress(FIXTURE.read_bytes()))
    packed = from_osm_xml(path)
    assert set(packed.edges(keys=True)) == set(graph.edges(keys=True))


def test_extra_classes_and_speed_overrides() -> None:
    graph = from_osm_xml(
        FIXTURE,
        highway_classes=(*TRUCK_HIGHWAYS, "residential"),
        truck_speeds_kph={"residential": 20, "motorway": 80},
    )
    assert "residential" in {d["highway"] for *_, d in graph.edges(data=True)}
    assert {-501, -503} <= set(graph.nodes)  # reachable through the residential street now
    assert {d["speed_kph"] for d in edges_of(graph, "motorway")} == {80.0}
    assert {d["speed_kph"] for d in edges_of(graph, "residential")} == {20.0}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"highway_classes": ("residential",)}, "no truck speed for highway class 'residential'"),
        ({"truck_speeds_kph": {"motorway": 0}}, "must be a positive number"),
        ({"highway_classes": ()}, "highway_classes is empty"),
    ],
)
def test_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        from_osm_xml(FIXTURE, **kwargs)


def test_osmnx_settings_restored() -> None:
    way_tags, node_tags = list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node)
    from_osm_xml(FIXTURE)
    with pytest.raises(NetworkBuildError):
        from_osm_xml(FIXTURE.with_suffix(".missing"))
    assert (ox.settings.useful_tags_way, ox.settings.useful_tags_node) == (way_tags, node_tags)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.osm", None, "does not exist"),
        ("empty.osm", b"", "is not valid OSM XML \\(the file is empty\\)"),
        ("truncated.osm", FIXTURE.read_bytes()[: len(FIXTURE.read_bytes()) // 2], "is not valid OSM XML"),
        ("stray.osm", b'<osm version="0.6"><tag k="highway" v="primary"/></osm>', "is not valid OSM XML"),
        ("page.osm", b"<html><body>Not found</body></html>", "is not valid OSM XML"),
        ("damaged.osm.bz2", b"BZh9 not really bzip2", "is not valid OSM XML"),
        ("streets.osm", RESIDENTIAL_ONLY.encode(), "has no roads trucks can use"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(NetworkBuildError, match=message) as info:
        from_osm_xml(path)
    text = str(info.value)
    assert str(path) in text and "\n" not in text
    assert "OpenStreetMap (.osm)" in text


def test_merged_tag_lists() -> None:
    assert tag_values(None) == [] and tag_values("MEX 85D") == ["MEX 85D"]
    assert tag_values(["residential", "primary"]) == ["residential", "primary"]
    assert is_truck_road({"highway": ["residential", "primary"]}, TRUCK_HIGHWAYS)
    assert not is_truck_road({"highway": ["residential", "service"]}, TRUCK_HIGHWAYS)
    assert not is_truck_road({"highway": "primary", "hgv": ["designated", "no"]}, TRUCK_HIGHWAYS)
    assert is_truck_road({"highway": "primary", "hgv": "destination"}, TRUCK_HIGHWAYS)
    assert not is_truck_road({"waterway": "river"}, TRUCK_HIGHWAYS)
