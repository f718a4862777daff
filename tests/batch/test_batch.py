"""Batch lane scoring on the national graph: good rows scored, bad rows reported, files, jobs, and
the same answers as `route` for the same requests."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import cargorisk
from cargorisk.batch import score_file, split_by_origin
from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.routing import Router

BOOK = (
    "lane_id,origin,destination,depart,cargo_value,objective\n"
    'ok-1,"Monterrey, NL","Dallas, TX",2026-03-02T06:00-06:00,250000,balanced\n'
    'typo,Monterey,"Dallas, TX",,,\n'
    'bad-date,"Saltillo","Laredo, TX",next monday,,\n'
    'negative,"Saltillo","Laredo, TX",,-10,\n'
    ",,,,,\n"
    'no-origin,,"Dallas, TX",,,\n'
    'ok-2,"Ciudad de México","Veracruz, Ver.",2026-03-02T06:00-06:00,,fastest\n'
    'bad-objective,"Saltillo","Laredo, TX",,,cheapest\n'
).encode() + b'latin1,Quer\xe9taro,"Dallas, TX",,,\n'


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lanes") / "lanes.csv"
    path.write_bytes(BOOK)
    return path


def test_score_lanes_api_scores_good_rows_and_reports_bad_ones(router: Router, book: Path) -> None:
    lanes = pd.read_csv(book, dtype=str, keep_default_na=False, encoding="utf-8", encoding_errors="replace")
    out = cargorisk.score_lanes(lanes, router)
    assert list(out["lane_id"]) == list(lanes["lane_id"])  # input order
    status = dict(zip(out["lane_id"], out["status"], strict=True))
    assert status["ok-1"] == status["ok-2"] == "ok"
    errors = dict(zip(out["lane_id"], out["error"], strict=True))
    assert "did you mean 'Monterrey, Nuevo León'" in errors["typo"]
    assert "cannot read time 'next monday'" in errors["bad-date"]
    assert "cargo value '-10' must be an amount of USD from 0 to" in errors["negative"]
    assert "place is empty" in errors["no-origin"]
    # a DataFrame keeps a row for each of its rows: a blank one says what it is (a CSV book's
    # reader skips its blank lines, see test_files_jobs_and_cli)
    assert errors[""] == "InputError: blank row (every cell empty): not a lane; delete it"
    assert "objective 'cheapest'" in errors["bad-objective"]
    assert errors["latin1"].startswith("PlaceNotFound")  # undecodable byte: that row only
    first = out.set_index("lane_id").loc["ok-1"]
    plan = router.plan("Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00-06:00", cargo_value=250_000)
    assert first["cost_usd"] == pytest.approx(plan.recommended.cost_usd)
    assert first["port_code"] == "2304" and first["crossing"] == plan.recommended.crossing
    assert first["geometry"].length > 5
    assert "MEX-85" in first["top_risk_driver"]  # the cuota (85D) or the libre to Nuevo Laredo
    fastest_row = out.set_index("lane_id").loc["ok-2"]
    assert fastest_row["delta_h"] == 0 and fastest_row["objective"] == "fastest"


def test_missing_column_is_one_line_before_any_work(tmp_path: Path, trained: Settings) -> None:
    path = tmp_path / "lanes.csv"
    path.write_text("lane_id,origin\nx,Monterrey\n")
    with pytest.raises(InputError, match=r"lacks columns \['destination'\]") as info:
        score_file(path, tmp_path / "out.csv", settings=trained)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out.csv").exists()


def test_a_header_without_rows_scores_to_a_header(tmp_path: Path, trained: Settings) -> None:
    """A book with its header and no lanes (CSV or Parquet) is 0 lanes scored, written as the
    output's header (it was a 0-byte file), not an error."""
    for path in (tmp_path / "lanes.csv", tmp_path / "lanes.parquet"):
        empty = pd.DataFrame({c: pd.Series([], dtype=str) for c in ("lane_id", "origin", "destination")})
        empty.to_csv(path, index=False) if path.suffix == ".csv" else empty.to_parquet(path)
        counts = score_file(path, tmp_path / "out.csv", settings=trained)
        assert counts == {"rows": 0, "ok": 0, "failed": 0}
        written = pd.read_csv(tmp_path / "out.csv")
        assert written.empty and {"lane_id", "status", "theft_prob", "cost_usd"} <= set(written.columns)


