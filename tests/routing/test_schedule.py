"""Driver hours (FMCSA and NOM-087) and the cost model, on their own."""

from __future__ import annotations

import numpy as np
import pytest

from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.routing.costs import CostModel
from cargorisk.routing.schedule import HOUR, Clock


def kinds(clock: Clock) -> list[tuple[str, float]]:
    return [(s.kind, round(s.at_s / HOUR, 2)) for s in clock.stops]


def test_us_solo_driver_breaks_after_8_hours_and_rests_after_11() -> None:
    clock = Clock()
    clock.drive(20 * HOUR, "US")
    assert kinds(clock) == [("break", 8.0), ("rest", 11.0), ("break", 19.0)]
    assert clock.elapsed / HOUR == pytest.approx(20 + 0.5 + 10 + 0.5)


def test_time_in_the_border_line_counts_as_driving() -> None:
    clock = Clock()
    clock.drive(2 * HOUR, "US")
    clock.queue(5 * HOUR, "US")  # in line at the border: at the wheel, counts as driving
    clock.drive(6 * HOUR, "US")
    # 8 h at the wheel (2 + 5 in line + 1): the break; 11 h: the rest, after 6 h on the road
    assert kinds(clock) == [("break", 3.0), ("rest", 6.0)]


def test_mexican_rules_pause_every_5_hours_and_rest_8_after_14() -> None:
    clock = Clock()
    clock.drive(16 * HOUR, "MX")
    assert kinds(clock) == [("break", 5.0), ("break", 10.0), ("rest", 14.0)]
    assert clock.stops[-1].hours == 8.0 and "NOM-087" in clock.stops[-1].rule


def test_parking_for_a_closed_crossing_is_a_rest_when_long_enough() -> None:
    clock = Clock()
    clock.drive(9 * HOUR, "MX")
    clock.park(20 * HOUR, "MX")  # the port is closed until Monday: the driver sleeps
    clock.drive(10 * HOUR, "US")
    assert [k for k, _ in kinds(clock)] == ["break", "break"]  # no rest needed after the long park


def test_team_only_stops_to_change_drivers() -> None:
    solo, team = Clock(), Clock(team=True)
    solo.drive(40 * HOUR, "US")
    team.drive(40 * HOUR, "US")
    assert {s.kind for s in team.stops} == {"driver change"}
    assert team.elapsed < solo.elapsed - 20 * HOUR


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


def test_us_14_hour_window_ends_the_day_before_11_hours_of_driving() -> None:
    clock = Clock()
    clock.drive(5 * HOUR, "US")
    clock.park(4 * HOUR, "US")  # a closed crossing, too short for a rest: stays on the 14-hour clock
    clock.drive(6 * HOUR, "US")
    assert kinds(clock) == [("rest", 10.0)]  # 5 + 4 + 5 = 14 h on duty with only 10 h of driving
