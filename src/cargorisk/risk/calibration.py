"""From reported carrier robberies to the probability that a loaded truck is robbed, with a
credible interval, and its update from a carrier's or insurer's own losses.

The chain, state by state (every factor a :class:`~cargorisk.config.Settings` field with its
source, recorded in the model card and the README):

1. the model's forecast of SESNSP *Robo a transportista* reports for the year;
2. the estimated true incidence (:mod:`cargorisk.risk.reporting`): the reports' national
   total divided by ``theft_report_rate`` (the share of carrier robberies that reach those
   counts, ENVE), shared out over the states by the reporting model, which reads every
   published state figure and independent crime signals, so a state that reports little is
   not taken for safe (without a reporting model every state reports at the national rate);
3. divided by the state's loaded truck-km: ``mx_truck_km_per_year`` x ``loaded_share``, shared
   out over the states by class-weighted road km (:func:`~cargorisk.risk.attach.state_exposure`);
4. times the scale from the user's own losses (:func:`update_scale`; 1 until calibrated).

**Interval.** The rate of each state is uncertain: the rolling backtest's out-of-fold errors
give a negative-binomial dispersion ``k`` of the reported forecast (Var = mu + mu^2 / k,
maximum likelihood; the coverage of its 90% predictive interval on each held-out year, with
``k`` fitted on the other years, is reported), and the reporting model gives each state's
incidence a log-normal sd ``s`` (wider where its sources disagree). Together a state's rate
has relative variance ``(1 + 1/k) exp(s^2) - 1``, the variance of a Gamma(``k_s``) with
:func:`effective_dispersion`; the chain's scale is Gamma(a) around its mean (``a`` =
``theft_scale_prior_shape`` before calibration, the posterior shape after). A route's risk
``R`` (sum of -log(1 - p) over its edges) then has mean ``R`` and variance ``(1 + 1/a)
(R^2 + sum_s R_s^2 / k_s) - R^2`` (``R_s``: its risk in state ``s``, states independent); the
interval is that of the gamma with the same mean and variance.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from cargorisk._io import write_bytes_atomic
from cargorisk.errors import InputError, ModelFileError

if TYPE_CHECKING:
    import geopandas as gpd

CALIBRATION_FILE = "theft_risk.calibration.json"
INTERVAL = (0.05, 0.95)  # a 90% interval


@dataclass(frozen=True)
class Scale:
    """The chain's overall scale: Gamma(shape, rate) with mean ``shape / rate`` (1 before any
    calibration), and where it came from."""

    shape: float
    rate: float
    thefts: int = 0
    trips: float = 0.0
    expected: float = 0.0
    basis: str = "prior"
    created: str = ""

    @property
    def mean(self) -> float:
        """The scale applied to every rate."""
        return self.shape / self.rate

    def interval(self) -> tuple[float, float]:
        """The scale's 90% credible interval."""
        low, high = gamma_ppf(INTERVAL, self.shape) / self.rate
        return float(low), float(high)


def prior_scale(shape: float) -> Scale:
    """The scale before calibration: mean 1, shape ``shape``."""
    return Scale(shape=shape, rate=shape)


