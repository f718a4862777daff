"""BorderWaitModel: expected commercial wait at each crossing by date, hour and direction.

Where CBP publishes historical commercial waits (El Paso: BOTA and Ysleta) the observed
averages are used. Every other crossing is modelled from its own evidence (stated in the card):

    wait = max(level x shape(weekday, hour) x season(month), backlog at opening)
    level = reference level x (trucks at the crossing / trucks at the reference) ** elasticity

``level`` scales the observed crossings' mean waits by the crossing's own truck volume (BTS per
port, CBP per Texas bridge), with the elasticity fitted across the observed crossings (a
square-root prior, 0.5, with one). Below the smallest observed volume the level falls in
proportion to volume (a queue's light-traffic limit: the wait is proportional to arrivals), so
small crossings shrink towards small waits instead of following the power law. ``season`` is
the crossing's own calendar-month truck index (:func:`cargorisk.border.ports.seasonality`) to
the same elasticity, so produce ports peak in their own season. ``shape`` is the observed
crossings' relative hour-of-week profile. Opening hours are the crossing's own
(:mod:`cargorisk.border.hours`). The backlog is a queue at opening: the trucks that arrived in
the last ``carry_over_h`` hours of the closure (at the crossing's mean hourly rate), served at
the crossing's busiest-hour rate and drained by the spare capacity; ``carry_over_h`` is fitted on
the observed crossings' opening-hour waits. Individual waits vary around the mean; p50 and p90
come from a gamma distribution with shape 2 (an exponential-like queue), a documented assumption.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import pickle
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from cargorisk._io import write_bytes_atomic
from cargorisk.border.hours import DAY, PortHours, Span, build_port_hours
from cargorisk.border.live import feed_hours, live_reading, read_live_waits
from cargorisk.config import Settings
from cargorisk.errors import ELSEWHERE_MODELS, CargoRiskError, InputError, ModelFileError, shown

log = logging.getLogger("cargorisk")

GAMMA_SHAPE = 2.0
PRIOR_ELASTICITY = 0.5
NAN = float("nan")
MEMO_LIMIT = 20_000  # cached lookups per model (about 8 MB at most, measured)


@dataclass(frozen=True)
class WaitEstimate:
    """Expected commercial wait at one crossing and time (minutes), with its sources.

    ``source`` is "observed", "modelled", "live" or "closed", followed by "; wait uncertain"
    where the model did not beat the naive forecasts on held-out crossings and "; hours
    assumed" where the crossing's hours that day have no source (a plan shows it as is)."""

    crossing: str
    local_time: datetime
    is_open: bool
    mean_min: float
    p50_min: float
    p90_min: float
    source: str
    hours: str = ""  # that day's hours, '07:00-24:00', '24 h' or 'closed'
    hours_source: str = ""  # who set them and when
    hours_assumed: bool = False
    uncertain: bool = False
    backlog_min: float = 0.0  # part of the wait from the queue built while the crossing was closed
    fast_min: float = NAN  # FAST-lane wait, from a live feed reading only

    def as_record(self, port_code: str) -> dict:
        """JSON-ready fields (the CLI's ``--json`` and the HTTP API); minutes to 0.1, NaN as None."""
        values = {
            "port_code": port_code,
            "crossing": self.crossing,
            "local_time": self.local_time.isoformat(),
            "open": self.is_open,
            "mean_min": self.mean_min,
            "p50_min": self.p50_min,
            "p90_min": self.p90_min,
            "source": self.source,
            "hours": self.hours,
            "hours_source": self.hours_source,
            "hours_assumed": self.hours_assumed,
            "uncertain": self.uncertain,
            "backlog_min": self.backlog_min,
            "fast_min": self.fast_min,
        }
        return {k: minutes(v) if isinstance(v, float) else v for k, v in values.items()}


def minutes(value: float) -> float | None:
    """A number of minutes for JSON: to 0.1 min, NaN as None."""
    return None if math.isnan(value) else round(value, 1)


