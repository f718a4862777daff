"""The Router on the national graph, 2025 theft risk and the trained border wait model: plans a
dispatcher would drive (costs, tolls, driver hours, bounds, departure advice, direction)."""

from __future__ import annotations

import json
import math
from datetime import UTC, timedelta
from pathlib import Path

import pytest
import shapely

from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError, NoRouteError, OffNetworkError, PlaceNotFound
from cargorisk.routing import Route, RoutePlan, Router, choice
from cargorisk.routing.departure import chosen_at, recommended_in_time, sweep, why
from cargorisk.routing.extras import chooser, floor, lean_floor, parked_least
from cargorisk.routing.pricing import CrossingPath
from cargorisk.routing.request import read_departure

FEED = Path(__file__).parents[1] / "data" / "cbp_bwt_feed_SYNTHETIC.json"
DEPART = "2026-03-02T06:00-06:00"  # a Monday morning in Monterrey
SATURDAY_NIGHT = "2026-03-07T22:00-06:00"
FRIDAY_NIGHT = "2026-03-06T23:00-06:00"
SUNDAY_MORNING = "2026-03-08T08:00-06:00"


@pytest.fixture(scope="module")
def mty_dallas(router: Router) -> RoutePlan:
    return router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_value=250_000, pareto=True)


def shown(plan: RoutePlan) -> list[Route]:
    return plan.routes()


def assert_within_bound(plan: RoutePlan) -> None:
    """No route of a plan takes more than the bound over the fastest's hours, nor (but the
    fastest itself, which arrives first) drives more than the bound over the least driving
    hours shown."""
    least_driving = min(r.driving_h for r in shown(plan))
    for route in [*shown(plan), *plan.pareto]:
        assert route.total_h <= plan.max_time_ratio * plan.fastest.total_h + 1e-6, route.label
        if route is not plan.fastest:
            assert route.driving_h <= plan.max_time_ratio * least_driving + 1e-6, route.label


def test_monterrey_dallas_crosses_at_laredo_with_published_km_and_hours(mty_dallas: RoutePlan) -> None:
    best = mty_dallas.recommended
    assert best.port_code == "2304" and best.crossing == "World Trade Bridge"
    assert best.km == pytest.approx(920, rel=0.10)  # Google Maps: about 920 km (570 mi) via Laredo and I-35
    # loaded trucks run at 80-90% of car speed (Google: 9 h 30 min for cars): about 10.5-11.9 h
    assert best.driving_h == pytest.approx(11.0, rel=0.10)
    assert best.port_arrival is not None and best.port_arrival.tzinfo == UTC  # computed in UTC
    assert best.port_arrival_local.strftime("%H %Z") == "09 CST"  # shown in Laredo's zone
    assert 0 < best.wait_min < 240
    # a solo driver cannot drive 11.4 h plus an hour in line in one day: FMCSA's 11-hour limit
    assert [s.kind for s in best.stops] == ["break", "rest"] and best.rest_h == 10
    assert best.port_h == pytest.approx(0.375)  # customs (The Packer: 20-25 min), crossing through too
    assert best.total_h == pytest.approx(
        best.driving_h + best.break_h + best.rest_h + best.port_h + best.wait_min / 60
    )
    assert best.arrival == best.depart + timedelta(hours=best.total_h)


def test_plan_shows_every_cost_component_and_the_schedule(mty_dallas: RoutePlan, router: Router) -> None:
    rec = mty_dallas.recommended
    costs = rec.costs
    assert costs.operating_usd == pytest.approx(rec.km * 0.55, rel=0.15)  # USD 0.50-0.65 per km
    assert any(r.costs.toll_usd > 0 for r in mty_dallas.routes())  # tolls priced (85D, Camino Colombia)
    assert costs.loss_usd == pytest.approx(250_000 * rec.theft_prob)
    assert rec.cost_usd == pytest.approx(costs.total_usd)
    doc = json.loads(mty_dallas.to_json())["recommended"]
    for field in ("km", "driving_h", "break_h", "rest_h", "wait_min", "total_h", "operating_cost_usd",
                  "toll_usd", "theft_prob", "expected_loss_usd", "cost_usd", "stops"):  # fmt: skip
        assert field in doc
    rest = next(s for s in doc["stops"] if s["kind"] == "rest")
    assert rest["road"].startswith("I-35") and rest["place"] and "FMCSA" in rest["rule"]
    text = mty_dallas.summary()
    assert "operate" in text and "tolls" in text and "rest 10.0 h after" in text and "border: arrive" in text
    assert "customs 0.38 h" in text and "World Trade Bridge, World Trade Bridge" not in text  # named once
    assert rec.segments["km"].sum() == pytest.approx(rec.km)
    assert rec.segments["risk_share"].sum() == pytest.approx(1.0)
    assert len(rec.riskiest) == 3 and all(r["drivers"] for r in rec.riskiest)
    gdf = mty_dallas.to_geodataframe()  # no graph needed: the plan keeps its lines
    assert gdf.crs == "EPSG:4326" and "recommended" in set(gdf["route"])
    runs = gdf[gdf["route"] == "recommended"]
    assert {"from", "to", "ref", "state", "km", "hours", "theft_prob", "risk_share"} <= set(gdf.columns)
    assert runs["hours"].sum() == pytest.approx(rec.driving_h, rel=1e-6)
    lengths = runs.to_crs(runs.estimate_utm_crs()).length / 1000
    assert lengths.sum() == pytest.approx(rec.km, rel=0.05)  # the lines are the road's
    assert len(mty_dallas.to_geodataframe(router.graph)) == len(gdf)
    geometry = json.loads(mty_dallas.to_json())["recommended"]["geometry"]
    assert geometry["type"] == "LineString" and len(geometry["coordinates"]) > 100
    assert geometry["coordinates"][0] == pytest.approx(list(rec.line.coords[0]))


