"""The cyclic garbage collector while cargorisk plans or scores for a long time (an HTTP service
worker, a lane book).

Planning allocates many small objects (schedules, activities, legs, rows), so with CPython's
default threshold (a young collection every 700 net allocations) the collector ran 866 young,
78 middle and 5 full collections while one process scored 2,986 lanes: 0.9 s of 10.2 s (9%),
the full ones walking every cached search and leg (about 0.12 s each). The router itself is out
of its reach already (:func:`~cargorisk.routing.snapshot.collector_paused` freezes it). A young
collection every :data:`YOUNG_EVERY` allocations leaves 6 young collections and no full one
for the same book (0.16 s). Nearly everything is freed by reference counting as it goes; what
waits for the collector (a request's shallow router copies, in a cycle with their pricer and
finder) holds no arrays of its own: a 90 s soak of varied plans on two workers settled at
2,706 MB (2,747 MB with the default thresholds).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_EVERY = 50_000  # net allocations of container objects between young collections


def long_running() -> None:
    """Collect young objects every :data:`YOUNG_EVERY` allocations (never more often than the
    process already does), for the rest of a process that plans or scores for a long time (the
    service's workers, a lane book's spawned processes)."""
    young, middle, old = gc.get_threshold()
    if 0 < young < YOUNG_EVERY:
        gc.set_threshold(YOUNG_EVERY, middle, old)


@contextlib.contextmanager
def relaxed() -> Iterator[None]:
    """:func:`long_running` while a lane book is scored in a process that is not only ours (a
    Python caller's, a Dask worker), the caller's thresholds back afterwards."""
    before = gc.get_threshold()
    long_running()
    try:
        yield
    finally:
        gc.set_threshold(*before)