def observed_profiles(profile: pd.DataFrame, crossings: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Commercial/General wait cells of every crossing CBP has history for, keyed by bridge.

    Matched by BTS port code (the wait table carries it); a port whose commercial history
    comes from more than one CBP crossing name is left modelled rather than mixed. CBP's
    history has no FAST commercial sub-lane (only General), so FAST waits are not modelled.
    """
    commercial = profile[(profile["lane"] == "Commercial") & (profile["sub_lane"] == "General")]
    out = {}
    for row in crossings.itertuples():
        cells = commercial[commercial["port_code"] == row.port_code]
        if cells["crossing"].nunique() == 1:
            out[row.crossing] = cells.set_index(["month", "weekday", "hour"])[["wait_min", "is_open"]]
    return out


def regular_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The open cells at a weekday and hour the crossing keeps open in most months (a cell open
    in one month of twelve, e.g. BOTA on Friday evenings at 0-3 min, is no profile)."""
    share = cells["is_open"].groupby(level=["weekday", "hour"]).transform("mean")
    return cells[cells["is_open"] & (share >= 0.5)]


def open_spans(observed: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """The ``is_open`` column of each observed crossing (for its observed hours)."""
    return {c: cells["is_open"] for c, cells in observed.items()}


class BorderWaitModel:
    """Expected commercial wait per crossing, date, hour and direction (see module docstring)."""

    def __init__(self, elasticity: float | None = None, carry_over_h: float | None = None) -> None:
        self.elasticity = elasticity
        self.carry_over_h = carry_over_h

    def fit(
        self, observed: dict[str, pd.DataFrame], crossings: pd.DataFrame, hours: PortHours | None = None
    ) -> BorderWaitModel:
        """Learn profiles from ``observed`` cells, levels and seasons from ``crossings`` truck
        volumes, and the backlog's carry-over from the observed openings."""
        if not observed:
            msg = "no observed wait profile to fit on; run `cargorisk data build cbp_bwt_elpaso`"
            raise InputError(msg)
        volume = crossings.set_index("crossing")["trucks_12m"]
        open_cells = {c: regular_cells(cells) for c, cells in observed.items()}
        self.levels_ = {c: float(cells["wait_min"].mean()) for c, cells in open_cells.items()}
        relative = pd.concat([cells["wait_min"] / self.levels_[c] for c, cells in open_cells.items()])
        self.shape_ = relative.groupby(level=["weekday", "hour"]).mean()
        self.own_shape_ = {
            c: (cells["wait_min"] / self.levels_[c]).groupby(level=["weekday", "hour"]).mean()
            for c, cells in open_cells.items()
        }
        self.hour_shape_ = relative.groupby(level="hour").mean()
        self.elasticity_ = (
            self.elasticity if self.elasticity is not None else fit_elasticity(self.levels_, volume)
        )
        self.reference_ = {c: (self.levels_[c], float(volume[c])) for c in observed}
        self.observed_ = observed
        self.volumes_ = volume.astype(float).to_dict()
        self.seasons_ = {
            row.crossing: [float(f) for f in row.seasonality] for row in crossings.itertuples(index=False)
        }
        self.hours_ = (
            hours if hours is not None else PortHours(build_port_hours(None, crossings, open_spans(observed)))
        )
        self.uncertain_: set[str] = set()
        self.memo().clear()
        self.carry_over_h_ = self.carry_over_h if self.carry_over_h is not None else fit_carry_over(self)
        self.memo().clear()
        return self

    def memo(self) -> dict:
        """Per-model cache of cell, level and hours lookups (they only depend on their arguments)."""
        return self.__dict__.setdefault("_memo", {})

    def cached(self, key: tuple, compute: object) -> object:
        """``compute()`` once per key."""
        memo = self.memo()
        if key not in memo:
            if len(memo) >= MEMO_LIMIT:  # estimates are keyed by time: keep the memory bounded
                memo.clear()
            memo[key] = compute()  # type: ignore[operator]
        return memo[key]

    def level(self, crossing: str) -> float:
        """Mean open-hours wait (min): observed, or scaled from the observed crossings by volume."""
        return self.cached(("level", crossing), lambda: self._level(crossing))  # type: ignore[return-value]

    def _level(self, crossing: str) -> float:
        if crossing in self.levels_:
            return self.levels_[crossing]
        trucks = max(self.volumes_.get(crossing, 1.0), 1.0)
        smallest = min(max(vol, 1.0) for _, vol in self.reference_.values())
        logs = [
            np.log(lv) + self.elasticity_ * (np.log(max(trucks, smallest)) - np.log(max(vol, 1.0)))
            for lv, vol in self.reference_.values()
        ]
        light_traffic = min(trucks / smallest, 1.0)
        return float(np.exp(np.mean(logs))) * light_traffic

    def season(self, crossing: str, month: int) -> float:
        """The crossing's own month factor of the wait: its truck index to the elasticity."""
        return self.trucks_index(crossing, month) ** self.elasticity_

    def trucks_index(self, crossing: str, month: int) -> float:
        """The crossing's calendar-month truck index (1 = its yearly mean of trucks per day)."""
        factors = self.seasons_.get(crossing)
        return float(factors[month - 1]) if factors else 1.0

    def shape(self, weekday: int, hour: int, crossing: str | None = None) -> float:
        """Relative wait at a weekday and hour (1 = the open-hours mean): the crossing's own
        profile where it has history, else the observed crossings' pooled profile."""
        own = self.own_shape_.get(crossing) if crossing is not None else None
        if own is not None and (weekday, hour) in own.index:
            return float(own.loc[(weekday, hour)])
        if (weekday, hour) in self.shape_.index:
            return float(self.shape_.loc[(weekday, hour)])
        return float(self.hour_shape_.get(hour, 1.0))  # an hour no observed crossing keeps: the mean

    def modelled(self, crossing: str, month: int, weekday: int, hour: int) -> float:
        """level x shape x season, without the backlog."""
        return self.level(crossing) * self.shape(weekday, hour, crossing) * self.season(crossing, month)

    def cell(self, crossing: str, month: int, weekday: int, hour: int) -> tuple[bool, float, str]:
        """(open, mean wait, source) at a local month, weekday and hour of a regular (not holiday)
        day, northbound: the heatmap and the map's hours. Planning uses :meth:`predict_wait`."""
        key = ("cell", crossing, month, weekday, hour)
        return self.cached(key, lambda: self._cell(crossing, month, weekday, hour))  # type: ignore[return-value]

    def open_hours(self, crossing: str, month: int, weekday: int) -> list[int]:
        """The local hours (0-23) a crossing is open northbound on a regular day of ``month``
        and ``weekday``: the open flag of :meth:`cell` for every hour, without the waits."""
        spans = self.regular_spans(crossing, month, weekday)
        return [hour for hour in range(24) if spans.is_open(hour * 60)]

    def regular_spans(self, crossing: str, month: int, weekday: int) -> Span:
        """A crossing's northbound hours on the regular day a month-and-weekday cell stands for
        (the first such weekday of the month in 2026)."""
        first = date(2026, month, 1)
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        return self.hours_.regular(crossing, day_kind(day))

    def _cell(self, crossing: str, month: int, weekday: int, hour: int) -> tuple[bool, float, str]:
        is_open = self.regular_spans(crossing, month, weekday).is_open(hour * 60)
        observed = self.observed_.get(crossing)
        if observed is not None and (month, weekday, hour) in observed.index:
            row = observed.loc[(month, weekday, hour)]
            if row["is_open"]:
                return is_open, float(row["wait_min"]), "observed"
        return is_open, self.modelled(crossing, month, weekday, hour), "modelled"

    def port_hours(self, live: pd.DataFrame | None) -> PortHours:
        """The hours table, with a live feed's posted hours where it has them."""
        if live is None or live.empty or "hours" not in live:
            return self.hours_
        key = ("hours", id(live))
        return self.cached(key, lambda: self.hours_.with_feed(feed_hours(live, self.hours_.table)))  # type: ignore[return-value]

    def hours(
        self, crossing: str, day: date, direction: str = "northbound", live: pd.DataFrame | None = None
    ) -> Span:
        """A crossing's hours on a local date with their source: ``direction`` 'northbound'
        (CBP's, within the Mexican export customs' where a Mexican source states those),
        'southbound' (Mexican import customs) or 'mx_export' (Mexican export customs alone)."""
        return self.port_hours(live).span(crossing, day, direction)

    def predict_wait(
        self,
        crossing: str,
        when: datetime,
        time_zone: str,
        live: pd.DataFrame | None = None,
        direction: str = "northbound",
    ) -> WaitEstimate:
        """Expected commercial wait when arriving at ``crossing`` at ``when`` (timezone-aware).

        A live reading for the crossing (see :func:`read_live_waits`) taken within two hours of
        ``when`` replaces the model. ``direction``: 'northbound' (CBP) or 'southbound'
        (Mexican customs hours; the wait itself is the router's southbound assumption).
        """
        local = to_local(when, time_zone)
        if live is None:  # the estimate depends on its arguments only: look it up once
            key = ("estimate", crossing, local, direction)
            return self.cached(key, lambda: self.estimate(crossing, local, None, direction))  # type: ignore[return-value]
        return self.estimate(crossing, local, live, direction)

    def estimate(
        self, crossing: str, local: datetime, live: pd.DataFrame | None, direction: str
    ) -> WaitEstimate:
        """:meth:`predict_wait` at a local time, without the cache."""
        reading = live_reading(live, crossing, local) if direction == "northbound" else None
        span = self.port_hours(live).span(crossing, local.date(), direction)
        facts = {"hours": span.label(), "hours_source": span.source, "hours_assumed": span.assumed}
        if reading is not None:
            return reading_estimate(crossing, local, reading, facts)
        if not span.is_open(local.hour * 60 + local.minute):
            return WaitEstimate(crossing, local, False, NAN, NAN, NAN, "closed", **facts)
        mean, source = self.mean_wait(crossing, local)
        backlog = 0.0 if source == "observed" else self.backlog_min(crossing, local, span, direction)
        mean = max(mean, backlog)
        uncertain = source == "modelled" and crossing in self.uncertain_
        flags = "; wait uncertain" * uncertain + "; hours assumed" * span.assumed
        p50, p90 = quantiles(mean)
        return WaitEstimate(
            crossing,
            local,
            True,
            mean,
            p50,
            p90,
            source + flags,
            **facts,
            uncertain=uncertain,
            backlog_min=backlog,
        )

    def mean_wait(self, crossing: str, local: datetime) -> tuple[float, str]:
        """The observed cell's mean where CBP kept one open, else level x shape x season."""
        key = ("mean", crossing, local.month, local.weekday(), local.hour)
        return self.cached(key, lambda: self._mean_wait(crossing, local.month, local.weekday(), local.hour))  # type: ignore[return-value]

    def _mean_wait(self, crossing: str, month: int, weekday: int, hour: int) -> tuple[float, str]:
        observed = self.observed_.get(crossing)
        if observed is not None and (month, weekday, hour) in observed.index:
            row = observed.loc[(month, weekday, hour)]
            if row["is_open"]:
                return float(row["wait_min"]), "observed"
        return self.modelled(crossing, month, weekday, hour), "modelled"

    def backlog_min(self, crossing: str, local: datetime, span: Span, direction: str = "northbound") -> float:
        """Minutes of the queue left from the closure before this opening (see module docstring)."""
        minute = local.hour * 60 + local.minute
        opened = next((a for a, b in span.intervals if a <= minute < b), None)
        if opened is None:
            return 0.0
        closed_h = self.closure_h(crossing, local.date(), opened, direction)
        rates = self.rates(crossing, local.month, direction)
        if closed_h <= 0 or rates is None:
            return 0.0
        mean_rate, open_rate, capacity = rates
        queue = mean_rate * min(closed_h, self.carry_over_h_)
        left = queue - (capacity - open_rate) * (minute - opened) / 60
        return 60 * max(left, 0.0) / capacity

    def closure_h(self, crossing: str, day: date, opened: int, direction: str) -> float:
        """Hours the crossing was closed before opening at minute ``opened`` of ``day`` (0 when
        it was open through midnight, at most a week)."""
        key = ("closure", crossing, day, opened, direction)
        return self.cached(key, lambda: self._closure_h(crossing, day, opened, direction))  # type: ignore[return-value]

    def _closure_h(self, crossing: str, day: date, opened: int, direction: str) -> float:
        for back in range(8):
            ends = [
                b - back * DAY
                for a, b in self.hours_.span(crossing, day - timedelta(days=back), direction).intervals
            ]
            ends = [e for e in ends if e <= opened]
            if ends:
                return (opened - max(ends)) / 60
        return 7 * 24.0

    def rates(self, crossing: str, month: int, direction: str) -> tuple[float, float, float] | None:
        """(mean hourly arrivals over the day, arrivals per open hour, capacity per hour) in a
        month; the capacity is the busiest hour's arrivals (the pooled shape's peak)."""
        key = ("rates", crossing, month, direction)
        return self.cached(key, lambda: self._rates(crossing, month, direction))  # type: ignore[return-value]

    def _rates(self, crossing: str, month: int, direction: str) -> tuple[float, float, float] | None:
        trucks = self.volumes_.get(crossing, 0.0) / 365 * self.trucks_index(crossing, month)
        days = {"weekday": 5, "saturday": 1, "sunday": 1}
        spans = {kind: self.hours_.regular(crossing, kind, direction) for kind in days}
        week_h = sum(sum(b - a for a, b in spans[kind].intervals) / 60 * n for kind, n in days.items())
        if trucks <= 0 or week_h <= 0:
            return None
        open_rate = trucks * 7 / week_h
        return trucks / 24, open_rate, open_rate * float(self.shape_.max())

    def is_open(self, crossing: str, when: datetime, time_zone: str, direction: str = "northbound") -> bool:
        """Whether the commercial lanes are open at ``when`` (local time of the crossing)."""
        local = to_local(when, time_zone)
        return self.hours_.is_open(crossing, local, direction)

    def heat(self, crossing: str, month: int) -> pd.DataFrame:
        """Expected wait (NaN when closed), hour (rows) x weekday (columns), for one month."""
        values = [[self.cell(crossing, month, d, h) for d in range(7)] for h in range(24)]
        return pd.DataFrame([[m if o else np.nan for o, m, _ in row] for row in values])


def day_kind(day: date) -> str:
    """'weekday', 'saturday' or 'sunday'."""
    return {5: "saturday", 6: "sunday"}.get(day.weekday(), "weekday")


def fit_carry_over(model: BorderWaitModel) -> float:
    """Hours of pre-opening arrivals in the queue at opening, from the observed crossings: the
    median over their openings of (opening-hour wait x capacity / mean hourly arrivals)."""
    found = []
    for crossing, cells in model.observed_.items():
        for (month, weekday, hour), row in cells[cells["is_open"]].iterrows():
            if (month, weekday, hour - 1) in cells.index and cells.loc[(month, weekday, hour - 1), "is_open"]:
                continue  # not an opening hour
            rates = model.rates(crossing, month, "northbound")
            if hour > 0 and rates is not None:
                found.append(row["wait_min"] / 60 * rates[2] / rates[0])
    return float(np.median(found)) if found else 0.0


def fit_elasticity(levels: dict[str, float], volume: pd.Series) -> float:
    """Slope of log level on log volume across observed crossings (prior 0.5 with one)."""
    if len(levels) < 2:
        return PRIOR_ELASTICITY
    x = np.log([max(float(volume[c]), 1.0) for c in levels])
    y = np.log(list(levels.values()))
    return float(np.clip(np.polyfit(x, y, 1)[0], 0.0, 1.5))


def gamma_quantile(q: float, shape: int = int(GAMMA_SHAPE)) -> float:
    """Quantile of a gamma(integer shape, scale 1) variable: bisection on its Erlang CDF
    1 - exp(-x) sum_{i<k} x^i / i! (no scipy at import: `border waits` starts fast)."""
    cdf = lambda x: 1 - math.exp(-x) * sum(x**i / math.factorial(i) for i in range(shape))  # noqa: E731
    low, high = 0.0, 100.0
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < q else (low, mid)
    return (low + high) / 2


# quantiles of a gamma(shape k) variable with mean 1: the wait's quantiles scale with its mean
P50_RATIO, P90_RATIO = (gamma_quantile(q) / GAMMA_SHAPE for q in (0.5, 0.9))


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
    """An arrival time at a port: ISO 8601, and without a UTC offset the port's local time (a
    time the clocks skip there is a one-line error, as for a departure: :func:`~cargorisk.
    network.timezones.local_time`)."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    from cargorisk.network.timezones import local_time  # noqa: PLC0415

    when = parse_time(text)
    return when if when.tzinfo is not None else local_time(when, ZoneInfo(time_zone))


DAY_FIRST = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")  # 03/02/2026, 02.03.2026, 02-03-26


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 timestamp, with or without a UTC offset ('2026-03-02T08:00-06:00',
    '2026-03-02 08:00'); one-line errors (a date with the year last is refused: 03/02/2026
    is 2 March to a US dispatcher and 3 February to a Mexican one)."""
    try:
        when = datetime.fromisoformat(str(text).strip())
    except ValueError:
        note = " (a date with the day and month first is ambiguous)" if DAY_FIRST.search(str(text)) else ""
        msg = (
            f"cannot read time {text!r}{note}; use ISO 8601, year first: 2026-03-02T08:00 "
            "(local time) or 2026-03-02T08:00-06:00"
        )
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


def reading_estimate(crossing: str, local: datetime, reading: pd.Series, facts: dict) -> WaitEstimate:
    """A WaitEstimate from a live reading ('lanes closed' means closed)."""
    fast = float(reading["fast_delay_min"])
    if "closed" in reading["status"]:
        return WaitEstimate(crossing, local, False, NAN, NAN, NAN, "live", **facts, fast_min=fast)
    minutes = float(reading["delay_min"]) if np.isfinite(reading["delay_min"]) else 0.0
    return WaitEstimate(crossing, local, True, minutes, minutes, minutes, "live", **facts, fast_min=fast)


# ---- persistence ----


def model_file(settings: Settings) -> Path:
    """Where the fitted border wait model lives."""
    return settings.models_dir / "border_waits.json"


def save_wait_model(model: BorderWaitModel, path: Path, card: dict, crossings: pd.DataFrame) -> Path:
    """Write the fitted parameters, the hours, the crossing table it was fitted on (what the
    ``border`` commands need, so they load no road graph) and the card as one JSON file (atomic)."""
    doc = {
        "elasticity": model.elasticity_,
        "carry_over_h": model.carry_over_h_,
        "levels": model.levels_,
        "volumes": model.volumes_,
        "reference": model.reference_,
        "seasons": model.seasons_,
        "shape": [[int(d), int(h), float(v)] for (d, h), v in model.shape_.items()],
        "own_shape": {
            c: [[int(d), int(h), float(v)] for (d, h), v in s.items()] for c, s in model.own_shape_.items()
        },
        "hour_shape": {int(h): float(v) for h, v in model.hour_shape_.items()},
        "hours": model.hours_.as_doc(),
        "uncertain": sorted(model.uncertain_),
        "observed": {c: cells.reset_index().to_dict(orient="list") for c, cells in model.observed_.items()},
        "crossings": crossings[list(CROSSING_COLUMNS)].to_dict(orient="list"),
        "card": card,
    }
    write_bytes_atomic(path, (json.dumps(doc, default=float) + "\n").encode())
    return path


# the crossing table's columns the border commands use
CROSSING_COLUMNS = ("crossing", "port_code", "port_name", "time_zone", "trucks_12m", "trucks_per_day",
                    "growth_12m", "volume_source", "mx_name", "us_name")  # fmt: skip


def shape_series(rows: list) -> pd.Series:
    """A (weekday, hour) -> relative wait series from saved [weekday, hour, value] rows."""
    return pd.DataFrame(rows, columns=["weekday", "hour", "v"]).set_index(["weekday", "hour"])["v"]


def load_wait_model(path: Path) -> tuple[BorderWaitModel, dict]:
    """Load a model saved by :func:`save_wait_model`; ModelFileError if it is missing, damaged
    or holds a value that cannot be right (every value is checked: :mod:`cargorisk.border.schema`).
    The crossing table it was fitted on is ``model.crossings_``."""
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
    model = BorderWaitModel(doc.elasticity, doc.carry_over_h)
    model.elasticity_, model.carry_over_h_ = doc.elasticity, doc.carry_over_h
    model.levels_, model.volumes_, model.reference_ = doc.levels, doc.volumes, dict(doc.reference)
    model.seasons_ = {c: list(v) for c, v in doc.seasons.items()}
    model.shape_ = shape_series(doc.shape)
    model.own_shape_ = {c: shape_series(rows) for c, rows in doc.own_shape.items()}
    model.hour_shape_ = pd.Series(doc.hour_shape, dtype=float)
    model.hours_ = PortHours.from_doc(doc.model_dump()["hours"])
    model.uncertain_ = set(doc.uncertain)
    model.observed_ = {
        c: pd.DataFrame(v.model_dump()).set_index(["month", "weekday", "hour"])
        for c, v in doc.observed.items()
    }
    model.crossings_ = pd.DataFrame(doc.model_dump()["crossings"])
    return model, doc.card


def load_wait_model_cached(path: Path, cache_dir: Path) -> tuple[BorderWaitModel, dict]:
    """:func:`load_wait_model` for commands that need only the wait model (``border waits``):
    the model once checked is kept in ``cache_dir`` as a pickle named by a SHA-256 of the
    model file's bytes, this package's border code and the Python version, so later runs skip
    the schema check (pydantic's import and the check are a fifth of the command). A changed
    model file or upgrade makes a new one; a cache that cannot be read or written is ignored."""
    if not path.exists():
        return load_wait_model(path)
    digest = hashlib.sha256(repr(sys.version_info[:2]).encode() + path.read_bytes())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    cached = cache_dir / f"waits-{digest.hexdigest()[:24]}.pickle"
    try:
        return pickle.loads(cached.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError, ImportError):
        pass  # none yet, or written by other libraries: checked again below
    found = load_wait_model(path)
    try:
        write_bytes_atomic(cached, pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
        for old in sorted(cache_dir.glob("waits-*.pickle"), key=lambda p: p.stat().st_mtime)[:-4]:
            old.unlink(missing_ok=True)  # the four newest are kept, as router snapshots
    except (CargoRiskError, OSError) as exc:
        log.info("checked wait model not cached in %s (%s)", cache_dir, exc)
    return found


__all__ = [
    "BorderWaitModel",
    "WaitEstimate",
    "load_wait_model",
    "load_wait_model_cached",
    "read_live_waits",
    "save_wait_model",
]
