"""Differential test (issue 18): generated lane books (nulls, repeated rows, mixed types, extra
columns; as a DataFrame, CSV or Parquet; any chunk size) are scored, and every row marked "ok"
must equal `Router.plan` for that row alone; every other row must carry an error."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cargorisk
from cargorisk.batch import score_file
from cargorisk.config import Settings
from cargorisk.routing import Router

PLACES = ["Monterrey, NL", "Saltillo", "Laredo TX", "Dallas, TX", "Nvo Laredo", "Querétaro", "25.75,-100.30",
          "Monterey", "", None, float("nan")]  # fmt: skip
DEPARTS = [
    None,
    float("nan"),
    "",
    "2026-03-02T06:00-06:00",
    "2026-03-07T23:00",
    "9999-12-31T23:59+00:00",
    "soon",
]
VALUES = [None, float("nan"), 250_000, "50000", -5, "lots", 1e308, True]
OBJECTIVES = [None, "balanced", "FASTEST", " safest", "cheapest"]
TYPES = [None, "general", "Pharma", "auto parts", "gold"]


def mostly_good(values: list, good: int) -> st.SearchStrategy:
    """One of ``values``, the first ``good`` (the valid ones) four times as likely as the rest."""
    return st.one_of(st.sampled_from(values[:good]), st.sampled_from(values[:good]), st.sampled_from(values))


ROW = st.fixed_dictionaries(
    {
        "origin": mostly_good(PLACES, 7),
        "destination": mostly_good(PLACES, 7),
        "depart": mostly_good(DEPARTS, 5),
        "cargo_value": mostly_good(VALUES, 4),
        "objective": mostly_good(OBJECTIVES, 4),
        "cargo_type": mostly_good(TYPES, 4),
        "note": st.text(max_size=6),
    }
)
RUNS: Counter = Counter()


def blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def alone(router: Router, row: dict) -> object:
    """`Router.plan` for one row, or the exception it raises."""
    try:
        return router.plan(
            row["origin"], row["destination"],
            depart=None if blank(row["depart"]) else row["depart"],
            cargo_value=None if blank(row["cargo_value"]) else row["cargo_value"],
            objective="balanced" if blank(row["objective"]) else row["objective"],
            cargo_type=None if blank(row["cargo_type"]) else row["cargo_type"],
            alternatives=0,
        )  # fmt: skip
    except cargorisk.CargoRiskError as exc:
        return exc


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(ROW, min_size=1, max_size=10).map(lambda rs: rs + rs[: len(rs) // 2]),  # repeats
    form=st.sampled_from(["frame", "csv", "parquet"]),
    chunk=st.integers(1, 4),
    jobs=st.sampled_from([1, 2]),  # --jobs 2: a pool of workers, each with its own router
)
def test_every_ok_row_is_the_plan_for_that_row(
    router: Router,
    trained: Settings,
    tmp_path_factory: pytest.TempPathFactory,
    rows: list,
    form: str,
    chunk: int,
    jobs: int,
) -> None:
    jobs = 1 if form == "frame" else jobs
    lanes = pd.DataFrame(rows).assign(lane_id=[f"L{i}" for i in range(len(rows))])
    if form == "frame":
        out = cargorisk.score_lanes(lanes, router)
        expected = lanes.to_dict(orient="records")
    else:
        folder = tmp_path_factory.mktemp("diff")
        text = lanes.astype(object).where(lanes.notna(), None).map(lambda v: None if v is None else str(v))
        source = folder / f"lanes.{form}"
        # CRLF rows, so a CR inside a cell is quoted (as score-lanes writes CSV)
        text.to_csv(source, index=False, lineterminator="\r\n") if form == "csv" else text.to_parquet(source)
        score_file(source, folder / "out.parquet", settings=trained, chunk_size=chunk, jobs=jobs)
        out = pd.read_parquet(folder / "out.parquet")
        expected = [
            {k: (None if v is None or v == "" else v) for k, v in r.items()} for r in text.to_dict("records")
        ]
    assert len(out) == len(lanes) and list(out["lane_id"]) == list(lanes["lane_id"])
    for row, got in zip(expected, out.to_dict(orient="records"), strict=True):
        plan = alone(router, row)
        if isinstance(plan, Exception):
            assert got["status"] == "error" and type(plan).__name__ in got["error"], (row, got["error"])
            continue
        assert got["status"] == "ok", (row, got["error"])
        rec = plan.recommended
        assert (got["crossing"] if isinstance(got["crossing"], str) else None) == rec.crossing, row
        assert got["km"] == pytest.approx(rec.km) and got["theft_prob"] == pytest.approx(rec.theft_prob), row
        assert got["cargo_type"] == plan.cargo_type and got["objective"] == plan.objective
        RUNS[f"ok, jobs {jobs}"] += 1
    RUNS[f"books, jobs {jobs}"] += 1
    RUNS[f"rows, jobs {jobs}"] += len(lanes)


def test_differential_ran(request: pytest.FixtureRequest) -> None:
    """Reports how many generated books and rows the differential tests checked (run after them)."""
    for jobs in (1, 2):
        books, rows, ok = (RUNS[f"{what}, jobs {jobs}"] for what in ("books", "rows", "ok"))
        print(f"differential, jobs {jobs}: {books} books, {rows} rows, {ok} ok rows equal to Router.plan")
    assert all(RUNS[f"rows, jobs {j}"] >= RUNS[f"books, jobs {j}"] for j in (1, 2))
