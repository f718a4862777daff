"""The calibration chain (reports -> estimated incidence -> per loaded truck-km), the intervals,
and the update from a user's own loss history, on the real data."""

from __future__ import annotations

import dataclasses
import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.risk import predict_states, risk_network
from cargorisk.risk.calibration import (
    calibrated_rates,
    coverage,
    dispersion,
    load_scale,
    one_in,
    prior_scale,
    route_interval,
    update_scale,
)


@pytest.fixture(scope="module")
def chain(trained: Settings, national: nx.MultiDiGraph) -> pd.DataFrame:
    return risk_network(trained, national, 2025).graph["theft_chain"]


def test_chain_reproduces_its_documented_numbers(chain: pd.DataFrame, trained: Settings) -> None:
    # 30 reports at a 0.30 reporting rate are 100 robberies; over 1e9 truck-km run 70% loaded,
    # 100 / 7e8 km = 0.142857 per million loaded truck-km
    one = calibrated_rates(
        pd.Series({"A": 30.0}), pd.Series({"A": 100.0}), pd.Series({"A": 1e9}),
        report_rate=0.3, loaded_share=0.7, scale=1.0,
    )  # fmt: skip
    assert one.loc["A", "correction"] == pytest.approx(1.0)
    assert one.loc["A", "rate"] == pytest.approx(0.142857, rel=1e-5)
    # on the real data: the reporting model shares out the national total of reports / 0.30
    assert (trained.theft_report_rate, trained.loaded_share) == (0.30, 0.70)
    assert chain["thefts"].sum() == pytest.approx(chain["reported"].sum() / 0.30, rel=1e-6)
    np.testing.assert_allclose(chain["rate_reported"], chain["reported"] / 0.30 / chain["loaded_km"] * 1e6)
    np.testing.assert_allclose(chain["rate"], chain["thefts"] / chain["loaded_km"] * 1e6)
    assert len(chain) == 32 and chain["loaded_km"].sum() == pytest.approx(45e9 * 0.70, rel=1e-6)


def test_a_state_that_reports_less_gets_a_higher_rate() -> None:
    reported = pd.Series({"A": 30.0, "B": 30.0})
    exposure = pd.Series({"A": 1e9, "B": 1e9})
    base = dict(report_rate=0.3, loaded_share=0.7, scale=1.0)
    same = calibrated_rates(reported, pd.Series({"A": 100.0, "B": 100.0}), exposure, **base)
    worse = calibrated_rates(reported, pd.Series({"A": 100.0, "B": 200.0}), exposure, **base)
    assert worse.loc["B", "rate"] == pytest.approx(2 * same.loc["B", "rate"])
    assert worse.loc["B", "correction"] == pytest.approx(2.0)
    assert worse.loc["A", "rate"] == pytest.approx(same.loc["A", "rate"])


def test_no_state_looks_safe_only_because_it_reports_little(chain: pd.DataFrame) -> None:
    """Guerrero and Queretaro report almost no carrier robbery (forecasts under 1 a year),
    Tamaulipas, Guanajuato and Veracruz far less than insurers and the FGR count there: the
    reporting model's incidence, not the reports, sets their rates."""
    for state in ("Guerrero", "Querétaro", "Tamaulipas", "Guanajuato"):
        assert chain.loc[state, "correction"] > 10, state
        assert chain.loc[state, "rate"] > 10 * chain.loc[state, "rate_reported"], state
    assert chain.loc["Veracruz", "correction"] > 2
    by_incidence = chain["thefts"].rank(ascending=False)
    by_reports = chain["reported"].rank(ascending=False)
    assert by_incidence["Guanajuato"] <= 6 and by_reports["Guanajuato"] >= 15  # AMIS, FGR, Overhaul: top
    assert by_incidence["Veracruz"] <= 8 and by_incidence["Tamaulipas"] < by_reports["Tamaulipas"]
    # the states that report a lot are not corrected upwards
    assert chain.loc["Estado de México", "correction"] < 1 and chain.loc["Puebla", "correction"] < 1


def test_interval_covers_the_held_out_counts_at_about_its_nominal_rate(trained: Settings) -> None:
    card = json.loads((trained.models_dir / "theft_risk.card.json").read_text())
    interval = card["interval"]
    assert interval["nominal"] == 0.9
    assert 0.8 <= interval["coverage"] <= 0.97, interval
    assert interval["dispersion_k"] > 0
    # an audit read "3,200 held-out state-years": they are forecasts, each state-year in every draw
    assert " forecasts: " in interval["held_out"] and " state-years x 20 draws " in interval["held_out"]


def test_dispersion_and_coverage_on_simulated_counts() -> None:
    rng = np.random.default_rng(0)
    mu = rng.uniform(1, 500, 5000)
    k = 4.0
    counts = rng.poisson(rng.gamma(k, mu / k))
    assert dispersion(counts, mu) == pytest.approx(k, rel=0.1)  # maximum likelihood
    assert coverage(counts, mu, dispersion(counts, mu)) == pytest.approx(0.9, abs=0.02)


