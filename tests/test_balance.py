"""Workers share their requests under way through locked files, and a worker closes a
keep-alive connection only when a sibling is less busy (cargorisk.service.balance)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import anyio
import pytest

from cargorisk.config import Settings
from cargorisk.service import run as service_run
from cargorisk.service.balance import WORKER_DIR_ENV, Depths
from cargorisk.service.limits import Gate, ServiceOptions

pytestmark = pytest.mark.skipif(not hasattr(os, "pwrite"), reason="depths are shared on POSIX only")
CHILD = (
    "import sys, time; from cargorisk.service.balance import Depths; "
    "Depths(sys.argv[1]).publish(4); print('ready', flush=True); time.sleep(60)"
)


def test_depths_are_read_from_siblings_that_live(tmp_path: Path) -> None:
    own, other = Depths(tmp_path, "a", rescan_s=0), Depths(tmp_path, "b", rescan_s=0)
    assert own.least_sibling() is None  # nobody has written yet
    other.publish(3)
    own.publish(5)
    assert (own.least_sibling(), other.least_sibling()) == (3, 5)
    other.publish(1)  # read again at every answer, not remembered
    assert own.least_sibling() == 1
    os.close(other.own)  # "b" ends without a word: its lock goes with its file
    assert own.least_sibling() is None
    assert [p.name for p in tmp_path.iterdir()] == ["a"]  # its file removed by a sibling
    own.close()
    assert not any(tmp_path.iterdir())


def test_a_sibling_process_counts_while_it_runs(tmp_path: Path) -> None:
    """Across processes, and a worker whose process has ended is passed over whatever
    becomes of its process id (the lock goes with the process)."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        own = Depths(tmp_path, rescan_s=0)
        assert own.least_sibling() == 4
    finally:
        child.kill()
        child.wait()
    assert own.least_sibling() is None
    assert not (tmp_path / str(child.pid)).exists()


def test_siblings_are_looked_for_once_a_rescan(tmp_path: Path) -> None:
    own = Depths(tmp_path, "a", rescan_s=3600)
    assert own.least_sibling() is None  # scanned now: no file yet
    Depths(tmp_path, "b").publish(2)
    assert own.least_sibling() is None  # not looked for until the next scan
    own.scanned -= 3600
    assert own.least_sibling() == 2


def test_a_worker_whose_file_was_removed_writes_it_again(tmp_path: Path) -> None:
    own, other = Depths(tmp_path, "a", rescan_s=0), Depths(tmp_path, "b", rescan_s=0)
    own.publish(3)
    (tmp_path / "a").unlink()  # e.g. a cleaner of temporary files
    assert other.least_sibling() is None
    own.least_sibling()  # its next scan
    assert other.least_sibling() == 0  # back, idle until its depth next changes
    own.publish(2)
    assert other.least_sibling() == 2


def test_closing_only_for_a_less_busy_sibling(tmp_path: Path) -> None:
    gate = Gate(ServiceOptions(), Depths(tmp_path, "a", rescan_s=0))
    other = Depths(tmp_path, "b")
    gate.running, gate.waiting = 1, 2
    for depth, close in ((0, True), (2, True), (3, False), (7, False)):
        other.publish(depth)
        assert gate.should_close() is close, depth


def test_without_siblings_a_busy_worker_closes(tmp_path: Path) -> None:
    for depths in (Depths(None), Depths(tmp_path, rescan_s=0)):  # no folder; a folder of its own alone
        gate = Gate(ServiceOptions(slots=2), depths)  # publishes its own file where there is a folder
        gate.running = 1
        assert not gate.should_close()  # a slot is free
        gate.waiting = 1
        assert gate.should_close()
    assert [p.name for p in tmp_path.iterdir()] == [str(os.getpid())]


class Client:
    """A request whose client stays (what the gate asks of a request)."""

    async def is_disconnected(self) -> bool:
        return False


def test_the_gate_publishes_what_runs_and_waits(tmp_path: Path) -> None:
    gate = Gate(ServiceOptions(slots=1), Depths(tmp_path, "a"))
    mine = tmp_path / "a"
    assert mine.read_bytes() == (0).to_bytes(8, "little")
    seen, go = [], threading.Event()

    def first(_: threading.Event) -> None:
        go.wait(10)  # until the second request queues behind it
        seen.append(int.from_bytes(mine.read_bytes(), "little"))

    def second(_: threading.Event) -> None:
        seen.append(int.from_bytes(mine.read_bytes(), "little"))

    async def both() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(gate.run, Client(), first)
            await anyio.sleep(0.2)
            group.start_soon(gate.run, Client(), second)
            await anyio.sleep(0.2)
            seen.append(gate.depth)
            go.set()

    anyio.run(both)
    assert seen == [2, 2, 1]  # queued behind a running one; running alone
    assert mine.read_bytes() == (0).to_bytes(8, "little")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_shares_depths_between_several_workers_only(
    trained: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    import uvicorn  # noqa: PLC0415

    import cargorisk.service.app as service_app  # noqa: PLC0415

    found = []

    def record(*_: object, **__: object) -> None:
        folder = os.environ.get(WORKER_DIR_ENV)
        found.append(bool(folder) and Path(str(folder)).is_dir())

    for name in ("CARGORISK_DATA_DIR", "CARGORISK_MODELS_DIR", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.setenv(name, "")  # serve sets them for its workers: recorded, so restored after
        monkeypatch.delenv(name)
    monkeypatch.setenv(WORKER_DIR_ENV, str(tmp_path))  # inherited: one worker drops it
    monkeypatch.setattr(uvicorn, "run", record)
    monkeypatch.setattr(service_run, "preflight", lambda settings: None)
    monkeypatch.setattr(service_app, "create_app", lambda settings: None)
    service_run.serve(trained, "127.0.0.1", 8999, workers, quiet=True)
    assert found == [workers > 1]
    # after the workers, what was there before their folders (one worker dropped the inherited one)
    assert os.environ.get(WORKER_DIR_ENV) == (str(tmp_path) if workers > 1 else None)
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
