"""Theft exposure in time and while parked, by country, from the published patterns
(``facts_theft_time_place``: Overhaul, ANERPV, SensiGuard, AMESIS/AMSIRIA, FreightWatch,
Sensitech; every row with its source).

An edge's ``theft_rate`` (:mod:`cargorisk.risk.attach`) is all robberies of a loaded truck per
km, whenever and wherever they happen. This module splits it:

**Parked or moving.** A share ``phi`` of a country's cargo thefts hits parked trucks (Mexico:
hijackings in transit dominate; the US: mostly parked trailers). With ``q`` hours parked per
hour driven (:data:`PARKED_PER_DRIVING_HOUR`, the NOM-087 cycle the schedule follows: breaks of
0.5 h after 5 and 10 h and an 8 h rest per 14 h of driving) and the road speed ``v``:

* in transit, the hazard per km is ``(1 - phi) * rate`` (times the hour-of-day multiplier);
* parked, the hazard per hour is ``phi * rate * v / q`` (times the place factor),

so a trip that parks as long as the fleet does keeps today's expected loss, and a truck held
37 h at a closed crossing carries 37 h of parked hazard. ``phi`` is the mean, on the logit
scale, of the sources' shares (each row's parked over parked plus moving), with the range of
the sources as its interval.

**Hour of day** (transit only). 24 hourly shares of a country's thefts, fitted to every
source's bucket shares at once (least squares on the shares, smooth around the clock,
:func:`fit_hourly`); the interval is the range of the full fit and the fits that leave one
source out. The
multiplier of hour ``h`` is its share over the share of truck traffic in that hour, normalised
so the day's traffic-weighted mean is 1. No hourly truck counts are in the data, so traffic is
flat over the day unless one is given (:meth:`ExposureModel.transit_multiplier`); where fewer
trucks drive at night, the night's per-truck risk is higher still. The US has no numeric
hour split in the sources: its multiplier is 1 around the clock, and the card says so.

**Place kind** (parked only). The sources split parked thefts between unsecured parking
(roadside, truck stops) and secured places (fenced yards, company facilities): Mexico 5% and
2% of all thefts (SensiGuard Q3 2018), the US 79% and 6% (FreightWatch Q3 2011). Which share of
parked hours is spent in each is not published: :data:`SECURED_HOURS_SHARE` (0.5) is an
assumption; the factors are normalised to a mean of 1 over parked hours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from scipy import special

from cargorisk._io import write_bytes_atomic
from cargorisk.errors import ModelFileError
from cargorisk.risk.card import ExposureFile, read_model_json

EXPOSURE_FILE = "theft_exposure.json"
PARKED_PER_DRIVING_HOUR = 9.0 / 14.0  # NOM-087 cycle: 2 x 0.5 h breaks + 8 h rest per 14 h driving
SECURED_HOURS_SHARE = 0.5  # ASSUMPTION: share of parked truck-hours spent in secured places
DAYPARTS = {  # Spanish usage for buckets a source names without hours (ANERPV H1 2024)
    "early morning": (0, 6),
    "madrugada": (0, 6),
    "morning": (6, 12),
    "afternoon": (12, 18),
    "night": (18, 24),
}
MOVING = ("in transit", "in motion")
SECURED = ("company facilities", "secured parking")
UNSECURED = ("parked", "unsecured parking", "stopped")
SMOOTHING = 2.0  # weight of the around-the-clock curvature penalty (shares are ~0.04 an hour)
COUNTRIES = ("MX", "US")


# ---- reading the published rows ----


def percentages(text: str) -> list[float]:
    """Shares in a value cell ('32% / 29%' -> [0.32, 0.29]); [] when none is numeric."""
    return [float(x) / 100 for x in re.findall(r"(\d+(?:\.\d+)?)\s*%", text)]


def bucket_hours(label: str) -> tuple[int, int] | None:
    """Hours ``[start, end)`` of one bucket: '18:00-24:00', '~08:00' (that hour) or a named
    part of the day; ``None`` when it names no hours."""
    span = re.search(r"(\d{1,2}):\d{2}\s*-\s*(\d{1,2}):\d{2}", label)
    if span:
        return int(span.group(1)), int(span.group(2))
    single = re.search(r"~?\s*(\d{1,2}):00", label)
    if single:
        return int(single.group(1)), int(single.group(1)) + 1
    for name, hours in DAYPARTS.items():
        if name in label.lower():
            return hours
    return None


def hour_buckets(facts: pd.DataFrame, country: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Numeric time-of-day shares of ``country``: one row per bucket with ``source`` (org and
    period), ``start``, ``end``, ``share``; and the rows not used, with the reason."""
    rows = facts[(facts["country"] == country) & (facts["dimension"] == "time_of_day")]
    used, unused = [], []
    for row in rows.itertuples(index=False):
        labels, values = row.bucket.split(" / "), percentages(row.value)
        hours = [bucket_hours(b) for b in labels]
        if not values or len(values) != len(labels) or None in hours:
            source = f"{row.source_org}, {row.period}"
            unused.append({"source": source, "bucket": row.bucket, "value": row.value,
                           "reason": "no numeric share per bucket"})  # fmt: skip
            continue
        for (start, end), share in zip(hours, values, strict=True):
            source = f"{row.source_org}, {row.period}"
            used.append({"source": source, "start": start, "end": end, "share": share,
                         "url": row.source_url})  # fmt: skip
    return pd.DataFrame(used, columns=["source", "start", "end", "share", "url"]), pd.DataFrame(unused)


