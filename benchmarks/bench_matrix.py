"""Matrix benchmark: `Router.matrix` for 50 origins x 50 destinations among real places of the
national graph (half Mexican, half US, so most pairs cross the border), cold (every cache
emptied) and repeated, against planning pairs one by one with `Router.plan` (a sample, per
pair), in one run; and how often the matrix's route is the one the full plan recommends, with
the gap in the objective's own figure where it is not.

Usage: python benchmarks/bench_matrix.py [--places 50] [--sample 40] (needs `make demo` first)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cargorisk.config import Settings
from cargorisk.routing import Router

GOAL_S = 2.0
DEPART = "2026-03-02T06:00-06:00"
FIGURE = {"balanced": "cost_usd", "fastest": "total_h", "safest": "theft_prob"}


def places(router: Router, n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` origins and ``n`` destinations: named cities that resolve to one place, half per
    country each (origins Mexican first, destinations US first)."""
    graph = router.graph
    by_country: dict[str, list[str]] = {"MX": [], "US": []}
    for _, d in graph.nodes(data=True):
        if d["kind"] == "city" and d.get("name") and d.get("country") in by_country:
            by_country[d["country"]].append(f"{d['name']}, {d['state']}")
    rng = np.random.default_rng(seed)
    mx, us = (sorted(set(by_country[c])) for c in ("MX", "US"))
    half = n // 2
    picked_mx, picked_us = rng.choice(mx, n, replace=False), rng.choice(us, n, replace=False)
    origins = [*picked_mx[:half], *picked_us[: n - half]]
    destinations = [*picked_us[half:], *picked_mx[half : half + n - half]][:n]
    return [str(p) for p in origins], [str(p) for p in destinations]


def main() -> None:
    """Time the matrix and the per-pair plans; compare their routes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()
    router = Router.from_settings(Settings.from_env(), 2025)
    origins, destinations = places(router, args.places)
    request = {"depart": DEPART, "cargo_value": 250_000}
    router.finder.clear()
    start = time.perf_counter()
    found = router.matrix(origins, destinations, **request)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    router.matrix(origins, destinations, **request)
    warm = time.perf_counter() - start
    pairs = args.places * args.places
    print(
        f"matrix {args.places} x {args.places} ({pairs} pairs): cold {cold:.2f} s, repeated {warm:.2f} s; "
        f"cold / goal {GOAL_S:.0f} s = {cold / GOAL_S:.2f}"
    )
    rng = np.random.default_rng(1)
    sample = [(int(i), int(j)) for i, j in rng.integers(0, args.places, (args.sample, 2))]
    router.finder.clear()
    start = time.perf_counter()
    for i, j in sample:
        router.plan(origins[i], destinations[j], alternatives=0, **request)
    per_plan = (time.perf_counter() - start) / len(sample)
    all_pairs = per_plan * pairs
    print(
        f"Router.plan one pair at a time (cold, {len(sample)} pairs): {per_plan * 1000:.0f} ms a pair, "
        f"{all_pairs:.0f} s for the matrix's pairs: the matrix is {all_pairs / cold:.0f}x faster"
    )
    for objective, figure in FIGURE.items():
        grid = router.matrix(origins, destinations, objective=objective, **request)
        same, gaps = 0, []
        for i, j in sample:
            cell = grid.routes[i][j]
            if cell is None:
                continue
            plan = router.plan(origins[i], destinations[j], objective=objective, alternatives=0, **request)
            rec = plan.recommended
            same += (rec.km, rec.crossing) == (cell.km, cell.crossing)
            gaps.append(getattr(cell, figure) / getattr(rec, figure) - 1)
        gap = np.array(gaps) * 100
        print(
            f"{objective}: the full plan recommends the matrix's route for {same} of {len(gaps)} pairs; "
            f"matrix {figure} vs the plan's: median {np.median(gap):+.1f}%, "
            f"range {gap.min():+.1f}% to {gap.max():+.1f}%"
        )
    assert found.to_frame()["km"].notna().sum() > 0.9 * pairs


if __name__ == "__main__":
    main()
