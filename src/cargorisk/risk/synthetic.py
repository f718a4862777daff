"""SYNTHETIC incident logs with a known, planted hotspot structure, for tests and demos.

No real point-level theft log is public. This generator writes incidents in the official
incident-log format (lat, lon, datetime, violent, value_usd) so the edge-level model can be
checked for what it must do: find where theft concentrates. Every value is made up.

Structure: each Mexican road segment has a base rate proportional to its km and to its state's
carrier-robbery rate (real, from SESNSP); free roads get x1.8; ``n_hotspots`` stretches of road
get x``hotspot_factor``: each starts at a Mexican segment drawn in proportion to its base rate
(hotspots lie where trucks are robbed at all) and follows the same road
(``ref``) through consecutive segments until it is at least ``hotspot_km`` long, as real
hotspots are stretches of highway, not single graph edges; 65% of incidents happen 20:00-05:59.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def synthetic_incidents(  # noqa: PLR0913  (the generator's knobs, all keyword-only)
    segments: gpd.GeoDataFrame,
    state_rate: pd.Series,
    *,
    start: str = "2021-01-01",
    end: str = "2024-12-31",
    n_incidents: int = 4000,
    n_hotspots: int = 12,
    hotspot_factor: float = 25.0,
    hotspot_km: float = 20.0,
    seed: int = 0,
) -> tuple[pd.DataFrame, list[list[int]]]:
    """Return (incidents, hotspot stretches as lists of segment rows). Incidents lie on the
    segment lines, jittered <300 m."""
    rng = np.random.default_rng(seed)
    mexican = np.flatnonzero((segments["country"] == "MX").to_numpy())
    weight = (
        segments["km"].to_numpy() * segments["state"].map(state_rate).fillna(state_rate.median()).to_numpy()
    )
    weight *= np.where(segments["toll"].to_numpy() & ~segments["free_twin"].to_numpy(), 1.0, 1.8)
    hotspots: list[list[int]] = []
    taken: set[int] = set()
    base = weight[mexican] / weight[mexican].sum()  # hotspots lie where trucks are robbed at all
    for seed_row in rng.choice(mexican, size=len(mexican), replace=False, p=base):
        if len(hotspots) == n_hotspots:
            break
        rows = stretch(segments, int(seed_row), hotspot_km)
        if not taken.intersection(rows) and segments["km"].to_numpy()[rows].sum() >= hotspot_km:
            hotspots.append(rows)
            taken.update(rows)
    weight[sorted(taken)] *= hotspot_factor
    mask = np.zeros(len(segments), dtype=bool)
    mask[mexican] = True
    p = np.where(mask, weight, 0.0)
    chosen = rng.choice(len(segments), size=n_incidents, p=p / p.sum())
    lines = segments.geometry.to_numpy()[chosen]
    points = shapely.line_interpolate_point(lines, rng.uniform(0, 1, n_incidents), normalized=True)
    xy = shapely.get_coordinates(points) + rng.normal(0, 0.0015, (n_incidents, 2))
    when = random_times(rng, pd.Timestamp(start), pd.Timestamp(end), n_incidents)
    incidents = pd.DataFrame(
        {
            "lat": xy[:, 1].round(5),
            "lon": xy[:, 0].round(5),
            "datetime": when.strftime("%Y-%m-%d %H:%M"),
            "violent": rng.random(n_incidents) < 0.7,
            "value_usd": rng.lognormal(11, 0.8, n_incidents).round(0),
        }
    )
    return incidents.sort_values("datetime").reset_index(drop=True), hotspots


def stretch(segments: gpd.GeoDataFrame, start: int, min_km: float) -> list[int]:
    """Segment rows along the road of ``start`` (same ``ref``, same state), grown through
    shared nodes until at least ``min_km`` long (or the road ends)."""
    ref, state = segments.at[start, "ref"], segments.at[start, "state"]
    same = segments[(segments["ref"] == ref) & (segments["state"] == state)]
    by_node: dict = {}
    for row, u, v in zip(same.index, same["u"], same["v"], strict=True):
        by_node.setdefault(u, []).append(row)
        by_node.setdefault(v, []).append(row)
    rows, frontier, km = [start], [start], float(segments.at[start, "km"])
    while frontier and km < min_km:
        row = frontier.pop(0)
        for node in (segments.at[row, "u"], segments.at[row, "v"]):
            for nxt in by_node.get(node, []):
                if nxt not in rows and km < min_km:
                    rows.append(nxt)
                    frontier.append(nxt)
                    km += float(segments.at[nxt, "km"])
    return sorted(rows)


def random_times(
    rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, n: int
) -> pd.DatetimeIndex:
    """Uniform days; 65% of hours at night (20:00-05:59), the rest in the day."""
    days = rng.integers(0, (end - start).days + 1, n)
    night = rng.random(n) < 0.65
    hour = np.where(night, (20 + rng.integers(0, 10, n)) % 24, 6 + rng.integers(0, 14, n))
    minute = rng.integers(0, 60, n)
    return pd.DatetimeIndex(start + pd.to_timedelta(days, "D") + pd.to_timedelta(hour * 60 + minute, "min"))