def test_route_interval_brackets_the_central_value() -> None:
    risk = 2e-4
    low, high = route_interval(risk, risk_sq=risk**2, k=3.0, scale_shape=8.0)
    p = -np.expm1(-risk)
    assert low < p < high and high / low > 3
    # more states sharing the risk (smaller sum of squares): a narrower interval
    narrow = route_interval(risk, risk_sq=risk**2 / 4, k=3.0, scale_shape=8.0)
    assert narrow[1] - narrow[0] < high - low
    assert route_interval(risk, risk**2, k=np.inf, scale_shape=np.inf) == (pytest.approx(p), pytest.approx(p))


def test_one_in_n_words() -> None:
    assert one_in(2.29e-5) == "1 in 44,000"
    assert one_in(0.004) == "1 in 250" and one_in(0.0) == "never"


def test_update_from_a_loss_history() -> None:
    prior = prior_scale(8.0)
    many = update_scale(prior, thefts=400, trips=20_000, expected=100.0, basis="fleet")
    assert many.mean == pytest.approx(408 / 108) and many.interval()[0] > 3  # toward 4 = 400 / 100
    none = update_scale(prior, thefts=0, trips=50, expected=0.05, basis="fleet")
    assert none.mean == pytest.approx(1.0, abs=0.01)  # little exposure: still the prior
    fewer = update_scale(prior, thefts=0, trips=20_000, expected=40.0, basis="fleet")
    assert fewer.mean < 0.2  # a long clean record pulls the scale down
    with pytest.raises(InputError, match="trips > 0"):
        update_scale(prior, thefts=1, trips=0, expected=1.0, basis="fleet")


def test_calibrate_cli_scales_the_routes(
    trained: Settings,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    models = tmp_path_factory.mktemp("calibrated")
    for f in trained.models_dir.glob("*.*"):
        (models / f.name).write_bytes(f.read_bytes())
    for f in (trained.models_dir / "border").glob("*"):
        (models / "border").mkdir(exist_ok=True)
        (models / "border" / f.name).write_bytes(f.read_bytes())
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(models))
    data = ["--data-dir", str(trained.data_dir)]
    route = [*data, "route", "Monterrey, NL", "Dallas, TX", "--json"]
    assert main(route) == 0
    plan = json.loads(capsys.readouterr().out)
    before = plan["recommended"]
    assert before["theft_prob_90"][0] < before["theft_prob"] < before["theft_prob_90"][1]
    assert before["one_in_trips"] == round(1 / before["theft_prob"])
    assert main([*data, "calibrate"]) == 0
    assert "no calibration in force" in capsys.readouterr().out
    # a fleet that lost 30 loads in 10,000 trips over 9 million km in Mexico
    assert main([*data, "calibrate", "--thefts", "30", "--trips", "10000", "--km", "9e6"]) == 0
    out = capsys.readouterr().out
    assert "calibration in force" in out and "30 thefts in 10,000 trips" in out
    scale = load_scale(models, 8.0)
    assert scale.mean > 1.5 and scale.thefts == 30
    assert main(route) == 0
    fastest = json.loads(capsys.readouterr().out)["fastest"]  # chosen by time: the same path
    assert fastest["nodes"] == plan["fastest"]["nodes"]
    assert fastest["theft_prob"] == pytest.approx(plan["fastest"]["theft_prob"] * scale.mean, rel=0.01)
    assert main([*data, "calibrate", "--thefts", "3"]) == 1
    assert "give both --thefts and --trips" in capsys.readouterr().err
    assert main([*data, "calibrate", "--thefts", "3", "--trips", "10"]) == 1
    assert "give either --km" in capsys.readouterr().err
    assert main([*data, "calibrate", "--reset"]) == 0
    assert load_scale(models, 8.0).basis == "prior"


def test_bad_chain_settings_are_one_line_errors(trained: Settings, national: nx.MultiDiGraph) -> None:
    with pytest.raises(InputError, match=r"loaded_share=0.0 must be a share in \(0, 1\]"):
        dataclasses.replace(trained, loaded_share=0.0)  # refused when made, before any chain
    assert predict_states(trained, national, 2025)["predicted"].gt(0).all()


def test_related_indicators_kept_only_where_the_backtest_supports_them(trained: Settings) -> None:
    card = json.loads((trained.models_dir / "theft_risk.card.json").read_text())
    partial = {r["predictor"]: r for r in card["feature_ablation"] if r["setup"] == "partial-year lag"}
    kept = partial["model features"]["poisson_deviance"]
    assert kept < partial["with other robbery subtypes"]["poisson_deviance"]  # left out: they hurt
    assert kept < partial["without federal highway crimes"]["poisson_deviance"]  # kept: it helps
