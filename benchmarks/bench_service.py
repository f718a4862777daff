"""HTTP API load benchmark: `cargorisk serve` on the loopback address, a bounded load of route
requests (a mix of valid lanes and bad input) sent N at a time; prints throughput, p50/p95/p99
latency, answers by status and the server's memory before and after (goal: no 5xx, p95 under
500 ms on 2 cores, memory flat).

Usage: python benchmarks/bench_service.py [--requests 2000] [--concurrency 16] [--port 8765] [--workers 1]
(needs `make demo` first)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

LANES = [
    ("Monterrey, NL", "Dallas, TX"),
    ("Ciudad de México", "Laredo, TX"),
    ("Saltillo", "Houston, TX"),
    ("Querétaro", "Nuevo Laredo"),
    ("Guadalajara", "Phoenix, AZ"),
    ("Puebla", "Veracruz, Ver."),
    ("Monterey", "Dallas, TX"),  # 404: unknown place
    ("Monterrey, NL", ""),  # 422: empty destination
]
GOAL_P95_MS = 500.0


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the workers), MB, from /proc."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        total += rss_mb(int(child))
    return total


def wait_until_up(base: str, server: subprocess.Popen, timeout_s: float = 120) -> None:
    """Poll /healthz until the server answers (it loads the models first)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if server.poll() is not None:
            sys.exit(f"server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    sys.exit("server did not come up")


def one(client: httpx.Client, i: int) -> tuple[int, float]:
    """Send request ``i``: a route request, departures spread over a week."""
    origin, destination = LANES[i % len(LANES)]
    body = {
        "origin": origin,
        "destination": destination,
        "depart": f"2026-03-0{2 + i % 6}T{i % 24:02d}:00-06:00",
        "cargo_value": [50_000, 250_000, 1_000_000][i % 3],
    }
    start = time.perf_counter()
    status = client.post("/v1/route", json=body, timeout=60).status_code
    return status, (time.perf_counter() - start) * 1000


def main() -> None:
    """Start the server, warm it up, send the load, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    cli = Path(sys.executable).with_name("cargorisk")
    command = [str(cli), "-q", "serve", "--port", str(args.port), "--workers", str(args.workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base, server)
        with httpx.Client(base_url=base) as client:
            for i in range(len(LANES)):  # warm-up: each lane once
                one(client, i)
            before = rss_mb(server.pid)
            start = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(pool.map(lambda i: one(client, i), range(args.requests)))
            elapsed = time.perf_counter() - start
        after = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    latency = np.array([ms for _, ms in results])
    p50, p95, p99 = np.percentile(latency, [50, 95, 99])
    statuses = Counter(status for status, _ in results)
    rate = args.requests / elapsed
    print(f"{args.requests} requests, {args.concurrency} at a time, workers {args.workers}: {rate:.1f} req/s")
    print(
        f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms; "
        f"p95 / goal {GOAL_P95_MS:.0f} ms = {p95 / GOAL_P95_MS:.2f}"
    )
    print("answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"server memory {before:.0f} MB before the load, {after:.0f} MB after ({after / before:.2f}x)")
    if any(status >= 500 for status in statuses):
        sys.exit("5xx answers: bad input must never give a server error")


if __name__ == "__main__":
    main()