def test_balanced_is_the_cheapest_shown_and_fastest_the_quickest(mty_dallas: RoutePlan) -> None:
    routes = shown(mty_dallas)
    assert mty_dallas.recommended.cost_usd <= min(r.cost_usd for r in routes) + 1e-6
    assert mty_dallas.fastest.total_h <= min(r.total_h for r in routes) + 0.25  # same arrival: cheaper wins
    assert mty_dallas.safest.theft_prob <= min(r.theft_prob for r in routes) * (1 + 1e-9)
    assert {r.crossing for r in mty_dallas.alternatives} - {mty_dallas.recommended.crossing}
    labelled_fastest = [r for r in routes if r.vs_fastest == "fastest route"]
    assert all(r.nodes == mty_dallas.fastest.nodes for r in labelled_fastest)
    assert_within_bound(mty_dallas)


def test_pareto_front_is_non_dominated_and_within_the_bound(mty_dallas: RoutePlan) -> None:
    front = mty_dallas.pareto
    assert len(front) >= 2
    for a in front:
        assert not any(b is not a and b.total_h <= a.total_h and b.theft_prob <= a.theft_prob for b in front)
    assert_within_bound(mty_dallas)


@pytest.mark.parametrize(
    ("origin", "destination", "depart"),
    [
        ("Ciudad de México", "Laredo, TX", FRIDAY_NIGHT),
        ("Monterrey, NL", "Laredo, TX", SUNDAY_MORNING),
        ("Ciudad de México", "Houston", DEPART),
        ("Tijuana", "Los Angeles", "2026-03-02T06:00-08:00"),
        ("Irapuato", "Toluca", "2026-03-04T22:00-06:00"),
        ("Monterrey, NL", "Dallas, TX", SATURDAY_NIGHT),
    ],
)
def test_no_route_is_a_detour_beyond_the_bound(
    router: Router, origin: str, destination: str, depart: str
) -> None:
    plan = router.plan(origin, destination, depart=depart, cargo_value=500_000)
    assert_within_bound(plan)
    shortest = min(r.km for r in shown(plan))
    assert all(r.km <= 1.6 * shortest for r in shown(plan))  # 3,308 km vs 1,212 km is gone
    assert "Lukeville" not in {r.crossing for r in shown(plan)}  # 2 trucks a day: only when asked


def test_friday_night_recommends_leaving_later_not_a_detour(router: Router) -> None:
    plan = router.plan(
        "Ciudad de México",
        "Laredo, TX",
        depart=FRIDAY_NIGHT,
        cargo_value=500_000,
        via_port="World Trade Bridge",
    )
    rec = plan.recommended
    assert rec.closed_min > 60  # it gets to the border in the small hours of Sunday: the truck would park
    assert rec.opens_at is not None and rec.opens_at.strftime("%a") == "Sun"  # each port's own Sunday hours
    assert rec.driving_h <= 1.25 * min(r.driving_h for r in shown(plan))
    assert plan.advice is not None and plan.advice.depart > plan.depart
    assert plan.advice.route.arrival <= rec.arrival + timedelta(minutes=15)
    assert plan.advice.saving_usd > 0
    assert (
        "leave Sat" in plan.advice.sentence() and f"opens {rec.opens_at:%a %H:%M}" in plan.advice.sentence()
    )


def test_saturday_night_says_when_the_crossing_opens(router: Router) -> None:
    """World Trade Bridge closes at 16:00 on Saturdays and opens at 10:00 on Sundays (CBP); Roma
    is open around the clock (CBP's feed): each crossing keeps its own hours."""
    laredo = router.plan("Monterrey, NL", "Dallas, TX", depart=SATURDAY_NIGHT, via_port="World Trade Bridge")
    rec = laredo.recommended
    assert rec.opens_at is not None and rec.opens_at.strftime("%a %H:%M") == "Sun 10:00"
    assert "until it opens Sun 10:00" in laredo.summary()
    anywhere = router.plan("Monterrey, NL", "Dallas, TX", depart=SATURDAY_NIGHT).recommended
    assert anywhere.closed_min == 0 or anywhere.opens_at.strftime("%a") == "Sun"
    assert anywhere.total_h < rec.total_h


