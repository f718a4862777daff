"""Reported robberies vs estimated true incidence, per state, from several sources.

SESNSP's fuero-comun series counts the carrier robberies reported to state prosecutors. Some
states report almost none (Queretaro, Guerrero: zero a year; Guanajuato about 20) while the
industry's own counts put them near the top, and robberies on federal highways are federal
crimes, mostly outside that series. So a low count is not evidence of safety. This module
keeps two quantities apart:

``reported``
    the forecast of SESNSP reports (:func:`~cargorisk.risk.train.predict_states`, evaluated
    against SESNSP by the state backtest);
``incidence``
    the estimated true number of carrier robberies in the state, used for routing, with a 90%
    interval.

**Model.** On the log scale, the state's incidence in year ``t`` is
``theta[s, t] = signals[s, t] . beta + u[s]``, ``u[s] ~ N(0, tau^2)``, where the signals
(:data:`SIGNALS`) are the state's own SESNSP reports and independent indicators of the same
crime (violent vehicle robbery, federal property crimes and federal crimes on communication
routes from the fuero-federal series, the state's truck traffic; homicides and the neighbours'
reports were tried and left out: the held-out lists ordered better without them). Every published
state figure (``facts_theft_states``: Overhaul, SensiGuard, FreightWatch, ANERPV, AMIS, AMESIS,
Blac, the FGR's federal-road counts) is one noisy measurement of its own scope:
``log value = a[list] + theta[s, t] + e``, ``e ~ N(0, sigma^2)``, with an intercept ``a`` of
its own per published list (share or count, whatever the list's coverage). A list names a
source's top states, so a state it leaves out is measured too: its value is below the
smallest one listed (a censored measurement). Lists of the same source and year overlap, so
only one is kept per source and year (:func:`read_measurements`). ``beta``, ``a``,
``sigma`` and ``tau`` maximise the Laplace-approximated marginal likelihood, with a ridge
prior that pulls ``beta`` towards "incidence proportional to reports" (``beta`` 1 on the
reports, 0 elsewhere), so the data must earn every departure from uniform reporting.

**National level.** The model sets the shares; the national total stays the chain's:
the sum of reported forecasts over ``theft_report_rate`` (ENVE). A state's *correction* is its
incidence over its reports / ``theft_report_rate``: 1 where it reports like the country.

**Interval.** ``theta``'s posterior sd (Laplace) widened, where the state's sources disagree
more than ``sigma`` allows, by their Birge ratio (the root of their mean squared standardised
residual), so conflicting sources give a wider interval, never a narrower one.

**Evaluation** (:func:`leave_one_list_out`): each published list is held out in turn, the
model refitted on the others, and the held-out list's ordering of states (listed by value, and
every listed state above every state it leaves out) compared with the model's, against two
baselines: the states' own SESNSP reports and the neighbour floor this model replaces.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, special

from cargorisk._io import write_bytes_atomic
from cargorisk.errors import ModelFileError
from cargorisk.risk.card import ReportingFile, read_model_json
from cargorisk.sources import load_table

SIGNALS = [
    "log_reported",
    "log_violent_vehicle",
    "log_federal_property",
    "log_federal_highway",
    "log_truck_km",
]
# Tried and left out, because the held-out lists ordered better without them (README "Theft
# risk"; leave_one_list_out with variants): intentional homicides, the neighbours' reports.
CANDIDATES = [*SIGNALS, "log_homicide", "log_neighbour_reported"]
SIGNAL_DOC = {
    "log_reported": "log(1 + SESNSP carrier robberies reported in the year)",
    "log_violent_vehicle": "log(1 + violent car and truck robberies, SESNSP fuero comun)",
    "log_homicide": "log(1 + intentional homicides, SESNSP fuero comun)",
    "log_federal_property": "log(1 + federal property crimes, SESNSP fuero federal: "
    "robbery on federal highways is one)",
    "log_federal_highway": "log(1 + federal crimes under the communication-routes laws "
    "(CPF vias de comunicacion, L.V.G.C.))",
    "log_truck_km": "log of the state's truck-km a year (the exposure split of the calibration chain)",
    "log_neighbour_reported": "mean log(1 + carrier robberies reported) of the neighbouring states",
}
REPORTING_FILE = "theft_reporting.json"
RIDGE = 3.0
Z90 = 1.6448536269514722
EXCLUDED_SOURCES = ("SESNSP", "CANACAR")  # the official series itself; a combined figure only
ALIASES = {"edomex": "Estado de México", "cdmx": "Ciudad de México", "distrito federal": "Ciudad de México"}
FEDERAL_PROPERTY = ("PATRIMONIALES",)
FEDERAL_HIGHWAY = (
    "VIAS DE COMUNICACION Y CORRESPONDENCIA",
    "LEY DE VIAS GENERALES DE COMUNICACION (L.V.G.C.)",
)
VIOLENT_VEHICLE = "Robo de coche de 4 ruedas Con violencia"


def plain(text: str) -> str:
    """Lower-case ASCII (accents dropped) for matching state names."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()


