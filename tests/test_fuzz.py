"""Fuzzing every input boundary: anything may be typed or fed, only one-line CargoRiskErrors escape."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargorisk.batch import LaneScorer
from cargorisk.border.waits import parse_time, read_live_waits
from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError
from cargorisk.network.osm import from_osm_xml
from cargorisk.risk.features import FEATURES
from cargorisk.risk.incidents import read_incidents
from cargorisk.risk.model import load_model
from cargorisk.risk.train import model_path
from cargorisk.routing import Router

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
text = st.text(max_size=40)
places = st.one_of(text, st.sampled_from(["Monterrey, NL", "Dallas, TX", "25.6,-100.3", "0,0", "Juárez", ""]))


def one_line(exc: CargoRiskError) -> None:
    assert "\n" not in str(exc) and str(exc)


@FUZZ
@given(
    places,
    places,
    st.one_of(st.none(), text, st.sampled_from(["2026-03-02T06:00-06:00", "2026-03-02"])),
    st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-(10**12), 10**12), text),
)
def test_router_plan(router: Router, origin: str, destination: str, depart: object, cargo: object) -> None:
    try:
        plan = router.plan(origin, destination, depart=depart, cargo_value=cargo, alternatives=1)  # type: ignore[arg-type]
    except CargoRiskError as exc:
        one_line(exc)
    else:
        assert 0 <= plan.recommended.theft_prob < 1 and plan.recommended.km > 0


@FUZZ
@given(text)
def test_timestamps(value: str) -> None:
    try:
        parse_time(value)
    except CargoRiskError as exc:
        one_line(exc)


lane_cells = st.one_of(places, st.just(""), st.binary(max_size=10).map(lambda b: b.decode("latin1")))


@FUZZ
@given(st.lists(st.tuples(text, lane_cells, lane_cells, text, text, text), max_size=6))
def test_lane_rows(router: Router, rows: list) -> None:
    frame = pd.DataFrame(
        rows, columns=["lane_id", "origin", "destination", "depart", "cargo_value", "objective"]
    )
    out = LaneScorer(router).score_frame(frame)
    assert len(out) == len(frame) and set(out["status"]) <= {"ok", "error"}
    assert all("\n" not in str(e) for e in out["error"])


@FUZZ
@given(st.binary(max_size=400))
def test_incident_files(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    path = tmp_path_factory.mktemp("inc") / "incidents.csv"
    path.write_bytes(b"lat,lon,datetime\n" + content)
    try:
        log = read_incidents(path)
    except CargoRiskError as exc:
        one_line(exc)
    else:
        assert all(isinstance(line, int) for line, _ in log.problems)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: ("<osm>" + t).encode())))
def test_osm_files(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    path = tmp_path_factory.mktemp("osm") / "area.osm"
    path.write_bytes(content)
    try:
        from_osm_xml(path)
    except CargoRiskError as exc:
        one_line(exc)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=300), st.builds(json.dumps, st.lists(st.dictionaries(text, text), max_size=3))
    )
)
def test_live_wait_files(tmp_path_factory: pytest.TempPathFactory, content: object) -> None:
    path = tmp_path_factory.mktemp("bwt") / "waits.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        read_live_waits(path)
    except CargoRiskError as exc:
        one_line(exc)


@FUZZ
@given(st.binary(max_size=500), st.booleans())
def test_model_files(
    trained: Settings, tmp_path_factory: pytest.TempPathFactory, junk: bytes, card: bool
) -> None:
    stem = tmp_path_factory.mktemp("model") / "theft_risk"
    for suffix in (".txt", ".card.json"):
        shutil.copy(model_path(trained).with_suffix(suffix), stem.with_suffix(suffix))
    Path(stem.with_suffix(".card.json" if card else ".txt")).write_bytes(junk)
    with pytest.raises(CargoRiskError) as info:
        load_model(stem, expected_features=FEATURES)
    one_line(info.value)


@FUZZ
@given(st.binary(max_size=300))
def test_lane_files(
    trained: Settings,
    router: Router,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
) -> None:
    from cargorisk.batch import score_file  # noqa: PLC0415

    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    folder = tmp_path_factory.mktemp("lanes")
    path = folder / "lanes.csv"
    path.write_bytes(b"lane_id,origin,destination\n" + content)
    try:
        counts = score_file(path, folder / "out.csv", settings=Settings.from_env(data_dir=trained.data_dir))
    except CargoRiskError as exc:
        one_line(exc)
    else:
        assert counts["rows"] == counts["ok"] + counts["failed"]


coords = st.tuples(st.floats(-120, -85, allow_nan=False), st.floats(14, 40, allow_nan=False))


@FUZZ
@given(st.lists(st.lists(coords, min_size=0, max_size=5), max_size=8), st.floats(0.1, 5000))
def test_line_layers(lines: list, snap_m: float) -> None:
    import geopandas as gpd  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    from cargorisk.network import find_problems, from_lines  # noqa: PLC0415

    geoms = [shapely.LineString(c) if len(c) >= 2 else shapely.Point(c[0]) if c else None for c in lines]
    layer = gpd.GeoDataFrame(geometry=geoms, crs="EPSG:4326")
    try:
        graph = from_lines(layer, snap_m=snap_m, metric_crs="EPSG:6372")
    except CargoRiskError as exc:
        one_line(exc)
    else:
        assert [p for p in find_problems(graph) if "connected" not in p] == []
