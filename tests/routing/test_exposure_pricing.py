"""Theft exposure in time and while parked, in priced plans (routing/exposure_pricing.py), on the
national graph with the exposure model trained from the cited time-and-place patterns."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargorisk.routing import Router
from cargorisk.routing.exposure_pricing import local_hours, node_at, nodes_at
from cargorisk.routing.pool import CachePolicy
from cargorisk.routing.schedule import PLACED_NOTE, REST_REACH

SATURDAY_AFTERNOON = "2026-03-07T14:00-06:00"  # World Trade Bridge closes 16:00 on Saturdays


@pytest.fixture(scope="module")
def held(router: Router) -> object:
    """Electronics worth USD 2M, held over Saturday night at a closed World Trade Bridge."""
    return router.plan(
        "Monterrey, NL",
        "Dallas, TX",
        depart=SATURDAY_AFTERNOON,
        cargo_value=2_000_000,
        cargo_type="electronics",
        via_port="World Trade Bridge",
    )


def test_hours_parked_at_a_closed_crossing_are_in_the_expected_loss(held: object) -> None:
    route = held.recommended
    assert route.closed_min > 600  # parked overnight until the Sunday opening
    closed = [s for s in route.stop_places if s["kind"] == "closed"]
    assert closed and closed[0]["theft_prob"] > 0
    assert route.parked_theft_prob > 0 and 0 < route.parked_loss_usd < route.expected_loss_usd
    # the parked part is the stops' hazards added up (line at the border excluded: at the wheel)
    stops = [s for s in route.stop_places if s["kind"] != "line"]
    hazard = sum(-math.log1p(-s["theft_prob"]) for s in stops)
    assert -math.log1p(-route.parked_theft_prob) == pytest.approx(hazard, rel=1e-6)
    assert "while parked" in held.summary() and "parked risk USD" in held.summary()
    out = route.to_dict()
    assert out["parked_loss_usd"] == pytest.approx(route.parked_loss_usd, abs=0.01)
    assert all("theft_prob" in s for s in out["stops"])


def test_longer_hours_parked_cost_more(router: Router, held: object) -> None:
    """The same lane leaving early on Saturday crosses before the closure: less parked risk."""
    early = router.plan(
        "Monterrey, NL",
        "Dallas, TX",
        depart="2026-03-07T06:00-06:00",
        cargo_value=2_000_000,
        cargo_type="electronics",
        via_port="World Trade Bridge",
    )
    assert early.recommended.closed_min < 60
    assert early.recommended.parked_theft_prob < held.recommended.parked_theft_prob


def priced_at(router: Router, hour: int) -> float:
    """Theft probability of Mexico City - Querétaro's fastest path leaving at ``hour``:00."""
    depart = f"2026-03-04T{hour:02d}:00-06:00"
    plan = router.plan("Ciudad de México", "Querétaro", depart=depart, objective="fastest", alternatives=0)
    return plan.recommended.theft_prob


def test_transit_risk_follows_the_hour_of_day(router: Router) -> None:
    """In Mexico the fitted hourly profile weighs the morning above the small hours; a short
    lane without stops shows it directly."""
    model = router.graph.graph["theft_exposure"]
    multiplier = model.transit_multiplier("MX", np.arange(24))
    high, low = int(np.argmax(multiplier)), int(np.argmin(multiplier))
    assert priced_at(router, high) > priced_at(router, low)


def test_without_an_exposure_model_the_risk_is_the_edges(router: Router) -> None:
    """An untrained exposure model leaves every figure as the edge risk alone."""
    bare = router.with_caches(CachePolicy())  # its own caches: legs made on other tables are not its
    bare.exposure = dataclasses.replace(
        router.exposure, active=False, share=np.ones_like(router.exposure.share)
    )
    a, b = bare.places("Monterrey, NL", "Dallas, TX")
    when = datetime.fromisoformat(SATURDAY_AFTERNOON)
    decision = bare.decide(a, b, depart=when, cargo=100_000, objective="fastest")
    path = bare.pricer.summarize(decision.paths[0].ids)  # summarised on the bare tables
    route = bare.price(path, when, 100_000, team=False)
    assert route.theft_prob == pytest.approx(-math.expm1(-path.risk))
    assert route.parked_theft_prob == 0


