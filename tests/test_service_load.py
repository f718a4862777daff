"""The service under load, served by uvicorn on the loopback address: beyond its queue it
answers 503 with Retry-After at once (not minute-long waits), work whose client hung up is
abandoned, /healthz answers while a lane book is scored, and start-up with models that cannot
be loaded is one line and exit status 1 (no loop of dying workers)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from cargorisk.config import Settings
from cargorisk.service import create_app
from cargorisk.service.limits import ServiceOptions

MAP = {"origin": "Monterrey, NL", "destination": "Dallas, TX", "depart": "2026-03-02T06:00-06:00"}
LONG = {"origin": "Guadalajara", "destination": "Chicago", "depart": "2026-03-02T06:00-06:00"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def tight(trained: Settings, serve_app: object) -> Iterator[str]:
    """The app with one slot and a queue of two, on a free loopback port."""
    options = ServiceOptions(slots=1, queue=2, queue_wait_s=20, deadline_s=60, sync_lanes=10)
    with serve_app(create_app(trained, options=options)) as base:
        yield base


def png(
    base: str, i: int, timeout: float = 120, lane: dict | None = None, client: httpx.Client | None = None
) -> tuple[int, float, str | None]:
    """A map.png request (a distinct plan each; ``lane``: default :data:`MAP`; ``client``: one
    made beforehand, default a new one): status, seconds, Retry-After."""
    start = time.perf_counter()
    try:
        answer = (client or httpx).get(
            f"{base}/v1/route/map.png", params={**(lane or MAP), "cargo_value": 100_000 + i}, timeout=timeout
        )
    except httpx.TimeoutException:
        return 0, time.perf_counter() - start, None
    return answer.status_code, time.perf_counter() - start, answer.headers.get("retry-after")


def test_overload_is_503_at_once_and_health_answers(tight: str) -> None:
    """Ten PNG requests at once on one slot and a queue of two: the seven beyond are refused
    at once with Retry-After (not after the queue wait of 20 s); /healthz answers within a
    couple of seconds (margins for a loaded machine)."""
    clients = [httpx.Client() for _ in range(10)]  # made first, so the ten requests leave together
    together = threading.Barrier(10)

    def burst(i: int) -> tuple[int, float, str | None]:
        together.wait(timeout=60)
        return png(tight, i, client=clients[i])

    try:
        with ThreadPoolExecutor(10) as pool:
            found = list(pool.map(burst, range(10)))
            health = []
            for _ in range(5):
                start = time.perf_counter()
                assert httpx.get(f"{tight}/healthz", timeout=10).status_code == 200
                health.append(time.perf_counter() - start)
    finally:
        for client in clients:
            client.close()
    refused = [f for f in found if f[0] == 503]
    assert len(refused) >= 6 and all(seconds < 5 and retry for _, seconds, retry in refused), found
    assert {status for status, *_ in found} <= {200, 503}
    assert max(health) < 2, health


def test_abandoned_requests_stop(tight: str) -> None:
    """Six PNG requests of a long lane whose clients hang up after 0.3 s: those still waiting
    are dropped and the one running stops at its next stage, so a route request afterwards
    answers at once (rendering all six would take many seconds; a lane as short as Monterrey -
    Dallas may be planned and drawn within the 0.3 s, and then nothing is left to abandon)."""
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: png(tight, 1000 + i, timeout=0.3, lane=LONG), range(6)))
    # the server notices the hang-ups within a poll or two; a loaded machine may take longer
    # (a full queue would refuse the route below): wait until the queue is empty
    deadline = time.monotonic() + 30
    while metric(tight, "cargorisk_cpu_requests_waiting") and time.monotonic() < deadline:
        time.sleep(0.05)
    start = time.perf_counter()
    route = httpx.post(f"{tight}/v1/route", json={**MAP, "cargo_value": 77_777}, timeout=120)
    assert route.status_code == 200 and time.perf_counter() - start < 8
    deadline = time.monotonic() + 30  # the one running is counted once its stage has ended
    while (
        gone := metric(tight, "cargorisk_requests_total", 'status="499"')
    ) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone >= 2  # abandoned (the queue of two and the one running; the rest got a 503)


def metric(base: str, name: str, label: str = "") -> float:
    """The sum of a metric's series (those with ``label``) at /metrics."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    return sum(
        float(row.split()[-1])
        for row in text.splitlines()
        if row.split("{")[0].split()[0] == name and label in row
    )


