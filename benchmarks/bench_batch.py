"""Batch scoring benchmark: 10,000 random lanes between 200 real places of the national road
graph, in one process, with ``--jobs 2`` and on a 2-worker Dask LocalCluster (lanes per second
and the ratio to the goal, 10,000 lanes in under 10 s on 2 cores (issue 26), measured in one run), checking
all three give identical results. ``--no-dask`` leaves the Dask run out.

Usage: python benchmarks/bench_batch.py [--data-dir data] [--lanes 10000] [--places 200] [--no-dask]
(needs `make demo` first)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from cargorisk.batch import score_file
from cargorisk.config import Settings
from cargorisk.network import load_network

GOAL_S = 10.0
GOAL_LANES = 10_000
RUNS = (("1", 1, "local"), ("2", 2, "local"), ("dask", 2, "dask"))


def pick_places(settings: Settings, n: int, seed: int = 0) -> list[str]:
    """``n`` named cities of the national graph (both countries) as "name, state", fixed seed."""
    graph = load_network(settings=settings)
    country = {
        f"{d['name']}, {d['state']}": d["country"]
        for _, d in graph.nodes(data=True)
        if d["kind"] == "city" and d.get("name")
    }
    labels = sorted(country)
    picked = [str(p) for p in np.random.default_rng(seed).choice(labels, min(n, len(labels)), replace=False)]
    counts = Counter(country[p] for p in picked)
    print(
        f"{len(picked)} places from {len(labels)} named cities: "
        + ", ".join(f"{c} {k}" for c, k in sorted(counts.items()))
    )
    return picked


def lane_book(places: list[str], n: int, seed: int = 0) -> pd.DataFrame:
    """Up to n lanes between random places (lanes from a place to itself dropped), departures
    over a week, three cargo values."""
    rng = np.random.default_rng(seed)
    origins = rng.choice(places, n)
    destinations = rng.choice(places, n)
    hours = rng.integers(0, 24 * 7, n)
    depart = (pd.Timestamp("2026-03-02T00:00-06:00") + pd.to_timedelta(hours, "h")).strftime(
        "%Y-%m-%dT%H:%M%z"
    )
    lanes = pd.DataFrame(
        {
            "lane_id": [f"L{i:05d}" for i in range(n)],
            "origin": origins,
            "destination": destinations,
            "depart": [d[:-2] + ":" + d[-2:] for d in depart],
            "cargo_value": rng.choice([50_000, 250_000, 1_000_000], n),
        }
    )
    return lanes[lanes["origin"] != lanes["destination"]].reset_index(drop=True)


def run(source: Path, output: Path, settings: Settings, jobs: int, engine: str) -> float:
    """Score the lane file once; print lanes/s and the ratio to the goal; return seconds."""
    start = time.perf_counter()
    counts = score_file(source, output, settings=settings, jobs=jobs, engine=engine)
    seconds = time.perf_counter() - start
    scaled = seconds * GOAL_LANES / counts["rows"]
    print(
        f"{counts['rows']:,} lanes, {engine} --jobs {jobs}: {seconds:6.1f} s = "
        f"{counts['rows'] / seconds:6.0f} lanes/s; per 10,000 lanes {scaled:6.1f} s, "
        f"ratio to the {GOAL_S:.0f} s goal {scaled / GOAL_S:.2f}; {counts['failed']} failed"
    )
    return seconds


def differences(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Columns where b differs from a, with the number of differing rows."""
    out = []
    for column in a.columns:
        same = (a[column] == b[column]) | (a[column].isna() & b[column].isna())
        if not a[column].equals(b[column]):
            out.append(f"{column} ({int((~same).sum())} rows)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--lanes", type=int, default=GOAL_LANES)
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--no-dask", action="store_true", help="only local --jobs 1 and --jobs 2")
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=args.data_dir)
    runs = RUNS[:2] if args.no_dask else RUNS
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "lanes.csv"
        lanes = lane_book(pick_places(settings, args.places), args.lanes)
        lanes.to_csv(source, index=False)
        print(f"{len(lanes):,} lanes after dropping {args.lanes - len(lanes)} from a place to itself")
        for name, jobs, engine in runs:
            run(source, Path(tmp) / f"scored_{name}.parquet", settings, jobs, engine)
        frames = [
            pd.read_parquet(Path(tmp) / f"scored_{name}.parquet").drop(columns="geometry")
            for name, *_ in runs
        ]
        names = ", ".join(f"{engine} --jobs {jobs}" for _, jobs, engine in runs)
        diff = [d for f in frames[1:] for d in differences(frames[0], f)]
        print(f"results identical ({names}): {not diff}" + (f"; differ in {', '.join(diff)}" if diff else ""))


if __name__ == "__main__":
    main()
