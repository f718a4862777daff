"""The independent hours-of-service checker (49 CFR 395.3, NOM-087) on its own, on thousands of
generated schedules (hypothesis: random stretches in both directions, solo and team, random
border waits and closures), and on every route of the lanes of issue 24 on the national graph."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargorisk.routing import Route, Router
from cargorisk.routing.hos import check_route, check_route_dict, check_schedule
from cargorisk.routing.schedule import HOUR, earliest_arrival, finish, starts_at_border

H = HOUR


@dataclass(frozen=True)
class Act:
    """A hand-written activity."""

    kind: str
    start_s: float
    end_s: float
    country: str
    driver: int = 0


def timeline(*items: tuple[str, float, str, int]) -> list[Act]:
    """Activities from (kind, hours, country, driver), one after the other."""
    out, t = [], 0.0
    for kind, hours, country, driver in items:
        out.append(Act(kind, t, t + hours * H, country, driver))
        t += hours * H
    return out


# ---- the checker on hand-written schedules: each rule caught, each allowance honoured ----


@pytest.mark.parametrize(
    ("items", "legs", "found"),
    [
        # 5.5 h in Mexico without a pause; 5 + 5 with one is legal
        ([("drive", 5.5, "MX", 1)], [(5.5, "MX")], "continuous driving (NOM-087"),
        ([("drive", 5, "MX", 1), ("break", 0.5, "MX", 0), ("drive", 5, "MX", 1)], [(10, "MX")], None),
        # a 20-minute stop is not the 30-minute pause
        ([("drive", 5, "MX", 1), ("break", 0.33, "MX", 0), ("drive", 1, "MX", 1)], [(6, "MX")], "NOM-087"),
        # 14 h of driving with pauses, then 8 h of rest: legal in Mexico...
        (
            [("drive", 5, "MX", 1), ("break", 0.5, "MX", 0), ("drive", 5, "MX", 1), ("break", 0.5, "MX", 0),
             ("drive", 4, "MX", 1), ("rest", 8, "MX", 0), ("drive", 5, "MX", 1)],
            [(19, "MX")],
            None,
        ),
        # ...but not into the US: the 8-h rest does not reset 395.3
        (
            [("drive", 5, "MX", 1), ("break", 0.5, "MX", 0), ("drive", 5, "MX", 1), ("break", 0.5, "MX", 0),
             ("drive", 4, "MX", 1), ("rest", 8, "MX", 0), ("drive", 2, "MX", 1), ("line", 1, "MX", 1),
             ("drive", 1, "US", 1)],
            [(16, "MX"), (1, "US")],
            "since 10 h off",
        ),
        ([("drive", 8.5, "US", 1)], [(8.5, "US")], "without a 30-minute break"),
        ([("drive", 8, "US", 1), ("break", 0.5, "US", 0), ("drive", 3.5, "US", 1)], [(11.5, "US")], "11 h"),
        # a 4-h park does not stop the 14-hour clock
        (
            [("drive", 5, "US", 1), ("closed", 4, "US", 0), ("drive", 5.5, "US", 1)],
            [(10.5, "US")],
            "395.3(a)(2): 14 h",
        ),
        # a team: the berth is off duty; 11.5 h in it is a full 10 h off for the other driver
        (
            [("drive", 8, "US", 1), ("break", 0.5, "US", 0), ("drive", 3, "US", 1),
             ("driver change", 0.25, "US", 0), ("drive", 8, "US", 2), ("break", 0.5, "US", 0),
             ("drive", 3, "US", 2), ("driver change", 0.25, "US", 0), ("drive", 8, "US", 1)],
            [(30, "US")],
            None,
        ),
        # ...but a team that swaps every 6 h never gets 10 h off
        (
            [("drive", 6, "US", 1), ("driver change", 0.25, "US", 0), ("drive", 6, "US", 2),
             ("driver change", 0.25, "US", 0), ("drive", 6, "US", 1)],
            [(18, "US")],
            "since 10 h off",
        ),
        # 70 h on duty within 8 days without 34 h off
        (
            [item for _ in range(8) for item in (("drive", 8, "US", 1), ("break", 0.5, "US", 0),
                                                  ("drive", 2, "US", 1), ("rest", 10, "US", 0))],
            [(80, "US")],
            "on duty in 8 days",
        ),
    ],
)  # fmt: skip
def test_checker_finds_what_each_rule_forbids(items: list, legs: list, found: str | None) -> None:
    team = any(driver == 2 for *_, driver in items)
    problems = check_schedule(timeline(*items), [(h * H, c) for h, c in legs], team=team)
    if found is None:
        assert problems == []
    else:
        assert any(found in p for p in problems), problems


def test_checker_reads_the_plan_not_the_scheduler() -> None:
    """Driving that does not add up to the route, gaps, a line away from the border, a drive
    without a driver: each is reported."""
    good = timeline(("drive", 3, "MX", 1), ("line", 1, "MX", 1), ("drive", 2, "US", 1))
    legs = [(3 * H, "MX"), (2 * H, "US")]
    assert check_schedule(good, legs, team=False) == []
    assert "the schedule drives" in check_schedule(good, [(3 * H, "MX"), (3 * H, "US")], team=False)[0]
    gap = [good[0], Act("line", 3.5 * H, 4.5 * H, "MX", 1), good[2]]
    assert any("gap" in p for p in check_schedule(gap, legs, team=False))
    early = timeline(
        ("drive", 1, "MX", 1), ("line", 1, "MX", 1), ("drive", 2, "MX", 1), ("drive", 2, "US", 1)
    )
    assert any("not at the border" in p for p in check_schedule(early, legs, team=False))
    nobody = timeline(("drive", 3, "MX", 0), ("drive", 2, "US", 1))
    assert any("no driver" in p for p in check_schedule(nobody, legs, team=False))


# ---- thousands of generated schedules ----

hours = st.floats(min_value=0.05, max_value=12.0)


@st.composite
def trips(draw: st.DrawFn) -> dict:
    """A random route (stretches in one country, maybe a crossing, stretches in the other) and a
    random border: a daily opening window (or open all day), a line length for each hour, and a
    direction (northbound, southbound, or a domestic lane in either country)."""
    kind = draw(st.sampled_from(["MX->US", "US->MX", "MX", "US"]))
    first, second = kind.split("->") if "->" in kind else (kind, kind)
    before = [(h * H, first) for h in draw(st.lists(hours, min_size=1, max_size=6))]
    after = [(h * H, second) for h in draw(st.lists(hours, max_size=6))] if "->" in kind else []
    return {
        "before": before,
        "after": after,
        "crossing": (first, draw(st.floats(0.02, 0.3)) * H, second) if "->" in kind else None,
        "team": draw(st.booleans()),
        "opens": draw(st.integers(0, 23)),
        "open_h": draw(st.sampled_from([24, 24, 20, 16, 12, 8, 4, 2])),
        "lines": draw(st.lists(st.floats(0.0, 7.0), min_size=24, max_size=24)),
        "depart_h": draw(st.floats(0.0, 24.0)),
    }


def border(trip: dict) -> Callable[[float], tuple[float, float, None]]:
    """The generated border as ``finish`` reads it: closed outside the daily window, then the
    line of the hour it opens (hours of the day from a departure at ``depart_h``)."""

    def wait_at(elapsed: float) -> tuple[float, float, None]:
        hour = (trip["depart_h"] + elapsed / H) % 24
        into = (hour - trip["opens"]) % 24
        closed = 0.0 if into < trip["open_h"] else (24 - into) * H
        at = int((hour + closed / H) % 24)
        return closed, trip["lines"][at] * H, None

    return wait_at


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(trip=trips())
def test_every_generated_schedule_is_legal_in_both_countries(trip: dict) -> None:
    """The schedule pricing builds passes the independent checker, and so does every other
    choice of Mexican rest lengths; it arrives first among them (it skips those whose lower
    bound says they cannot); its activities account for every second."""
    into_us = trip["crossing"] is not None and trip["crossing"][2] == "US"
    starts = starts_at_border(trip["before"], team=trip["team"], into_us=into_us)
    schedule, port_s, waits = finish(starts, border(trip), trip["crossing"], trip["after"])
    legs = [*trip["before"], *([trip["crossing"][1:]] if trip["crossing"] else []), *trip["after"]]
    assert check_schedule(schedule.activities, legs, team=trip["team"]) == []
    arrivals, driving = [], sum(seconds for seconds, _ in trip["after"])
    for start in starts:  # every choice pricing compares is legal too, and never beats its bound
        other, *_ = finish([start], border(trip), trip["crossing"], trip["after"])
        assert check_schedule(other.activities, legs, team=trip["team"]) == []
        arrivals.append(round(other.elapsed))
        if trip["crossing"] is not None:
            assert earliest_arrival(start, border(trip), trip["crossing"], driving) <= other.elapsed + 1.0
    assert round(schedule.elapsed) == min(arrivals)  # the choices it skipped could not arrive first
    assert schedule.activities[-1].end_s == pytest.approx(schedule.elapsed)
    # rests are taken before the truck joins the border line, never in it (a break or a driver
    # change may be, in a line longer than a rested driver may drive without one)
    kinds = [a.kind for a in schedule.activities]
    assert not any(a == "line" and b in {"rest", "restart"} for a, b in itertools.pairwise(kinds))
    if trip["crossing"] is not None:  # parked and in line as long as the border says
        parked = sum(a.end_s - a.start_s for a in schedule.activities if a.kind == "closed")
        assert parked == pytest.approx(sum(w[0] for w in waits), abs=1e-3)
        assert sum(a.start_s <= port_s < a.end_s for a in schedule.activities) <= 1


# ---- the lanes of issue 24 on the national graph ----

LANES = [
    ("Puebla, Puebla", "Atlanta, GA", "2026-03-01T10:00"),
    ("Querétaro", "Phoenix", "2026-03-02T06:00"),
    ("Querétaro", "Laredo, TX", "2026-03-02T06:00"),
    ("Chihuahua", "El Paso, TX", "2026-03-02T06:00"),
    ("Culiacán", "Nogales, AZ", "2026-03-02T06:00"),
    ("Mexicali", "Los Angeles, CA", "2026-03-02T06:00"),
    ("Tijuana", "Phoenix", "2026-03-02T06:00"),
    ("Ciudad de México", "Laredo, TX", "2026-03-06T23:00"),
    ("Ciudad Juárez", "El Paso, TX", "2026-03-07T15:00"),
    ("Tijuana", "Los Angeles, CA", "2026-11-01T01:30"),
    ("Dallas, TX", "Saltillo", "2026-03-07T23:00"),
    ("Chicago", "Guadalajara", "2026-03-02T06:00"),
    ("Piedras Negras", "Austin, TX", "2026-05-07T08:00"),  # starts in the line: its origin is the crossing
]


def legs_of(router: Router, route: Route) -> list[tuple[float, str]]:
    """(seconds, country) of a route's edges from the graph: the checker's legs for routes
    without details (the Pareto front, the advice); a crossing counts in the country it enters."""
    ids = np.asarray(route.ids)
    country = np.where(
        router.is_crossing[ids], router.node_country[router.engine.head[ids]], router.edge_country[ids]
    )
    return list(zip(router.seconds[ids].tolist(), country.tolist(), strict=True))


@pytest.mark.parametrize("team", [False, True])
@pytest.mark.parametrize(("origin", "destination", "depart"), LANES)
def test_every_route_of_the_issue_lanes_is_legal(
    router: Router, origin: str, destination: str, depart: str, team: bool
) -> None:
    plan = router.plan(origin, destination, depart=depart, team=team, pareto=True)
    assert not [n for n in plan.notes if "hours-of-service" in n]
    for route in plan.routes():
        assert check_route(route) == [], route.label
    doc = json.loads(plan.to_json())
    for route in [doc["recommended"], doc["fastest"], doc["safest"], *doc["alternatives"]]:
        assert check_route_dict(route) == [], route["label"]  # the JSON alone says the same
    extra = [*plan.pareto, *([plan.advice.route] if plan.advice else [])]
    for route in extra:
        assert check_schedule(route.schedule, legs_of(router, route), team=team) == []
