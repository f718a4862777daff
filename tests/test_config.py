"""Settings: defaults, environment overrides, explicit overrides, bad values."""

from __future__ import annotations

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
