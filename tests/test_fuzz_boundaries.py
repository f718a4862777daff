"""Generated cases at the boundaries of the hostile-input audit (issue 18) that test_fuzz.py does
not reach: departures after parsing, every kind of output path, Parquet lane books of any column
type, live-feed contents, edited model files (wait model, theft card, edge multipliers), and map text
run in a real browser.

Every test counts the cases it ran; ``test_boundaries_ran`` prints the table (``pytest -s``).
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cargorisk._io import write_bytes_atomic
from cargorisk.batch import LaneScorer, score_file
from cargorisk.border.waits import load_wait_model, read_live_waits
from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError, InputError, ModelFileError
from cargorisk.routing import Router

CASES: Counter = Counter()
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
LANE = ("Monterrey, NL", "Dallas, TX")


def one_line(exc: BaseException) -> None:
    assert isinstance(exc, CargoRiskError), repr(exc)
    assert str(exc) and "\n" not in str(exc)


# ---- departures after parsing: any datetime object, any zone, years 1-9999 ----

when = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.one_of(st.none(), st.timezones()),
)


ORIGIN_ZONE = ZoneInfo("America/Monterrey")  # LANE's origin: naive departures are its local time


def skipped_by_the_clocks(when: datetime) -> bool:
    """Whether a departure's wall time does not exist in its zone (naive: the origin's): the
    hour skipped when clocks go forward, which a plan refuses."""
    zone = when.tzinfo if when.tzinfo is not None and when.utcoffset() is not None else ORIGIN_ZONE
    wall = when.replace(tzinfo=None, fold=0)
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall


@FUZZ
@given(depart=when)
def test_departure_objects(router: Router, depart: datetime) -> None:
    try:
        plan = router.plan(*LANE, depart=depart, alternatives=0)
    except CargoRiskError as exc:
        one_line(exc)
        in_range = 2000 <= depart.year <= 2100
        assert not in_range or skipped_by_the_clocks(depart) or "time zone" in str(exc), str(exc)
        if in_range and skipped_by_the_clocks(depart):
            assert "does not exist in the time zone" in str(exc)
    else:
        assert 2000 <= depart.year <= 2100 and not skipped_by_the_clocks(depart)
        assert plan.depart.tzinfo is not None and plan.recommended.total_h > 0
        # a naive time is the origin's, the first of two when the clocks repeat it (fold=0)
        meant = depart if depart.tzinfo is not None else depart.replace(tzinfo=ORIGIN_ZONE, fold=0)
        assert plan.depart.timestamp() == meant.timestamp()
    CASES["departures (datetime objects) through Router.plan"] += 1


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(departs=st.lists(when, min_size=1, max_size=6))
def test_departure_objects_in_a_book(router: Router, departs: list[datetime]) -> None:
    book = pd.DataFrame(
        {
            "lane_id": [f"L{i}" for i in range(len(departs))],
            "origin": LANE[0],
            "destination": LANE[1],
            "depart": pd.Series(departs, dtype=object),
        }
    )
    out = LaneScorer(router).score_frame(book)
    assert len(out) == len(book)
    for depart, (_, row) in zip(departs, out.iterrows(), strict=True):
        fine = 2000 <= depart.year <= 2100 and not skipped_by_the_clocks(depart)
        assert row["status"] == ("ok" if fine else "error"), (depart, row["error"])
        assert "\n" not in str(row["error"])
    CASES["departures (datetime objects) in lane books, rows"] += len(book)


# ---- every kind of output path ----

KINDS = ["new", "existing file", "directory", "fifo", "/dev/null", "missing parent", "the input", "symlink"]
WRITERS = ["score csv", "score parquet", "json"]


def output_path(kind: str, folder: Path, book: Path, suffix: str) -> Path:
    """A path of the given kind in ``folder``."""
    path = folder / f"out{suffix}"
    if kind == "existing file":
        path.write_text("old\n")
    elif kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "/dev/null":
        return Path("/dev/null")
    elif kind == "missing parent":
        return folder / "no" / "such" / f"out{suffix}"
    elif kind == "the input":
        return book
    elif kind == "symlink":
        path.symlink_to(book)
    return path


def write(writer: str, path: Path, book: Path, trained: Settings) -> None:
    if writer == "json":
        write_bytes_atomic(path, json.dumps({"ok": True}).encode())
    else:
        score_file(book, path, settings=trained)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(KINDS), writer=st.sampled_from(WRITERS))
def test_output_paths(
    trained: Settings, tmp_path_factory: pytest.TempPathFactory, kind: str, writer: str
) -> None:
    assume(kind != "the input" or writer != "json")  # only score-lanes has an input to protect
    folder = tmp_path_factory.mktemp("out")
    book = folder / "lanes.csv"
    book.write_text('lane_id,origin,destination\nA,"Monterrey, NL","Dallas, TX"\nB,Nowhere,"Dallas, TX"\n')
    before = book.read_bytes()
    path = output_path(kind, folder, book, ".parquet" if writer == "score parquet" else ".csv")
    special = path.exists() and not path.is_file()
    kind_before = path.stat().st_mode if special else None
    try:
        write(writer, path, book, trained)
    except CargoRiskError as exc:
        one_line(exc)
        assert special or kind == "the input" or (kind == "symlink" and writer != "json"), (kind, writer, exc)
    else:
        assert not special and kind != "the input", (kind, writer)
        assert path.is_file() and not path.is_symlink() and path.stat().st_size > 0
    if special:
        assert path.stat().st_mode == kind_before  # a directory, FIFO or device stays what it was
    assert book.read_bytes() == before  # the input is never touched
    assert not list(folder.glob(".*.tmp"))  # no partial file left
    CASES["output paths x writers"] += 1


# ---- Parquet lane books of any column type, possibly truncated ----

COLUMN_VALUES = {
    "text": st.one_of(
        st.sampled_from([*LANE, "Saltillo", "Laredo, TX", "", "25.6,-100.3"]), st.text(max_size=12)
    ),
    "int": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "bool": st.booleans(),
    "binary": st.binary(max_size=12),
    "list": st.lists(st.integers(-5, 5), max_size=3),
    "timestamp": st.datetimes(min_value=datetime(1700, 1, 1), max_value=datetime(2200, 1, 1)),
}


@st.composite
def parquet_books(draw: st.DrawFn) -> tuple[pa.Table, int | None]:
    n = draw(st.integers(1, 5))
    columns = {}
    for name in ("origin", "destination", "depart", "cargo_value", "cargo_type"):
        if name in ("origin", "destination") or draw(st.booleans()):
            kind = draw(st.sampled_from(list(COLUMN_VALUES)))
            values = draw(st.lists(st.one_of(st.none(), COLUMN_VALUES[kind]), min_size=n, max_size=n))
            if kind == "timestamp":
                values = [None if v is None else v.replace(tzinfo=UTC) for v in values]
            columns[name] = values
    ids = draw(st.sampled_from([[f"L{i}" for i in range(n)], list(range(n)), [None] * n]))
    table = pa.table({"lane_id": pa.array(ids)} | {k: pa.array(v) for k, v in columns.items()})
    cut = draw(st.one_of(st.none(), st.integers(0, 2000)))
    return table, cut


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(book=parquet_books())
def test_parquet_books(trained: Settings, tmp_path_factory: pytest.TempPathFactory, book: tuple) -> None:
    table, cut = book
    folder = tmp_path_factory.mktemp("pq")
    source = folder / "lanes.parquet"
    pq.write_table(table, source)
    if cut is not None:
        source.write_bytes(source.read_bytes()[:cut])
    try:
        counts = score_file(source, folder / "out.parquet", settings=trained)
    except CargoRiskError as exc:
        one_line(exc)
        assert cut is not None, str(exc)  # an intact file never fails as a whole
    else:
        out = pd.read_parquet(folder / "out.parquet")
        assert counts["rows"] == len(out) == table.num_rows == counts["ok"] + counts["failed"]
        assert all("\n" not in e for e in out["error"].dropna())
    CASES["Parquet lane books (any column type, truncated)"] += 1


# ---- live feeds: CBP-shaped ports with any values ----

anything = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
feed_value = st.one_of(
    anything, st.sampled_from(["-999", "45", "1e9", "nan", " 30 ", "", "At 10:00 am CST", "11/24/2026"])
)


@st.composite
def feed_ports(draw: st.DrawFn) -> list:
    ports = []
    for _ in range(draw(st.integers(0, 4))):
        lanes = draw(
            st.one_of(
                feed_value,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "delay_minutes": feed_value,
                        "update_time": feed_value,
                        "lanes_open": feed_value,
                        "operational_status": feed_value,
                    },
                ),
            )
        )
        port = {
            "port_number": draw(st.one_of(st.sampled_from(["230401", "230402", "250601"]), feed_value)),
            "commercial_vehicle_lanes": draw(st.one_of(feed_value, st.just({"standard_lanes": lanes}))),
        }
        for key in ("border", "crossing_name", "date", "port_status"):
            if draw(st.booleans()):
                port[key] = draw(st.one_of(feed_value, st.just("Mexican Border")))
        ports.append(port)
    return ports


@FUZZ
@given(ports=feed_ports())
def test_live_feed_contents(router: Router, tmp_path_factory: pytest.TempPathFactory, ports: list) -> None:
    path = tmp_path_factory.mktemp("feed") / "waits.json"
    path.write_text(json.dumps(ports))
    try:
        live = read_live_waits(path)
    except CargoRiskError as exc:
        one_line(exc)
    else:
        delays = live["delay_min"].to_numpy(dtype=float)
        assert ((delays >= 0) & (delays <= 24 * 60) | np.isnan(delays)).all()
        planner = copy.copy(router)
        planner.live = live
        route = planner.plan(*LANE, depart="2026-11-24T08:00", alternatives=0).recommended
        assert math.isfinite(route.wait_min) and route.wait_min >= 0
    CASES["live feeds (CBP-shaped, any values)"] += 1


# ---- edited model files ----


def paths_in(doc: object, prefix: tuple = ()) -> list[tuple]:
    """Key paths into a JSON document: every top-level key, then the first three keys or two
    items at each level below."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in list(doc.items())[: None if not prefix else 3]:
            found += paths_in(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:2]):
            found += paths_in(v, (*prefix, i))
    return found


