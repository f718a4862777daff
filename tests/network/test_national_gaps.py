"""Closing the gaps between route ends and other routes in the national builder: the rule on a
few waypoints, then what it does on the real Travel Mapping data."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from cargorisk.network.national import BRIDGE_SYSTEM, GAP_M, close_gaps


def waypoints(rows: list[tuple[str, str, float, float, int]]) -> pd.DataFrame:
    """Waypoints in the builder's schema (synthetic: root, system, country, label, lon, lat,
    point id), in route order."""
    frame = pd.DataFrame(rows, columns=["root", "system", "label", "lon", "lat", "point"])
    return frame.assign(country="MX", hidden=False, ref=frame["root"], tier=3, toll=False)


# About 0.009 degrees of latitude per km near 32 N.
MAIN = [("main", "mexf", f"M{i}", -116.9, 32.40 + 0.018 * i, 100 + i) for i in range(4)]


def test_a_dangling_end_near_another_route_is_extended_to_it() -> None:
    spur = [("spur", "mexsf", "S0", -116.95, 32.43, 1), ("spur", "mexsf", "S1", -116.91, 32.436, 2)]
    out = close_gaps(waypoints(MAIN + spur))
    spur_points = out.loc[out["root"] == "spur", "point"].tolist()
    assert spur_points == [1, 2, 102]  # M2 (32.436) is about 0.94 km from S1: joined there
    added = out[(out["root"] == "spur") & (out["point"] == 102)].iloc[0]
    assert (added["lon"], added["lat"], added["label"]) == (-116.9, pytest.approx(32.436), "M2")
    assert len(out) == len(MAIN) + len(spur) + 1


def test_ends_farther_than_the_gap_or_on_a_bridge_stay_as_they_are() -> None:
    far = [("far", "mexsf", "F0", -117.0, 32.43, 1), ("far", "mexsf", "F1", -116.93, 32.43, 2)]  # 2.8 km
    bridge = [
        ("bridge", BRIDGE_SYSTEM, "B0", -116.905, 32.40, 3),
        ("bridge", BRIDGE_SYSTEM, "B1", -116.95, 32.40, 4),
    ]
    frame = waypoints(MAIN + far + bridge)
    assert GAP_M < 2800
    assert close_gaps(frame).equals(frame)


def test_a_controlled_access_road_is_entered_at_a_visible_waypoint() -> None:
    """A free road ending 1.2 km from a toll road's hidden shaping point and 1.6 km from its
    interchange (a visible waypoint) is joined at the interchange: a shaping point between
    interchanges is no access. On a free road the nearest point is entered, hidden or not."""
    toll = waypoints([("toll", "mexd", f"T{i}", -116.9, 32.40 + 0.018 * i, 200 + i) for i in range(3)])
    toll = toll.assign(toll=True, hidden=[False, True, False])
    spur = waypoints([("spur", "mexf", "S0", -116.95, 32.412, 1), ("spur", "mexf", "S1", -116.91, 32.412, 2)])
    frame = pd.concat([toll, spur], ignore_index=True)
    assert added_links(frame) == {frozenset((2, 200))}  # S1 - T0 (from T0's side), not S1 - T1
    free = pd.concat([toll.assign(toll=False), spur], ignore_index=True)
    assert frozenset((2, 201)) in added_links(free)


def added_links(frame: pd.DataFrame) -> set[frozenset]:
    """The pairs of points that :func:`close_gaps` made consecutive on a route."""

    def links(points: pd.DataFrame) -> set[frozenset]:
        return {
            frozenset(pair)
            for _, route in points.groupby("root", sort=False)
            for pair in zip(route["point"], route["point"].iloc[1:], strict=False)
        }

    return links(close_gaps(frame)) - links(frame)


def test_two_ends_that_face_each_other_are_joined_once() -> None:
    a = [("a", "mexsf", "A0", -116.80, 32.50, 1), ("a", "mexsf", "A1", -116.85, 32.50, 2)]
    b = [("b", "mexsf", "B0", -116.86, 32.50, 3), ("b", "mexsf", "B1", -116.90, 32.50, 4)]  # ~0.94 km
    out = close_gaps(waypoints(a + b))
    assert len(out) == 5
    assert out["point"].tolist().count(2) + out["point"].tolist().count(3) == 3


def test_a_route_end_on_another_route_is_not_a_gap() -> None:
    joined = [("join", "mexsf", "J0", -116.95, 32.43, 1), ("join", "mexsf", "M1", -116.9, 32.418, 101)]
    frame = waypoints(MAIN + joined)
    assert close_gaps(frame).equals(frame)


def test_tijuana_reaches_mex2_by_the_via_rapida(national: nx.MultiDiGraph) -> None:
    """Travel Mapping's Via Rapida (Oriente) ends 1.6 km from MEX-2's first waypoint at La Presa:
    the road there is an edge of the graph, so Tijuana -> Tecate runs by MEX-2, not by Rosarito."""

    def nodes_of(root: str) -> set:
        return {n for u, v, d in national.edges(data=True) if d.get("tm_root") == root for n in (u, v)}

    assert nodes_of("mexbc.viarap") & nodes_of("mexbc.mex002")
