"""The collector settings of long-running work (cargorisk._heap): the service's workers and a
lane book's spawned processes collect young objects every YOUNG_EVERY allocations; scoring a
book anywhere else does so while it scores and gives the caller's thresholds back; planning
from Python changes nothing."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cargorisk import _heap, batch
from cargorisk.batch import LaneScorer, book_router
from cargorisk.config import Settings
from cargorisk.service import create_app

DEFAULT = (700, 10, 10)


@pytest.fixture
def default_collector() -> Iterator[None]:
    """CPython's default thresholds for the test, the process's own restored after it."""
    before = gc.get_threshold()
    gc.set_threshold(*DEFAULT)
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("default_collector")
def test_long_running_collects_young_objects_less_often_and_never_more() -> None:
    _heap.long_running()
    assert gc.get_threshold() == (_heap.YOUNG_EVERY, 10, 10)
    gc.set_threshold(10 * _heap.YOUNG_EVERY, 5, 5)  # an application's own, rarer: kept
    _heap.long_running()
    assert gc.get_threshold() == (10 * _heap.YOUNG_EVERY, 5, 5)
    gc.set_threshold(0)  # collection switched off by thresholds: left so
    _heap.long_running()
    assert gc.get_threshold()[0] == 0


@pytest.mark.usefixtures("default_collector")
def test_relaxed_gives_the_callers_thresholds_back_even_on_error() -> None:
    with pytest.raises(RuntimeError), _heap.relaxed():
        assert gc.get_threshold() == (_heap.YOUNG_EVERY, 10, 10)
        raise RuntimeError
    assert gc.get_threshold() == DEFAULT


@pytest.mark.usefixtures("default_collector")
def test_a_book_is_scored_with_young_collections_far_apart_then_the_callers_back(
    trained: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = LaneScorer(book_router(trained, 2025))
    assert gc.get_threshold() == DEFAULT  # building the router changes nothing
    seen = []
    score_row = LaneScorer.score_row
    monkeypatch.setattr(
        LaneScorer, "score_row", lambda self, row: seen.append(gc.get_threshold()) or score_row(self, row)
    )
    book = pd.DataFrame(
        {
            "lane_id": ["a", "b"],
            "origin": ["Monterrey, NL", "Saltillo"],
            "destination": ["Dallas, TX", "Laredo, TX"],
        }
    )
    assert (scorer.score_frame(book)["status"] == "ok").all()
    assert seen == [(_heap.YOUNG_EVERY, 10, 10)] * 2
    assert gc.get_threshold() == DEFAULT


@pytest.mark.usefixtures("default_collector")
def test_the_services_workers_and_a_books_spawned_processes_keep_it(
    trained: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "exit_with_parent", lambda parent: None)  # this is no spawned worker
    at_exit: list = []
    monkeypatch.setattr(batch.atexit, "register", at_exit.append)  # nor may pytest leave so
    try:
        batch.init_worker(trained, 2025)  # a Dask worker's first task: someone's process
        assert gc.get_threshold() == DEFAULT
        assert at_exit == []
        batch.init_worker(trained, 2025, parent=1)  # a process score-lanes --jobs spawned
        assert gc.get_threshold()[0] == _heap.YOUNG_EVERY
        assert at_exit == [batch.leave_without_teardown]
    finally:
        batch.WORKER.clear()
    gc.set_threshold(*DEFAULT)
    create_app(trained)
    assert gc.get_threshold()[0] == _heap.YOUNG_EVERY


@pytest.mark.usefixtures("default_collector")
def test_planning_from_python_leaves_the_collector_alone(router: object) -> None:
    router.plan("Monterrey, NL", "Dallas, TX", alternatives=0)
    assert gc.get_threshold() == DEFAULT


def test_a_spawned_process_leaves_without_teardown_and_loses_no_output(
    trained: Settings, tmp_path: Path
) -> None:
    """A process --jobs spawned ends by os._exit once scoring is over (its exit functions run,
    its streams flushed): exit code 0, what it printed last arrives, and the exit functions
    registered before its router (the teardown's) never run."""
    torn = tmp_path / "torn down"
    script = f"""
import atexit, os, sys
from pathlib import Path
import pandas as pd
from cargorisk import batch
from cargorisk.config import Settings
settings = Settings(data_dir=Path({str(trained.data_dir)!r}), models_dir=Path({str(trained.models_dir)!r}))
atexit.register(Path({str(torn)!r}).touch)  # before the router: runs only if the process tears down
batch.init_worker(settings, 2025, os.getppid())
book = pd.DataFrame({{"lane_id": ["a"], "origin": ["Saltillo"], "destination": ["Laredo, TX"]}})
scored = batch.score_chunk_in_worker(book)
print(scored["status"].iloc[0], "scored", end="")  # in the buffer: the exit flushes it
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "ok scored"
    assert not torn.exists()
