"""Lane jobs on their own (no models loaded): a job whose server stopped says so, a job a live
sibling worker scores does not, unfinished jobs expire, a cancelled job stops counting against
the limit at once, and the messages give durations as people read them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from cargorisk.api_models import JobOut
from cargorisk.service.errors import Overloaded
from cargorisk.service.jobs import HOST, RUNNER_GONE, SPACE, JobNotFound, Jobs, duration, process_start

BOOK = pd.DataFrame({"lane_id": ["a"], "origin": ["x"], "destination": ["y"]})


def idle() -> SimpleNamespace:
    """A worker computing no request (slices start at once)."""
    foreground = SimpleNamespace(idle=threading.Event(), idle_since=0.0)
    foreground.idle.set()
    return foreground


def wait_for(jobs: Jobs, job: str, state: str, seconds: float = 20) -> dict:
    """The job's status once it is ``state`` (or the last one seen)."""
    deadline = time.monotonic() + seconds
    while (status := jobs.status(job))["status"] != state and time.monotonic() < deadline:
        time.sleep(0.02)
    return status


WORKER = textwrap.dedent(
    """
    import sys, threading, time
    from types import SimpleNamespace
    import pandas as pd
    from cargorisk.service.jobs import Jobs

    foreground = SimpleNamespace(idle=threading.Event(), idle_since=0.0)
    foreground.idle.set()
    jobs = Jobs(sys.argv[1], lambda book: time.sleep(30) or book, foreground, max_jobs=2, ttl_s=600)
    book = pd.DataFrame({"lane_id": ["a"], "origin": ["x"], "destination": ["y"]})
    print(jobs.submit(book)["job"], jobs.submit(book)["job"], flush=True)
    time.sleep(60)
    """
)


def test_a_job_whose_server_stopped_is_failed(tmp_path: Path) -> None:
    """An audit found jobs queued or running when the server got SIGTERM said 'running' and
    'queued' forever after the restart: the books died with the process that held them."""
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    running, queued = worker.stdout.readline().split()
    jobs = Jobs(tmp_path, lambda book: book, idle(), max_jobs=2, ttl_s=600)  # the restarted server
    assert wait_for(jobs, running, "running")["status"] == "running"  # alive in its worker
    assert jobs.status(queued)["status"] == "queued"
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)
    for job in (running, queued):
        status = jobs.status(job)
        assert status["status"] == "failed" and status["error"] == RUNNER_GONE, status
        JobOut.model_validate(status)  # the API's model: the runner is not shown
    assert json.loads((tmp_path / f"{running}.json").read_text())["status"] == "failed"  # written once


def test_a_job_of_a_live_sibling_worker_is_not_failed(tmp_path: Path) -> None:
    """Workers share jobs through files: a job scored by another live process stays running;
    a process that took its id since (another start time) is not its runner."""
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        jobs = Jobs(tmp_path, lambda book: book, idle(), max_jobs=2, ttl_s=600)
        runner = {"host": HOST, "space": SPACE, "pid": sibling.pid, "started": process_start(sibling.pid)}
        record = {
            "job": "ab" * 12,
            "status": "running",
            "rows": 20,
            "scored": 8,
            "failed": 0,
            "created": "2026-01-01T00:00:00+00:00",
            "result": None,
            "error": None,
            "runner": runner,
        }
        jobs.write(record)
        assert jobs.status(record["job"])["status"] == "running"
        elsewhere = {**record, "job": "cd" * 12, "runner": {**record["runner"], "host": "another-host"}}
        jobs.write(elsewhere)
        assert jobs.status(elsewhere["job"])["status"] == "running"  # cannot be checked: it expires
        # a container with this host name (host networking) and ids of its own: not checkable
        contained = {
            **record,
            "job": "ce" * 12,
            "runner": {**record["runner"], "space": "pid:[1] other-boot"},
        }
        jobs.write(contained)
        assert jobs.status(contained["job"])["status"] == "running"
        reused = {**record, "job": "ef" * 12, "runner": {**record["runner"], "started": "1"}}
        jobs.write(reused)
        assert jobs.status(reused["job"])["error"] == RUNNER_GONE  # its id, another process
    finally:
        sibling.kill()
        sibling.wait(30)
    assert jobs.status(record["job"])["status"] == "failed"
    assert jobs.status(elsewhere["job"])["status"] == "running"


