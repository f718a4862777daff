"""What the HTTP API promises, checked against the real models: bounded metric labels, a
refused CORS preflight in the API's format, a lane book sent the wrong way named as such, 422s
that name the field and the value, the options of `cargorisk route`, and an OpenAPI document
that describes the key and the parameters each map endpoint takes."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

from cargorisk.api_models import PlanOut
from cargorisk.config import Settings
from cargorisk.service import create_app
from cargorisk.service.metrics import METHODS

LANE = {"origin": "Monterrey, NL", "destination": "Dallas, TX", "depart": "2026-03-02T06:00-06:00"}
BOOK = "lane_id,origin,destination\nA,Saltillo,Monterrey\n"


def local(app: object) -> TestClient:
    """A client on this machine (the app answers only loopback clients without an API key)."""
    return TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000))


@pytest.fixture(scope="module")
def client(trained: Settings) -> TestClient:
    return local(create_app(trained))


def labels(text: str, name: str) -> set[str]:
    """The values of one label of ``cargorisk_requests_total`` in a scrape."""
    rows = [r for r in text.splitlines() if r.startswith("cargorisk_requests_total{")]
    return {r.split(f'{name}="', 1)[1].split('"', 1)[0] for r in rows}


def test_metric_labels_stay_bounded(client: TestClient) -> None:
    """An audit found any method string a label value (`curl -X FOOBAR`): one series a request
    could make. Methods outside the standard set count as "other"; endpoints are the routes'
    templates, "/static" or "other", whatever the path."""
    sent = [
        ("FOOBAR", "/v1/route"), ("FOOBAR", "/healthz"), ("GET", "/no/such/path/qzxv"), ("BREW", "/x"),
        ("GET", "/static/nothing-here-77"), ("GET", "/v1/lanes/" + "ab" * 12), ("PATCH", "/v1/route"),
    ]  # fmt: skip
    for method, path in sent:
        client.request(method, path)
    text = client.get("/metrics").text
    assert labels(text, "method") <= METHODS | {"other"} and "other" in labels(text, "method")
    routes = {*client.get("/openapi.json").json()["paths"], "/metrics", "/docs", "/", "/openapi.json"}
    assert labels(text, "endpoint") <= routes | {"/static", "other"}
    assert "FOOBAR" not in text and "qzxv" not in text and "nothing-here" not in text
    assert 'endpoint="/v1/lanes/{job}"' in text


def test_a_preflight_is_refused_in_the_api_format_without_cors_origins(client: TestClient) -> None:
    """The README says a refused preflight is a JSON 400 `cors`; without CARGORISK_CORS_ORIGINS
    it was the router's 405."""
    asked = {"Origin": "https://tms.example", "Access-Control-Request-Method": "POST"}
    refused = client.options("/v1/route", headers=asked)
    assert refused.status_code == 400 and refused.json()["code"] == "cors"
    assert "allows no cross-origin calls; set CARGORISK_CORS_ORIGINS" in refused.json()["error"]
    other = client.get("/v1/ports", headers={"Origin": "https://tms.example"})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    posted = client.post("/v1/lanes", files={"file": ("l.csv", BOOK, "text/csv")}, headers={"Origin": "null"})
    assert posted.status_code == 403 and posted.json()["code"] == "cross_site"  # the audit's curl


