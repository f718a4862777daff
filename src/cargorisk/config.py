"""Settings: where data, models and maps live, and the default cost parameters.

Read once with :meth:`Settings.from_env` and pass the object along; nothing in the package
reads environment variables elsewhere. Every field can be overridden by an environment
variable named ``CARGORISK_<FIELD>`` (upper case), e.g. ``CARGORISK_DATA_DIR=/srv/data``.

**Where things live**, one rule for the data, models and maps folders: an explicit value
(``--data-dir``, ``--models-dir``, ``--maps-dir``; ``--home DIR`` for all three as
``DIR/data``, ``DIR/models``, ``DIR/maps``), then ``CARGORISK_DATA_DIR`` / ``_MODELS_DIR`` /
``_MAPS_DIR`` and ``CARGORISK_HOME``, then the cargorisk project folder found upward from the
working folder (the checkout: the folder whose ``pyproject.toml`` names cargorisk), then a
per-user folder (``platformdirs.user_data_path("cargorisk")``, e.g.
``~/.local/share/cargorisk``). So a command run from any folder inside the checkout, or a
notebook run from ``notebooks/``, finds the same data and models.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cargorisk.errors import InputError

ENV_PREFIX = "CARGORISK_"
MAX_DEPARTURE_WINDOW_H = 168.0  # a week: the departure sweep prices the plan at every hour of its window


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
    time_cost_usd_per_h
        Cost of a truck hour on duty (driving, breaks, the border queue), USD/h: 57.64. ATRI,
        *An Analysis of the Operational Costs of Trucking: 2024 Update* (2023 costs): USD 2.270
        per mile in all, of which fuel 0.554 (2.270 - 1.716 without fuel), repair and maintenance
        0.202, tyres 0.045 and tolls 0.028 (2022) depend on distance; the other 1.441 per mile
        (driver wages 0.779 and benefits, truck and trailer payments 0.360, insurance 0.099,
        permits) is time, converted at ATRI's average operating speed of 40 mph (39.98 in ATRI's
        method; 2022: USD 90.78/h over 2.251/mile = 40.3 mph).
    rest_cost_usd_per_h
        Cost of an hour of off-duty rest, USD/h: 18.88, the equipment part of the time cost
        (truck and trailer payments 0.360, insurance 0.099, permits 0.013 per mile x 40 mph);
        the driver's rest is unpaid.
    team_pay_ratio
        A team's driver pay per truck-mile over one driver's: 1.18. Teams are paid a rate per mile
        to the truck, split between the two drivers, e.g. USD 0.45 a mile to the team against
        about 0.38 to a solo driver ("How is team pay calculated?", lifeasatrucker.com, 2009; the
        same practice at 0.50 a mile to the truck in truckingtruth.com's forum, topic 814). An
        hour on duty of a team costs the time cost plus 0.18 times its driver part (the time cost
        less the rest cost: wages and benefits, USD 38.76). A documented assumption from carriers'
        offers quoted by drivers, not a survey; set it to 2 for two drivers each paid as one.
    operating_cost_usd_per_km_us
        Distance cost in the US, USD/km: 0.498 = (fuel 0.554 + repair 0.202 + tyres 0.045)
        USD/mile (ATRI, above) / 1.609.
    operating_cost_usd_per_km_mx
        Distance cost in Mexico, USD/km: 0.653. Total cost of Mexican carriers USD 1.19/km
        (Berrones-Sanz, *Costos operativos en el transporte de mercancia por carretera*,
        Direccion y Organizacion 73, 2021); fuel up to 44% of carriers' costs (CANACAR/INEGI
        2018) gives 0.524; repair and tyres at ATRI's share of the total (10.9%) give 0.129.
        Mexican diesel (26.30 MXN/l, Aug 2025, El Economista) is dearer than US diesel.
    toll_usd_per_km_mx
        Toll per km of Mexican cuota for a 5-axle tractor-trailer, USD/km: 0.339 = 6.21 MXN/km
        at 18.33 MXN/USD (2024 average, Grupo Financiero Base). 6.21 is the mean of published
        5-axle tariffs over the published distance between the cities they join:
        Mexico-Queretaro 911 MXN / 217 km, Mexico-Puebla 866 / 130, Queretaro-Celaya 366 / 50,
        Saltillo-Monterrey 532 / 80 (CAPUFE 2025 and 2023 tariffs as reported by the press).
    toll_usd_per_km_us
        Toll per km of the US turnpikes on the graph (Kansas Turnpike on I-35, Oklahoma's
        turnpikes on I-44), USD/km: 0.137 = Oklahoma's heavy-truck average of 22 cents a mile
        (Tulsa World, 2019).
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
    theft_report_rate
        Share of carrier robberies that reach SESNSP's counts: 0.30. INEGI's business
        victimization survey (ENVE 2018) found about 70% of 2017's robberies of cargo transport
        unreported (La Jornada, 2020-09-03); two cross-checks are counts that are themselves
        incomplete, so they bound the multiplier from below: Overhaul counted 20,746 cargo
        thefts in 2023 against SESNSP's 9,181 (2.3x), an industry estimate of 15,937 for 2024
        against the official 9,299 (1.7x; Revista Siniestro, 2025-06-30). For all business
        crime ENVE 2024 gives 90.3% unreported. It sets the national level; how the states
        differ from it is the reporting model's (:mod:`cargorisk.risk.reporting`).
    loaded_share
        Share of Mexican truck-km run loaded: 0.70, an assumption. IMT's field surveys of
        trucks on the federal network (Estudio Estadistico de Campo del Autotransporte
        Nacional; IMT Notas 34, 1997) measure the share running empty, but the figure could not
        be retrieved here; 0.70 stands until it is. It divides the exposure: risk per
        *loaded* truck-km.
    theft_scale_prior_shape
        Uncertainty of the whole chain before a loss history calibrates it: the scale is
        Gamma(8, 8), 90% interval 0.50-1.64: its low end is the 1.7x cross-check of the reporting
        multiplier (0.5 x 3.3), its high end 5.5x. ``cargorisk calibrate`` updates it.
    cargo_type_shape
        Uncertainty of a cargo type's theft multiplier (:mod:`cargorisk.risk.cargo`): Gamma(2)
        around it, 90% 0.18-2.4 times the value, because its share of loaded trips is assumed
        (the shares of thefts are cited: Sensitech Q3 2021, Overhaul Q2 2023).
    max_time_ratio
        "Safest" and the alternatives take at most this many times the fastest route's total
        hours: 1.5. A cross-border load is planned in driving days; half as long again is what
        a dispatcher can still fit into the delivery appointment (a 10-hour lane becomes at most
        15 hours, not a second day), and beyond it the added driver and truck hours cost more
        than the theft loss they avoid at the cargo values seen in this model (a detour saving
        1e-5 in P(theft) on USD 1M saves USD 10). Raise it to see wider detours.
    low_traffic_trucks_per_day
        Crossings with fewer northbound trucks a day (BTS/CBP, last 12 months) are used only
        when asked for (``via_port``) or when no other crossing gives a route, and are flagged:
        30. The 24 commercial crossings fall into 3 ports under it (Lukeville 2, Naco 8, Presidio
        29: a truck an hour or less while open, under 0.2% of the border's trucks) and the rest
        at 51 (Columbus) or more; at the small ports the volume-scaled wait model is an
        extrapolation far outside its data and booths, hours and broker capacity are thin.
    southbound_wait_min
        Mean southbound (into Mexico) commercial wait, minutes, a documented assumption: no
        agency publishes southbound waits (CBP's are northbound only). 9.3 is the average
        outbound crossing time measured at El Paso-Zaragoza (FHWA/TTI, *International Border
        Crossing Truck Travel Time for 2001*); the average over the 7 ports surveyed was 8.1.
    departure_window_h
        Hours after the planned departure searched for a better one (departure advice): 24.
    """

    data_dir: Path = field(default_factory=lambda: default_home() / "data")
    models_dir: Path = field(default_factory=lambda: default_home() / "models")
    maps_dir: Path = field(default_factory=lambda: default_home() / "maps")
    time_cost_usd_per_h: float = 57.64
    rest_cost_usd_per_h: float = 18.88
    team_pay_ratio: float = 1.18
    operating_cost_usd_per_km_us: float = 0.498
    operating_cost_usd_per_km_mx: float = 0.653
    toll_usd_per_km_mx: float = 0.339
    toll_usd_per_km_us: float = 0.137
    cargo_value_usd: float = 100_000.0
    max_snap_km: float = 25.0
    mx_truck_km_per_year: float = 45e9
    us_theft_per_million_truck_km: float = 0.0122
    theft_report_rate: float = 0.30
    loaded_share: float = 0.70
    theft_scale_prior_shape: float = 8.0
    cargo_type_shape: float = 2.0
    max_time_ratio: float = 1.5
    low_traffic_trucks_per_day: float = 30.0
    southbound_wait_min: float = 9.3
    departure_window_h: float = 24.0

    def __post_init__(self) -> None:
        """Refuse values the models cannot use (one line naming the setting and the range)."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.type in ("float", float) and not (math.isfinite(value) and value >= 0):
                msg = f"setting {f.name}={value!r} must be a finite, non-negative number"
                raise InputError(msg)
        for name, (low, high, open_below, what) in LIMITS.items():
            value = getattr(self, name)
            if not (low < value <= high if open_below else low <= value <= high):
                msg = f"setting {name}={value!r} must be {what}"
                raise InputError(msg)
        if self.rest_cost_usd_per_h > self.time_cost_usd_per_h:
            msg = (
                f"setting rest_cost_usd_per_h={self.rest_cost_usd_per_h!r} must be at most "
                f"time_cost_usd_per_h={self.time_cost_usd_per_h!r} (an hour parked costs no more than one "
                "on duty)"
            )
            raise InputError(msg)

    @property
    def raw_dir(self) -> Path:
        """Folder of fetched, unmodified source files (git-ignored)."""
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        """Folder of tidy parquet tables built from the raw files (git-ignored)."""
        return self.data_dir / "processed"

    @property
    def cache_dir(self) -> Path:
        """Folder of derived files that are rebuilt when missing: router snapshots (git-ignored)."""
        return self.data_dir / "cache"

    @property
    def network_dir(self) -> Path:
        """Folder of the embedded corridor network shipped with the project."""
        return self.data_dir / "network"

    @classmethod
    def from_env(
        cls, environ: dict[str, str] | None = None, *, home: Path | str | None = None, **overrides: object
    ) -> Settings:
        """Build settings from defaults, then ``CARGORISK_*`` variables, then ``overrides``
        (the folders by the rule in the module docstring).

        Parameters
        ----------
        environ
            Mapping to read variables from (default: ``os.environ``).
        home
            Folder holding ``data/``, ``models/`` and ``maps/`` (``--home``); wins over
            ``CARGORISK_HOME`` and the project folder, not over a folder given on its own.
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
                values[f.name] = _convert(f"{ENV_PREFIX}{f.name.upper()}", raw, f.type, f.default)
        explicit = {k: v for k, v in overrides.items() if v is not None}
        base = (
            Path(home)
            if home is not None
            else Path(env["CARGORISK_HOME"])
            if env.get("CARGORISK_HOME")
            else None
        )
        for name, sub in FOLDERS.items():
            if base is not None and name not in explicit and (home is not None or name not in values):
                values[name] = base / sub
        values.update(explicit)
        for name in FOLDERS:
            if name in values:
                values[name] = Path(values[name]).expanduser().absolute()  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, pairs: Iterable[str]) -> Settings:
        """These settings with ``NAME=VALUE`` overrides (``cargorisk --set``), checked like the
        environment variables; an unknown name is a one-line error listing the known ones."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        values: dict[str, object] = {}
        for pair in pairs:
            name, sep, raw = str(pair).partition("=")
            name = name.strip().lower().replace("-", "_")
            if not sep or name not in fields:
                msg = f"--set {pair!r}: use NAME=VALUE with NAME one of {sorted(fields)}"
                raise InputError(msg)
            values[name] = _convert(f"--set {name}", raw.strip(), fields[name].type, fields[name].default)
        return dataclasses.replace(self, **values)  # type: ignore[arg-type]


FOLDERS = {"data_dir": "data", "models_dir": "models", "maps_dir": "maps"}
# settings the models divide by, or that are shares, shapes or bounds: (low, high, whether the
# value must be above ``low`` rather than at least ``low``, what they must be)
LIMITS = {
    "mx_truck_km_per_year": (0.0, math.inf, True, "a positive number of truck-km (45e9)"),
    "theft_report_rate": (0.0, 1.0, True, "a share in (0, 1] (0.30)"),
    "loaded_share": (0.0, 1.0, True, "a share in (0, 1] (0.70)"),
    "theft_scale_prior_shape": (0.0, math.inf, True, "a positive Gamma shape (8)"),
    "cargo_type_shape": (0.0, math.inf, True, "a positive Gamma shape (2)"),
    "max_snap_km": (0.0, math.inf, True, "a positive distance in km (25)"),
    "max_time_ratio": (1.0, math.inf, False, "at least 1 (1.5: half as long again as the fastest)"),
    "team_pay_ratio": (
        1.0, 2.0, False, "from 1 (a team paid as one driver) to 2 (two drivers each paid as one)"
    ),
    "departure_window_h": (
        0.0, MAX_DEPARTURE_WINDOW_H, False, "from 0 (no departure advice) to 168 hours (a week)"
    ),
}  # fmt: skip


def network_dir(settings: Settings) -> Path:
    """The corridor network folder: ``settings.network_dir``, else the one in the source tree."""
    if (settings.network_dir / "nodes.csv").exists():
        return settings.network_dir
    return Path(__file__).resolve().parents[2] / "data" / "network"


def project_root(start: Path | None = None) -> Path | None:
    """The cargorisk project folder at or above ``start`` (the working folder): the first
    whose ``pyproject.toml`` names the cargorisk project; None outside a checkout."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        marker = folder / "pyproject.toml"
        try:
            if marker.is_file() and 'name = "cargorisk"' in marker.read_text(errors="replace"):
                return folder
        except OSError:
            continue
    return None


def default_home(start: Path | None = None) -> Path:
    """Where data, models and maps live when nothing says otherwise: the project folder found
    upward from the working folder, else the per-user data folder."""
    root = project_root(start)
    if root is not None:
        return root
    import platformdirs  # noqa: PLC0415

    return platformdirs.user_data_path("cargorisk")


def _convert(label: str, raw: str, type_name: object, example: object = 1.0) -> object:
    """Convert one setting's text to the field's type, with a clear error naming ``label``
    (``example``: a value to show, the field's default)."""
    if type_name in ("float", float):
        try:
            value = float(raw)
        except ValueError:
            msg = f"{label}={raw!r} is not a number; set it to a number such as {example}"
            raise InputError(msg) from None
        if not math.isfinite(value) or value < 0:
            msg = f"{label}={raw!r} must be a finite, non-negative number"
            raise InputError(msg)
        return value
    return Path(raw)
