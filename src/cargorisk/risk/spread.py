"""Spread a state's theft risk over its municipalities and road stretches, from SESNSP's
municipal carrier-robbery counts (``sesnsp_municipal_year``).

Two fitted steps, no multiplier set by hand:

1. **Stretch model** (a disaggregation regression). A Mexican road edge ``e`` carries
   ``km_e * exp(x_e . beta)`` expected robberies up to its state's level, where ``x_e`` are
   the edge's features (:data:`STRETCH_FEATURES`: toll or free, road kind, junctions within
   10 km, distance to the nearest metro area, modelled truck traffic). A municipality's
   expected count is the sum over
   its edges, and within a state-year the municipal counts are multinomial with those
   expectations as weights, so ``beta`` is fitted by maximum likelihood on the municipal counts
   (with a small ridge penalty) and says nothing about a state's total. Robberies are counted
   where they are reported, per municipality; the model assumes a feature acts alike within and
   across municipalities (the ecological assumption of every disaggregation model).
2. **Municipal signal** (empirical Bayes). Each municipality's observed count ``Y`` against
   the stretch model's expectation ``E`` gives a relative risk ``theta ~ Gamma(alpha,
   alpha / mu)``, with ``alpha`` fitted by the negative-binomial marginal likelihood and ``mu``
   1 or the pooled ratio of the neighbouring municipalities; the posterior mean ``(alpha + Y) /
   (alpha / mu + E)`` is never zero, so a municipality that reported nothing still carries the
   risk its roads and neighbours imply. Whether the neighbour prior and a weighting of recent
   years help is decided on a validation year (:func:`select_variant`).

A municipality's share of its state's risk is ``S_m theta_m / sum(S theta)`` (``S_m``: its
stretch-model weight); an edge's share is its part of ``S_m``. The result per edge is a
relative rate: the edge's share of the state's robberies over its share of the state's truck
traffic, so the state's total is kept (:func:`stretch_multipliers`).

3. **Credibility of a stretch's rate** (empirical Bayes again). A rate per truck-km is a count
   over an exposure, and a stretch with little modelled truck traffic (a city street at the
   traffic model's floor, a 300 m piece of a road in a municipality the graph barely enters)
   carries almost no evidence for a rate far from its state's: its share of robberies over a
   tiny share of truck-km would otherwise give rates hundreds of times the state's. Each
   stretch (one road, ``ref``, within one municipality) has ``E``, the robberies it would have
   had at its state's rate over the fitted years (the state's count times the stretch's share
   of the state's truck-km); its rate is credited with weight ``Z = E / (E + alpha)`` and the
   rate of its municipality fills the rest (the gamma-Poisson posterior mean with the prior
   shape ``alpha`` fitted in step 2); a municipality's own rate is credited the same way
   against its state's. Then the state's exposure-weighted mean is put back to 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import optimize, special
from scipy.spatial import cKDTree

from cargorisk._io import write_bytes_atomic
from cargorisk.errors import InputError, ModelFileError
from cargorisk.risk.card import SpreadFile, read_model_json
from cargorisk.sources.sesnsp import latest_population

SPREAD_FILE = "theft_spread.json"
STRETCH_FEATURES = ["free_road", "trunk", "minor_road", "log_junctions_10km", "log_metro_km", "log_trucks"]
STRETCH_DOC = {
    "free_road": "free road (libre) rather than a toll road (cuota)",
    "trunk": "a numbered federal highway that is not an expressway (class trunk)",
    "minor_road": "a secondary or tertiary road (state or local systems)",
    "log_junctions_10km": "log(1 + junctions within 10 km): how built-up and connected the area is",
    "log_metro_km": "log(1 + km to the nearest metro area: a municipality of 500,000 people or more)",
    "log_trucks": "log of the modelled trucks a day on the road (cargorisk.risk.traffic)",
}
METRO_POPULATION = 500_000  # a municipality this large is a metro area's core
JUNCTION_RADIUS_M = 10_000.0
RIDGE = 1.0  # on beta (features are on unit scales); stabilises a rarely used class
METRIC = Transformer.from_crs("EPSG:4326", "EPSG:6372", always_xy=True)  # Mexico ITRF2008 LCC


# ---- features ----


def metro_points(municipal: pd.DataFrame, centroids: pd.DataFrame) -> np.ndarray:
    """Metric coordinates (EPSG:6372, m) of the metro cores: municipalities whose latest
    population is at least :data:`METRO_POPULATION` (``municipal``: ``sesnsp_municipal_year``;
    ``centroids``: ``mx_municipalities`` with ``cvegeo``, ``lon``, ``lat``)."""
    latest = latest_population(municipal)
    cores = centroids[centroids["cvegeo"].isin(latest[latest >= METRO_POPULATION].index)]
    if cores.empty:
        msg = "no municipal population in the municipal table; build sesnsp_municipal_datacivica"
        raise InputError(msg)
    return np.column_stack(METRIC.transform(cores["lon"].to_numpy(), cores["lat"].to_numpy()))


def mexican_edges(graph: nx.MultiDiGraph) -> pd.DataFrame:
    """Every Mexican road edge (``country == "MX"``): ``u, v, key, state, cvegeo, km`` (half
    the length: both directions of a road share it), ``toll``, ``highway``, ``ref`` and the
    metric midpoint ``mx, my``."""
    rows = [
        (u, v, k, d.get("state", ""), d.get("cvegeo", ""), d["length"] / 2000, bool(d.get("toll")),
         d.get("highway", ""), str(d.get("ref", "")), *edge_midpoint(graph, u, v, d))
        for u, v, k, d in graph.edges(keys=True, data=True)
        if d.get("country") == "MX"
    ]  # fmt: skip
    cols = ["u", "v", "key", "state", "cvegeo", "km", "toll", "highway", "ref", "lon", "lat"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["mx"], frame["my"] = METRIC.transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return frame.drop(columns=["lon", "lat"])


def edge_midpoint(graph: nx.MultiDiGraph, u: object, v: object, data: dict) -> tuple[float, float]:
    """Lon, lat of the middle of an edge (its geometry's, else the nodes' mean)."""
    line = data.get("geometry")
    if line is not None:
        mid = line.interpolate(0.5, normalized=True)
        return float(mid.x), float(mid.y)
    a, b = graph.nodes[u], graph.nodes[v]
    return (a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2


def junction_points(graph: nx.MultiDiGraph) -> np.ndarray:
    """Metric coordinates of the Mexican junctions: nodes joined to three or more others."""
    pts = [
        (d["x"], d["y"])
        for n, d in graph.nodes(data=True)
        if d.get("country") == "MX" and len(set(graph.predecessors(n)) | set(graph.successors(n))) >= 3
    ]
    lon, lat = np.array(pts, dtype=float).reshape(-1, 2).T
    return np.column_stack(METRIC.transform(lon, lat))


def stretch_features(graph: nx.MultiDiGraph, metros: np.ndarray, traffic: pd.Series) -> pd.DataFrame:
    """:func:`mexican_edges` with the columns of :data:`STRETCH_FEATURES` and ``trucks`` (a
    year, both directions: ``traffic`` by ``(u, v, key)``, :func:`~cargorisk.risk.traffic.edge_traffic`)."""
    edges = mexican_edges(graph)
    keys = pd.MultiIndex.from_frame(edges[["u", "v", "key"]])
    trucks = traffic.reindex(keys).to_numpy(dtype=float)
    mid = edges[["mx", "my"]].to_numpy()
    junctions = junction_points(graph)
    counts = (
        np.array([len(n) for n in cKDTree(junctions).query_ball_point(mid, JUNCTION_RADIUS_M)])
        if len(junctions)
        else np.zeros(len(edges))
    )
    metro_m, _ = cKDTree(metros).query(mid)
    return edges.assign(
        free_road=(~edges["toll"]).astype(float),
        trunk=(edges["highway"] == "trunk").astype(float),
        minor_road=edges["highway"].isin(["secondary", "tertiary"]).astype(float),
        log_junctions_10km=np.log1p(counts),
        log_metro_km=np.log1p(metro_m / 1000),
        trucks=trucks,
        log_trucks=np.log(np.maximum(trucks, 1.0) / 365),
    )


# ---- the stretch model (disaggregation regression) ----


@dataclass(frozen=True)
class MunicipalData:
    """Edges and counts lined up for fitting: municipality index per edge, the state of each
    municipality, and the (year-weighted) municipal counts ``Y``."""

    edges: pd.DataFrame
    municipalities: pd.Index  # cvegeo with road edges
    mun_of_edge: np.ndarray
    state_of_mun: np.ndarray  # state code per municipality (0..n_states-1)
    counts: np.ndarray  # Y per municipality

    @classmethod
    def build(cls, edges: pd.DataFrame, counts: pd.Series) -> MunicipalData:
        """``counts``: robberies per ``cvegeo`` (municipalities absent from it count 0)."""
        codes, muns = pd.factorize(edges["cvegeo"])
        states = pd.factorize(pd.Index(muns).str[:2])[0]
        y = counts.reindex(muns).fillna(0.0).to_numpy(dtype=float)
        return cls(edges, pd.Index(muns), codes, states, y)

    def weights(self, beta: np.ndarray) -> np.ndarray:
        """``S_m = sum over the municipality's edges of km exp(x . beta)``."""
        x = self.edges[STRETCH_FEATURES].to_numpy(dtype=float)
        return np.bincount(
            self.mun_of_edge, self.edges["km"].to_numpy() * np.exp(x @ beta), len(self.municipalities)
        )

    def state_sum(self, values: np.ndarray) -> np.ndarray:
        """Per municipality, the sum of ``values`` over its state's municipalities."""
        return np.bincount(self.state_of_mun, values)[self.state_of_mun]

    def expected(self, beta: np.ndarray) -> np.ndarray:
        """``E_m``: the state's robberies shared out by the stretch-model weights."""
        s = self.weights(beta)
        return self.state_sum(self.counts) * s / self.state_sum(s)


