"""The HTTP API against the real models: the same answers as Router.plan, Router.matrix and
score_lanes, the documented statuses and one error format for bad input, strict requests,
bounded bodies, offline docs, the host and key guard, health, readiness and metrics."""

from __future__ import annotations

import copy
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
from cargorisk.routing.matrix import CROSSINGS
from cargorisk.service import MAX_LANES, check_host, create_app
from cargorisk.service.limits import ServiceOptions

DEPART = "2026-03-02T06:00-06:00"
MTY_DALLAS = {
    "origin": "Monterrey, NL",
    "destination": "Dallas, TX",
    "depart": DEPART,
    "cargo_value": 250_000,
}


def local(app: object) -> TestClient:
    """A client on this machine (the app answers only loopback clients without an API key)."""
    return TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000))


@pytest.fixture(scope="module")
def client(trained: Settings) -> TestClient:
    return local(create_app(trained))


def test_health_and_offline_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {
        "status": "ok",
        "version": client.get("/readyz").json()["version"],
    }
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["theft_model"]["default_predictor"] == "blend"
    assert ready["network"]["nodes"] > 30_000 and "sesnsp_state_year" in ready["data_checksums"]
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
    assert body == json.loads(plan.to_json())  # the whole plan, coordinates written from arrays
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
    # every route once, each with its own figures and line, fallbacks too (labels repeat)
    body = client.post("/v1/route", json=MTY_DALLAS).json()
    shown = [body["recommended"], body["fastest"], body["safest"], *body["alternatives"]]
    kms = [f["properties"]["km"] for f in collection["features"]]
    assert len(set(kms)) == len(kms) and set(kms) <= {r["km"] for r in shown}
    assert {r["km"] for r in body["alternatives"]} <= set(kms)
    assert len({f["properties"]["label"] for f in collection["features"]}) < len(kms)  # a label twice
    assert all(f["geometry"]["coordinates"] for f in collection["features"])


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
        ("get", "/v1/border/waits", {"port": "Laredo", "at": "2026-03-08T02:30"}, 400, "does not exist"),
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
    assert message in error and "\n" not in error and response.json()["code"]


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
    # a header and no rows: no lanes to score, not a missing column (an audit found the 400)
    nothing = client.post("/v1/lanes", files={"file": ("x.csv", "lane_id,origin,destination\n", "text/csv")})
    assert nothing.status_code == 200 and nothing.text.startswith("lane_id,origin,destination,status,")
    assert pd.read_csv(io.StringIO(nothing.text)).empty
    # as spreadsheets save books: a broken header line was a 500; Excel's "CSV UTF-8" (a byte
    # order mark) lacked lane_id; Windows-1252 garbled every accented place
    broken = client.post(
        "/v1/lanes", files={"file": ("x.csv", 'lane_id,origin,"destination"x\n1,a,b\n', "text/csv")}
    )
    assert broken.status_code == 400 and "header line that is not readable CSV" in broken.json()["error"]
    bom = "\ufeff" + book
    assert (
        client.post("/v1/lanes", files={"file": ("lanes.csv", bom.encode(), "text/csv")}).status_code == 200
    )
    ansi_text = (
        'lane_id,origin,destination,Dirección\nA,Querétaro,"Laredo, TX",x\nB,Saltillo,"Laredo, TX",y\n'
    )
    ansi = ansi_text.encode("cp1252")  # an accented extra column in the header too (it was a 500)
    mixed = client.post("/v1/lanes", files={"file": ("l.csv", ansi, "text/csv")})
    scored = pd.read_csv(io.StringIO(mixed.text))
    assert list(scored["status"]) == ["error", "ok"]  # the row that is not UTF-8 says so, the other is scored
    assert (
        'line 2 has bytes that are not UTF-8 (0xe9); save the file as "CSV UTF-8"' in scored.loc[0, "error"]
    )
    assert "/tmp" not in broken.json()["error"]


