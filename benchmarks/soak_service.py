"""Memory soak: `cargorisk serve --workers 2` on the loopback address under varied route
requests (every cargo type, random lanes, values and departures, the three objectives) for a
bounded time; prints the server's resident memory every interval and the growth after warm-up
(the first third of the run), which the bounded caches keep flat, and beside it the route caches'
bytes from ``/metrics`` (summed over the workers, each as of its last answer there), so that
growth can be told apart: caches filling to their bounds, or memory outside them.

Usage: python benchmarks/soak_service.py [--seconds 300] [--every 15] [--concurrency 8] [--workers 2]
(needs `make demo` first)
"""

from __future__ import annotations

import argparse
import threading
import time

import httpx
from service_load import pick_places, rss_mb, send, server, varied_requests


def main() -> None:
    """Start the server, send load until the time is up, print memory over time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--every", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    requests = varied_requests(pick_places(400, seed=1), 100_000, seed=1, bad_share=0.0)
    with server(args.workers) as (base, process):
        stop, sent, lock = threading.Event(), [0], threading.Lock()

        def sender() -> None:
            with httpx.Client(base_url=base) as client:
                while not stop.is_set():
                    with lock:
                        i = sent[0]
                        sent[0] += 1
                    send(client, requests[i % len(requests)])

        threads = [threading.Thread(target=sender) for _ in range(args.concurrency)]
        for thread in threads:
            thread.start()
        start, samples = time.perf_counter(), []
        while time.perf_counter() - start < args.seconds:
            time.sleep(args.every)
            samples.append((time.perf_counter() - start, sent[0], rss_mb(process)))
            print(
                f"{samples[-1][0]:6.0f} s  {samples[-1][1]:6d} requests  {samples[-1][2]:7.0f} MB"
                f"  (route caches {cache_mb(base):5.0f} MB)",
                flush=True,
            )
        stop.set()
        for thread in threads:
            thread.join()
    warm = [s for s in samples if s[0] >= args.seconds / 3]
    first, last = warm[0], warm[-1]
    peak = max(s[2] for s in warm)
    print(
        f"after warm-up ({first[0]:.0f} s, {first[1]} requests): {first[2]:.0f} MB -> {last[2]:.0f} MB at "
        f"{last[0]:.0f} s ({last[1]} requests), peak {peak:.0f} MB; growth {last[2] / first[2]:.2f}x"
    )


def cache_mb(base: str) -> float:
    """The route caches' bytes (``cargorisk_cache_bytes``, every cache), MB: with several
    workers the sum of each worker's figure as of its last ``/metrics`` answer."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    lines = [line for line in text.splitlines() if line.startswith("cargorisk_cache_bytes{")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines) / 2**20


if __name__ == "__main__":
    main()
