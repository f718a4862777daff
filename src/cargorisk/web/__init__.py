"""The dispatcher's page at ``/``: a static HTML/JS/CSS page served by the app that calls the
HTTP API (:mod:`cargorisk.service`). Nothing is loaded from elsewhere (the Content Security
Policy says so to the browser); every user or server string is written as text, never as HTML;
the route map runs in a sandboxed frame."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
# the map's inline scripts need 'unsafe-inline' (it runs in a sandboxed srcdoc frame, which
# inherits this policy); the page itself has none, and nothing may come from another origin
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-src 'self' blob: data: about:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)

page = APIRouter()


@page.get("/", include_in_schema=False)
def index() -> FileResponse:
    """The dispatcher's page."""
    return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": POLICY})


def add_page(app: FastAPI) -> None:
    """Serve the page and its assets on ``app``."""
    app.mount("/static/app", StaticFiles(directory=STATIC), name="app")
    app.include_router(page)