def edited(doc: object, path: tuple, value: object) -> object:
    out = copy.deepcopy(doc)
    target = out
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    return out


edit_value = st.one_of(
    st.sampled_from([float("nan"), float("inf"), -1e9, 1e300, -1, 0, "x", None, [], {}, True]), anything
)


@pytest.fixture(scope="module")
def wait_doc(trained: Settings) -> dict:
    return json.loads((trained.models_dir / "border_waits.json").read_text())


@FUZZ
@given(data=st.data())
def test_edited_wait_models(
    router: Router, wait_doc: dict, tmp_path_factory: pytest.TempPathFactory, data
) -> None:
    spot = data.draw(st.sampled_from(paths_in(wait_doc)))
    path = tmp_path_factory.mktemp("wm") / "border_waits.json"
    path.write_text(json.dumps(edited(wait_doc, spot, data.draw(edit_value))))
    try:
        model, _ = load_wait_model(path)
        for crossing, zone in list(router.time_zones.items())[:6]:
            for hour in (3, 9, 15):
                wait = model.predict_wait(crossing, datetime(2026, 11, 24, hour, tzinfo=UTC), zone)
                assert not wait.is_open or (math.isfinite(wait.p90_min) and wait.mean_min >= 0), (spot, wait)
    except CargoRiskError as exc:
        one_line(exc)
        assert isinstance(exc, ModelFileError | InputError)
    CASES["edited wait models (a value anywhere replaced)"] += 1


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_edited_theft_cards(
    trained: Settings, national: object, tmp_path_factory: pytest.TempPathFactory, data
) -> None:
    import shutil  # noqa: PLC0415

    from cargorisk.risk import predict_states  # noqa: PLC0415

    card = json.loads((trained.models_dir / "theft_risk.card.json").read_text())
    spot = data.draw(st.sampled_from(paths_in(card)))
    models = tmp_path_factory.mktemp("card")
    shutil.copytree(trained.models_dir, models, dirs_exist_ok=True)
    (models / "theft_risk.card.json").write_text(json.dumps(edited(card, spot, data.draw(edit_value))))
    settings_ = Settings.from_env(data_dir=trained.data_dir, models_dir=models)
    try:
        states = predict_states(settings_, national, 2025)
    except CargoRiskError as exc:
        one_line(exc)
    else:
        predicted = states["predicted"].to_numpy(dtype=float)
        assert np.isfinite(predicted).all() and (predicted >= 0).all(), spot
    CASES["edited theft model cards (a value anywhere replaced)"] += 1


