"""Saving and loading graphs; the network CLI commands."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pytest

from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError, NetworkBuildError
from cargorisk.network import load_graph, load_network, save_graph


def test_graphml_round_trip_keeps_types(corridor: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = save_graph(corridor, tmp_path / "corridor.graphml")
    back = load_graph(path)
    assert back.number_of_edges() == corridor.number_of_edges()
    d = back.get_edge_data("mx_salinas_victoria", "mx_nuevo_laredo")
    assert {e["ref"]: e["toll"] for e in d.values()} == {"MEX-85D": True}
    crossing = next(d for *_, d in back.edges(data=True) if d["kind"] == "crossing")
    assert isinstance(crossing["port_code"], str)
    assert back.nodes["mx_juarez"]["cvegeo"] == "08037"
    assert nx.shortest_path_length(back, "mx_monterrey", "us_dallas", weight="length") == pytest.approx(
        nx.shortest_path_length(corridor, "mx_monterrey", "us_dallas", weight="length")
    )


def test_national_graphml_round_trip_keeps_integer_ids_and_types(
    national: nx.MultiDiGraph, built: Settings, tmp_path: Path
) -> None:
    back = load_network(save_graph(national, tmp_path / "national.graphml"), settings=built)
    assert back.number_of_edges() == national.number_of_edges()
    node = next(n for n, d in national.nodes(data=True) if d["country"] == "MX")
    assert isinstance(node, int) and back.nodes[node]["cvegeo"] == national.nodes[node]["cvegeo"]
    edge = next((u, v, k) for u, v, k, d in national.edges(keys=True, data=True) if d["ref"] == "MEX-85D")
    assert back.edges[edge]["toll"] is True and isinstance(back.edges[edge]["osmid"], int)
    a, b = (
        next(n for n, d in national.nodes(data=True) if d.get("name") == x) for x in ("Monterrey", "Dallas")
    )
    assert nx.shortest_path_length(back, a, b, weight="travel_time") == pytest.approx(
        nx.shortest_path_length(national, a, b, weight="travel_time")
    )


def test_geopackage_has_node_and_edge_layers(corridor: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = save_graph(corridor, tmp_path / "corridor.gpkg")
    nodes = gpd.read_file(path, layer="nodes")
    edges = gpd.read_file(path, layer="edges")
    assert len(nodes) == corridor.number_of_nodes()
    assert len(edges) == corridor.number_of_edges()
    assert list(tmp_path.iterdir()) == [path]


def test_io_errors(tmp_path: Path, corridor: nx.MultiDiGraph) -> None:
    with pytest.raises(InputError, match=r"use a \.graphml or \.gpkg"):
        save_graph(corridor, tmp_path / "x.csv")
    with pytest.raises(InputError, match="does not exist"):
        load_graph(tmp_path / "missing.graphml")
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml><graph")
    with pytest.raises(NetworkBuildError, match="not a readable GraphML"):
        load_graph(broken)
    with pytest.raises(InputError, match=r"unknown network source 'nowhere\.txt'"):
        load_network("nowhere.txt", settings=Settings(data_dir=tmp_path), tag=False)


def test_network_cli(built: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = ["--data-dir", str(built.data_dir)]
    assert main([*data, "network", "info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cargorisk national (Travel Mapping); data: Travel Mapping project")
    assert "problems: 0" in out and "2304" in out and "crossings 24" in out
    assert re.search(r"fragments dropped: \d+ \(\d+ nodes, \d+ km\)", out)
    assert re.search(r"port links: 48 \(\d+ connector, \d+ travelmapping bridge\); longest: \w", out)
    assert re.search(r"road km with truck rules: hours \d+, laterals \d+, no \d+", out)
    assert main([*data, "network", "info", "corridor"]) == 0
    assert "nodes 302" in capsys.readouterr().out
    assert main([*data, "network", "place", "Monterrey, NL", "Monterey", "32.7767,-96.7970"]) == 1
    captured = capsys.readouterr()
    assert re.search(r"Monterrey, NL -> Monterrey, Nuevo León  node=\d+ .* \(place\)", captured.out)
    assert "32.7767,-96.7970 -> 32.7767,-96.7970  node=" in captured.out
    assert captured.err.strip() == (
        "error: PlaceNotFound: 'Monterey' is not a known place; did you mean 'Monterrey, Nuevo León'?"
    )
    assert main([*data, "network", "export", str(tmp_path / "c.graphml")]) == 0
    assert (tmp_path / "c.graphml").exists()


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_bad_network_files_are_one_line_cli_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.osm"
    empty.write_text("")
    naive = tmp_path / "roads.shp"
    gpd.GeoDataFrame(geometry=gpd.GeoSeries.from_wkt(["LINESTRING (-100 25, -99 25)"])).to_file(naive)
    assert not naive.with_suffix(".prj").exists()
    cases = ((empty, "NetworkBuildError: "), (naive, "NetworkBuildError: line layer has no CRS"))
    for path, message in cases:
        assert main(["--data-dir", str(tmp_path), "network", "info", str(path), "--no-tag"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: {message}")
        assert err.count("\n") == 1