def test_api_key_beyond_loopback(trained: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI refuses a public address without a key; the app itself (however started)
    answers only this machine without one, and with one needs it on /v1 and /metrics."""
    with pytest.raises(InputError, match="set CARGORISK_API_KEY first"):
        check_host("0.0.0.0", None)
    check_host("127.0.0.1", None)
    check_host("[::1]", None)
    check_host("0.0.0.0", "a-key-of-16-chars")  # beyond this machine a key needs 16 (test_service_ops)
    assert main(["--data-dir", str(trained.data_dir), "serve", "--host", "0.0.0.0"]) == 1
    open_app = create_app(trained)
    remote = TestClient(open_app, base_url="http://203.0.113.7", client=("203.0.113.9", 40000))
    for path in ("/", "/healthz", "/v1/ports", "/metrics"):
        refused = remote.get(path)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden", path
    rebound = TestClient(open_app, base_url="http://evil.example", client=("127.0.0.1", 40000))
    assert rebound.get("/v1/ports").status_code == 403  # a page elsewhere, through DNS rebinding
    monkeypatch.setenv("CARGORISK_API_KEY", "secret")
    keyed = TestClient(create_app(trained), base_url="http://203.0.113.7", client=("203.0.113.9", 40000))
    for wrong in ({}, {"X-API-Key": "secreT"}, {"X-API-Key": "secret2"}, {"X-API-Key": ""}):
        denied = keyed.get("/v1/ports", headers=wrong)
        assert denied.status_code == 401 and denied.json()["code"] == "unauthorized"
    assert keyed.get("/metrics").status_code == 401
    assert keyed.get("/v1/ports", headers={"X-API-Key": "secret"}).status_code == 200
    assert keyed.get("/healthz").status_code == 200 and keyed.get("/readyz").status_code == 200


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
            # the request is under way (not merely sent: a loaded machine may not have sent it yet)
            deadline = time.monotonic() + 60
            while not slow.done() and not running(base) and time.monotonic() < deadline:
                time.sleep(0.01)
            server.send_signal(signal.SIGTERM)
            assert slow.result().status_code == 200
        # uvicorn finishes, then exits by the signal it got (as a shell expects: status 143)
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        server.kill()
    log = server.stdout.read()
    assert "no API key (loopback only)" in log and "request_id=" in log and "Finished server process" in log


def running(base: str) -> float:
    """Requests computing in the server (its metrics)."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    return sum(
        float(row.split()[-1])
        for row in text.splitlines()
        if row.startswith("cargorisk_cpu_requests_running ")
    )


def test_unknown_fields_are_refused_by_name(client: TestClient) -> None:
    """The audit's request: a misspelt field was ignored and the plan ran at the default value
    through the state to avoid; now it is a 422 naming the field and the one meant."""
    body = {
        "origin": "Monterrey, NL",
        "destination": "Dallas, TX",
        "avoid_state": ["Tamaulipas"],
        "cargo_vaule": 5_000_000,
    }
    refused = client.post("/v1/route", json=body)
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_field"
    error = refused.json()["error"]
    assert "'cargo_vaule' (did you mean 'cargo_value'?)" in error
    assert "'avoid_state' (did you mean 'avoid_states'?)" in error
    query = client.get("/v1/route/map.html", params={**MTY_DALLAS, "lang": "es", "zoom": "3"})
    assert query.status_code == 422 and "'zoom'" in query.json()["error"]
    matrix = client.post(
        "/v1/matrix", json={"origins": ["Saltillo"], "destinations": ["Laredo, TX"], "depar": "x"}
    )
    assert matrix.status_code == 422 and "did you mean 'depart'?" in matrix.json()["error"]
    # the look-ups too (an audit found their unknown parameters ignored)
    places = client.get("/v1/places", params={"q": "Monterr", "limt": "3"})
    assert places.status_code == 422 and "'limt' (did you mean 'limit'?)" in places.json()["error"]
    waits = client.get("/v1/border/waits", params={"port": "Laredo", "at": "2026-03-02T08:00", "foo": "1"})
    assert waits.status_code == 422 and waits.json()["code"] == "unknown_field"
    assert client.get("/v1/places", params={"q": "Monterr", "limit": "3"}).status_code == 200
    assert (
        client.get("/v1/border/waits", params={"port": "Laredo", "at": "2026-03-02T08:00"}).status_code == 200
    )


