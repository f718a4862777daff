"""Municipal spread and stretch-level risk: the municipal source, the fitted spread, its
backtest and the stretch multipliers on the national graph (real data)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cargorisk.config import Settings
from cargorisk.errors import InputError, ModelFileError
from cargorisk.risk import risk_network
from cargorisk.risk.attach import stretch_risk_table, stretch_table
from cargorisk.risk.spread import SPREAD_FILE, load_spread
from cargorisk.risk.train import saved_traffic
from cargorisk.sources import load_table
from cargorisk.sources.sesnsp import municipal_year_from_official, read_official_monthly

FIXTURES = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def table(trained: Settings, national: nx.MultiDiGraph) -> pd.DataFrame:
    saved = load_spread(trained.models_dir)
    return stretch_table(national, saved.model, saved.metros, saved_traffic(trained, national, saved.card))


@pytest.fixture(scope="module")
def risky(trained: Settings, national: nx.MultiDiGraph) -> nx.MultiDiGraph:
    return risk_network(trained, national, 2025)


def test_municipal_counts_match_the_published_national_totals(built: Settings) -> None:
    counts = load_table("sesnsp_municipal_year", built.processed_dir)
    totals = counts.groupby("year")["incidents"].sum()
    assert totals[[2015, 2017, 2018, 2019]].tolist() == [6741, 12031, 13068, 11659]
    assert counts.loc[counts["year"] == 2020, "months_covered"].eq(5).all()  # Jan-May, not annualised
    top = counts[counts["year"] == 2019].nlargest(2, "incidents")["municipality"].tolist()
    assert top == ["Ecatepec de Morelos", "Morelia"]


def test_the_official_municipal_file_gives_the_same_table() -> None:
    monthly = read_official_monthly(FIXTURES / "sesnsp_IDM_NM_municipal_monthly_SYNTHETIC.csv")
    table = municipal_year_from_official(monthly)
    monterrey = table[(table["cvegeo"] == "19039") & (table["year"] == 2024)].iloc[0]
    assert monterrey["incidents"] == 9 and monterrey["months_covered"] == 12  # both modalities, all months
    slp = table[(table["cvegeo"] == "24028") & (table["year"] == 2025)].iloc[0]
    assert slp["months_covered"] == 3
    state_level = read_official_monthly(FIXTURES / "sesnsp_IDEFC_NM_state_monthly_SYNTHETIC.csv")
    with pytest.raises(InputError, match="state-level file"):
        municipal_year_from_official(state_level)


def test_every_state_is_shared_out_and_silence_is_not_zero(table: pd.DataFrame) -> None:
    per_state = table.groupby("state")["edge_share"].sum()
    np.testing.assert_allclose(per_state, 1.0)
    assert (table["edge_share"] > 0).all()
    mun = table.groupby("cvegeo")[["theta", "mun_share"]].first()
    assert (mun["theta"] > 0).all()  # a municipality that reported nothing keeps a share
    # exposure-weighted, the multipliers of a state average 1 (state totals are kept)
    exposure = table["km"] * table["trucks"]
    mean = (table["multiplier"] * exposure).groupby(table["state"]).sum() / exposure.groupby(
        table["state"]
    ).sum()
    np.testing.assert_allclose(mean, 1.0)


def test_backtest_beats_spreading_by_road_km(trained: Settings) -> None:
    card = json.loads((trained.models_dir / SPREAD_FILE).read_text())
    rows = {r["predictor"]: r for r in card["backtest"]["table"]}
    spread, km, last = rows["spread"], rows["road km"], rows["last year"]
    assert card["backtest"]["test_year"] == 2019
    assert spread["poisson_deviance"] < km["poisson_deviance"] / 3
    assert spread["spearman"] > km["spearman"] + 0.05
    assert spread["pai_1"] > 5 * km["pai_1"] and spread["pai_5"] > 2 * km["pai_5"]
    assert spread["poisson_deviance"] < last["poisson_deviance"]  # and last year's municipal counts
    assert rows["spread (state total known)"]["poisson_deviance"] < spread["poisson_deviance"]


def test_stretches_within_a_state_differ(risky: nx.MultiDiGraph, trained: Settings) -> None:
    names = load_table("mx_municipality_names", trained.processed_dir).set_index("cvegeo")["municipality"]
    stretches = stretch_risk_table(risky, names.to_dict())
    assert {"ref", "municipality", "state", "km", "theft_rate", "theft_prob", "state_share"} <= set(
        stretches.columns
    )
    slp = stretches[(stretches["state"] == "San Luis Potosí") & (stretches["km"] >= 10)]
    assert slp["theft_rate"].max() > 10 * slp["theft_rate"].min()
    np.testing.assert_allclose(stretches.groupby("state")["state_share"].sum(), 1.0)


def test_a_damaged_spread_file_is_one_clear_error(trained: Settings, tmp_path: Path) -> None:
    saved = json.loads((trained.models_dir / SPREAD_FILE).read_text())
    saved["model"]["alpha"] = "many"
    (tmp_path / SPREAD_FILE).write_text(json.dumps(saved))
    with pytest.raises(ModelFileError, match=r"invalid model.alpha"):
        load_spread(tmp_path)