@pytest.mark.parametrize("state", ["queued", "running"])
def test_unfinished_jobs_expire_too(tmp_path: Path, state: str) -> None:
    """A queued or running record past its ``expires`` (e.g. written before runners were
    recorded, or by a server on another host) was served forever; it is not found now."""
    jobs = Jobs(tmp_path, lambda book: book, idle(), max_jobs=2, ttl_s=60)
    job = "0123456789abcdef01234567"
    record = {
        "job": job,
        "status": state,
        "rows": 200,
        "scored": 0,
        "failed": 0,
        "result": None,
        "error": None,
        "created": "2026-01-01T00:00:00+00:00",
        "expires": "2026-01-01T01:00:00+00:00",
    }
    (tmp_path / f"{job}.json").write_text(json.dumps(record))
    with pytest.raises(JobNotFound, match="expired at 2026-01-01T01:00:00"):
        jobs.status(job)


def test_a_running_job_stays_while_it_progresses(tmp_path: Path) -> None:
    """A job's ``expires`` moves with every slice it scores: a book that takes longer than the
    time jobs are kept is not lost while it runs."""
    # a record is kept at least ttl_s - 1 s (``expires`` is written to the second): slices of
    # 0.2 s leave ~2.8 s to spare between two writes on a loaded machine; the book (5 s) outlasts ttl_s
    jobs = Jobs(
        tmp_path, lambda book: time.sleep(0.2) or book.assign(status="ok"), idle(), max_jobs=1, ttl_s=4
    )
    book = pd.concat([BOOK] * 200, ignore_index=True)  # 25 slices, 5 s in all
    job = jobs.submit(book)["job"]
    assert wait_for(jobs, job, "done", seconds=60)["status"] == "done"


def test_a_cancelled_queued_job_stops_counting_at_once(tmp_path: Path) -> None:
    """A cancelled queued job counted against ``max_jobs`` (and the jobs metric) until the
    runner reached it; it stops counting when cancelled, by this worker or another."""
    release = threading.Event()
    jobs = Jobs(
        tmp_path, lambda book: release.wait(20) and book.assign(status="ok"), idle(), max_jobs=2, ttl_s=600
    )
    running = jobs.submit(BOOK)["job"]
    wait_for(jobs, running, "running")
    queued = jobs.submit(BOOK)["job"]
    assert jobs.depth == 2
    with pytest.raises(Overloaded):
        jobs.submit(BOOK)
    assert jobs.cancel(queued)["status"] == "cancelled"
    assert jobs.depth == 1 and queued not in jobs.books  # its book is dropped too
    third = jobs.submit(BOOK)["job"]  # room again
    sibling = Jobs(tmp_path, lambda book: book, idle(), max_jobs=2, ttl_s=600)  # another worker
    sibling.cancel(third)
    assert jobs.depth == 1 and third not in jobs.books
    release.set()
    assert wait_for(jobs, running, "done")["status"] == "done"
    assert jobs.status(third)["status"] == "cancelled"
    # the runner lets go of the job just after writing "done": give its thread a moment
    deadline = time.monotonic() + 10
    while jobs.depth and time.monotonic() < deadline:
        time.sleep(0.01)
    assert jobs.depth == 0


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(45, "45 s"), (60, "60 s"), (90, "90 s"), (300, "5 min"), (3600, "1 h"), (9000, "2.5 h")],
)
def test_durations_read_as_people_read_them(seconds: float, said: str) -> None:
    assert duration(seconds) == said


def test_the_job_not_found_message_says_how_long_jobs_are_kept(tmp_path: Path) -> None:
    """It said 'kept 0.0166667 h' for a minute."""
    jobs = Jobs(tmp_path, lambda book: book, idle(), max_jobs=1, ttl_s=60)
    with pytest.raises(JobNotFound, match=r"jobs are kept 60 s after their last change\)$"):
        jobs.status("0123456789abcdef01234567")


def test_a_book_queued_behind_a_long_one_does_not_expire_unscored(tmp_path: Path) -> None:
    """A queued record was written once: behind a book scoring longer than the TTL it expired
    and was dropped unscored. The runner moves the queued records' expiry at every slice."""

    def slow(book: pd.DataFrame) -> pd.DataFrame:
        time.sleep(0.5)
        return book.assign(status="ok")

    # kept at least ttl_s - 1 s (``expires`` is to the second): ~2.5 s to spare between two
    # slices on a loaded machine, while the book ahead (6 s) outlasts ttl_s
    jobs = Jobs(tmp_path, slow, idle(), max_jobs=2, ttl_s=4)
    lanes = pd.DataFrame({"lane_id": range(96), "origin": "a", "destination": "b"})
    first, second = jobs.submit(lanes)["job"], jobs.submit(lanes.head(8))["job"]
    assert wait_for(jobs, second, "done", seconds=90)["status"] == "done"  # 12 slices of 0.5 s ahead
    assert jobs.status(first)["status"] == "done"
