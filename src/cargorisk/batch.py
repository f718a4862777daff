"""Batch lane scoring: a book of lanes in, one scored row per lane out, in input order.

Input columns: ``lane_id``, ``origin``, ``destination`` (names or ``"lat,lon"``), optional
``depart`` (ISO 8601; without an offset, the origin's local time), ``cargo_value`` (USD),
``cargo_type`` (see :mod:`cargorisk.risk.cargo`; empty is general), ``objective`` (balanced,
fastest, safest), ``crossing_mode`` (through, transfer; empty is through, see
:mod:`cargorisk.routing.transfer`); their names matched as :mod:`cargorisk.lane_header` says
(case, accents, spaces, a unit in brackets aside; aliases such as ``Cargo Value (USD)``,
``Departure Date``, ``Commodity``); a column named like one but not read (``cargo_vaule``,
``Total Value`` with no cargo_value, ``cargo_value_mxn``) fails the whole book before any work;
other columns are the user's own and come through to the output (:func:`check_header`).
CSV books are comma- or semicolon-separated, with or without Excel's ``sep=`` first line.
Every row gets ``status`` ("ok" or "error") and, on error, ``error``; a bad row never stops
the others; ``notes`` says what an underwriter should know of a row (its value is the
default, its lane_id repeats an earlier row's). A CSV's blank lines are skipped. With a
departure, ``port_arrival_local`` and ``eta_local`` are the times at the crossing and at the
destination (ISO 8601 with the offset of their zone, named in ``port_zone`` and ``eta_zone``).
Lanes are grouped by (objective, cargo value, type) so one Dijkstra run per origin (and per
crossing exit) serves every destination; identical lanes are scored once.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import math
import os
import re
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cargorisk._heap import long_running, relaxed
from cargorisk.errors import CargoRiskError, InputError
from cargorisk.lane_header import (
    LANE_COLUMNS,
    PREVIOUS,
    READ_ERROR,
    READ_NOTE,
    REQUEST,
    check_header,
    column_key,
    lane_names,
    rescored,
)
from cargorisk.risk.cargo import GENERAL
from cargorisk.routing.plan import Route, iso
from cargorisk.routing.pool import BATCH_POLICY
from cargorisk.routing.router import Router
from cargorisk.routing.transfer import DEFAULT_MODE, check_crossing_mode

log = logging.getLogger(__name__)
# output columns, in order, with their types (text as string, the rest float)
OUTPUT_TYPES = {
    "lane_id": "string",
    "status": "string",
    "error": "string",
    "notes": "string",
    "origin_name": "string",
    "destination_name": "string",
    "objective": "string",
    "cargo_value_usd": "float64",
    "cargo_type": "string",
    "km": "float64",
    "driving_h": "float64",
    "stops_h": "float64",
    "total_h": "float64",
    "port_code": "string",
    "crossing": "string",
    "low_traffic_port": "string",
    "wait_min": "float64",
    "wait_source": "string",
    "port_arrival_local": "string",
    "port_zone": "string",
    "eta_local": "string",
    "eta_zone": "string",
    "theft_prob": "float64",
    "theft_prob_low": "float64",
    "theft_prob_high": "float64",
    "one_in_trips": "float64",
    "expected_loss_usd": "float64",
    "expected_loss_low_usd": "float64",
    "expected_loss_high_usd": "float64",
    "operating_cost_usd": "float64",
    "toll_usd": "float64",
    "crossing_mode": "string",
    "fees_usd": "float64",
    "yard_theft_prob": "float64",
    "cost_usd": "float64",
    "fastest_km": "float64",
    "fastest_total_h": "float64",
    "fastest_theft_prob": "float64",
    "delta_h": "float64",
    "delta_theft_pct": "float64",
    "top_risk_driver": "string",
}
OUTPUT = list(OUTPUT_TYPES)


class LaneScorer:
    """Scores lanes on one Router with the same decision as ``route`` (:meth:`Router.decide`);
    the router keeps its searches, so lanes from one origin or to one destination share them."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.places: dict[str, object] = {}
        self.memo: dict[tuple, dict] = {}

    # ---- per-row parsing ----

    def place(self, text: object) -> object:
        """Resolve a place once per distinct text."""
        key = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text).strip()
        if not key:
            msg = "place is empty"
            raise InputError(msg)
        if key not in self.places:
            try:
                self.places[key] = self.router.gazetteer.resolve(key)
            except CargoRiskError as exc:
                self.places[key] = exc
        found = self.places[key]
        if isinstance(found, Exception):
            raise found
        return found

    def request(self, row: dict) -> tuple:
        """See :meth:`parse`; a cell that is not a scalar (a list, bytes) is a row error."""
        for name in REQUEST:
            value = row.get(name)
            if isinstance(value, bytes | list | dict | tuple | np.ndarray):
                msg = f"{name} holds {type(value).__name__}, not text or a number"
                raise InputError(msg)
        return self.parse(row)

    def parse(self, row: dict) -> tuple:
        """(origin Place, destination Place, depart, cargo, objective, cargo type, crossing
        mode) from a row, or raise."""
        a, b = self.router.places(row.get("origin"), row.get("destination"), resolve=self.place)
        depart, cargo, objective, kind = self.router.check_request(
            a,
            depart=blank_to_none(row.get("depart")),
            cargo_value=blank_to_none(row.get("cargo_value")),
            objective=blank_to_none(row.get("objective")) or "balanced",
            cargo_type=blank_to_none(row.get("cargo_type")),
        )
        return (
            a,
            b,
            depart,
            cargo,
            objective,
            kind,
            check_crossing_mode(blank_to_none(row.get("crossing_mode"))),
        )

    # ---- rows ----

    def score_row(self, row: dict) -> dict:
        """One output row (never raises for bad input: the error goes in the row)."""
        out: dict = {"lane_id": row.get("lane_id"), "status": "error", "error": "", "notes": ""}
        if row.get(READ_ERROR):
            out["error"] = f"InputError: {row[READ_ERROR]}"
            return out
        try:
            a, b, depart, cargo, objective, kind, mode = self.request(row)
            key = (a.node, b.node, depart, cargo, objective, kind, mode)
            if key not in self.memo:
                self.memo[key] = self.score_lane(a, b, depart, cargo, objective, kind, mode)
            out.update(self.memo[key], status="ok")
        except CargoRiskError as exc:
            out["error"] = f"{type(exc).__name__}: {exc}"
            return out
        # the row's own: its places as it wrote them (a lane's score is shared by every row that
        # reaches the same nodes, 'Monterrey, NL' and '25.6866,-100.3161' among them), and
        # whether its value is the default
        out["origin_name"], out["destination_name"] = self.router.place_name(a), self.router.place_name(b)
        if blank_to_none(row.get("cargo_value")) is None:
            out["notes"] = f"{DEFAULT_VALUE_NOTE} USD {cargo:,.0f}"
        return out

    def score_lane(
        self,
        a: object,
        b: object,
        depart: datetime | None,
        cargo: float,
        objective: str,
        kind: str = GENERAL,
        mode: str = DEFAULT_MODE,
    ) -> dict:
        """Scores of one lane: the recommended route, the fastest, their difference, the top driver."""
        router = self.router.for_cargo(kind).with_crossing(mode)
        chosen = router.decide(a, b, depart=depart, cargo=cargo, objective=objective, lean=True).choice
        route, fastest = chosen.recommended, chosen.fastest
        router.add_details(route, full=False)  # the top risk driver (and, with a departure, the ETA's zone)
        top = route.riskiest[0] if route.riskiest else None
        low, high = route.theft_interval or (route.theft_prob, route.theft_prob)
        return {
            "origin_name": self.router.place_name(a),
            "destination_name": self.router.place_name(b),
            "objective": objective,
            "cargo_value_usd": cargo,
            "cargo_type": kind,
            "km": route.km,
            "driving_h": route.driving_h,
            "stops_h": route.break_h + route.rest_h + route.port_h,
            "total_h": route.total_h,
            "port_code": route.port_code,
            "crossing": route.crossing,
            "low_traffic_port": "yes" if route.low_traffic else "no",
            "wait_min": route.wait_min,
            "wait_source": route.wait_source,
            "port_arrival_local": iso(route.port_arrival_local),
            "port_zone": route.port_zone,
            "eta_local": iso(route.eta_local),
            "eta_zone": route.eta_zone,
            "theft_prob": route.theft_prob,
            "theft_prob_low": low,
            "theft_prob_high": high,
            "one_in_trips": round(1 / route.theft_prob) if route.theft_prob > 0 else None,
            "expected_loss_usd": route.expected_loss_usd,
            "expected_loss_low_usd": low * cargo,
            "expected_loss_high_usd": high * cargo,
            "operating_cost_usd": route.costs.operating_usd,
            "toll_usd": route.costs.toll_usd,
            "crossing_mode": route.crossing_mode if route.crossing else mode,
            "fees_usd": route.costs.fees_usd,
            "yard_theft_prob": route.yard_theft_prob,
            "cost_usd": route.cost_usd,
            "fastest_km": fastest.km,
            "fastest_total_h": fastest.total_h,
            "fastest_theft_prob": fastest.theft_prob,
            "delta_h": route.total_h - fastest.total_h,
            "delta_theft_pct": pct_change(route.theft_prob, fastest.theft_prob),
            "top_risk_driver": describe_driver(top),
            "geometry": route_line(router, route),
        }

    def score_frame(self, lanes: pd.DataFrame) -> gpd.GeoDataFrame:
        """Score a DataFrame of lanes (columns named as :func:`check_header` reads them); output
        rows in input order, the input's own columns under the names they came with."""
        names = check_header(list(lanes.columns))
        read = unpriced_again(lanes, names, lanes.set_axis(names, axis=1))
        request = [c for c in (*REQUEST, READ_ERROR) if c in names]
        codes, uniques = pd.factorize(request_keys(read, request))  # same request, one score
        first = read.iloc[pd.Series(np.arange(len(read))).groupby(codes).first().to_numpy()]
        order = first.assign(_code=np.arange(len(first)))
        # lanes that share searches one after the other
        sort_keys = [c for c in ("cargo_type", "cargo_value", "origin") if c in order.columns]
        if sort_keys:  # by each cell's key text: any cell orders (lists, bytes, mixed types)
            order = order.sort_values(sort_keys, kind="stable", key=lambda column: column.map(cell_key))
        with relaxed():  # young collections far apart while the book is scored (cargorisk._heap)
            scored = {int(r["_code"]): self.score_row(r) for r in order.to_dict("records")}
        table = pd.DataFrame([scored[i] for i in range(len(uniques))])
        for col in [*OUTPUT, "geometry"]:
            if col not in table.columns:
                table[col] = None
        frame = table[[*OUTPUT, "geometry"]].take(codes).reset_index(drop=True)
        frame["lane_id"] = read["lane_id"].to_numpy()
        keep = carried(list(lanes.columns), names)
        notes = read[READ_NOTE] if READ_NOTE in names else repeated_ids(read["lane_id"], "row", 1)
        frame["notes"] = join_notes(frame["notes"], notes)
        blank = blank_rows(
            lanes.iloc[:, sorted({*keep, *(i for i, n in enumerate(names) if n in LANE_COLUMNS)})]
        )
        if blank.any():  # every cell empty (a CSV book's blank lines are skipped by the reader)
            frame.loc[blank, ["error", "notes"]] = [BLANK_ROW, ""]
        frame = pd.concat(
            [frame[["lane_id"]], passthrough(lanes, keep), frame.drop(columns="lane_id")], axis=1
        )
        return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


