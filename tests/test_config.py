"""Settings: defaults, environment overrides, explicit overrides, bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from cargorisk.config import Settings
from cargorisk.errors import InputError


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s.data_dir == Path("data")
    assert s.raw_dir == Path("data/raw")
    assert s.processed_dir == Path("data/processed")
    assert s.network_dir == Path("data/network")


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