def labelled_shares(bucket: str, value: str) -> list[tuple[str, float]]:
    """(label, share) pairs of a location row: '88% / 9%' against 'in transit / parked', or,
    when the value says 'see bucket', 'unsecured parking 79%, secured parking 6%; ...'."""
    values = percentages(value)
    if values:
        labels = [b.strip().lower() for b in bucket.split(" / ")]
        return list(zip(labels, values, strict=True)) if len(labels) == len(values) else []
    pairs = re.findall(r"([a-z][a-z /()-]*?)\s+(\d+(?:\.\d+)?)\s*%", bucket.lower())
    return [(label.strip(), float(share) / 100) for label, share in pairs]


def parked_shares(facts: pd.DataFrame, country: str) -> pd.DataFrame:
    """Per source of ``country``: the shares of thefts moving, parked unsecured and parked
    secured (as the source splits them), and ``parked``: parked over parked plus moving, or,
    when a source names no moving share, parked over all its thefts."""
    rows = facts[(facts["country"] == country) & facts["dimension"].str.contains("location")]
    out = []
    for row in rows.itertuples(index=False):
        split = {"moving": 0.0, "unsecured": 0.0, "secured": 0.0}
        for label, share in labelled_shares(row.bucket, row.value):
            kind = ("moving" if label.startswith(MOVING) else "secured" if label.startswith(SECURED)
                    else "unsecured" if any(w in label for w in UNSECURED) else None)  # fmt: skip
            if kind:
                split[kind] += share
        parked = split["unsecured"] + split["secured"]
        if parked > 0:
            total = parked + split["moving"] if split["moving"] else max(parked, 1.0)
            out.append({"source": f"{row.source_org}, {row.period}", **split, "parked": parked / total,
                        "url": row.source_url})  # fmt: skip
    return pd.DataFrame(out, columns=["source", "moving", "unsecured", "secured", "parked", "url"])


# ---- fitting ----


def fit_hourly(buckets: pd.DataFrame) -> np.ndarray:
    """24 hourly shares (sum 1) closest, in squares, to every bucket's share, with a
    curvature penalty around the clock (flat without buckets)."""
    if buckets.empty:
        return np.full(24, 1 / 24)
    member = np.zeros((len(buckets), 24))
    for i, (start, end) in enumerate(zip(buckets["start"], buckets["end"], strict=True)):
        member[i, start:end] = 1.0
    target = buckets["share"].to_numpy()

    def loss(z: np.ndarray) -> float:
        p = special.softmax(z)
        curvature = np.roll(p, 1) - 2 * p + np.roll(p, -1)
        return float(np.sum((member @ p - target) ** 2) + SMOOTHING * np.sum(curvature**2) * 24)

    from scipy import optimize  # noqa: PLC0415  (fitting only: a graph read for a map needs none)

    return special.softmax(optimize.minimize(loss, np.zeros(24), method="L-BFGS-B").x)


