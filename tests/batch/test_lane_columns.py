"""A lane book's header and cells as people and tools write them: column names in any case or
spacing, names close to a lane column refused, Excel's separators, Parquet departures read as
CSV ones, and CSV figures printed the same whatever the other rows."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cargorisk
from cargorisk.batch import (
    LaneScorer,
    check_header,
    read_chunks,
    rounded,
    score_file,
    split_by_origin,
    to_safe_csv,
)
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.routing import Router

LANE = {"origin": "Monterrey, NL", "destination": "Dallas, TX"}


def scored_book(router: Router, path: Path) -> pd.DataFrame:
    """A book file read by the lane-book reader and scored (no new router per file)."""
    return LaneScorer(router).score_frame(pd.concat(list(read_chunks(path, 100)), ignore_index=True))


def test_column_names_are_matched_without_case_spaces_or_hyphens(router: Router) -> None:
    """An audit's book: 'Cargo_Value' and 'cargo type' were ignored, so a USD 5,000,000 pharma
    load was priced as USD 100,000 of general freight."""
    cells = {**LANE, "depart": "2026-03-02T06:00", "cargo_value": "5000000", "cargo_type": "pharma"}
    plain = pd.DataFrame([{"lane_id": "A", **cells}])
    # the audit's header (a TMS's 'departure' is the depart column)
    header = ["Lane-ID", " origin", "Destination ", "departure", "Cargo_Value", "cargo type", "customer_ref"]
    typed = pd.DataFrame([["A", *cells.values(), "PO-1"]], columns=header)
    want, got = cargorisk.score_lanes(plain, router), cargorisk.score_lanes(typed, router)
    assert got.loc[0, "status"] == "ok", got.loc[0, "error"]
    assert got.loc[0, "cargo_value_usd"] == 5_000_000 and got.loc[0, "cargo_type"] == "pharma"
    assert got.loc[0, "eta_local"] == want.loc[0, "eta_local"] and pd.notna(got.loc[0, "eta_local"])
    assert got.loc[0, "cost_usd"] == want.loc[0, "cost_usd"]
    # the input's columns come through under the names the user gave them (prefixed where an
    # output column has the name: the output's cargo_type is the one scored)
    assert list(got.columns[:7]) == ["lane_id", *header[1:5], "input_cargo type", "customer_ref"]
    parts = split_by_origin(typed, 2)  # --jobs and Dask find the origin column too
    assert sum(len(p) for p in parts) == 1


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("cargo_vaule", r"column 'cargo_vaule' is not a lane column; did you mean 'cargo_value'\?"),
        ("departur,Cargo_Value", r"column 'departur' is not a lane column; did you mean 'depart'\?"),
        (
            "cargo_vaule,Departre",
            r"columns 'cargo_vaule' \(did you mean 'cargo_value'\?\), 'Departre' \(did",
        ),
        ("Cargo Value,cargo_value", r"\['Cargo Value', 'cargo_value'\] more than once"),
    ],
)
def test_a_column_like_a_lane_column_fails_the_book(
    trained: Settings, tmp_path: Path, header: str, message: str
) -> None:
    """Scored at the defaults, a misspelt column would mis-price every lane: the book fails."""
    book = f"lane_id,origin,destination,{header}\nA,Saltillo,Laredo TX,5000000,x\n"
    refused(book, message, trained, tmp_path)


def refused(text: str, message: str, trained: Settings, tmp_path: Path) -> None:
    """The book ``text`` fails with one line matching ``message``, writing nothing."""
    book = tmp_path / "lanes.csv"
    book.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        score_file(book, tmp_path / "out.csv", settings=trained)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out.csv").exists()


def test_own_columns_pass_and_a_scored_book_scores_again(router: Router) -> None:
    """Columns of the user's own that look like a lane column already in the book pass through;
    a scored book's ``cargo_value_usd`` is its cargo value when it has no ``cargo_value``."""
    lanes = pd.DataFrame([{"lane_id": "A", **LANE, "origin_state": "NL", "load_id": "L7",
                           "cargo_value_usd": 5_000_000.0}])  # fmt: skip
    out = cargorisk.score_lanes(lanes, router)
    assert out.loc[0, "status"] == "ok" and out.loc[0, "cargo_value_usd"] == 5_000_000
    assert {"origin_state", "load_id", "input_cargo_value_usd"} <= set(out.columns)
    # a TMS export's own columns, not typos of the lane columns it lacks (a review found these
    # failed whole books at difflib's default closeness); its departure_date is the departure
    # (an alias, read when the book has no depart column), and passes as its own beside one
    own = ["cargo_weight", "carrier_type", "trailer_type", "load_type", "cargo_class", "cargo_desc",
           "crossing", "crossing_port", "dept", "depot"]  # fmt: skip
    lane = ["lane_id", "origin", "destination"]
    assert check_header([*lane, *own, "departure_date"]) == [*lane, *own, "depart"]
    assert check_header([*lane, "depart", *own, "departure_date"]) == [
        *lane,
        "depart",
        *own,
        "departure_date",
    ]


