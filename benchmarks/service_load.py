"""Shared parts of the service benchmarks: start `cargorisk serve` on the loopback address,
draw varied route requests between real places, send them N at a time, and read the server's
memory and CPU (per worker) from /proc. Every load is bounded in count and time and goes to
127.0.0.1 only."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import psutil

from cargorisk.config import Settings
from cargorisk.network import load_network
from cargorisk.risk.cargo import card_table

BAD = [("Monterey", "Dallas, TX"), ("Monterrey, NL", "")]  # 404 and 422: bad input in the mix


def free_port() -> int:
    """A free TCP port on the loopback address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(workers: int, env: dict[str, str] | None = None) -> Iterator[tuple[str, psutil.Process]]:
    """`cargorisk -q serve` with ``workers`` on a free loopback port: (base URL, process)."""
    port = free_port()
    cli = Path(sys.executable).with_name("cargorisk")
    command = [str(cli), "-q", "serve", "--port", str(port), "--workers", str(workers)]
    log = Path(tempfile.gettempdir()) / f"cargorisk-bench-{port}.log"  # its errors, if any
    with log.open("w") as errors:
        process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=errors, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, workers, log)
        yield base, psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(60)
        found = log.read_text()
        if "Traceback" in found or "ERROR" in found:
            print(f"the server logged errors: see {log}")
        else:
            log.unlink()


def wait_until_up(
    base: str, process: subprocess.Popen, workers: int, log: Path, timeout_s: float = 300
) -> None:
    """Poll /readyz until the server answers and every worker has started."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if process.poll() is not None:
            sys.exit(f"server exited with {process.returncode}: {log.read_text()[-500:]}")
        try:
            ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            if ready and len(psutil.Process(process.pid).children()) >= (workers if workers > 1 else 0):
                time.sleep(2 if workers > 1 else 0)  # the other workers load too
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit("server did not come up")


def pick_places(n: int, seed: int = 0) -> list[str]:
    """``n`` named cities of the national graph (both countries) as "name, state", fixed seed."""
    graph = load_network(settings=Settings.from_env())
    cities = [d for _, d in graph.nodes(data=True) if d["kind"] == "city" and d.get("name")]
    labels = sorted({f"{d['name']}, {d['state']}" for d in cities})
    return [str(p) for p in np.random.default_rng(seed).choice(labels, min(n, len(labels)), replace=False)]


def varied_requests(places: list[str], n: int, seed: int = 0, bad_share: float = 0.05) -> list[dict]:
    """``n`` route requests: random lanes, departures over a month, every cargo type, cargo
    values from USD 10k to 2M (log-uniform), the three objectives; ``bad_share`` bad input."""
    rng = np.random.default_rng(seed)
    kinds = ["general", *[row["cargo_type"] for row in card_table()]]
    start = pd.Timestamp("2026-03-02T00:00-06:00")
    out = []
    for i in range(n):
        a, b = rng.choice(places, 2, replace=False)
        if rng.random() < bad_share:
            a, b = BAD[i % len(BAD)]
        depart = start + pd.Timedelta(minutes=int(rng.integers(0, 30 * 24 * 4)) * 15)
        out.append(
            {
                "origin": str(a),
                "destination": str(b),
                "depart": depart.strftime("%Y-%m-%dT%H:%M%z"),
                "cargo_value": round(float(np.exp(rng.uniform(np.log(1e4), np.log(2e6)))), -2),
                "cargo_type": str(rng.choice(kinds)),
                "objective": str(rng.choice(["balanced", "balanced", "fastest", "safest"])),
            }
        )
    return out


def send(client: httpx.Client, body: dict, timeout: float = 120) -> tuple[int, float]:
    """POST one route request: (status, ms)."""
    start = time.perf_counter()
    try:
        status = client.post("/v1/route", json=body, timeout=timeout).status_code
    except httpx.HTTPError:
        status = 0  # no answer (timed out or the connection dropped)
    return status, (time.perf_counter() - start) * 1000


def load(base: str, requests: list[dict], concurrency: int) -> tuple[list[tuple[int, float]], float]:
    """Send ``requests`` ``concurrency`` at a time over keep-alive connections (one client per
    sender, as a TMS's connection pool): the answers and the seconds it took."""
    clients = [httpx.Client(base_url=base) for _ in range(concurrency)]
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda i: send(clients[i % concurrency], requests[i]), range(len(requests))))
    elapsed = time.perf_counter() - start
    for client in clients:
        client.close()
    return results, elapsed


def summary(results: list[tuple[int, float]], elapsed: float) -> dict:
    """Throughput, latency percentiles (answered requests) and answers by status."""
    latency = np.array([ms for status, ms in results if status]) if results else np.zeros(1)
    p50, p95, p99 = np.percentile(latency, [50, 95, 99])
    return {
        "rate": len(results) / elapsed,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "max": latency.max(),
        "statuses": Counter(status for status, _ in results),
    }


def line(name: str, found: dict) -> str:
    """One printed line of a load's figures."""
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(found["statuses"].items()))
    return (
        f"{name}: {found['rate']:.1f} req/s, p50 {found['p50']:.0f} ms, p95 {found['p95']:.0f} ms, "
        f"p99 {found['p99']:.0f} ms, max {found['max']:.0f} ms; answers {statuses}"
    )


def rss_mb(process: psutil.Process) -> float:
    """Resident memory of the server and its workers, MB."""
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


def worker_cpu(process: psutil.Process) -> dict[int, float]:
    """CPU seconds (user + system) of each worker (the process itself with one worker)."""
    workers = [p for p in process.children() if "resource_tracker" not in " ".join(p.cmdline())] or [process]
    out = {}
    for p in workers:
        with contextlib.suppress(psutil.Error):
            times = p.cpu_times()
            out[p.pid] = times.user + times.system
    return out
