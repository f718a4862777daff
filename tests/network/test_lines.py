"""Line-layer builder on the real DCW (Mexico) and Natural Earth (US) layers and small cases."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest
import shapely

from cargorisk.config import Settings
from cargorisk.errors import NetworkBuildError
from cargorisk.network import Gazetteer, corridor_ports, find_problems, from_lines, join_at_ports
from cargorisk.sources import load_table


def layer(*lines: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"r{i}" for i in range(len(lines))]},
        geometry=[shapely.LineString(c) for c in lines],
        crs="EPSG:4326",
    )


def test_splits_at_shared_vertices_and_snaps_gaps() -> None:
    # a T junction through a shared vertex, plus a road whose end stops 20 m short of it
    roads = layer(
        [(-100.0, 25.0), (-99.99, 25.0), (-99.98, 25.0)],
        [(-99.99, 25.0), (-99.99, 25.01)],
        [(-99.99, 24.99), (-99.99, 24.99982)],
    )
    graph = from_lines(roads, snap_m=50, attributes={"ref": "name"})
    assert graph.number_of_nodes() == 5  # 3 ends, the junction, the far end of the third road
    assert graph.number_of_edges() == 8  # 4 pieces, both directions
    junction = max(graph.nodes, key=graph.degree)
    assert graph.out_degree(junction) == 4
    assert {d["ref"] for *_, d in graph.edges(data=True)} == {"r0", "r1", "r2"}
    assert find_problems(graph) == []


def test_small_components_are_dropped_and_reported() -> None:
    roads = layer([(-100.0, 25.0), (-99.9, 25.0), (-99.8, 25.0)], [(-90.0, 20.0), (-90.01, 20.0)])
    graph = from_lines(roads)
    assert graph.number_of_nodes() == 2  # the interior vertex is shared by no other line
    assert graph.graph["dropped"]["components"] == 1
    assert graph.graph["dropped"]["km"] == pytest.approx(1.05, abs=0.1)


def test_layer_without_crs_or_lines_is_refused() -> None:
    naive = layer([(0, 0), (1, 1)]).set_crs(None, allow_override=True)
    with pytest.raises(NetworkBuildError, match=r"line layer has no CRS; set it first"):
        from_lines(naive)
    points = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(NetworkBuildError, match="no LineString features"):
        from_lines(points)


def test_real_mexican_layer_builds_a_routable_graph(built: Settings) -> None:
    mx = from_lines(load_table("mx_roads_dcw", built.processed_dir), metric_crs="EPSG:6372", snap_m=100)
    assert mx.number_of_nodes() > 7000
    assert mx.graph["dropped"]["nodes"] < 0.03 * mx.number_of_nodes()
    assert nx.is_strongly_connected(mx)
    gz = Gazetteer(mx, max_snap_km=15)
    a, _ = gz.nearest(-100.3161, 25.6866)  # Monterrey
    b, _ = gz.nearest(-103.3496, 20.6597)  # Guadalajara
    km = nx.shortest_path_length(mx, a, b, weight="length") / 1000
    assert 700 < km < 1000  # published road distance about 790 km


def test_us_and_mexican_layers_join_at_the_ports(built: Settings) -> None:
    mx = from_lines(
        load_table("mx_roads_dcw", built.processed_dir), metric_crs="EPSG:6372", snap_m=100, node_prefix="mx:"
    )
    us = from_lines(
        load_table("us_roads_ne", built.processed_dir),
        metric_crs="EPSG:5070",
        snap_m=200,
        node_prefix="us:",
        node_crossings=True,
    )
    joined = join_at_ports(mx, us, corridor_ports(built), max_snap_km=15)
    ports = {d["port_code"] for *_, d in joined.edges(data=True) if d.get("kind") == "crossing"}
    assert {"2304", "2402", "2506"} <= ports
    gz = Gazetteer(joined, max_snap_km=15)
    a, _ = gz.nearest(-100.3161, 25.6866)  # Monterrey
    b, _ = gz.nearest(-98.4936, 29.4241)  # San Antonio
    path = nx.shortest_path(joined, a, b, weight="length")
    assert any(joined.nodes[n].get("kind") == "port" for n in path)
    assert 400 < nx.path_weight(joined, path, "length") / 1000 < 650  # published about 510 km
