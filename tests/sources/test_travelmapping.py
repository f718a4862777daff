"""Travel Mapping highway data: pinned files, fetch (mirror and download), build, bad input."""

from __future__ import annotations

import io
import json
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from cargorisk.errors import DataSourceError
from cargorisk.sources import SOURCES, fetch_sources, verify_raw
from cargorisk.sources import fetch as fetch_module
from cargorisk.sources.travelmapping import (
    COMMIT,
    PIN_FILE,
    PROBLEMS,
    RAW_URL,
    ROUTES,
    SOURCE,
    WAYPOINTS,
    Problem,
    build,
    pin_files,
    read_route_list,
    read_semicolon,
    read_wpt,
)

N_FILES = 1760
UNLISTED = "hwy_data/MEX-COL/mexsf/mexcol.libcol.wpt"
COMMENTED = "hwy_data/MEX-BC/mexf/mexbc.mex003ens.wpt"
MEX85D_NL = "hwy_data/MEX-NL/mexd/mexnl.mex085d.wpt"
OSM = "http://www.openstreetmap.org/?"


@pytest.fixture(scope="module")
def source_mirror(mirror: Path) -> Path:
    return mirror / SOURCE.id


@pytest.fixture(scope="module")
def tables(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The three tables built from the real files, fetched once for this module."""
    raw = tmp_path_factory.mktemp("tm") / "raw"
    fetch_sources([SOURCE], raw, mirror=mirror)
    return SOURCE.build(verify_raw(SOURCE, raw))


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- 1. pinned file list and registry entry -------------------------------------------------------


def test_pin_file_matches_the_mirror(source_mirror: Path) -> None:
    committed = pd.read_csv(PIN_FILE, dtype=str)
    pd.testing.assert_frame_equal(pin_files(source_mirror), committed)
    assert len(committed) == N_FILES
    assert committed["path"].is_unique


def test_every_file_is_downloaded_from_the_pinned_commit() -> None:
    assert COMMIT in RAW_URL
    assert RAW_URL.startswith("https://raw.githubusercontent.com/TravelMapping/HighwayData/")
    pins = pd.read_csv(PIN_FILE, dtype=str)
    assert [f.name for f in SOURCE.files] == list(pins["path"])
    for spec in SOURCE.files:
        assert spec.url == RAW_URL + spec.name
        assert spec.url_is_pinned
        assert spec.download_as is None
        assert spec.sha256 is not None
        assert len(spec.sha256) == 64
    assert COMMIT in SOURCE.homepage


def test_registry_entry_licence_and_tables() -> None:
    assert SOURCES["travelmapping_highways"] is SOURCE
    assert "no licence file" in SOURCE.licence
    assert "Travel Mapping project" in SOURCE.licence
    assert [t.name for t in SOURCE.tables] == [
        "tm_routes",
        "tm_waypoints",
        "tm_problems",
        "tm_systems",
        "tm_regions",
    ]


# --- 2. fetch from the mirror ---------------------------------------------------------------------


def test_mirror_fetch_copies_every_file_and_writes_manifest_once(
    mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    real_write = fetch_module.write_manifest

    def counting_write(raw_dir: Path, manifest: dict[str, dict[str, dict[str, object]]]) -> None:
        writes.append(len(manifest.get(SOURCE.id, {})))
        real_write(raw_dir, manifest)

    monkeypatch.setattr(fetch_module, "write_manifest", counting_write)
    raw = tmp_path / "raw"
    first = fetch_sources([SOURCE], raw, mirror=mirror)
    assert len(first) == N_FILES
    assert {r.action for r in first} == {"copied"}
    assert writes == [N_FILES]
    manifest = json.loads((raw / "manifest.json").read_text())[SOURCE.id]
    assert set(manifest) == {f.name for f in SOURCE.files}
    assert all(manifest[f.name]["sha256"] == f.sha256 for f in SOURCE.files)
    assert (raw / SOURCE.id / MEX85D_NL).read_bytes() == (mirror / SOURCE.id / MEX85D_NL).read_bytes()

    second = fetch_sources([SOURCE], raw, mirror=mirror)
    assert len(second) == N_FILES
    assert {r.action for r in second} == {"up to date"}
    assert writes == [N_FILES]  # nothing new, manifest not rewritten


def test_mirror_file_with_a_changed_byte_is_refused(mirror: Path, tmp_path: Path) -> None:
    bad = tmp_path / "mirror"
    shutil.copytree(mirror / SOURCE.id, bad / SOURCE.id)
    target = bad / SOURCE.id / MEX85D_NL
    data = bytearray(target.read_bytes())
    data[20] = ord("9") if data[20] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    raw = tmp_path / "raw"
    with pytest.raises(DataSourceError) as info:
        fetch_sources([SOURCE], raw, mirror=bad)
    message = str(info.value)
    assert "\n" not in message
    assert MEX85D_NL in message
    assert "has sha256" in message
    assert not (raw / SOURCE.id / MEX85D_NL).exists()
    assert not list((raw / SOURCE.id / MEX85D_NL).parent.glob("*.tmp"))
    # files before the bad one were copied and recorded; the bad one was not
    recorded = json.loads((raw / "manifest.json").read_text())[SOURCE.id]
    assert "systems.csv" not in recorded  # sorted after hwy_data/, never reached
    assert "hwy_data/AK/usai/ak.ia001.wpt" in recorded
    assert MEX85D_NL not in recorded


# --- 3. the download path -------------------------------------------------------------------------


def serve_from(folder: Path, wrong: str | None = None) -> tuple[Callable[..., io.BytesIO], list[str]]:
    """A fake urlopen serving the mirror file named by the URL (wrong bytes for ``wrong``)."""
    requested: list[str] = []

    def urlopen(request: urllib.request.Request, timeout: float) -> io.BytesIO:
        url = request.full_url
        assert url.startswith(RAW_URL), url
        assert timeout > 0
        path = url.removeprefix(RAW_URL)
        requested.append(path)
        if path == wrong:
            return io.BytesIO(b"404: Not Found")
        return io.BytesIO((folder / path).read_bytes())

    return urlopen, requested


def test_download_fetches_the_same_pinned_files(
    source_mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urlopen, requested = serve_from(source_mirror)
    monkeypatch.setattr(fetch_module.urllib.request, "urlopen", urlopen)
    raw = tmp_path / "raw"
    results = fetch_sources([SOURCE], raw)
    assert len(results) == N_FILES
    assert {r.action for r in results} == {"downloaded"}
    assert requested == [f.name for f in SOURCE.files]
    assert {r.file: r.sha256 for r in results} == {f.name: f.sha256 for f in SOURCE.files}
    paths = verify_raw(SOURCE, raw)  # checksums against the manifest
    assert len(paths) == N_FILES
    assert paths[COMMENTED].read_bytes() == (source_mirror / COMMENTED).read_bytes()


def test_download_with_wrong_bytes_fails_and_leaves_no_partial_file(
    source_mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urlopen, requested = serve_from(source_mirror, wrong=MEX85D_NL)
    monkeypatch.setattr(fetch_module.urllib.request, "urlopen", urlopen)
    raw = tmp_path / "raw"
    with pytest.raises(DataSourceError, match="sha256") as info:
        fetch_sources([SOURCE], raw)
    assert "\n" not in str(info.value)
    assert MEX85D_NL in str(info.value)
    assert requested[-1] == MEX85D_NL
    assert not (raw / SOURCE.id / MEX85D_NL).exists()
    assert not list((raw / SOURCE.id / MEX85D_NL).parent.glob("*.tmp"))
    assert MEX85D_NL not in json.loads((raw / "manifest.json").read_text())[SOURCE.id]


# --- 4. build on the real files -------------------------------------------------------------------


def test_build_row_counts_and_columns(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables) == {ROUTES.name, WAYPOINTS.name, PROBLEMS.name, "tm_systems", "tm_regions"}
    routes, waypoints, problems = tables[ROUTES.name], tables[WAYPOINTS.name], tables[PROBLEMS.name]
    assert list(routes.columns) == list(ROUTES.columns)
    assert list(waypoints.columns) == list(WAYPOINTS.columns)
    assert list(problems.columns) == list(PROBLEMS.columns)
    assert len(routes) == 1731
    assert len(waypoints) == 54917
    assert problems.to_dict("records") == [
        {
            "path": UNLISTED,
            "line": 0,
            "problem": "waypoint file is in no route list of an active or preview system",
        }
    ]


def test_build_routes(tables: dict[str, pd.DataFrame]) -> None:
    routes = tables[ROUTES.name]
    assert routes["root"].is_unique
    assert set(routes["country"]) == {"MX", "US"}
    assert {"mexd", "mexf", "usai", "usaus", "nasib"} <= set(routes["system"])
    assert set(routes["level"]) == {"active", "preview"}
    assert routes["tier"].between(1, 5).all()
    assert (routes.loc[routes["region"].str.startswith("MEX-"), "country"] == "MX").all()
    mex85d = routes[(routes["route"] == "MEX85D") & (routes["region"] == "MEX-NL")]
    assert list(mex85d["root"]) == ["mexnl.mex085d"]
    assert mex85d["system"].iloc[0] == "mexd"
    assert mex85d["region_name"].iloc[0] == "Nuevo Leon"
    assert "mexcol.libcol" not in set(routes["root"])


def test_build_waypoints(tables: dict[str, pd.DataFrame]) -> None:
    routes, waypoints = tables[ROUTES.name], tables[WAYPOINTS.name]
    assert set(waypoints["root"]) == set(routes["root"])
    sizes = waypoints.groupby("root").size()
    assert (sizes >= 2).all()
    assert (waypoints.groupby("root")["seq"].max() == sizes - 1).all()  # 0..n-1 without gaps
    assert waypoints["hidden"].dtype == bool
    assert 0.15 < waypoints["hidden"].mean() < 0.30  # ~22 %: shaping points are a minority
    assert waypoints["lat"].between(-90, 90).all()
    assert waypoints["lon"].between(-180, 180).all()
    assert waypoints["lat"].between(14, 72).all()  # Mexico and the USA (Alaska, Hawaii)
    assert waypoints["lon"].between(-170, -60).all()
    assert not waypoints["label"].str.startswith("+").any()
    assert not waypoints["alt_labels"].str.contains("#").any()
    assert not waypoints["alt_labels"].str.contains("http").any()
    first = waypoints[waypoints["root"] == "mexnl.mex085d"].iloc[0]
    assert (first["label"], first["lat"], first["lon"]) == ("MEX85_S", 25.885264, -100.221056)


def test_wpt_comments_are_ignored(source_mirror: Path, tables: dict[str, pd.DataFrame]) -> None:
    lines = (source_mirror / COMMENTED).read_text().splitlines()
    assert sum("#" in line for line in lines) == 2  # the real file does have two comments
    points = tables[WAYPOINTS.name]
    points = points[points["root"] == "mexbc.mex003ens"].set_index("label")
    assert len(points) == len(lines)
    assert points.loc["AveCal", ["lat", "lon"]].tolist() == [31.902864, -116.541553]
    assert points.loc["Ruiz", ["lat", "lon"]].tolist() == [31.911776, -116.610442]
    assert points.loc["AveCal", "alt_labels"] == ""
    assert points.loc["Ruiz", "alt_labels"] == ""
    assert not points.loc["Ruiz", "hidden"]


# --- 5. malformed input ---------------------------------------------------------------------------

# SYNTHETIC: a hand-written waypoint file with one of each kind of bad line.
SYNTHETIC_WPT = "\n".join(
    [
        f"MEX85_S {OSM}lat=25.885264&lon=-100.221056",  # 1 good
        "NoUrl",  # 2 no URL
        f"BadUrl {OSM}zoom=5",  # 3 URL without lat/lon
        f"North {OSM}lat=95.0&lon=-100.2",  # 4 latitude out of range
        f"Two {OSM}lat=1&lon=2 {OSM}lat=3&lon=4",  # 5 two URLs
        "",  # 6 blank
        f"+X1 {OSM}lat=25.920688&lon=-100.230331",  # 7 hidden shaping point
        f"NL188 OldNL188 Km12 {OSM}lat=25.938975&lon=-100.224986  # two alt labels",  # 8
    ]
)


def test_read_wpt_reports_bad_lines_and_loads_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path / "synthetic.wpt", SYNTHETIC_WPT + "\n")
    points, problems = read_wpt(path, "syn.route", "hwy_data/SYN/syn.route.wpt")
    shown = "hwy_data/SYN/syn.route.wpt"
    expected = "expected 'LABEL [ALT_LABEL ...] URL'"
    assert problems == [
        Problem(shown, 2, expected),
        Problem(shown, 3, f"no lat=..&lon=.. in '{OSM}zoom=5'"),
        Problem(shown, 4, "coordinates out of range: lat=95.0, lon=-100.2"),
        Problem(shown, 5, expected),
    ]
    assert list(points.columns) == list(WAYPOINTS.columns)
    assert points.to_dict("records") == [
        {
            "root": "syn.route",
            "seq": 0,
            "label": "MEX85_S",
            "alt_labels": "",
            "hidden": False,
            "lon": -100.221056,
            "lat": 25.885264,
        },
        {
            "root": "syn.route",
            "seq": 1,
            "label": "X1",
            "alt_labels": "",
            "hidden": True,
            "lon": -100.230331,
            "lat": 25.920688,
        },
        {
            "root": "syn.route",
            "seq": 2,
            "label": "NL188",
            "alt_labels": "OldNL188 Km12",
            "hidden": False,
            "lon": -100.224986,
            "lat": 25.938975,
        },
    ]


def test_read_wpt_names_the_file_path_by_default(tmp_path: Path) -> None:
    path = write(tmp_path / "synthetic.wpt", SYNTHETIC_WPT)
    _, problems = read_wpt(path, "syn.route")
    assert {p.path for p in problems} == {str(path)}


@pytest.mark.parametrize(
    "content",
    [
        None,  # missing file
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",  # SYNTHETIC: binary
        f"Cancún {OSM}lat=21.1&lon=-86.8\nMérida {OSM}lat=20.9&lon=-89.6\n".encode(),  # non-ASCII
    ],
    ids=["missing", "binary", "non-ascii"],
)
def test_unreadable_wpt_is_one_whole_file_problem(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "x.wpt"
    if content is not None:
        write(path, content)
    points, problems = read_wpt(path, "x", "x.wpt")
    assert points.empty
    assert len(problems) == 1
    assert (problems[0].path, problems[0].line) == ("x.wpt", 0)
    assert problems[0].problem.startswith("unreadable file (")


def test_wpt_with_one_valid_waypoint_loads_nothing(tmp_path: Path) -> None:
    # SYNTHETIC: one good waypoint and one bad line
    path = write(tmp_path / "short.wpt", f"A {OSM}lat=25.0&lon=-100.0\nB no-url-here\n")
    points, problems = read_wpt(path, "short", "short.wpt")
    assert points.empty
    assert list(points.columns) == list(WAYPOINTS.columns)
    assert problems == [
        Problem("short.wpt", 2, "expected 'LABEL [ALT_LABEL ...] URL'"),
        Problem("short.wpt", 0, "route has 1 valid waypoint(s), needs 2"),
    ]


# SYNTHETIC: a route list with a short line, a long line, a comment and a blank line.
SYNTHETIC_ROUTE_LIST = "\n".join(
    [
        "systemName;region;route;banner;abbrev;city;root;altRouteNames",
        "mexd;MEX-NL;MEX85D;;;;mexnl.mex085d;",  # 2 good
        "mexd;MEX-NL;MEX40D;;;mexnl.mex040d;",  # 3 seven fields
        "# mexd;MEX-NL;MEX99D;;;;mexnl.mex099d;",  # 4 comment
        "",  # 5 blank
        "mexd;MEX-TAM;MEX85D;;;;mextam.mex085d;;extra",  # 6 nine fields
        "mexd;MEX-COAH;MEX57D; ;;Saltillo;mexcoah.mex057d;MEX57",  # 7 good
    ]
)


def test_route_list_line_with_wrong_field_count_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "mexd.csv", SYNTHETIC_ROUTE_LIST + "\n")
    shown = "hwy_data/_systems/mexd.csv"
    routes, problems = read_route_list(path, shown)
    assert problems == [
        Problem(shown, 3, "expected 8 ';'-separated fields, got 7"),
        Problem(shown, 6, "expected 8 ';'-separated fields, got 9"),
    ]
    assert list(routes["root"]) == ["mexnl.mex085d", "mexcoah.mex057d"]
    assert routes.loc[1, "banner"] == ""  # fields are stripped
    assert routes.loc[1, "city"] == "Saltillo"
    assert routes.loc[1, "alt_route_names"] == "MEX57"

    rows, same = read_semicolon(path, shown, 8)
    assert same == problems
    assert rows[0] == ["mexd", "MEX-NL", "MEX85D", "", "", "", "mexnl.mex085d", ""]


def test_read_semicolon_unreadable_file(tmp_path: Path) -> None:
    rows, problems = read_semicolon(tmp_path / "missing.csv", "missing.csv", 3)
    assert rows == []
    assert [(p.path, p.line) for p in problems] == [("missing.csv", 0)]


def synthetic_tree(folder: Path, *, wpt: bool = True) -> dict[str, Path]:
    """SYNTHETIC: a tiny source folder in the upstream layout; keys as verify_raw returns them."""
    files: dict[str, str | bytes] = {
        "systems.csv": "\ufeffSystem;CountryCode;Name;Color;Tier;Level\n"
        "mexd;MEX;Mexico Federal Expressways;TMred;2;active\n"
        "#mexdev;MEX;Mexico In Development;TMred;3;devel\n",
        "regions.csv": "\ufeffcode;name;country;continent;regionType\n"
        "MEX-NL;Nuevo León;MEX;NA;State\n"
        "TX;Texas;USA;NA;State\n",
        "hwy_data/_systems/mexd.csv": "systemName;region;route;banner;abbrev;city;root;altRouteNames\n"
        "mexd;MEX-NL;MEX85D;;;;mexnl.mex085d;\n"
        "mexd;MEX-NL;MEX40D;;;;mexnl.mex040d;\n"
        "mexd;MEX-NL;MEX57D;;;;mexnl.mex057d;\n"
        "mexd;MEX-NL;MEX53D;;;;mexnl.mex053d;\n",  # listed, file absent: left out silently
        # connected-route list, other format: must not be read as a route list
        "hwy_data/_systems/mexd_con.csv": "systemName;route;banner;groupName;roots\n"
        "mexd;MEX85D;;Monterrey;mexnl.mex085d\n",
    }
    if wpt:
        files["hwy_data/MEX-NL/mexd/mexnl.mex085d.wpt"] = (
            f"MEX85_S {OSM}lat=25.885264&lon=-100.221056\n"
            f"+X0 {OSM}lat=25.920688&lon=-100.230331\n"
            f"NL188 {OSM}lat=25.938975&lon=-100.224986\n"
        )
        files["hwy_data/MEX-NL/mexd/mexnl.mex040d.wpt"] = f"MEX40_W {OSM}lat=25.7&lon=-100.4\nbroken line\n"
    return {name: write(folder / name, content) for name, content in files.items()}


def test_build_on_synthetic_tree_keeps_good_route_and_names_broken_file(tmp_path: Path) -> None:
    paths = synthetic_tree(tmp_path / SOURCE.id)
    binary = "hwy_data/MEX-NL/mexd/mexnl.mex057d.wpt"
    paths[binary] = write(tmp_path / SOURCE.id / binary, b"\x89PNG\r\n\x1a\n\xff")  # SYNTHETIC: unreadable
    tables = build(paths)
    routes, waypoints, problems = tables[ROUTES.name], tables[WAYPOINTS.name], tables[PROBLEMS.name]
    assert list(routes.columns) == list(ROUTES.columns)
    assert routes.to_dict("records") == [
        {
            "root": "mexnl.mex085d",
            "system": "mexd",
            "system_name": "Mexico Federal Expressways",
            "tier": 2,
            "level": "active",
            "region": "MEX-NL",
            "region_name": "Nuevo León",
            "country": "MX",
            "route": "MEX85D",
            "banner": "",
            "abbrev": "",
            "city": "",
            "alt_route_names": "",
        }
    ]
    assert list(waypoints["label"]) == ["MEX85_S", "X0", "NL188"]
    assert list(waypoints["seq"]) == [0, 1, 2]
    assert list(waypoints["hidden"]) == [False, True, False]
    broken = "hwy_data/MEX-NL/mexd/mexnl.mex040d.wpt"
    assert problems.to_dict("records") == [
        {"path": broken, "line": 2, "problem": "expected 'LABEL [ALT_LABEL ...] URL'"},
        {"path": broken, "line": 0, "problem": "route has 1 valid waypoint(s), needs 2"},
        {"path": binary, "line": 0, "problem": "unreadable file (UnicodeDecodeError)"},
    ]
    assert problems["line"].dtype == "int64"


@pytest.mark.parametrize("case", ["short-wpt", "unreadable-wpt", "no-wpt"])
def test_build_with_no_readable_route_is_a_data_source_error(tmp_path: Path, case: str) -> None:
    """Nothing to load is a one-line DataSourceError naming the folder, not a pandas traceback."""
    folder = tmp_path / SOURCE.id
    paths = synthetic_tree(folder, wpt=False)
    name = "hwy_data/MEX-NL/mexd/mexnl.mex085d.wpt"
    if case == "short-wpt":  # SYNTHETIC: readable, but only one waypoint
        paths[name] = write(folder / name, f"A {OSM}lat=25.0&lon=-100.0\n")
    elif case == "unreadable-wpt":  # SYNTHETIC: not ASCII text
        paths[name] = write(folder / name, b"\x00\xff not a waypoint file")
    with pytest.raises(DataSourceError, match="no route could be read") as info:
        build(paths)
    assert str(folder) in str(info.value)
    assert "\n" not in str(info.value)