@pytest.mark.parametrize("kind", ["text/csv", "application/x-www-form-urlencoded", "application/json", None])
def test_a_lane_book_sent_as_the_body_is_415(client: TestClient, kind: str | None) -> None:
    """A raw CSV body (`curl --data-binary @lanes.csv -H 'Content-Type: text/csv'`, or curl -d's
    form encoding) was a 422 'file: Field required'."""
    headers = {"Content-Type": kind} if kind else {}
    sent = client.post("/v1/lanes", content=BOOK.encode(), headers=headers)
    assert sent.status_code == 415 and sent.json()["code"] == "unsupported_media_type"
    text = sent.json()["error"]
    assert "multipart/form-data with the file in the field 'file' (curl -F file=@lanes.csv)" in text
    assert (f"this one is {kind!r}" if kind else "this one has none") in text
    big = client.post(
        "/v1/lanes", content=BOOK.encode() * 7000, headers=headers
    )  # 322 kB: over the JSON bound
    assert big.status_code == 415, big.text
    other_field = client.post("/v1/lanes", files={"book": ("l.csv", BOOK, "text/csv")})
    assert other_field.status_code == 422 and "file is required" in other_field.json()["error"]


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        (b'{"cargo_value": -5}', "cargo_value -5 is out of range (USD, 0 to 10,000,000,000)"),
        (b'{"cargo_value": NaN}', "cargo_value NaN is not a finite number (USD, 0 to 10,000,000,000)"),
        (
            b'{"cargo_value": Infinity}',
            "cargo_value Infinity is not a finite number (USD, 0 to 10,000,000,000)",
        ),
        (b'{"cargo_value": 1e11}', "cargo_value 100000000000.0 is out of range (USD, 0 to 10,000,000,000)"),
        (b'{"cargo_value": "lots"}', "cargo_value 'lots' is not a number (USD, 0 to 10,000,000,000)"),
        (b'{"max_theft_prob": 0}', "max_theft_prob 0 is out of range (a probability, above 0 and at most 1)"),
        (b'{"alternatives": 2.5}', "alternatives 2.5 is not a whole number (routes, 0 to 5)"),
        (
            b'{"objective": "cheapest"}',
            "objective 'cheapest': input should be 'balanced', 'fastest' or 'safest'",
        ),
        (b'{"team": "maybe"}', "team 'maybe': input should be a valid boolean, unable to interpret input"),
    ],
)
def test_422s_name_the_field_and_the_value_sent(client: TestClient, sent: bytes, said: str) -> None:
    """'cargo_value: Input should be greater than or equal to 0' named no value, and NaN was
    said to be above 10,000,000,000."""
    body = b'{"origin": "Monterrey, NL", "destination": "Dallas, TX", ' + sent[1:]
    refused = client.post("/v1/route", content=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_request"
    assert refused.json()["error"] == f"InputError: {said}"


def test_query_parameters_are_named_as_typed(client: TestClient) -> None:
    nan = client.get("/v1/route.geojson", params={**LANE, "cargo_value": "nan"})
    assert (
        nan.json()["error"] == "InputError: cargo_value nan is not a finite number (USD, 0 to 10,000,000,000)"
    )
    limit = client.get("/v1/places", params={"q": "Mon", "limit": "0"})
    assert limit.json()["error"] == "InputError: limit 0 is out of range (places, 1 to 25)"
    assert client.get("/v1/places").json()["error"] == "InputError: q is required"


def test_a_plan_with_departure_advice_matches_the_schema(client: TestClient) -> None:
    """An operator's audit: advice carried ``planned_crossing`` and ``theft_change``, which the
    OpenAPI model (extra fields forbidden) did not declare, so strict generated clients failed on
    plans leaving at hours with advice (7 of 60 random plans)."""
    asked = {"origin": "Nuevo Laredo", "destination": "Laredo, TX", "depart": "2026-03-02T23:50"}
    body = client.post("/v1/route", json=asked).json()
    assert body["advice"] is not None and {"planned_crossing", "theft_change"} <= set(body["advice"])
    PlanOut.model_validate(body)


def test_route_takes_the_pareto_front_and_the_departure_window(client: TestClient) -> None:
    """`cargorisk route --pareto --depart-window H`, missing from POST /v1/route: the same
    options of Router.plan, the same answer."""
    asked = {**LANE, "cargo_value": 250_000, "pareto": True, "depart_window_h": 6}
    got = client.post("/v1/route", json=asked)
    assert got.status_code == 200, got.text
    body = got.json()
    PlanOut.model_validate(body)
    plan = copy.copy(client.app.state.router).plan(
        LANE["origin"], LANE["destination"], depart=LANE["depart"], cargo_value=250_000,
        pareto=True, depart_window_h=6,
    ).to_dict()  # fmt: skip
    assert body["pareto"] and body["pareto"] == plan["pareto"] and body["advice"] == plan["advice"]
    assert client.post("/v1/route", json={**LANE, "cargo_value": 250_000}).status_code == 200
    assert not client.post("/v1/route", json=LANE).json()["pareto"]  # asked for only
    assert client.post("/v1/route", json={**LANE, "depart_window_h": 0}).json()["advice"] is None
    week = client.post("/v1/route", json={**LANE, "depart_window_h": 169})
    assert week.status_code == 422
    assert "depart_window_h 169 is out of range (hours after the departure, 0 to 168)" in week.json()["error"]
    geojson = client.get("/v1/route.geojson", params={**LANE, "pareto": "true", "depart_window_h": "6"})
    assert geojson.status_code == 200
    typo = client.post("/v1/route", json={**LANE, "depart_window": 6})
    assert typo.status_code == 422 and "did you mean 'depart_window_h'?" in typo.json()["error"]


def test_openapi_describes_the_key_and_each_map_endpoint_takes_what_it_documents(
    client: TestClient, trained: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generated clients and the docs' Authorize button had no way to send X-API-Key; map.png
    documented `download` and `summary` and ignored both (it was always an attachment)."""
    schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["APIKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-API-Key")
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            expected = [{"APIKey": []}, {}] if path.startswith("/v1/") else None  # optional: no key here
            assert operation.get("security") == expected, path
    monkeypatch.setenv("CARGORISK_API_KEY", "secret")
    keyed = local(create_app(trained)).get("/openapi.json").json()
    assert keyed["paths"]["/v1/route"]["post"]["security"] == [{"APIKey": []}]
    assert keyed["paths"]["/healthz"]["get"].get("security") is None
    maps = ("/v1/route/map.png", "/v1/route/map.html")
    names = {p: {x["name"] for x in schema["paths"][p]["get"]["parameters"]} for p in maps}
    assert {"download", "lang"} <= names["/v1/route/map.png"] and "summary" not in names["/v1/route/map.png"]
    assert {"download", "lang", "summary"} <= names["/v1/route/map.html"]
    shown = client.get("/v1/route/map.png", params=LANE)
    assert shown.status_code == 200 and "content-disposition" not in shown.headers
    saved = client.get("/v1/route/map.png", params={**LANE, "download": "true"})
    assert saved.headers["content-disposition"] == 'attachment; filename="route.png"'
    summary = client.get("/v1/route/map.png", params={**LANE, "summary": "false"})
    assert summary.status_code == 422 and "'summary'" in summary.json()["error"]


def test_a_crossing_that_closes_soon_fits_the_answer_model(client: TestClient) -> None:
    """Plans now say when the crossing closes soon after the truck joins it (`crossing_closes`):
    the OpenAPI model describes it, so a validated answer does not refuse the field."""
    lane = {
        "origin": "Puebla",
        "destination": "Laredo, TX",
        "depart": "2026-06-17T21:00",
        "objective": "fastest",
    }
    body = client.post("/v1/route", json=lane).json()
    routes = [body["recommended"], body["fastest"], body["safest"], *body["alternatives"]]
    closing = next(r["crossing_closes"] for r in routes if r["crossing_closes"])
    assert set(closing) == {"closes", "margin_min", "reopens"}
    PlanOut.model_validate(body)
