"""Border crossings and expected commercial waits, on the real CBP and BTS data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cargorisk.border import (
    crossing_table,
    load_wait_model,
    parse_time,
    read_live_waits,
    resolve_crossing,
)
from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError, ModelFileError, PlaceNotFound

FEED = Path(__file__).parents[1] / "data" / "cbp_bwt_feed_SYNTHETIC.json"


@pytest.fixture(scope="module")
def border(trained: Settings, corridor: nx.MultiDiGraph):
    from cargorisk.border import train_wait_model  # noqa: PLC0415

    model, evaluation, path = train_wait_model(trained, corridor)
    return model, evaluation, crossing_table(corridor, trained.processed_dir), path


def at(table: pd.DataFrame, crossing: str, day: int, hour: int) -> datetime:
    """A local time in March 2026 at the crossing (2 March 2026 is a Monday)."""
    tz = table.set_index("crossing").at[crossing, "time_zone"]
    return datetime(2026, 3, day, hour, tzinfo=ZoneInfo(tz))


def test_crossing_table(border) -> None:
    _, _, table, _ = border
    assert len(table) == 24 and table["port_code"].nunique() == 22
    wtb = table.set_index("crossing").loc["World Trade Bridge"]
    assert wtb["volume_source"] == "CBP bridge" and wtb["trucks_per_day"] > 5000
    assert wtb["time_zone"] == "America/Chicago"
    assert table.set_index("port_code").loc["2402", "time_zone"] == "America/Denver"
    assert all(len(s) == 12 and abs(np.mean(s) - 1) < 0.05 for s in table["seasonality"])


def test_bota_morning_exceeds_small_hours_and_closed_is_closed(border) -> None:
    model, _, table, _ = border
    crossing, tz = "Bridge of the Americas", "America/Denver"
    morning = model.predict_wait(crossing, at(table, crossing, 3, 10), tz)
    night = model.predict_wait(crossing, at(table, crossing, 3, 3), tz)
    sunday = model.predict_wait(crossing, at(table, crossing, 8, 11), tz)
    assert morning.is_open and morning.source == "observed" and morning.mean_min > 10
    assert not night.is_open and night.source == "closed" and np.isnan(night.mean_min)  # not a zero wait
    assert not sunday.is_open
    assert morning.p50_min < morning.mean_min < morning.p90_min
    assert not model.is_open(crossing, at(table, crossing, 3, 3), tz)


def test_every_commercial_port_gets_a_prediction(border) -> None:
    model, _, table, _ = border
    for row in table.itertuples():
        est = model.predict_wait(row.crossing, at(table, row.crossing, 3, 10), row.time_zone)
        assert est.is_open and 0 < est.mean_min < 240, row.crossing
    by = {r.crossing: model.level(r.crossing) for r in table.itertuples()}
    assert by["World Trade Bridge"] > by["Pharr International Bridge"] > by["Lukeville"]


def test_evaluation_reports_model_and_baselines(border) -> None:
    _, evaluation, _, path = border
    assert len(evaluation) == 4
    assert np.isfinite(evaluation[["model", "overall_mean", "hour_of_day_mean"]]).all().all()
    cross = evaluation[evaluation["test"].str.startswith("fit")]
    assert (cross["model"] < cross["overall_mean"]).all()  # volume scaling beats carrying the mean over
    card = json.loads(path.read_text())["card"]
    assert card["evaluation"] and 0.3 < card["elasticity"] < 1.0
    assert any("gamma" in a for a in card["assumptions"])


def test_model_file_round_trip_and_damage(border, trained: Settings, tmp_path: Path) -> None:
    model, _, table, path = border
    loaded, _ = load_wait_model(path)
    when = at(table, "World Trade Bridge", 2, 9)
    assert loaded.predict_wait("World Trade Bridge", when, "America/Chicago").mean_min == pytest.approx(
        model.predict_wait("World Trade Bridge", when, "America/Chicago").mean_min
    )
    broken = tmp_path / "border_waits.json"
    broken.write_text(path.read_text()[:500])
    with pytest.raises(ModelFileError, match="damaged"):
        load_wait_model(broken)
    with pytest.raises(ModelFileError, match="missing"):
        load_wait_model(tmp_path / "none.json")


def test_live_feed_overrides_the_model(border) -> None:
    model, _, table, _ = border
    live = read_live_waits(FEED)
    assert set(live["port_code"]) == {"2304", "2506"}  # the Canadian port is ignored
    wtb = live.set_index("crossing_name").loc["World Trade Bridge"]
    assert wtb["delay_min"] == 95 and wtb["observed_at"] == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    when = at(table, "World Trade Bridge", 2, 8)
    est = model.predict_wait("World Trade Bridge", when, "America/Chicago", live)
    assert est.source == "live" and est.mean_min == 95
    later = model.predict_wait("World Trade Bridge", when + timedelta(hours=5), "America/Chicago", live)
    assert later.source == "modelled"  # readings older than two hours do not apply
    closed = model.predict_wait("Colombia Solidarity Bridge", when, "America/Chicago", live)
    assert not closed.is_open and closed.source == "live"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON"),
        ('{"port": 1}', "is not a CBP Border Wait Times feed"),
        (
            '[{"port_number": "230404", "date": "2026-03-02", "commercial_vehicle_lanes": {"standard_lanes": '
            '{"update_time": "At 7:00 am CST", "delay_minutes": "5"}}}]',
            "is not MM/DD/YYYY",
        ),
    ],
)
def test_malformed_waits_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "waits.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_live_waits(path)


def test_bad_port_and_time(border) -> None:
    model, _, table, _ = border
    with pytest.raises(
        PlaceNotFound, match=r"'Laredp' is not a commercial crossing; did you mean 'Laredo'\?"
    ):
        resolve_crossing("Laredp", table)
    assert resolve_crossing("laredo", table)["crossing"] == "World Trade Bridge"  # busiest bridge
    assert resolve_crossing("BOTA", table)["port_code"] == "2402"
    assert resolve_crossing("2304", table)["port_name"] == "Laredo"
    with pytest.raises(InputError, match="has no time zone"):
        model.predict_wait("World Trade Bridge", datetime(2026, 3, 2, 8), "America/Chicago")
    with pytest.raises(InputError, match="cannot read time 'soon'"):
        parse_time("soon")


def test_border_cli(
    border,
    trained: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    data = ["--data-dir", str(trained.data_dir)]
    assert main([*data, "border", "ports"]) == 0
    out = capsys.readouterr().out
    assert "World Trade Bridge" in out and "observed (CBP)" in out and len(out.splitlines()) == 25
    assert (
        main([*data, "border", "waits", "--port", "Laredo", "--at", "2026-03-02T08:00-06:00", "--json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["crossing"] == "World Trade Bridge" and doc["open"] and doc["p90_min"] > doc["p50_min"]
    # without an offset: the port's local time, and the answer names the zone
    assert main([*data, "border", "waits", "--port", "Laredo", "--at", "2026-03-02T08:00"]) == 0
    assert "08:00 CST (America/Chicago): expected wait" in capsys.readouterr().out
    assert main([*data, "border", "waits", "--port", "Laredo", "--at", "2026-03-02T08:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["local_time"] == doc["local_time"]
    assert (
        main(
            [
                *data,
                "border",
                "waits",
                "--port",
                "Laredo",
                "--at",
                "2026-03-02T07:30-06:00",
                "--waits",
                str(FEED),
            ]
        )
        == 0
    )
    assert "expected wait 95 min" in capsys.readouterr().out
    for bad in (
        ["--port", "Nowhere", "--at", "2026-03-02T08:00-06:00"],
        ["--port", "Laredo", "--at", "02/03/2026 8am"],
        ["--port", "Laredo", "--at", "2026-03-02T08:00-06:00", "--waits", str(tmp_path / "none.json")],
    ):
        assert main([*data, "border", "waits", *bad]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1
    png = tmp_path / "wtb.png"
    assert main([*data, "border", "heatmap", "--port", "WTB", "-o", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