def test_southbound_waits_are_the_documented_assumption(router: Router) -> None:
    plan = router.plan("Houston", "Ciudad de México", depart=DEPART)
    rec = plan.recommended
    assert rec.direction == "southbound" and rec.wait_source == "assumed southbound"
    assert rec.wait_min == pytest.approx(9.3)  # FHWA/TTI 2001, outbound at El Paso-Zaragoza
    north = router.plan("Ciudad de México", "Houston", depart=DEPART).recommended
    assert north.direction == "northbound" and north.wait_source in {"modelled", "observed"}


def test_team_drivers_arrive_sooner_without_rests(router: Router) -> None:
    solo = router.plan("Guadalajara", "Chicago", depart=DEPART).recommended
    team = router.plan("Guadalajara", "Chicago", depart=DEPART, team=True).recommended
    assert solo.rest_h >= 20 and team.rest_h == 0
    assert {s.kind for s in team.stops} <= {"driver change", "break"}  # one 30-min break a shift
    assert team.total_h < solo.total_h - 15
    # two drivers: every hour on duty pays the team's share of the second one (team_pay_ratio)
    costs = router.costs
    busy_h = team.total_h - team.rest_h - team.closed_min / 60
    assert team.costs.time_usd == pytest.approx(busy_h * costs.team_time_usd_per_h, rel=1e-6)
    assert costs.team_time_usd_per_h == pytest.approx(57.64 + 0.18 * (57.64 - 18.88))
    assert solo.costs.time_usd == pytest.approx(
        (solo.total_h - solo.rest_h - solo.closed_min / 60) * costs.time_usd_per_h, rel=1e-6
    )


def test_low_traffic_ports_only_when_asked(router: Router) -> None:
    plan = router.plan("Hermosillo", "Phoenix", depart=DEPART)
    assert plan.recommended.crossing != "Lukeville" and not plan.recommended.low_traffic
    forced = router.plan("Hermosillo", "Phoenix", depart=DEPART, via_port="Lukeville")
    assert forced.recommended.crossing == "Lukeville" and forced.recommended.low_traffic
    assert "Lukeville*" in forced.summary()


def test_a_port_asked_for_on_a_lane_that_crosses_none_is_refused(router: Router) -> None:
    """Puebla - Veracruz via Laredo was answered with a domestic route and no word about the port."""
    with pytest.raises(InputError, match=r"via_port 'Laredo': .* stays in one country and crosses no port"):
        router.plan("Puebla, Pue.", "Veracruz", depart=DEPART, via_port="Laredo")


def test_no_route_shown_crosses_a_low_traffic_port_unless_asked(router: Router) -> None:
    """The alternatives and the Pareto front search the crossings the pool did: Hermosillo -
    Salt Lake City once showed a 'fallback crossing' through Lukeville (2 trucks a day) though
    Mariposa gives a route."""
    plan = router.plan("Hermosillo, Sonora", "Salt Lake City, UT", depart="2026-05-06T12:00", pareto=True)
    shown = [plan.recommended, plan.fastest, plan.safest, *plan.alternatives, *plan.pareto]
    assert len(plan.alternatives) >= 1
    assert not [(r.label, r.crossing) for r in shown if r.low_traffic]


def test_port_names_are_read_as_border_waits_reads_them(router: Router) -> None:
    colombia = router.plan(
        "Monterrey, NL", "Dallas, TX", depart=DEPART, via_port="Colombia Solidarity Bridge"
    )
    assert colombia.recommended.crossing == "Colombia Solidarity Bridge"
    pharr = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, via_port="Pharr")
    assert pharr.recommended.crossing == "Pharr International Bridge"
    no_wtb = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, avoid_ports=["World Trade Bridge"])
    assert no_wtb.recommended.crossing != "World Trade Bridge"
    eagle = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, via_port="2303")
    assert eagle.recommended.port_code == "2303"
    with pytest.raises(PlaceNotFound, match="'Laredp' is not a commercial crossing; did you mean 'Laredo'"):
        router.plan("Monterrey, NL", "Dallas, TX", via_port="Laredp")


def test_central_mexico_lane_safest_trades_time_for_risk(router: Router) -> None:
    plan = router.plan("Ciudad de México", "Veracruz, Ver.", depart=DEPART, cargo_value=100_000)
    assert plan.safest.theft_prob < 0.8 * plan.fastest.theft_prob
    assert plan.safest.total_h > plan.fastest.total_h
    assert any(s["state"] in {"Estado de México", "Puebla"} for s in plan.fastest.riskiest)


