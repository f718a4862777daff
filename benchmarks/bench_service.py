"""HTTP API load benchmark on varied lanes: `cargorisk serve --workers 2` on the loopback
address, route requests between random places (every cargo type, values from USD 10k to 2M,
departures over a month, the three objectives, 5% bad input) sent 16 at a time over keep-alive
connections.

The same requests are sent twice: the first pass finds every search cold (what a TMS sending
new lanes sees), the second finds them cached (repeated lanes). Prints for each pass throughput,
p50/p95/p99 and answers by status, the ratio of p95 to the goal (200 ms), how the CPU split
between the workers (keep-alive clients stay on the worker that accepted them: the service
closes a busy worker's connections after their answer so the next request may go elsewhere),
/healthz latency during the load, and memory.

Usage: python benchmarks/bench_service.py [--requests 400] [--concurrency 16] [--workers 2]
(needs `make demo` first)
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import httpx
import numpy as np
from service_load import line, load, pick_places, rss_mb, server, summary, varied_requests, worker_cpu

GOAL_P95_MS = 200.0


def probe_health(base: str, stop: threading.Event, found: list[float]) -> None:
    """GET /healthz every 0.2 s until ``stop``: its latencies in ms."""
    with httpx.Client(base_url=base) as client:
        while not stop.is_set():
            start = time.perf_counter()
            client.get("/healthz", timeout=60)
            found.append((time.perf_counter() - start) * 1000)
            time.sleep(0.2)


def main() -> None:
    """Start the server, send both passes, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--places", type=int, default=200)
    args = parser.parse_args()
    requests = varied_requests(pick_places(args.places), args.requests)
    with server(args.workers) as (base, process):
        before, cpu_before = rss_mb(process), worker_cpu(process)
        stop, health = threading.Event(), []
        prober = threading.Thread(target=probe_health, args=(base, stop, health))
        prober.start()
        cold = summary(*load(base, requests, args.concurrency))
        stop.set()
        prober.join()
        cpu = worker_cpu(process)
        repeated = summary(*load(base, requests, args.concurrency))
        after = rss_mb(process)
    spent = [cpu[pid] - cpu_before.get(pid, 0.0) for pid in cpu]
    print(f"{args.requests} varied route requests, {args.concurrency} at a time, {args.workers} workers")
    print(line("cold (first time each lane)", cold) + f"; p95 / goal {cold['p95'] / GOAL_P95_MS:.2f}")
    print(line("repeated (searches cached)", repeated) + f"; p95 / goal {repeated['p95'] / GOAL_P95_MS:.2f}")
    print(
        "CPU seconds per worker in the cold pass: "
        + ", ".join(f"{s:.1f}" for s in spent)
        + f" (least / most {min(spent) / max(*spent, 1e-9):.2f})"
    )
    p50, p99 = np.percentile(health, [50, 99])
    print(f"/healthz during the cold pass: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(health):.0f} ms")
    print(f"server memory {before:.0f} MB before, {after:.0f} MB after ({after / before:.2f}x)")
    if any(status >= 500 for found in (cold, repeated) for status in found["statuses"]):
        sys.exit("5xx answers: bad input must never give a server error")


if __name__ == "__main__":
    main()