def test_rests_go_where_parking_is_safest_within_reach(router: Router) -> None:
    """Mexico City - Laredo: the 10 h rest that falls due at 14 h of driving (San Fernando,
    MEX-97) is taken half an hour earlier where parking is safer, and the plan says so; the
    same path with rests where the clock runs out parks at more risk."""
    a, b = router.places("Ciudad de México", "Laredo, TX")
    when = datetime.fromisoformat("2026-03-03T06:00-06:00")
    decision = router.decide(a, b, depart=when, cargo=300_000, objective="balanced")
    placed = [p for p in decision.paths if p.place is not None]
    assert placed
    moved = 0
    for path in placed[:6]:
        unplaced = dataclasses.replace(path, place=None, clocks={})
        best, clock = (
            router.price(path, when, 300_000, team=False),
            router.price(unplaced, when, 300_000, team=False),
        )
        rests = [a for a in best.schedule if a.kind == "rest" and a.rule.endswith(PLACED_NOTE)]
        if rests:
            moved += 1
            assert best.parked_theft_prob < clock.parked_theft_prob
            assert all(
                0 < due.at_s - r.at_s <= REST_REACH for r, due in zip(rests, rests_of(clock), strict=False)
            )
    assert moved


@pytest.mark.parametrize(
    ("origin", "destination", "depart"),
    [
        ("Ramos Arizpe", "Minneapolis, MN", "2026-10-12T10:00-06:00"),
        ("Hermosillo, Sonora", "Salt Lake City, UT", "2026-05-06T12:00-07:00"),
        # rests placed on the leg to the crossing, which does not know the driving after it
        ("Detroit, MI", "Sabinas Hidalgo", "2026-03-02T22:00-06:00"),
        ("Tlaxcala, Tlaxcala", "Socorro, NM", "2026-03-06T11:00-06:00"),
    ],
)
def test_a_rest_placed_early_never_costs_a_rest_more(
    router: Router, origin: str, destination: str, depart: str
) -> None:
    """Long US legs where resting 2 h early at safer parking, rest after rest, once left 0.9 h
    to drive after the last 10 h and so needed a third (a route 10 h later, dearer and riskier):
    on every path of the pool, rests placed early are as many as where the clock runs out, and
    the route arrives at most a break later."""
    a, b = router.places(origin, destination)
    when = datetime.fromisoformat(depart)
    decision = router.decide(a, b, depart=when, cargo=300_000, objective="balanced")
    early = 0
    for path in [p for p in decision.paths if p.place is not None]:
        placed = router.price(path, when, 300_000, team=False)
        clock = router.price(dataclasses.replace(path, place=None, clocks={}), when, 300_000, team=False)
        early += any(a.rule.endswith(PLACED_NOTE) for a in placed.schedule)
        assert len(rests_of(placed)) <= len(rests_of(clock))
        assert placed.total_h <= clock.total_h + 0.5 + 1e-6
    assert early  # rests were placed early on these lanes


def rests_of(route: object) -> list:
    """The rests of a route's schedule, in order."""
    return [a for a in route.schedule if a.kind == "rest"]


