"""BorderWaitModel: expected commercial wait at each crossing by month, weekday and hour.

Where CBP publishes historical commercial waits (El Paso: BOTA and Ysleta) the observed
averages are used. Every other crossing is modelled (an assumption, stated in the card):

    wait = level x shape(weekday, hour) x season(month)
    level = reference level x (trucks at the port / trucks at the reference) ** elasticity

``shape`` and ``season`` are the observed crossings' relative profiles; the elasticity is
fitted on the observed crossings' levels and volumes (with one crossing, a square-root prior,
0.5). Opening hours of modelled crossings follow the busiest observed crossing. Individual
waits vary around the mean; p50 and p90 come from a gamma distribution with shape 2 (an
exponential-like queue), a documented assumption.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy import special

from cargorisk._io import check_readable, write_bytes_atomic
from cargorisk.errors import ELSEWHERE_MODELS, InputError, ModelFileError, shown
from cargorisk.network.places import normalise

GAMMA_SHAPE = 2.0
PRIOR_ELASTICITY = 0.5
LIVE_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class WaitEstimate:
    """Expected commercial wait at one crossing and time (minutes), with its source."""

    crossing: str
    local_time: datetime
    is_open: bool
    mean_min: float
    p50_min: float
    p90_min: float
    source: str  # "observed", "modelled", "live" or "closed"

    def as_record(self, port_code: str) -> dict:
        """JSON-ready fields (the CLI's ``--json`` and the HTTP API); NaN as None."""
        values = {
            "port_code": port_code,
            "crossing": self.crossing,
            "local_time": self.local_time.isoformat(),
            "open": self.is_open,
            "mean_min": self.mean_min,
            "p50_min": self.p50_min,
            "p90_min": self.p90_min,
            "source": self.source,
        }
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in values.items()}