DEFAULT_VALUE_NOTE = "cargo value not given: priced at the default"  # then the amount
REPEATED_NOTE = "repeated lane_id"  # then where it came first
BLANK_ROW = "InputError: blank row (every cell empty): not a lane; delete it"


def unpriced_again(lanes: pd.DataFrame, names: list, read: pd.DataFrame) -> pd.DataFrame:
    """``read`` with, in a scored book scored again by its ``cargo_value_usd``, the value of each
    row its notes say was the default blank again: the default again (today's), noted again."""
    columns = [str(c) for c in lanes.columns]
    if not (rescored(columns) and "notes" in columns and "cargo_value" in names):
        return read
    if columns[names.index("cargo_value")] != "cargo_value_usd":
        return read
    notes = lanes.iloc[:, columns.index("notes")].map(
        lambda v: isinstance(v, str) and DEFAULT_VALUE_NOTE in v
    )
    if not notes.any():
        return read
    read = read.copy()
    read.isetitem(names.index("cargo_value"), read["cargo_value"].where(~notes.to_numpy(dtype=bool), None))
    return read


def carried(columns: list, names: list) -> list[int]:
    """The positions of the input's columns to carry into the output: all but ``lane_id``, the
    reader's own and geometry, and, in a scored book scored again, its previous scores (its
    columns named as output columns: the new output has the new ones, so a book scores again
    to the columns it had). ``names``: the names its columns are read by (:func:`lane_names`)."""
    again = rescored(columns)
    return [
        i
        for i, (column, name) in enumerate(zip(columns, names, strict=True))
        if name not in ("lane_id", "geometry", READ_ERROR, READ_NOTE)
        and not str(name).startswith(PREVIOUS)
        and not (again and str(column) in OUTPUT_TYPES)
    ]


