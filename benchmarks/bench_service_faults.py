"""The service when things go wrong, measured on the loopback address in one run:

1. a 2,000-row lane book: route requests (one at a time) before it and while it is scored, and
   the ratio of their median latency (goal: at most 2x) and /healthz meanwhile;
2. hang-ups: 20 map.png requests whose clients leave after 0.2 s, then a route request: its
   latency against an idle one, and the CPU the server spent meanwhile;
3. overload: 64 clients at once for a bounded time: answers by status, p50/p99 of the answered,
   the slowest 503.

Usage: python benchmarks/bench_service_faults.py [--workers 1]
(needs `make demo` first)
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from service_load import line, load, pick_places, server, summary, varied_requests, worker_cpu

GOAL_RATIO = 2.0


def route_ms(base: str, requests: list[dict]) -> list[float]:
    """Latency of each request, sent one at a time."""
    out = []
    with httpx.Client(base_url=base) as client:
        for body in requests:
            start = time.perf_counter()
            client.post("/v1/route", json=body, timeout=120)
            out.append((time.perf_counter() - start) * 1000)
    return out


def book(places: list[str], rows: int) -> str:
    """A lane book of ``rows`` random lanes (CSV)."""
    lanes = varied_requests(places, rows, seed=7, bad_share=0.0)
    lines = [f'L{i},"{r["origin"]}","{r["destination"]}",{r["cargo_value"]}' for i, r in enumerate(lanes)]
    return "lane_id,origin,destination,cargo_value\n" + "\n".join(lines) + "\n"


def during_book(base: str, places: list[str], probes: list[dict]) -> None:
    """Part 1: route latency before and while a 2,000-row book is scored."""
    idle = route_ms(base, probes)
    job = httpx.post(
        f"{base}/v1/lanes", files={"file": ("b.csv", book(places, 2000), "text/csv")}, timeout=60
    )
    location = job.headers["location"]
    time.sleep(1.0)
    busy = route_ms(base, [{**p, "cargo_value": p["cargo_value"] + 1} for p in probes])
    health = []
    for _ in range(10):
        start = time.perf_counter()
        httpx.get(f"{base}/healthz", timeout=30)
        health.append((time.perf_counter() - start) * 1000)
    status = httpx.get(f"{base}{location}").json()
    quiet, loaded = statistics.median(idle), statistics.median(busy)
    ratio = loaded / quiet
    print(
        f"route requests: median {quiet:.0f} ms idle, {loaded:.0f} ms while "
        f"a 2,000-row book is scored ({status['scored']} rows done meanwhile): {ratio:.2f}x "
        f"(goal <= {GOAL_RATIO:.0f}x); /healthz meanwhile max {max(health):.0f} ms"
    )
    httpx.delete(f"{base}{location}")


def hang_ups(base: str, process: object, probe: dict) -> None:
    """Part 2: 20 abandoned map.png requests, then a route request."""
    idle = route_ms(base, [probe])[0]
    cpu = sum(worker_cpu(process).values())

    def leave(i: int) -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{base}/v1/route/map.png", params={**probe, "cargo_value": 50_000 + i}, timeout=0.2)

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(leave, range(20)))
    after = route_ms(base, [{**probe, "cargo_value": probe["cargo_value"] + 7}])[0]
    spent = sum(worker_cpu(process).values()) - cpu
    print(
        f"20 map.png requests abandoned after 0.2 s: the next route answered in {after:.0f} ms "
        f"({after / idle:.1f}x an idle one), server CPU meanwhile {spent:.1f} s"
    )


def overload(base: str, places: list[str]) -> None:
    """Part 3: 64 clients at once."""
    found = summary(*load(base, varied_requests(places, 640, seed=11), 64))
    print(line("64 clients at once", found))


def main() -> None:
    """Run the three parts on one server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    places = pick_places(200)
    probes = [p for p in varied_requests(places, 40, seed=3, bad_share=0.0) if p["objective"] == "balanced"][
        :12
    ]
    with server(args.workers) as (base, process):
        route_ms(base, probes[:3])  # warm up
        during_book(base, places, probes)
        hang_ups(base, process, probes[0])
        overload(base, places)


if __name__ == "__main__":
    main()
