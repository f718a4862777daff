"""Travel Mapping state highways (Texas with loops and spurs, Arizona, California, New Mexico):
pinned like the national highways, fetched from the mirror, built into their own tables and
given tiers and state names from the national source's system and region tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cargorisk.sources import SOURCES, fetch_sources, verify_raw
from cargorisk.sources.travelmapping import (
    COMMIT,
    RAW_URL,
    REGIONS,
    SOURCE,
    STATE_MIRROR_ONLY,
    STATE_PIN_FILE,
    STATE_ROUTES,
    STATE_SOURCE,
    STATE_WAYPOINTS,
    SYSTEMS,
    attach_systems,
    pin_files,
)

N_STATE_FILES = 1491
STATE_SYSTEMS = {"usatx", "usatxl", "usatxs", "usaaz", "usaca", "usanm"}


@pytest.fixture(scope="module")
def both(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """Every table of both Travel Mapping sources, built from the real mirror."""
    raw = tmp_path_factory.mktemp("tm_state") / "raw"
    fetch_sources([SOURCE, STATE_SOURCE], raw, mirror=mirror)
    return SOURCE.build(verify_raw(SOURCE, raw)) | STATE_SOURCE.build(verify_raw(STATE_SOURCE, raw))


def test_pin_file_matches_the_mirror_but_its_own_readme(mirror: Path) -> None:
    committed = pd.read_csv(STATE_PIN_FILE, dtype=str)
    folder = mirror / STATE_SOURCE.id
    pd.testing.assert_frame_equal(pin_files(folder, exclude=STATE_MIRROR_ONLY), committed)
    assert len(committed) == N_STATE_FILES and committed["path"].is_unique
    assert (folder / "README.md").is_file() and "README.md" not in set(committed["path"])
    systems = {p.split("/")[2] for p in committed["path"] if p.endswith(".wpt")}
    assert systems == STATE_SYSTEMS


def test_registry_entry_is_pinned_to_the_national_commit() -> None:
    assert SOURCES["travelmapping_state_highways"] is STATE_SOURCE
    assert COMMIT in STATE_SOURCE.homepage and STATE_SOURCE.licence == SOURCE.licence
    assert [t.name for t in STATE_SOURCE.tables] == [
        "tm_state_routes",
        "tm_state_waypoints",
        "tm_state_problems",
    ]
    for spec in STATE_SOURCE.files:
        assert spec.url == RAW_URL + spec.name and spec.url_is_pinned and len(spec.sha256 or "") == 64


def test_build_holds_the_roads_trucks_use(both: dict[str, pd.DataFrame]) -> None:
    routes, waypoints = both[STATE_ROUTES.name], both[STATE_WAYPOINTS.name]
    assert list(routes.columns) == list(STATE_ROUTES.columns) and routes["root"].is_unique
    assert set(routes["system"]) == STATE_SYSTEMS and len(routes) > 1_400
    assert {"tx.tx255", "az.az085", "ca.ca086", "ca.ca111", "ca.ca905", "tx.lp0020"} <= set(routes["root"])
    assert set(waypoints["root"]) == set(routes["root"]) and len(waypoints) > 20_000
    colombia = waypoints[waypoints["root"] == "tx.tx255"]
    assert list(colombia["label"])[-1] == "I-35"  # the Camino Colombia runs from FM 1472 to I-35


def test_tiers_and_states_come_from_the_national_tables(both: dict[str, pd.DataFrame]) -> None:
    systems, regions = both[SYSTEMS.name], both[REGIONS.name]
    assert {"usai", "mexd", *STATE_SYSTEMS} <= set(systems["system"])
    routes = attach_systems(both[STATE_ROUTES.name], systems, regions)
    assert len(routes) == len(both[STATE_ROUTES.name])  # every state system is active
    assert set(routes["tier"]) == {4} and set(routes["country"]) == {"US"}
    assert set(routes["region_name"]) == {"Texas", "Arizona", "California", "New Mexico"}
