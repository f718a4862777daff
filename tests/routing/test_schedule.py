"""Driver hours (FMCSA and NOM-087, both countries, solo and team) and the cost model, on their own."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.routing.costs import CostModel
from cargorisk.routing.hos import check_schedule
from cargorisk.routing.schedule import HOUR, Schedule, cross_border, finish, starts_at_border


def kinds(schedule: Schedule) -> list[tuple[str, float]]:
    """(kind, driving hours where it falls) of each stop."""
    return [(s.kind, round(s.at_s / HOUR, 2)) for s in schedule.stops]


def legal(schedule: Schedule, legs: list[tuple[float, str]]) -> list[str]:
    return check_schedule(schedule.activities, [(h * HOUR, c) for h, c in legs], team=schedule.team)


def test_us_solo_driver_breaks_after_8_hours_and_rests_after_11() -> None:
    schedule = Schedule()
    schedule.drive(20 * HOUR, "US")
    assert kinds(schedule) == [("break", 8.0), ("rest", 11.0), ("break", 19.0)]
    assert schedule.elapsed / HOUR == pytest.approx(20 + 0.5 + 10 + 0.5)
    assert legal(schedule, [(20, "US")]) == []


def test_mexican_rules_pause_every_5_hours_and_rest_8_after_14() -> None:
    schedule = Schedule()
    schedule.drive(16 * HOUR, "MX")
    assert kinds(schedule) == [("break", 5.0), ("break", 10.0), ("rest", 14.0)]
    assert schedule.stops[-1].hours == 8.0 and "NOM-087" in schedule.stops[-1].rule
    assert legal(schedule, [(16, "MX")]) == []


def test_an_8_hour_mexican_rest_does_not_reset_the_us_clocks() -> None:
    """The bug of issue 24: 14 h in Mexico, 8 h of rest, 5.5 h more to the border and 4-5 h
    in Texas with 24.7 h driven since the last 10 h off. The driver must have 10 h off before
    he drives in the US: at the border (the 8-h rest kept), or in Mexico (the rest made 10 h)."""
    stretches = [(19.5 * HOUR, "MX")]
    starts = starts_at_border(stretches, team=False, into_us=True)
    assert [s.mx_rests for s in starts] == [1, 1] and [s.long_from for s in starts] == [None, 0]
    for start in starts:
        schedule = start.copy()
        cross_border(schedule, lambda _: (0.0, 0.3 * HOUR, None), "MX", 0.08 * HOUR, "US")
        schedule.drive(5 * HOUR, "US")
        assert legal(schedule, [(19.5, "MX"), (5.08, "US")]) == []
        rests = [(s.kind, s.country, s.hours) for s in schedule.stops if s.kind == "rest"]
        assert ("rest", "MX", 10.0) in rests  # either in Mexico before the line, or the Mexican rest
    best, port_s, _ = finish(
        starts, lambda _: (0.0, 0.3 * HOUR, None), ("MX", 0.08 * HOUR, "US"), [(5 * HOUR, "US")]
    )
    # keeping the 8-h rest and resting 10 h at the border costs 8 + 10 h of rest; a 10-h rest in
    # Mexico covers the 5.5 h to the border and 5.1 h in the US: 10 h of rest, arrives 8 h earlier
    assert best.long_from == 0 and best.rest_s / HOUR == pytest.approx(10.0)
    assert port_s / HOUR == pytest.approx(14 + 1.0 + 10 + 5.5 + 0.5)  # two pauses, a rest, one more


def test_the_checker_catches_the_old_schedule() -> None:
    """The schedule the planner used to make (an 8-h Mexican rest, then on into Texas) breaks
    395.3(a)(3)(i) and (a)(2); the checker says so from the activities alone."""
    old = Schedule()
    old.drive(19.5 * HOUR, "MX")  # breaks at 5 and 10 h, 8 h of rest at 14 h
    old.record("line", 0.3 * HOUR, "MX", 1, "")
    old.record("drive", 4.5 * HOUR, "US", 1, "")
    problems = legal(old, [(19.5, "MX"), (4.5, "US")])
    assert any("since 10 h off (395.3(a)(3)(i): 11 h)" in p for p in problems)
    assert any("after coming on duty (395.3(a)(2): 14 h)" in p for p in problems)


def test_time_in_the_border_line_counts_as_driving() -> None:
    schedule = Schedule()
    schedule.drive(2 * HOUR, "US")
    schedule.drive(5 * HOUR, "US", "line")  # in line: at the wheel, counts as driving
    schedule.drive(6 * HOUR, "US")
    # 8 h at the wheel (2 + 5 in line + 1): the break; 11 h: the rest, after 6 h on the road
    assert kinds(schedule) == [("break", 3.0), ("rest", 6.0)]


def test_the_driver_rests_before_the_line_when_the_crossing_would_break_the_us_limits() -> None:
    schedule = Schedule()
    schedule.drive(10.5 * HOUR, "MX")  # 10.5 h driven: 30 min left under 395.3
    waits = cross_border(schedule, lambda _: (0.0, 1.0 * HOUR, "wait"), "MX", 0.1 * HOUR, "US")
    assert len(waits) == 2  # looked up again for the hour after the rest
    rest = schedule.stops[-1]
    assert (rest.kind, rest.country, rest.hours) == ("rest", "MX", 10.0) and "395.3" in rest.rule
    assert schedule.activities[-2].kind == "line" and schedule.activities[-2].start_s == rest.end_s
    assert legal(schedule, [(10.5, "MX"), (0.1, "US")]) == []


def test_parking_for_a_closed_crossing_counts_towards_the_rest() -> None:
    schedule = Schedule()
    schedule.drive(10.5 * HOUR, "MX")
    # closed for 4 h: the driver, off duty, needs 6 h more for his 10 h off before the US
    cross_border(
        schedule, lambda t: (4 * HOUR if t < 12 * HOUR else 0.0, 0.5 * HOUR, None), "MX", 0.1 * HOUR, "US"
    )
    stops = [(a.kind, a.hours) for a in schedule.activities if a.kind not in {"drive", "line"}]
    assert stops[-2:] == [("closed", 4.0), ("rest", pytest.approx(6.0))]
    schedule.drive(10.3 * HOUR, "US")  # with the line and the bridge, a whole 11-hour day
    assert [k for k, _ in kinds(schedule)].count("rest") == 1
    assert legal(schedule, [(10.5, "MX"), (10.4, "US")]) == []


def test_parking_a_whole_night_is_the_rest() -> None:
    schedule = Schedule()
    schedule.drive(9 * HOUR, "MX")
    schedule.park(20 * HOUR, "MX")  # the port is closed until Monday: the driver sleeps
    schedule.drive(10 * HOUR, "US")
    assert [k for k, _ in kinds(schedule)] == ["break", "break"]  # no rest needed after the long park


def test_us_14_hour_window_ends_the_day_before_11_hours_of_driving() -> None:
    schedule = Schedule()
    schedule.drive(5 * HOUR, "US")
    schedule.park(4 * HOUR, "US")  # a closed crossing, too short for a rest: stays on the 14-hour clock
    schedule.drive(6 * HOUR, "US")
    assert kinds(schedule) == [("rest", 10.0)]  # 5 + 4 + 5 = 14 h on duty with only 10 h of driving


def test_70_hours_on_duty_need_a_34_hour_restart() -> None:
    schedule = Schedule()
    schedule.drive(75 * HOUR, "US")
    restarts = [s for s in schedule.stops if s.kind == "restart"]
    assert len(restarts) == 1 and restarts[0].hours == 34.0 and "395.3(c)" in restarts[0].rule
    assert legal(schedule, [(75, "US")]) == []


def test_a_team_stops_for_one_break_a_shift_and_changes_drivers() -> None:
    solo, team = Schedule(), Schedule(team=True)
    solo.drive(40 * HOUR, "US")
    team.drive(40 * HOUR, "US")
    assert {s.kind for s in team.stops} == {"break", "driver change"}
    # shifts of 8 h + 30 min + 3 h: the other driver is 11.5 h in the berth, a full 10 h off
    assert kinds(team)[:3] == [("break", 8.0), ("driver change", 11.0), ("break", 19.0)]
    assert {a.driver for a in team.activities if a.kind == "drive"} == {1, 2}
    assert team.elapsed < solo.elapsed - 20 * HOUR
    assert legal(team, [(40, "US")]) == []
    mexico = Schedule(team=True)
    mexico.drive(30 * HOUR, "MX")  # NOM-087: two 5-h blocks a shift, 10.5 h off for the other
    assert kinds(mexico)[:3] == [("break", 5.0), ("driver change", 10.0), ("break", 15.0)]
    assert legal(mexico, [(30, "MX")]) == []


def test_cost_model_defaults_come_from_settings_and_are_split_by_country() -> None:
    settings = Settings()
    costs = CostModel.from_settings(settings)
    assert costs.time_usd_per_h == settings.time_cost_usd_per_h == pytest.approx(1.441 * 40, rel=1e-3)
    operating, toll = costs.edge_money(
        np.array([1000.0, 1000.0, 1000.0]), np.array(["MX", "US", "MX"]), np.array([False, False, True])
    )
    assert operating.tolist() == pytest.approx([0.653, 0.498, 0.653])
    assert toll.tolist() == pytest.approx([0.0, 0.0, 0.339])
    breakdown = costs.breakdown(
        busy_h=10, rest_h=10, operating_usd=100, toll_usd=20, theft_prob=1e-4, cargo_value=1e6
    )
    assert breakdown.total_usd == pytest.approx(576.4 + 188.8 + 100 + 20 + 100)


def test_settings_overrides_by_name() -> None:
    settings = Settings().with_overrides(["toll_usd_per_km_mx=0", "max-time-ratio=2"])
    assert settings.toll_usd_per_km_mx == 0 and settings.max_time_ratio == 2
    with pytest.raises(InputError, match=r"--set 'tolls=1': use NAME=VALUE with NAME one of \["):
        Settings().with_overrides(["tolls=1"])
    with pytest.raises(InputError, match=r"--set max_time_ratio='-1' must be a finite, non-negative number"):
        Settings().with_overrides(["max_time_ratio=-1"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.05, 15.0), st.sampled_from(["MX", "MX", "US"])), min_size=1, max_size=8)
)
def test_the_rest_choices_start_where_the_base_schedule_rests(stretches: list[tuple[float, str]]) -> None:
    """starts_at_border resumes each choice from a copy of the base schedule taken before the
    Mexican rest it lengthens: the same as driving the whole way with that choice."""
    legs = [(h * HOUR, c) for h, c in stretches]
    base, *choices = starts_at_border(legs, team=False, into_us=True)
    assert [c.long_from for c in choices] == list(range(base.mx_rests - 1, -1, -1))
    for choice in choices:
        fresh = Schedule(long_from=choice.long_from)
        for seconds, country in legs:
            fresh.drive(seconds, country)
        assert [(a.kind, a.country, a.rule) for a in choice.activities] == [
            (a.kind, a.country, a.rule) for a in fresh.activities
        ]
        assert [a.end_s for a in choice.activities] == pytest.approx([a.end_s for a in fresh.activities])
        assert choice.elapsed == pytest.approx(fresh.elapsed) and choice.rest_s == pytest.approx(fresh.rest_s)


def test_a_rest_that_leaves_less_than_a_day_of_the_70_hours_is_the_restart() -> None:
    """Tapachula -> Seattle rested 10 h at 67.8 h of driving, drove 2 h and then took the
    34-hour restart anyway (arriving about 10 h late). When the route's end is known and the 70
    hours on duty left are less than a day's driving and less than the driving left, the rest
    falling due is the restart; with less driving left than the 70 hours allow it stays a rest."""
    legs = [(75, "US")]
    known = Schedule()
    known.end_s = 75 * HOUR
    unknown = Schedule()  # the end not known: a rest, a few hours, then the restart
    for schedule in (known, unknown):
        schedule.drive(75 * HOUR, "US")
        assert legal(schedule, legs) == []
    assert [k for k, _ in kinds(unknown)].count("rest") == 6 and ("restart", 70.0) in kinds(unknown)
    assert [k for k, _ in kinds(known)].count("rest") == 5 and ("restart", 66.0) in kinds(known)
    # the rest saved, less a break: the 9 h after the restart need one, 4 h and 5 h did not
    assert (unknown.elapsed - known.elapsed) / HOUR == pytest.approx(10.0 - 0.5)
    near = Schedule()  # 66 h done, 3 h left: the 4 h the 70 allow are enough
    near.end_s = 69 * HOUR
    near.drive(69 * HOUR, "US")
    assert "restart" not in [k for k, _ in kinds(near)] and legal(near, [(69, "US")]) == []


def test_a_rest_due_before_the_end_is_completed_while_parked_at_a_closed_crossing() -> None:
    """Nogales -> Tucson with produce: parked 8.7 h at the closed crossing, the driver joined the
    line, spent 3.9 h at customs and the inspection and rested 10 h an hour after the port (his
    14 hours ran out). A rest due before the end is completed where he is parked (1.3 h more),
    and the port's hours count when deciding the stop before the line."""
    start = Schedule()
    start.drive(0.3 * HOUR, "MX")
    opened = 9.0 * HOUR
    wait_at = lambda elapsed: (max(opened - elapsed, 0.0), 0.5 * HOUR, None)  # noqa: E731
    work = [("customs", 0.375 * HOUR, "customs"), ("inspection", 3.5 * HOUR, "produce")]
    best, _, _ = finish([start], wait_at, ("MX", 0.1 * HOUR, "US"), [(1.6 * HOUR, "US")], work)
    rests = [a for a in best.activities if a.kind == "rest"]
    assert len(rests) == 1 and rests[0].hours == pytest.approx(10 - 8.7)  # the closure counts
    assert rests[0].end_s <= next(a.start_s for a in best.activities if a.kind == "line")
    assert best.elapsed / HOUR == pytest.approx(0.3 + 8.7 + 1.3 + 0.5 + 0.1 + 3.875 + 1.6)
    assert legal(best, [(0.3, "MX"), (0.1, "US"), (1.6, "US")]) == []
    short = Schedule()  # the end within his hours: no rest is added
    short.drive(0.3 * HOUR, "MX")
    best, _, _ = finish([short], wait_at, ("MX", 0.1 * HOUR, "US"), [(0.2 * HOUR, "US")], work[:1])
    assert not [a for a in best.activities if a.kind == "rest"]


