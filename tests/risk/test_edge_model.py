"""Edge-level risk from an incident log, on a SYNTHETIC log with planted hotspots.

No real point-level theft log is public; `cargorisk.risk.synthetic` writes one in the official
incident format with a known structure, and the model must find it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.risk import predict_states, risk_network
from cargorisk.risk.edges import pai, train_edge_model
from cargorisk.risk.incidents import read_incidents, road_segments
from cargorisk.risk.synthetic import synthetic_incidents


@pytest.fixture(scope="module")
def synthetic_log(trained: Settings, national: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory):
    segments = road_segments(national)
    rates = predict_states(trained, national, 2024).set_index("state")["predicted"]
    incidents, hotspots = synthetic_incidents(segments, rates, seed=7)
    text = incidents.astype(str)
    text.loc[3, "lat"] = "north"  # bad rows the reader must report, not drop silently
    text.loc[4, "datetime"] = "sometime"
    text.loc[5, ["lat", "lon"]] = ["20.0", "-110.0"]  # in the Pacific
    text.loc[6, "violent"] = "maybe"
    path = tmp_path_factory.mktemp("incidents") / "incidents_SYNTHETIC.csv"
    text.to_csv(path, index=False)
    return path, segments, hotspots


@pytest.fixture(scope="module")
def edge_run(
    trained: Settings, national: nx.MultiDiGraph, synthetic_log, tmp_path_factory: pytest.TempPathFactory
):
    settings = dataclasses.replace(trained, models_dir=tmp_path_factory.mktemp("edge_models"))
    for name in ("theft_risk.txt", "theft_risk.card.json"):
        (settings.models_dir / name).write_bytes((trained.models_dir / name).read_bytes())
    return settings, train_edge_model(settings, national, synthetic_log[0])


def test_bad_rows_reported_with_line_numbers(edge_run) -> None:
    _, report = edge_run
    assert report.n_rows == 4000 and report.n_used == 3996
    reasons = dict(report.problems)
    assert reasons[5] == "lat 'north' is not a latitude"
    assert reasons[6].startswith("datetime 'sometime' is not a date/time")
    assert "km from the nearest road" in reasons[7]
    assert reasons[8] == "violent 'maybe' is not true/false"


def test_planted_hotspots_are_recovered(edge_run, synthetic_log) -> None:
    settings, report = edge_run
    assert report.pai["lightgbm"]["pai_5"] > 5  # far above chance (1)
    assert report.pai["lightgbm"]["pai_5"] >= 0.9 * report.pai["state-only allocation"]["pai_5"]
    stretches = synthetic_log[2]
    planted = [row for rows in stretches for row in rows]
    edges = pd.read_parquet(settings.models_dir / "edge_risk.parquet")
    # a hotspot stretch is x25 its state's base rate: its km-weighted predicted density should
    # beat most other roads of its state
    recovered = []
    for rows in stretches:
        hot = edges.loc[rows]
        others = edges[(edges["state"] == hot["state"].iat[0]) & ~edges.index.isin(planted)]
        if len(others) >= 3:
            density = np.average(hot["density"], weights=hot["km"])
            recovered.append(density > others["density"].quantile(0.75))
    assert len(recovered) >= 8
    assert np.mean(recovered) >= 0.8
    multipliers = edges["multiplier"].to_numpy()
    assert np.median(multipliers[planted]) > 1.5 * np.median(multipliers)


def test_multipliers_reach_the_edges(edge_run, national: nx.MultiDiGraph, synthetic_log) -> None:
    settings, _ = edge_run
    _, segments, hotspots = synthetic_log
    plain_settings = dataclasses.replace(settings, models_dir=settings.models_dir / "none")
    (plain_settings.models_dir).mkdir()
    for name in ("theft_risk.txt", "theft_risk.card.json"):
        (plain_settings.models_dir / name).write_bytes((settings.models_dir / name).read_bytes())
    with_edges = risk_network(settings, national, 2025)
    state_only = risk_network(plain_settings, national, 2025)
    u, v = segments.iloc[hotspots[0][0]][["u", "v"]]
    assert with_edges.edges[u, v, 0]["theft_rate"] != state_only.edges[u, v, 0]["theft_rate"]


def test_pai_on_a_known_case() -> None:
    km = np.array([1.0, 1.0, 98.0])
    observed = np.array([10, 0, 10])
    assert pai(np.array([3.0, 2.0, 1.0]), km, observed, 0.01) == pytest.approx(0.5 / 0.01)
    assert pai(np.array([1.0, 2.0, 3.0]), km, observed, 0.5) == pytest.approx(0.5 / 0.98)


def test_reader_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_incidents(tmp_path / "none.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("x,y,when\n1,2,2024-01-01\n")
    with pytest.raises(InputError, match=r"lacks columns \['lat', 'lon', 'datetime'\]"):
        read_incidents(wrong)


def test_cli_train_with_incidents(edge_run, synthetic_log, capsys: pytest.CaptureFixture[str]) -> None:
    settings, _ = edge_run
    env_models = str(settings.models_dir / "cli")
    import os  # noqa: PLC0415

    os.environ["CARGORISK_MODELS_DIR"] = env_models
    try:
        code = main(["--data-dir", str(settings.data_dir), "train", "--incidents", str(synthetic_log[0])])
    finally:
        del os.environ["CARGORISK_MODELS_DIR"]
    out = capsys.readouterr().out
    assert code == 0
    assert "line 5: lat 'north' is not a latitude" in out
    assert "PAI@5%" in out and "lightgbm" in out
    assert (Path(env_models) / "edge_risk.parquet").exists()