def repeated_ids(ids: pd.Series, where: str, first_number: int, seen: dict | None = None) -> list[str]:
    """A note for each lane_id seen on an earlier row (in ``seen``, its text -> where it came
    first, kept across a file's chunks), '' for the rest; blank ids are never repeats. Rows are
    numbered from ``first_number`` and shown as ``where`` ('line 12' in a CSV, 'row 3' in a
    Parquet book or a DataFrame, the first lane row 1)."""
    seen = {} if seen is None else seen
    notes = []
    for number, value in enumerate(ids, first_number):
        text = None if blank_to_none(value) is None else str(value).strip()
        if text is None:
            notes.append("")
        elif text in seen:
            notes.append(f"{REPEATED_NOTE}: also on {seen[text]}")
        else:
            seen[text] = f"{where} {number}"
            notes.append("")
    return notes


def join_notes(*columns: object) -> list[str]:
    """Each row's notes, joined with '; ' (empty ones left out)."""
    return ["; ".join(n for n in row if isinstance(n, str) and n) for row in zip(*columns, strict=True)]


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Whether each row has every cell empty (None, NaN, NaT, NA, or only spaces)."""
    blank = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        rows = np.flatnonzero(blank)  # only the rows blank so far (most rows: one column)
        if not len(rows):
            break
        cells = frame.iloc[:, i].to_numpy(dtype=object)[rows]
        blank[rows] = [blank_to_none(v) is None for v in cells]
    return blank


def passthrough(lanes: pd.DataFrame, keep: list[int]) -> pd.DataFrame:
    """The input's own columns at the positions ``keep`` (:func:`carried`), to carry into the
    output (so it joins back and can be fed in again), under the names they came with, renamed
    ``input_<name>`` where an output column has the name (case, spaces and hyphens aside); text
    columns as strings (one Parquet schema for every chunk)."""
    out = lanes.iloc[:, keep].reset_index(drop=True)
    out.columns = [f"input_{c}" if column_key(c) in OUTPUT_TYPES else c for c in out.columns]
    for i, dtype in enumerate(out.dtypes):
        if pd.api.types.is_object_dtype(dtype):
            out.isetitem(i, out.iloc[:, i].map(text_cell).astype("string"))
    return out


def text_cell(value: object) -> str | None:
    """A passed-through cell as text: bytes decoded (undecodable bytes replaced), lists and
    other objects by their text, nulls kept null."""
    if blank_to_none(value) is None and not isinstance(value, str):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def request_keys(lanes: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text key per row from its request cells: a null cell (None, NaN, NaT, NA) is its own
    value and a cell's type is part of it, so two different requests never share a key."""

    parts = [lanes[c].map(cell_key).astype(object) for c in columns]
    return pd.Series(["\x1f".join(cells) for cells in zip(*parts, strict=True)], index=lanes.index)