ID_KINDS = [
    st.integers(-5, 40_000),
    st.floats(),
    st.text(max_size=4),
    st.lists(st.integers(0, 9), max_size=2),
]
MULTIPLIER_KINDS = [st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans()]


@st.composite
def multiplier_files(draw: st.DrawFn) -> pd.DataFrame:
    """An edge_risk.parquet: node ids of any kind (also lists), multipliers of any kind, nulls."""
    n = draw(st.integers(1, 6))

    def column(kinds: list) -> list:
        return draw(st.lists(st.one_of(st.none(), draw(st.sampled_from(kinds))), min_size=n, max_size=n))

    return pd.DataFrame(
        {"u": column(ID_KINDS), "v": column(ID_KINDS), "multiplier": column(MULTIPLIER_KINDS)}
    )


@FUZZ
@given(frame=multiplier_files())
def test_edited_edge_multipliers(
    trained: Settings, national: object, tmp_path_factory: pytest.TempPathFactory, frame: pd.DataFrame
) -> None:
    from cargorisk.risk.edges import load_multipliers  # noqa: PLC0415

    models = tmp_path_factory.mktemp("edges")
    try:
        frame.to_parquet(models / "edge_risk.parquet")
    except (pa.ArrowException, ValueError, TypeError):
        return  # pyarrow cannot write such a column: no such file can exist
    settings_ = Settings.from_env(data_dir=trained.data_dir, models_dir=models)
    try:
        found = load_multipliers(settings_, national)
    except CargoRiskError as exc:
        one_line(exc)
        assert isinstance(exc, ModelFileError)
    else:
        assert all(math.isfinite(v) and v >= 0 for v in found.values())
    CASES["edge multiplier files (ids and values of any kind)"] += 1


