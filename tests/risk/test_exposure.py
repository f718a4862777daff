"""Exposure in time and while parked (item 4's model): fitted from the published patterns."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cargorisk.config import Settings
from cargorisk.risk import risk_network
from cargorisk.risk.exposure import bucket_hours, fit_exposure, load_exposure, percentages
from cargorisk.sources import load_table


@pytest.fixture(scope="module")
def facts(built: Settings) -> pd.DataFrame:
    return load_table("facts_theft_time_place", built.processed_dir)


def test_buckets_and_values_are_read_as_written() -> None:
    assert bucket_hours("18:00-24:00") == (18, 24)
    assert bucket_hours("~08:00") == (8, 9)
    assert bucket_hours("early morning (madrugada)") == (0, 6)
    assert bucket_hours("Tue-Fri") is None
    assert percentages("32% / 29% / 21% / 18%") == [0.32, 0.29, 0.21, 0.18]
    assert percentages("n/a") == []


def test_hourly_profile_fits_the_sources_and_averages_one(facts: pd.DataFrame) -> None:
    model, card = fit_exposure(facts)
    mx = model.countries["MX"]
    assert mx.hourly.sum() == pytest.approx(1.0)
    assert (mx.hourly_low <= mx.hourly + 1e-9).all() and (mx.hourly <= mx.hourly_high + 1e-9).all()
    multiplier = model.transit_multiplier("MX", np.arange(24))
    assert multiplier.mean() == pytest.approx(1.0)  # flat traffic: the day's mean is 1
    traffic = np.r_[np.full(6, 0.5), np.full(18, 1.0)]
    weighted = model.transit_multiplier("MX", np.arange(24), traffic)
    assert np.average(weighted, weights=traffic) == pytest.approx(1.0)
    # the fitted shares reproduce the sources' buckets within a few points
    buckets = pd.DataFrame(card["MX"]["hour_buckets"])
    fitted = [mx.hourly[s:e].sum() for s, e in zip(buckets["start"], buckets["end"], strict=True)]
    assert np.abs(np.array(fitted) - buckets["share"]).max() < 0.08
    assert multiplier[9] > 1 > multiplier[3]  # morning above the small hours, as every source says
    assert (model.transit_multiplier("US", np.arange(24)) == 1.0).all()  # no numeric US split


def test_parked_share_by_country_and_the_loss_it_adds(facts: pd.DataFrame) -> None:
    model, _ = fit_exposure(facts)
    mx, us = model.countries["MX"], model.countries["US"]
    assert 0.05 < mx.parked_low <= mx.parked <= mx.parked_high < 0.4  # Mexico: hijackings in transit
    assert us.parked > 0.8  # the US: parked trailers
    assert mx.secured_factor < 1 < mx.unsecured_factor and us.secured_factor < mx.secured_factor
    # a trip that parks as long as the fleet does keeps its expected thefts: transit + parked = total
    rate, km, speed = 2.0, 600.0, 60.0
    hours_parked = model.parked_per_driving_hour * km / speed
    parked = model.parked_hazard_per_h(rate, speed, "MX") / mx.unsecured_factor * hours_parked
    transit = model.transit_share("MX") * rate * 1e-6 * km
    assert transit + parked == pytest.approx(rate * 1e-6 * km)
    # 37 h at a closed crossing with USD 2M aboard is no longer USD 6 of expected loss
    loss = 2e6 * -np.expm1(-model.parked_hazard_per_h(0.4, 40.0, "MX") * 37)
    assert loss > 300


def test_every_node_has_a_parked_risk(trained: Settings, national: nx.MultiDiGraph) -> None:
    risky = risk_network(trained, national, 2025)
    assert load_exposure(trained.models_dir) is not None
    values = pd.Series(nx.get_node_attributes(risky, "parked_risk_per_h"))
    assert len(values) == risky.number_of_nodes() and (values >= 0).all()
    mexican = [n for n, d in risky.nodes(data=True) if d.get("country") == "MX"]
    assert values[mexican].median() > 0
    trucks = nx.get_edge_attributes(risky, "trucks_per_day")
    assert len(trucks) > 20_000 and min(trucks.values()) > 0