def cell_key(value: object) -> str:
    """A cell as key text: nulls (None, NaN, NaT, NA) one value, the type part of the rest."""
    return "\x00" if blank_to_none(value) is None else f"{type(value).__name__}:{value!r}"


def pct_change(value: float, base: float) -> float:
    """Percentage change of value over base (0 when base is 0)."""
    return 100 * (value / base - 1) if base else 0.0


def describe_driver(segment: dict | None) -> str:
    """'From - To (ref): driver' for the riskiest segment."""
    if not segment:
        return ""
    return f"{segment['from']} - {segment['to']} ({segment['ref']}): {segment['drivers'][0]}"


def blank_to_none(value: object) -> object:
    """None for missing (None, NaN, NaT, NA) or blank cells."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    return None if isinstance(value, str) and not value.strip() else value


def route_line(router: Router, route: Route) -> shapely.LineString:
    """The route as one LineString (lon, lat): its edges' lines joined, shared ends once."""
    return router.lines.joined(router.edge_ids(route))


def score_lanes(
    lanes: pd.DataFrame, router: Router | None = None, **settings_overrides: object
) -> gpd.GeoDataFrame:
    """Score a book of lanes (Python API).

    Parameters
    ----------
    lanes
        DataFrame with ``lane_id``, ``origin``, ``destination`` and optional ``depart``,
        ``cargo_value``, ``cargo_type``, ``objective``.
    router
        A Router (default: ``Router.from_settings(Settings.from_env(**settings_overrides))``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per lane, in input order, with the columns of :data:`OUTPUT` and the route geometry.
    """
    if router is None:
        from cargorisk.config import Settings  # noqa: PLC0415

        router = Router.from_settings(Settings.from_env(**settings_overrides))
    return LaneScorer(router).score_frame(lanes)


# ---- files ----


def read_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    """Lanes from CSV (UTF-8, a byte order mark allowed; a row with bytes that are not UTF-8 is
    an error row saying so; see :func:`separator`), Parquet or GeoParquet, in chunks; the header
    is checked before any row is read."""
    path = Path(path)
    if not path.is_file():
        msg = f"lane file {path} does not exist"
        raise InputError(msg)
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415

        try:
            handle = pq.ParquetFile(path)
            names = check_header(handle.schema_arrow.names, str(path))
            batches = (b.to_pandas() for b in handle.iter_batches(batch_size=chunk_size))
            if handle.metadata.num_rows == 0:  # no rows: one empty chunk with the columns
                batches = iter([handle.schema_arrow.empty_table().to_pandas()])
            seen: dict[str, str] = {}  # lane_id -> its first row, across chunks
            done = 0
            for frame in batches:
                notes = repeated_ids(frame.iloc[:, names.index("lane_id")], "row", done + 1, seen)
                done += len(frame)
                lanes = frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])
                yield lanes.assign(**{READ_NOTE: notes})
        except (pa.ArrowException, OSError) as exc:  # corrupt or truncated
            msg = f"lane file {path} is not a readable Parquet file ({str(exc).splitlines()[0][:120]})"
            raise InputError(msg) from None
        return
    yield from read_csv_chunks(path, chunk_size)


