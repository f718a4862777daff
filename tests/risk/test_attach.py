"""Edge theft rate and probability, from predicted state counts and the exposure assumption."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from cargorisk.config import Settings
from cargorisk.risk import attach_risk, exposure_sensitivity, predict_states, state_exposure
from cargorisk.risk.attach import edge_state_km
from cargorisk.sources import load_table


@pytest.fixture(scope="module")
def risky(trained: Settings, corridor: nx.MultiDiGraph) -> nx.MultiDiGraph:
    return attach_risk(corridor, predict_states(trained, corridor, 2025), trained)


def edges(graph: nx.MultiDiGraph, ref: str, states: set[str]) -> list[dict]:
    return [d for *_, d in graph.edges(data=True) if d["ref"] == ref and d["state"] in states]


def test_every_edge_has_rate_and_probability(risky: nx.MultiDiGraph) -> None:
    for *_, d in risky.edges(data=True):
        assert d["theft_rate"] > 0
        assert 0 < d["theft_prob"] < 1
        assert d["theft_prob"] == pytest.approx(1 - np.exp(-d["theft_rate"] * d["length"] / 1e9))


def test_central_mexico_150d_riskier_than_i35(risky: nx.MultiDiGraph) -> None:
    central = edges(risky, "MEX-150D", {"Estado de México", "Puebla"})
    i35 = edges(risky, "I-35", {"Texas"})
    assert len(central) >= 4 and len(i35) >= 10
    assert min(d["theft_prob"] for d in central) > max(d["theft_prob"] for d in i35)
    assert min(d["theft_rate"] for d in central) > 20 * max(d["theft_rate"] for d in i35)


def test_the_ranking_follows_the_data(trained: Settings, corridor: nx.MultiDiGraph) -> None:
    """Zero out Puebla's predicted reports: without an estimated incidence its edges fall to 0
    (reports alone make it look safe); given an incidence, its rate is that incidence over its
    loaded truck-km, whatever it reports."""
    predicted = predict_states(trained, corridor, 2025)
    predicted.loc[predicted["state"] == "Puebla", "predicted"] = 0.0
    calm = attach_risk(corridor, predicted, trained)
    within_puebla = [calm.edges["mx_puebla", "mx_acatzingo", k] for k in (0, 1)]
    assert max(d["theft_rate"] for d in within_puebla) == 0.0
    incidence = predicted.set_index("state")["predicted"] / trained.theft_report_rate
    incidence["Puebla"] = 3000.0
    known = attach_risk(corridor, predicted, trained, incidence=incidence)
    chain = known.graph["theft_chain"]
    assert chain.loc["Puebla", "rate"] == pytest.approx(3000.0 / chain.loc["Puebla", "loaded_km"] * 1e6)
    puebla = [known.edges["mx_puebla", "mx_acatzingo", k]["theft_rate"] for k in (0, 1)]
    assert min(puebla) == pytest.approx(chain.loc["Puebla", "rate"])
    assert np.isinf(chain.loc["Puebla", "correction"])  # no reports: the correction is unbounded


def test_cross_state_edges_split_by_length(trained: Settings, corridor: nx.MultiDiGraph) -> None:
    state_km = edge_state_km(corridor, load_table("mx_states", trained.processed_dir))
    zac_ags = state_km[(state_km["u"] == "mx_zacatecas") & (state_km["v"] == "mx_aguascalientes")]
    assert set(zac_ags["state"]) == {"Zacatecas", "Aguascalientes"}
    assert zac_ags["km"].sum() == pytest.approx(
        corridor.edges["mx_zacatecas", "mx_aguascalientes", 0]["length"] / 1000
    )
    crossing = state_km[(state_km["u"] == "poe_2304_wtb_mx") & (state_km["v"] == "poe_2304_wtb_us")]
    assert set(crossing["state"]) <= {"Tamaulipas", "Nuevo León", "US"}


def test_exposure_assumption_and_sensitivity(trained: Settings, corridor: nx.MultiDiGraph) -> None:
    state_km = edge_state_km(corridor, load_table("mx_states", trained.processed_dir))
    exposure = state_exposure(corridor, state_km, trained.mx_truck_km_per_year)
    assert exposure.sum() == pytest.approx(trained.mx_truck_km_per_year)
    assert len(exposure) == 32
    predicted = predict_states(trained, corridor, 2025)
    sens = exposure_sensitivity(corridor, predicted, trained)
    assert sens["spearman_weighted_vs_plain_km"] > 0.9
    doubled = Settings(data_dir=trained.data_dir, mx_truck_km_per_year=2 * trained.mx_truck_km_per_year)
    a = attach_risk(corridor, predicted, trained)
    b = attach_risk(corridor, predicted, doubled)
    ea, eb = a.edges["mx_puebla", "mx_acatzingo", 0], b.edges["mx_puebla", "mx_acatzingo", 0]
    assert eb["theft_rate"] == pytest.approx(ea["theft_rate"] / 2)