def test_the_rest_is_not_completed_at_the_crossing_when_it_closes_before_the_rest_ends() -> None:
    """Monterrey -> Dallas on a Sunday: 3.5 h of driving to World Trade Bridge at 07:01, open
    10:00-14:00, 8 h of driving after it. The rest due before Dallas was completed at the bridge
    (3 h parked + 7 h): it ended at 17:00, after the closing, and the truck crossed on Monday at
    07:00 (37 h door to door). The truck crosses when it opens and rests on the US side."""
    opens, closes, reopens = 3.0 * HOUR, 7.0 * HOUR, 24.0 * HOUR  # after arriving at the bridge

    def wait_at(elapsed: float) -> tuple[float, float, None]:
        now = elapsed - 3.5 * HOUR
        opening = opens if now < opens else (0.0 if now < closes else reopens)
        return max(opening - now, 0.0) if opening else 0.0, 1.4 * HOUR, None

    start = Schedule()
    start.drive(3.5 * HOUR, "MX")
    legs = [(3.5, "MX"), (0.1, "US"), (8.0, "US")]
    best, _, _ = finish([start], wait_at, ("MX", 0.1 * HOUR, "US"), [(8.0 * HOUR, "US")], [])
    assert legal(best, legs) == []
    line = next(a for a in best.activities if a.kind == "line")
    assert line.start_s / HOUR == pytest.approx(3.5 + 3.0)  # joins the line when it opens
    rest = next(a for a in best.activities if a.kind == "rest")
    assert rest.start_s > line.start_s and rest.hours == pytest.approx(10.0)  # on the US side
    assert best.elapsed / HOUR == pytest.approx(3.5 + 3.0 + 1.4 + 0.1 + 8.0 + 10.0)  # in Dallas
    # before the bridge reopens: resting there, the truck had crossed then (37 h)


