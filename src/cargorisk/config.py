"""Settings: where data, models and maps live, and the default cost parameters.

Read once with :meth:`Settings.from_env` and pass the object along; nothing in the package
reads environment variables elsewhere. Every field can be overridden by an environment
variable named ``CARGORISK_<FIELD>`` (upper case), e.g. ``CARGORISK_DATA_DIR=/srv/data``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from cargorisk.errors import InputError

ENV_PREFIX = "CARGORISK_"


@dataclass(frozen=True)
class Settings:
    """Paths and cost defaults.

    Attributes
    ----------
    data_dir
        Root of the data folder; ``raw/`` and ``processed/`` live below it.
    models_dir
        Trained model artifacts and their model cards.
    maps_dir
        Generated HTML and PNG maps.
    value_of_time_usd_per_h
        Cost of a truck hour (USD/h), pricing driving and border waiting: 91.27, the average
        marginal cost per hour of US trucking in 2023 (ATRI, *An Analysis of the Operational
        Costs of Trucking: 2024 Update*).
    cost_per_km_usd
        Optional distance cost (USD/km) on top of time; 0 by default because the ATRI hourly
        figure already covers fuel and maintenance at highway speeds.
    cargo_value_usd
        Default declared value of the load (USD) when a route request gives none.
    max_snap_km
        Largest distance (km) at which a coordinate is snapped to the road network.
    mx_truck_km_per_year
        Exposure assumption: heavy-truck kilometres driven in Mexico per year, 45 billion.
        Derived, not measured: about 600,000 federal-licensed freight power units (SICT,
        *Estadistica Basica del Autotransporte Federal* 2023) times about 75,000 km a year each.
        It scales every Mexican theft probability equally, so it changes no ranking.
    us_theft_per_million_truck_km
        US cargo-theft rate: 3,625 thefts in 2024 (CargoNet annual report, US and Canada,
        all modes, so an upper bound for trucks on the road) over 297.7 billion combination-truck
        km (185 billion miles, FHWA Highway Statistics 2022, table VM-1) = 0.0122.
    """

    data_dir: Path = field(default_factory=lambda: Path("data"))
    models_dir: Path = field(default_factory=lambda: Path("models"))
    maps_dir: Path = field(default_factory=lambda: Path("maps"))
    value_of_time_usd_per_h: float = 91.27
    cost_per_km_usd: float = 0.0
    cargo_value_usd: float = 100_000.0
    max_snap_km: float = 25.0
    mx_truck_km_per_year: float = 45e9
    us_theft_per_million_truck_km: float = 0.0122

    @property
    def raw_dir(self) -> Path:
        """Folder of fetched, unmodified source files (git-ignored)."""
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        """Folder of tidy parquet tables built from the raw files (git-ignored)."""
        return self.data_dir / "processed"

    @property
    def network_dir(self) -> Path:
        """Folder of the embedded corridor network shipped with the project."""
        return self.data_dir / "network"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from defaults, then ``CARGORISK_*`` variables, then ``overrides``.

        Parameters
        ----------
        environ
            Mapping to read variables from (default: ``os.environ``).
        **overrides
            Field values that win over the environment.

        Raises
        ------
        InputError
            If a variable holds a value that cannot be converted to the field's type.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(f.name, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("data_dir", "models_dir", "maps_dir"):
            if name in values:
                values[name] = Path(values[name])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


def _convert(name: str, raw: str, type_name: object) -> object:
    """Convert one environment string to the field's type, with a clear error."""
    if type_name in ("float", float):
        try:
            value = float(raw)
        except ValueError:
            msg = f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number; set it to e.g. 95.0"
            raise InputError(msg) from None
        if value < 0:
            msg = f"{ENV_PREFIX}{name.upper()}={raw!r} must not be negative"
            raise InputError(msg)
        return value
    return Path(raw)
