"""What an underwriter checks in a scored book: a default value or a repeated lane_id said on its
row, blank rows not counted as failed lanes, a place labelled by its own row whatever the rows
before it (so --jobs never changes the output), a scored book scored again to the same columns,
and a worker's error reported as the one line --jobs 1 gives."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pandas as pd
import pytest

import cargorisk
from cargorisk.batch import LaneScorer, read_chunks, score_file
from cargorisk.config import Settings
from cargorisk.errors import DataSourceError
from cargorisk.routing import Router
from cargorisk.service.jobs import SLICE
from cargorisk.service.lanes import read_book, score_book

MTY, DAL = '"Monterrey, NL"', '"Dallas, TX"'
DEFAULT = "cargo value not given: priced at the default USD 100,000"


def test_a_default_value_is_noted_on_its_row(router: Router, tmp_path: Path) -> None:
    """A blank cargo_value cell was priced at USD 100,000 with nothing in the row to say so."""
    book = tmp_path / "lanes.csv"
    book.write_text(f"lane_id,origin,destination,cargo_value\nA,{MTY},{DAL},250000\nB,{MTY},{DAL},\n")
    out = LaneScorer(router).score_frame(pd.concat(read_chunks(book, 10)))
    assert list(out["cargo_value_usd"]) == [250_000, 100_000]
    assert list(out["notes"]) == ["", DEFAULT]
    # no value column at all: every lane is at the default, and says so
    lanes = pd.DataFrame([{"lane_id": "C", "origin": "Saltillo", "destination": "Laredo, TX"}])
    assert cargorisk.score_lanes(lanes, router).loc[0, "notes"] == DEFAULT


def test_repeated_lane_ids_are_noted_across_chunks_and_slices(
    router: Router, trained: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """L0010 four times in a book and two lanes with id 2 were not flagged (a join on lane_id
    would multiply them): each row is scored, the repeats say where the id came first."""
    rows = "".join(f"L{i},Saltillo,Laredo TX,1\n" for i in range(12)) + "L1,Saltillo,Laredo TX,1\nL10,x,y,\n"
    book = tmp_path / "lanes.csv"
    book.write_text("lane_id,origin,destination,cargo_value\n" + rows)
    want = ["repeated lane_id: also on line 3", "repeated lane_id: also on line 12"]
    chunks = list(read_chunks(book, 5))  # the first L1 and L10 in other chunks than their repeats
    scorer = LaneScorer(router)
    assert [n for c in chunks for n in scorer.score_frame(c)["notes"] if n] == want
    # the HTTP API reads with the same reader and scores a book in slices of a few lanes
    upload = read_book(book.read_bytes(), "lanes.csv")
    slices = [score_book(router, upload.iloc[i : i + SLICE]) for i in range(0, len(upload), SLICE)]
    assert [n for s in slices for n in s["notes"].fillna("") if n] == want
    # a DataFrame: its rows from 1; a Parquet book likewise, ids of any type
    frame = pd.DataFrame(
        {"lane_id": [2, 2, None, None], "origin": "Saltillo", "destination": "Laredo, TX", "cargo_value": 1}
    )
    assert list(cargorisk.score_lanes(frame, router)["notes"]) == [
        "",
        "repeated lane_id: also on row 1",
        "",
        "",
    ]
    frame.to_parquet(tmp_path / "lanes.parquet")
    with caplog.at_level(logging.WARNING):
        counts = score_file(tmp_path / "lanes.parquet", tmp_path / "out.csv", settings=trained)
    assert counts == {"rows": 4, "ok": 4, "failed": 0}
    assert "1 row with a lane_id already on an earlier row (each scored" in caplog.text


def test_blank_rows_are_not_failed_lanes(
    trained: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Six blank spreadsheet rows (';;;;;') were six failed lanes ('336 lanes: 170 ok, 166
    failed'). A CSV's blank lines are skipped and counted; a Parquet row with every cell empty
    keeps its place in the output as an error saying it is blank."""
    book = tmp_path / "lanes.csv"
    book.write_text("lane_id;origin;destination;customer\n;;;\nA;Saltillo;Laredo, TX;x\n\n ; ;;\n;;;\n")
    with caplog.at_level(logging.WARNING):
        counts = score_file(book, tmp_path / "out.csv", settings=trained)
    assert counts == {"rows": 1, "ok": 1, "failed": 0}
    assert list(pd.read_csv(tmp_path / "out.csv")["lane_id"]) == ["A"]
    assert "lanes.csv: 4 blank lines (every field empty) skipped" in caplog.text
    # a row with a cell of the user's is not blank: it is a lane without its places
    book.write_text("lane_id,origin,destination,customer\n,,,ACME\n")
    assert score_file(book, tmp_path / "out.csv", settings=trained) == {"rows": 1, "ok": 0, "failed": 1}
    parquet = tmp_path / "lanes.parquet"
    pd.DataFrame(
        {"lane_id": ["A", None], "origin": ["Saltillo", None], "destination": ["Laredo, TX", " "]}
    ).to_parquet(parquet)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert score_file(parquet, tmp_path / "out.csv", settings=trained) == {
            "rows": 2,
            "ok": 1,
            "failed": 1,
        }
    out = pd.read_csv(tmp_path / "out.csv")
    assert out.loc[1, "error"] == "InputError: blank row (every cell empty): not a lane; delete it"
    assert "1 blank row (every cell empty) among the failed" in caplog.text


