"""The reporting model: reported forecast vs estimated incidence, from the published state
figures and independent signals, on the real data."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cargorisk.config import Settings
from cargorisk.errors import ModelFileError
from cargorisk.risk import risk_network
from cargorisk.risk.reporting import (
    REPORTING_FILE,
    SIGNALS,
    concordance,
    load_reporting,
    months_of,
    parse_period,
    read_measurements,
)
from cargorisk.sources import load_table

STATES = ["Estado de México", "Puebla", "Guanajuato", "Jalisco", "Querétaro"]


@pytest.fixture(scope="module")
def incidence(trained: Settings, national: nx.MultiDiGraph) -> pd.DataFrame:
    return risk_network(trained, national, 2025).graph["theft_incidence"]


def test_periods_and_lists_are_read_as_written() -> None:
    assert parse_period("2020-2022 (3 yrs)", "Guanajuato") == (2020, 2021, 2022)
    assert parse_period("Q1 2025", "Puebla") == (2025,)
    assert parse_period("2023 (year)", "Estado de Mexico (2022 for comparison)") == (2022,)
    assert (months_of("Jan-Jul 2024"), months_of("H1 2024"), months_of("Q3 2018"), months_of("2023")) == (
        7,
        6,
        3,
        12,
    )
    facts = pd.DataFrame(
        {
            "source_org": ["X", "X", "X", "X", "SESNSP", "X"],
            "period": ["H1 2024", "H1 2024", "Jan-Jul 2024", "Jan-Jul 2024", "2024", "2024"],
            "state": ["Puebla", "Guanajuato", "Puebla", "Guanajuato", "Puebla", "Centro region"],
            "share_pct": ["", "", "", "", "", "60"],
            "count": ["210", "61", "254", "69", "2204", ""],
        }
    )
    found, skipped = read_measurements(facts, STATES, 2015)
    # one list per source and year: the longer of two lists naming as many states
    assert set(found["list"]) == {"X | Jan-Jul 2024 | count"}
    listed = found[found["listed"]].set_index("state")["value"]
    assert listed.to_dict() == {"Puebla": 254.0, "Guanajuato": 69.0}
    # every state the list leaves out is below its smallest value (censored)
    censored = found[~found["listed"]]
    assert set(censored["state"]) == {"Estado de México", "Jalisco", "Querétaro"}
    assert (censored["value"] == 69.0).all()
    assert set(skipped["reason"]) == {
        "official SESNSP series (the reports themselves)", "not one state (region or combined figure)"
    }  # fmt: skip


def test_concordance_counts_the_pairs_a_list_orders() -> None:
    held_out = pd.DataFrame(
        {"state": ["A", "B", "C"], "value": [10.0, 5.0, 5.0], "listed": [True, True, False]}
    )
    right = pd.Series({"A": 3.0, "B": 2.0, "C": 1.0})
    assert concordance(right, held_out) == (3, 3)  # A>B, A>C, B>C
    assert concordance(-right, held_out) == (0, 3)


def test_two_named_outputs_and_the_national_level(incidence: pd.DataFrame, trained: Settings) -> None:
    assert {"reported", "incidence", "low", "high", "correction", "sources"} <= set(incidence.columns)
    assert len(incidence) == 32
    total = incidence["reported"].sum() / trained.theft_report_rate
    assert incidence["incidence"].sum() == pytest.approx(total, rel=1e-9)
    assert (incidence["low"] < incidence["incidence"]).all() and (
        incidence["incidence"] < incidence["high"]
    ).all()
    np.testing.assert_allclose(
        incidence["correction"], incidence["incidence"] / (incidence["reported"] / 0.30)
    )


def test_industry_figures_not_reports_rank_guanajuato_and_veracruz(incidence: pd.DataFrame) -> None:
    """AMIS 2023 counts 696 insured heavy vehicles stolen in Guanajuato and 722 in Veracruz, the
    FGR 3,980 federal-road robberies in Guanajuato in 2020-2022; SESNSP about 20 and 90 a year."""
    rank = incidence["incidence"].rank(ascending=False)
    reported_rank = incidence["reported"].rank(ascending=False)
    assert rank["Guanajuato"] <= 5 and reported_rank["Guanajuato"] > 15
    assert rank["Veracruz"] <= 8 and rank["Veracruz"] < reported_rank["Veracruz"]
    assert rank["Tamaulipas"] < reported_rank["Tamaulipas"]
    assert incidence.loc["Guanajuato", "sources"] >= 5


def test_interval_is_wider_where_sources_disagree(trained: Settings) -> None:
    """Queretaro: 1,694 FGR federal-road robberies in 2020-2022 but 8% of FreightWatch's 2015
    incidents: its two sources pull apart, and its interval is the widest of the measured states."""
    saved = load_reporting(trained.models_dir)
    model = saved.model
    measured = model.n_sources_[model.n_sources_ >= 2].index
    assert model.birge_["Querétaro"] > 1
    assert model.sd_["Querétaro"] == model.sd_[measured].max()


def test_held_out_lists_are_ordered_better_than_by_reports(trained: Settings) -> None:
    card = json.loads((trained.models_dir / REPORTING_FILE).read_text())
    held = card["held_out_concordance"]
    assert held["model"] > held["SESNSP reports"] + 0.03
    assert held["model"] > held["neighbour floor"] + 0.03
    assert card["model"]["signals"] == SIGNALS
    assert card["measurements"] >= 40 and card["censored"] > 300


def test_a_damaged_reporting_file_is_one_clear_error(
    trained: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    models = tmp_path_factory.mktemp("reporting")
    saved = json.loads((trained.models_dir / REPORTING_FILE).read_text())
    saved["model"]["sigma"] = -1.0
    (models / REPORTING_FILE).write_text(json.dumps(saved))
    with pytest.raises(ModelFileError, match=r"invalid model.sigma"):
        load_reporting(models)
    (models / REPORTING_FILE).write_text("{")
    with pytest.raises(ModelFileError, match="is damaged"):
        load_reporting(models)
    assert load_reporting(tmp_path_factory.mktemp("none")) is None


def test_facts_table_is_what_the_model_reads(trained: Settings) -> None:
    facts = load_table("facts_theft_states", trained.processed_dir)
    found, _ = read_measurements(facts, sorted(load_table("mx_states", trained.processed_dir)["state"]), 2015)
    listed = found[found["listed"]]
    assert {"AMIS (insured heavy equipment)", "FGR (federal highways only)", "Overhaul"} <= set(
        listed["source"]
    )
    fgr = listed[listed["source"].str.startswith("FGR")].set_index("state")["value"]
    assert fgr["Guanajuato"] == 3980 and fgr["Querétaro"] == 1694


def test_risk_cli_shows_both_outputs_and_stretches(
    trained: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cargorisk.cli import main  # noqa: PLC0415

    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    data = ["--data-dir", str(trained.data_dir)]
    assert main([*data, "risk", "states", "--year", "2025", "--json"]) == 0
    records = pd.DataFrame(json.loads(capsys.readouterr().out)).set_index("state")
    assert {"predicted", "incidence", "low", "high", "correction", "sources", "rate"} <= set(records.columns)
    assert records.loc["Guanajuato", "correction"] > 10
    assert main([*data, "risk", "edges", "--year", "2025", "--state", "San Luis Potosí", "--top", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["road", "municipality", "state"] and len(lines) == 6
    assert all("San Luis Potos" in line for line in lines[1:])
    assert main([*data, "risk", "edges", "--year", "2025", "--state", "Atlantis"]) == 1
    assert "unknown state 'Atlantis'" in capsys.readouterr().err
    assert main([*data, "risk", "explain", "Guanajuato", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "estimated incidence" in out and "where its risk lies" in out