def test_monitors_probe_with_head_and_host_names_ignore_case(client: TestClient) -> None:
    """HEAD /healthz (how many monitors probe) was a 405; 'Host: LOCALHOST:8123' a 403."""
    assert client.head("/healthz").status_code == 200
    assert client.get("/healthz", headers={"Host": "LOCALHOST:8123"}).status_code == 200


JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # what curl -d sends


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("get", "/v2/route", {}, 404, "not_found"),
        ("delete", "/v1/route", {}, 405, "method_not_allowed"),
        ("put", "/v1/ports", {}, 405, "method_not_allowed"),
        ("post", "/v1/route", {"content": b'{"origin": ', "headers": JSON}, 422, "malformed_body"),
        ("post", "/v1/route", {"content": b"[1, 2]", "headers": JSON}, 422, "invalid_request"),
        ("post", "/v1/route", {"content": b"origin=x", "headers": {"Content-Type": "text/plain"}}, 415,
         "unsupported_media_type"),
        ("post", "/v1/matrix", {"content": b"origins=x", "headers": FORM}, 415, "unsupported_media_type"),
        ("post", "/v1/route", {"content": b'{"origin": "Monterrey, NL"}'}, 415, "unsupported_media_type"),
        ("get", "/v1/lanes/0123456789abcdef01234567", {}, 404, "job_not_found"),
        ("get", "/v1/lanes/..%2F..%2Fetc%2Fpasswd", {}, 404, "not_found"),
        ("get", "/v1/lanes/zz", {}, 404, "job_not_found"),
    ],
)  # fmt: skip
def test_every_error_has_one_format(
    client: TestClient, method: str, path: str, kwargs: dict, status: int, code: str
) -> None:
    response = client.request(method.upper(), path, **kwargs)
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error", "code"} and response.json()["code"] == code
    assert "\n" not in response.json()["error"] and "Traceback" not in response.text


def test_bodies_are_bounded_without_reading_them_whole(client: TestClient) -> None:
    """A declared length over the limit is refused before a byte is read (a chunked body:
    test_service_load.py, over a real socket); an upload over 5 MB is refused."""
    huge = client.post(
        "/v1/route",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(200 * 2**20)},
    )
    assert huge.status_code == 413 and huge.json()["code"] == "too_large"
    upload = b"lane_id,origin,destination\n" + b"x,y,z\n" * 1_000_000
    too_big = client.post("/v1/lanes", files={"file": ("big.csv", upload, "text/csv")})
    assert too_big.status_code == 413 and "score-lanes" in too_big.json()["error"]


def test_answers_carry_security_headers_and_maps_are_compressed(client: TestClient) -> None:
    answer = client.post("/v1/route", json=MTY_DALLAS, headers={"Accept-Encoding": "gzip"})
    headers = answer.headers
    assert headers["x-content-type-options"] == "nosniff" and headers["content-encoding"] == "gzip"
    assert "default-src 'none'" in headers["content-security-policy"] and headers["referrer-policy"]
    page = client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    raw = client.get("/v1/route/map.html", params=MTY_DALLAS, headers={"Accept-Encoding": "gzip"})
    assert (
        raw.headers["content-encoding"] == "gzip"
        and int(raw.headers["content-length"]) < len(raw.content) / 3
    )
    assert "script-src 'unsafe-inline'" in raw.headers["content-security-policy"]