def test_a_place_is_labelled_by_its_own_row(router: Router, trained: Settings, tmp_path: Path) -> None:
    """'Monterrey, NL' after a '25.6866,-100.3161' lane (the same node) was labelled 'Monterrey
    (25.6866,-100.3161)', and the other way round in another order, so --jobs 1 and --jobs 2 wrote
    different books."""
    point = "25.6866,-100.3161"
    rows = [("A1", point, "Dallas, TX"), ("A2", "Monterrey, NL", "Dallas, TX"),
            ("A3", "Monterrey, NL", "Laredo, TX"), ("A4", point, "Laredo, TX")]  # fmt: skip
    lanes = pd.DataFrame(rows, columns=["lane_id", "origin", "destination"])
    for order in (lanes, lanes.iloc[::-1]):
        out = LaneScorer(router).score_frame(order.reset_index(drop=True)).set_index("lane_id")
        assert out.loc["A2", "origin_name"] == out.loc["A3", "origin_name"] == "Monterrey, Nuevo León"
        assert out.loc["A1", "origin_name"] == out.loc["A4", "origin_name"] == f"Monterrey ({point})"
    book = tmp_path / "lanes.csv"
    lanes.to_csv(book, index=False)
    score_file(book, tmp_path / "one.csv", settings=trained)
    score_file(book, tmp_path / "two.csv", settings=trained, jobs=2)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_a_scored_book_scores_again_to_the_same_book(trained: Settings, tmp_path: Path) -> None:
    """Scoring an output again carried every previous score as input_<name>, and twice over the
    input's renamed columns ('input_objective' and 'input_objective.1')."""
    book = tmp_path / "lanes.csv"
    book.write_text(
        "lane_id,origin,destination,objective,Commodity,status,customer\n"
        f"A,{MTY},{DAL},FASTEST,Electronics,open,ACME\nB,Saltillo,Laredo TX,,,held,Globex\n"
    )
    settings = Settings.from_env(data_dir=trained.data_dir, models_dir=trained.models_dir)
    outputs = [book, tmp_path / "once.csv", tmp_path / "twice.csv"]
    for source, output in itertools.pairwise(outputs):
        assert score_file(source, output, settings=settings)["ok"] == 2
    header = (tmp_path / "once.csv").read_text().splitlines()[0].split(",")
    assert header[:8] == ["lane_id", "origin", "destination", "input_objective", "Commodity", "input_status",
                          "customer", "status"]  # fmt: skip
    assert len(header) == len(set(header))
    assert (tmp_path / "twice.csv").read_bytes() == (tmp_path / "once.csv").read_bytes()


def test_a_workers_error_is_the_one_line_of_jobs_1(
    trained: Settings, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """With --jobs 2 and no data, each worker printed its traceback (75 lines) and the book
    failed with 'a worker process stopped (killed, or out of memory)'; --jobs 1 said what to do."""
    book = tmp_path / "lanes.csv"
    book.write_text("lane_id,origin,destination\nA,Saltillo,Laredo TX\n")
    nowhere = Settings(data_dir=tmp_path / "no data", models_dir=trained.models_dir)
    errors = []
    for jobs in (1, 2):
        with pytest.raises(DataSourceError, match=r"is not built; run `cargorisk data fetch`") as info:
            score_file(book, tmp_path / "out.csv", settings=nowhere, jobs=jobs)
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "\n" not in errors[1]
    assert "Traceback" not in capfd.readouterr().err
    assert not (tmp_path / "out.csv").exists()