def test_high_cargo_value_moves_toward_the_safest(router: Router) -> None:
    cheap = router.plan("Ciudad de México", "Guadalajara", depart=DEPART, cargo_value=10_000)
    dear = router.plan("Ciudad de México", "Guadalajara", depart=DEPART, cargo_value=5_000_000)
    assert dear.recommended.theft_prob < cheap.recommended.theft_prob
    assert dear.recommended.total_h > cheap.recommended.total_h


def test_constraints(router: Router) -> None:
    base = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART)
    no_tamps = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, avoid_states=["Tamaulipas"])
    assert no_tamps.recommended.crossing != base.recommended.crossing
    assert "Tamaulipas" not in set(no_tamps.recommended.segments["state"])
    # a state as place names write it (the audit's 'NL', 'CDMX', 'Edo. Mex.' and 'TX' were unknown)
    short = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, avoid_states=["Tamps."])
    assert short.recommended.edges == no_tamps.recommended.edges
    saltillo = router.plan("Saltillo", "Dallas, TX", depart=DEPART, avoid_states=["NL", "CDMX", "Edo. Mex."])
    assert not {"Nuevo León", "Ciudad de México", "Estado de México"} & set(
        saltillo.recommended.segments["state"]
    )
    puebla = shapely.box(-98.5, 18.7, -97.6, 19.3)
    around = router.plan("Ciudad de México", "Veracruz, Ver.", depart=DEPART, avoid_areas=puebla)
    assert not any(
        shapely.intersects(router.graph.edges[e]["geometry"], puebla) for e in around.recommended.edges
    )


def test_theft_budget(router: Router, mty_dallas: RoutePlan) -> None:
    budget = (mty_dallas.safest.theft_prob + mty_dallas.fastest.theft_prob) / 2
    within = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, max_theft_prob=budget)
    assert within.recommended.theft_prob <= budget
    assert all(r.theft_prob <= budget for r in within.alternatives)  # nothing over it is offered
    free = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART)
    assert any(r.theft_prob > budget for r in free.alternatives)  # without it, some are
    with pytest.raises(NoRouteError, match=r"no route has theft probability <= 1\.00e-09"):
        router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, max_theft_prob=1e-9)


def test_a_wider_bound_shows_wider_detours(router: Router) -> None:
    tight = router.plan("Ciudad de México", "Veracruz, Ver.", depart=DEPART, max_time_ratio=1.0)
    wide = router.plan("Ciudad de México", "Veracruz, Ver.", depart=DEPART, max_time_ratio=3.0)
    assert tight.safest.theft_prob >= wide.safest.theft_prob
    assert all(r.total_h <= tight.fastest.total_h + 1e-9 for r in tight.routes())
    with pytest.raises(InputError, match=r"max_time_ratio 0\.5 must be at least 1"):
        router.plan("Ciudad de México", "Veracruz, Ver.", max_time_ratio=0.5)


@pytest.mark.parametrize("window", [float("nan"), float("inf"), -5.0, 1e9, "soon"])
def test_a_departure_window_outside_a_week_is_refused(router: Router, window: object) -> None:
    """NaN and infinity crashed the sweep (ValueError, OverflowError) and -5 silently dropped
    the advice; a huge window would price the plan at every hour of it."""
    with pytest.raises(InputError, match=r"depart_window_h .* must be a number of hours from 0"):
        router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, depart_window_h=window)
    assert router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, depart_window_h=0).advice is None


def test_public_names_are_listed() -> None:
    import cargorisk  # noqa: PLC0415

    assert {"Router", "RoutePlan", "score_lanes", "load_network", "create_app"} <= set(dir(cargorisk))
    assert all(getattr(cargorisk, name) is not None for name in cargorisk.__all__)


def test_departure_without_offset_is_the_origins_local_time(router: Router) -> None:
    """As in every trip planner: 06:00 from Tijuana is 06:00 Pacific, from Monterrey 06:00
    Central (Mexico keeps no DST since 2022, the border strip follows the US), and the plan
    says which zone it used."""
    for origin, destination, zone, offset in [
        ("Tijuana", "San Diego, CA", "America/Tijuana", -8),
        ("Monterrey, NL", "Dallas, TX", "America/Monterrey", -6),
        ("Ciudad Juárez", "El Paso, TX", "America/Ciudad_Juarez", -7),
        ("Dallas, TX", "Monterrey, NL", "America/Chicago", -5),  # US summer time on 3 August
    ]:
        month = "08" if offset == -5 else "03"
        plan = router.plan(origin, destination, depart=f"2026-{month}-03T06:00", alternatives=0)
        assert plan.depart.utcoffset().total_seconds() / 3600 == offset, origin
        assert plan.to_dict()["depart_zone"] == zone and f"({zone})" in plan.summary()
    same = router.plan("Monterrey, NL", "Dallas, TX", depart="2026-03-03T06:00-06:00", alternatives=0)
    assert (
        same.recommended.total_h
        == router.plan(
            "Monterrey, NL", "Dallas, TX", depart="2026-03-03T06:00", alternatives=0
        ).recommended.total_h
    )


