"""Data layer benchmark: fetch + build time from the mirror, and how much faster the tidy
parquet tables load than re-parsing the raw files (ratio measured in one run).

Usage: python benchmarks/bench_data_build.py [--mirror ../shared/data]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cargorisk.config import Settings
from cargorisk.sources import SOURCES, build_sources, fetch_sources, load_table, verify_raw


def timed(fn: object, *args: object) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mirror", type=Path, default=Path(__file__).parents[1].parent / "shared" / "data")
    args = parser.parse_args()
    sources = list(SOURCES.values())
    with tempfile.TemporaryDirectory() as tmp:
        s = Settings(data_dir=Path(tmp))
        t_fetch, _ = timed(lambda: fetch_sources(sources, s.raw_dir, mirror=args.mirror))
        t_build, built = timed(lambda: build_sources(sources, s.raw_dir, s.processed_dir))
        print(f"fetch from mirror: {t_fetch:6.2f} s   build {len(built)} tables: {t_build:6.2f} s")
        print(f"{'table':<28} {'rows':>9} {'parse raw (s)':>14} {'load parquet (s)':>17} {'ratio':>7}")
        for source in sources:
            paths = verify_raw(source, s.raw_dir)
            t_raw, _ = timed(source.build, paths)
            for spec in source.tables:
                t_pq, frame = timed(load_table, spec.name, s.processed_dir)
                share = t_raw / len(source.tables)  # raw parse time split over the source's tables
                print(f"{spec.name:<28} {len(frame):>9,} {share:>14.3f} {t_pq:>17.4f} {share / t_pq:>6.1f}x")


if __name__ == "__main__":
    main()