def test_hours_at_the_port_take_the_window_not_the_driving_hours() -> None:
    """Hermosillo -> Phoenix with produce: 3.7 h of driving, 19 min parked until Mariposa
    opened, and the driver rested 9.7 h before the line because the 3.9 h of customs and the
    inspection were taken from his 11 hours of driving. On duty not driving takes the 14-hour
    window only (49 CFR 395.3(a)(2), (3)): 7.3 h of driving and 10 h of window were left, the
    3 h after the port fit."""
    start = Schedule()
    start.drive(3.7 * HOUR, "MX")
    opened = 4.0 * HOUR
    wait_at = lambda elapsed: (max(opened - elapsed, 0.0), 0.4 * HOUR, None)  # noqa: E731
    work = [("customs", 0.375 * HOUR, "customs"), ("inspection", 3.5 * HOUR, "produce")]
    legs = [(3.7, "MX"), (0.1, "US"), (3.0, "US")]
    best, _, _ = finish([start], wait_at, ("MX", 0.1 * HOUR, "US"), [(3.0 * HOUR, "US")], work)
    assert "rest" not in [k for k, _ in kinds(best)] and legal(best, legs) == []
    assert best.elapsed / HOUR == pytest.approx(4.0 + 0.4 + 0.1 + 3.875 + 3.0)
    late = Schedule()  # 9 h in the window already: the port's hours leave too little of it
    late.drive(3.7 * HOUR, "MX")
    late.park(5.0 * HOUR, "MX")
    best, _, _ = finish([late], lambda e: (0.0, 0.4 * HOUR, None), ("MX", 0.1 * HOUR, "US"),
                        [(3.0 * HOUR, "US")], work)  # fmt: skip
    assert "rest" in [k for k, _ in kinds(best)] and legal(best, legs) == []