def test_bad_requests(router: Router) -> None:
    with pytest.raises(PlaceNotFound, match="did you mean 'Monterrey, Nuevo León'"):
        router.plan("Monterey", "Dallas, TX")
    with pytest.raises(OffNetworkError):
        router.plan("20.0,-110.0", "Dallas, TX")
    with pytest.raises(InputError, match="cargo value -5 must be an amount of USD from 0 to"):
        router.plan("Monterrey, NL", "Dallas, TX", cargo_value=-5)
    with pytest.raises(InputError, match="cannot read time 'next monday'"):
        router.plan("Monterrey, NL", "Dallas, TX", depart="next monday")
    with pytest.raises(InputError, match="needs a time zone"):
        read_departure("2026-03-02T06:00")  # without an origin to take the zone from
    with pytest.raises(InputError, match="unknown state 'Tamaulipa' to avoid; did you mean 'Tamaulipas'"):
        router.plan("Monterrey, NL", "Dallas, TX", avoid_states=["Tamaulipa"])
    with pytest.raises(PlaceNotFound, match="'Atlantis' is not a commercial crossing"):
        router.plan("Monterrey, NL", "Dallas, TX", avoid_ports=["Atlantis"])
    blocked = ["Tamaulipas", "Nuevo León", "Coahuila", "Chihuahua", "Sonora", "Baja California"]
    with pytest.raises(NoRouteError, match=r"the origin Saltillo, Coahuila is inside what avoid_states"):
        router.plan("Saltillo", "Dallas, TX", avoid_states=blocked)
    with pytest.raises(NoRouteError, match=r"with avoid_\w+=\[.*\]; relax that constraint"):
        router.plan(
            "Monterrey, NL", "Dallas, TX", avoid_states=blocked[:1] + blocked[2:], avoid_ports=["Colombia"]
        )
    # an end in a state to avoid: said so (an audit found the generic 'relax that constraint')
    with pytest.raises(NoRouteError, match=r"the origin Monterrey, Nuevo León is inside what avoid_states"):
        router.plan("Monterrey, NL", "Dallas, TX", avoid_states=["Nuevo Leon"])
    with pytest.raises(NoRouteError, match=r"the destination Dallas, Texas is inside"):
        router.plan("Monterrey, NL", "Dallas, TX", avoid_states=["TX"])


def test_route_cli(
    trained: Settings, router: Router, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    data = ["--data-dir", str(trained.data_dir)]
    assert (
        main([*data, "route", "Monterrey, NL", "Dallas, TX", "--depart", DEPART, "--cargo-value", "250000"])
        == 0
    )
    out = capsys.readouterr().out
    assert "recommended" in out and "World Trade Bridge" in out and "rest 10.0 h" in out
    assert main([*data, "route", "Monterrey, NL", "Dallas, TX", "--json", "--avoid-state", "Tamaulipas"]) == 0
    assert json.loads(capsys.readouterr().out)["recommended"]["crossing"] != "World Trade Bridge"
    args = ["route", "Monterrey, NL", "Dallas, TX", "--depart", DEPART, "--json", "--team"]
    assert main([*data, *args]) == 0
    assert json.loads(capsys.readouterr().out)["recommended"]["rest_h"] == 0
    assert main([*data, "--set", "toll_usd_per_km_mx=0", *args]) == 0
    assert json.loads(capsys.readouterr().out)["recommended"]["toll_usd"] == 0
    # a CBP feed read at 07:00 CST says 95 min at World Trade Bridge; a truck there at 07:13 gets it
    feed = [
        "--waits",
        str(FEED),
        "--depart",
        "2026-03-02T03:30-06:00",
        "--json",
        "--via-port",
        "World Trade Bridge",
    ]
    assert main([*data, "route", "Monterrey, NL", "Dallas, TX", *feed]) == 0
    plan = json.loads(capsys.readouterr().out)
    wtb = [r for r in [plan["recommended"], *plan["alternatives"]] if r["crossing"] == "World Trade Bridge"]
    assert wtb and all(r["wait_source"] == "live" and r["wait_min"] == 95 for r in wtb)
    assert Router.from_settings(trained, 2025).live is None  # the feed stays with that one request
    for bad in (
        ["route", "Monterey", "Dallas"],
        ["route", "Monterrey, NL", "Dallas, TX", "--cargo-value", "-1"],
        ["route", "Monterrey, NL", "Dallas, TX", "--depart", "soon"],
        ["--set", "nonsense=1", "route", "Monterrey, NL", "Dallas, TX"],
    ):
        assert main([*data, *bad]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1


def test_domestic_lane_gets_distinct_alternatives(router: Router) -> None:
    """Each alternative is a road of its own and better than every route shown on one count by
    a margin a dispatcher acts on (Mexico City - Veracruz's 6 min sooner, 19% riskier and USD 84
    dearer detour is no longer one); León - Mexico City has two, by MEX-43D and by MEX-15."""
    plan = router.plan("León", "Ciudad de México", depart="2026-03-02T08:00-06:00")
    assert plan.recommended.crossing is None
    assert plan.alternatives
    main = [plan.recommended, plan.fastest, plan.safest]
    for alt in plan.alternatives:
        assert all(router.overlap(alt, other) < 0.7 for other in main)
        assert alt.cost_usd >= plan.recommended.cost_usd  # never cheaper than the recommended route
        assert not choice.dominated(alt, main)
    assert_within_bound(plan)
    assert not router.plan("Ciudad de México", "Veracruz, Ver.", depart=DEPART).alternatives


def test_the_corridor_network_stays_a_working_alternative(corridor_router: Router, router: Router) -> None:
    small = corridor_router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_value=250_000)
    national = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_value=250_000)
    assert small.recommended.port_code == national.recommended.port_code == "2304"
    assert small.recommended.km == pytest.approx(national.recommended.km, rel=0.02)  # 923 vs 919 km
    assert len(national.recommended.edges) > 10 * len(small.recommended.edges)  # finer segments


