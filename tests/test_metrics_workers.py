"""Metrics with several workers: gauges written after answers, and a scrape that leaves out
the gauges of workers that have exited. prometheus_client chooses its multiprocess storage when
it is imported, so each case runs in a fresh interpreter with ``PROMETHEUS_MULTIPROC_DIR`` set
(as ``cargorisk serve --workers N`` sets it for its workers)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# a worker (its own process) that wrote a queue depth and a cache size, then exited
EXITED = """
from prometheus_client import Gauge
Gauge("cargorisk_cache_bytes", "x", ["cache"], multiprocess_mode="livesum").labels("searches").set(123456)
Gauge("cargorisk_cpu_requests_waiting", "x", multiprocess_mode="livesum").set(7)
"""
# this worker: the app's state as the metrics read it (gate, jobs, caches)
ALIVE = """
import time
from types import SimpleNamespace
from prometheus_client import generate_latest
from cargorisk.service.metrics import GAUGE_EVERY_S, Metrics

def value(text, name):
    return sum(float(r.split()[-1]) for r in text.splitlines() if r.startswith(name))

sizes = {"searches": (1000, 3)}
state = SimpleNamespace(
    gate=SimpleNamespace(running=1, waiting=2),
    jobs=SimpleNamespace(depth=0),
    router=SimpleNamespace(finder=SimpleNamespace(cache_sizes=lambda: dict(sizes))),
)
metrics = Metrics()
metrics.answered(state)  # after an answer, no scrape: written
print("answered", value(generate_latest(metrics.registry).decode(), "cargorisk_cache_bytes{"))
sizes["searches"] = (5000, 9)
metrics.answered(state)  # again at once: not written yet
print("throttled", value(generate_latest(metrics.registry).decode(), "cargorisk_cache_bytes{"))
time.sleep(GAUGE_EVERY_S)
metrics.answered(state)
print("later", value(generate_latest(metrics.registry).decode(), "cargorisk_cache_bytes{"))
text = metrics.scrape(state).decode()
print("scraped", value(text, "cargorisk_cache_bytes{"), value(text, "cargorisk_cpu_requests_waiting"))
"""


def run(script: str, folder: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    script = textwrap.dedent(script)
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gauges_are_written_after_answers_and_exited_workers_leave_the_sum(tmp_path: Path) -> None:
    run(EXITED, tmp_path)
    lines = dict(line.split(" ", 1) for line in run(ALIVE, tmp_path).splitlines())
    # before the scrape the exited worker's last figures are in the sum; after, only this one's
    assert float(lines["answered"]) == 1000 + 123456
    assert float(lines["throttled"]) == 1000 + 123456  # within GAUGE_EVERY_S of the last write
    assert float(lines["later"]) == 5000 + 123456
    assert [float(v) for v in lines["scraped"].split()] == [5000, 2]