# ---- map text run in a real browser ----

PIECES = ["${", "}", "`", "\\", "'", '"', "<", ">", "</script>", "<script>", "document.title='PWNED'",
          "window.PWNED=1", "alert(1)", "\n", "\r", "\u2028", "&#36;", "<!--", "-->", " ", "x"]  # fmt: skip
payload = st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(labels=st.lists(payload, min_size=6, max_size=6))
def test_map_text_in_a_browser(router: Router, tmp_path: Path, chromium: object, labels: list[str]) -> None:
    from cargorisk.viz import route_map, save_map  # noqa: PLC0415

    plan = copy.copy(router.plan(*LANE, depart="2026-11-24T08:00", alternatives=0))
    plan.origin, plan.destination = labels[0], labels[1]
    route = copy.copy(plan.recommended)
    route.segments = route.segments.assign(
        **{"from": labels[2], "to": labels[3], "ref": labels[4], "state": labels[5]}
    )
    plan.recommended = route
    path = save_map(
        route_map(plan, router.graph, wait_model=router.wait_model, tiles=None), tmp_path / "m.html"
    )
    chromium.get(path.as_uri())
    time.sleep(0.5)
    assert chromium.title != "PWNED"
    assert chromium.execute_script("return window.PWNED === undefined && typeof L === 'object'")
    assert chromium.execute_script("return document.querySelectorAll('.awesome-marker').length") >= 2
    lines = """const map = Object.values(window).find(v => v instanceof L.Map); let n = 0;
               map.eachLayer(layer => { if (layer instanceof L.Polyline) n += 1; }); return n;"""
    assert chromium.execute_script(lines) > 0  # the script ran to the end: the route was drawn
    errors = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE" and e["source"] != "network"]
    assert not errors, errors
    CASES["map payloads in Chromium (6 labels each)"] += 1


def test_boundaries_ran() -> None:
    """The table of generated cases (printed with ``pytest -s``); runs after the tests above."""
    for name, n in sorted(CASES.items()):
        print(f"{name}: {n}")
    assert all(n > 0 for n in CASES.values())
