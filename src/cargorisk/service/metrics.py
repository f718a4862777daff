"""Prometheus metrics at ``GET /metrics``: requests by endpoint and status, latency, requests
under way and waiting, lane jobs, and the size of the route caches (bytes and entries).

With several workers (``cargorisk serve --workers N``) each worker writes its figures to the
folder in ``PROMETHEUS_MULTIPROC_DIR`` (``serve`` makes one) and a scrape adds them up, so one
scrape sees the whole server whichever worker answers it.
"""

from __future__ import annotations

import os

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

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
# label values are bounded: these methods or "other" (`curl -X FOOBAR` would add a series a
# request), and the endpoint is the route's template ("/v1/lanes/{job}"), "/static" or "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


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

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        """One answered request (a method outside :data:`METHODS` counted as "other")."""
        self.requests.labels(method if method in METHODS else "other", endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def update(self, app_state: object) -> None:
        """The gauges from the worker's gate, jobs and caches."""
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
    found.update(request.app.state)
    return Response(generate_latest(found.registry), media_type=CONTENT_TYPE_LATEST)