def test_a_rest_before_the_crossing_raises_the_theft_floor_of_every_hour(router: Router) -> None:
    """Mexico City - Laredo: the drivers rest in Mexico before the border whatever the hour, so
    the floors count that rest's hazard parked (the least over the schedules at the crossing),
    and no departure's route parks less."""
    a, b = router.places("Ciudad de México", "Laredo, TX")
    depart = read_departure("2026-03-03T05:00", router.zone_of(router.engine.index[a.node]))
    paths = router.decide(a, b, depart=depart, cargo=500_000.0, objective="balanced").paths
    parked = [parked_least(router, p, False) for p in paths]
    assert all(p > 0 for p in parked)
    for hours in range(0, 24, 5):
        for path, least in zip(paths, parked, strict=True):
            route = router.price(path, depart + timedelta(hours=hours), 500_000.0, False)
            assert route.parked_theft_prob >= -math.expm1(-least) > 0


@pytest.mark.parametrize(
    ("origin", "destination", "objective", "team", "depart", "skips"),
    [
        ("Monterrey, NL", "Dallas, TX", "balanced", False, "2026-03-06T20:00", True),
        ("Dallas, TX", "Querétaro", "balanced", False, "2026-03-07T23:00", True),
        ("Guadalajara", "Chicago", "fastest", True, "2026-03-02T06:00", True),
        # 70 h with a rest on each side: every path's floor leaves it a chance, all 26 are priced
        ("Puebla, Puebla", "Atlanta, GA", "safest", False, "2026-03-04T02:00", False),
    ],
)
def test_a_lean_decision_floors_paths_from_their_legs_and_chooses_as_the_plan(
    router: Router, origin: str, destination: str, objective: str, team: bool, depart: str, skips: bool
) -> None:
    """A lane book's decision keeps its paths across the border as their legs, floors them from
    the legs (the same least hours; cost and theft at most the summary's floor, and by no more
    than rounding), summarises only the paths it prices (``skips``: some are never priced), and
    chooses the plan's routes."""
    a, b = router.places(origin, destination)
    when = read_departure(depart, router.zone_of(router.engine.index[a.node]))
    cargo = 400_000.0
    lean = router.decide(a, b, depart=when, cargo=cargo, objective=objective, team=team, lean=True)
    full = router.decide(a, b, depart=when, cargo=cargo, objective=objective, team=team)
    crossing = [p for p in lean.paths if isinstance(p, CrossingPath)]
    assert len(crossing) == len(lean.paths) > 1
    unpriced = [p for p in crossing if "summary" not in vars(p)]
    assert (len(unpriced) > 0) == skips and len(unpriced) < len(crossing)  # some priced
    for got, want in (
        (lean.choice.recommended, full.choice.recommended),
        (lean.choice.fastest, full.choice.fastest),
    ):
        assert (got.edges, got.total_h, got.cost_usd, got.theft_prob) == (
            want.edges, want.total_h, want.cost_usd, want.theft_prob,
        )  # fmt: skip
    for path in crossing:
        summary = path.summary
        legs, exact = lean_floor(router, path, cargo, team, when), floor(router, summary, cargo, team, when)
        assert legs.total_h == exact.total_h
        assert legs.driving_h == pytest.approx(exact.driving_h, rel=1e-12)
        assert exact.cost_usd * (1 - 2e-9) <= legs.cost_usd <= exact.cost_usd
        assert exact.theft_prob * (1 - 2e-9) <= legs.theft_prob <= exact.theft_prob
        assert path.bridge == summary.bridge and path.crossing_legs() == summary.crossing_legs()
        assert path.parked_least(router, team) == summary.parked_least(router, team)  # the same stops
        assert path.after == summary.after


