"""The collector settings of long-running processes (cargorisk._heap): the service's workers
and a lane book's processes collect young objects every YOUNG_EVERY allocations; nothing else
changes the embedding process's collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from cargorisk import _heap
from cargorisk.batch import book_router
from cargorisk.config import Settings
from cargorisk.service import create_app


@pytest.fixture
def default_collector() -> Iterator[None]:
    """CPython's default thresholds for the test, the process's own restored after it."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
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
def test_the_service_and_a_lane_book_process_set_it(trained: Settings) -> None:
    book_router(trained, 2025)
    assert gc.get_threshold()[0] == _heap.YOUNG_EVERY
    gc.set_threshold(700, 10, 10)
    create_app(trained)
    assert gc.get_threshold()[0] == _heap.YOUNG_EVERY


@pytest.mark.usefixtures("default_collector")
def test_planning_from_python_leaves_the_collector_alone(router: object) -> None:
    router.plan("Monterrey, NL", "Dallas, TX", alternatives=0)
    assert gc.get_threshold() == (700, 10, 10)
