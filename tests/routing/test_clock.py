"""One clock: plans computed in UTC and shown in each place's zone, across clock changes (the
cases of issue 24), with the table a dispatcher reads; and plans worth reading (the Pareto
front in the table, alternatives that are not worse on every count)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from cargorisk.batch import LaneScorer
from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.network.timezones import clock, local_time
from cargorisk.routing import RoutePlan, Router, choice
from cargorisk.routing.compose import FALLBACK

CLOCK = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:\d\d [A-Z]{3}"


def elapsed_h(start: datetime, end: datetime) -> float:
    """Hours between two instants (through UTC, whatever their zones)."""
    return (end.timestamp() - start.timestamp()) / 3600


def assert_one_clock(plan: RoutePlan) -> None:
    """Every route: arrival = departure + its hours; the crossing's closure ends when it opens;
    the schedule's activities end at the arrival; local times in their place's zone."""
    for route in [*plan.routes(), *plan.pareto]:
        assert elapsed_h(plan.depart, route.arrival) == pytest.approx(route.total_h, abs=1e-6), route.label
        assert route.arrival.tzinfo == UTC and route.schedule[-1].end_s == pytest.approx(route.total_h * 3600)
        if route.opens_at is not None:  # parked from the port arrival until it opens, in one clock
            parked = [a for a in route.schedule if a.kind == "closed"]
            assert route.utc(parked[-1].end_s).timestamp() == pytest.approx(route.opens_at.timestamp())
            assert route.opens_at.tzinfo.key == route.port_zone
            assert route.arrival > route.opens_at
        if route.port_arrival is not None:
            assert route.port_arrival_local.tzinfo.key == route.port_zone
    assert plan.recommended.eta_local.tzinfo.key == plan.recommended.eta_zone


def test_juarez_el_paso_over_the_spring_change_arrives_after_the_crossing_opens(router: Router) -> None:
    """Issue 24: it arrived 05:16 while the crossing opened at 06:00 (hours added on the wall
    clock across the change to summer time on Sunday 8 March). Through Ysleta, whose cargo
    hours end at 14:00 on Saturdays and which is closed on Sundays (Santa Teresa, open on
    Saturday afternoons, would cross at once)."""
    plan = router.plan("Ciudad Juárez", "El Paso, TX", depart="2026-03-07T15:00", via_port="Ysleta")
    rec = plan.recommended
    assert clock(plan.depart) == "Sat 15:00 MST"
    assert rec.opens_at is not None and clock(rec.opens_at) == "Mon 06:00 MDT"
    assert rec.eta_local > rec.opens_at and clock(rec.eta_local).endswith("MDT")
    assert_one_clock(plan)


def test_tijuana_los_angeles_at_the_repeated_hour(router: Router) -> None:
    """2026-11-01 01:30 happens twice in Tijuana: it means the first (PDT, fold=0); the closure
    at the crossing is measured in UTC, so no crossing gains an hour."""
    plan = router.plan("Tijuana", "Los Angeles, CA", depart="2026-11-01T01:30")
    assert plan.depart.utcoffset() == timedelta(hours=-7) and clock(plan.depart) == "Sun 01:30 PDT"
    assert_one_clock(plan)
    for route in plan.routes():
        if route.opens_at is not None:  # closed from the port arrival to the opening, exactly
            assert route.closed_min / 60 == pytest.approx(
                elapsed_h(route.port_arrival, route.opens_at), abs=1e-6
            )


def test_dallas_saltillo_reports_the_hours_that_elapse(router: Router) -> None:
    """Leaving Saturday 23:00 CST, over the change to CDT at 02:00: the total hours are the
    hours between departure and arrival (it reported one more)."""
    plan = router.plan("Dallas, TX", "Saltillo", depart="2026-03-07T23:00")
    assert_one_clock(plan)
    rec = plan.recommended
    assert rec.eta_zone == "America/Monterrey" and clock(rec.eta_local).endswith("CST")  # no DST in Mexico
    assert clock(rec.port_arrival_local).endswith("CDT")  # Laredo, on summer time by then


def test_a_local_time_the_clocks_skip_is_refused_everywhere(
    router: Router, trained: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    message = "local time 2026-03-08T02:30 does not exist in the time zone America/Chicago"
    with pytest.raises(InputError, match=message):
        router.plan("Dallas, TX", "Saltillo", depart="2026-03-08T02:30")
    with pytest.raises(InputError, match=message):
        router.plan("Dallas, TX", "Saltillo", depart=datetime(2026, 3, 8, 2, 30))
    with pytest.raises(InputError, match=message):  # a zoned datetime object with a skipped wall time
        router.plan(
            "Dallas, TX", "Saltillo", depart=datetime(2026, 3, 8, 2, 30, tzinfo=ZoneInfo("America/Chicago"))
        )
    book = pd.DataFrame({"lane_id": ["a", "b"], "origin": "Dallas, TX", "destination": "Saltillo",
                         "depart": ["2026-03-08T02:30", "2026-03-08T03:30"]})  # fmt: skip
    out = LaneScorer(router).score_frame(book)
    assert list(out["status"]) == ["error", "ok"] and message in out["error"][0]
    assert out["eta_local"][1].endswith("-06:00") and out["eta_zone"][1] == "America/Monterrey"
    assert out["port_arrival_local"][1].endswith("-05:00") and out["port_zone"][1] == "America/Chicago"
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    # a departure, and an arrival at a port in the port's zone (Roma: America/Chicago), alike
    for command in (
        ["route", "Dallas, TX", "Saltillo", "--depart", "2026-03-08T02:30"],
        ["border", "waits", "--port", "Roma", "--at", "2026-03-08T02:30"],
    ):
        assert main(["--data-dir", str(trained.data_dir), *command]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: InputError: " + message) and err.count("\n") == 1, command


def test_local_time_rules() -> None:
    chicago = ZoneInfo("America/Chicago")
    repeated = local_time(datetime(2026, 11, 1, 1, 30), chicago)  # the first of two: CDT
    assert repeated.utcoffset() == timedelta(hours=-5) and clock(repeated) == "Sun 01:30 CDT"
    assert local_time(datetime(2026, 3, 8, 3, 30), chicago).utcoffset() == timedelta(hours=-5)
    with pytest.raises(InputError, match=r"give a time outside the skipped hour, e\.g\. 2026-03-08T03:30"):
        local_time(datetime(2026, 3, 8, 2, 30), chicago)


def test_the_table_shows_local_etas_with_zone_names(router: Router) -> None:
    plan = router.plan("Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00-06:00", cargo_value=250_000)
    text = plan.summary()
    header, *rows = text.splitlines()[1 : 1 + len(plan.routes()) + 1]
    assert "at crossing" in header and "arrive" in header
    for row, route in zip(rows, plan.routes(), strict=True):
        assert clock(route.port_arrival_local) in row and clock(route.eta_local) in row
        assert len(re.findall(CLOCK, row)) == 2
    schedule = text[text.index("schedule of the recommended route") :].splitlines()
    assert "(each time in the zone of its place)" in schedule[0]
    assert re.match(rf"  {CLOCK}  depart Monterrey", schedule[1])
    assert re.match(rf"  {CLOCK}  arrive Dallas", next(s for s in schedule if "arrive Dallas" in s))
    stops = [s for s in schedule if " h after " in s]
    assert stops and all(
        re.match(rf"  {CLOCK}  (break|rest|driver change|customs|inspection)", s) for s in stops
    )
    assert not any(re.search(r"driving: ([^,(]+), \1 \(", s) for s in stops)  # never 'I-35, I-35'
    doc = json.loads(plan.to_json())["recommended"]
    assert doc["port_arrival"].endswith("+00:00") and doc["port_arrival_local"].endswith("-06:00")
    assert doc["port_zone"] == "America/Chicago" and doc["eta_zone"] == "America/Chicago"
    stop = doc["stops"][0]
    assert {"start", "end", "starts", "clock", "zone", "node", "place", "country"} <= set(stop)
    assert re.fullmatch(CLOCK, stop["clock"]) and stop["start"].endswith("+00:00")


@pytest.mark.parametrize(
    ("origin", "destination", "depart"),
    [
        ("Puebla, Puebla", "Atlanta, GA", "2026-03-01T10:00"),
        ("Monterrey, NL", "Dallas, TX", "2026-03-02T06:00"),
        ("Ciudad de México", "Veracruz, Ver.", "2026-03-02T06:00"),
        ("Dallas, TX", "Saltillo", "2026-03-07T23:00"),
    ],
)
def test_plans_worth_reading(router: Router, origin: str, destination: str, depart: str) -> None:
    """The front is printed and holds the recommended route unless a route on it is at least as
    fast and as safe; an alternative worse on time, risk and cost together than the recommended,
    fastest or safest route, or better only by less than a dispatcher acts on
    (:func:`choice.dominated`), is shown only as the plan's one route through its crossing
    ("fallback crossing")."""
    plan = router.plan(origin, destination, depart=depart, pareto=True)
    rec, front = plan.recommended, plan.pareto
    dominated = any(
        r.total_h <= rec.total_h and r.theft_prob <= rec.theft_prob and r.edges != rec.edges for r in front
    )
    assert dominated or any(r.edges == rec.edges for r in front)
    for a in front:
        assert not any(b is not a and b.total_h <= a.total_h and b.theft_prob <= a.theft_prob for b in front)
    text = plan.summary()
    assert f"time / theft-risk front: {len(front)} routes" in text
    assert re.search(r"\n\s+[\d.]+\s+[\d.e+-]+ .* recommended\n", text) or dominated
    main = [rec, plan.fastest, plan.safest]
    for alt in plan.alternatives:
        if choice.dominated(alt, main):
            assert alt.label == FALLBACK and alt.crossing not in {m.crossing for m in main}
            assert [r.crossing for r in plan.routes()].count(alt.crossing) == 1
        else:
            assert alt.label.startswith("alternative ")
    assert json.loads(plan.to_json())["pareto"][0].keys() >= {"total_h", "theft_prob", "cost_usd", "label"}


def test_the_border_line_of_the_schedule_comes_after_a_rest_taken_on_arrival(router: Router) -> None:
    """Tapachula -> Chicago reaches Pharr on Sunday 09:41 CDT with a 10 h rest due; the crossing
    is closed when the rest ends. The schedule said 'Sun 09:41 CDT border: ... closed: waits
    10.3 h' (an audit read it as closed at 09:41, when it is open); the border line is now at the
    time the truck joins it, after the rest, and the times add up to the opening. The table's
    'at crossing' (``port_arrival``) is that time too: it showed the arrival before the rest
    beside a wait that begins after it (Celaya -> Laredo: 'Wed 14:34' and 429 min, while the
    truck joined at Thu 00:34)."""
    plan = router.plan("Tapachula", "Chicago, IL", depart="2026-03-06T20:00")
    route = plan.recommended
    schedule = plan.summary()[plan.summary().index("schedule of the recommended route") :].splitlines()
    border = next(i for i, line in enumerate(schedule) if "border: join " in line)
    joins = next(a for a in route.schedule if a.kind in ("closed", "line"))
    rested = [a for a in route.schedule if a.kind == "rest" and a.end_s <= joins.start_s + 1]
    assert rested and rested[-1].end_s == pytest.approx(joins.start_s)  # a rest, then the border
    assert "rest 10.0 h" in schedule[border - 1] and "after the rest" in schedule[border]
    assert route.port_s == joins.start_s
    assert schedule[border].startswith(f"  {clock(route.port_arrival_local)}")
    assert clock(route.port_arrival_local) in plan.summary().splitlines()[2]  # the table's 'at crossing'
    if route.opens_at is not None:
        assert route.port_arrival + timedelta(minutes=route.closed_min) == pytest.approx(
            route.opens_at, abs=timedelta(minutes=1)
        )


def test_a_crossing_closing_soon_after_the_truck_joins_it_is_said(router: Router) -> None:
    """Puebla -> Laredo (fastest, pharma) joins Pharr at 23:42 CDT, 18 min before it closes at
    midnight: a truck a quarter of an hour late waits for the morning, and the plan said nothing."""
    plan = router.plan(
        "Puebla", "Laredo, TX", depart="2026-06-17T21:00", cargo_type="pharma", cargo_value=3e6,
        objective="fastest", depart_window_h=0,
    )  # fmt: skip
    route = plan.recommended
    assert route.closing is not None and 0 < route.closing["margin_min"] <= 60
    c = route.closing
    assert elapsed_h(route.port_arrival, c["closes"]) * 60 == pytest.approx(c["margin_min"])  # in UTC
    assert c["reopens"] > c["closes"] and clock(c["reopens"]).endswith("CDT")
    border = next(line for line in plan.summary().splitlines() if "border: " in line)
    assert f"at {clock(c['closes'])}: arriving later, the truck waits until {clock(c['reopens'])}" in border
    doc = json.loads(plan.to_json())["recommended"]["crossing_closes"]
    assert doc["closes"] == c["closes"].isoformat() and doc["margin_min"] == round(c["margin_min"], 1)
    # most crossings are joined hours before they close: nothing to say
    calm = router.plan("Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00").recommended
    assert calm.closing is None and "closes" not in router.plan("Monterrey, NL", "Dallas, TX").summary()


def test_a_short_wait_for_the_opening_does_not_become_a_rest(router: Router) -> None:
    """Hermosillo -> Phoenix with produce, 19 min parked until Mariposa opened: the driver rested
    9.7 h before the line (the port's 3.9 h taken from his 11 hours of driving) and arrived
    after 21.5 h; the hours at the port take the 14-hour window only, and the 3 h after it fit."""
    plan = router.plan(
        "Hermosillo, Sonora", "Phoenix, AZ", depart="2027-03-16T04:00", cargo_type="agricultural",
        via_port="Mariposa", depart_window_h=0,
    )  # fmt: skip
    route = plan.recommended
    assert 0 < route.closed_min < 30 and not [a for a in route.schedule if a.kind == "rest"]
    assert route.total_h < 12.5


def test_a_team_changing_drivers_after_a_closure_is_said_so(router: Router) -> None:
    """A team parked 5 h at Los Tomates then changed drivers: the border line read "then the
    driver's driver change ends (0.25 h more)"."""
    plan = router.plan(
        "Mérida", "Atlanta, GA", depart="2026-12-24T20:00", cargo_type="pharma", cargo_value=1_500_000,
        team=True, depart_window_h=0, alternatives=0,
    )  # fmt: skip
    border = next(line for line in plan.summary().splitlines() if "border: " in line)
    assert plan.recommended.opens_at is not None and "driver's driver change" not in border
    assert "then the drivers change (0.25 h) before the line" in border


def test_a_rest_completed_at_a_closed_crossing_is_said_with_the_wait(router: Router) -> None:
    """Nogales -> Tucson with produce parks 8.7 h at Mariposa and completes the driver's rest
    there (1.3 h more): it arrived 8.5 h later, after a 10 h rest past the port. The border line
    says the rest; its end, and the line, follow the closure."""
    plan = router.plan(
        "Nogales, Sonora", "Tucson, AZ", depart="2026-03-03T23:00", cargo_type="agricultural",
        cargo_value=80_000, via_port="Nogales", depart_window_h=0,
    )  # fmt: skip
    route = plan.recommended
    rests = [a for a in route.schedule if a.kind == "rest"]
    assert len(rests) == 1 and rests[0].hours < 2 and route.total_h < 17
    border = next(line for line in plan.summary().splitlines() if "border: " in line)
    assert f"then the driver's rest ends ({rests[0].hours:.2f} h more) before the line" in border
    line = next(a for a in route.schedule if a.kind == "line")
    assert line.start_s == pytest.approx(route.port_s + route.closed_min * 60 + rests[0].hours * 3600)
