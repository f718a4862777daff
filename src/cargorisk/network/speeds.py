"""Speed per edge from what the data shows about the road, fitted to cited published driving times.

The model works in pace (seconds per km), which adds up along a route:

    car pace(e) = base[class(e)]
                  + b_curvature x turning angle per km      (degrees of heading change at shaping points)
                  + b_shaping   x hidden shaping points per km
                  + b_junctions x visible waypoints per km  (junctions, town accesses)
                  + b_density   x km of road within 5 km    (urban areas: many roads close by)

    truck pace(e) = max(ratio x car pace(e), 3600 / legal truck limit(e))

so a route's car time, sum of length x pace, is linear in the coefficients: the fit is a
bounded, ridge-regularised least squares on relative error over routes whose driving time was
published (:mod:`cargorisk.network.speed_fit`). Bases are per road class (toll or free, route
system, country), pulled toward the prior car speeds of :data:`SPEED_CLASSES`; the covariate
coefficients are non-negative (a curvier or busier road is never faster) and pulled toward zero.
Curvature, shaping points and junctions are measured over :data:`WINDOW_KM` either side of the
edge along its route, so a two-point edge in a mountain stretch is as slow as its neighbours.

The covariates come from the waypoint geometry alone: Travel Mapping places hidden shaping
points where the road bends away from the straight line, and visible waypoints at every
junction and town access. A four-lane libre across the plain (MEX-57 north of Queretaro: about
4 degrees of turning per km) and a mountain two-lane road (MEX-105 in the Huasteca: about 29)
differ there, without naming either.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Geod, Transformer
from scipy.spatial import cKDTree

from cargorisk._io import write_bytes_atomic
from cargorisk.errors import ModelFileError

GEOD = Geod(ellps="WGS84")
WGS84 = "EPSG:4326"
METRIC_CRS = {"MX": "EPSG:6372", "US": "EPSG:5070"}
WINDOW_KM = 5.0  # covariates are measured this far either side of an edge, along its route
DENSITY_RADIUS_KM = 5.0
MIN_KPH, MAX_KPH = 10.0, 130.0  # bounds on a fitted car speed
MODEL_FILE = "speed_model.json"
TABLE_FILE = "driving_times.csv"  # the published driving times it is fitted to (speed_fit)
MODEL_FORMAT = 1
COVARIATES = ("curvature_deg_km", "shaping_per_km", "junctions_per_km", "road_density_km")
# Road classes and the prior car speed (km/h) each base is pulled toward: the usual posted car
# limit (110 km/h on Mexican autopistas, e.g. travelwithkevinandruth.com 2013-03-09 on MEX-135D;
# 70 mph on rural Interstates of the border states, 60-65 mph on US highways, 55 mph on state
# two-lane roads, IIHS via truckercountry.com 2025), lowered for free Mexican roads through
# towns. Priors only regularise: the fitted bases are in the model file.
SPEED_CLASSES = {
    "mx_cuota": 110.0,  # Mexican toll roads (D routes, urban toll decks)
    "mx_federal": 85.0,  # free federal roads (libres) and free sections of D routes
    "mx_state": 75.0,  # state roads (Estado de Mexico, Queretaro) and free state expressways
    "mx_city": 50.0,  # urban freeways, boulevards, Mexico City ejes, Monterrey rutas
    "us_interstate": 113.0,
    "us_highway": 100.0,  # US numbered highways, business routes
    "us_state": 90.0,  # Texas, Arizona, California, New Mexico state highways, loops, spurs
}
# Class tiers, fastest first: a class's base is never faster than the one before it, as Travel
# Mapping ranks the systems (Interstates tier 1, US highways 2, state highways 4; Mexican
# expressways 1, federal roads 2, state and city roads 3-5), so a state road cannot beat an
# Interstate on an equal stretch by the luck of a thin fit. The first class of each tier list is
# bounded by the car limit (Mexico: 110 km/h on federal highways, signed on autopistas; US: 75
# mph on the rural Interstates of Texas, Arizona and New Mexico, IIHS via truckercountry.com 2025).
CLASS_TIERS = (("mx_cuota", "mx_federal", "mx_state", "mx_city"), ("us_interstate", "us_highway", "us_state"))
CAR_LIMIT_KPH = {"mx_cuota": 110.0, "us_interstate": 121.0}
# Classes with junctions at grade: only there do junctions and town accesses slow traffic
# (autopistas and Interstates pass them on interchanges, where Travel Mapping puts a waypoint at
# every exit).
AT_GRADE = ("mx_federal", "mx_state", "mx_city", "us_highway", "us_state")
CITY_SYSTEMS = ("mexsf", "mexdfeje", "mexnlm")
# Speeds (km/h) by class, country and toll before this model: kept as the baseline the fit is
# evaluated against (Mexico's federal 80 km/h truck limit less grades and plazas; libres 2/3 of
# the cuota, after the Monterrey-Nuevo Laredo time signs; FHWA Freight Facts and Figures 2010,
# table 3-8: 55-59 mph average truck speed on Interstates).
CLASS_SPEED_KPH = {
    ("MX", "motorway", True): 75.0,
    ("MX", "motorway", False): 60.0,
    ("MX", "trunk", True): 70.0,
    ("MX", "trunk", False): 50.0,
    ("MX", "primary", True): 70.0,
    ("MX", "primary", False): 45.0,
    ("MX", "secondary", False): 40.0,
    ("MX", "secondary", True): 60.0,
    ("MX", "tertiary", False): 30.0,
    ("MX", "tertiary", True): 50.0,
    ("US", "motorway", False): 90.0,
    ("US", "motorway", True): 90.0,
    ("US", "trunk", False): 75.0,
    ("US", "trunk", True): 75.0,
}


def speed_class(country: str, system: str, tier: int, toll: bool) -> str:
    """The road class of a piece of route: toll or free, route system, country."""
    if country == "US":
        if system == "usai":
            return "us_interstate"
        return "us_state" if tier >= 4 else "us_highway"
    if toll:
        return "mx_cuota"
    if system in CITY_SYSTEMS:
        return "mx_city"
    return "mx_state" if tier >= 3 else "mx_federal"


def point_geometry(points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Distance along its route (m) and turning angle (degrees) at every waypoint of ``points``
    (sorted by route and sequence); routes are spaced 1e9 m apart, so a window of one route
    never reaches another."""
    lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    root = points["root"].to_numpy()
    same = root[1:] == root[:-1]
    azimuth, _, step = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    step = np.where(same, step, 1e9)
    along = np.r_[0.0, np.cumsum(step)]
    turn = np.zeros(len(points))
    change = np.abs((azimuth[1:] - azimuth[:-1] + 180.0) % 360.0 - 180.0)
    turn[1:-1] = np.where(same[:-1] & same[1:], change, 0.0)
    return along, turn