def test_a_driver_parked_as_long_as_a_rest_has_no_rest_to_complete() -> None:
    """San Luis Potosí -> Memphis: parked 11 h at a closed crossing (after a rest), the plan
    showed "rest 0.0 h" when it opened: the time parked was a whole rest already."""
    start = Schedule()
    start.drive(3 * HOUR, "MX")
    wait_at = lambda elapsed: (max(14 * HOUR - elapsed, 0.0), 0.4 * HOUR, None)  # noqa: E731
    best, _, _ = finish([start], wait_at, ("MX", 0.1 * HOUR, "US"), [(12 * HOUR, "US")])
    assert min(a.hours for a in best.activities) > 0.01
    assert legal(best, [(3, "MX"), (0.1, "US"), (12, "US")]) == []


def test_half_an_hour_on_duty_not_driving_is_the_us_break() -> None:
    """Since 2020 the US 30-minute interruption may be on duty not driving: a 3.5 h produce
    inspection after 7 h of driving needs no break an hour later (the scheduler took one; the
    independent checker always accepted the inspection as the break). Mexico's pause stays off duty."""
    from cargorisk.routing.schedule import port_duty  # noqa: PLC0415

    schedule = Schedule()
    schedule.drive(7 * HOUR, "US")
    port_duty(schedule, "inspection", 3.5 * HOUR, "US", "produce")
    schedule.drive(3 * HOUR, "US")
    assert "break" not in [k for k, _ in kinds(schedule)]
    assert legal(schedule, [(7, "US"), (3, "US")]) == []
    mexico = Schedule()
    mexico.drive(4 * HOUR, "MX")
    port_duty(mexico, "inspection", 3.5 * HOUR, "MX", "produce")
    mexico.drive(2 * HOUR, "MX")
    assert ("break", 5.0) in kinds(mexico) and legal(mexico, [(4, "MX"), (2, "MX")]) == []