def read_csv_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    """CSV lanes as text, in chunks; a row with more or fewer fields than the header is kept
    with its error in :data:`READ_ERROR` (scored as an error row), so one ragged line never
    throws away the rows around it."""
    import csv  # noqa: PLC0415

    # Excel's "CSV UTF-8" opens with a byte order mark; bytes that are not UTF-8 are kept apart
    # (surrogates) so that their rows are reported, not garbled into unknown places
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        delimiter, preamble = separator(handle.readline())
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter, strict=True)  # a quote left open is an error
        try:
            if preamble:
                next(reader)  # line numbers stay the file's
            header = next(reader, None)
        except csv.Error as exc:
            msg = (
                f"lane file {path} has a header line that is not readable CSV ({exc}); write it as "
                "lane_id,origin,destination,... and score it again"
            )
            raise InputError(msg) from None
        if header is None:
            msg = f"lane file {path} is empty"
            raise InputError(msg)
        header = [decoded(name) for name in header]  # an accented extra column of a Windows-1252 book
        lane_id = check_header(header, str(path)).index("lane_id")
        rows: list[list[str]] = []
        errors: list[str] = []
        notes: list[str] = []
        seen: dict[str, str] = {}  # lane_id -> the line it came first on, across chunks
        empty, blank = True, 0  # a header and no rows: one empty chunk, so the output has the header too
        try:
            for read in reader:
                if not any(field.strip() for field in read):  # a blank line, or a spreadsheet's ',,,'
                    blank += 1
                    continue
                empty = False
                undecoded = not_utf8(read, reader.line_num)
                # echoed with the replacement character, the row kept as an error
                row = [decoded(f) for f in read] if undecoded else read
                errors.append(ragged(row, len(header), reader.line_num) or undecoded)
                rows.append((row + [""] * len(header))[: len(header)])
                notes += repeated_ids([rows[-1][lane_id]], "line", reader.line_num, seen)
                if len(rows) == chunk_size:
                    yield text_frame(rows, header, errors, notes)
                    rows, errors, notes = [], [], []
        except csv.Error as exc:
            msg = f"lane file {path} is not a readable CSV at line {reader.line_num} ({exc}); fix that line"
            raise InputError(msg) from None
        if rows or empty:
            yield text_frame(rows, header, errors, notes)
        if blank:
            log.warning(
                "%s: %d blank %s (every field empty) skipped: not lanes, not in the output",
                path.name, blank, "line" if blank == 1 else "lines",
            )  # fmt: skip


SEP_LINE = re.compile(r"sep=([,;\t|])", re.IGNORECASE)  # Excel's first line naming the separator


def separator(first_line: str) -> tuple[str, bool]:
    """The field separator of a CSV book from its first line, and whether that line is Excel's
    ``sep=;`` line (skipped): ',' unless the line holds more ';' than ',' (Excel saves "CSV" with
    ';' where the decimal mark is a comma, as in Spanish; a decimal-comma amount such as
    '250000,50' is then a row error, never read as another number)."""
    named = SEP_LINE.fullmatch(first_line.rstrip("\r\n"))
    if named:
        return named.group(1), True
    return (";" if first_line.count(";") > first_line.count(",") else ","), False


def not_utf8(row: list[str], line: int) -> str:
    """The error of a CSV row holding bytes that are not UTF-8 ('' when it has none): a book saved
    as Windows-1252 (Excel's plain "CSV" on a Spanish Windows) would read "Querétaro" as
    "Quer\ufffdtaro" and suggest another place; the row says what to do instead."""
    if all(field.isascii() for field in row):  # most rows: nothing to look for
        return ""
    for field in row:
        bad = next((c for c in field if "\udc80" <= c <= "\udcff"), None)
        if bad is not None:
            return (
                f"line {line} has bytes that are not UTF-8 ({ord(bad) - 0xDC00:#04x}); save the file "
                'as "CSV UTF-8" (Excel: Save As, CSV UTF-8) and score it again'
            )
    return ""


def decoded(text: str) -> str:
    """Text read with its bytes that are not UTF-8 kept apart, those bytes shown as the
    replacement character (what an output can hold)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def ragged(row: list[str], fields: int, line: int) -> str:
    """The error of a CSV row whose field count is not the header's ('' when it fits; a blank
    line is an empty row, reported by the scorer)."""
    if len(row) == fields or not row:
        return ""
    return f"line {line} has {len(row)} fields, the header {fields}; check its quotes and commas"


def text_frame(rows: list[list[str]], header: list[str], errors: list[str], notes: list[str]) -> pd.DataFrame:
    """A chunk of CSV rows as text, with the read errors (when any) in :data:`READ_ERROR` and
    the reader's notes (repeated lane ids) in :data:`READ_NOTE`."""
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    if any(errors):
        frame[READ_ERROR] = errors
    frame[READ_NOTE] = pd.Series(notes, dtype=object)
    return frame