def window_covariates(points: pd.DataFrame, start: np.ndarray, stop: np.ndarray) -> pd.DataFrame:
    """Curvature, shaping points and junctions per km over each piece of route from waypoint
    position ``start`` to ``stop``, widened by :data:`WINDOW_KM` each way along its route.

    Curvature counts the turning at hidden shaping points only: visible waypoints sit at
    junctions, where a route often jogs through an interchange or a town square on a straight
    road (on MEX-45 north of Chihuahua, 1.9 of its 3.4 degrees per km), which
    ``junctions_per_km`` already carries."""
    along, turn = point_geometry(points)
    hidden = points["hidden"].to_numpy().astype(float)
    sums = {
        "curvature_deg_km": np.r_[0.0, np.cumsum(turn * hidden)],
        "shaping_per_km": np.r_[0.0, np.cumsum(hidden)],
        "junctions_per_km": np.r_[0.0, np.cumsum(1.0 - hidden)],
    }
    reach = WINDOW_KM * 1000.0
    lo = np.searchsorted(along, along[start] - reach, side="left")
    hi = np.searchsorted(along, along[stop] + reach, side="right")
    km = np.maximum((along[hi - 1] - along[lo]) / 1000.0, 0.1)
    return pd.DataFrame({name: (cum[hi] - cum[lo]) / km for name, cum in sums.items()})