def test_unterminated_quote_is_one_line(tmp_path: Path, trained: Settings) -> None:
    path = tmp_path / "lanes.csv"
    path.write_bytes(b'lane_id,origin,destination\n"')  # found by the lane-file fuzz test
    with pytest.raises(InputError, match=r"is not a readable CSV at line 2 \(unexpected end of data") as info:
        score_file(path, tmp_path / "out.csv", settings=trained)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out.csv").exists()


def test_files_jobs_and_cli(
    book: Path,
    trained: Settings,
    router: Router,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    settings = Settings.from_env(data_dir=trained.data_dir)
    one = score_file(book, tmp_path / "one.parquet", settings=settings, chunk_size=3)
    two = score_file(book, tmp_path / "two.parquet", settings=settings, jobs=2, chunk_size=3)
    # 9 rows, the blank one skipped (an audit: blank spreadsheet rows were counted as failed lanes)
    assert one == two == {"rows": 8, "ok": 2, "failed": 6}
    assert "lanes.csv: 1 blank line (every field empty) skipped: not lanes, not in the output" in caplog.text
    a, b = gpd.read_parquet(tmp_path / "one.parquet"), gpd.read_parquet(tmp_path / "two.parquet")
    assert a.crs == "EPSG:4326" and a.geometry.notna().sum() == 2
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    code = main(
        ["--data-dir", str(trained.data_dir), "score-lanes", str(book), "-o", str(tmp_path / "out.csv")]
    )
    assert code == 3  # some rows failed
    assert "scored 8 lanes: 2 ok, 6 failed" in capsys.readouterr().out
    csv = pd.read_csv(tmp_path / "out.csv")
    assert len(csv) == 8 and set(csv["status"]) == {"ok", "error"} and csv["lane_id"].notna().all()


def peak_rss_of_cli(args: list[str], env: dict) -> int:
    """Run the console script in a fresh process and return its peak resident memory (bytes)."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    exe = Path(sys.executable).with_name("cargorisk")
    code = (
        f"import resource, subprocess, sys; r = subprocess.run({[str(exe), *args]!r}); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return int(done.stdout.strip().splitlines()[-1]) * 1024


def test_streaming_keeps_memory_bounded(trained: Settings, router: Router, tmp_path: Path) -> None:
    """A generated 500,000-row book (20 repeated lanes) in chunks of 25,000: the scoring process
    peaks at about the same memory as for 50,000 rows, so memory is bounded by the chunk."""
    import os  # noqa: PLC0415

    cities = ["Monterrey, NL", "Saltillo", "Querétaro", "León", "Ciudad de México"]
    dests = ["Dallas, TX", "Laredo, TX", "Houston, TX", "San Antonio, TX"]
    env = {**os.environ, "CARGORISK_MODELS_DIR": str(trained.models_dir)}
    peaks = {}
    for n in (50_000, 500_000):
        idx = np.arange(n)
        source = tmp_path / f"book_{n}.csv"
        pd.DataFrame(
            {"lane_id": idx, "origin": np.array(cities)[idx % 5], "destination": np.array(dests)[idx % 4]}
        ).to_csv(source, index=False)
        out = tmp_path / f"scored_{n}.csv"
        peaks[n] = peak_rss_of_cli(
            [
                "-q",
                "--data-dir",
                str(trained.data_dir),
                "score-lanes",
                str(source),
                "-o",
                str(out),
                "--chunk-size",
                "25000",
            ],
            env,
        )
        assert sum(1 for _ in out.open()) == n + 1
    assert peaks[500_000] < 1.3 * peaks[50_000], peaks  # 10x the rows, not 10x the memory


def test_dask_engine_matches_local(
    book: Path, trained: Settings, router: Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same book on a Dask LocalCluster (2 worker processes) gives identical rows."""
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    settings = Settings.from_env(data_dir=trained.data_dir)
    local = score_file(book, tmp_path / "local.parquet", settings=settings, chunk_size=4)
    dask = score_file(book, tmp_path / "dask.parquet", settings=settings, chunk_size=4, engine="dask", jobs=2)
    assert local == dask
    a, b = gpd.read_parquet(tmp_path / "local.parquet"), gpd.read_parquet(tmp_path / "dask.parquet")
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert a.geometry.geom_equals(b.geometry).all() or a.geometry.isna().equals(b.geometry.isna())


def test_score_lanes_and_route_give_the_same_answer(router: Router) -> None:
    """Several hundred random requests (night and weekend departures and none, both directions,
    all objectives, cargo types with empty cells among them) through Router.plan and through
    score_lanes (which prices only the paths whose floors can win): the same route and
    figures, each on its own row."""
    names = sorted(
        {f"{d['name']}, {d['state']}" for _, d in router.graph.nodes(data=True) if d.get("kind") == "city"}
    )
    rng = np.random.default_rng(11)
    n = 240
    hours = rng.integers(0, 24 * 7, n)  # any hour of a week: nights and weekends included
    lanes = pd.DataFrame(
        {
            "lane_id": [f"R{i}" for i in range(n)],
            "origin": rng.choice(names, n),
            "destination": rng.choice(names, n),
            "depart": [  # every ninth without a departure (a typical hour)
                None
                if i % 9 == 0
                else (pd.Timestamp("2026-03-02T00:00-06:00") + pd.Timedelta(hours=int(h))).isoformat()
                for i, h in enumerate(hours)
            ],
            "cargo_value": rng.choice([50_000, 500_000, 5_000_000], n),
            "objective": rng.choice(["balanced", "fastest", "safest"], n),
            "cargo_type": rng.choice(np.array(["general", "pharma", "Auto parts", None, np.nan], object), n),
        }
    )
    scored = cargorisk.score_lanes(lanes, router).set_index("lane_id")
    compared = 0
    for lane in lanes.itertuples(index=False):
        row = scored.loc[lane.lane_id]
        try:
            plan = router.plan(
                lane.origin, lane.destination, depart=None if pd.isna(lane.depart) else lane.depart,
                cargo_value=lane.cargo_value,
                objective=lane.objective, cargo_type=lane.cargo_type, alternatives=0,
            )  # fmt: skip
        except cargorisk.CargoRiskError as exc:
            assert row["status"] == "error" and type(exc).__name__ in row["error"]
            continue
        rec = plan.recommended
        assert row["status"] == "ok", row["error"]
        assert (row["crossing"] if pd.notna(row["crossing"]) else None) == rec.crossing, lane
        assert row["km"] == pytest.approx(rec.km) and row["total_h"] == pytest.approx(rec.total_h)
        assert row["cost_usd"] == pytest.approx(rec.cost_usd) and row["theft_prob"] == pytest.approx(
            rec.theft_prob
        )
        assert row["fastest_total_h"] == pytest.approx(plan.fastest.total_h)
        assert row["cargo_type"] == plan.cargo_type
        compared += 1
    assert compared >= 200


def test_enumerations_ignore_case_and_spaces(router: Router) -> None:
    lanes = pd.DataFrame(
        {
            "lane_id": ["a", "b", "c"],
            "origin": ["Monterrey, NL"] * 3,
            "destination": ["Dallas, TX"] * 3,
            "objective": ["FASTEST", " safest", "Balanced "],
            "cargo_type": [" PHARMA", "Food-Beverage", "general"],
        }
    )
    out = cargorisk.score_lanes(lanes, router)
    assert list(out["status"]) == ["ok"] * 3, list(out["error"])
    assert list(out["objective"]) == ["fastest", "safest", "balanced"]
    assert list(out["cargo_type"]) == ["pharma", "food_beverage", "general"]


def test_a_tms_export_scores_as_the_plain_book(router: Router) -> None:
    """Places with a country and a postal code, amounts with separators and a dollar sign, types
    by their label and a space before the time score as the plain row does."""
    plain = {"origin": "Monterrey, NL", "destination": "Dallas, TX", "depart": "2026-03-02T06:00",
             "cargo_value": "250000", "cargo_type": "food_beverage"}  # fmt: skip
    export = {"origin": "Monterrey, N.L. C.P. 64000, México", "destination": "Dallas, TX 75201, USA",
              "depart": "2026-03-02 06:00", "cargo_value": "$250,000.00",
              "cargo_type": "Food & Beverage"}  # fmt: skip
    lanes = pd.DataFrame([{"lane_id": "plain", **plain}, {"lane_id": "export", **export}])
    out = cargorisk.score_lanes(lanes, router).set_index("lane_id")
    assert list(out["status"]) == ["ok", "ok"], list(out["error"])
    scores = ["origin_name", "destination_name", "cargo_value_usd", "cargo_type", "cost_usd", "eta_local"]
    assert out.loc["export", scores].tolist() == out.loc["plain", scores].tolist()


def test_output_carries_the_input_and_reads_at_a_glance(trained: Settings, tmp_path: Path) -> None:
    """Every input column comes through (renamed where an output column has its name), so the
    output joins back and can be scored again; CSV figures are rounded, Parquet keeps full
    precision; a lat,lon origin is named by the place it snapped to."""
    book = tmp_path / "lanes.csv"
    book.write_text(
        "lane_id,origin,destination,objective,customer,status\n"
        'A,"Monterrey, NL","Dallas, TX",FASTEST,ACME,open\n'
        'B,"25.75,-100.30",Laredo TX,,Globex,held\n'
    )
    settings = Settings.from_env(data_dir=trained.data_dir, models_dir=trained.models_dir)
    assert score_file(book, tmp_path / "out.csv", settings=settings)["ok"] == 2
    assert score_file(book, tmp_path / "out.parquet", settings=settings)["ok"] == 2
    csv = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert list(csv.columns[:7]) == ["lane_id", "origin", "destination", "input_objective", "customer",
                                     "input_status", "status"]  # fmt: skip
    assert list(csv["customer"]) == ["ACME", "Globex"] and list(csv["input_objective"].fillna("")) == [
        "FASTEST",
        "",
    ]
    assert (
        csv.loc[1, "origin_name"].endswith("(25.7500,-100.3000)")
        and not csv.loc[1, "origin_name"][0].isdigit()
    )
    for col in ("km", "total_h", "cost_usd", "wait_min"):
        assert all(len(v.partition(".")[2]) <= 2 for v in csv[col]), (col, list(csv[col]))
    assert all(len(v.replace(".", "").lstrip("0").split("e")[0]) <= 4 for v in csv["theft_prob"])
    parquet = gpd.read_parquet(tmp_path / "out.parquet")
    assert parquet["customer"].tolist() == ["ACME", "Globex"]
    assert parquet["km"].iloc[0] != round(parquet["km"].iloc[0], 2)  # full precision
    again = score_file(tmp_path / "out.csv", tmp_path / "again.csv", settings=settings)
    assert again["ok"] == 2  # the output is a lane book again


def test_partitions_keep_origins_together_and_even() -> None:
    """A chunk's partitions for the workers: every row once, each origin in one partition,
    and lane counts within the largest origin's of each other (a hash split left 4,672 and
    5,275 lanes of a 9,947-lane book to two workers)."""
    rng = np.random.default_rng(3)
    places = [f"place {i}" for i in range(60)]
    chunk = pd.DataFrame(
        {"origin": rng.choice(places, 5_000, p=rng.dirichlet(np.ones(60))), "n": np.arange(5_000)}
    )
    parts = split_by_origin(chunk, 8)
    assert len(parts) == 8
    assert sorted(pd.concat(parts)["n"]) == list(range(5_000))
    owner = {o: k for k, part in enumerate(parts) for o in part["origin"]}
    assert all((part["origin"].map(owner) == k).all() for k, part in enumerate(parts))
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= chunk["origin"].value_counts().max()
    few = split_by_origin(chunk.head(3), 8)  # fewer origins than partitions: no empty ones
    assert sum(len(p) for p in few) == 3 and all(len(p) for p in few) and len(few) <= 3
    for missing in (None, np.nan, pd.NA):  # a row without an origin is kept (it gets its error)
        for dtype in (object, "string"):
            holes = pd.DataFrame({"origin": pd.Series(["a", missing, "b", missing], dtype=dtype)})
            kept = split_by_origin(holes, 2)
            assert sorted(i for p in kept for i in p.index) == [0, 1, 2, 3], (missing, dtype)
