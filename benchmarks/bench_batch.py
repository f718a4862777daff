"""Batch scoring benchmark: 10,000 random lanes over the corridor network, in one process, with
``--jobs 2`` and on a 2-worker Dask LocalCluster (lanes per second, measured in one run).

Usage: python benchmarks/bench_batch.py [--data-dir data] [--lanes 10000]   (needs `make demo` first)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cargorisk.batch import score_file
from cargorisk.config import Settings
from cargorisk.network import load_network


def lane_book(settings: Settings, n: int, seed: int = 0) -> pd.DataFrame:
    """n lanes between random cities (both countries), departures over a week, three cargo values."""
    graph = load_network(settings=settings)
    cities = [d["name"] + ", " + d["state"] for _, d in graph.nodes(data=True) if d["kind"] == "city"]
    cities = [c for c in cities if c.count(",") == 1]
    rng = np.random.default_rng(seed)
    origins = rng.choice(cities, n)
    destinations = rng.choice(cities, n)
    hours = rng.integers(0, 24 * 7, n)
    depart = (pd.Timestamp("2026-03-02T00:00-06:00") + pd.to_timedelta(hours, "h")).strftime(
        "%Y-%m-%dT%H:%M%z"
    )
    return pd.DataFrame(
        {
            "lane_id": [f"L{i:05d}" for i in range(n)],
            "origin": origins,
            "destination": destinations,
            "depart": [d[:-2] + ":" + d[-2:] for d in depart],
            "cargo_value": rng.choice([50_000, 250_000, 1_000_000], n),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--lanes", type=int, default=10_000)
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "lanes.csv"
        lane_book(settings, args.lanes).to_csv(source, index=False)
        for name, jobs, engine in (("1", 1, "local"), ("2", 2, "local"), ("dask", 2, "dask")):
            start = time.perf_counter()
            counts = score_file(
                source, Path(tmp) / f"scored_{name}.parquet", settings=settings, jobs=jobs, engine=engine
            )
            seconds = time.perf_counter() - start
            print(
                f"{counts['rows']:,} lanes, {engine} --jobs {jobs}: {seconds:5.1f} s = "
                f"{counts['rows'] / seconds:6.0f} lanes/s "
                f"(goal: 10,000 in < 30 s); {counts['failed']} failed (same-node lanes)"
            )
        a = pd.read_parquet(Path(tmp) / "scored_1.parquet").drop(columns="geometry")
        b = pd.read_parquet(Path(tmp) / "scored_2.parquet").drop(columns="geometry")
        c = pd.read_parquet(Path(tmp) / "scored_dask.parquet").drop(columns="geometry")
        print("results identical (jobs 1, jobs 2, dask):", a.equals(b) and a.equals(c))


if __name__ == "__main__":
    main()
