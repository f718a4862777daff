"""Start-up benchmark: wall time of a whole ``cargorisk route`` process, cold (no router
snapshot: the router is built and saved) and warm (read from the snapshot), against the goal of
a warm route under 1 s on 2 cores (issue 26); with ``import cargorisk.cli`` and Python's own start as
floors; and a warm route that also draws its HTML map (``--map``) or PNG (``--png``), on three
lanes of different lengths, against the goal of 2 s. Each figure is the median of ``--runs``
processes measured in this one run; the answers of cold and warm runs are checked to be identical.

Usage: python benchmarks/bench_startup.py [--runs 5] [--cold-runs 2] (needs `make demo` first)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cargorisk.config import Settings
from cargorisk.routing.snapshot import snapshot_key

GOAL_WARM_S = 1.0
GOAL_MAP_S = 2.0
ROUTE = ["route", "Monterrey, NL", "Dallas, TX", "--depart", "2026-12-01T06:00"]
MAP_LANES = (  # short cross-border, long cross-border, domestic Mexican
    ("Monterrey, NL", "Dallas, TX"),
    ("Querétaro", "Laredo, TX"),
    ("Guadalajara", "Veracruz, Ver."),
)


def timed(args: list[str]) -> tuple[float, str]:
    """Wall seconds of one process and its standard output (a failure stops the benchmark)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return seconds, done.stdout


def forget_snapshot(settings: Settings) -> None:
    """Remove the snapshot of the current inputs, so the next route builds it again."""
    key = snapshot_key(settings, 2025)
    for kind in ("router", "graph"):
        (settings.cache_dir / f"{kind}-{key}.pickle").unlink(missing_ok=True)


def median_of(runs: int, args: list[str], before: object = None) -> tuple[float, set[str]]:
    """Median wall time of ``runs`` processes and the set of their answers."""
    times, answers = [], set()
    for _ in range(runs):
        if before is not None:
            before()
        seconds, out = timed(args)
        times.append(seconds)
        answers.add(out)
    return statistics.median(times), answers


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=2)
    args = parser.parse_args()
    settings = Settings.from_env()
    cli = ["-m", "cargorisk.cli", "-q", *ROUTE]
    python, _ = median_of(args.runs, ["-c", "pass"])
    imports, _ = median_of(args.runs, ["-c", "import cargorisk.cli"])
    cold, cold_answers = median_of(args.cold_runs, cli, before=lambda: forget_snapshot(settings))
    warm, warm_answers = median_of(args.runs, cli)
    if len(cold_answers | warm_answers) != 1:
        sys.exit("cold and warm runs gave different answers")
    print(f"cargorisk {' '.join(ROUTE)}  (median of {args.runs} processes; cold: {args.cold_runs})")
    print(f"{'python -c pass':<28}{python:7.2f} s")
    print(f"{'import cargorisk.cli':<28}{imports:7.2f} s")
    print(f"{'route, cold (build + save)':<28}{cold:7.2f} s")
    print(f"{'route, warm (snapshot)':<28}{warm:7.2f} s")
    print(f"cold / warm: {cold / warm:.1f}x; warm / goal ({GOAL_WARM_S} s): {warm / GOAL_WARM_S:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        for flag, suffix in (("--map", "html"), ("--png", "png")):
            for origin, destination in MAP_LANES:
                target = str(Path(folder) / f"lane.{suffix}")
                seconds, _ = median_of(args.runs, [*cli[:4], origin, destination, flag, target])
                lane = f"{flag} {origin.split(',')[0]} -> {destination.split(',')[0]}"
                print(f"{lane:<44}{seconds:7.2f} s  / goal ({GOAL_MAP_S:.0f} s): {seconds / GOAL_MAP_S:.2f}")


if __name__ == "__main__":
    main()
