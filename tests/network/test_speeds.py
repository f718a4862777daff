"""The speed model's parts on small authored routes (SYNTHETIC coordinates in the tm_waypoints
schema): turning angles, windowed covariates, road density, classes, truck paces, the model
file and its errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cargorisk.errors import ModelFileError
from cargorisk.network.speeds import (
    AT_GRADE,
    COVARIATES,
    MODEL_FORMAT,
    SPEED_CLASSES,
    SpeedModel,
    design,
    edge_speeds,
    load_speed_model,
    point_geometry,
    road_density,
    speed_class,
    window_covariates,
)

LON0, LAT0 = -100.0, 25.0  # in Mexico, where the metric projection (EPSG:6372) is true to scale
KM_LAT = 1 / 110.8  # degrees of latitude per km near 25 N
KM_LON = 1 / (111.32 * math.cos(math.radians(LAT0)))


def route(root: str, km_xy: list[tuple[float, float]], hidden: list[bool] | None = None) -> pd.DataFrame:
    """SYNTHETIC waypoints of one route, given in km east and north of (LON0, LAT0)."""
    hidden = hidden or [False] * len(km_xy)
    return pd.DataFrame(
        {
            "root": root,
            "seq": range(len(km_xy)),
            "lon": [LON0 + x * KM_LON for x, _ in km_xy],
            "lat": [LAT0 + y * KM_LAT for _, y in km_xy],
            "hidden": hidden,
            "country": "MX",
        }
    )


def test_turning_angle_is_the_heading_change_and_routes_stay_apart() -> None:
    points = pd.concat(
        [route("a", [(0, 0), (1, 0), (1, 1), (0, 1)]), route("b", [(500, 500), (501, 500)])],
        ignore_index=True,
    )
    along, turn = point_geometry(points)
    assert turn[[1, 2]] == pytest.approx([90, 90], abs=0.5)
    assert turn[[0, 3, 4, 5]].tolist() == [0, 0, 0, 0]  # route ends turn nowhere
    assert along[1] == pytest.approx(1000, rel=0.01) and along[4] - along[3] >= 1e9


def test_window_covariates_count_per_km_and_curvature_at_shaping_points_only() -> None:
    xy = [(float(i), 0.0) for i in range(21)]
    xy[10] = (10.0, 0.2)  # a kink at a visible junction
    xy[15] = (15.0, 0.2)  # the same kink at a hidden shaping point
    hidden = [i in (5, 15) for i in range(21)]
    points = route("r", xy, hidden)
    along, turn = point_geometry(points)
    covariates = window_covariates(points, np.array([13]), np.array([16]))  # 5 km each way: points 9-20
    km = (along[20] - along[9]) / 1000
    assert covariates.loc[0, "shaping_per_km"] == pytest.approx(1 / km)
    assert covariates.loc[0, "junctions_per_km"] == pytest.approx(11 / km)
    assert covariates.loc[0, "curvature_deg_km"] == pytest.approx(turn[15] / km)  # the visible kink: no
    assert turn[10] > 20 and turn[15] > 20


def test_road_density_counts_the_roads_nearby() -> None:
    line = [(float(i), 0.0) for i in range(21)]
    lone = route("lone", [(x + 100, y) for x, y in line])
    pair = [route("a", line), route("b", [(x, y + 1) for x, y in line])]
    points = pd.concat([lone, *pair], ignore_index=True)
    density = road_density(points, np.array([0, 21]), np.array([20, 41]))  # middles at km 10
    assert density[0] == pytest.approx(10, rel=0.05)  # 5 km of road either way
    assert density[1] == pytest.approx(2 * math.sqrt(25 - 1) + 10, rel=0.05)  # and the neighbour's chord


@pytest.mark.parametrize(
    ("country", "system", "tier", "toll", "expected"),
    [
        ("MX", "mexd", 1, True, "mx_cuota"),
        ("MX", "mexd", 1, False, "mx_federal"),
        ("MX", "mexf", 2, False, "mx_federal"),
        ("MX", "mexsf", 3, True, "mx_cuota"),
        ("MX", "mexsf", 3, False, "mx_city"),
        ("MX", "mexdfeje", 5, False, "mx_city"),
        ("MX", "mexemex", 4, False, "mx_state"),
        ("US", "usai", 1, True, "us_interstate"),
        ("US", "usaus", 2, False, "us_highway"),
        ("US", "usatx", 4, True, "us_state"),
    ],
)
def test_speed_classes(country: str, system: str, tier: int, toll: bool, expected: str) -> None:
    assert speed_class(country, system, tier, toll) == expected


def test_design_puts_junctions_on_at_grade_classes_only() -> None:
    classes = pd.Series(["mx_cuota", "mx_federal", None])
    covariates = pd.DataFrame({name: [2.0, 2.0, 2.0] for name in COVARIATES})
    x = design(classes, covariates)
    junctions = len(SPEED_CLASSES) + COVARIATES.index("junctions_per_km")
    assert "mx_federal" in AT_GRADE and "mx_cuota" not in AT_GRADE
    assert x[:, junctions].tolist() == [0.0, 2.0, 0.0]
    assert x[2].tolist() == [0.0] * x.shape[1]  # no class (ports, crossings): outside the model


def test_truck_speed_is_the_car_speed_over_the_ratio_capped_by_law() -> None:
    model = SpeedModel(
        {k: 3600 / 100 for k in SPEED_CLASSES},
        {**dict.fromkeys(COVARIATES, 0.0), "curvature_deg_km": 1.0},
        1.25,
    )
    frame = pd.DataFrame(
        {
            "speed_class": ["mx_cuota", "mx_federal", "us_interstate"],
            **{k: [0.0, 36.0, 0.0] if k == "curvature_deg_km" else [0.0] * 3 for k in COVARIATES},
            "speed_cap_kph": [80.0, 80.0, math.inf],
        }
    )
    speeds = edge_speeds(model, frame)
    assert speeds["car_speed_kph"].tolist() == pytest.approx([100, 50, 100])
    assert speeds["speed_kph"].tolist() == pytest.approx([80, 40, 80])  # capped, ratio, ratio


def test_prior_model_is_the_prior_class_speeds() -> None:
    prior = SpeedModel.prior()
    assert {k: 3600 / v for k, v in prior.base_s_per_km.items()} == pytest.approx(SPEED_CLASSES)
    assert set(prior.coef_s_per_km.values()) == {0.0} and prior.card == {"fitted": False}


def test_model_file_round_trips(tmp_path: Path) -> None:
    model = SpeedModel.prior()
    model.card = {"fitted": True, "alpha": 0.03}
    back = load_speed_model(model.save(tmp_path / "speed_model.json"))
    assert back == model


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (None, "unreadable"),
        ("not json", "unreadable"),
        ({"base_s_per_km": {}}, "KeyError"),
        ({"format": MODEL_FORMAT + 1}, "format"),
        ({"truck_ratio": 0.8}, "truck ratio below 1"),
        ({"coef_s_per_km": {**dict.fromkeys(COVARIATES, 0.0), "curvature_deg_km": -1.0}}, "negative"),
    ],
)
def test_bad_model_file_is_a_one_line_error_naming_the_fix(
    tmp_path: Path, change: object, words: str
) -> None:
    path = tmp_path / "speed_model.json"
    if change == "not json":
        path.write_text("{")
    elif change is not None:
        body = json.loads(SpeedModel.prior().to_json()) | change  # type: ignore[operator]
        path.write_text(json.dumps(body))
    with pytest.raises(ModelFileError) as info:
        load_speed_model(path)
    message = str(info.value)
    assert words in message and str(path) in message and "fit-speeds" in message and "\n" not in message