def fit_beta(data: MunicipalData, ridge: float = RIDGE) -> np.ndarray:
    """Maximum-likelihood ``beta`` of the within-state multinomial (ridge ``ridge / 2 |beta|^2``)."""
    x = data.edges[STRETCH_FEATURES].to_numpy(dtype=float)
    km = data.edges["km"].to_numpy()
    n_state = np.bincount(data.state_of_mun, data.counts)
    n_mun = len(data.municipalities)

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        w = km * np.exp(x @ beta)
        s = np.bincount(data.mun_of_edge, w, n_mun)
        s_state = np.bincount(data.state_of_mun, s)
        # gradient: sum_m Y_m xbar_m - sum_s N_s xbar_s (xbar: w-weighted feature means)
        wx = w[:, None] * x
        mun_x = np.stack([np.bincount(data.mun_of_edge, wx[:, j], n_mun) for j in range(x.shape[1])], axis=1)
        state_x = np.stack([np.bincount(data.state_of_mun, mun_x[:, j]) for j in range(x.shape[1])], axis=1)
        keep = s > 0
        ll = float(data.counts[keep] @ np.log(s[keep])) - float(n_state @ np.log(np.maximum(s_state, 1e-300)))
        grad = (data.counts[keep, None] * mun_x[keep] / s[keep, None]).sum(0) - (
            n_state[:, None] * state_x / np.maximum(s_state, 1e-300)[:, None]
        ).sum(0)
        return -ll + ridge / 2 * float(beta @ beta), -grad + ridge * beta

    found = optimize.minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B")
    return np.asarray(found.x)