class OutputWriter:
    """Streams scored chunks to CSV (no geometry) or (Geo)Parquet, atomically at close."""

    def __init__(self, path: Path) -> None:
        from cargorisk._io import atomic_path  # noqa: PLC0415

        self.path = Path(path)
        if self.path.suffix.lower() not in (".csv", ".parquet", ".geoparquet"):
            msg = f"cannot write lanes as {self.path.name!r}; use .csv, .parquet or .geoparquet"
            raise InputError(msg)
        self._context = atomic_path(self.path)
        try:
            self.tmp = self._context.__enter__()
        except OSError as exc:
            msg = f"cannot write {self.path}: {exc.strerror or exc}; choose a writable folder"
            raise InputError(msg) from None
        self.writer = None
        self.rows = 0

    def write(self, scored: gpd.GeoDataFrame) -> None:
        """Append one scored chunk."""
        if self.path.suffix.lower() == ".csv":
            to_safe_csv(rounded(scored.drop(columns="geometry")), self.tmp, header=self.rows == 0)
        else:
            import pyarrow.parquet as pq  # noqa: PLC0415

            table = geoparquet_table(typed(scored))
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.tmp, table.schema)
            self.writer.write_table(table.cast(self.writer.schema))
        self.rows += len(scored)

    def close(self, error: BaseException | None = None) -> None:
        """Finish the file (or drop it on error)."""
        if self.writer is not None:
            self.writer.close()
        if error is None:
            self._context.__exit__(None, None, None)
        else:
            self._context.__exit__(type(error), error, error.__traceback__)


# CSV precision per output column (full precision stays in Parquet): cents, 0.01 km and hours,
# 0.1 min; probabilities and percentages to 4 significant figures; counts as whole numbers. Each
# column is written one way whatever the other rows (a book with an error row once printed
# one_in_trips 9994.0 where a book of good rows printed 9994)
DECIMALS = {"km": 2, "_h": 2, "_usd": 2, "_min": 1, "_trips": 0}
SIGNIFICANT = ("theft_prob", "pct")
NUMBERS = tuple(col for col, kind in OUTPUT_TYPES.items() if kind == "float64")


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """The scored number columns as CSV writes them (see :func:`csv_numbers`; the input's own
    columns untouched)."""
    out = frame.copy()
    for col in NUMBERS:
        if col in out.columns:
            out[col] = csv_numbers(col, pd.to_numeric(out[col], errors="coerce").astype("float64"))
    return out


def csv_numbers(col: str, values: pd.Series) -> pd.Series:
    """The figures of the scored column ``col`` as CSV writes them, each the same whatever the
    other rows: probabilities and percentages to 4 significant figures (numbers), the rest as
    text with the column's fixed decimals (:data:`DECIMALS`: '0.00' USD, '9994' trips); never
    '-0'; empty where there is no figure."""
    if any(key in col for key in SIGNIFICANT):
        return values.map("{:.4g}".format).astype("float64") + 0.0
    digits = next((d for suffix, d in DECIMALS.items() if col.endswith(suffix)), None)
    if digits is None:
        return values + 0.0
    text = (values.round(digits) + 0.0).map(f"{{:.{digits}f}}".format)
    return text.where(values.notna(), None)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that start like a formula (``=``, ``+``, ``-``, ``@``, tab, CR) prefixed with
    an apostrophe, as OWASP advises for CSV injection; numbers are left alone, and so are the
    scored figures :func:`rounded` wrote as text ('-1.25': a number)."""
    out = frame.copy()
    for col in out.columns:
        if col in NUMBERS:
            continue
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v
            )
    return out


def to_safe_csv(frame: pd.DataFrame, target: object = None, *, header: bool = True) -> str | None:
    """CSV of ``frame`` with formula-like cells neutralised and CRLF line ends, so a CR inside a
    cell is quoted and never splits a row (RFC 4180); appended to ``target`` when given."""
    safe = spreadsheet_safe(frame)
    if target is None:
        return safe.to_csv(index=False, lineterminator="\r\n")
    safe.to_csv(target, mode="a", header=header, index=False, lineterminator="\r\n")
    return None


def typed(scored: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fixed column types (text as string, the rest float) so every chunk has one schema."""
    return scored.astype(OUTPUT_TYPES)


def geoparquet_table(scored: gpd.GeoDataFrame) -> object:
    """An Arrow table with WKB geometry and GeoParquet 1.0 'geo' metadata (EPSG:4326)."""
    import json  # noqa: PLC0415

    import pyarrow as pa  # noqa: PLC0415
    from pyproj import CRS  # noqa: PLC0415

    frame = pd.DataFrame(scored.drop(columns="geometry"))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # binary even when every row of the chunk failed (all None): one schema for every chunk
    wkb = pa.array(shapely.to_wkb(scored.geometry.to_numpy()), type=pa.binary())
    table = table.append_column("geometry", wkb)
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["LineString"],
                                    "crs": CRS("EPSG:4326").to_json_dict()}}}  # fmt: skip
    return table.replace_schema_metadata({**(table.schema.metadata or {}), b"geo": json.dumps(geo).encode()})


def score_chunk_in_worker(chunk: pd.DataFrame) -> gpd.GeoDataFrame:
    """Worker entry point: score with the process's router (built once by the initializer), or
    raise the error that stopped the initializer from building it (to the scoring process)."""
    if "error" in WORKER:
        raise WORKER["error"]  # type: ignore[misc]
    return LaneScorer(WORKER["router"]).score_frame(chunk)


def score_on_dask_worker(chunk: pd.DataFrame, settings: object, year: int) -> gpd.GeoDataFrame:
    """Dask task: build the worker process's router on first use, then score."""
    if "router" not in WORKER:
        init_worker(settings, year)
    return score_chunk_in_worker(chunk)


