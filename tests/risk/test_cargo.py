"""Cargo types: cited theft shares, normalised multipliers, and their effect on plans."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import cargorisk
from cargorisk.errors import InputError
from cargorisk.risk.cargo import CARGO_TYPES, cargo_type, combined_shape, multiplier
from cargorisk.routing import Router
from cargorisk.routing.costs import check_cargo_value

DEPART = "2026-03-02T06:00-06:00"


def test_multipliers_average_to_one_over_the_trips() -> None:
    """General freight is the fleet average: the trip-weighted mean multiplier is 1, and a type
    thieves take more often than it is carried is above 1."""
    trips = np.array([c.trips_pct for c in CARGO_TYPES.values()])
    m = np.array([multiplier(name) for name in CARGO_TYPES])
    assert np.average(m, weights=trips) == pytest.approx(1.0)
    assert multiplier("pharma") > multiplier("food_beverage") > 1 > multiplier("auto_parts")
    assert multiplier("general") == 1.0


def test_names_are_forgiving_and_unknown_ones_are_one_line_errors() -> None:
    assert cargo_type(" Food-Beverage ") == "food_beverage" and cargo_type("AUTO PARTS") == "auto_parts"
    assert cargo_type(None) == cargo_type(float("nan")) == cargo_type("") == "general"
    with pytest.raises(InputError, match=r"'gold' is not one of .*pharma"):
        cargo_type("gold")
    # labels as a TMS export writes them
    assert cargo_type("Food & Beverage") == cargo_type("food and beverages") == "food_beverage"
    assert cargo_type("Pharmaceuticals") == "pharma" and cargo_type("General Freight") == "general"
    assert cargo_type("Building and industrial materials") == "building_industrial"
    assert cargo_type("electronic") == "electronics"
    with pytest.raises(InputError, match="cargo type '\\?' is not one of"):
        cargo_type("?")  # punctuation only: not general freight


@pytest.mark.parametrize(
    ("text", "usd"),
    [("250,000", 250_000), ("$250,000.00", 250_000), ("USD 1,250,000.50", 1_250_000.5), ("US$ 75000", 75_000),
     ("250000 USD", 250_000), (" 1e6 ", 1e6)],
)  # fmt: skip
def test_cargo_values_as_spreadsheets_write_them(text: str, usd: float) -> None:
    assert check_cargo_value(text) == usd


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("MXN 5,000,000", "not in USD"),
        ("5,000,000 pesos", "not in USD"),
        ("$5,000,000 M.N.", "not in USD"),
        ("250.000,00", "unclear"),
        ("250.000", r"unclear \(a dot between thousands\?\); write it as 250000"),
        ("12,34,567", "not a number"),
        ("250k", "not a number"),
        ("$20,000,000,000", r"'\$20,000,000,000' must be an amount of USD from 0"),
    ],
)
def test_cargo_values_in_pesos_or_unclear_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_cargo_value(text)


def test_combined_shape_is_the_variance_of_the_product() -> None:
    rng = np.random.default_rng(0)
    a, b = 8.0, 2.0
    product = rng.gamma(a, 1 / a, 400_000) * rng.gamma(b, 1 / b, 400_000)
    assert 1 / combined_shape(a, b) == pytest.approx(product.var(), rel=0.02)
    assert combined_shape(np.inf, np.inf) == np.inf


def test_cargo_type_scales_the_risk_of_the_same_path_and_widens_its_interval(router: Router) -> None:
    """General freight's fastest route priced for pharma: the same hours, the risk of the same
    path at pharma's multiplier, a wider interval. (Pharma's own plan may pick another route
    within the quarter hour that counts as the same arrival: its loss is dearer.)"""
    a, b = router.places("Monterrey, NL", "Dallas, TX")
    when = router.check_request(a, depart=DEPART, cargo_value=250_000, objective="fastest", cargo_type=None)[
        0
    ]
    decision = router.decide(a, b, depart=when, cargo=250_000, objective="fastest")
    g = decision.choice.recommended
    ids = next(p.ids for p in decision.paths if np.array_equal(p.ids, router.edge_ids(g)))
    typed = router.for_cargo("pharma")
    p = typed.price(typed.pricer.summarize(ids), when, 250_000, team=False)
    router.add_details(g)
    typed.add_details(p)  # the interval and segments
    assert p.edges == g.edges and p.total_h == pytest.approx(g.total_h)  # time does not depend on cargo
    m = multiplier("pharma")
    assert p.theft_prob == pytest.approx(-math.expm1(m * math.log1p(-g.theft_prob)))
    assert p.expected_loss_usd == pytest.approx(p.theft_prob * 250_000)
    widths = [r.theft_interval[1] / r.theft_interval[0] for r in (g, p)]
    assert widths[1] > 2 * widths[0]  # the assumed trip share is uncertain
    pharma = router.plan(
        "Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_value=250_000, cargo_type="pharma"
    )
    assert pharma.to_dict()["cargo_type"] == "pharma" and "pharma (theft x" in pharma.summary()
    # the general router is unchanged after planning for a type (its own caches)
    again = router.plan(
        "Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_value=250_000, objective="fastest"
    )
    assert again.recommended.theft_prob == g.theft_prob


NEAR_TIE = 0.01


def test_a_riskier_cargo_type_buys_more_safety(router: Router) -> None:
    """Across a set of lanes, a cargo type that thieves prefer never picks a riskier route
    than general freight for the same lane (the trade-off prices a higher loss)."""
    lanes = [("Ciudad de México", "Nuevo Laredo"), ("Puebla", "Laredo, TX"), ("Querétaro", "El Paso, TX")]
    moved = 0
    for origin, destination in lanes:
        plans = [
            router.plan(origin, destination, depart=DEPART, cargo_value=500_000, cargo_type=t, alternatives=0)
            for t in ("auto_parts", "general", "pharma")
        ]
        base = [-math.log1p(-p.recommended.theft_prob) / multiplier(p.cargo_type) for p in plans]
        # near-ties within 1%: each type's pool is searched at its own price of theft, so two
        # routes 0.3% apart in base risk (Mexico City - Nuevo Laredo, same km) may swap
        assert base[0] >= base[1] * (1 - NEAR_TIE) and base[1] >= base[2] * (1 - NEAR_TIE)
        moved += base[0] > base[2] * (1 + 1e-6)
    assert moved >= 1


def test_score_lanes_rows_keep_their_own_cargo_type(router: Router) -> None:
    """Empty cells in a request column (None, NaN) never make rows share another row's answer."""
    lanes = pd.DataFrame(
        {
            "lane_id": ["a", "b", "c", "d", "e"],
            "origin": ["Monterrey, NL"] * 3 + ["Saltillo"] * 2,
            "destination": ["Dallas, TX"] * 3 + ["Laredo, TX"] * 2,
            "cargo_type": ["pharma", None, " Food-Beverage", "gold", np.nan],
            "cargo_value": [250_000, np.nan, None, 1, 250_000],
        }
    )
    out = cargorisk.score_lanes(lanes, router).set_index("lane_id")
    assert list(out["status"]) == ["ok", "ok", "ok", "error", "ok"]
    assert list(out["cargo_type"].fillna("-")) == ["pharma", "general", "food_beverage", "-", "general"]
    assert list(out["destination_name"].fillna("-")) == [*["Dallas, Texas"] * 3, "-", "Laredo, Texas"]
    assert "'gold'" in out.loc["d", "error"]
    for lane in lanes.itertuples(index=False):
        if lane.lane_id == "d":
            continue
        value = None if pd.isna(lane.cargo_value) else lane.cargo_value
        plan = router.plan(
            lane.origin, lane.destination, cargo_value=value, cargo_type=lane.cargo_type, alternatives=0
        )
        assert out.loc[lane.lane_id, "theft_prob"] == pytest.approx(plan.recommended.theft_prob)
