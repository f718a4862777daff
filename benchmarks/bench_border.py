"""`border waits` benchmark: wall time of a whole ``cargorisk border waits``
process (the crossing table read from the wait model file, no road graph) against the same
answer computed the way it was before (the road graph loaded to build the crossing table), and
against importing pandas, pydantic and click alone as a floor. Each figure is the median of
``--runs`` processes measured in this one run; the two answers are checked to be identical.

Usage: python benchmarks/bench_border.py [--runs 5] (needs `make demo` first)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GOAL_S = 0.5
WAITS = ["-m", "cargorisk.cli", "border", "waits", "--port", "Laredo", "--at", "2026-03-02T08:00", "--json"]
WITH_GRAPH = """
import json
from cargorisk.border import arrival_time, crossing_table, load_wait_model, model_file, resolve_crossing
from cargorisk.config import Settings
from cargorisk.network import load_network
settings = Settings.from_env()
table = crossing_table(load_network(settings=settings), settings.processed_dir)
model, _ = load_wait_model(model_file(settings))
row = resolve_crossing("Laredo", table)
est = model.predict_wait(row.crossing, arrival_time("2026-03-02T08:00", row.time_zone), row.time_zone)
print(json.dumps(est.as_record(row.port_code)))
"""
FLOOR = ["-c", "import pandas, pydantic, click"]


def timed(args: list[str]) -> tuple[float, str]:
    """Wall seconds and standard output of one process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{args[:3]} failed: {done.stderr.strip()[-300:]}")
    return seconds, done.stdout.strip()


def main() -> None:
    """Run each command ``--runs`` times, interleaved, and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    found: dict[str, list[tuple[float, str]]] = {"border waits": [], "with graph": [], "floor": []}
    for _ in range(runs):
        found["border waits"].append(timed(WAITS))
        found["with graph"].append(timed(["-c", WITH_GRAPH]))
        found["floor"].append(timed(FLOOR))
    if found["border waits"][0][1] != found["with graph"][0][1]:
        sys.exit("the two ways give different answers")
    median = {k: statistics.median(t for t, _ in v) for k, v in found.items()}
    for name, seconds in median.items():
        print(f"{name:<14} {seconds:6.2f} s (median of {runs})")
    print(f"graph-free vs graph: {median['with graph'] / median['border waits']:.1f}x faster")
    print(f"above the import floor: {median['border waits'] - median['floor']:.2f} s")
    verdict = "met" if median["border waits"] < GOAL_S else "not met"
    print(f"goal < {GOAL_S} s (on an idle machine): {verdict} in this run")


if __name__ == "__main__":
    main()
