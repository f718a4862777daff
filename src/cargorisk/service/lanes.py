"""Lane books over HTTP: ``POST /v1/lanes`` (CSV or Parquet, the columns of ``score-lanes``).

A book of at most :attr:`~cargorisk.service.limits.ServiceOptions.sync_lanes` rows is scored at
once and answered as CSV; a larger one (up to :data:`MAX_LANES`) becomes a background job
(:mod:`cargorisk.service.jobs`): 202 with the job's status and its ``Location``.
"""

from __future__ import annotations

import copy
import tempfile
import threading
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response

from cargorisk.api_models import ERRORS, ErrorOut, JobOut
from cargorisk.errors import CargoRiskError, InputError
from cargorisk.service.jobs import SLICE, to_csv
from cargorisk.service.limits import check

MAX_LANES = 2_000  # rows per /v1/lanes request; larger books are for `score-lanes` or Dask

lanes_api = APIRouter()


def score_book(router: object, book: pd.DataFrame) -> pd.DataFrame:
    """Score lanes on a copy of the shared router (the scorer of ``score-lanes``), without
    their geometry."""
    from cargorisk.batch import LaneScorer  # noqa: PLC0415  (geopandas when lanes are scored)

    scored = LaneScorer(copy.copy(router)).score_frame(book)
    return pd.DataFrame(scored.drop(columns="geometry"))


@lanes_api.post(
    "/v1/lanes",
    responses={
        200: {"content": {"text/csv": {}}},
        202: {"model": JobOut},
        415: {"model": ErrorOut},
        **ERRORS,
    },
    status_code=200,
)
async def lanes(
    request: Request, file: Annotated[UploadFile, File(description="CSV or Parquet")]
) -> Response:
    """Score a lane book (the columns and per-row errors of ``score-lanes``): CSV at once for a
    small book, else a job to ask for (202, ``Location: /v1/lanes/{job}``)."""
    state = request.app.state
    data = await file.read()  # bounded by the body limit
    book = read_book(data, file.filename or "")
    if len(book) > MAX_LANES:
        msg = f"{len(book):,} lanes; at most {MAX_LANES:,} a request, use `cargorisk score-lanes`"
        raise TooManyLanes(msg)
    if len(book) > state.options.sync_lanes:
        status = state.jobs.submit(book)
        location = f"/v1/lanes/{status['job']}"
        return JSONResponse(status, status_code=202, headers={"Location": location})

    def work(cancel: threading.Event) -> Response:
        parts = []  # a few lanes at a time: a hang-up or the deadline stops the book between them
        for start in range(0, max(len(book), 1), SLICE):
            check(cancel)
            parts.append(score_book(state.router, book.iloc[start : start + SLICE]))
        return Response(to_csv(pd.concat(parts, ignore_index=True)), media_type="text/csv")

    return await state.gate.run(request, work)


@lanes_api.get("/v1/lanes/{job}", response_model=JobOut, responses=ERRORS)
def lane_job(request: Request, job: str) -> dict:
    """A lane job's status (``result`` is where its CSV is once it is done)."""
    return request.app.state.jobs.status(job)


@lanes_api.get("/v1/lanes/{job}/result", responses={200: {"content": {"text/csv": {}}}, **ERRORS})
def lane_job_result(request: Request, job: str) -> FileResponse:
    """A finished lane job's scored book (CSV)."""
    return FileResponse(request.app.state.jobs.result(job), media_type="text/csv", filename=f"{job}.csv")


@lanes_api.delete("/v1/lanes/{job}", response_model=JobOut, responses=ERRORS)
def cancel_lane_job(request: Request, job: str) -> dict:
    """Stop a queued or running lane job."""
    return request.app.state.jobs.cancel(job)


class TooManyLanes(InputError):
    """A lane book with more rows than one request takes."""

    http_status = 413


def read_book(data: bytes, name: str) -> pd.DataFrame:
    """A lane book from uploaded bytes (Parquet by its magic number or name, else CSV), read
    by the same reader as ``score-lanes`` (its one-line errors, naming the upload, not the
    server's temporary file)."""
    from cargorisk.batch import read_chunks  # noqa: PLC0415

    suffix = ".parquet" if data[:4] == b"PAR1" or name.lower().endswith(".parquet") else ".csv"
    shown = Path(name).name[:80] or f"the upload{suffix}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"lanes{suffix}"
        path.write_bytes(data)
        try:
            chunks = list(read_chunks(path, MAX_LANES + 1))
        except CargoRiskError as exc:
            text = str(exc).replace(str(path), repr(shown)).replace(folder, "")
            raise type(exc)(text) from None
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


__all__ = ["MAX_LANES", "lanes_api", "read_book", "score_book"]