def test_excel_separators_are_read_and_header_errors_show_the_header(router: Router, tmp_path: Path) -> None:
    """A ';' book (Excel in a Spanish locale) and Excel's 'sep=' first line were read as one
    column and said only 'lacks columns [lane_id, origin, destination]'."""
    books = {
        "spaces": "lane_id, origin, destination\nA,Monterrey NL,Dallas TX\n",
        "semicolons": "lane_id;origin;destination;cargo_value\nA;Monterrey, NL;Dallas, TX;250000\n",
        "sep comma": "sep=,\nlane_id,origin,destination\nA,Monterrey NL,Dallas TX\nB,x\n",
        "sep semicolon": "\ufeffsep=;\nlane_id;origin;destination\nA;Monterrey, NL;Dallas, TX\n",
    }
    for name, text in books.items():
        path = tmp_path / "lanes.csv"
        path.write_text(text, encoding="utf-8")
        out = scored_book(router, path)
        assert out.loc[0, "status"] == "ok", (name, out.loc[0, "error"])
        assert out.loc[0, "destination_name"] == "Dallas, Texas", name
    path = tmp_path / "lanes.csv"
    path.write_text(books["sep comma"])
    ragged = scored_book(router, path).loc[1, "error"]
    assert ragged.startswith("InputError: line 4 has 2 fields"), ragged  # the file's line, 'sep=' counted
    path.write_text("lane\tfrom\tto\nA\tSaltillo\tLaredo TX\n")
    with pytest.raises(InputError, match=r"its header reads 'lane\\tfrom\\tto' \(read as one column") as info:
        list(read_chunks(path, 10))
    assert "\n" not in str(info.value)
    frame = pd.DataFrame({"lane_id;origin;destination": ["A;Saltillo;Laredo TX"]})
    with pytest.raises(
        InputError, match=r"its header reads 'lane_id;origin;destination' \(read as one column"
    ):
        cargorisk.score_lanes(frame, router)
    with pytest.raises(
        InputError, match=r"its header reads 'sep=' \(Excel's 'sep=' line: the header is the line"
    ):
        cargorisk.score_lanes(pd.DataFrame({"sep=": ["lane_id,origin,destination"]}), router)


def test_parquet_departures_read_as_csv_ones(router: Router, tmp_path: Path) -> None:
    """A naive Parquet timestamp in the skipped hour was scored (the CSV text is refused), and a
    Parquet date was 'not a time' (the CSV text is midnight)."""
    lanes = {"lane_id": ["skipped", "date"], "origin": ["Laredo, TX"] * 2, "destination": ["Dallas, TX"] * 2}
    csv = tmp_path / "lanes.csv"
    pd.DataFrame({**lanes, "depart": ["2026-03-08 02:30", "2026-03-02"]}).to_csv(csv, index=False)
    want = scored_book(router, csv)
    assert "does not exist in the time zone America/Chicago" in want.loc[0, "error"]
    assert want.loc[1, "status"] == "ok" and want.loc[1, "eta_local"] > "2026-03-02T00"
    stamps = [dt.datetime(2026, 3, 8, 2, 30), dt.datetime(2026, 3, 2)]
    for depart in (pa.array(stamps, pa.timestamp("us")), pa.array([s.date() for s in stamps], pa.date32())):
        path = tmp_path / "lanes.parquet"
        pq.write_table(pa.table({**lanes, "depart": depart}), path)
        got = scored_book(router, path)
        assert got.loc[1, "eta_local"] == want.loc[1, "eta_local"], got.loc[1, "error"]
        if depart.type != pa.date32():
            assert got.loc[0, "error"] == want.loc[0, "error"]


