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
    load_wait_model_cached,
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


ONLY_24H_IN_THE_FEED = {
    "Roma-Ciudad Miguel Alemán International Bridge",
    "Del Rio International Bridge",
    "Progreso International Bridge",
    "Presidio-Ojinaga International Bridge",
    "Raul Hector Castro (Douglas)",
}


def test_every_commercial_port_gets_a_prediction(border) -> None:
    model, _, table, _ = border
    for row in table.itertuples():
        est = model.predict_wait(row.crossing, at(table, row.crossing, 3, 10), row.time_zone)
        assert est.is_open and 0 < est.mean_min < 240, row.crossing
        assert est.hours and est.hours_source, row.crossing
        # assumed on weekdays only where the one source was the feed's whole-crossing '24 hrs/day'
        assert est.hours_assumed == (row.crossing in ONLY_24H_IN_THE_FEED), row.crossing
    by = {r.crossing: model.level(r.crossing) for r in table.itertuples()}
    assert by["World Trade Bridge"] > by["Pharr International Bridge"] > by["Lukeville"]


def test_small_crossings_shrink_in_proportion_to_volume(border) -> None:
    """Below the smallest observed crossing (BOTA, ~450 trucks a day) the level falls with
    volume (a queue's light-traffic limit), not with its square root."""
    model, _, _, _ = border
    smallest = min(v for _, v in model.reference_.values())
    small = [c for c, v in model.volumes_.items() if 1 < v < smallest and c not in model.levels_]
    assert len(small) >= 5
    per_truck = {c: model.level(c) / model.volumes_[c] for c in small}
    assert max(per_truck.values()) == pytest.approx(min(per_truck.values()), rel=1e-9)
    power_law = (
        model.level("Bridge of the Americas") * (model.volumes_["Tecate"] / smallest) ** model.elasticity_
    )
    assert model.level("Tecate") < 0.7 * power_law


def second_tuesday(month: int, tz: str) -> datetime:
    """10:00 on the second Tuesday of a 2026 month."""
    first = datetime(2026, month, 1, 10, tzinfo=ZoneInfo(tz))
    return first + timedelta(days=(1 - first.weekday()) % 7 + 7)


def test_produce_ports_peak_in_winter(border) -> None:
    """Mariposa and Pharr follow their own truck seasons: winter above summer (issue 25)."""
    model, _, table, _ = border
    for crossing, winter, summer in (("Mariposa", 2, 8), ("Pharr International Bridge", 1, 7)):
        tz = table.set_index("crossing").at[crossing, "time_zone"]
        waits = [
            model.predict_wait(crossing, second_tuesday(month, tz), tz).mean_min for month in (winter, summer)
        ]
        assert waits[0] > waits[1], crossing
    assert model.season("Mariposa", 2) > 1.05 and model.season("Mariposa", 8) < 0.9


def test_each_crossing_keeps_its_own_hours(border) -> None:
    model, _, table, _ = border
    sat_evening, sunday_noon = (7, 18), (8, 12)  # 7 and 8 March 2026

    def open_at(crossing: str, day_hour: tuple[int, int]) -> bool:
        tz = table.set_index("crossing").at[crossing, "time_zone"]
        return model.predict_wait(crossing, at(table, crossing, *day_hour), tz).is_open

    assert not open_at("World Trade Bridge", sat_evening)  # Sat 08:00-16:00 (CBP 2017)
    assert open_at("World Trade Bridge", sunday_noon)  # Sun 10:00-14:00
    assert open_at("Pharr International Bridge", (6, 23))  # CBP feed: 6 am-Midnight (weekdays)
    assert not open_at("Pharr International Bridge", sat_evening)  # weekend assumed 08:00-16:00
    assert not open_at("Ysleta Bridge", sunday_noon)  # CBP's El Paso history: closed Sundays
    # Eagle Pass Bridge II: 24 h (2020), but a truck also clears Piedras Negras' export customs
    assert open_at("Camino Real International Bridge", (6, 22))  # 07:00-23:00
    assert not open_at("Camino Real International Bridge", (6, 3))
    assert open_at("Camino Real International Bridge", (8, 12))  # no source for its Sundays: assumed
    assert not open_at("Camino Real International Bridge", (8, 17))  # 09:00-16:00
    assert not open_at("Roma-Ciudad Miguel Alemán International Bridge", (6, 3))  # the feed's 24 h: not read
    assert not open_at("Otay Mesa Commercial", sat_evening)  # Sat 09:00-17:00 (CBP 2003)


