"""Known values in the tables built from the real mirrored data."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from cargorisk.config import Settings
from cargorisk.sources import SOURCES, load_table


def table(settings: Settings, name: str) -> pd.DataFrame:
    return load_table(name, settings.processed_dir)


def test_every_table_built_with_documented_columns(built: Settings) -> None:
    log = json.loads((built.processed_dir / "build.json").read_text())
    for source in SOURCES.values():
        for spec in source.tables:
            frame = table(built, spec.name)
            assert list(frame.columns) == list(spec.columns), spec.name
            assert log[spec.name]["rows"] == len(frame)
            assert len(frame) > 0 or spec.name.endswith("_problems"), spec.name  # no problem is fine


def test_carrier_robbery_2024_national_total_and_state_sum(built: Settings) -> None:
    sy = table(built, "sesnsp_state_year")
    robbery = sy[(sy["subtipo"] == "Robo a transportista") & (sy["year"] == 2024)]
    assert robbery["cve_ent"].nunique() == 32  # the Nacional row is kept out
    assert robbery["incidents"].sum() == 7978  # PROVENANCE.md check value
    by_state = robbery.groupby("state")["incidents"].sum()
    assert by_state["Estado de México"] == 3828
    assert by_state["Puebla"] == 2204
    assert set(robbery["modalidad"]) == {"Con violencia", "Sin violencia"}


def test_partial_last_year_flagged_and_population_derived(built: Settings) -> None:
    sy = table(built, "sesnsp_state_year")
    assert set(sy.loc[sy["partial_year"], "year"]) == {2025}
    assert (sy.loc[sy["year"] == 2025, "months_covered"] == 6).all()
    assert (sy.loc[sy["year"] < 2025, "months_covered"] == 12).all()
    pop = sy.groupby(["year", "cve_ent"])["population"].nunique()
    assert (pop == 1).all()  # one population per state-year
    nl_2020 = sy[(sy["year"] == 2020) & (sy["state"] == "Nuevo León")]["population"].iloc[0]
    assert 5.0e6 < nl_2020 < 6.5e6  # CONAPO: about 5.8 million
    total_2024 = sy[sy["year"] == 2024].groupby("cve_ent")["population"].first().sum()
    assert 125e6 < total_2024 < 136e6


def test_bts_has_28_us_mexico_ports(built: Settings) -> None:
    ports = table(built, "bts_ports")
    assert len(ports) == 28
    assert set(ports["state"]) == {"California", "Arizona", "New Mexico", "Texas"}
    laredo = ports.set_index("port_code").loc["2304"]
    assert laredo["port_name"] == "Laredo"
    assert laredo["trucks_last_12m"] > 2_000_000  # busiest truck port
    assert ports["lat"].between(25, 33).all()
    assert ports["lon"].between(-118, -97).all()
    months = table(built, "bts_port_month")
    assert months["month"].min() == pd.Timestamp("1996-01-01")
    assert months["month"].max() == pd.Timestamp("2025-02-01")


def test_texas_bridge_table_has_33_crossings_with_coordinates(built: Settings) -> None:
    bridges = table(built, "cbp_bridges")
    assert len(bridges) == 33
    assert bridges[["lat", "lon", "port_code"]].notna().all().all()
    by_name = bridges.set_index("crossing")
    assert by_name.loc["World Trade Bridge", "port_code"] == "2304"
    assert by_name.loc["World Trade Bridge", "commercial"]
    assert not by_name.loc["Good Neighbor Bridge", "commercial"]
    monthly = table(built, "cbp_bridge_month")
    assert monthly["crossing"].nunique() == 33
    assert monthly["port_code"].notna().all()


def test_el_paso_commercial_lanes_and_closed_cells(built: Settings) -> None:
    waits = table(built, "cbp_wait_profile")
    commercial = waits[waits["lane"] == "Commercial"]
    assert set(commercial["crossing"]) == {"Bridge of the Americas (BOTA)", "Ysleta"}
    assert set(commercial["port_code"]) == {"2402", "2401"}
    assert len(commercial) == 2 * 12 * 24 * 7
    assert commercial["hour"].between(0, 23).all()
    # a blank cell means closed, never a zero wait
    assert (commercial["is_open"] == commercial["wait_min"].notna()).all()
    bota_sunday_night = commercial[
        commercial["crossing"].str.contains("BOTA") & (commercial["weekday"] == 6) & (commercial["hour"] == 2)
    ]
    assert not bota_sunday_night["is_open"].any()
    assert commercial["wait_min"].max() < 240


def test_federal_monthly_cut_off(built: Settings) -> None:
    fed = table(built, "sesnsp_federal_state_month")
    assert fed["month"].max() == pd.Timestamp("2025-07-01")
    assert fed["cve_ent"].between(1, 32).all()
    assert "VIAS DE COMUNICACION Y CORRESPONDENCIA" in set(fed["tipo"])


@pytest.mark.parametrize(("name", "rows"), [("mx_states", 32), ("mx_municipalities", 2457)])
def test_polygons_have_crs(built: Settings, name: str, rows: int) -> None:
    gdf = table(built, name)
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == rows
    assert gdf.geometry.is_valid.all()


def test_municipality_names_keep_accents(built: Settings) -> None:
    muns = table(built, "mx_municipalities")
    mty = muns.set_index("cvegeo").loc["19039"]
    assert mty["name_upper"] == "MONTERREY"
    names = table(built, "mx_municipality_names").set_index("cvegeo")
    assert names.loc["08037", "municipality"] == "Juárez"
    assert len(names) == 2475


def test_road_layers_lengths(built: Settings) -> None:
    mx = table(built, "mx_roads_dcw")
    assert len(mx) == 10422
    assert mx["length_km"].sum() == pytest.approx(167_846, rel=0.01)
    us = table(built, "us_roads_ne")
    assert us["length_km"].sum() == pytest.approx(93_400, rel=0.02)
