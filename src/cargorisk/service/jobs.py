"""Lane books scored in the background: ``POST /v1/lanes`` answers 202 with a job, ``GET
/v1/lanes/{job}`` its status, ``GET /v1/lanes/{job}/result`` the scored CSV, ``DELETE`` stops it.

A job's status and result are files in one folder (written atomically), so any worker of the
server answers for any job; the worker that took the book scores it in one background thread,
a few lanes at a time, and lets route requests go first: a slice starts once this worker has
computed no request for :data:`QUIET_S` (a client sending requests one after another leaves
gaps of a millisecond or two, which a slice would otherwise fill and then slow the next request
by sharing the interpreter lock), or after :data:`YIELD_S` at most, so a stream of requests
cannot starve it. Jobs queued or running per worker are bounded (503 beyond); a cancelled job
stops counting at once. A job's record names the process scoring it (host, process id and
start time), so a job whose server stopped before it finished is ``failed`` (the books queued
or running in a process end with it) while one scored by a live sibling worker is not; a worker
that stops gracefully (SIGTERM, Ctrl-C: the app's lifespan ends) marks its own queued and
running jobs failed itself (:meth:`Jobs.close`), since a server started again in another
container or pod cannot check a process of the old one. Every record expires
:attr:`Jobs.ttl_s` after its last change (a running job's changes at every slice).

A jobs folder that cannot be created or written is the server's fault, not the client's: at
start-up one line naming the folder, afterwards a 503 ``job_store_error`` that names no path
(the path goes to the server's log) and a ``/readyz`` that is not ready.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from cargorisk._io import process_alive, write_bytes_atomic
from cargorisk.errors import InputError
from cargorisk.service.errors import JobStoreError, Overloaded

log = logging.getLogger("cargorisk.service")
SLICE = 8  # lanes scored between two looks at the foreground
YIELD_S = 1.0  # longest a slice waits for the foreground
QUIET_S = 0.05  # a slice starts once the worker has computed no request for this long
JOB_ID = 24  # hex characters of a job id (96 random bits)
JOBS_DIR_ENV = "CARGORISK_JOBS_DIR"
ACTIVE = ("queued", "running")
RUNNER_GONE = "the server stopped before it finished; post the book again"
# what a client is told when the jobs folder refuses a write (the folder is in the server's log)
UNWRITABLE = "this server cannot save lane jobs now (its jobs folder is not writable); retry later"


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
        Jobs queued or running here; seconds a job is kept after its last change.
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
        check_folder(self.folder)
        self.score, self.foreground = score, foreground
        self.ttl_s, self.max_jobs = ttl_s, max_jobs
        self.pending: queue.Queue[str] = queue.Queue()  # job ids, in order (cancelled ones too)
        self.books: dict[str, pd.DataFrame] = {}  # the books queued here, by job
        self.current: str | None = None  # the job being scored here
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.closing = threading.Event()  # set by close(): the runner writes no more records
        self.writing = threading.Lock()  # the runner's writes against close()'s

    @property
    def depth(self) -> int:
        """Jobs queued or running here, but not cancelled (by any worker: their books go now)."""
        with self.lock:
            return self.count()

    def count(self) -> int:
        """:attr:`depth`, with the lock held; drops the books of cancelled queued jobs."""
        for job in [j for j in self.books if self.cancelled(j)]:
            del self.books[job]
        return len(self.books) + (self.current is not None and not self.cancelled(self.current))

    def cancelled(self, job: str) -> bool:
        """Whether a job was cancelled (its marker file, written by whichever worker was asked)."""
        return self.path(job, "cancel").exists()

    def problem(self) -> str | None:
        """Why the jobs folder cannot take jobs now (:func:`folder_problem`; ``/readyz`` asks)."""
        return folder_problem(self.folder)

    # ---- the API's side ----

    def submit(self, book: pd.DataFrame) -> dict:
        """Queue a book; its status record (raises Overloaded when the queue is full or the
        server is stopping, JobStoreError when the record cannot be written)."""
        if self.closing.is_set():
            raise Overloaded("this server is stopping; post the book again", retry_after=5)
        self.expire()
        job = secrets.token_hex(JOB_ID // 2)
        now = datetime.now(UTC)
        status = {
            "job": job, "status": "queued", "rows": len(book), "scored": 0, "failed": 0,
            "created": now.isoformat(timespec="seconds"), "expires": None,
            "result": None, "error": None, "runner": runner(),  # this process scores it
        }  # fmt: skip
        with self.lock:  # queued or running: at most max_jobs
            if self.count() >= self.max_jobs:
                msg = f"{self.max_jobs} lane books are queued or running here; retry in a minute"
                raise Overloaded(msg, retry_after=60)
            self.books[job] = book
        try:
            self.write(status)  # before the runner can take the job: it reads this record first
        except JobStoreError:
            with self.lock:  # a disk that refuses the record: the book does not hold a place
                self.books.pop(job, None)
            raise
        self.pending.put(job)
        self.start()
        return public(status)

    def status(self, job: str) -> dict:
        """A job's status as the API shows it (raises JobNotFound for an unknown or expired job)."""
        return public(self.record(job))

    def record(self, job: str) -> dict:
        """A job's record: cancelled once marked so, failed once its runner has gone (see the
        module docstring); JobNotFound for an unknown job or one past its ``expires``."""
        status = self.saved(job)
        kept = f"jobs are kept {duration(self.ttl_s)} after their last change"
        if status is None:
            raise JobNotFound(f"no lane job {job[:40]!r} ({kept})")
        if past(status["expires"]):
            self.expire()  # an idle server's old jobs go when asked for, not at the next book only
            msg = f"lane job {job} expired at {status['expires']} ({kept}); send the book again"
            raise JobNotFound(msg)
        if status["status"] in ACTIVE and self.cancelled(job):
            status["status"] = "cancelled"
        elif status["status"] in ACTIVE and runner_gone(status.get("runner")):
            status.update(status="failed", error=RUNNER_GONE)
            with contextlib.suppress(JobStoreError):  # said now, written when the folder lets it
                self.write(status)
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
        """Stop a queued or running job (a queued book is dropped now, a running one stops at its
        next slice; either stops counting against the limit at once)."""
        status = self.status(job)
        if status["status"] in ACTIVE:
            self.store(self.path(job, "cancel"), b"")  # a marker: the status is the runner's
            with self.lock:
                self.books.pop(job, None)  # queued here (another worker's goes at its next count)
            status = self.status(job)  # read again: one that finished meanwhile stays done
        return status

    def path(self, job: str, suffix: str) -> Path:
        """A job's file (the id checked: hex only, so no path can be named)."""
        if len(job) != JOB_ID or any(c not in "0123456789abcdef" for c in job):
            msg = f"no lane job {job[:40]!r}: a job id is {JOB_ID} hexadecimal characters"
            raise JobNotFound(msg)
        return self.folder / f"{job}.{suffix}"

    def write(self, status: dict) -> None:
        """Write a status record atomically, kept :attr:`ttl_s` from now (its ``expires`` set)."""
        expires = datetime.now(UTC) + timedelta(seconds=self.ttl_s)
        status["expires"] = expires.isoformat(timespec="seconds")
        self.store(self.path(status["job"], "json"), json.dumps(status).encode())

    def store(self, path: Path, data: bytes) -> None:
        """Write a job's file atomically; a folder that refuses it is logged with its path and
        raised as JobStoreError, whose message names no path (the client did nothing wrong)."""
        try:
            write_bytes_atomic(path, data)
        except (OSError, InputError) as exc:  # write_bytes_atomic words the OSErrors as InputError
            log.error("lane jobs: %s", exc)
            raise JobStoreError(UNWRITABLE) from None

    def close(self) -> None:
        """The worker stops (the app's lifespan ends: SIGTERM, Ctrl-C): the books queued or
        being scored here will never be finished, so their records say ``failed`` now (a server
        started again elsewhere, another container or pod, cannot see that this process has
        gone and would show them running until they expire). The runner writes nothing after
        this; books posted from now on are refused."""
        self.closing.set()
        me = runner()
        with self.writing:  # after the runner's write under way, before its next one
            with self.lock:
                self.books.clear()
            marked = 0
            for path in self.folder.glob("*.json"):  # the records say whose they are
                status = self.saved(path.stem)
                if status is None or status["status"] not in ACTIVE or status.get("runner") != me:
                    continue
                if self.cancelled(path.stem):
                    continue
                status.update(status="failed", error=RUNNER_GONE)
                with contextlib.suppress(JobStoreError):  # logged; such a record expires
                    self.write(status)
                    marked += 1
        if marked:
            log.warning("lane jobs: %d queued or running here marked failed as the server stops", marked)

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
        """Score queued books one after the other (those cancelled meanwhile are gone)."""
        while True:
            job = self.pending.get()
            with self.lock:
                book = self.books.pop(job, None)
                self.current = None if book is None else job
            if book is None:
                continue
            try:
                self.run_one(job, book)
            except JobNotFound:
                log.warning("lane job %s expired before it was scored", job)
            except JobStoreError:  # logged with the folder; the record says so if it can
                self.fail(job, f"JobStoreError: {UNWRITABLE}")
            except Exception as exc:  # a bug: the job says so, the thread goes on
                log.exception("lane job %s failed", job)
                self.fail(job, f"InternalError: {type(exc).__name__}")
            finally:
                with self.lock:
                    self.current = None

    def run_one(self, job: str, book: pd.DataFrame) -> None:
        """Score one book a slice at a time, yielding to requests; write the CSV at the end."""
        status = self.record(job)
        if status["status"] == "cancelled":
            return
        status["status"] = "running"
        if not self.save(status):
            return
        parts = []
        for start in range(0, len(book), SLICE):
            self.wait_for_quiet()  # requests first
            if self.cancelled(job) or self.closing.is_set():
                return
            parts.append(self.score(book.iloc[start : start + SLICE]))
            status["scored"] = min(start + SLICE, len(book))
            status["failed"] = status.get("failed", 0) + int((parts[-1].get("status") == "error").sum())
            if not self.save(status):
                return
            self.keep_queued()
        csv = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        with self.writing:
            if self.closing.is_set():
                return
            self.store(self.path(job, "csv"), to_csv(csv).encode())
            self.finish(job, "done")

    def fail(self, job: str, message: str) -> None:
        """Mark a job the runner could not finish failed, if its record can still be written
        (and the worker is not stopping: :meth:`close` has said why already)."""
        with self.writing, contextlib.suppress(JobNotFound, JobStoreError):
            if not self.closing.is_set():
                self.finish(job, "failed", message)

    def save(self, status: dict) -> bool:
        """Write a record from the runner, unless the worker is stopping (:meth:`close` has
        marked its jobs failed): False then, and the runner stops."""
        with self.writing:
            if self.closing.is_set():
                return False
            self.write(status)
            return True

    def keep_queued(self) -> None:
        """Move on the expiry of the books queued behind the running one (a queued record is
        written once: behind a book scoring longer than the TTL it expired unscored)."""
        with self.lock:
            queued = list(self.books)
        for job in queued:
            status = self.saved(job)
            if status is not None and status["status"] == "queued" and not self.save(status):
                return

    def saved(self, job: str) -> dict | None:
        """A job's record as written, None when there is none (unknown, expired, unreadable)."""
        try:
            return json.loads(self.path(job, "json").read_text())
        except (OSError, ValueError):
            return None

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
        """Mark a job finished (done or failed); it is kept :attr:`ttl_s` from now."""
        status = self.record(job)
        status.update(status=state, error=message)
        if state == "done":
            status["result"] = f"/v1/lanes/{job}/result"
        self.write(status)