def test_csv_numbers_print_the_same_whatever_the_other_rows(router: Router) -> None:
    """one_in_trips printed 9994 in a book of good rows and 9994.0 beside a bad one (a TMS's
    integer parser broke on the second); fees_usd 0 and 0.0."""
    good = pd.DataFrame(
        [{"lane_id": "A", **LANE}, {"lane_id": "B", "origin": "Saltillo", "destination": "Laredo, TX"}]
    )
    bad = pd.concat(
        [good, pd.DataFrame([{"lane_id": "C", "origin": "Monterey", "destination": "Dallas, TX"}])]
    )
    lines = [to_safe_csv(rounded(cargorisk.score_lanes(book, router).drop(columns="geometry"))).splitlines()
             for book in (good, bad)]  # fmt: skip
    assert lines[1][:3] == lines[0]
    written = pd.read_csv(io.StringIO("\n".join(lines[1])), dtype=str).set_index("lane_id")
    assert written.loc["A", "one_in_trips"].isdigit() and written.loc["A", "fees_usd"] == "0.00"
    for col in ("km", "total_h", "cost_usd", "expected_loss_usd", "delta_h"):
        assert all(len(v.partition(".")[2]) == 2 for v in written[col].dropna()), (col, list(written[col]))
    assert written.loc["A", "wait_min"].partition(".")[2].isdigit()


def test_minus_zero_cargo_value_is_zero(router: Router) -> None:
    """'-0' was accepted and printed -0.0, and a '0' lane after it reused that score."""
    lanes = pd.DataFrame([{"lane_id": i, **LANE, "cargo_value": v} for i, v in enumerate(["-0", "0", -0.0])])
    out = cargorisk.score_lanes(lanes, router)
    assert list(out["status"]) == ["ok"] * 3
    for col in ("cargo_value_usd", "expected_loss_usd", "expected_loss_low_usd", "expected_loss_high_usd"):
        assert not np.signbit(out[col].astype(float)).any(), (col, list(out[col]))
    written = pd.read_csv(io.StringIO(to_safe_csv(rounded(out.drop(columns="geometry")))), dtype=str)
    assert set(written["cargo_value_usd"]) == set(written["expected_loss_low_usd"]) == {"0.00"}


NATURAL = "Lane ID,Origin,Destination,Departure Date,Cargo Value (USD),Commodity\n"


def test_natural_headers_price_the_lane_as_the_plain_book(router: Router, tmp_path: Path) -> None:
    """An underwriter's audit: 'Cargo Value (USD)', 'Departure Date' and 'Commodity' were
    ignored, so a USD 5,000,000 pharma lane was priced as USD 100,000 of general freight with
    no departure (expected loss 69 times too low) and the book exited 0."""
    natural = tmp_path / "natural.csv"
    natural.write_text(
        NATURAL + 'H2,CDMX,"Nuevo Laredo, Tamps.",2026-03-02T06:00,"5,000,000",Pharmaceuticals\n'
    )
    plain = tmp_path / "plain.csv"
    plain.write_text(
        "lane_id,origin,destination,depart,cargo_value,cargo_type\n"
        'H2,CDMX,"Nuevo Laredo, Tamps.",2026-03-02T06:00,5000000,pharma\n'
    )
    got, want = scored_book(router, natural), scored_book(router, plain)
    assert got.loc[0, "status"] == "ok", got.loc[0, "error"]
    assert got.loc[0, "cargo_value_usd"] == 5_000_000 and got.loc[0, "cargo_type"] == "pharma"
    scores = ["eta_local", "expected_loss_usd", "cost_usd", "crossing", "notes"]
    assert got.loc[0, scores].tolist() == want.loc[0, scores].tolist()
    assert pd.notna(got.loc[0, "eta_local"]) and got.loc[0, "expected_loss_usd"] > 5_000
    # the user's columns come through under their own names
    assert list(got.columns[:6]) == ["lane_id", *NATURAL.strip().split(",")[1:]]
    # a date-only departure is midnight at the origin, as a depart column's
    natural.write_text(NATURAL + "D,Saltillo,Laredo TX,2026-03-02,250000,\n")
    plain.write_text("lane_id,origin,destination,depart\nD,Saltillo,Laredo TX,2026-03-02T00:00\n")
    assert scored_book(router, natural).loc[0, "eta_local"] == scored_book(router, plain).loc[0, "eta_local"]


