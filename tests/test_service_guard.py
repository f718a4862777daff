"""The service's guard on its own (no models loaded): which browser requests count as another
site's, and what the refusal says."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from cargorisk.service.guard import Guard


async def answered(scope: Scope, receive: Receive, send: Send) -> None:
    """The app behind the guard: 200 to whatever passes."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def guarded(origins: tuple[str, ...] = ()) -> TestClient:
    """A loopback client of the guard of a server without an API key."""
    app = Guard(answered, api_key=None, origins=origins)
    return TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))


@pytest.mark.parametrize("origin", ["null", "file://", "NULL", "http://", "chrome-extension://abcdef"])
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_an_opaque_or_hostless_origin_is_another_site(origin: str, method: str) -> None:
    """An audit found `curl -H 'Origin: null' -F file=@book.csv .../v1/lanes` queued the book: a
    local file or a sandboxed frame sends 'null', which has no host and was compared with the
    empty X-Forwarded-Host. It is another site's page unless configured."""
    refused = guarded().request(method, "/v1/lanes", headers={"Origin": origin})
    assert refused.status_code == 403 and refused.json()["code"] == "cross_site"
    assert "may not send requests here" in refused.json()["error"]
    assert "()" not in refused.json()["error"]


def test_requests_without_an_origin_and_same_site_pages_pass() -> None:
    client = guarded()
    assert client.post("/v1/lanes").status_code == 200  # curl, a TMS backend: no Origin
    for origin in ("http://127.0.0.1:8000", "http://localhost:5173", "http://[::1]:8000"):
        assert client.post("/v1/lanes", headers={"Origin": origin}).status_code == 200, origin
    forwarded = {"Origin": "https://cargo.example", "X-Forwarded-Host": "cargo.example"}
    assert client.post("/v1/lanes", headers=forwarded).status_code == 200  # behind a proxy
    assert client.post("/v1/lanes", headers={"Origin": "https://cargo.example"}).status_code == 403


def test_an_opaque_origin_passes_only_when_configured() -> None:
    assert guarded(("null",)).post("/v1/lanes", headers={"Origin": "null"}).status_code == 200


def test_the_cross_site_message_reads_well_without_an_origin() -> None:
    """A browser marks another site's <img> cross-site and sends no Origin: the message said
    'a page of another site () ...'."""
    marked = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
    refused = guarded().get("/v1/route/map.png", headers=marked)
    assert refused.status_code == 403 and refused.json()["code"] == "cross_site"
    text = refused.json()["error"]
    assert "()" not in text and text.startswith("InputError: a page of another site may not use this API")
    named = guarded().post("/v1/lanes", headers={"Origin": "https://evil.example"}).json()["error"]
    assert "(https://evil.example) may not send requests here" in named
