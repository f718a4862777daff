"""The service as an operator runs it (a third audit): lane jobs of a worker that stops are
failed at once, a jobs folder that cannot be written is the server's fault (503, its path in the
log only, /readyz not ready; one line at start-up), /readyz ignores a model file merely touched,
CORS origins are written as browsers send them, keys no client can send are refused, gzip
honours ``q=0``, and a port in use is one line without a start-up line before it."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.service import check_host, create_app
from cargorisk.service.errors import Overloaded
from cargorisk.service.jobs import RUNNER_GONE, Jobs
from cargorisk.service.limits import ServiceOptions

BOOK = pd.DataFrame({"lane_id": ["a"], "origin": ["x"], "destination": ["y"]})
CLI = Path(sys.executable).with_name("cargorisk")


def local(app: object) -> TestClient:
    """A client on this machine (the app answers only loopback clients without an API key)."""
    return TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000))


def idle() -> SimpleNamespace:
    """A worker computing no request (slices start at once)."""
    foreground = SimpleNamespace(idle=threading.Event(), idle_since=0.0)
    foreground.idle.set()
    return foreground


def saved(folder: Path, job: str) -> dict:
    """A job's record as written in its folder."""
    return json.loads((folder / f"{job}.json").read_text())


def until(check: object, seconds: float = 60) -> object:
    """``check()`` once it is true (or its last value)."""
    deadline = time.monotonic() + seconds
    while not (found := check()) and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)
    return found


@pytest.fixture
def jobs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A jobs folder of the test's own for the apps it makes (CARGORISK_JOBS_DIR)."""
    folder = tmp_path / "jobs"
    monkeypatch.setenv("CARGORISK_JOBS_DIR", str(folder))
    return folder


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """The messages the service logs meanwhile (whatever its logger's handlers and level)."""
    found: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: found.append(record.getMessage())  # type: ignore[method-assign]
    service = logging.getLogger("cargorisk.service")
    level = service.level
    service.addHandler(handler)
    service.setLevel(logging.INFO)
    try:
        yield found
    finally:
        service.removeHandler(handler)
        service.setLevel(level)


# ---- M2: the lane jobs of a worker that stops ----


def test_a_stopping_worker_marks_its_own_jobs_failed(tmp_path: Path) -> None:
    """An audit found a job 'running' for an hour after a container restart: the new server
    cannot check a process of another PID namespace or host. The worker that stops marks its
    queued and running books failed itself; its runner writes nothing after that, and a book
    posted meanwhile is refused."""
    release = threading.Event()
    jobs = Jobs(tmp_path, lambda book: release.wait(30) and book, idle(), max_jobs=3, ttl_s=600)
    running, queued = jobs.submit(BOOK)["job"], jobs.submit(BOOK)["job"]
    assert until(lambda: jobs.status(running)["status"] == "running")
    jobs.close()
    for job in (running, queued):
        assert saved(tmp_path, job)["status"] == "failed" and saved(tmp_path, job)["error"] == RUNNER_GONE
    release.set()  # the slice under way ends: its result is not written over the failure
    assert until(lambda: jobs.current is None, 30)
    assert saved(tmp_path, running)["status"] == "failed" and not (tmp_path / f"{running}.csv").exists()
    with pytest.raises(Overloaded, match="stopping"):
        jobs.submit(BOOK)
    # a server started again reads the records (this process, their runner, still lives)
    again = Jobs(tmp_path, lambda book: book, idle(), max_jobs=3, ttl_s=600)
    assert {again.status(j)["status"] for j in (running, queued)} == {"failed"}


