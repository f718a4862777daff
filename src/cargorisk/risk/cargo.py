"""Cargo types: how much more (or less) often thieves take a load of one kind than the average.

A multiplier is the type's share of cargo thefts in Mexico over its share of loaded truck
trips, normalised so that the trip-weighted mean over all types is 1 ("general", the fleet
average every rate in the chain refers to). Thefts by type are the mean of two published
breakdowns of Mexican cargo thefts by product:

- Sensitech, *Q3 2021 Mexico Cargo Theft Report* (share of incidents): food and drinks 36%,
  electronics 8, building and industrial 8, alcohol 7, miscellaneous 7, pharmaceuticals 6,
  chemicals 6, metals 6, home and garden 5, clothing and shoes 3, agricultural 3, personal
  care 2, auto parts 2, tobacco 1 (miscellaneous loads are "general" here);
- Overhaul, *Q2 2023 Mexico cargo theft report* (as reported by FreightWaves, "Mexico averages
  58 cargo thefts a day", Sept 2023): food and beverage 30%, building materials 12, home and
  garden 7, metals 6, auto parts 4, alcohol 4, pharmaceuticals 3.

No public source breaks Mexico's loaded truck trips down by commodity (SICT/IMT compile one
from the *cartas porte* but do not publish the table), so the trip shares below are this
project's **assumption** (bulk building materials, agricultural goods and auto parts are a
large part of the trips, pharmaceuticals and tobacco a small one) and each multiplier carries a
weak Gamma prior (``Settings.cargo_type_shape``, default 2: 90% of the mass between 0.18 and
2.4 times the value) that widens the interval of every route with a named cargo type. A
carrier with its own history should calibrate (``cargorisk calibrate``) per cargo type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cargorisk._text import normalise
from cargorisk.errors import InputError

GENERAL = "general"
THEFT_SOURCES = (
    "Sensitech, Q3 2021 Mexico Cargo Theft Report (share of incidents by product type)",
    "Overhaul, Q2 2023 Mexico cargo theft report (FreightWaves, Sept 2023)",
)


@dataclass(frozen=True)
class CargoType:
    """One cargo type: its share of thefts (mean of the cited breakdowns, %) and its assumed
    share of loaded truck trips (%)."""

    name: str
    label: str
    theft_pct: float
    trips_pct: float


# (name, label, theft % Sensitech Q3 2021, theft % Overhaul Q2 2023 or None, assumed trips %)
_TABLE = (
    ("food_beverage", "food and beverages", 36, 30, 25.0),
    ("building_industrial", "building and industrial materials", 8, 12, 20.0),
    ("agricultural", "agricultural products", 3, None, 10.0),
    ("auto_parts", "auto parts", 2, 4, 10.0),
    ("metals", "metals", 6, 6, 8.0),
    ("chemicals", "chemicals", 6, None, 7.0),
    ("electronics", "electronics", 8, None, 5.0),
    ("home_garden", "home and garden", 5, 7, 5.0),
    ("alcohol", "alcoholic beverages", 7, 4, 3.0),
    ("clothing", "clothing and shoes", 3, None, 3.0),
    ("pharma", "pharmaceuticals", 6, 3, 2.0),
    ("personal_care", "personal care", 2, None, 2.0),
    ("tobacco", "tobacco", 1, None, 0.5),
)
CARGO_TYPES = {
    name: CargoType(name, label, (a + b) / 2 if b is not None else float(a), trips)
    for name, label, a, b, trips in _TABLE
}
_THEFT_TOTAL = sum(c.theft_pct for c in CARGO_TYPES.values())
_TRIPS_TOTAL = sum(c.trips_pct for c in CARGO_TYPES.values())


def multiplier(name: str) -> float:
    """The theft-rate multiplier of a cargo type (1 for general freight)."""
    kind = cargo_type(name)
    if kind == GENERAL:
        return 1.0
    c = CARGO_TYPES[kind]
    return (c.theft_pct / _THEFT_TOTAL) / (c.trips_pct / _TRIPS_TOTAL)


def type_key(text: str) -> str:
    """A cargo type's name or label as a key: case, accents, punctuation, '&' for 'and' and a
    plural's last 's' ignored ('Food & Beverage' and 'food and beverages' -> 'food_and_beverage')."""
    words = normalise(str(text).replace("&", " and ").replace("_", " ")).split()
    return "_".join(w.removesuffix("s") if len(w) > 3 else w for w in words)


# every way a type may be named: its name, its label, and general freight's
TYPE_NAMES = {
    **{type_key(key): c.name for c in CARGO_TYPES.values() for key in (c.name, c.label)},
    **dict.fromkeys([type_key(GENERAL), type_key("general freight")], GENERAL),
}


def cargo_type(text: object) -> str:
    """The cargo type named by ``text``: its name or label (case, spaces, hyphens, '&' and
    plurals ignored: 'Food & Beverage', 'pharmaceuticals', 'auto-parts'); empty is general."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return GENERAL
    found = TYPE_NAMES.get(type_key(str(text)))  # text of punctuation only ('?') is no type
    if found is None:
        msg = f"cargo type {str(text)!r} is not one of {[GENERAL, *CARGO_TYPES]}"
        raise InputError(msg)
    return found


def combined_shape(scale_shape: float, cargo_shape: float) -> float:
    """Shape of a mean-1 gamma with the variance of the product of two independent mean-1
    gammas (the chain's scale and the cargo multiplier): 1 / ((1 + 1/a)(1 + 1/b) - 1)."""
    excess = (1 + 1 / scale_shape) * (1 + 1 / cargo_shape) - 1
    return 1 / excess if excess > 0 else float("inf")


def card_table() -> list[dict]:
    """The cargo types for the model card and the README (shares in %, multiplier)."""
    return [
        {
            "cargo_type": c.name,
            "label": c.label,
            "theft_pct": c.theft_pct,
            "assumed_trips_pct": c.trips_pct,
            "multiplier": round(multiplier(c.name), 3),
        }
        for c in CARGO_TYPES.values()
    ]