def road_density(points: pd.DataFrame, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Km of road (every route of ``points``) within :data:`DENSITY_RADIUS_KM` of the middle
    waypoint of each piece, in the country's metric projection: a proxy for urban areas."""
    root = points["root"].to_numpy()
    country = points["country"].to_numpy()
    x, y = np.zeros(len(points)), np.zeros(len(points))
    for code, crs in METRIC_CRS.items():
        here = country == code
        x[here], y[here] = Transformer.from_crs(WGS84, crs, always_xy=True).transform(
            points["lon"].to_numpy()[here], points["lat"].to_numpy()[here]
        )
    inside = root[1:] == root[:-1]
    piece_xy = np.column_stack([(x[1:] + x[:-1]) / 2, (y[1:] + y[:-1]) / 2])[inside]
    piece_km = np.hypot(x[1:] - x[:-1], y[1:] - y[:-1])[inside] / 1000.0
    piece_country = country[1:][inside]
    middle = (start + stop) // 2
    density = np.zeros(len(start))
    for code in METRIC_CRS:
        pieces, queries = piece_country == code, np.flatnonzero(country[middle] == code)
        if not pieces.any() or len(queries) == 0:
            continue
        tree = cKDTree(piece_xy[pieces])
        near = cKDTree(np.column_stack([x[middle[queries]], y[middle[queries]]]))
        pairs = near.sparse_distance_matrix(tree, DENSITY_RADIUS_KM * 1000.0, output_type="coo_matrix")
        weights = piece_km[pieces][pairs.col]
        density[queries] = np.bincount(pairs.row, weights=weights, minlength=len(queries))
    return density


def edge_covariates(points: pd.DataFrame, start: np.ndarray, stop: np.ndarray) -> pd.DataFrame:
    """Every covariate of :data:`COVARIATES` for the pieces ``start``..``stop`` of ``points``."""
    frame = window_covariates(points, start, stop)
    frame["road_density_km"] = road_density(points, start, stop)
    return frame[list(COVARIATES)]


def design(classes: pd.Series, covariates: pd.DataFrame) -> np.ndarray:
    """Per edge, the model's regressors: an indicator of each class of :data:`SPEED_CLASSES`,
    then the covariates of :data:`COVARIATES` (junctions only on :data:`AT_GRADE` classes).
    Edges of no class (ports, crossings) get a row of zeros."""
    classes = pd.Series(classes).reset_index(drop=True)
    columns = [(classes == name).to_numpy(dtype=float) for name in SPEED_CLASSES]
    at_grade = classes.isin(AT_GRADE).to_numpy(dtype=float)
    for name in COVARIATES:
        values = covariates[name].fillna(0.0).to_numpy(dtype=float) * classes.notna().to_numpy()
        columns.append(values * at_grade if name == "junctions_per_km" else values)
    return np.column_stack(columns)


@dataclass
class SpeedModel:
    """Fitted paces (s/km) and the truck-to-car ratio; see the module docstring.

    Attributes
    ----------
    base_s_per_km
        Car pace of each class of :data:`SPEED_CLASSES` on a straight road without junctions.
    coef_s_per_km
        Seconds per km added per unit of each covariate of :data:`COVARIATES` (junctions: on
        :data:`AT_GRADE` classes only).
    truck_ratio
        Truck pace over car pace where no legal limit binds.
    card
        How the model was fitted: table checksum, rows, alpha, errors (see ``speed_fit``).
    """

    base_s_per_km: dict[str, float]
    coef_s_per_km: dict[str, float]
    truck_ratio: float
    card: dict = field(default_factory=dict)

    @classmethod
    def prior(cls) -> SpeedModel:
        """The model before any fit: prior class speeds, no covariate effect, trucks 1.2 x slower."""
        base = {name: 3600.0 / kph for name, kph in SPEED_CLASSES.items()}
        return cls(base, dict.fromkeys(COVARIATES, 0.0), 1.2, {"fitted": False})

    @property
    def theta(self) -> np.ndarray:
        """The coefficients in the column order of :func:`design`."""
        bases = [self.base_s_per_km[k] for k in SPEED_CLASSES]
        return np.r_[bases, [self.coef_s_per_km[k] for k in COVARIATES]]

    def car_pace(self, classes: pd.Series, covariates: pd.DataFrame) -> np.ndarray:
        """Car pace (s/km) of every edge, within :data:`MIN_KPH`..:data:`MAX_KPH`."""
        pace = design(classes, covariates) @ self.theta
        return np.clip(pace, 3600.0 / MAX_KPH, 3600.0 / MIN_KPH)

    def truck_pace(self, car_pace: np.ndarray, cap_kph: np.ndarray) -> np.ndarray:
        """Truck pace (s/km): the car pace times the ratio, never faster than the legal limit."""
        return np.maximum(self.truck_ratio * np.asarray(car_pace), 3600.0 / np.asarray(cap_kph, dtype=float))

    def to_json(self) -> str:
        """The model file's text."""
        body = {
            "format": MODEL_FORMAT,
            "base_s_per_km": self.base_s_per_km,
            "base_kph": {k: round(3600.0 / v, 1) for k, v in self.base_s_per_km.items()},
            "coef_s_per_km": self.coef_s_per_km,
            "truck_ratio": self.truck_ratio,
            "card": self.card,
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> Path:
        """Write the model file atomically."""
        write_bytes_atomic(path, self.to_json().encode())
        return path


def load_speed_model(path: Path) -> SpeedModel:
    """Read a model file written by :meth:`SpeedModel.save`, checking its content.

    Raises
    ------
    ModelFileError
        The file is unreadable, of another format, lacks a class or covariate, or holds a
        negative or infinite value.
    """
    fix = "restore it from the repository or run `cargorisk network fit-speeds`"
    try:
        body = json.loads(path.read_text())
        model = SpeedModel(
            {k: float(body["base_s_per_km"][k]) for k in SPEED_CLASSES},
            {k: float(body["coef_s_per_km"][k]) for k in COVARIATES},
            float(body["truck_ratio"]),
            dict(body.get("card", {})),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        msg = f"speed model {path} is unreadable ({exc.__class__.__name__}: {exc}); {fix}"
        raise ModelFileError(msg) from None
    if body.get("format") != MODEL_FORMAT:
        msg = f"speed model {path} has format {body.get('format')!r}, expected {MODEL_FORMAT}; {fix}"
        raise ModelFileError(msg)
    values = [*model.base_s_per_km.values(), *model.coef_s_per_km.values(), model.truck_ratio]
    if not all(math.isfinite(v) and v >= 0 for v in values) or model.truck_ratio < 1:
        msg = f"speed model {path} has a negative or infinite value, or a truck ratio below 1; {fix}"
        raise ModelFileError(msg)
    return model


def edge_speeds(model: SpeedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Car and truck speeds (km/h) for edges described by ``speed_class``, the covariates and
    ``speed_cap_kph`` (columns of ``frame``)."""
    car = model.car_pace(frame["speed_class"], frame[list(COVARIATES)])
    truck = model.truck_pace(car, frame["speed_cap_kph"].to_numpy(dtype=float))
    return pd.DataFrame({"car_speed_kph": 3600.0 / car, "speed_kph": 3600.0 / truck}, index=frame.index)