def test_health_answers_while_a_book_is_scored(tight: str) -> None:
    """/healthz answers within a couple of seconds (a margin for a loaded machine) while a book
    that takes several seconds to score is scored (it is cancelled at the end)."""
    rows = "".join(
        f"L{i},Saltillo,{['Monterrey', 'Torreón', 'Chihuahua, Chih.'][i % 3]}\n" for i in range(1500)
    )
    book = "lane_id,origin,destination,cargo_value\n" + "".join(
        row.replace("\n", f",{10_000 + i}\n") for i, row in enumerate(rows.splitlines(keepends=True))
    )
    job = httpx.post(f"{tight}/v1/lanes", files={"file": ("b.csv", book, "text/csv")}, timeout=60)
    assert job.status_code == 202
    slowest = 0.0
    for _ in range(10):
        start = time.perf_counter()
        httpx.get(f"{tight}/healthz", timeout=10)
        slowest = max(slowest, time.perf_counter() - start)
        time.sleep(0.1)
    assert slowest < 2
    assert httpx.delete(f"{tight}{job.headers['location']}").json()["status"] in ("cancelled", "done")


def test_a_chunked_body_is_refused_at_the_limit(tight: str) -> None:
    """A 200 MB JSON body sent in 1 MB chunks without a declared length: the server answers 413
    after the limit (256 kB) and reads no further; the client sees the answer after a chunk."""
    host, port = tight.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(
            b"POST /v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (2**20, b" " * 2**20)
        sent, answer = 0, b""
        conn.settimeout(0.05)
        while sent < 200 and not answer:
            try:
                conn.sendall(chunk)
                sent += 1
                answer = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:  # the server closed the connection after its answer
                break
        conn.settimeout(10)
        while b'"too_large"' not in answer:  # the rest of the answer, until the server closes
            try:
                more = conn.recv(4096)
            except OSError:
                break
            if not more:
                break
            answer += more
    assert answer.startswith(b"HTTP/1.1 413") and b'"too_large"' in answer
    assert sent <= 5  # refused after the first chunks, not after 200 MB


def corrupt_models(trained: Settings, folder: Path) -> Settings:
    """A copy of the models folder whose theft model file is damaged."""
    shutil.copytree(trained.models_dir, folder)
    model = next(p for p in folder.iterdir() if p.name.startswith("theft_risk") and p.suffix == ".txt")
    model.write_text("not a model")
    return dataclasses.replace(trained, models_dir=folder)


def test_workers_that_cannot_load_stop_the_server(trained: Settings, tmp_path: Path) -> None:
    """`serve --workers 2` with a damaged model: one line, exit status 1; uvicorn started
    directly with --workers 2: each worker says why in one line and the server stops instead
    of respawning them."""
    broken = corrupt_models(trained, tmp_path / "models")
    env = {
        **os.environ,
        "CARGORISK_MODELS_DIR": str(broken.models_dir),
        "CARGORISK_DATA_DIR": str(trained.data_dir),
    }
    cli = Path(sys.executable).with_name("cargorisk")
    served = subprocess.run(
        [str(cli), "serve", "--port", str(free_port()), "--workers", "2"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    errors = [row for row in served.stderr.splitlines() if row.startswith("error:")]
    assert served.returncode == 1 and len(errors) == 1 and "Traceback" not in served.stderr, served.stderr
    direct = subprocess.run(
        [str(Path(sys.executable).with_name("uvicorn")), "cargorisk.service:create_app", "--factory",
         "--workers", "2", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    # uvicorn itself kills a worker that misses its 5 s health ping while loading (on a loaded
    # machine) and starts it again: a respawn or two, then the server stops (not a loop)
    assert "Traceback" not in direct.stderr and direct.stderr.count("error: ModelFileError") <= 4, (
        direct.stderr
    )
    assert "failed to start, stopping the parent process" in direct.stderr


def test_a_lane_job_starts_a_slice_once_the_worker_is_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client sending route requests one after another leaves gaps of a millisecond or two;
    a slice of a lane book started in such a gap would share the interpreter lock with the
    next request. A slice waits until the worker has been idle for QUIET_S, and at most
    YIELD_S while it is busy (a stream of requests cannot starve the book). The waits are
    timed on a clock of the test's own (a loaded machine stretches real ones by seconds)."""
    from types import SimpleNamespace  # noqa: PLC0415

    from cargorisk.service import jobs as jobs_module  # noqa: PLC0415
    from cargorisk.service.jobs import QUIET_S, YIELD_S, Jobs  # noqa: PLC0415

    clock = SimpleNamespace(now=1000.0, reads=0)
    mine = threading.get_ident()  # other threads (a server's lane jobs) keep the real clock

    def monotonic() -> float:
        if threading.get_ident() != mine:
            return time.monotonic()
        clock.reads += 1
        assert clock.reads < 100_000, "wait_for_quiet spins: it does not wait on the clock it reads"
        return clock.now

    def sleep(seconds: float) -> None:
        if threading.get_ident() != mine:
            time.sleep(seconds)
        else:
            clock.now += max(1e-6, seconds)  # a real sleep takes a moment (and sums round)

    class Idle:
        """threading.Event's set/clear/wait, a wait passing on the test's clock."""

        def __init__(self) -> None:
            self.flag = False

        def set(self) -> None:
            self.flag = True

        def clear(self) -> None:
            self.flag = False

        def wait(self, timeout: float | None = None) -> bool:
            if not self.flag:
                clock.now += max(0.0, timeout or 0.0)
            return self.flag

    monkeypatch.setattr(
        jobs_module, "time", SimpleNamespace(monotonic=monotonic, sleep=sleep, time=time.time)
    )
    foreground = SimpleNamespace(idle=Idle(), idle_since=0.0)
    jobs = Jobs(tmp_path, lambda book: book, foreground, max_jobs=1, ttl_s=60)

    def waited() -> float:
        start = clock.now
        jobs.wait_for_quiet()
        return clock.now - start

    foreground.idle.set()
    assert waited() < QUIET_S / 2  # idle for long: at once
    foreground.idle_since = clock.now  # a request has just finished
    assert QUIET_S * 0.9 <= waited() < YIELD_S / 2
    foreground.idle.clear()  # a request is under way
    assert waited() >= YIELD_S * 0.9


def test_a_finished_lane_job_expires_when_asked_for(tmp_path: Path) -> None:
    """An audit found a job served past its ``expires`` on an idle server (old jobs were only
    swept when the next book came). A finished job is kept ``ttl_s`` after it finished: its
    status says until when, and once that has passed it is not found and its files are gone."""
    import threading  # noqa: PLC0415
    from types import SimpleNamespace  # noqa: PLC0415

    import pandas as pd  # noqa: PLC0415

    from cargorisk.service.jobs import JobNotFound, Jobs  # noqa: PLC0415

    foreground = SimpleNamespace(idle=threading.Event(), idle_since=0.0)
    foreground.idle.set()
    # kept long enough that a loaded CI machine polls it while done (1 s expired between polls)
    jobs = Jobs(tmp_path, lambda book: book.assign(status="ok"), foreground, max_jobs=2, ttl_s=5.0)
    job = jobs.submit(pd.DataFrame({"lane_id": ["a"], "origin": ["x"], "destination": ["y"]}))["job"]
    deadline = time.monotonic() + 20
    while jobs.status(job)["status"] != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    done = jobs.status(job)
    assert done["status"] == "done" and jobs.result(job).exists()
    time.sleep(max(0.0, (pd.Timestamp(done["expires"]) - pd.Timestamp.now(tz="UTC")).total_seconds()) + 1.1)
    with pytest.raises(JobNotFound, match="expired"):
        jobs.status(job)
    assert not list(tmp_path.glob(f"{job}.*"))


def test_the_job_limit_counts_running_jobs_too(tmp_path: Path) -> None:
    """With max_jobs 1, a second book was queued behind the running one; the limit counts
    queued and running books, so it is a 503 (Overloaded)."""
    import threading  # noqa: PLC0415
    from types import SimpleNamespace  # noqa: PLC0415

    import pandas as pd  # noqa: PLC0415

    from cargorisk.service.errors import Overloaded  # noqa: PLC0415
    from cargorisk.service.jobs import Jobs  # noqa: PLC0415

    release = threading.Event()
    foreground = SimpleNamespace(idle=threading.Event(), idle_since=0.0)
    foreground.idle.set()
    jobs = Jobs(tmp_path, lambda book: release.wait(10) and book, foreground, max_jobs=1, ttl_s=60)
    book = pd.DataFrame({"lane_id": ["a"], "origin": ["x"], "destination": ["y"]})
    first = jobs.submit(book)["job"]
    deadline = time.monotonic() + 10
    while jobs.status(first)["status"] != "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    with pytest.raises(Overloaded, match="queued or running"):
        jobs.submit(book)
    release.set()