def update_scale(prior: Scale, thefts: int, trips: float, expected: float, basis: str) -> Scale:
    """Bayesian update of the scale from a loss history: ``thefts`` in ``trips`` trips whose
    expected number of thefts under the uncalibrated chain is ``expected``. Thefts are
    Poisson(scale x expected), so a Gamma(a, b) prior gives Gamma(a + thefts, b + expected)."""
    if thefts < 0 or trips <= 0 or expected <= 0:
        msg = f"a loss history needs thefts >= 0 and trips > 0 (got thefts={thefts}, trips={trips})"
        raise InputError(msg)
    return Scale(
        shape=prior.shape + thefts,
        rate=prior.rate + expected,
        thefts=int(thefts),
        trips=float(trips),
        expected=float(expected),
        basis=basis,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def save_scale(models_dir: Path, scale: Scale) -> Path:
    """Write the calibration next to the model card (atomically)."""
    path = models_dir / CALIBRATION_FILE
    write_bytes_atomic(path, (json.dumps(asdict(scale), indent=2) + "\n").encode())
    return path


def load_scale(models_dir: Path, prior_shape: float) -> Scale:
    """The calibration in force (the prior when none was saved)."""
    path = models_dir / CALIBRATION_FILE
    if not path.exists():
        return prior_scale(prior_shape)
    try:
        found = Scale(**json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError, UnicodeDecodeError):
        msg = f"calibration file {path} is damaged; run `cargorisk calibrate --reset` or calibrate again"
        raise ModelFileError(msg) from None
    if not (np.isfinite(found.shape) and np.isfinite(found.rate) and found.shape > 0 and found.rate > 0):
        msg = f"calibration file {path} holds an invalid scale; run `cargorisk calibrate --reset`"
        raise ModelFileError(msg)
    return found


def neighbours(states: gpd.GeoDataFrame) -> dict[str, list[str]]:
    """Neighbouring states (polygons that touch or lie within 1 km of each other)."""
    import geopandas as gpd  # noqa: PLC0415  (planning does not need it: keeps start-up fast)

    from cargorisk.network.admin import METRIC_CRS  # noqa: PLC0415

    metric = states[["state", "geometry"]].to_crs(METRIC_CRS)
    grown = metric.assign(geometry=metric.buffer(1000))
    pairs = gpd.sjoin(grown, metric, predicate="intersects")
    found = pairs[pairs["state_left"] != pairs["state_right"]]
    return {s: sorted(set(g["state_right"])) for s, g in found.groupby("state_left")}


def calibrated_rates(
    reported: pd.Series,
    incidence: pd.Series,
    exposure: pd.Series,
    *,
    report_rate: float,
    loaded_share: float,
    scale: float,
) -> pd.DataFrame:
    """The chain of the module docstring per state: ``reported`` (forecast SESNSP counts),
    ``incidence`` (estimated robberies, reported or not) and ``exposure`` (truck-km a year),
    indexed by state.

    Returns one row per state with ``reported``, ``thefts`` (the incidence), ``correction``
    (thefts over reported / ``report_rate``: 1 for a state that reports like the country),
    ``loaded_km``, ``rate_reported`` (thefts per million loaded truck-km if the state reported
    at the national rate) and ``rate`` (from the incidence, scaled).
    """
    out = pd.DataFrame({"reported": reported})
    out["thefts"] = incidence.reindex(out.index)
    out["correction"] = out["thefts"] / (out["reported"] / report_rate)
    out["loaded_km"] = exposure.reindex(out.index) * loaded_share
    out["rate_reported"] = out["reported"] / report_rate / out["loaded_km"] * 1e6
    out["rate"] = out["thefts"] / out["loaded_km"] * 1e6 * scale
    return out


def effective_dispersion(k: float, sd_log: np.ndarray | pd.Series) -> np.ndarray:
    """Gamma shape with the relative variance of a Gamma(``k``) forecast times an independent
    log-normal incidence factor of sd ``sd_log``: ``1 / ((1 + 1/k) exp(sd^2) - 1)``."""
    relative = (1 + 1 / k) * np.exp(np.square(np.asarray(sd_log, dtype=float))) - 1
    return 1 / relative


def dispersion(observed: np.ndarray, predicted: np.ndarray) -> float:
    """Negative-binomial dispersion ``k`` of held-out counts around their forecasts (Var = mu +
    mu^2 / k), by maximum likelihood, so that small and large states count alike (a method of
    moments estimate is ruled by the largest states' squared errors: on the backtest it gave
    k = 40 and a "90%" interval that covered 65% of the held-out counts)."""
    from scipy import optimize, stats  # noqa: PLC0415  (scipy.stats takes 0.8 s to import)

    observed = np.asarray(observed, float)
    predicted = np.maximum(np.asarray(predicted, float), 1e-9)

    def loss(log_k: float) -> float:
        k = np.exp(log_k)
        return -float(stats.nbinom.logpmf(observed, k, k / (k + predicted)).sum())

    return float(np.exp(optimize.minimize_scalar(loss, bounds=(-5.0, 12.0), method="bounded").x))


def coverage(observed: np.ndarray, predicted: np.ndarray, k: float) -> float:
    """Share of held-out counts inside their negative-binomial 90% predictive interval."""
    from scipy import stats  # noqa: PLC0415

    predicted = np.maximum(np.asarray(predicted, float), 1e-9)
    p = k / (k + predicted)
    low, high = stats.nbinom.ppf(INTERVAL[0], k, p), stats.nbinom.ppf(INTERVAL[1], k, p)
    observed = np.asarray(observed, float)
    return float(np.mean((observed >= low) & (observed <= high)))


def route_interval(risk: float, risk_sq: float, k: float, scale_shape: float) -> tuple[float, float]:
    """90% interval of a route's theft probability from its risk ``risk`` (sum of -log(1 - p))
    and ``risk_sq`` (sum over states of the squared risk in each), see the module docstring."""
    if risk <= 0:
        return 0.0, 0.0
    variance = (1 + 1 / scale_shape) * (risk**2 + risk_sq / k) - risk**2
    if not variance > 0:  # no uncertainty given (a graph without a trained chain)
        p = float(-np.expm1(-risk))
        return p, p
    shape = risk**2 / variance
    low, high = gamma_ppf(INTERVAL, shape) * (risk / shape)
    return float(-np.expm1(-low)), float(-np.expm1(-high))


def gamma_ppf(q: tuple[float, float], shape: float) -> np.ndarray:
    """Quantiles ``q`` of a Gamma(``shape``, scale 1): the inverse regularised incomplete gamma
    function (what ``scipy.stats.gamma.ppf`` computes, without importing scipy.stats)."""
    return special.gammaincinv(shape, np.asarray(q, dtype=float))


def one_in(probability: float) -> str:
    """'1 in 43,000' (two significant figures) for a probability per trip."""
    if probability <= 0:
        return "never"
    n = 1 / probability
    rounded = float(f"{n:.2g}") if n >= 100 else round(n)
    return f"1 in {rounded:,.0f}"


def history_scale(
    settings: object,
    *,
    thefts: int,
    trips: float,
    km: float | None = None,
    lane: tuple[str, str] | None = None,
    year: int = 2025,
) -> Scale:
    """The scale from a loss history: ``thefts`` in ``trips`` loaded trips, over ``km`` loaded
    km in Mexico (a fleet) or on one ``lane`` (origin, destination: its recommended route).
    The expected thefts are those of the uncalibrated chain; the update starts from the prior,
    so a new history replaces an earlier one."""
    from cargorisk.network import load_network  # noqa: PLC0415
    from cargorisk.risk.train import risk_network  # noqa: PLC0415

    if (km is None) == (lane is None):
        msg = "give either --km (the loaded km of those trips in Mexico) or --lane ORIGIN DESTINATION"
        raise InputError(msg)
    current = load_scale(settings.models_dir, settings.theft_scale_prior_shape).mean
    if lane is not None:
        from cargorisk.routing import Router  # noqa: PLC0415

        route = Router.from_settings(settings, year).plan(*lane, alternatives=0).recommended
        expected, basis = trips * route.theft_prob / current, f"lane {lane[0]} -> {lane[1]}"
    else:
        if not km > 0:
            msg = f"--km {km} must be a positive number of loaded km"
            raise InputError(msg)
        chain = risk_network(settings, load_network(settings=settings), year).graph["theft_chain"]
        per_km = float((chain["rate"] * chain["loaded_km"]).sum() / chain["loaded_km"].sum()) * 1e-6
        expected, basis = km * per_km / current, f"fleet, {km:,.0f} loaded km in Mexico"
    return update_scale(prior_scale(settings.theft_scale_prior_shape), thefts, trips, expected, basis)