def dask_client(scheduler: str | None, jobs: int) -> object:
    """A distributed Client on ``scheduler``, or on a LocalCluster of ``jobs`` processes."""
    from distributed import Client, LocalCluster  # noqa: PLC0415

    if scheduler:
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            msg = (
                f"cannot reach the Dask scheduler at {scheduler} within {SCHEDULER_TIMEOUT_S} s "
                f"({exc.__class__.__name__}); check the address, or leave out --scheduler for a local cluster"
            )
            raise InputError(msg) from None
    # no dashboard (no port to collide with), scheduler on a free port, its logs only with -v
    quiet = logging.getLogger("cargorisk").getEffectiveLevel() > logging.INFO
    for name in ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR if quiet else logging.INFO)
    cluster = LocalCluster(
        n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_port=0,
        silence_logs=logging.ERROR if quiet else logging.INFO,
    )  # fmt: skip
    return Client(cluster)


WORKER: dict[str, Router] = {}  # "router", or "error": what stopped it being built
# partitions of a chunk per worker: handed out as workers come free, so one that draws the
# slower lanes does not hold the others up (a worker keeps its searches from one to the next)
PARTS_PER_JOB = 4
SCHEDULER_TIMEOUT_S = 10


def book_router(settings: object, year: int) -> Router:
    """The router a lane-book process scores with: the shared one, with caches that keep a
    whole book's searches (:data:`~cargorisk.routing.pool.BATCH_POLICY`)."""
    return Router.from_settings(settings, year).with_caches(BATCH_POLICY)  # type: ignore[arg-type]


def init_worker(settings: object, year: int, parent: int | None = None) -> None:
    """Build one Router per worker process; the worker exits when ``parent`` (the scoring
    process) dies, even by ``kill -9``, instead of lingering with its few hundred MB."""
    if parent is None:  # a Dask worker's first task: an error goes back with the task
        WORKER["router"] = book_router(settings, year)
        return
    exit_with_parent(parent)  # a process --jobs spawned: ours, and it only scores (cargorisk._heap)
    long_running()
    try:
        WORKER["router"] = book_router(settings, year)
    except CargoRiskError as exc:
        # kept for the tasks to raise: raised here, the pool would print each process's traceback
        # and stop, and the scoring process report a worker killed or out of memory (an audit:
        # 75 lines for a missing data table, where --jobs 1 says it in one)
        WORKER["error"] = exc  # type: ignore[assignment]
        return
    atexit.register(leave_without_teardown)


