"""Lane books scored in the background: ``POST /v1/lanes`` answers 202 with a job, ``GET
/v1/lanes/{job}`` its status, ``GET /v1/lanes/{job}/result`` the scored CSV, ``DELETE`` stops it.

A job's status and result are files in one folder (written atomically), so any worker of the
server answers for any job; the worker that took the book scores it in one background thread,
a few lanes at a time, and lets route requests go first: a slice starts once this worker has
computed no request for :data:`QUIET_S` (a client sending requests one after another leaves
gaps of a millisecond or two, which a slice would otherwise fill and then slow the next request
by sharing the interpreter lock), or after :data:`YIELD_S` at most, so a stream of requests
cannot starve it. Jobs queued or running per worker are bounded (503 beyond); results expire.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from cargorisk._io import write_bytes_atomic
from cargorisk.errors import InputError
from cargorisk.service.errors import Overloaded

log = logging.getLogger("cargorisk.service")
SLICE = 8  # lanes scored between two looks at the foreground
YIELD_S = 1.0  # longest a slice waits for the foreground
QUIET_S = 0.05  # a slice starts once the worker has computed no request for this long
JOB_ID = 24  # hex characters of a job id (96 random bits)


class Jobs:
    """The lane jobs of one worker (see the module docstring).

    Parameters
    ----------
    folder
        Where every worker keeps job files.
    score
        ``score(book) -> DataFrame`` for a slice of a book (the same scorer as ``score-lanes``).
    foreground
        The worker's requests: ``idle``, an event set while it computes none, and
        ``idle_since``, the monotonic time it last became idle (the service's ``Gate``).
    max_jobs, ttl_s
        Jobs queued or running here; seconds a finished job is kept.
    """

    def __init__(
        self,
        folder: Path,
        score: Callable[[pd.DataFrame], pd.DataFrame],
        foreground: object,
        *,
        max_jobs: int,
        ttl_s: float,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.score, self.foreground = score, foreground
        self.ttl_s = ttl_s
        self.pending: queue.Queue[tuple[str, pd.DataFrame]] = queue.Queue(max_jobs)
        self.depth = 0
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    # ---- the API's side ----

    def submit(self, book: pd.DataFrame) -> dict:
        """Queue a book; its status record (raises Overloaded when the queue is full)."""
        self.expire()
        job = secrets.token_hex(JOB_ID // 2)
        now = datetime.now(UTC)
        status = {
            "job": job, "status": "queued", "rows": len(book), "scored": 0, "failed": 0,
            "created": now.isoformat(timespec="seconds"),
            "expires": (now + timedelta(seconds=self.ttl_s)).isoformat(timespec="seconds"),
            "result": None, "error": None,
        }  # fmt: skip
        with self.lock:  # queued or running: at most max_jobs (a running job left the queue)
            if self.depth >= self.pending.maxsize:
                msg = f"{self.pending.maxsize} lane books are queued or running here; retry in a minute"
                raise Overloaded(msg, retry_after=60)
            self.depth += 1
        self.write(status)  # before the runner can take the job: it reads this record first
        self.pending.put_nowait((job, book))  # room: the queued are fewer than the depth counted
        self.start()
        return status

    def status(self, job: str) -> dict:
        """A job's status record (raises InputError for an unknown or expired job)."""
        path = self.path(job, "json")
        try:
            status = json.loads(path.read_text())
        except (OSError, ValueError):
            msg = f"no lane job {job[:40]!r} (finished jobs are kept {self.ttl_s / 3600:g} h)"
            raise JobNotFound(msg) from None
        if status["status"] in ("queued", "running") and self.path(job, "cancel").exists():
            status["status"] = "cancelled"
        if status["status"] not in ("queued", "running") and past(status["expires"]):
            self.expire()  # an idle server's old jobs go when asked for, not at the next book only
            kept = f"finished jobs are kept {self.ttl_s / 3600:g} h"
            msg = f"lane job {job} expired at {status['expires']} ({kept}); send the book again"
            raise JobNotFound(msg)
        return status

    def result(self, job: str) -> Path:
        """The scored CSV of a finished job."""
        status = self.status(job)
        if status["status"] in ("queued", "running"):
            msg = (
                f"lane job {job} is {status['status']} ({status['scored']} of {status['rows']} rows scored); "
                f"ask GET /v1/lanes/{job} until it is done"
            )
            raise JobNotReady(msg)
        if status["status"] != "done":
            msg = f"lane job {job} is {status['status']} and has no result; send the book again"
            raise JobNotReady(msg)
        return self.path(job, "csv")

    def cancel(self, job: str) -> dict:
        """Stop a queued or running job (its slices stop at the next one)."""
        status = self.status(job)
        if status["status"] in ("queued", "running"):
            write_bytes_atomic(self.path(job, "cancel"), b"")  # a marker: the status is the runner's
            status["status"] = "cancelled"
        return status

    def path(self, job: str, suffix: str) -> Path:
        """A job's file (the id checked: hex only, so no path can be named)."""
        if len(job) != JOB_ID or any(c not in "0123456789abcdef" for c in job):
            msg = f"no lane job {job[:40]!r}: a job id is {JOB_ID} hexadecimal characters"
            raise JobNotFound(msg)
        return self.folder / f"{job}.{suffix}"

    def write(self, status: dict) -> None:
        """Write a status record atomically."""
        write_bytes_atomic(self.path(status["job"], "json"), json.dumps(status).encode())

    def expire(self) -> None:
        """Delete job files older than the time results are kept."""
        cutoff = time.time() - self.ttl_s
        for path in self.folder.glob("*.*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue

    # ---- the background thread ----

    def start(self) -> None:
        """Start the scoring thread once."""
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self.run, name="lane-jobs", daemon=True)
                self.thread.start()

    def run(self) -> None:
        """Score queued books one after the other."""
        while True:
            job, book = self.pending.get()
            try:
                self.run_one(job, book)
            except Exception as exc:  # a bug: the job says so, the thread goes on
                log.exception("lane job %s failed", job)
                self.finish(job, "failed", f"InternalError: {type(exc).__name__}")
            finally:
                with self.lock:
                    self.depth -= 1

    def run_one(self, job: str, book: pd.DataFrame) -> None:
        """Score one book a slice at a time, yielding to requests; write the CSV at the end."""
        status = self.status(job)
        if status["status"] == "cancelled":
            return
        status["status"] = "running"
        self.write(status)
        parts = []
        for start in range(0, len(book), SLICE):
            self.wait_for_quiet()  # requests first
            if self.path(job, "cancel").exists():
                return
            parts.append(self.score(book.iloc[start : start + SLICE]))
            status["scored"] = min(start + SLICE, len(book))
            status["failed"] = status.get("failed", 0) + int((parts[-1].get("status") == "error").sum())
            self.write(status)
        csv = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        write_bytes_atomic(self.path(job, "csv"), to_csv(csv).encode())
        self.finish(job, "done")

    def wait_for_quiet(self) -> None:
        """Wait until the worker has computed no request for :data:`QUIET_S`, at most
        :data:`YIELD_S` (see the module docstring)."""
        end = time.monotonic() + YIELD_S
        while (left := end - time.monotonic()) > 0 and self.foreground.idle.wait(left):
            calm = time.monotonic() - self.foreground.idle_since
            if calm >= QUIET_S:
                return
            time.sleep(min(QUIET_S - calm, max(0.0, end - time.monotonic())))

    def finish(self, job: str, state: str, message: str | None = None) -> None:
        """Mark a job finished (done or failed)."""
        status = self.status(job)
        expires = datetime.now(UTC) + timedelta(seconds=self.ttl_s)  # kept that long after it finished
        status.update(status=state, error=message, expires=expires.isoformat(timespec="seconds"))
        if state == "done":
            status["result"] = f"/v1/lanes/{job}/result"
        self.write(status)


def past(when: str) -> bool:
    """Whether an ISO time with its offset (a job's ``expires``) has passed."""
    return datetime.fromisoformat(when) <= datetime.now(UTC)


class JobNotFound(InputError):
    """No lane job has this id (or it expired)."""

    http_status = 404


class JobNotReady(InputError):
    """A lane job's result asked for before it is done, or of a job that will have none."""

    http_status = 409


def to_csv(frame: pd.DataFrame) -> str:
    """The scored book as ``score-lanes`` writes it."""
    from cargorisk.batch import rounded, to_safe_csv  # noqa: PLC0415  (pandas/geopandas only when used)

    return to_safe_csv(rounded(frame)) or ""