# ---- the independent signals ----


def annual(rows: pd.DataFrame, key: str) -> pd.Series:
    """Incidents per state and year, annualised by the months covered."""
    grouped = rows.groupby([key, "year"])
    return grouped["incidents"].sum() * 12 / grouped["months"].max()


def state_signals(processed_dir: Path, truck_km: pd.Series, adjacency: dict[str, list[str]]) -> pd.DataFrame:
    """:data:`SIGNALS` per (state, year), partial years annualised; ``truck_km`` per state
    (:func:`~cargorisk.risk.attach.state_exposure`), ``adjacency`` the neighbouring states."""
    common = load_table("sesnsp_state_year", processed_dir).rename(columns={"months_covered": "months"})
    carrier = annual(common[common["subtipo"] == "Robo a transportista"], "state")
    vehicle = annual(common[common["modalidad"] == VIOLENT_VEHICLE], "state")
    homicide = annual(common[common["subtipo"] == "Homicidio doloso"], "state")
    federal = load_table("sesnsp_federal_state_month", processed_dir)
    federal = federal.assign(state=federal["cve_ent"].map(common.groupby("cve_ent")["state"].first()))
    out = pd.DataFrame(
        {
            "log_reported": np.log1p(carrier),
            "log_violent_vehicle": np.log1p(vehicle.reindex(carrier.index).fillna(0.0)),
            "log_homicide": np.log1p(homicide.reindex(carrier.index).fillna(0.0)),
            "log_federal_property": np.log1p(
                federal_annual(federal, FEDERAL_PROPERTY).reindex(carrier.index)
            ),
            "log_federal_highway": np.log1p(federal_annual(federal, FEDERAL_HIGHWAY).reindex(carrier.index)),
        }
    )
    out.index.names = ["state", "year"]
    for name in ("log_federal_property", "log_federal_highway"):
        out[name] = out.groupby("state")[name].ffill()
    out["log_truck_km"] = np.log(out.index.get_level_values("state").map(truck_km).to_numpy(dtype=float))
    out["log_neighbour_reported"] = out.groupby(level="year")["log_reported"].transform(
        lambda v: neighbour_mean(v.droplevel("year"), adjacency).to_numpy()
    )
    return out[CANDIDATES]


def federal_annual(federal: pd.DataFrame, types: tuple[str, ...]) -> pd.Series:
    """Fuero-federal crimes of ``types`` per (state, year), annualised by the months published."""
    rows = federal[federal["tipo"].isin(types)]
    grouped = rows.groupby(["state", rows["month"].dt.year.rename("year")])
    return grouped["incidents"].sum() * 12 / grouped["month"].nunique()


def neighbour_mean(values: pd.Series, adjacency: dict[str, list[str]]) -> pd.Series:
    """Per state (``values``' index), the mean of ``values`` over its neighbours (its own
    value when none is in ``values``)."""
    out = {}
    for state, own in values.items():
        near = [values[n] for n in adjacency.get(state, []) if n in values.index]
        out[state] = float(np.mean(near)) if near else float(own)
    return pd.Series(out).reindex(values.index)


def signals_for_year(
    signals: pd.DataFrame, year: int, reported: pd.Series, adjacency: dict[str, list[str]]
) -> pd.DataFrame:
    """Signals per state for ``year`` (the year's own, else the latest before it), with the
    forecast ``reported`` as ``log_reported`` and the neighbours' mean recomputed from it."""
    years = signals.index.get_level_values("year")
    use = year if year in set(years) else int(years[years <= year].max())
    rows = signals.xs(use, level="year").copy()
    rows["log_reported"] = np.log1p(reported.reindex(rows.index).to_numpy(dtype=float))
    rows["log_neighbour_reported"] = neighbour_mean(rows["log_reported"], adjacency)
    return rows