def leave_without_teardown() -> None:
    """End a process --jobs spawned without freeing its objects one by one (registered with
    :mod:`atexit` once its router is loaded): a book's cached searches and legs are millions of
    small objects, and tearing them down took 0.9 s of the pool's shutdown after 10,000 lanes
    (0.07 s without). By then every result went back with its task and multiprocessing has run
    its own exit functions (``BaseProcess._bootstrap``); the streams are flushed."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(0)


def exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """End this process when ``parent`` is gone: Linux's parent-death signal where available,
    and a watch thread (any platform, and the case where the parent died before the signal
    was set)."""
    import os  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415
    import time  # noqa: PLC0415

    with contextlib.suppress(OSError, AttributeError):
        import ctypes  # noqa: PLC0415

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def split_by_origin(chunk: pd.DataFrame, parts: int) -> list[pd.DataFrame]:
    """Up to ``parts`` partitions of a chunk that keep each origin together (so its searches
    are shared), of nearly equal numbers of lanes: origins from the busiest down, each to
    the partition with the fewest lanes so far. Every row is in one (a missing origin too:
    its row is scored to its error)."""
    origin = chunk.columns[lane_names(list(chunk.columns)).index("origin")]
    codes, names = pd.factorize(chunk[origin].astype(str), use_na_sentinel=False)
    sizes = np.bincount(codes, minlength=len(names))
    loads, partition = [0] * max(parts, 1), np.zeros(len(names), dtype=np.int64)
    for i in sorted(range(len(names)), key=lambda i: (-int(sizes[i]), str(names[i]))):
        partition[i] = k = loads.index(min(loads))
        loads[k] += int(sizes[i])
    assigned = partition[codes]
    return [chunk[assigned == k] for k in range(len(loads)) if (assigned == k).any()]


def score_file(  # noqa: PLR0913  (the CLI's options, keyword-only)
    source: Path,
    output: Path,
    *,
    settings: object,
    year: int = 2025,
    jobs: int = 1,
    chunk_size: int = 50_000,
    progress: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
) -> dict[str, int]:
    """Score a lane file chunk by chunk (bounded memory), in ``jobs`` processes or on Dask
    (``engine="dask"``: ``scheduler`` address, or a LocalCluster of ``jobs`` workers); each
    chunk is partitioned by origin so searches are shared within a worker.

    Returns counts ``{"rows", "ok", "failed"}``. Raises InputError for an unreadable file, a
    missing column (before any work) or an unwritable output.
    """
    if Path(output).resolve() == Path(source).resolve():
        msg = f"score-lanes would overwrite its input {source}; write the scores to another file (-o)"
        raise InputError(msg)
    chunks = read_chunks(Path(source), chunk_size)
    first = next(chunks, None)
    writer = OutputWriter(output)
    counts = {"rows": 0, "ok": 0, "failed": 0}
    flagged = dict.fromkeys(FLAGGED, 0)
    pool = client = None
    try:
        if engine == "dask":
            client = dask_client(scheduler, max(jobs, 1))
        elif engine != "local":
            msg = f"engine {engine!r} is not 'local' or 'dask'"
            raise InputError(msg)
        elif jobs > 1:
            import multiprocessing  # noqa: PLC0415
            from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

            # spawn, not fork: forking after pyarrow/OpenMP started their threads can deadlock
            pool = ProcessPoolExecutor(
                max_workers=jobs,
                initializer=init_worker,
                initargs=(settings, year, os.getpid()),
                mp_context=multiprocessing.get_context("spawn"),
            )
        local = None if (pool or client) else LaneScorer(book_router(settings, year))
        stream = itertools.chain([first] if first is not None else [], chunks)
        for number, raw in enumerate(progress_bar(stream, progress), 1):
            scored = score_chunk(
                raw.reset_index(drop=True), local, pool, client, settings, year, PARTS_PER_JOB * max(jobs, 2)
            )
            writer.write(scored)
            counts["rows"] += len(scored)
            counts["ok"] += int((scored["status"] == "ok").sum())
            for kind, found in noted(scored).items():
                flagged[kind] += found
            log.info("chunk %d scored: %d rows so far, %d ok", number, counts["rows"], counts["ok"])
        counts["failed"] = counts["rows"] - counts["ok"]
    except BrokenProcessPool:
        writer.close(InputError("worker died"))
        msg = (
            f"a worker process stopped (killed, or out of memory) after {counts['rows']:,} rows; nothing "
            "was written; run again with --jobs 1 or a smaller --chunk-size"
        )
        raise CargoRiskError(msg) from None
    except BaseException as exc:
        writer.close(exc)
        raise
    finally:
        if pool:
            pool.shutdown()
        if client:
            client.close()
    writer.close()
    report_notes(Path(source), flagged)
    return counts


# what a book's summary says of its rows' notes (the CLI shows these warnings under its line)
FLAGGED = {
    "default": "{n:,} lane{s} priced at the default cargo value (no cargo_value given; see the notes column)",
    "repeated": "{n:,} row{s} with a lane_id already on an earlier row (each scored; see the notes column)",
    "blank": "{n:,} blank row{s} (every cell empty) among the failed: not lanes",
}


def report_notes(source: Path, flagged: dict[str, int]) -> None:
    """Warn of the rows with each kind of :data:`FLAGGED` note (``flagged``: how many)."""
    for kind, found in flagged.items():
        if found:
            log.warning("%s: %s", source.name, FLAGGED[kind].format(n=found, s="" if found == 1 else "s"))


def noted(scored: pd.DataFrame) -> dict[str, int]:
    """How many rows of a scored chunk have each kind of :data:`FLAGGED` note."""
    notes = scored["notes"].fillna("").astype(str)
    return {
        "default": int(notes.str.contains(DEFAULT_VALUE_NOTE, regex=False).sum()),
        "repeated": int(notes.str.contains(REPEATED_NOTE, regex=False).sum()),
        "blank": int((scored["error"] == BLANK_ROW).sum()),
    }


def score_chunk(
    chunk: pd.DataFrame,
    local: LaneScorer | None,
    pool: object,
    client: object,
    settings: object,
    year: int,
    parts: int,
) -> gpd.GeoDataFrame:
    """Score one chunk here, or across the pool/cluster by origin partitions (input order kept)."""
    if local is not None:
        return local.score_frame(chunk)
    pieces = split_by_origin(chunk.assign(_order=np.arange(len(chunk))), parts)
    inputs = [p.drop(columns="_order") for p in pieces]
    if pool is not None:
        scored_parts = list(pool.map(score_chunk_in_worker, inputs))  # type: ignore[attr-defined]
    else:
        futures = client.map(score_on_dask_worker, inputs, settings=settings, year=year, pure=False)  # type: ignore[attr-defined]
        scored_parts = client.gather(futures)  # type: ignore[attr-defined]
    order = np.concatenate([p["_order"].to_numpy() for p in pieces])
    scored = pd.concat(scored_parts, ignore_index=True).iloc[np.argsort(order)].reset_index(drop=True)
    return gpd.GeoDataFrame(scored, geometry="geometry", crs="EPSG:4326")


def progress_bar(items: object, enabled: bool) -> Iterator[pd.DataFrame]:
    """Chunks, with a rich progress line on a terminal."""
    if not enabled:
        yield from items  # type: ignore[misc]
        return
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(transient=True) as bar:
        task = bar.add_task("scoring lanes", total=None)
        for item in items:  # type: ignore[attr-defined]
            yield item
            bar.advance(task, len(item))
