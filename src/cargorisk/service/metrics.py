"""Prometheus metrics at ``GET /metrics``: requests by endpoint and status, latency, requests
under way and waiting, lane jobs, and the size of the route caches (bytes and entries).

With several workers (``cargorisk serve --workers N``) each worker writes its figures to the
folder in ``PROMETHEUS_MULTIPROC_DIR`` (``serve`` makes one) and a scrape adds them up, so one
scrape sees the whole server whichever worker answers it. Each worker writes its gauges after
every answer (at most every :data:`GAUGE_EVERY_S`), not only when it answers a scrape, and a
scrape drops the gauges of workers that have exited (uvicorn replaces a worker that dies; its
last queue depth and cache sizes stayed in the sum).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess

from cargorisk._io import process_alive

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
# label values are bounded: these methods or "other" (`curl -X FOOBAR` would add a series a
# request), and the endpoint is the route's template ("/v1/lanes/{job}"), "/static" or "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
GAUGE_EVERY_S = 0.5  # a worker's gauges are written after an answer at most this often
LIVE_GAUGE_FILE = re.compile(r"gauge_live\w*?_(\d+)\.db")


class Metrics:
    """The service's metrics in their own registry (several apps in one process do not clash)."""

    def __init__(self) -> None:
        self.shared = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        if self.shared:
            prom_multiprocess.MultiProcessCollector(self.registry)
        gauge = {"registry": None if self.shared else self.registry, "multiprocess_mode": "livesum"}
        counter = {"registry": None if self.shared else self.registry}
        self.requests = Counter(
            "cargorisk_requests_total", "HTTP requests answered", ["method", "endpoint", "status"], **counter
        )
        self.plans = Counter("cargorisk_plans_total", "Route plans computed (not re-used)", **counter)
        self.latency = Histogram(
            "cargorisk_request_seconds", "Time to answer", ["endpoint"], buckets=BUCKETS, **counter
        )
        self.running = Gauge("cargorisk_cpu_requests_running", "CPU requests computing", **gauge)
        self.waiting = Gauge("cargorisk_cpu_requests_waiting", "CPU requests waiting for a slot", **gauge)
        self.jobs = Gauge("cargorisk_lane_jobs_queued", "Lane jobs queued or running", **gauge)
        self.cache_bytes = Gauge("cargorisk_cache_bytes", "Route cache memory", ["cache"], **gauge)
        self.cache_entries = Gauge("cargorisk_cache_entries", "Route cache entries", ["cache"], **gauge)
        self.updated = float("-inf")

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        """One answered request (a method outside :data:`METHODS` counted as "other")."""
        self.requests.labels(method if method in METHODS else "other", endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def answered(self, app_state: object) -> None:
        """After an answer: the gauges (:meth:`update`), unless written less than
        :data:`GAUGE_EVERY_S` ago."""
        if time.monotonic() - self.updated >= GAUGE_EVERY_S:
            self.update(app_state)

    def scrape(self, app_state: object) -> bytes:
        """The metrics in Prometheus' text format: this worker's gauges brought up to date, and
        with several workers those of every worker alive."""
        self.update(app_state)
        if self.shared:
            drop_exited_workers(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))
        return generate_latest(self.registry)

    def update(self, app_state: object) -> None:
        """The gauges from the worker's gate, jobs and caches."""
        self.updated = time.monotonic()
        gate, jobs = app_state.gate, app_state.jobs  # type: ignore[attr-defined]
        self.running.set(gate.running)
        self.waiting.set(gate.waiting)
        self.jobs.set(jobs.depth)
        for name, (size, entries) in app_state.router.finder.cache_sizes().items():  # type: ignore[attr-defined]
            self.cache_bytes.labels(name).set(size)
            self.cache_entries.labels(name).set(entries)


metrics_api = APIRouter()


@metrics_api.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The metrics in Prometheus' text format."""
    found: Metrics = request.app.state.metrics
    return Response(found.scrape(request.app.state), media_type=CONTENT_TYPE_LATEST)


def drop_exited_workers(folder: Path) -> list[int]:
    """Remove the gauge files of worker processes that are no longer running (their counters
    and histograms stay: what they answered was answered); returns their process ids."""
    found = (LIVE_GAUGE_FILE.fullmatch(path.name) for path in folder.glob("gauge_live*.db"))
    exited = sorted({int(m.group(1)) for m in found if m and not process_alive(int(m.group(1)))})
    for pid in exited:
        prom_multiprocess.mark_process_dead(pid, str(folder))
    return exited