def logit_mean(shares: np.ndarray) -> float:
    """Mean of shares on the logit scale."""
    shares = np.clip(np.asarray(shares, dtype=float), 1e-6, 1 - 1e-6)
    return float(special.expit(np.mean(special.logit(shares))))


@dataclass
class CountryExposure:
    """One country's exposure parameters (see the module docstring)."""

    hourly: np.ndarray  # share of thefts in each hour 0-23
    hourly_low: np.ndarray
    hourly_high: np.ndarray
    parked: float  # phi
    parked_low: float
    parked_high: float
    secured_factor: float
    unsecured_factor: float
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            k: (np.round(v, 6).tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()
        }


def fit_country(facts: pd.DataFrame, country: str) -> tuple[CountryExposure, dict]:
    """Fit one country's hourly profile (with leave-one-source-out range), parked share and
    place factors; return them and a card of the rows used and left out."""
    buckets, unused = hour_buckets(facts, country)
    hourly = fit_hourly(buckets)
    loso = [fit_hourly(buckets[buckets["source"] != s]) for s in buckets["source"].unique()] or [hourly]
    parked = parked_shares(facts, country)
    phi = logit_mean(parked["parked"]) if len(parked) else 0.0
    split = parked[(parked["secured"] > 0)]
    secured = (
        float(split["secured"].sum() / (split["secured"] + split["unsecured"]).sum()) if len(split) else 0.5
    )
    # per-hour factors with SECURED_HOURS_SHARE of parked hours secured, mean 1 over parked hours
    secured_factor = secured / SECURED_HOURS_SHARE
    unsecured_factor = (1 - secured) / (1 - SECURED_HOURS_SHARE)
    model = CountryExposure(
        hourly=hourly,
        hourly_low=np.min([hourly, *loso], axis=0),
        hourly_high=np.max([hourly, *loso], axis=0),
        parked=phi,
        parked_low=float(parked["parked"].min()) if len(parked) else 0.0,
        parked_high=float(parked["parked"].max()) if len(parked) else 0.0,
        secured_factor=secured_factor,
        unsecured_factor=unsecured_factor,
        sources=sorted({*buckets["source"], *parked.get("source", [])}),
    )
    card = {
        "hour_buckets": buckets.to_dict(orient="records"),
        "hour_rows_not_used": unused.to_dict(orient="records"),
        "parked_rows": parked.round(4).to_dict(orient="records"),
        "secured_share_of_parked_thefts": round(secured, 4),
    }
    return model, card


# ---- the model ----


@dataclass
class ExposureModel:
    """Per-country exposure (``countries``: ``"MX"``, ``"US"``); see the module docstring."""

    countries: dict[str, CountryExposure]
    parked_per_driving_hour: float = PARKED_PER_DRIVING_HOUR

    def transit_multiplier(
        self, country: str, hour: np.ndarray | int, traffic: np.ndarray | None = None
    ) -> np.ndarray:
        """Multiplier of an edge's risk in transit at local ``hour`` (0-23): the hour's theft
        share over its traffic share (flat without ``traffic``: 24 shares), normalised so that
        the traffic-weighted mean over the day is 1; 1 for a country without a profile."""
        profile = self.countries.get(country)
        if profile is None:
            return np.ones_like(np.asarray(hour, dtype=float))
        flow = np.full(24, 1 / 24) if traffic is None else np.asarray(traffic, float) / np.sum(traffic)
        return (profile.hourly / flow)[np.asarray(hour, dtype=int) % 24]

    def transit_share(self, country: str) -> float:
        """``1 - phi``: the part of an edge's theft rate that hits moving trucks."""
        profile = self.countries.get(country)
        return 1.0 - (profile.parked if profile else 0.0)

    def parked_hazard_per_h(self, rate: float | np.ndarray, speed_kph: float | np.ndarray, country: str,
                            place: str = "unsecured") -> np.ndarray:  # fmt: skip
        """Theft hazard per hour parked (``-log(1 - p)`` per h) where the road's ``theft_rate``
        is ``rate`` (per million loaded truck-km) and its speed ``speed_kph``: ``phi * rate *
        v / q`` times the place factor (``place``: ``"unsecured"`` or ``"secured"``)."""
        profile = self.countries.get(country)
        if profile is None:
            return np.zeros_like(np.asarray(rate, dtype=float))
        factor = profile.secured_factor if place == "secured" else profile.unsecured_factor
        per_h = (
            profile.parked
            * np.asarray(rate, float)
            * 1e-6
            * np.asarray(speed_kph, float)
            / self.parked_per_driving_hour
        )
        return per_h * factor

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"parked_per_driving_hour": self.parked_per_driving_hour,
                "countries": {c: m.to_dict() for c, m in self.countries.items()}}  # fmt: skip

    @classmethod
    def from_dict(cls, saved: dict) -> ExposureModel:
        """The inverse of :meth:`to_dict`."""
        countries = {}
        for code, spec in saved["countries"].items():
            arrays = {k: np.array(spec[k], dtype=float) for k in ("hourly", "hourly_low", "hourly_high")}
            if any(a.shape != (24,) for a in arrays.values()) or not np.isclose(arrays["hourly"].sum(), 1.0):
                msg = f"exposure model: {code}'s hourly shares are not 24 summing to 1; run `cargorisk train`"
                raise ModelFileError(msg)
            known = {k: spec[k] for k in CountryExposure.__dataclass_fields__ if k in spec}
            countries[code] = CountryExposure(**{**known, **arrays})
        return cls(countries, float(saved["parked_per_driving_hour"]))


