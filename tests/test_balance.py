"""Workers share their requests under way through files, and a worker closes a keep-alive
connection only when a sibling is less busy (cargorisk.service.balance)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cargorisk.config import Settings
from cargorisk.service import create_app
from cargorisk.service.balance import WORKER_DIR_ENV, Depths
from cargorisk.service.limits import Gate, ServiceOptions


@pytest.fixture
def sibling() -> Iterator[subprocess.Popen]:
    """A live process standing for a sibling worker (its pid names the sibling's file)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child
    child.kill()
    child.wait()


def test_depths_are_read_from_live_siblings_only(tmp_path: Path, sibling: subprocess.Popen) -> None:
    own, other = Depths(tmp_path, rescan_s=0), Depths(tmp_path, pid=sibling.pid, rescan_s=0)
    assert own.least_sibling() is None  # nobody has written yet
    other.publish(3)
    own.publish(5)
    assert own.least_sibling() == 3
    assert other.least_sibling() == 5
    other.publish(1)  # read again, not remembered
    assert own.least_sibling() == 1
    sibling.kill()
    sibling.wait()
    assert own.least_sibling() is None  # a sibling whose process has gone is passed over ...
    assert sorted(p.name for p in tmp_path.iterdir()) == [str(own.pid)]  # ... and its file removed
    own.close()
    assert not any(tmp_path.iterdir())


def test_siblings_are_looked_for_once_a_rescan(tmp_path: Path, sibling: subprocess.Popen) -> None:
    own = Depths(tmp_path, rescan_s=3600)
    assert own.least_sibling() is None  # scanned now: no file yet
    Depths(tmp_path, pid=sibling.pid).publish(2)
    assert own.least_sibling() is None  # not looked for until the next scan
    own.scanned -= 3600
    assert own.least_sibling() == 2


def test_closing_only_for_a_less_busy_sibling(tmp_path: Path, sibling: subprocess.Popen) -> None:
    gate = Gate(ServiceOptions(), Depths(tmp_path, rescan_s=0))
    other = Depths(tmp_path, pid=sibling.pid)
    gate.running, gate.waiting = 1, 2
    for depth, close in ((0, True), (2, True), (3, False), (7, False)):
        other.publish(depth)
        assert gate.should_close() is close, depth


def test_without_siblings_a_busy_worker_closes(tmp_path: Path) -> None:
    for depths in (Depths(None), Depths(tmp_path, rescan_s=0)):  # no folder; a folder of its own alone
        gate = Gate(ServiceOptions(slots=2), depths)
        gate.running = 1
        assert not gate.should_close()  # a slot is free
        gate.waiting = 1
        assert gate.should_close()


def test_the_gate_publishes_its_depth_and_answers_say_when_to_reconnect(
    trained: Settings, tmp_path: Path, sibling: subprocess.Popen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app reads the folder from the environment, its gate writes what runs and waits, and
    an answer closes its connection when the sibling is less busy."""
    monkeypatch.setenv(WORKER_DIR_ENV, str(tmp_path))
    app = create_app(trained)
    other = Depths(tmp_path, pid=sibling.pid)
    client = TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000))
    body = {"origin": "Monterrey, NL", "destination": "Dallas, TX", "depart": "2026-03-02T06:00-06:00"}
    assert client.post("/v1/route", json=body).status_code == 200
    mine = tmp_path / str(app.state.gate.depths.pid)
    assert int.from_bytes(mine.read_bytes(), "little") == 0  # the plan ran and left
    app.state.gate.depths.rescan_s = 0
    app.state.gate.waiting = 2  # two plans queued here (set by hand: /healthz does not queue)
    other.publish(1)
    assert client.get("/healthz").headers.get("connection") == "close"
    other.publish(2)
    assert client.get("/healthz").headers.get("connection") != "close"
    app.state.gate.waiting = 0