@pytest.mark.parametrize(
    ("origin", "destination", "objective", "team", "budget"),
    [
        ("Monterrey, NL", "Dallas, TX", "balanced", False, None),
        ("Ciudad de México", "Laredo, TX", "safest", False, None),
        ("Guadalajara", "Chicago", "fastest", True, None),
        ("Puebla, Puebla", "Atlanta, GA", "balanced", False, None),
        ("Monterrey, NL", "Dallas, TX", "balanced", False, 4e-4),
    ],
)
def test_the_departure_sweep_chooses_as_if_it_priced_every_path(
    router: Router, origin: str, destination: str, objective: str, team: bool, budget: float | None
) -> None:
    """The sweep prices only the paths that can matter at each hour; it recommends what pricing
    every path would, its floors are never above a path's real hours, cost and theft (nor the
    hazard parked that no hour avoids above its hazard parked), and the bound that lets it skip
    an hour without floors is never above a floor."""
    a, b = router.places(origin, destination)
    depart = read_departure("2026-03-06T20:00", router.zone_of(router.engine.index[a.node]))
    decision = router.decide(a, b, depart=depart, cargo=300_000.0, objective=objective, team=team)
    price = lambda path, at: router.price(path, at, 300_000.0, team)  # noqa: E731
    for hours in range(0, 60, 3):
        when = depart + timedelta(hours=hours)
        floors = [floor(router, p, 300_000.0, team, when) for p in decision.paths]
        routes = [price(p, when) for p in decision.paths]
        for route, least, path in zip(routes, floors, decision.paths, strict=True):
            assert route.total_h >= least.total_h - 1e-9 and route.cost_usd >= least.cost_usd - 1e-6
            assert route.theft_prob >= least.theft_prob
            assert route.parked_theft_prob >= -math.expm1(-parked_least(router, path, team))
            assert least.total_h >= router.pricer.hours_bound(path, team) - 1e-9  # the sweep's hour check
        try:
            everything = choice.choose(routes, objective, 1.5, budget)
        except NoRouteError:
            with pytest.raises(NoRouteError):
                chosen_at(when, floors, price, objective, 1.5, budget)
            continue
        lean = chosen_at(when, floors, price, objective, 1.5, budget)  # what lane books choose with
        assert len(lean.within) <= len(routes)
        for got, full in ((lean.recommended, everything.recommended), (lean.fastest, everything.fastest)):
            assert got.edges == full.edges and got.total_h == full.total_h and got.cost_usd == full.cost_usd
        # the sweep's question: the recommended route, or None when it provably arrives too late
        for late_h in sorted(f.total_h for f in floors)[1::3]:
            hopeless = lambda h, late_h=late_h: h > late_h  # noqa: E731
            got = recommended_in_time(when, floors, price, objective, 1.5, budget, hopeless)
            full = everything.recommended
            if got is None:
                assert hopeless(full.total_h)
            else:
                assert got.edges == full.edges and got.cost_usd == full.cost_usd


@pytest.mark.parametrize(
    ("origin", "destination", "depart", "objective", "team", "skips"),
    [
        (
            "Monterrey, NL",
            "Dallas, TX",
            "2026-03-06T20:00",
            "balanced",
            False,
            True,
        ),  # Saturday closures ahead
        ("Ciudad Juárez", "Denver, CO", "2026-04-04T14:00", "fastest", False, True),
        ("Guadalajara", "Chicago", "2026-12-23T21:00", "balanced", True, True),  # holiday hours ahead
        # every departure of the window reaches the border on Christmas Day and waits for Saturday's
        # opening, so every hour may arrive with the best and be cheaper: none can be skipped
        ("Guadalajara", "Chicago", "2026-12-24T09:00", "balanced", True, None),
        ("Houston, TX", "Celaya", "2026-05-10T03:00", "safest", False, True),  # southbound
        ("Hermosillo", "Phoenix, AZ", "2026-01-02T17:00", "balanced", False, True),
        ("Saltillo", "Laredo, TX", "2026-03-02T11:00", "balanced", False, True),
    ],
)
def test_the_sweep_skips_only_hours_that_cannot_win(
    router: Router, origin: str, destination: str, depart: str, objective: str, team: bool, skips: bool | None
) -> None:
    """Hours whose least door-to-door time already arrives after the best departure found are
    not priced; the advice is the one pricing every hour gives, and hours are skipped (``skips``;
    None where every hour may arrive with the best, so none need be)."""
    a, b = router.places(origin, destination)
    when = read_departure(depart, router.zone_of(router.engine.index[a.node]))
    decision = router.decide(a, b, depart=when, cargo=250_000.0, objective=objective, team=team)
    choose_at = chooser(router, decision, objective, 1.5, None)
    skipped = []

    def counting(at: object, hopeless: object) -> object:
        route = choose_at(at, hopeless)
        skipped.append(route is None)
        return route

    fast = sweep(counting, decision.choice.recommended, 24, objective=objective)
    everything = lambda at, _: choose_at(at, lambda _h: False)  # noqa: E731
    full = sweep(everything, decision.choice.recommended, 24, objective=objective)
    assert (fast is None) == (full is None)
    if fast is not None:
        assert (fast.depart, fast.route.edges, fast.route.cost_usd) == (
            full.depart, full.route.edges, full.route.cost_usd,
        )  # fmt: skip
    assert len(skipped) == 24 and (skips is None or any(skipped))