def fit_exposure(facts: pd.DataFrame) -> tuple[ExposureModel, dict]:
    """The exposure model and its card from ``facts_theft_time_place``."""
    fitted = {c: fit_country(facts, c) for c in COUNTRIES}
    card = {c: {**fitted[c][1], "parked": round(fitted[c][0].parked, 4)} for c in COUNTRIES}
    card["secured_hours_share"] = f"{SECURED_HOURS_SHARE} (assumption: no source splits parked hours)"
    return ExposureModel({c: m for c, (m, _) in fitted.items()}), card


def save_exposure(models_dir: Path, model: ExposureModel, card: dict) -> Path:
    """Write ``models/theft_exposure.json`` (atomically)."""
    path = models_dir / EXPOSURE_FILE
    write_bytes_atomic(
        path, (json.dumps({**card, "model": model.to_dict()}, indent=1, default=str) + "\n").encode()
    )
    return path


def load_exposure(models_dir: Path) -> ExposureModel | None:
    """The saved exposure model, or ``None`` when ``cargorisk train`` did not write one."""
    saved = read_model_json(models_dir / EXPOSURE_FILE, ExposureFile)
    return None if saved is None else ExposureModel.from_dict(saved["model"])


# ---- stops ----


def stop_risk(graph: nx.MultiDiGraph, model: ExposureModel) -> pd.DataFrame:
    """Per node, the hazard per hour of a truck parked there, unsecured
    (``parked_risk_per_h``): its country's parked share of the highest theft rate among the
    roads that meet there, at their speed. A rest step can compare the places within reach."""
    rows = {}
    for u, v, d in graph.edges(data=True):
        if d.get("kind") == "crossing":
            continue
        speed = d["length"] / 1000 / max(d["travel_time"], 1e-9) * 3600
        for node in (u, v):
            if d.get("theft_rate", 0.0) >= rows.get(node, (0.0, 0.0))[0]:
                rows[node] = (float(d.get("theft_rate", 0.0)), speed)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["rate", "speed_kph"])
    country = pd.Series({n: graph.nodes[n].get("country", "") for n in frame.index})
    frame["parked_risk_per_h"] = 0.0
    for code in model.countries:
        mask = (country == code).to_numpy()
        frame.loc[mask, "parked_risk_per_h"] = model.parked_hazard_per_h(
            frame.loc[mask, "rate"].to_numpy(), frame.loc[mask, "speed_kph"].to_numpy(), code
        )
    return frame


def attach_stop_risk(graph: nx.MultiDiGraph, model: ExposureModel) -> None:
    """Set ``parked_risk_per_h`` on every node of a risk-attached ``graph`` (in place) and the
    model on ``graph.graph["theft_exposure"]``."""
    frame = stop_risk(graph, model)
    nx.set_node_attributes(graph, frame["parked_risk_per_h"].to_dict(), "parked_risk_per_h")
    graph.graph["theft_exposure"] = model