def folder_problem(folder: Path) -> str | None:
    """Why a jobs folder cannot take jobs ('/srv/jobs (Permission denied)'), None when it can:
    it is created if need be, and a file is made in it and removed."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".writable.", suffix=".tmp", dir=folder)
        os.close(handle)
        Path(name).unlink()
    except OSError as exc:
        return f"{folder} ({exc.strerror or type(exc).__name__})"
    return None


def check_folder(folder: Path) -> None:
    """At start-up: a jobs folder that cannot be created or written is one line naming it
    (JobStoreError), as a models folder that cannot be read is."""
    if (why := folder_problem(folder)) is not None:
        msg = f"cannot use the lane jobs folder {why}; set {JOBS_DIR_ENV} to a writable folder"
        raise JobStoreError(msg)


def past(when: str) -> bool:
    """Whether an ISO time with its offset (a job's ``expires``) has passed."""
    return datetime.fromisoformat(when) <= datetime.now(UTC)


def public(status: dict) -> dict:
    """A job's record as the API shows it (without the process that scores it)."""
    return {k: v for k, v in status.items() if k != "runner"}


def duration(seconds: float) -> str:
    """A length of time as people read it: '45 s', '90 s', '5 min', '1 h', '2.5 h'."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{round(seconds / 60, 1):g} min"
    return f"{round(seconds / 3600, 1):g} h"


HOST = socket.gethostname()


def process_space() -> str:
    """Where this process's ids mean something: its PID namespace and the boot ('' where the
    system does not say). Containers sharing a host name (host networking) do not share ids."""
    try:
        namespace = str(Path("/proc/self/ns/pid").readlink())
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""
    return f"{namespace} {boot}"


SPACE = process_space()


def runner() -> dict:
    """This process as a job's record names it: host, id space, process id and start time."""
    return {"host": HOST, "space": SPACE, "pid": os.getpid(), "started": process_start(os.getpid())}


def runner_gone(named: dict | None) -> bool:
    """Whether the process a record names has stopped: no process has its id now, or another
    one does (started at another time). A runner on another host or in another id space (a
    container, another boot), or a record without one, cannot be checked: such a job only
    expires."""
    if not named or named.get("host") != HOST or named.get("space", "") != SPACE or not SPACE:
        return False
    return process_start(int(named["pid"])) != named.get("started")


def process_start(pid: int) -> str | None:
    """When a live process started, as the system says it (Linux: clock ticks after boot, from
    ``/proc``; '' where the system does not say, so the id alone is checked); None when no
    process has this id, or only an exited one not yet reaped."""
    if not process_alive(pid):
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return ""
    return None if fields[0] == "Z" else fields[19]  # the state, then field 22: starttime


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