@pytest.mark.parametrize(
    ("origin", "destination", "depart", "cargo_type", "objective", "advised"),
    [
        # safest plans once advised a later start on a riskier route (35% and 16% riskier)
        ("Querétaro", "Detroit, MI", "2027-01-01T00:30", "auto_parts", "safest", False),
        ("Culiacán", "Phoenix, AZ", "2026-12-24T20:00", "general", "safest", False),
        ("Naucalpan", "Laredo, TX", "2026-03-03T22:00", "electronics", "balanced", True),
    ],
)
def test_departure_advice_ranks_by_the_plans_objective_and_says_what_changes(
    router: Router, origin: str, destination: str, depart: str, cargo_type: str, objective: str, advised: bool
) -> None:
    """An audit found a 'safest' plan advised to leave later for USD 104 less on a route 35%
    riskier (Querétaro -> Detroit), and advice through another crossing that did not say so
    (Naucalpan -> Laredo). A later start is now ranked, after its arrival, as the plan's objective
    ranks routes, and the sentence says a change in theft risk and in crossing."""
    plan = router.plan(origin, destination, depart=depart, cargo_value=500_000, cargo_type=cargo_type,
                       objective=objective)  # fmt: skip
    advice, planned = plan.advice, plan.recommended
    assert (advice is not None) == advised
    if advice is None:  # no later start is safer (nor earlier): no advice
        return
    if objective == "safest" and advice.arrive_earlier_h < 0.25:
        assert advice.route.theft_prob < planned.theft_prob
    assert advice.theft_change == pytest.approx(advice.route.theft_prob / planned.theft_prob - 1)
    if abs(advice.theft_change) >= 0.01:
        assert f"theft risk {advice.theft_change:+.0%}" in advice.sentence()
    if advice.route.crossing != planned.crossing:
        assert advice.planned_crossing == planned.crossing
        assert f"through {advice.route.crossing} instead of {planned.crossing}" in advice.sentence()


@pytest.mark.parametrize(
    ("origin", "destination", "depart", "objective"),
    [
        ("Querétaro", "Detroit, MI", "2027-01-01T00:30", "safest"),
        ("Aguascalientes", "Laredo, TX", "2026-03-07T23:00", "balanced"),
    ],
)
def test_a_fallback_crossing_is_its_best_way_across(
    router: Router, origin: str, destination: str, depart: str, objective: str
) -> None:
    """An audit found a World Trade Bridge fallback of 4,144 km and 95.7 h (by Michoacán and
    Zacatecas, 0.1% safer) where planning via that bridge gives 3,531 km and 84.2 h. Every other
    crossing a plan shows is now no worse than the plan made through it alone."""
    plan = router.plan(origin, destination, depart=depart, cargo_value=500_000, objective=objective)
    key = choice.KEYS[objective]
    others: dict[str, Route] = {}
    for route in sorted(plan.routes(), key=key, reverse=True):  # the best shown through each
        others[route.crossing] = route
    others.pop(plan.recommended.crossing)
    assert others
    for crossing, shown in others.items():
        alone = router.plan(
            origin, destination, depart=depart, cargo_value=500_000, objective=objective, via_port=crossing,
            alternatives=0, depart_window_h=0,
        ).recommended  # fmt: skip
        assert not choice.outclassed(shown, [alone]), (crossing, shown.km, alone.km)


def test_the_advice_names_the_wait_only_when_it_is_most_of_the_gain(router: Router) -> None:
    """An audit: "arrive 9.2 h earlier ...; the expected wait at Mariposa drops from 52 to 24
    min" (the 9.2 h came from a rest the later start did without). The wait is the reason only
    when it is at least half of the hours gained."""
    from dataclasses import replace  # noqa: PLC0415
    from datetime import timedelta  # noqa: PLC0415

    planned = router.plan(
        "Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00", alternatives=0
    ).recommended
    planned = replace(planned, wait_min=52.0, closed_min=0.0)

    def gaining(hours: float, wait_min: float) -> object:
        return replace(planned, wait_min=wait_min, arrival=planned.arrival - timedelta(hours=hours))

    assert why(planned, gaining(9.2, 24.0))[0] == "hours"
    assert why(planned, gaining(0.5, 24.0)) == (
        "wait",
        {"crossing": planned.crossing, "before": 52.0, "after": 24.0},
    )