def test_holidays(border) -> None:
    model, _, _, _ = border
    tz = "America/Chicago"
    wtb = "World Trade Bridge"
    christmas = model.predict_wait(wtb, datetime(2026, 12, 25, 11, tzinfo=ZoneInfo(tz)), tz)
    assert not christmas.is_open and "2024-12" in christmas.hours_source
    assert christmas.hours == "closed" and not christmas.hours_assumed
    eve = [model.predict_wait(wtb, datetime(2026, 12, 24, h, tzinfo=ZoneInfo(tz)), tz) for h in (11, 15)]
    assert eve[0].is_open and not eve[1].is_open and eve[0].hours == "10:00-14:00"
    independence = model.predict_wait(
        "Colombia Solidarity Bridge", datetime(2026, 9, 16, 11, tzinfo=ZoneInfo(tz)), tz
    )
    assert not independence.is_open  # Mexican side closed on Mexican holidays (Buckland, 2025)
    good_friday = model.predict_wait(
        "Ysleta Bridge", datetime(2026, 4, 3, 11, tzinfo=ZoneInfo("America/Denver")), "America/Denver"
    )
    assert not good_friday.is_open  # Juárez aduanas close on Good Friday
    unsourced = model.predict_wait(
        "Naco", datetime(2026, 12, 25, 11, tzinfo=ZoneInfo("America/Phoenix")), "America/Phoenix"
    )
    assert not unsourced.is_open and unsourced.hours_assumed


def test_monday_opening_includes_the_queue_of_the_closure(border) -> None:
    """World Trade Bridge closes Sunday 14:00 and opens Monday 07:00: the opening wait carries the
    queue of the closure, which drains over the morning."""
    model, _, table, _ = border
    tz = "America/Chicago"
    opening = model.predict_wait("World Trade Bridge", at(table, "World Trade Bridge", 2, 7), tz)
    later = model.predict_wait(
        "World Trade Bridge", at(table, "World Trade Bridge", 2, 7) + timedelta(hours=3), tz
    )
    assert opening.is_open and opening.backlog_min > 5 and opening.mean_min >= opening.backlog_min
    assert later.backlog_min < opening.backlog_min
    assert 0 < model.carry_over_h_ < 6  # fitted on El Paso's opening hours


def test_evaluation_reports_model_and_baselines(border) -> None:
    model, evaluation, _, path = border
    assert len(evaluation) == 4
    assert np.isfinite(evaluation[["model", "zero", "hour_of_week", "volume_only"]]).all().all()
    loo = evaluation[evaluation["test"] == "leave one crossing out"]
    assert set(loo["crossing"]) == {"Ysleta Bridge", "Bridge of the Americas"}
    assert loo["beats_naive"].all() and (loo["model"] < loo["volume_only"]).all()
    assert not model.uncertain_  # so the plan says "modelled", not "wait uncertain"
    card = json.loads(path.read_text())["card"]
    assert card["evaluation"] and 0.3 < card["elasticity"] < 1.0
    assert any("gamma" in a for a in card["assumptions"])
    assert {r["crossing"] for r in card["season_check"]} >= {"Mariposa", "Pharr International Bridge"}
    assert all(r["season_vs_rest"] > 1 for r in card["season_check"] if r["crossing"] == "Mariposa")


def test_model_file_round_trip_and_damage(border, trained: Settings, tmp_path: Path) -> None:
    model, _, table, path = border
    loaded, _ = load_wait_model(path)
    when = at(table, "World Trade Bridge", 2, 9)
    assert loaded.predict_wait("World Trade Bridge", when, "America/Chicago") == model.predict_wait(
        "World Trade Bridge", when, "America/Chicago"
    )
    assert loaded.hours_.table == model.hours_.table
    assert list(loaded.crossings_["crossing"]) == list(table["crossing"])
    broken = tmp_path / "border_waits.json"
    broken.write_text(path.read_text()[:500])
    with pytest.raises(ModelFileError, match="damaged"):
        load_wait_model(broken)
    with pytest.raises(ModelFileError, match="missing"):
        load_wait_model(tmp_path / "none.json")