@pytest.mark.parametrize(
    ("column", "lane"),
    [
        ("Value USD", "cargo_value"),
        ("value", "cargo_value"),
        ("declared_value", "cargo_value"),
        ("Valor de la carga", "cargo_value"),
        ("Cargo Value (US$)", "cargo_value"),
        ("cargo_value_usd", "cargo_value"),  # a scored book's
        ("Departure Date", "depart"),
        ("Depart Time", "depart"),
        ("departure", "depart"),
        ("Fecha de salida", "depart"),
        ("Departure (local time)", "depart"),
        ("Commodity", "cargo_type"),
        ("Mercancía", "cargo_type"),
        ("Tipo de carga", "cargo_type"),
        ("Objetivo", "objective"),
        ("Modo de cruce", "crossing_mode"),
    ],
)
def test_lane_columns_by_their_aliases(column: str, lane: str) -> None:
    assert check_header(["lane_id", "origin", "destination", column]) == [
        "lane_id",
        "origin",
        "destination",
        lane,
    ]


def test_spanish_and_short_names_of_the_required_columns() -> None:
    assert check_header(["Lane", "Origen", "Destino"]) == ["lane_id", "origin", "destination"]
    assert check_header(["ID", "From", "To"]) == ["lane_id", "origin", "destination"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        # another currency: one line saying the value must be in US dollars
        ("cargo_value_mxn", r"'cargo_value_mxn' gives the cargo value in MXN; cargo_value must be in US"),
        ("Valor (MXN)", r"'Valor \(MXN\)' gives the cargo value in MXN; cargo_value must be in US dollars"),
        ("valor en pesos", r"column 'valor en pesos' gives the cargo value in MXN"),
        ("Valor (M.N.)", r"column 'Valor \(M.N.\)' gives the cargo value in MXN"),
        ("Value (EUR)", r"column 'Value \(EUR\)' gives the cargo value in EUR"),
        ("Value (USD 000s)", r"column 'Value \(USD 000s\)' gives the cargo value in thousands or millions"),
        # a column read as none, but named like a lane column the book lacks
        ("Total Value", r"column 'Total Value' is not read as a lane column but looks like cargo_value, "
                        r"which the book lacks: if it holds each load's value in US dollars, name it"),
        ("Fecha salida estimada", r"'Fecha salida estimada' .* looks like depart, .* name it 'depart'"),
        ("Commodity Code", r"column 'Commodity Code' .* looks like cargo_type"),
        ("Total Value,ETD local", r"columns 'Total Value' \(like cargo_value\), 'ETD local' \(like dep"),
        ("Comodity", r"column 'Comodity' is not a lane column; did you mean 'cargo_type'\?"),
        # two columns for one lane column: both named
        ("Value USD,declared_value", r"\['Value USD', 'declared_value'\] would each be read as cargo_value"),
        ("Departure Date,Depart Time", r"\['Depart Time', 'Departure Date'\] would each be read as depart"),
    ],
)  # fmt: skip
def test_value_in_another_currency_or_an_unread_lane_column_fails_the_book(
    trained: Settings, tmp_path: Path, header: str, message: str
) -> None:
    """Each of these headers was silently ignored: every lane priced at USD 100,000, as general
    freight or without a departure."""
    cells = ",".join(["5000000"] * len(header.split(",")))
    book = f"lane_id,origin,destination,{header}\nA,Saltillo,Laredo TX,{cells}\n"
    refused(book, message, trained, tmp_path)


def test_columns_like_a_lane_column_in_the_book_pass_through(router: Router) -> None:
    """A TMS's own value, date or currency columns pass untouched beside the lane column."""
    cells = {**LANE, "cargo_value": "250000", "depart": "2026-03-02T06:00"}
    own = {"Total Value": "9", "cargo_value_mxn": "4500000", "Departure Date": "x", "declared_value": "7"}
    out = cargorisk.score_lanes(pd.DataFrame([{"lane_id": "A", **cells, **own}]), router)
    assert out.loc[0, "status"] == "ok", out.loc[0, "error"]
    assert out.loc[0, "cargo_value_usd"] == 250_000
    assert out.loc[0, list(own)].tolist() == list(own.values())