# ---- the published figures ----


def parse_period(period: str, state_label: str) -> tuple[int, ...]:
    """Years a row covers: '2020-2022 (3 yrs)' -> (2020, 2021, 2022); 'Q1 2025' -> (2025,);
    a state written 'Estado de Mexico (2022 for comparison)' -> (2022,)."""
    override = re.search(r"\((\d{4}) for comparison\)", state_label)
    if override:
        return (int(override.group(1)),)
    found = [int(y) for y in re.findall(r"\b(\d{4})\b", period)]
    if len(found) == 2 and re.search(r"\d{4}\s*-\s*\d{4}", period):
        return tuple(range(found[0], found[1] + 1))
    return tuple(found[:1])


def months_of(period: str) -> int:
    """Rough length of a period in months (to prefer the longer of two overlapping lists)."""
    text = period.lower()
    if re.search(r"\d{4}\s*-\s*\d{4}", text):
        years = [int(y) for y in re.findall(r"\d{4}", text)]
        return 12 * (years[1] - years[0] + 1)
    for pattern, months in ((r"\bq[1-4]\b", 3), (r"\bh[12]\b", 6), (r"month", 1)):
        if re.search(pattern, text):
            return months
    span = re.search(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*-(\w{3})", text)
    if span:
        order = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        return order.index(span.group(2)[:3]) - order.index(span.group(1)) + 1
    return 12


def read_measurements(
    facts: pd.DataFrame, states: list[str], first_year: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published state figures as measurements, and the rows left out with the reason.

    Each kept row is one state's value in one published list (``list``: source, period and
    kind, count or share): ``value``, ``years``, ``listed`` True. A list of one source and
    year is kept once: the one naming the most states, then the longest period. For every
    state a list leaves out, a censored row (``listed`` False) whose ``value`` is the list's
    smallest. Left out: the official SESNSP rows (the reports themselves), regions and
    combined figures. A period before ``first_year`` is measured against that year's signals.
    """
    by_name = {plain(s): s for s in states} | ALIASES
    kept, skipped = [], []
    for row in facts.itertuples(index=False):
        base = re.sub(r"\s*\(\d{4} for comparison\)", "", row.state)
        state = by_name.get(plain(base))
        years = parse_period(row.period, row.state)
        reason = (
            "official SESNSP series (the reports themselves)" if row.source_org.startswith(EXCLUDED_SOURCES)
            else "not one state (region or combined figure)" if state is None
            else "no year in the period" if not years
            else ""
        )  # fmt: skip
        value = row.count or row.share_pct
        if reason or not value:
            skipped.append(
                {"source": row.source_org, "period": row.period, "state": row.state, "reason": reason}
            )
            continue
        kind = "count" if row.count else "share"
        signal_years = tuple(max(y, first_year) for y in years)  # before the data: its first year's
        period = str(years[0]) if "for comparison" in row.state else row.period
        value = float(str(value).strip("~ "))
        kept.append({"source": row.source_org, "period": period, "kind": kind, "state": state,
                     "years": signal_years, "value": value})  # fmt: skip
    found = pd.DataFrame(kept)
    found["list"] = found["source"] + " | " + found["period"] + " | " + found["kind"]
    return censor(one_list_per_year(found), states), pd.DataFrame(skipped)


def one_list_per_year(found: pd.DataFrame) -> pd.DataFrame:
    """Of a source's lists that cover the same year, the one naming most states (then the
    longest period): overlapping lists of one source are not independent measurements."""
    grouped = found.groupby("list")
    info = grouped.agg(source=("source", "first"), period=("period", "first"), n=("state", "size"))
    info["year"] = grouped["years"].first().map(lambda y: y[-1])
    info["months"] = info["period"].map(months_of)
    best = info.sort_values(["n", "months"], ascending=False).groupby(["source", "year"]).head(1)
    return found[found["list"].isin(best.index)].reset_index(drop=True)


def censor(found: pd.DataFrame, states: list[str]) -> pd.DataFrame:
    """Add, per list, a censored row for every state it leaves out (value: the list's smallest)."""
    rows = [found.assign(listed=True)]
    for name, group in found.groupby("list"):
        missing = [s for s in states if s not in set(group["state"])]
        first = group.iloc[0]
        rows.append(pd.DataFrame({"source": first["source"], "period": first["period"], "kind": first["kind"],
                                  "state": missing, "years": [first["years"]] * len(missing),
                                  "value": group["value"].min(), "list": name, "listed": False}))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def prior_beta(names: list[str]) -> np.ndarray:
    """The ridge prior's centre: incidence proportional to reports (1 on ``log_reported``)."""
    return np.array([1.0 if n == "log_reported" else 0.0 for n in names])


def design(measurements: pd.DataFrame, signals: pd.DataFrame) -> np.ndarray:
    """Signals of each measurement's state, averaged over its years."""
    table = signals.to_dict("index")
    return np.array(
        [np.mean([list(table[(s, y)].values()) for y in ys], axis=0)
         for s, ys in zip(measurements["state"], measurements["years"], strict=True)]
    )  # fmt: skip


# ---- the model ----


@dataclass
class Rows:
    """Measurements as arrays: state and list index, signals, log value, listed flag."""

    state: np.ndarray
    group: np.ndarray
    x: np.ndarray
    y: np.ndarray
    listed: np.ndarray
    n_states: int
    n_groups: int


def state_terms(rows: Rows, mean: np.ndarray, u: np.ndarray, sigma: float) -> tuple[np.ndarray, ...]:
    """Per row: log likelihood, first and second derivative in its state's ``u``."""
    z = (rows.y - mean - u[rows.state]) / sigma
    log_cdf = special.log_ndtr(z)
    mills = np.exp(-0.5 * z**2 - 0.5 * np.log(2 * np.pi) - log_cdf)  # pdf / cdf
    ll = np.where(rows.listed, -0.5 * z**2 - np.log(sigma) - 0.5 * np.log(2 * np.pi), log_cdf)
    d1 = np.where(rows.listed, z / sigma, -mills / sigma)
    d2 = np.where(rows.listed, -1 / sigma**2, -mills * (z + mills) / sigma**2)
    return ll, d1, d2


def posterior_u(
    rows: Rows, mean: np.ndarray, sigma: float, tau: float, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mode of each state's ``u`` (Newton from ``start``), the log joint at the mode and the
    curvature (minus the second derivative)."""
    u = np.zeros(rows.n_states) if start is None else start.copy()
    for _ in range(50):
        _, d1, d2 = state_terms(rows, mean, u, sigma)
        grad = np.bincount(rows.state, d1, rows.n_states) - u / tau**2
        hess = np.bincount(rows.state, d2, rows.n_states) - 1 / tau**2
        step = grad / hess
        u -= step
        if np.abs(step).max() < 1e-9:
            break
    ll, _, d2 = state_terms(rows, mean, u, sigma)
    joint = np.bincount(rows.state, ll, rows.n_states) - 0.5 * u**2 / tau**2
    curvature = 1 / tau**2 - np.bincount(rows.state, d2, rows.n_states)
    return u, joint, curvature


@dataclass
class ReportingModel:
    """The measurement model of the module docstring (fit on :func:`read_measurements` rows).

    Parameters
    ----------
    ridge
        Strength of the prior pulling ``beta`` towards :func:`prior_beta` (uniform reporting).
    signals
        The signals used (default :data:`SIGNALS`; a subset for the ablation).
    """

    ridge: float = RIDGE
    signals: list[str] = field(default_factory=lambda: list(SIGNALS))
    states_: list[str] = field(default_factory=list)
    lists_: list[str] = field(default_factory=list)
    beta_: np.ndarray | None = None
    a_: np.ndarray | None = None
    sigma_: float = np.nan
    tau_: float = np.nan
    u_: pd.Series | None = None
    sd_: pd.Series | None = None  # posterior sd of u, widened by the Birge ratio
    birge_: pd.Series | None = None
    n_sources_: pd.Series | None = None

    def rows(self, measurements: pd.DataFrame, signals: pd.DataFrame) -> Rows:
        """Index the measurements by this model's states and lists."""
        return Rows(
            state=pd.Index(self.states_).get_indexer(measurements["state"]),
            group=pd.Index(self.lists_).get_indexer(measurements["list"]),
            x=design(measurements, signals[self.signals]),
            y=np.log(measurements["value"].to_numpy(dtype=float)),
            listed=measurements["listed"].to_numpy(dtype=bool),
            n_states=len(self.states_),
            n_groups=len(self.lists_),
        )

    def fit(self, measurements: pd.DataFrame, signals: pd.DataFrame) -> ReportingModel:
        """Maximise the Laplace-approximated marginal likelihood (plus the ridge prior)."""
        self.states_ = sorted(signals.index.get_level_values("state").unique())
        self.lists_ = sorted(measurements["list"].unique())
        rows = self.rows(measurements, signals)
        n_beta = len(self.signals)
        centre = prior_beta(self.signals)

        def unpack(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
            return p[:n_beta], p[n_beta : n_beta + rows.n_groups], float(np.exp(p[-2])), float(np.exp(p[-1]))

        last = [np.zeros(rows.n_states)]  # warm start of the inner Newton

        def loss(p: np.ndarray) -> float:
            beta, a, sigma, tau = unpack(p)
            last[0], joint, curvature = posterior_u(rows, a[rows.group] + rows.x @ beta, sigma, tau, last[0])
            evidence = joint.sum() - rows.n_states * np.log(tau) - 0.5 * np.log(curvature).sum()
            return -float(evidence) + 0.5 * self.ridge * float(np.sum((beta - centre) ** 2))

        listed = [(rows.group == g) & rows.listed for g in range(rows.n_groups)]
        start_a = [float(np.mean(rows.y[m] - rows.x[m] @ centre)) for m in listed]
        start = np.r_[centre, start_a, np.log(0.7), np.log(0.7)]
        found = optimize.minimize(loss, start, method="L-BFGS-B")
        beta, a, sigma, tau = unpack(found.x)
        u, _, curvature = posterior_u(rows, a[rows.group] + rows.x @ beta, sigma, tau)
        self.beta_, self.a_, self.sigma_, self.tau_ = beta, a, sigma, tau
        birge = birge_ratios(rows, a[rows.group] + rows.x @ beta + u[rows.state], sigma)
        self.u_ = pd.Series(u, index=self.states_)
        self.birge_ = pd.Series(birge, index=self.states_)
        self.sd_ = pd.Series(np.sqrt(1 / curvature) * np.maximum(1.0, birge), index=self.states_)
        listed = measurements[measurements["listed"]]
        self.n_sources_ = listed.groupby("state")["source"].nunique().reindex(self.states_, fill_value=0)
        return self

    def to_dict(self) -> dict[str, object]:
        """What prediction needs, JSON-ready (the lists' intercepts are documentation)."""
        return {
            "ridge": self.ridge,
            "signals": self.signals,
            "beta": dict(zip(self.signals, np.round(self.beta_, 6).tolist(), strict=True)),
            "sigma": round(self.sigma_, 6),
            "tau": round(self.tau_, 6),
            "lists": dict(zip(self.lists_, np.round(self.a_, 4).tolist(), strict=True)),
            "states": {
                s: {"u": round(float(self.u_[s]), 6), "sd": round(float(self.sd_[s]), 6),
                    "birge": round(float(self.birge_[s]), 4), "sources": int(self.n_sources_[s])}
                for s in self.states_
            },
        }  # fmt: skip

    @classmethod
    def from_dict(cls, saved: dict) -> ReportingModel:
        """The inverse of :meth:`to_dict` (the intercepts are kept for the card only)."""
        if not set(saved.get("signals", [])) <= set(CANDIDATES):
            msg = f"reporting model signals {saved.get('signals')} are unknown here; run `cargorisk train`"
            raise ModelFileError(msg)
        states = saved["states"]
        out = cls(ridge=float(saved["ridge"]), signals=list(saved["signals"]), states_=sorted(states),
                  lists_=sorted(saved["lists"]))  # fmt: skip
        out.beta_ = np.array([float(saved["beta"][s]) for s in out.signals])
        out.a_ = np.array([float(saved["lists"][n]) for n in out.lists_])
        out.sigma_, out.tau_ = float(saved["sigma"]), float(saved["tau"])
        for name, key in (("u_", "u"), ("sd_", "sd"), ("birge_", "birge"), ("n_sources_", "sources")):
            setattr(out, name, pd.Series({s: float(v[key]) for s, v in states.items()}).reindex(out.states_))
        return out

    def log_incidence(self, rows: pd.DataFrame) -> pd.Series:
        """``theta`` per state (index) from its signals ``rows`` (columns :data:`SIGNALS`)."""
        return pd.Series(rows[self.signals].to_numpy() @ self.beta_, index=rows.index) + self.u_.reindex(
            rows.index
        ).fillna(0.0)


def birge_ratios(rows: Rows, fitted: np.ndarray, sigma: float) -> np.ndarray:
    """Per state, the root mean squared standardised residual of its listed measurements
    (1 with fewer than two)."""
    listed = rows.listed
    z2 = ((rows.y - fitted) / sigma) ** 2
    n = np.bincount(rows.state[listed], minlength=rows.n_states)
    total = np.bincount(rows.state[listed], z2[listed], rows.n_states)
    return np.where(n >= 2, np.sqrt(total / np.maximum(n - 1, 1)), 1.0)


def incidence(
    model: ReportingModel,
    reported: pd.Series,
    signals: pd.DataFrame,
    year: int,
    adjacency: dict[str, list[str]],
    report_rate: float,
) -> pd.DataFrame:
    """The two named outputs per state for ``year``: ``reported`` (the forecast, given) and
    ``incidence`` with ``low`` / ``high`` (90%), the ``correction`` (incidence over reports /
    ``report_rate``), the implied ``reporting_rate`` (reports / incidence), ``sd_log`` and the
    number of sources that name the state.

    The national total of ``incidence`` is ``reported.sum() / report_rate``.
    """
    rows = signals_for_year(signals, year, reported, adjacency)
    theta = model.log_incidence(rows)
    share = np.exp(theta - theta.max()) / np.exp(theta - theta.max()).sum()
    total = float(reported.sum()) / report_rate
    sd = model.sd_.reindex(theta.index).fillna(float(model.tau_))
    out = pd.DataFrame({"reported": reported.reindex(theta.index), "incidence": share * total})
    out["low"] = out["incidence"] * np.exp(-Z90 * sd)
    out["high"] = out["incidence"] * np.exp(Z90 * sd)
    out["correction"] = out["incidence"] / (out["reported"] / report_rate)
    out["reporting_rate"] = out["reported"] / out["incidence"]
    out["sd_log"] = sd
    out["sources"] = model.n_sources_.reindex(theta.index).fillna(0).astype(int)
    return out.rename_axis("state")


# ---- evaluation ----


def concordance(score: pd.Series, held_out: pd.DataFrame) -> tuple[int, int]:
    """Pairs a held-out list orders (a listed state above a less-listed one, and above every
    state it leaves out) that ``score`` (per state) orders the same way: (correct, total),
    ties counting half (as halves rounded down)."""
    listed = held_out[held_out["listed"]].set_index("state")["value"]
    left_out = held_out.loc[~held_out["listed"], "state"]
    correct = total = 0.0
    for state, value in listed.items():
        below = [*listed[listed < value].index, *left_out]
        diff = score.reindex([state] * len(below)).to_numpy() - score.reindex(below).to_numpy()
        correct += float((diff > 0).sum() + 0.5 * (diff == 0).sum())
        total += len(below)
    return int(correct), int(total)


def baseline_scores(
    signals: pd.DataFrame, years: tuple[int, ...], adjacency: dict[str, list[str]]
) -> dict[str, pd.Series]:
    """The baselines' state scores over ``years``: SESNSP reports alone, and the neighbour floor
    (reports per truck-km raised to half the neighbours' median, times the truck-km)."""
    rows = pd.concat([signals.xs(y, level="year") for y in years]).groupby(level=0).mean()
    reported = np.expm1(rows["log_reported"])
    per_km = reported / np.exp(rows["log_truck_km"])
    near = {s: per_km.reindex(adjacency.get(s, [])).dropna() for s in rows.index}
    floor = pd.Series({s: 0.5 * float(np.median(v)) if len(v) else 0.0 for s, v in near.items()})
    return {
        "SESNSP reports": rows["log_reported"],
        "neighbour floor": np.log(np.maximum(per_km, floor) * np.exp(rows["log_truck_km"]) + 1e-9),
    }


def leave_one_list_out(
    measurements: pd.DataFrame,
    signals: pd.DataFrame,
    adjacency: dict[str, list[str]],
    variants: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Each list held out in turn: the share of its pairs ordered right by the model refitted
    without it (``variants``: name -> signals, default the model's) and by the baselines
    (:func:`baseline_scores`). One row per list and predictor, and a total per predictor."""
    variants = variants or {"model": list(SIGNALS)}
    rows = []
    for name, held_out in measurements.groupby("list"):
        rest = measurements[measurements["list"] != name]
        years = held_out["years"].iloc[0]
        own = pd.concat([signals.xs(y, level="year") for y in years]).groupby(level=0).mean()
        scores = {label: ReportingModel(signals=chosen).fit(rest, signals).log_incidence(own)
                  for label, chosen in variants.items()}  # fmt: skip
        scores |= baseline_scores(signals, years, adjacency)
        for predictor, score in scores.items():
            correct, total = concordance(score, held_out)
            rows.append({"list": name, "predictor": predictor, "correct": correct, "pairs": total})
    table = pd.DataFrame(rows)
    overall = table.groupby("predictor")[["correct", "pairs"]].sum().reset_index().assign(list="all lists")
    table = pd.concat([table, overall], ignore_index=True)
    table["concordance"] = table["correct"] / table["pairs"]
    return table


# ---- saving and loading ----


def save_reporting(
    models_dir: Path,
    model: ReportingModel,
    signals: pd.DataFrame,
    adjacency: dict[str, list[str]],
    card: dict,
) -> Path:
    """Write the model, the signals it predicts from, the state adjacency and its card to
    ``models/theft_reporting.json`` (atomically)."""
    table = signals.reset_index()
    saved = {
        **card,
        "model": model.to_dict(),
        "signals_table": {"columns": list(table.columns), "rows": table.round(6).to_numpy().tolist()},
        "adjacency": adjacency,
    }
    path = models_dir / REPORTING_FILE
    write_bytes_atomic(path, (json.dumps(saved, indent=1, default=str) + "\n").encode())
    return path


@dataclass(frozen=True)
class SavedReporting:
    """A loaded reporting model with its signals, adjacency and card."""

    model: ReportingModel
    signals: pd.DataFrame
    adjacency: dict[str, list[str]]
    card: dict


def load_reporting(models_dir: Path) -> SavedReporting | None:
    """The saved reporting model, or ``None`` when ``cargorisk train`` did not write one."""
    saved = read_model_json(models_dir / REPORTING_FILE, ReportingFile)
    if saved is None:
        return None
    table = saved["signals_table"]
    try:
        signals = pd.DataFrame(table["rows"], columns=table["columns"])
        signals = signals.astype({"year": int}).set_index(["state", "year"])[CANDIDATES].astype(float)
    except (KeyError, TypeError, ValueError):
        msg = f"reporting model {models_dir / REPORTING_FILE}: damaged signals table; run `cargorisk train`"
        raise ModelFileError(msg) from None
    return SavedReporting(ReportingModel.from_dict(saved["model"]), signals, saved["adjacency"], saved)


def state_table(chain: pd.DataFrame, table: pd.DataFrame | None) -> pd.DataFrame:
    """What ``cargorisk risk states`` shows, per state: ``cve_ent``, ``state``, ``predicted``
    (reported forecast), ``observed`` (where known), ``incidence`` with ``low`` / ``high``,
    ``correction``, ``sources`` and the routing ``rate``, highest rate first. Without a
    reporting model the incidence is the reports over the national rate, without interval."""
    predicted = chain.attrs["predicted"]
    out = predicted.join(chain[["thefts", "correction", "rate"]], on="state").rename(
        columns={"thefts": "incidence"}
    )
    if table is not None:
        out = out.join(table[["low", "high", "sources"]], on="state")
    else:
        out = out.assign(low=out["incidence"], high=out["incidence"], sources=0)
    return out.sort_values("rate", ascending=False).reset_index(drop=True)