def observed_profiles(profile: pd.DataFrame, crossings: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Commercial/General wait cells of every crossing CBP has history for, keyed by bridge.

    Matched by BTS port code (the wait table carries it); a port whose commercial history
    comes from more than one CBP crossing name is left modelled rather than mixed.
    """
    commercial = profile[(profile["lane"] == "Commercial") & (profile["sub_lane"] == "General")]
    out = {}
    for row in crossings.itertuples():
        cells = commercial[commercial["port_code"] == row.port_code]
        if cells["crossing"].nunique() == 1:
            out[row.crossing] = cells.set_index(["month", "weekday", "hour"])[["wait_min", "is_open"]]
    return out


class BorderWaitModel:
    """Expected commercial wait per crossing, month, weekday and hour (see module docstring)."""

    def __init__(self, elasticity: float | None = None) -> None:
        self.elasticity = elasticity

    def fit(self, observed: dict[str, pd.DataFrame], crossings: pd.DataFrame) -> BorderWaitModel:
        """Learn profiles from ``observed`` cells and levels from ``crossings`` truck volumes."""
        if not observed:
            msg = "no observed wait profile to fit on; run `cargorisk data build cbp_bwt_elpaso`"
            raise InputError(msg)
        volume = crossings.set_index("crossing")["trucks_12m"]
        open_cells = {c: cells[cells["is_open"]] for c, cells in observed.items()}
        self.levels_ = {c: float(cells["wait_min"].mean()) for c, cells in open_cells.items()}
        relative = pd.concat([cells["wait_min"] / self.levels_[c] for c, cells in open_cells.items()])
        self.shape_ = relative.groupby(level=["weekday", "hour"]).mean()
        self.own_shape_ = {
            c: (cells["wait_min"] / self.levels_[c]).groupby(level=["weekday", "hour"]).mean()
            for c, cells in open_cells.items()
        }
        self.hour_shape_ = relative.groupby(level="hour").mean()
        season = relative.groupby(level="month").mean()
        self.season_ = (season / season.mean()).reindex(range(1, 13)).fillna(1.0)
        busiest = max(observed, key=lambda c: volume.get(c, 0))
        self.open_template_ = observed[busiest]["is_open"].groupby(level=["weekday", "hour"]).mean() >= 0.5
        self.elasticity_ = (
            self.elasticity if self.elasticity is not None else fit_elasticity(self.levels_, volume)
        )
        self.reference_ = {c: (self.levels_[c], float(volume[c])) for c in observed}
        self.observed_ = observed
        self.volumes_ = volume.astype(float).to_dict()
        self.memo().clear()
        return self

    def memo(self) -> dict:
        """Per-model cache of cell and level lookups (they only depend on their arguments)."""
        return self.__dict__.setdefault("_memo", {})

    def level(self, crossing: str) -> float:
        """Mean open-hours wait (min): observed, or scaled from the observed crossings by volume."""
        key = ("level", crossing)
        if key not in self.memo():
            self.memo()[key] = self._level(crossing)
        return self.memo()[key]

    def _level(self, crossing: str) -> float:
        if crossing in self.levels_:
            return self.levels_[crossing]
        trucks = max(self.volumes_.get(crossing, 1.0), 1.0)
        logs = [
            np.log(lv) + self.elasticity_ * (np.log(trucks) - np.log(max(vol, 1.0)))
            for lv, vol in self.reference_.values()
        ]
        return float(np.exp(np.mean(logs)))

    def shape(self, weekday: int, hour: int, crossing: str | None = None) -> float:
        """Relative wait at a weekday and hour (1 = the open-hours mean): the crossing's own
        profile where it has history, else the observed crossings' pooled profile."""
        own = self.own_shape_.get(crossing) if crossing is not None else None
        if own is not None and (weekday, hour) in own.index:
            return float(own.loc[(weekday, hour)])
        if (weekday, hour) in self.shape_.index:
            return float(self.shape_.loc[(weekday, hour)])
        return float(self.hour_shape_.get(hour, 1.0))

    def cell(self, crossing: str, month: int, weekday: int, hour: int) -> tuple[bool, float, str]:
        """(open, mean wait, source) for a crossing at a local month, weekday and hour."""
        key = (crossing, month, weekday, hour)
        if key not in self.memo():
            self.memo()[key] = self._cell(crossing, month, weekday, hour)
        return self.memo()[key]

    def _cell(self, crossing: str, month: int, weekday: int, hour: int) -> tuple[bool, float, str]:
        observed = self.observed_.get(crossing)
        if observed is not None and (month, weekday, hour) in observed.index:
            row = observed.loc[(month, weekday, hour)]
            return bool(row["is_open"]), float(row["wait_min"]) if row["is_open"] else 0.0, "observed"
        is_open = bool(self.open_template_.get((weekday, hour), False))
        mean = self.level(crossing) * self.shape(weekday, hour, crossing) * float(self.season_[month])
        return is_open, mean, "modelled"

    def predict_wait(
        self, crossing: str, when: datetime, time_zone: str, live: pd.DataFrame | None = None
    ) -> WaitEstimate:
        """Expected commercial wait when arriving at ``crossing`` at ``when`` (timezone-aware).

        A live reading for the crossing (see :func:`read_live_waits`) taken within two hours of
        ``when`` replaces the model.
        """
        local = to_local(when, time_zone)
        reading = live_reading(live, crossing, when)
        if reading is not None:
            return reading_estimate(crossing, local, reading)
        is_open, mean, source = self.cell(crossing, local.month, local.weekday(), local.hour)
        if not is_open:
            return WaitEstimate(crossing, local, False, float("nan"), float("nan"), float("nan"), "closed")
        p50, p90 = quantiles(mean)
        return WaitEstimate(crossing, local, True, mean, p50, p90, source)

    def is_open(self, crossing: str, when: datetime, time_zone: str) -> bool:
        """Whether the commercial lanes are open at ``when`` (local time of the crossing)."""
        local = to_local(when, time_zone)
        return self.cell(crossing, local.month, local.weekday(), local.hour)[0]

    def heat(self, crossing: str, month: int) -> pd.DataFrame:
        """Expected wait (NaN when closed), hour (rows) x weekday (columns), for one month."""
        values = [[self.cell(crossing, month, d, h) for d in range(7)] for h in range(24)]
        return pd.DataFrame([[m if o else np.nan for o, m, _ in row] for row in values])


def fit_elasticity(levels: dict[str, float], volume: pd.Series) -> float:
    """Slope of log level on log volume across observed crossings (prior 0.5 with one)."""
    if len(levels) < 2:
        return PRIOR_ELASTICITY
    x = np.log([max(float(volume[c]), 1.0) for c in levels])
    y = np.log(list(levels.values()))
    return float(np.clip(np.polyfit(x, y, 1)[0], 0.0, 1.5))


# quantiles of a gamma(shape k) variable with mean 1: the wait's quantiles scale with its mean
P50_RATIO, P90_RATIO = (float(special.gammaincinv(GAMMA_SHAPE, q) / GAMMA_SHAPE) for q in (0.5, 0.9))


def quantiles(mean: float) -> tuple[float, float]:
    """p50 and p90 of a gamma(shape 2) wait with the given mean."""
    return P50_RATIO * mean, P90_RATIO * mean


def to_local(when: datetime, time_zone: str) -> datetime:
    """Convert an aware datetime to the crossing's local time; refuse naive ones."""
    if not isinstance(when, datetime):
        msg = f"{shown(when)} is not a datetime"
        raise InputError(msg)
    if when.tzinfo is None or when.utcoffset() is None:
        msg = (
            f"time {when.isoformat()} has no time zone; give one, e.g. "
            f"{when.strftime('%Y-%m-%dT%H:%M')}-06:00 (on the CLI, --local reads it as the port's local time)"
        )
        raise InputError(msg)
    return when.astimezone(ZoneInfo(time_zone))


def arrival_time(text: str, time_zone: str) -> datetime:
    """An arrival time at a port: ISO 8601, and without a UTC offset the port's local time."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    when = parse_time(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=ZoneInfo(time_zone))


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 timestamp with offset ('2026-03-02T08:00-06:00'); one-line errors."""
    try:
        when = datetime.fromisoformat(str(text).strip())
    except ValueError:
        msg = f"cannot read time {text!r}; use ISO 8601 with a UTC offset, e.g. 2026-03-02T08:00-06:00"
        raise InputError(msg) from None
    return check_time(when)


YEARS = (2000, 2100)  # dates a plan can mean; far ones overflow the schedule's arithmetic


def check_time(when: datetime) -> datetime:
    """A date within :data:`YEARS`; else a one-line error naming it (0001-01-01 and 9999-12-31
    would overflow when hours are added)."""
    if not YEARS[0] <= when.year <= YEARS[1]:
        msg = f"time {when.isoformat()} is out of range; give a date in the years {YEARS[0]}-{YEARS[1]}"
        raise InputError(msg)
    return when


# ---- live waits: CBP Border Wait Times JSON (bwt.cbp.gov/api/bwtnew), read from a file ----

US_ZONES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
UPDATE = re.compile(r"(\d{1,2}):(\d{2})\s*([ap]m)\s*([A-Z]{3})", re.IGNORECASE)


MAX_FEED_BYTES = 20 * 2**20  # the whole CBP feed is about 0.5 MB
MAX_DELAY_MIN = 24 * 60  # a reading outside 0..24 h is not a wait


def read_live_waits(path: Path) -> pd.DataFrame:
    """Read a saved CBP Border Wait Times feed (JSON list of ports) into one row per crossing.

    Columns: ``port_code`` (first four digits of ``port_number``), ``crossing_name``,
    ``observed_at`` (UTC), ``delay_min`` (NaN without a reading), ``lanes_open``, ``status``.
    Only commercial standard lanes are read. Raises InputError for a file that is not such a feed.
    """
    check_readable(path, "waits file", MAX_FEED_BYTES)
    try:
        ports = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"waits file {path} is not JSON ({exc.__class__.__name__}: {str(exc)[:80]})"
        raise InputError(msg) from None
    if not isinstance(ports, list) or not all(isinstance(p, dict) and "port_number" in p for p in ports):
        msg = f"waits file {path} is not a CBP Border Wait Times feed (a JSON list of ports with port_number)"
        raise InputError(msg)
    rows = [live_row(p, path) for p in ports if p.get("border", "Mexican Border") == "Mexican Border"]
    return pd.DataFrame(
        rows, columns=["port_code", "crossing_name", "observed_at", "delay_min", "lanes_open", "status"]
    )


def live_row(port: dict, path: Path) -> dict:
    """One crossing's commercial standard-lane reading; a field of the wrong kind (a list where
    the feed has text, text where it has lanes) is no reading, never an error."""
    lanes = as_dict(as_dict(port.get("commercial_vehicle_lanes")).get("standard_lanes"))
    delay = as_number(lanes.get("delay_minutes"))
    delay = delay if 0 <= delay <= MAX_DELAY_MIN else float("nan")  # -999 and the like: no reading
    return {
        "port_code": as_text(port["port_number"])[:4],
        "crossing_name": as_text(port.get("crossing_name")),
        "observed_at": feed_time(as_text(port.get("date")), as_text(lanes.get("update_time")), path),
        "delay_min": delay,
        "lanes_open": as_number(lanes.get("lanes_open")),
        "status": as_text(lanes.get("operational_status", port.get("port_status"))).lower(),
    }


def as_dict(value: object) -> dict:
    """A feed object, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def as_text(value: object) -> str:
    """A feed field as text: strings and numbers; anything else (lists, objects, null) is ''."""
    if isinstance(value, str):
        return value.strip()
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def as_number(value: object) -> float:
    """A feed field as a number (the feed writes numbers as text); NaN when it is none."""
    try:
        return float(as_text(value) or "nan")
    except ValueError:
        return float("nan")


def feed_time(date: str, update: str, path: Path) -> datetime | None:
    """UTC time of a reading from the feed's 'MM/DD/YYYY' date and 'At 10:00 am CST' text."""
    match = UPDATE.search(str(update))
    if not date or not match:
        return None
    try:
        day = datetime.strptime(str(date).strip(), "%m/%d/%Y")
    except ValueError:
        msg = f"waits file {path}: date {date!r} is not MM/DD/YYYY"
        raise InputError(msg) from None
    hour = int(match.group(1)) % 12 + (12 if match.group(3).lower() == "pm" else 0)
    offset = US_ZONES.get(match.group(4).upper())
    if offset is None:
        return None
    try:
        local = day.replace(hour=hour, minute=int(match.group(2)), tzinfo=timezone(timedelta(hours=offset)))
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        msg = f"waits file {path}: {date} {update!r} is not a time of day"
        raise InputError(msg) from None


def live_reading(live: pd.DataFrame | None, crossing: str, when: datetime) -> pd.Series | None:
    """The feed's reading for ``crossing`` if one was taken within two hours of ``when``."""
    if live is None or live.empty:
        return None
    key = normalise(crossing)
    hits = live[live["crossing_name"].map(lambda n: bool(n) and (normalise(n) in key or key in normalise(n)))]
    hits = hits[hits["observed_at"].map(lambda t: t is not None and abs(t - when) <= LIVE_WINDOW)]
    return None if hits.empty else hits.iloc[0]


def reading_estimate(crossing: str, local: datetime, reading: pd.Series) -> WaitEstimate:
    """A WaitEstimate from a live reading ('lanes closed' means closed)."""
    if "closed" in reading["status"]:
        return WaitEstimate(crossing, local, False, float("nan"), float("nan"), float("nan"), "live")
    minutes = float(reading["delay_min"]) if np.isfinite(reading["delay_min"]) else 0.0
    return WaitEstimate(crossing, local, True, minutes, minutes, minutes, "live")


# ---- persistence ----


def save_wait_model(model: BorderWaitModel, path: Path, card: dict) -> Path:
    """Write the fitted parameters and card as one JSON file (atomic)."""
    doc = {
        "elasticity": model.elasticity_,
        "levels": model.levels_,
        "volumes": model.volumes_,
        "reference": model.reference_,
        "season": model.season_.tolist(),
        "shape": [[int(d), int(h), float(v)] for (d, h), v in model.shape_.items()],
        "own_shape": {
            c: [[int(d), int(h), float(v)] for (d, h), v in s.items()] for c, s in model.own_shape_.items()
        },
        "hour_shape": {int(h): float(v) for h, v in model.hour_shape_.items()},
        "open_template": [[int(d), int(h)] for (d, h), v in model.open_template_.items() if v],
        "observed": {c: cells.reset_index().to_dict(orient="list") for c, cells in model.observed_.items()},
        "card": card,
    }
    write_bytes_atomic(path, (json.dumps(doc, default=float) + "\n").encode())
    return path


def shape_series(rows: list) -> pd.Series:
    """A (weekday, hour) -> relative wait series from saved [weekday, hour, value] rows."""
    return pd.DataFrame(rows, columns=["weekday", "hour", "v"]).set_index(["weekday", "hour"])["v"]


def load_wait_model(path: Path) -> tuple[BorderWaitModel, dict]:
    """Load a model saved by :func:`save_wait_model`; ModelFileError if it is missing, damaged
    or holds a value that cannot be right (every value is checked: :mod:`cargorisk.border.schema`)."""
    from cargorisk.border.schema import read_wait_doc  # noqa: PLC0415  (pydantic: only when loading)

    if not path.exists():
        msg = f"border wait model {path} is missing; run `cargorisk train`{ELSEWHERE_MODELS}"
        raise ModelFileError(msg)
    try:
        raw = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"border wait model {path} is damaged ({exc.__class__.__name__}); run `cargorisk train`"
        raise ModelFileError(msg) from None
    doc = read_wait_doc(raw, path)
    model = BorderWaitModel(doc.elasticity)
    model.elasticity_, model.levels_, model.volumes_ = doc.elasticity, doc.levels, doc.volumes
    model.reference_ = dict(doc.reference)
    model.season_ = pd.Series(doc.season, index=range(1, 13))
    model.shape_ = shape_series(doc.shape)
    model.own_shape_ = {c: shape_series(rows) for c, rows in doc.own_shape.items()}
    model.hour_shape_ = pd.Series(doc.hour_shape, dtype=float)
    opened = set(doc.open_template)
    index = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    model.open_template_ = pd.Series([k in opened for k in index], index=index)
    model.observed_ = {
        c: pd.DataFrame(v.model_dump()).set_index(["month", "weekday", "hour"])
        for c, v in doc.observed.items()
    }
    return model, doc.card