def test_cors_only_for_configured_origins(trained: Settings) -> None:
    options = ServiceOptions(cors_origins=("https://tms.example",))
    app = local(create_app(trained, options=options))
    allowed = app.options(
        "/v1/route",
        headers={"Origin": "https://tms.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,x-api-key"},
    )  # fmt: skip
    assert (
        allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://tms.example"
    )
    other = app.get("/v1/ports", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in client_headers(trained)
    # a refused preflight in the API's error format (it was text/plain "Disallowed CORS origin")
    refused = app.options(
        "/v1/route", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert refused.status_code == 400 and refused.json()["code"] == "cors"
    assert "Disallowed CORS origin" in refused.json()["error"]
    # a post from a page of another site is refused (a form post needs no preflight and no key)
    book = "lane_id,origin,destination\nA,Saltillo,Monterrey\n"
    posted = app.post(
        "/v1/lanes", files={"file": ("l.csv", book, "text/csv")}, headers={"Origin": "https://evil.example"}
    )
    assert posted.status_code == 403 and posted.json()["code"] == "cross_site"
    for origin in ("https://tms.example", "http://127.0.0.1:8000", "http://localhost:5173"):
        ok = app.post("/v1/lanes", files={"file": ("l.csv", book, "text/csv")}, headers={"Origin": origin})
        assert ok.status_code == 200, origin
    same = local(create_app(trained)).post(
        "/v1/lanes", files={"file": ("l.csv", book, "text/csv")}, headers={"Origin": "http://evil.example"}
    )
    assert same.status_code == 403 and same.json()["code"] == "cross_site"
    # an <img> of a map from another site (no Origin; the browser marks it cross-site) is refused;
    # a click on a link to it (a navigation) and a client that is not a browser are not
    query = "/v1/route/map.png?origin=Saltillo&destination=Monterrey"
    img = app.get(query, headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert img.status_code == 403 and img.json()["code"] == "cross_site"
    fetched = app.get("/v1/ports", headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://tms.example"})
    assert fetched.status_code == 200  # an allowed origin's fetch
    link = app.get("/v1/ports", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
    assert link.status_code == 200 and app.get("/v1/ports").status_code == 200


def client_headers(trained: Settings) -> dict:
    """The CORS headers of a default app (none: no origin is allowed unless configured)."""
    return dict(
        local(create_app(trained)).get("/v1/ports", headers={"Origin": "https://tms.example"}).headers
    )


def test_metrics_count_requests_queue_and_caches(client: TestClient) -> None:
    client.post("/v1/route", json=MTY_DALLAS)
    text = client.get("/metrics").text
    assert 'cargorisk_requests_total{endpoint="/v1/route",method="POST",status="200"}' in text
    assert "cargorisk_request_seconds_bucket" in text and "cargorisk_cpu_requests_waiting" in text
    searches = next(
        float(row.split()[-1])
        for row in text.splitlines()
        if row.startswith('cargorisk_cache_bytes{cache="searches"}')
    )
    assert 0 < searches <= 300 * 2**20 and "cargorisk_lane_jobs_queued" in text


def test_matrix_equals_router_matrix_and_single_plans(client: TestClient, trained: Settings) -> None:
    """Each cell is the plan whose pool is the objective's profile through its best-ranked
    crossing (routing/matrix.py): checked pair by pair against Router.plan with that pool."""
    origins, destinations = (
        ["Monterrey, NL", "Saltillo", "Dallas, TX"],
        ["Laredo, TX", "Houston, TX", "Querétaro"],
    )
    body = {"origins": origins, "destinations": destinations, "depart": DEPART, "cargo_value": 400_000,
            "cargo_type": "electronics", "objective": "balanced"}  # fmt: skip
    got = client.post("/v1/matrix", json=body)
    assert got.status_code == 200, got.text
    cells = got.json()
    router = Router.from_settings(trained, 2025)
    narrowed = {}
    for top in (1, CROSSINGS):  # one crossing, or three where the first is closed on arrival
        narrowed[top] = copy.copy(router)
        narrowed[top].finder = router.finder.narrowed(("balanced", None), top=top)
    lane = {"depart": DEPART, "cargo_value": 400_000, "cargo_type": "electronics", "alternatives": 0}
    for i, origin in enumerate(origins):
        for j, destination in enumerate(destinations):
            first = narrowed[1].plan(origin, destination, **lane).recommended
            top = CROSSINGS if first.closed_min > 0 else 1
            plan = narrowed[top].plan(origin, destination, **lane).to_dict()["recommended"]
            for name in ("km", "total_h", "crossing", "cost_usd"):
                assert cells[name][i][j] == pytest.approx(plan[name], abs=0.01), (origin, destination, name)
    assert cells["crossing"][0][0] is not None and cells["crossing"][1][2] is None  # Saltillo-Querétaro
    # each origin's own departure: a time without an offset is local at each origin
    zones = client.post(
        "/v1/matrix", json={**body, "origins": ["Tijuana, BC", "Apodaca, N.L."], "depart": "2026-04-14T07:00"}
    )
    assert zones.json()["departs"] == ["2026-04-14T07:00:00-07:00", "2026-04-14T07:00:00-06:00"]
    assert zones.json()["depart"] == "2026-04-14T07:00"  # as the request gave it
    missing = client.post("/v1/matrix", json={**body, "origins": ["Atlantis"]})
    assert missing.status_code == 404 and "Atlantis" in missing.json()["error"]


def test_big_lane_books_become_jobs(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the synchronous size a book is a job: 202, its status, its CSV, the same rows as
    the synchronous answer; a job can be cancelled; errors never name a server path."""
    import threading  # noqa: PLC0415

    import cargorisk.service.app as service_app  # noqa: PLC0415

    places = ("Monterrey", '"Laredo, TX"')
    rows = [f"L{i},Saltillo,{places[i % 2]}\n" for i in range(150)]
    book = "lane_id,origin,destination\n" + "".join(rows)
    # a job asked for its result too early, or after it was cancelled, says so (409, its own code);
    # its slices wait until it was asked (scored meanwhile, it would be done on a loaded machine)
    asked, score = threading.Event(), service_app.score_book
    monkeypatch.setattr(
        service_app, "score_book", lambda router, part: asked.wait(60) and score(router, part)
    )
    bad = "lane_id,origin,destination\n" + "".join(
        r if i % 10 else f"L{i},Atlantis,Monterrey\n" for i, r in enumerate(rows)
    )
    doomed = client.post("/v1/lanes", files={"file": ("bad.csv", bad, "text/csv")}).json()["job"]
    early = client.get(f"/v1/lanes/{doomed}/result")
    asked.set()
    assert early.status_code == 409 and early.json()["code"] == "job_not_ready"
    assert "rows scored); ask GET" in early.json()["error"]
    for _ in range(600):
        done = client.get(f"/v1/lanes/{doomed}").json()
        if done["status"] == "done":
            break
        time.sleep(0.1)
    assert done["failed"] == 15  # the Atlantis rows, counted in the status
    accepted = client.post("/v1/lanes", files={"file": ("book.csv", book, "text/csv")})
    assert (
        accepted.status_code == 202 and accepted.headers["location"] == f"/v1/lanes/{accepted.json()['job']}"
    )
    for _ in range(600):
        status = client.get(accepted.headers["location"]).json()
        if status["status"] == "done":
            break
        time.sleep(0.1)
    assert status["scored"] == 150 and status["result"]
    scored = pd.read_csv(io.StringIO(client.get(status["result"]).text))
    assert len(scored) == 150 and set(scored["status"]) == {"ok"}
    head = "lane_id,origin,destination\n" + "".join(rows[:60])
    small = client.post("/v1/lanes", files={"file": ("s.csv", head, "text/csv")})
    assert (
        small.status_code == 200
        and pd.read_csv(io.StringIO(small.text))["km"].tolist() == scored["km"][:60].tolist()
    )
    broken = client.post(
        "/v1/lanes", files={"file": ("mine.parquet", b"PAR1 not really", "application/octet-stream")}
    )
    assert broken.status_code == 400 and "'mine.parquet'" in broken.json()["error"]
    assert "/tmp" not in broken.json()["error"] and "tmp" not in broken.json()["error"]


def test_matrix_command_and_its_errors(
    trained: Settings, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """`cargorisk matrix` prints the same figures as Router.matrix, writes one row per pair, and
    refuses a bad place or file kind in one line."""
    base = ["--data-dir", str(trained.data_dir), "--models-dir", str(trained.models_dir), "matrix"]
    pairs = ["--from", "Monterrey, NL", "--from", "Saltillo", "--to", "Dallas, TX", "--to", "Laredo, TX"]
    assert main([*base, *pairs, "--cargo-value", "250000", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    direct = Router.from_settings(trained, 2025).matrix(
        ["Monterrey, NL", "Saltillo"], ["Dallas, TX", "Laredo, TX"], cargo_value=250_000
    )
    assert printed == json.loads(json.dumps(direct.to_dict()))
    assert main([*base, *pairs, "-o", str(tmp_path / "pairs.csv")]) == 0
    table = pd.read_csv(tmp_path / "pairs.csv")
    assert len(table) == 4 and table["crossing"].notna().all()
    assert main([*base, *pairs, "-o", str(tmp_path / "pairs.txt")]) == 1
    assert main([*base, "--from", "Atlantis", "--to", "Dallas, TX"]) == 1
    assert "PlaceNotFound: 'Atlantis'" in capsys.readouterr().err


def test_service_limits_from_the_environment() -> None:
    options = ServiceOptions.from_env(
        {"CARGORISK_SLOTS": "3", "CARGORISK_CORS_ORIGINS": "https://a.example, "}
    )
    assert options.slots == 3 and options.cors_origins == ("https://a.example",)
    with pytest.raises(InputError, match="CARGORISK_QUEUE='many' must be a positive int"):
        ServiceOptions.from_env({"CARGORISK_QUEUE": "many"})
    with pytest.raises(InputError, match="CARGORISK_DEADLINE_S='-1'"):
        ServiceOptions.from_env({"CARGORISK_DEADLINE_S": "-1"})


def test_the_deadline_stops_lane_books_and_matrices_between_their_parts(
    trained: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An audit found a 504 after the deadline while every lane of the book was still scored
    (and thrown away): only the maps looked at the deadline. A book now stops between its
    slices of lanes, and a matrix between its origins."""
    import cargorisk.service.lanes as lanes_module  # noqa: PLC0415

    app = local(create_app(trained, options=ServiceOptions(deadline_s=0.3)))
    scored = []
    score = lanes_module.score_book

    def slow(router: object, book: pd.DataFrame) -> pd.DataFrame:
        time.sleep(0.2)  # a slice of cold lanes
        scored.append(len(book))
        return score(router, book)

    monkeypatch.setattr(lanes_module, "score_book", slow)
    rows = "".join(f"L{i},Saltillo,Monterrey\n" for i in range(80))
    book = client_post_lanes(app, "lane_id,origin,destination\n" + rows)
    assert book.status_code == 504 and book.json()["code"] == "deadline"
    assert sum(scored) < 80  # stopped: not every slice was scored
    # a matrix asks before each origin's row (the service's hook raises once cancelled)
    from cargorisk.service.errors import ClientGone  # noqa: PLC0415

    asked = []

    def stop() -> None:
        asked.append(1)
        if len(asked) == 2:
            raise ClientGone("cancelled")

    with pytest.raises(ClientGone):
        app.app.state.router.matrix(["Monterrey, NL", "Saltillo", "Puebla"], ["Dallas, TX"], stop=stop)
    assert len(asked) == 2  # the third origin's row was never searched
    # and the service's matrix asks it: a slow matrix stops at the deadline, between origins
    import cargorisk.routing.matrix as matrix_module  # noqa: PLC0415

    rows = []
    row = matrix_module.Searches.row

    def slow_row(self: object, *args: object) -> object:
        time.sleep(0.2)
        rows.append(1)
        return row(self, *args)

    monkeypatch.setattr(matrix_module.Searches, "row", slow_row)
    origins = ["Monterrey, NL", "Saltillo", "Puebla", "Toluca", "Tijuana", "Querétaro"]
    stopped = app.post("/v1/matrix", json={"origins": origins, "destinations": ["Dallas, TX"]})
    assert stopped.status_code == 504 and stopped.json()["code"] == "deadline"
    assert len(rows) < len(origins)


def client_post_lanes(app: TestClient, text: str) -> httpx.Response:
    """POST a lane book as a CSV upload."""
    return app.post("/v1/lanes", files={"file": ("lanes.csv", text, "text/csv")})
