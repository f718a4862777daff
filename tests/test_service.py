"""The HTTP API against the real models: the same answers as Router.plan and score_lanes, the
documented statuses for bad input, offline docs, the API key."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cargorisk.api_models import PlanOut
from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.routing import Router
from cargorisk.service import MAX_LANES, check_host, create_app

DEPART = "2026-03-02T06:00-06:00"
MTY_DALLAS = {
    "origin": "Monterrey, NL",
    "destination": "Dallas, TX",
    "depart": DEPART,
    "cargo_value": 250_000,
}


@pytest.fixture(scope="module")
def client(trained: Settings) -> TestClient:
    return TestClient(create_app(trained))


def test_health_and_offline_docs(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["theft_model"]["default_predictor"] == "blend"
    assert health["network"]["nodes"] > 30_000 and "sesnsp_state_year" in health["data_checksums"]
    docs = client.get("/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert "/v1/route" in client.get("/openapi.json").json()["paths"]


def test_route_equals_router_plan(client: TestClient, trained: Settings) -> None:
    response = client.post("/v1/route", json=MTY_DALLAS)
    assert response.status_code == 200 and response.headers["x-request-id"]
    body = response.json()
    plan = Router.from_settings(trained, 2025).plan(
        "Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_value=250_000
    )
    expected = json.loads(plan.to_json())["recommended"]
    got = body["recommended"]
    assert {k: got[k] for k in ("km", "crossing", "theft_prob", "cost_usd", "total_h")} == {
        k: expected[k] for k in ("km", "crossing", "theft_prob", "cost_usd", "total_h")
    }
    assert got["geometry"]["type"] == "LineString" and len(got["geometry"]["coordinates"]) > 100
    assert got["theft_prob_90"][0] < got["theft_prob"] < got["theft_prob_90"][1]
    PlanOut.model_validate(body)  # the OpenAPI document describes the real answer
    schema = client.get("/openapi.json").json()
    assert "PlanOut" in schema["components"]["schemas"] and "ErrorOut" in schema["components"]["schemas"]
    shouted = client.post("/v1/route", json={**MTY_DALLAS, "objective": " FASTEST"})
    assert shouted.status_code == 200 and shouted.json()["objective"] == "fastest"
    pharma = client.post("/v1/route", json={**MTY_DALLAS, "cargo_type": "Pharma"}).json()
    plan = Router.from_settings(trained, 2025).plan(
        "Monterrey, NL", "Dallas, TX", depart=DEPART, cargo_value=250_000, cargo_type="pharma"
    )
    assert pharma["cargo_type"] == "pharma" and pharma["recommended"]["theft_prob"] == pytest.approx(
        plan.recommended.theft_prob
    )


def test_route_as_geojson(client: TestClient) -> None:
    posted = client.post("/v1/route", json=MTY_DALLAS, headers={"Accept": "application/geo+json"})
    assert posted.headers["content-type"].startswith("application/geo+json")
    collection = posted.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["features"][0]["properties"]["label"] == "recommended"
    got = client.get("/v1/route.geojson", params={k: str(v) for k, v in MTY_DALLAS.items()}).json()
    assert [f["properties"]["km"] for f in got["features"]] == [
        f["properties"]["km"] for f in collection["features"]
    ]


def test_map_html_png_and_query_requests(client: TestClient) -> None:
    """GET takes the same request as query parameters (lists repeated); the map is the offline
    folium map with no tiles, the PNG a real image; a bad request is the same JSON error."""
    query = {**MTY_DALLAS, "avoid_states": ["Coahuila", "Chihuahua"], "cargo_type": "electronics"}
    html = client.get("/v1/route/map.html", params=query)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "cargorisk-summary" in html.text and "tile.openstreetmap" not in html.text
    assert '<script src="http' not in html.text  # every asset inlined
    saved = client.get("/v1/route/map.html", params={**query, "download": "true"})
    assert saved.headers["content-disposition"] == 'attachment; filename="route.html"'
    png = client.get("/v1/route/map.png", params=query)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 50_000
    posted = client.post("/v1/route", json=query).json()
    got = client.get("/v1/route.geojson", params=query).json()
    assert got["features"][0]["properties"]["theft_prob"] == posted["recommended"]["theft_prob"]
    assert posted["cargo_type"] == "electronics"
    bad = client.get("/v1/route/map.html", params={**query, "origin": "Atlantis"})
    assert bad.status_code == 404 and "PlaceNotFound" in bad.json()["error"]


def test_places_ports_and_waits(client: TestClient) -> None:
    first = client.get("/v1/places", params={"q": "Monterr"}).json()[0]
    assert first["label"] == "Monterrey, Nuevo León" and first["country"] == "MX"
    assert client.get("/v1/places", params={"q": "Dallas"}).json()[0]["label"] == "Dallas, Texas"
    ports = client.get("/v1/ports").json()
    assert {"2304", "2305"} <= {p["port_code"] for p in ports}
    wait = client.get("/v1/border/waits", params={"port": "Laredo", "at": "2026-03-02T08:00-06:00"}).json()
    assert wait["crossing"] == "World Trade Bridge" and wait["open"] and wait["mean_min"] > 0


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "message"),
    [
        (
            "post",
            "/v1/route",
            {"origin": "Monterey", "destination": "Dallas, TX"},
            404,
            "PlaceNotFound: 'Monterey'",
        ),
        ("post", "/v1/route", {**MTY_DALLAS, "depart": "soon"}, 400, "InputError"),
        ("post", "/v1/route", {**MTY_DALLAS, "cargo_value": -1}, 422, "cargo_value"),
        ("post", "/v1/route", {**MTY_DALLAS, "cargo_value": True}, 422, "a boolean is not an amount"),
        ("post", "/v1/route", {**MTY_DALLAS, "cargo_value": 10**400}, 422, "cargo_value"),
        ("post", "/v1/route", {**MTY_DALLAS, "objective": "cheapest"}, 422, "objective"),
        ("post", "/v1/route", {**MTY_DALLAS, "cargo_type": "gold"}, 400, "cargo type 'gold'"),
        ("post", "/v1/route", {**MTY_DALLAS, "origin": "x" * 500}, 422, "origin"),
        (
            "post",
            "/v1/route",
            {**MTY_DALLAS, "avoid_states": ["Nuevo León"]},
            409,
            "NoRouteError",
        ),
        ("get", "/v1/border/waits", {"port": "Atlantis", "at": "2026-03-02T08:00-06:00"}, 404, "Atlantis"),
        ("get", "/v1/border/waits", {"port": "Laredo", "at": "yesterday"}, 400, "InputError"),
        ("get", "/v1/places", {}, 422, "q"),
    ],
)
def test_errors_are_json_one_liners_with_the_right_status(
    client: TestClient, method: str, path: str, payload: dict, status: int, message: str
) -> None:
    send = client.post if method == "post" else client.get
    response = send(path, json=payload) if method == "post" else send(path, params=payload)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert message in error and "\n" not in error


def test_lanes_scores_a_book_with_per_row_errors_and_safe_csv(client: TestClient) -> None:
    book = 'lane_id,origin,destination\nA,"Monterrey, NL","Dallas, TX"\n=1+1,Monterey,Dallas\n'
    response = client.post("/v1/lanes", files={"file": ("lanes.csv", book, "text/csv")})
    assert response.status_code == 200, response.text
    scored = pd.read_csv(io.StringIO(response.text))
    assert list(scored["status"]) == ["ok", "error"] and scored.loc[0, "crossing"] == "World Trade Bridge"
    assert scored.loc[1, "lane_id"] == "'=1+1"  # a spreadsheet would have run it as a formula
    assert "PlaceNotFound" in scored.loc[1, "error"]
    big = "lane_id,origin,destination\n" + "".join(f"L{i},Saltillo,Monterrey\n" for i in range(MAX_LANES + 1))
    too_many = client.post("/v1/lanes", files={"file": ("big.csv", big, "text/csv")})
    assert too_many.status_code == 413 and "score-lanes" in too_many.json()["error"]
    headless = client.post("/v1/lanes", files={"file": ("x.csv", "a,b\n1,2\n", "text/csv")})
    assert headless.status_code == 400 and "lacks columns" in headless.json()["error"]


def test_api_key_beyond_loopback(trained: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="set CARGORISK_API_KEY first"):
        check_host("0.0.0.0", None)
    check_host("127.0.0.1", None)
    check_host("0.0.0.0", "secret")
    assert main(["--data-dir", str(trained.data_dir), "serve", "--host", "0.0.0.0"]) == 1
    monkeypatch.setenv("CARGORISK_API_KEY", "secret")
    keyed = TestClient(create_app(trained))
    assert keyed.get("/v1/ports").status_code == 401
    assert keyed.get("/v1/ports", headers={"X-API-Key": "secret"}).status_code == 200
    assert keyed.get("/healthz").status_code == 200  # health checks need no key


def test_serve_fails_fast_and_shuts_down_gracefully(trained: Settings, tmp_path: Path) -> None:
    """Start-up with no models is a one-line error naming what to run; SIGTERM while a request
    is under way lets it finish, then the server exits."""
    cli = Path(sys.executable).with_name("cargorisk")
    env = {**os.environ, "CARGORISK_MODELS_DIR": str(tmp_path)}
    empty = subprocess.run(
        [str(cli), "--data-dir", str(trained.data_dir), "serve", "--port", "1"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert empty.returncode == 1 and "run `cargorisk train`" in empty.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env["CARGORISK_MODELS_DIR"] = str(trained.models_dir)
    server = subprocess.Popen(
        [str(cli), "--data-dir", str(trained.data_dir), "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(httpx.get, f"{base}/v1/route/map.png", params=MTY_DALLAS, timeout=60)
            time.sleep(0.3)  # the request is under way
            server.send_signal(signal.SIGTERM)
            assert slow.result().status_code == 200
        # uvicorn finishes, then exits by the signal it got (as a shell expects: status 143)
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        server.kill()
    log = server.stdout.read()
    assert "no API key (loopback only)" in log and "request_id=" in log and "Finished server process" in log