ZONES = ("America/Mexico_City", "America/Tijuana", "America/Chicago", "America/Los_Angeles", "UTC")


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
    st.lists(st.floats(0, 30 * 86_400, allow_nan=False), min_size=1, max_size=40),
    st.data(),
)
def test_local_hours_are_the_floor_of_each_local_time_in_hours(
    start: datetime, seconds: list, data: object
) -> None:
    """The hour of each edge in its zone is that of Python's floor division of the local second,
    for departures before 1970 too (negative epochs) and seconds landing on an hour's edge."""
    zone = np.array(
        data.draw(st.lists(st.integers(0, len(ZONES) - 1), min_size=len(seconds), max_size=len(seconds)))
    )
    router = SimpleNamespace(zone_names=list(ZONES))
    where = SimpleNamespace(zone=zone)
    utc_s = np.array(seconds)
    got = local_hours(router, where, utc_s, start)
    for hour, elapsed, z in zip(got, utc_s, zone, strict=True):
        local = start.timestamp() + float(elapsed) + ZoneInfo(ZONES[z]).utcoffset(start).total_seconds()
        assert hour == int(local // 3600 % 24)
    before_1970 = datetime(1960, 1, 1, tzinfo=UTC)  # half a second before each hour: still the hour before
    edges = local_hours(
        router, SimpleNamespace(zone=np.full(3, 4)), np.array([3599.5, 7199.5, 7200.0]), before_1970
    )
    assert edges.tolist() == [0, 1, 2]


def test_a_domestic_path_keeps_one_schedule_and_places_its_stops_on_the_path(router: Router) -> None:
    """A path without a crossing has the same schedule at every hour: made once, it is every
    pricing's, and its floor's hours are its hours; the stops' nodes are found in one search,
    as one by one (a stop at an edge's very end, and after the last edge, included)."""
    a, b = router.places("Ciudad de México", "Monterrey, NL")
    when = datetime.fromisoformat("2026-03-02T05:00-06:00")
    path = router.decide(a, b, depart=when, cargo=100_000, objective="balanced").paths[0]
    assert path.bridge is None
    night, noon = (router.price(path, when.replace(hour=h), 100_000, team=False) for h in (1, 12))
    assert night.schedule is noon.schedule is path.without_wait(False).activities
    assert night.total_h == noon.total_h == path.least_hours(False)
    parked = -math.expm1(-path.parked_least(router, False))  # its floor's parked part: exact here
    assert parked == night.parked_theft_prob == noon.parked_theft_prob > 0
    assert night.theft_prob != noon.theft_prob  # the hours of the day still count
    where = path.exposure
    positions = np.r_[[s.at_s for s in night.schedule], where.end_s[:5], where.end_s[-1] + 60.0, 0.0]
    assert nodes_at(where, positions).tolist() == [node_at(where, p) for p in positions]


def test_the_road_runs_add_up_to_the_route_theft_probability(router: Router) -> None:
    """An underwriter read three 'riskiest segments' adding up to more than the route's whole
    P(theft) (the runs were the roads' all-hours risk): each run is now its part of the route as
    priced, in transit at the hour driven and parked where it stops, and they add up to it."""
    plan = router.plan("Oaxaca", "Monterrey, NL", depart="2026-06-13T23:00-06:00", objective="safest",
                       cargo_type="alcohol")  # fmt: skip
    for route in [plan.recommended, plan.fastest]:
        runs = route.segments
        assert -np.log1p(-runs["theft_prob"]).sum() == pytest.approx(-math.log1p(-route.theft_prob), rel=1e-9)
        assert runs["risk_share"].sum() == pytest.approx(1.0)
        assert sum(r["theft_prob"] for r in route.riskiest) < route.theft_prob
    # the road's own rate stays the rate beside the stretch, whatever the hours driven
    top = plan.recommended.riskiest[0]
    assert "thefts per million loaded truck-km" in top["drivers"][0]
    # a stretch ranked by the rest made on it says so (the 10 h rest near San Fernando, MEX-97)
    laredo = router.plan(
        "Ciudad de México", "Laredo, TX", depart="2026-03-06T23:00-06:00", cargo_value=400_000
    )
    said = [d for r in laredo.recommended.riskiest for d in r["drivers"]]
    assert any(d.endswith("of it parked (stops on it)") for d in said)


def test_the_theft_interval_spreads_the_route_probability_not_the_roads(router: Router) -> None:
    """The 90% interval's spread over states was the roads' all-hours risk while its centre was
    the priced route's (hours, moving share, stops): Houston - Dallas read '1 in 300,000 to 1 in
    6e32', and one Orizaba - Puebla route's lower bound moved 50x with the hour. Both now come from
    the route as priced: a route within one country keeps about the same relative interval at any
    hour (its hours scale every state alike)."""
    night, day = (
        router.plan("Orizaba, Ver", "Puebla, Pue.", depart=f"2026-05-06T{hour}-06:00", cargo_value=130_000)
        for hour in ("02:00", "10:00")
    )
    ratios = []
    for plan in (night, day):
        route = plan.recommended
        risk = -math.log1p(-route.theft_prob)
        assert route.risk_sq <= risk**2 * (1 + 1e-9)  # a sum of squares of parts of the whole
        low, high = route.theft_interval
        assert low < route.theft_prob < high
        ratios.append((low / route.theft_prob, high / route.theft_prob))
    assert ratios[0] == pytest.approx(ratios[1], rel=0.02)
    texas = router.plan("Houston TX", "Dallas, TX", depart="2026-12-15T10:00-06:00").recommended
    assert texas.theft_interval[0] > texas.theft_prob / 10


def test_a_us_road_rate_is_per_truck_km_not_loaded(router: Router) -> None:
    """An underwriter read "Texas rate 0.01 thefts per million loaded truck-km": the US rate is
    CargoNet's thefts over all combination-truck km (FHWA VM-1), with no loaded share, and the
    figure is the road's, not the state's."""
    plan = router.plan("Laredo, TX", "Dallas, TX", depart="2026-03-02T06:00-06:00", alternatives=0)
    said = plan.recommended.riskiest[0]["drivers"][0]
    assert said.startswith("road rate 0.012 thefts per million truck-km (Texas)"), said
