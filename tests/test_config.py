"""Settings: defaults, environment overrides, explicit overrides, bad values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cargorisk.config import Settings, project_root
from cargorisk.errors import InputError

ROOT = Path(__file__).parents[1]


def test_defaults_are_the_checkout_from_any_folder_inside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in (ROOT, ROOT / "notebooks", ROOT / "src" / "cargorisk"):
        monkeypatch.chdir(folder)
        s = Settings.from_env({})
        assert s.data_dir == ROOT / "data" and s.models_dir == ROOT / "models" and s.maps_dir == ROOT / "maps"
        assert s.processed_dir == ROOT / "data" / "processed" and Settings().data_dir == ROOT / "data"


def test_outside_a_checkout_the_per_user_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs  # noqa: PLC0415

    monkeypatch.chdir(tmp_path)
    assert project_root() is None
    assert Settings.from_env({}).models_dir == platformdirs.user_data_path("cargorisk") / "models"


def test_the_location_rule(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Explicit folders, then --home, then CARGORISK_*_DIR, then CARGORISK_HOME, then the
    checkout; relative folders become absolute."""
    monkeypatch.chdir(tmp_path)
    env = {"CARGORISK_HOME": "/h", "CARGORISK_MODELS_DIR": "/m"}
    s = Settings.from_env(env)
    assert (s.data_dir, s.models_dir, s.maps_dir) == (Path("/h/data"), Path("/m"), Path("/h/maps"))
    s = Settings.from_env(env, home="/flag", maps_dir="out")
    assert (s.data_dir, s.models_dir) == (Path("/flag/data"), Path("/flag/models"))
    assert s.maps_dir == tmp_path / "out"


def test_environment_and_explicit_overrides() -> None:
    env = {"CARGORISK_DATA_DIR": "/srv/d", "CARGORISK_CARGO_VALUE_USD": "250000"}
    s = Settings.from_env(env)
    assert s.processed_dir == Path("/srv/d/processed")
    assert s.cargo_value_usd == 250_000.0
    assert Settings.from_env(env, data_dir="/x").data_dir == Path("/x")


@pytest.mark.parametrize("value", ["lots", "-5"])
def test_bad_environment_value(value: str) -> None:
    with pytest.raises(InputError, match=f"CARGORISK_MAX_SNAP_KM='{value}'"):
        Settings.from_env({"CARGORISK_MAX_SNAP_KM": value})


@pytest.mark.parametrize(
    ("pair", "named"),
    [
        ("theft_report_rate=0", "theft_report_rate=0.0 must be a share in (0, 1]"),
        ("loaded_share=1.5", "loaded_share=1.5 must be a share in (0, 1]"),
        ("theft_scale_prior_shape=0", "theft_scale_prior_shape=0.0 must be a positive Gamma shape"),
        ("cargo_type_shape=0", "cargo_type_shape=0.0 must be a positive Gamma shape"),
        ("mx_truck_km_per_year=0", "mx_truck_km_per_year=0.0 must be a positive number"),
        ("max_time_ratio=0.9", "max_time_ratio=0.9 must be at least 1"),
        ("departure_window_h=500", "departure_window_h=500.0 must be from 0"),
        ("rest_cost_usd_per_h=100", "rest_cost_usd_per_h=100.0 must be at most time_cost_usd_per_h=57.64"),
        (
            "toll_usd_per_km_mx=abc",
            "toll_usd_per_km_mx='abc' is not a number; set it to a number such as 0.339",
        ),
    ],
)
def test_a_setting_the_models_cannot_use_is_one_line_naming_it(pair: str, named: str) -> None:
    """Values that divided by zero or gave P(theft) 1 deep in training or planning (an audit's
    tracebacks) are refused when the settings are made, with the range to use."""
    with pytest.raises(InputError, match=re.escape(named)) as caught:
        Settings.from_env({}).with_overrides([pair])
    assert "\n" not in str(caught.value)


def test_settings_made_in_python_are_checked_too() -> None:
    """Not only the environment and --set: a negative or non-finite number is refused however
    the settings are made."""
    for bad in ({"operating_cost_usd_per_km_us": -1.0}, {"toll_usd_per_km_mx": float("nan")}):
        with pytest.raises(InputError, match="must be a finite, non-negative number"):
            Settings(**bad)