def test_a_server_that_stops_fails_its_lane_jobs(
    trained: Settings, serve_app: object, jobs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's graceful stop (as on SIGTERM or Ctrl-C) ends the app's lifespan: the book
    being scored and the one queued behind it are failed with the API's words, not left
    'running' and 'queued' until they expire."""
    import cargorisk.service.app as service_app  # noqa: PLC0415

    go, score = threading.Event(), service_app.score_book
    monkeypatch.setattr(service_app, "score_book", lambda router, part: go.wait(60) and score(router, part))
    book = "lane_id,origin,destination\n" + "".join(f"L{i},Saltillo,Monterrey\n" for i in range(40))
    try:
        with serve_app(create_app(trained, options=ServiceOptions(sync_lanes=1))) as base:
            posted = [
                httpx.post(f"{base}/v1/lanes", files={"file": ("b.csv", book, "text/csv")}, timeout=60)
                for _ in range(2)
            ]
            assert [p.status_code for p in posted] == [202, 202]
            running, queued = (p.json()["job"] for p in posted)
            assert until(lambda: httpx.get(f"{base}/v1/lanes/{running}").json()["status"] == "running")
    finally:
        go.set()
    for job in (running, queued):
        record = saved(jobs_dir, job)
        assert (record["status"], record["error"]) == ("failed", RUNNER_GONE), record


# ---- M3: a jobs folder that cannot be written ----


def test_an_unwritable_jobs_folder_is_the_servers_fault(
    trained: Settings, jobs_dir: Path, logged: list[str]
) -> None:
    """An audit got '400 input_error: cannot write /srv/.../jobs/x.json: Permission denied' for
    a book (a client told it erred does not retry; the server logged nothing; /readyz stayed
    200). Now: 503 job_store_error without the path, the path in the server's log, /readyz not
    ready until the folder can be written again."""
    client = local(create_app(trained, options=ServiceOptions(sync_lanes=1)))
    book = "lane_id,origin,destination\nL1,Saltillo,Monterrey\nL2,Saltillo,Torreón\n"
    shutil.rmtree(jobs_dir)
    jobs_dir.write_text("")  # a file where the folder was: no one, root included, writes in it
    refused = client.post("/v1/lanes", files={"file": ("b.csv", book, "text/csv")})
    assert refused.status_code == 503 and refused.json()["code"] == "job_store_error", refused.text
    assert str(jobs_dir.parent) not in refused.text and "/" not in refused.json()["error"]
    assert any(str(jobs_dir) in line for line in logged)  # the operator sees which folder
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["code"] == "job_store_error"
    assert str(jobs_dir.parent) not in ready.text
    jobs_dir.unlink()
    jobs_dir.mkdir()
    assert client.get("/readyz").status_code == 200
    assert client.post("/v1/lanes", files={"file": ("b.csv", book, "text/csv")}).status_code == 202


@pytest.mark.parametrize("how", ["serve", "serve --workers 2", "uvicorn --workers 2"])
def test_a_jobs_folder_that_cannot_be_made_stops_start_up_in_one_line(
    trained: Settings, tmp_path: Path, how: str
) -> None:
    """It was a traceback and exit 1 with one worker, a traceback, 'aborted' and exit 130 with
    two; the README promises one line and exit status 1, as for models that cannot be read.
    uvicorn started directly: each worker says it in one line and the server stops."""
    (tmp_path / "afile").write_text("")
    env = {
        **os.environ,
        "CARGORISK_DATA_DIR": str(trained.data_dir),
        "CARGORISK_MODELS_DIR": str(trained.models_dir),
        "CARGORISK_JOBS_DIR": str(tmp_path / "afile" / "jobs"),
    }
    port = str(free_port())
    if how.startswith("uvicorn"):
        uvicorn = str(Path(sys.executable).with_name("uvicorn"))
        command = [uvicorn, "cargorisk.service:create_app", "--factory", "--workers", "2", "--port", port]
    else:
        command = [str(CLI), *how.split(), "--port", port]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    errors = [row for row in done.stderr.splitlines() if row.startswith("error:")]
    assert "Traceback" not in done.stderr and errors, done.stderr
    assert all(
        e.startswith("error: JobStoreError: cannot use the lane jobs folder")
        and "(Not a directory); set CARGORISK_JOBS_DIR" in e
        for e in errors
    )
    if how.startswith("uvicorn"):
        assert "failed to start, stopping the parent process" in done.stderr
    else:
        assert done.returncode == 1 and len(errors) == 1 and "cargorisk 0.1" not in done.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- M7: /readyz and a model file merely touched ----


def test_readyz_is_stale_on_other_contents_not_on_a_touch(trained: Settings, tmp_path: Path) -> None:
    """An audit's `touch models/theft_exposure.json` made every replica on a shared volume answer
    503 stale_models until restarted (an rsync or a restored backup does the same). The
    contents are compared: a touch stays ready, other bytes are stale, the old bytes back are
    ready again."""
    models = tmp_path / "models"
    shutil.copytree(trained.models_dir, models)
    client = local(create_app(dataclasses.replace(trained, models_dir=models)))
    assert client.get("/readyz").status_code == 200
    touched = next(p for p in sorted(models.glob("*.json")))
    later = time.time() + 60
    os.utime(touched, (later, later))
    assert client.get("/readyz").status_code == 200, client.get("/readyz").text
    before = touched.read_bytes()
    touched.write_bytes(before + b" ")
    stale = client.get("/readyz")
    assert stale.status_code == 503 and stale.json()["code"] == "stale_models"
    touched.write_bytes(before)
    assert client.get("/readyz").status_code == 200
    (models / "extra.json").write_text("{}")  # a file more (or fewer): stale
    assert client.get("/readyz").json()["code"] == "stale_models"


# ---- L1: CORS origins ----


def test_cors_origins_are_written_as_browsers_send_them(trained: Settings) -> None:
    """`CARGORISK_CORS_ORIGINS=https://tms.example.com/` refused every preflight of that page
    (browsers send no slash) while its posts were computed and answered without the CORS
    header. Now the slash, upper case and a default port are dropped; a value that is not an
    origin is one line at start-up."""
    env = {"CARGORISK_CORS_ORIGINS": "https://tms.example.com/, HTTP://Localhost:3000, https://b.example:443"}
    options = ServiceOptions.from_env(env)
    assert options.cors_origins == ("https://tms.example.com", "http://localhost:3000", "https://b.example")
    client = local(create_app(trained, options=options))
    page = {"Origin": "https://tms.example.com"}
    preflight = client.options(
        "/v1/route",
        headers={
            **page,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://tms.example.com"
    answer = client.post(
        "/v1/route", json={"origin": "Monterrey, NL", "destination": "Laredo, TX"}, headers=page
    )
    assert (
        answer.status_code == 200
        and answer.headers["access-control-allow-origin"] == "https://tms.example.com"
    )
    for wrong in ("tms.example.com", "https://tms.example.com/app", "localhost:3000"):
        with pytest.raises(InputError, match=f"CARGORISK_CORS_ORIGINS: '{wrong}' is not an origin"):
            ServiceOptions.from_env({"CARGORISK_CORS_ORIGINS": wrong})
    assert ServiceOptions.from_env({"CARGORISK_CORS_ORIGINS": "null, *"}).cors_origins == ("null", "*")


# ---- L2: API keys ----


def test_keys_no_client_can_send_or_too_short_are_refused(
    trained: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """A secret file's newline ('abc123\\n'), a blank key, or a 1-character one started the
    server, whose every keyed request was then a 401, and satisfied --host 0.0.0.0. Now a
    key with spaces or a line break at an end, or a control character, is refused wherever
    the app runs; beyond this machine a key needs 16 characters."""
    strong = "k" * 16
    check_host("0.0.0.0", strong)
    check_host("127.0.0.1", "s3cret")  # on this machine only: a short key is the user's business
    for short in ("a", "abc123", "k" * 15):
        with pytest.raises(InputError, match="use a key of at least 16 random ones"):
            check_host("0.0.0.0", short)
    for unsendable in (f"{strong}\n", f" {strong}", " ", f"{strong[:8]}\x1b{strong[8:]}"):
        with pytest.raises(InputError, match="no client can send in X-API-Key"):
            check_host("127.0.0.1", unsendable)
        monkeypatch.setenv("CARGORISK_API_KEY", unsendable)
        with pytest.raises(InputError, match="no client can send in X-API-Key"):
            create_app(trained)  # uvicorn --factory: the same refusal
    monkeypatch.setenv("CARGORISK_API_KEY", "abc123")
    assert main(["--data-dir", str(trained.data_dir), "serve", "--host", "0.0.0.0"]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and said[0].startswith("error: InputError: --host 0.0.0.0") and "16" in said[0]


# ---- L5: gzip and q=0 ----


def test_gzip_honours_a_weight_of_zero(trained: Settings) -> None:
    """`Accept-Encoding: br, gzip;q=0` says gzip is not acceptable; it was sent gzip."""
    client = local(create_app(trained))
    for header, packed in (("br, gzip;q=0", False), ("gzip;q=0.5", True), ("identity", False)):
        answer = client.get("/v1/ports", headers={"Accept-Encoding": header})
        assert answer.status_code == 200 and len(answer.json()) > 10
        assert (answer.headers.get("content-encoding") == "gzip") == packed, header
        assert "Accept-Encoding" in answer.headers.get("vary", "")
    from cargorisk.service.app import accepts_gzip  # noqa: PLC0415

    cases = {
        "gzip": True, "gzip, deflate, br": True, "br;q=1.0, gzip;q=0.8": True, "GZIP;Q=0.5": True,
        "*": True, "identity": False, "": False, "br, gzip;q=0": False, "gzip;q=0.000": False,
        "gzip; q=0, *": False, "*;q=0": False, "x-gzip": True,
    }  # fmt: skip
    assert {header: accepts_gzip(header) for header in cases} == cases


# ---- L7: the start-up line and the port ----


def test_a_port_in_use_is_one_line_and_no_start_up_line(
    trained: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, logged: list[str]
) -> None:
    """The start-up line ('cargorisk 0.1.0 on http://…') came before uvicorn bound the port, then
    'address already in use' and exit status 3: a log watcher saw success first. Now the port
    is bound before the line, and a port in use is one line and exit status 1."""
    monkeypatch.delenv("CARGORISK_WORKER_DIR", raising=False)  # serve drops it; restored after
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main([
            "--data-dir", str(trained.data_dir), "--models-dir", str(trained.models_dir),
            "serve", "--port", str(port),
        ])  # fmt: skip
    said = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(said) == 1, said
    assert said[0].startswith(
        f"error: InputError: cannot listen on 127.0.0.1:{port} (Address already in use)"
    )
    assert not [line for line in logged if " on http://" in line]  # no start-up line