# ---- the municipal signal (empirical Bayes) ----


def neighbour_prior(y: np.ndarray, e: np.ndarray, alpha: float, adjacency: list[np.ndarray]) -> np.ndarray:
    """Prior mean relative risk of each municipality from its neighbours' pooled counts:
    ``(alpha + sum Y_n) / (alpha + sum E_n)`` (1 without neighbours)."""
    sum_y = np.array([y[n].sum() for n in adjacency])
    sum_e = np.array([e[n].sum() for n in adjacency])
    return (alpha + sum_y) / (alpha + sum_e)


def nb_loglik(y: np.ndarray, mean: np.ndarray, alpha: float) -> float:
    """Negative-binomial log likelihood (shape ``alpha``) of counts ``y`` around ``mean``."""
    mean = np.maximum(mean, 1e-12)
    return float(
        (special.gammaln(y + alpha) - special.gammaln(alpha) - special.gammaln(y + 1)
         + alpha * np.log(alpha / (alpha + mean)) + y * np.log(mean / (alpha + mean))).sum()
    )  # fmt: skip


def fit_alpha(y: np.ndarray, e: np.ndarray, adjacency: list[np.ndarray] | None) -> float:
    """``alpha`` of the gamma prior by maximum marginal likelihood (neighbour prior when
    ``adjacency`` is given)."""

    def loss(log_alpha: float) -> float:
        alpha = float(np.exp(log_alpha))
        mu = neighbour_prior(y, e, alpha, adjacency) if adjacency is not None else 1.0
        return -nb_loglik(y, mu * e, alpha)

    return float(np.exp(optimize.minimize_scalar(loss, bounds=(-6.0, 6.0), method="bounded").x))