def test_checked_model_cache_follows_the_file(border, tmp_path: Path) -> None:
    """`border waits` reads a checked copy of the wait model; a new model file gets a new copy,
    a damaged copy is ignored, and a damaged model file is still refused."""
    model, _, table, path = border
    when = at(table, "World Trade Bridge", 2, 9)
    expected = model.predict_wait("World Trade Bridge", when, "America/Chicago")
    first, _ = load_wait_model_cached(path, tmp_path / "cache")
    (copy,) = (tmp_path / "cache").glob("waits-*.pickle")
    again, _ = load_wait_model_cached(path, tmp_path / "cache")
    assert first.predict_wait("World Trade Bridge", when, "America/Chicago") == expected
    assert again.predict_wait("World Trade Bridge", when, "America/Chicago") == expected
    copy.write_bytes(b"not a pickle")
    assert load_wait_model_cached(path, tmp_path / "cache")[0].hours_.table == model.hours_.table
    moved = tmp_path / "border_waits.json"
    moved.write_text(path.read_text().replace('"carry_over_h": ', '"carry_over_h":  ', 1))
    load_wait_model_cached(moved, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("waits-*.pickle"))) == 2
    moved.write_text(path.read_text()[:500])
    with pytest.raises(ModelFileError, match="damaged"):
        load_wait_model_cached(moved, tmp_path / "cache")


def test_live_feed_overrides_the_model(border) -> None:
    model, _, table, _ = border
    live = read_live_waits(FEED)
    assert set(live["port_code"]) == {"2304", "2506"}  # the Canadian port is ignored
    wtb = live.set_index("crossing_name").loc["World Trade Bridge"]
    assert wtb["delay_min"] == 95 and wtb["observed_at"] == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    when = at(table, "World Trade Bridge", 2, 8)
    est = model.predict_wait("World Trade Bridge", when, "America/Chicago", live)
    assert est.source == "live" and est.mean_min == 95 and est.fast_min == 40
    # the feed's posted hours (8 am-Midnight), within Nuevo Laredo's export customs (to 23:00)
    assert est.hours == "08:00-23:00" and "--waits file" in est.hours_source
    assert "Mexican export customs" in est.hours_source
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
    with pytest.raises(InputError, match="cannot read time 'soon'; use ISO 8601, year first"):
        parse_time("soon")
    with pytest.raises(InputError, match=r"'03/02/2026 06:00' \(a date with the day and month first is"):
        parse_time("03/02/2026 06:00")  # 2 March in Texas, 3 February in Nuevo León: never guessed
    assert parse_time("2026-03-02 06:00") == datetime(2026, 3, 2, 6)  # a TMS export's space, no offset


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
    assert "World Trade Bridge" in out and "wait observed" in out and len(out.splitlines()) == 50
    wtb = next(line for line in out.splitlines() if "World Trade Bridge" in line)
    # the hours a northbound truck crosses, as plans use them: CBP's within the Mexican export
    # customs' (the Saturday 08:00-16:00 it listed was CBP's alone; a plan at 15:30 found it closed)
    assert "07:00-23:00  08:00-15:00  10:00-14:00" in wtb
    assert main([*data, "border", "waits", "--port", "World Trade Bridge", "--at", "2026-03-07T15:30"]) == 0
    assert "closed" in capsys.readouterr().out
    assert main([*data, "border", "ports", "--direction", "mx_export"]) == 0  # an authority's own
    assert "World Trade Bridge" in capsys.readouterr().out
    # southbound: the wait plans price (CBP's waits are northbound; it showed their 88 min)
    assert main([*data, "border", "ports", "--direction", "southbound"]) == 0
    south = capsys.readouterr().out
    wtb = next(line for line in south.splitlines() if "World Trade Bridge" in line)
    assert f"{trained.southbound_wait_min:.0f} min" in wtb and "wait assumed southbound" in south
    assert "trucks/day and growth are northbound crossings" in south
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
