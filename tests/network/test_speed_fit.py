"""The speed model on the real national graph: the cited table of published driving times, its
fixed split, the committed model file (reproduced by a refit), held-out errors against the class
speeds of before, the judged truck lanes, and what the covariates make of the roads."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.network import Gazetteer, network_dir
from cargorisk.network.speed_fit import (
    JUDGED_LANES,
    SpeedFit,
    fit_speed_model,
    read_driving_times,
    report_lines,
)
from cargorisk.network.speeds import CLASS_TIERS, COVARIATES, MODEL_FILE, TABLE_FILE, load_speed_model

FOLDER = Path(__file__).resolve().parents[2] / "data" / "network"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return read_driving_times(FOLDER)


@pytest.fixture(scope="module")
def refit(national: nx.MultiDiGraph, national_gazetteer: Gazetteer, table: pd.DataFrame) -> SpeedFit:
    return fit_speed_model(national, national_gazetteer, table)


def test_table_is_cited_row_by_row(table: pd.DataFrame) -> None:
    assert len(table) >= 50 and table["id"].tolist() == list(range(1, len(table) + 1))
    pairs = {frozenset(p) for p in zip(table["origin"], table["destination"], strict=True)}
    assert len(pairs) >= 40
    assert table["source_url"].str.match(r"https?://\S+$").all()
    assert (table["source_date"].str.len() >= 4).all() and (table["figure_as_published"].str.len() > 5).all()
    assert set(table["vehicle"]) == {"car", "truck"} and (table["vehicle"] == "truck").sum() >= 10
    us = table["origin"].isin(["Laredo, TX", "Tucson", "El Paso", "Houston", "Dallas", "Yuma", "San Diego"])
    assert us.sum() >= 10 and (~us).sum() >= 30


def test_split_is_the_documented_rule(table: pd.DataFrame) -> None:
    """Per stratum, routes (pair, avoid-tolls) in order of first id: every third held out."""
    scored = table[table["split"].isin(["fit", "holdout"])]
    columns = ["stratum", "origin", "destination", "avoid_tolls", "split"]
    routes = [(st, frozenset((o, d)), a, split) for st, o, d, a, split in scored[columns].to_numpy()]
    expected = {}
    for stratum in dict.fromkeys(scored["stratum"]):
        keys = dict.fromkeys((st, pair, a) for st, pair, a, _ in routes if st == stratum)
        expected |= {key: "holdout" if i % 3 == 2 else "fit" for i, key in enumerate(keys)}
    assert {(st, pair, a): split for st, pair, a, split in routes} == expected
    assert set(table.loc[table["split"] == "check", "origin"]) <= {"Chihuahua, Chihuahua", "Ciudad Juárez"}
    assert table.loc[table["split"] == "excluded", "notes"].str.startswith("excluded:").all()
    for stratum in ("mx", "mx_free", "us", "truck"):
        assert {"fit", "holdout"} <= set(scored.loc[scored["stratum"] == stratum, "split"])


def test_no_judged_lane_is_in_the_table(table: pd.DataFrame) -> None:
    fitted = table[table["split"] == "fit"]
    pairs = {frozenset(p) for p in zip(fitted["origin"], fitted["destination"], strict=True)}
    assert not any(frozenset((a, b)) in pairs for a, b, *_ in JUDGED_LANES)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.drop(columns="source_url"), "lacks the column"),
        (lambda t: t.assign(hours=t["hours"].where(t["id"] != 7, -1)), "row id 7"),
        (lambda t: t.assign(vehicle=t["vehicle"].where(t["id"] != 9, "bus")), "row id 9"),
        (lambda t: t.assign(source_url=t["source_url"].where(t["id"] != 4, "n/a")), "row id 4"),
    ],
)
def test_bad_table_is_refused_naming_the_row(
    table: pd.DataFrame, tmp_path: Path, edit: object, words: str
) -> None:
    edit(table).to_csv(tmp_path / TABLE_FILE, index=False)  # type: ignore[operator]
    with pytest.raises(InputError, match=words):
        read_driving_times(tmp_path)


def test_committed_model_is_tiered_and_reproduced_by_a_refit(refit: SpeedFit) -> None:
    committed = load_speed_model(FOLDER / MODEL_FILE)
    for tier in CLASS_TIERS:
        paces = [committed.base_s_per_km[k] for k in tier]
        assert paces == sorted(paces)  # each class at most as fast as the one before it
    assert refit.model.base_s_per_km == pytest.approx(committed.base_s_per_km, rel=1e-3)
    assert refit.model.coef_s_per_km == pytest.approx(committed.coef_s_per_km, rel=1e-3, abs=1e-4)
    assert refit.model.truck_ratio == pytest.approx(committed.truck_ratio, rel=1e-3)
    assert committed.card["errors"] == refit.model.card["errors"]


def test_held_out_rows_beat_the_class_speeds_of_before(refit: SpeedFit) -> None:
    errors = refit.model.card["errors"]
    held = errors["holdout"]
    assert held["rows"] >= 15
    assert held["model_median_abs_pct"] < 15 and held["model_mean_abs_pct"] < 15
    assert held["model_median_abs_pct"] < held["baseline_median_abs_pct"] / 2
    assert held["model_mean_abs_pct"] < held["baseline_mean_abs_pct"] / 2
    assert 1.0 < errors["truck_over_car"]["median"] < 1.4


def test_judged_truck_lanes_within_15_percent(refit: SpeedFit) -> None:
    lanes = refit.lanes
    assert lanes["within_15pct"].all(), lanes.to_string()
    assert any("Chihuahua" in line and "El Paso" in line for line in report_lines(refit))


def test_edges_carry_the_committed_model(national: nx.MultiDiGraph, built: Settings) -> None:
    model = load_speed_model(network_dir(built) / MODEL_FILE)
    roads = pd.DataFrame([d for *_, d in national.edges(data=True) if d.get("speed_class")])
    assert len(roads) > 0.95 * national.number_of_edges()
    car = model.car_pace(roads["speed_class"], roads[list(COVARIATES)])
    assert 3600 / car == pytest.approx(roads["car_speed_kph"].to_numpy())
    assert (roads["speed_kph"] <= roads["speed_cap_kph"] + 1e-9).all()
    assert (roads["speed_kph"] <= roads["car_speed_kph"] + 1e-9).all()
    assert roads["travel_time"].to_numpy() == pytest.approx(roads["length"] / (roads["speed_kph"] / 3.6))


def truck_kph(graph: nx.MultiDiGraph, root: str) -> float:
    """Km-weighted truck speed of a Travel Mapping route on the graph."""
    edges = [d for *_, d in graph.edges(data=True) if d.get("tm_root") == root]
    return sum(d["length"] for d in edges) / sum(d["travel_time"] for d in edges) * 3.6


def test_four_lane_libres_outrun_mountain_roads_by_their_geometry(national: nx.MultiDiGraph) -> None:
    libres = {r: truck_kph(national, r) for r in ("mexslp.mex057", "mexchih.mex045", "mexson.mex015")}
    mountain = {r: truck_kph(national, r) for r in ("mexhgo.mex105", "mexoax.mex131", "mexsin.mex040")}
    assert min(libres.values()) > max(mountain.values()) + 10, (libres, mountain)
    assert all(60 < v <= 80 for v in libres.values())
    cuota = [d["speed_kph"] for *_, d in national.edges(data=True) if d.get("tm_root") == "mexnl.mex085d"]
    assert np.median(cuota) == pytest.approx(80)  # the legal limit on a straight autopista
