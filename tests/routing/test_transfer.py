"""The transfer crossing (issue 25 item 3): yard, transfer carrier, yard, against the through
truck on the same lane; on the real data and the national graph."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import cargorisk
from cargorisk.api_models import PlanOut
from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.routing import Router, hos
from cargorisk.routing.transfer import check_crossing_mode, figures, table
from cargorisk.service import create_app

DEPART = "2026-03-02T06:00-06:00"
LANE = {"origin": "Monterrey, NL", "destination": "Dallas, TX", "depart": DEPART, "cargo_value": 250_000}


@pytest.fixture(scope="module")
def plans(router: Router) -> dict[str, object]:
    """The Monterrey -> Dallas plan crossing through and by transfer."""
    return {
        mode: router.plan(
            "Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_value=250_000, crossing_mode=mode
        )
        for mode in ("through", "transfer")
    }


def test_every_figure_is_cited_and_assumptions_say_so() -> None:
    rows = table()
    assert rows[["source", "url", "date"]].notna().all().all()
    assumed = rows[rows["assumption"] == "yes"]
    assert len(assumed) and assumed["note"].str.startswith("ASSUMPTION").all()
    assert not rows.loc[rows["assumption"] == "no", "note"].fillna("").str.startswith("ASSUMPTION").any()
    f = figures()
    assert f.fee_total_usd > 0 and f.inspection("agricultural") > 0 and f.inspection("electronics") == 0


def test_bad_mode_is_a_one_line_error(router: Router) -> None:
    assert check_crossing_mode(" Transfer ") == "transfer" and check_crossing_mode(None) == "through"
    with pytest.raises(InputError, match=r"^crossing_mode 'drayage' is not one of through, transfer$"):
        router.plan("Monterrey, NL", "Dallas, TX", crossing_mode="drayage")


def test_transfer_against_through_on_the_same_lane(plans: dict[str, object]) -> None:
    through, transfer = plans["through"].recommended, plans["transfer"].recommended
    f = figures()
    assert through.crossing == transfer.crossing and through.km == pytest.approx(transfer.km)
    assert transfer.crossing_mode == "transfer" and through.crossing_mode == "through"
    # the through driver (11 h of driving, the wait and the line) must rest 10 h in the US;
    # the transfer's three drivers each drive a short leg: no rest, the yards and customs instead
    assert through.rest_h == pytest.approx(10.0) and transfer.rest_h == 0.0
    parked = transfer.total_h - transfer.driving_h - transfer.wait_min / 60 - transfer.break_h
    assert parked == pytest.approx(f.yard_origin_h + f.yard_destination_h + f.customs_h, abs=1e-3)
    # both spend customs' time at the port (whoever drives the load across); the transfer's yards
    # stand for the through driver's rest, and its short legs need no break
    assert through.port_h == pytest.approx(f.customs_h) and transfer.port_h == pytest.approx(parked)
    assert transfer.total_h == pytest.approx(
        through.total_h - through.rest_h - through.break_h + f.yard_origin_h + f.yard_destination_h
        + (transfer.wait_min - through.wait_min) / 60
    )  # fmt: skip
    # fees in the cost; the yards' theft probability in the route's
    assert through.costs.fees_usd == 0 and transfer.costs.fees_usd == pytest.approx(f.fee_total_usd)
    # the customs brokers are paid crossing through too: in neither cost (a dispatcher's audit
    # found USD 452 of brokers in the transfer's cost against the through truck's 0)
    assert f.brokers_usd and not set(f.brokers_usd) & set(transfer.fees) and f.fee_total_usd == 150
    # every cost but the expected loss rises by the fees at least (the loss can fall: the through
    # driver's 10 h rest in an unsecured US truck stop carries parked risk the yards do not)
    # (less the through driver's break, at the time rate)
    assert transfer.cost_usd - transfer.expected_loss_usd > (
        through.cost_usd - through.expected_loss_usd + f.fee_total_usd - 57.64 * through.break_h - 1
    )
    assert 0 < transfer.yard_theft_prob <= transfer.parked_theft_prob < transfer.theft_prob
    rest = [s for s in through.stop_places if s["kind"] == "rest"]
    assert rest and rest[0]["country"] == "US" and rest[0]["theft_prob"] > transfer.yard_theft_prob
    assert transfer.expected_loss_usd == pytest.approx(transfer.theft_prob * 250_000)


def test_legs_carry_their_carrier_and_the_hours_check_passes(plans: dict[str, object]) -> None:
    doc = json.loads(plans["transfer"].to_json())
    route = doc["recommended"]
    assert doc["crossing_mode"] == "transfer"
    assert [leg["carrier"] for leg in route["legs"]] == ["Mexican carrier", "transfer carrier", "US carrier"]
    assert route["legs"][-1]["end_h"] == pytest.approx(route["total_h"], abs=0.006)
    # the border line is the transfer carrier's, at the wheel (hours of service), and said apart
    lines = [leg["line_h"] for leg in route["legs"]]
    line_h = sum(a["end_h"] - a["start_h"] for a in route["schedule"] if a["kind"] == "line")
    assert lines[0] == lines[2] == 0 and lines[1] == pytest.approx(line_h, abs=1e-3) and line_h > 0
    assert route["legs"][1]["driving_h"] >= lines[1]
    assert route["fees_usd"] > 0 and set(route["fee_items_usd"]) == set(figures().fees_usd)
    kinds = {(a["kind"], a["carrier"]) for a in route["schedule"]}
    assert ("line", "transfer carrier") in kinds and ("customs", "transfer carrier") in kinds
    assert {a["carrier"] for a in route["schedule"] if a["country"] == "US" and a["kind"] == "drive"} >= {
        "US carrier"
    }
    assert not [n for n in doc["notes"] if "hours-of-service" in n]
    for r in plans["transfer"].routes():
        assert hos.check_route(r) == []
    assert hos.check_route_dict(route) == []
    through = json.loads(plans["through"].to_json())["recommended"]
    assert [leg["carrier"] for leg in through["legs"]] == ["through carrier"]
    text = plans["transfer"].summary()
    assert "crossing by transfer" in text and "transfer carrier" in text and "secured yard" in text


def test_each_driver_starts_fresh_after_a_yard(plans: dict[str, object]) -> None:
    """The checker treats a yard as a change of driver: without it, the same schedule read
    as one driver's day is a different log (the US leg's driver has no 10 h off before it)."""
    schedule = plans["transfer"].recommended.schedule
    legs = hos.carrier_legs(schedule)
    assert len(legs) == 3 and all(leg[-1].kind == "yard" for leg in legs[:2])
    assert schedule[-1].end_s == legs[-1][-1].end_s


def test_produce_gets_its_inspection(router: Router) -> None:
    produce = router.plan(
        "Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_type="agricultural", crossing_mode="transfer",
        alternatives=0,
    ).recommended  # fmt: skip
    general = router.plan(
        "Monterrey, NL", "Dallas, TX", depart=DEPART, crossing_mode="transfer", alternatives=0
    ).recommended
    inspections = [a for a in produce.schedule if a.kind == "inspection"]
    assert len(inspections) == 1 and inspections[0].hours == pytest.approx(
        figures().inspection("agricultural")
    )
    assert "USDA" in inspections[0].rule and not [a for a in general.schedule if a.kind == "inspection"]
    if produce.crossing == general.crossing:
        assert produce.total_h > general.total_h + 3


def test_cli_flag_and_bad_value(
    trained: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    folders = ["-q", "--data-dir", str(trained.data_dir)]
    lane = ["route", "Monterrey, NL", "Dallas, TX", "--depart", DEPART]
    assert main([*folders, *lane, "--crossing-mode", "transfer", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["crossing_mode"] == "transfer" and doc["recommended"]["fees_usd"] > 0
    assert main([*folders, *lane, "--crossing-mode", "drayage"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "crossing_mode 'drayage' is not one of through, transfer" in err


def test_score_lanes_column(router: Router) -> None:
    lanes = pd.DataFrame(
        {
            "lane_id": ["a", "b", "c", "d"],
            "origin": ["Monterrey, NL"] * 4,
            "destination": ["Dallas, TX"] * 4,
            "depart": [DEPART] * 4,
            "crossing_mode": ["through", "transfer", None, "drayage"],
        }
    )
    out = cargorisk.score_lanes(lanes, router).set_index("lane_id")
    assert list(out["status"]) == ["ok", "ok", "ok", "error"]
    assert "crossing_mode 'drayage'" in out.loc["d", "error"]
    assert list(out.loc[["a", "b", "c"], "crossing_mode"]) == ["through", "transfer", "through"]
    assert out.loc["a", "fees_usd"] == 0 and out.loc["b", "fees_usd"] == pytest.approx(
        figures().fee_total_usd
    )
    assert out.loc["b", "yard_theft_prob"] > 0 and out.loc["a", "yard_theft_prob"] == 0
    plan = router.plan("Monterrey, NL", "Dallas, TX", depart=DEPART, crossing_mode="transfer")
    assert out.loc["b", "cost_usd"] == pytest.approx(plan.recommended.cost_usd)
    assert out.loc["b", "total_h"] == pytest.approx(plan.recommended.total_h)


def test_api_field(trained: Settings) -> None:
    client = TestClient(create_app(trained), base_url="http://127.0.0.1", client=("127.0.0.1", 50000))
    body = client.post("/v1/route", json={**LANE, "crossing_mode": "transfer"}).json()
    PlanOut.model_validate(body)
    assert body["crossing_mode"] == "transfer" and body["recommended"]["crossing_mode"] == "transfer"
    assert [leg["carrier"] for leg in body["recommended"]["legs"]][1] == "transfer carrier"
    bad = client.post("/v1/route", json={**LANE, "crossing_mode": "drayage"})
    assert bad.status_code == 400 and "crossing_mode 'drayage' is not one of" in bad.json()["error"]
    through = client.post("/v1/route", json=LANE).json()
    assert through["crossing_mode"] == "through" and through["recommended"]["fees_usd"] == 0


def test_matrix_prices_the_same_mode(router: Router) -> None:
    cells = {
        mode: router.matrix(["Monterrey, NL"], ["Dallas, TX"], depart=DEPART, crossing_mode=mode).to_dict()
        for mode in ("through", "transfer")
    }
    through, transfer = cells["through"], cells["transfer"]
    money = {m: c["cost_usd"][0][0] - c["expected_loss_usd"][0][0] for m, c in cells.items()}
    # the fees, less at most an hour at the time rate (the through driver's break)
    assert money["transfer"] > money["through"] + figures().fee_total_usd - router.costs.time_usd_per_h
    assert transfer["theft_prob"][0][0] > 0 and through["theft_prob"][0][0] > 0
    with pytest.raises(InputError, match="crossing_mode 'drayage'"):
        router.matrix(["Monterrey, NL"], ["Dallas, TX"], crossing_mode="drayage")