# ---- the estimator ----


@dataclass
class MunicipalSpread:
    """The two-step spread of the module docstring.

    Parameters
    ----------
    neighbours
        Centre each municipality's prior on its neighbours' pooled ratio (else on 1).
    decay
        Weight of a year ``t`` years before the last: ``decay ** t`` (1: all years alike).
    ridge
        Ridge penalty on ``beta``.
    """

    neighbours: bool = False
    decay: float = 1.0
    ridge: float = RIDGE
    beta_: np.ndarray | None = field(default=None, repr=False)
    alpha_: float = np.nan
    theta_: pd.Series | None = field(default=None, repr=False)  # relative risk by cvegeo
    years_: tuple[int, int] = (0, 0)
    state_counts_: pd.Series | None = field(default=None, repr=False)  # weighted robberies by state code

    def fit(
        self, edges: pd.DataFrame, municipal: pd.DataFrame, adjacency: dict[str, list[str]] | None = None
    ) -> MunicipalSpread:
        """Fit on ``edges`` (:func:`stretch_features`) and ``municipal`` (rows of
        ``sesnsp_municipal_year`` of the training years); ``adjacency`` maps a cvegeo to its
        neighbours (needed when ``neighbours``)."""
        last = int(municipal["year"].max())
        weight = self.decay ** (last - municipal["year"])
        counts = (municipal["incidents"] * weight).groupby(municipal["cvegeo"]).sum()
        data = MunicipalData.build(edges, counts)
        beta = fit_beta(data, self.ridge)
        e, y = data.expected(beta), data.counts
        index = index_adjacency(data.municipalities, adjacency) if self.neighbours else None
        if self.neighbours and adjacency is None:
            msg = "MunicipalSpread(neighbours=True) needs the municipal adjacency"
            raise InputError(msg)
        alpha = fit_alpha(y, e, index)
        mu = neighbour_prior(y, e, alpha, index) if index is not None else np.ones_like(y)
        self.beta_, self.alpha_ = beta, alpha
        self.theta_ = pd.Series((alpha + y) / (alpha / mu + e), index=data.municipalities)
        self.years_ = (int(municipal["year"].min()), last)
        self.state_counts_ = counts.groupby(counts.index.astype(str).str[:2]).sum()
        return self

    def edge_shares(self, edges: pd.DataFrame) -> pd.DataFrame:
        """Each edge's share of its state's robberies (``edge_share``), its municipality's
        share (``mun_share``) and the relative risk applied (``theta``), for ``edges`` of any
        graph (:func:`stretch_features`); a municipality the fit did not see has theta 1."""
        if self.beta_ is None or self.theta_ is None:
            msg = "MunicipalSpread is not fitted"
            raise ModelFileError(msg)
        x = edges[STRETCH_FEATURES].to_numpy(dtype=float)
        weight = edges["km"].to_numpy() * np.exp(x @ self.beta_)
        theta = edges["cvegeo"].map(self.theta_).fillna(1.0).to_numpy()
        risk = weight * theta
        state_total = pd.Series(risk).groupby(edges["state"].to_numpy()).transform("sum").to_numpy()
        mun_total = pd.Series(risk).groupby(edges["cvegeo"].to_numpy()).transform("sum").to_numpy()
        return pd.DataFrame(
            {"edge_share": risk / state_total, "mun_share": mun_total / state_total, "theta": theta},
            index=edges.index,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready parameters (saved in :data:`SPREAD_FILE`)."""
        return {
            "neighbours": self.neighbours,
            "decay": self.decay,
            "ridge": self.ridge,
            "features": STRETCH_FEATURES,
            "beta": dict(zip(STRETCH_FEATURES, np.round(self.beta_, 6).tolist(), strict=True)),
            "alpha": round(float(self.alpha_), 6),
            "years": list(self.years_),
            "theta": {k: round(float(v), 6) for k, v in self.theta_.items()},
            "state_counts": {k: round(float(v), 3) for k, v in self.state_counts_.items()},
        }

    @classmethod
    def from_dict(cls, saved: dict) -> MunicipalSpread:
        """The inverse of :meth:`to_dict`."""
        if saved.get("features") != STRETCH_FEATURES or "state_counts" not in saved:
            msg = (
                f"spread model features {saved.get('features')} are not this version's; run `cargorisk train`"
            )
            raise ModelFileError(msg)
        out = cls(
            neighbours=bool(saved["neighbours"]), decay=float(saved["decay"]), ridge=float(saved["ridge"])
        )
        out.beta_ = np.array([float(saved["beta"][f]) for f in STRETCH_FEATURES])
        out.alpha_ = float(saved["alpha"])
        out.theta_ = pd.Series({str(k): float(v) for k, v in saved["theta"].items()}, dtype=float)
        out.years_ = tuple(int(y) for y in saved["years"])  # type: ignore[assignment]
        out.state_counts_ = pd.Series(
            {str(k): float(v) for k, v in saved["state_counts"].items()}, dtype=float
        )
        return out


def index_adjacency(municipalities: pd.Index, adjacency: dict[str, list[str]] | None) -> list[np.ndarray]:
    """Neighbours of each municipality as positions in ``municipalities`` (those with roads)."""
    position = {m: i for i, m in enumerate(municipalities)}
    return [
        np.array([position[n] for n in (adjacency or {}).get(m, []) if n in position], dtype=np.int64)
        for m in municipalities
    ]


def municipal_adjacency(municipalities: pd.DataFrame) -> dict[str, list[str]]:
    """Municipalities whose polygons touch or lie within 1 km (``mx_municipalities``)."""
    import geopandas as gpd  # noqa: PLC0415  (only when fitting)

    metric = municipalities[["cvegeo", "geometry"]].to_crs("EPSG:6372")
    grown = metric.assign(geometry=metric.buffer(1000))
    pairs = gpd.sjoin(grown, metric, predicate="intersects")
    pairs = pairs[pairs["cvegeo_left"] != pairs["cvegeo_right"]]
    return {m: sorted(g["cvegeo_right"]) for m, g in pairs.groupby("cvegeo_left")}


# ---- edge multipliers ----


def stretch_multipliers(
    shares: pd.DataFrame, edges: pd.DataFrame, exposure: np.ndarray, model: MunicipalSpread
) -> np.ndarray:
    """Relative theft rate per truck-km of each edge within its state (step 3 of the module
    docstring): its share of the state's robberies (``shares["edge_share"]``) over its share of
    the state's truck-km (``exposure`` per edge), credited by the evidence of its stretch (one
    ``ref`` within one municipality: every edge of a stretch gets the stretch's rate) and filled
    with its municipality's rate, itself credited against the state's. Exposure-weighted, the
    multipliers of a state average 1."""
    if model.state_counts_ is None:
        msg = "MunicipalSpread is not fitted"
        raise ModelFileError(msg)
    state = edges["state"].to_numpy()
    state_share = exposure / np.maximum(
        pd.Series(exposure).groupby(state).transform("sum").to_numpy(), 1e-300
    )
    raw = shares["edge_share"].to_numpy() / np.maximum(state_share, 1e-300)
    count = edges["cvegeo"].astype(str).str[:2].map(model.state_counts_).fillna(0.0).to_numpy()
    municipality = edges["cvegeo"].to_numpy()
    mun_rate = credited(raw, count * state_share, [municipality], 1.0, model.alpha_)
    rate = credited(raw, count * state_share, [municipality, edges["ref"].to_numpy()], mun_rate, model.alpha_)
    mean = pd.Series(rate * exposure).groupby(state).transform("sum") / pd.Series(exposure).groupby(
        state
    ).transform("sum")
    return rate / np.maximum(mean.to_numpy(), 1e-300)


def credited(
    raw: np.ndarray, expected: np.ndarray, groups: list[np.ndarray], prior: np.ndarray | float, alpha: float
) -> np.ndarray:
    """Per edge, the rate ratio of its group (``groups``: keys per edge) credited with weight
    ``E / (E + alpha)`` (``E``: the group's expected robberies at the state's rate) and
    ``prior`` filling the rest; the group's raw ratio is its robberies over its ``E``."""
    expected_g = pd.Series(expected).groupby(groups).transform("sum").to_numpy()
    observed_g = pd.Series(raw * expected).groupby(groups).transform("sum").to_numpy()
    credit = expected_g / (expected_g + alpha)
    return credit * observed_g / np.maximum(expected_g, 1e-300) + (1 - credit) * prior


# ---- saving and loading ----


@dataclass(frozen=True)
class SavedSpread:
    """A loaded spread with the metro cores it measures distance to, and its card."""

    model: MunicipalSpread
    metros: np.ndarray
    card: dict


def save_spread(models_dir: Path, model: MunicipalSpread, metros: np.ndarray, card: dict) -> Path:
    """Write the fitted spread, the metro cores and the card (atomically) to
    ``models/theft_spread.json``."""
    saved = {**card, "model": model.to_dict(), "metros_m": np.round(metros, 1).tolist()}
    path = models_dir / SPREAD_FILE
    write_bytes_atomic(path, (json.dumps(saved, indent=1) + "\n").encode())
    return path


def load_spread(models_dir: Path) -> SavedSpread | None:
    """The saved spread, or ``None`` when ``cargorisk train`` did not write one."""
    saved = read_model_json(models_dir / SPREAD_FILE, SpreadFile)
    if saved is None:
        return None
    metros = np.array(saved["metros_m"], dtype=float).reshape(-1, 2)
    return SavedSpread(MunicipalSpread.from_dict(saved["model"]), metros, saved)


def describe(model: MunicipalSpread) -> dict[str, object]:
    """The fitted parameters for the card: beta as rate ratios per feature unit, alpha."""
    return {
        "rate_ratio": {
            f: round(float(np.exp(b)), 4) for f, b in zip(STRETCH_FEATURES, model.beta_, strict=True)
        },
        "feature_doc": STRETCH_DOC,
        "alpha": round(float(model.alpha_), 4),
        "neighbours": model.neighbours,
        "decay": model.decay,
        "ridge": model.ridge,
        "years": list(model.years_),
    }
