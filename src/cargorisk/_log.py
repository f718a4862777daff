"""Stage logging: ``--verbose`` says what each stage did and how long it took."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

log = logging.getLogger("cargorisk")


@contextlib.contextmanager
def stage(name: str) -> Iterator[dict]:
    """Log ``name`` when it starts and, with its duration and any ``result`` note, when it ends."""
    note: dict = {}
    log.info("%s ...", name)
    start = time.perf_counter()
    yield note
    extra = f" ({note['result']})" if note.get("result") else ""
    log.info("%s done in %.2f s%s", name, time.perf_counter() - start, extra)
