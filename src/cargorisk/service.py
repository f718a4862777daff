"""The HTTP API (FastAPI): the same planning code as the CLI and the Python API, over JSON.

``cargorisk serve`` loads the network, the risk and wait models once at start-up (failing fast
with the ``doctor`` message when data or models are missing) and serves:

- ``POST /v1/route``: a route request -> the plan (as ``cargorisk route --json``) with each
  route's geometry as GeoJSON; ``Accept: application/geo+json`` (or ``GET /v1/route.geojson``)
  gives a FeatureCollection of the routes;
- ``GET /v1/places?q=``: place suggestions for autocomplete;
- ``GET /v1/ports``, ``GET /v1/border/waits?port=&at=``;
- ``POST /v1/lanes``: a CSV or Parquet lane book (at most :data:`MAX_LANES` rows,
  :data:`MAX_UPLOAD_BYTES`) -> the scored book as CSV (as ``score-lanes``);
- ``GET /healthz``, and the OpenAPI docs at ``/docs`` with Swagger UI served locally (offline).

Errors are JSON ``{"error": "<the CLI's one-line message>"}`` with status 400 (bad input), 404
(unknown place or port), 409 (no route under the constraints), 413 (too large), 422 (request
validation); bad input never gives 500.
"""

from __future__ import annotations

import copy
import ipaddress
import logging
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, field_validator

from cargorisk import __version__
from cargorisk.api_models import (
    ERRORS,
    CargoTypeOut,
    HealthOut,
    PlaceOut,
    PlanOut,
    PortOut,
    WaitOut,
)
from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError, InputError, NoRouteError, PlaceNotFound
from cargorisk.sources import load_table
from cargorisk.viz.assets import asset_dir
from cargorisk.web import add_page

log = logging.getLogger("cargorisk.service")
MAX_LANES = 2_000  # rows per /v1/lanes request; larger books are for `score-lanes` or Dask
MAX_UPLOAD_BYTES = 5 * 2**20
MAX_TEXT = 200  # characters in a place or port name
GRACEFUL_S = 30  # seconds requests under way may take to finish after SIGTERM
GEOJSON = "application/geo+json"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
API_KEY_ENV = "CARGORISK_API_KEY"


class RouteRequest(BaseModel):
    """A route request: the options of ``cargorisk route``."""

    origin: str = Field(min_length=1, max_length=MAX_TEXT, examples=["Monterrey, NL"])
    destination: str = Field(min_length=1, max_length=MAX_TEXT, examples=["Dallas, TX"])
    depart: str | None = Field(None, max_length=40, examples=["2026-03-02T06:00-06:00"])
    cargo_value: float | None = Field(None, ge=0, le=1e10, examples=[250_000])
    cargo_type: str = Field("general", max_length=40, examples=["food_beverage"])
    objective: Literal["balanced", "fastest", "safest"] = "balanced"
    avoid_states: list[Annotated[str, Field(max_length=MAX_TEXT)]] = Field(
        default_factory=list, max_length=32
    )
    avoid_ports: list[Annotated[str, Field(max_length=MAX_TEXT)]] = Field(default_factory=list, max_length=30)
    via_port: str | None = Field(None, max_length=MAX_TEXT)
    max_theft_prob: float | None = Field(None, gt=0, le=1)
    alternatives: int = Field(3, ge=0, le=5)
    team: bool = False
    max_time_ratio: float | None = Field(None, ge=1, le=5)

    @field_validator("cargo_value", mode="before")
    @classmethod
    def _no_boolean_money(cls, value: object) -> object:
        """``true`` is not an amount of USD (JSON booleans would otherwise read as 1)."""
        if isinstance(value, bool):
            msg = "a boolean is not an amount of USD"
            raise ValueError(msg)  # pydantic reports it as a 422
        return value

    @field_validator("objective", mode="before")
    @classmethod
    def _objective_any_case(cls, value: object) -> object:
        """'FASTEST' and ' safest' name the same objective (as on the CLI and in lane books)."""
        return value.strip().lower() if isinstance(value, str) else value


RouteQuery = Annotated[RouteRequest, Query()]  # the same request as query parameters (GET)


def status_of(exc: CargoRiskError) -> int:
    """HTTP status for a cargorisk error (see the module docstring)."""
    if isinstance(exc, PlaceNotFound):
        return 404
    if isinstance(exc, NoRouteError):
        return 409
    if isinstance(exc, InputError):
        return 400
    return 503  # data or model trouble on the server's side


def error(status: int, message: str) -> JSONResponse:
    """The JSON error body every endpoint uses."""
    return JSONResponse({"error": message}, status_code=status)


api = APIRouter()


def create_app(settings: Settings | None = None, year: int = 2025) -> FastAPI:
    """The app, with the router built now (raises the ``doctor`` errors when it cannot be)."""
    from cargorisk.routing import Router  # noqa: PLC0415

    settings = settings or Settings.from_env()
    app = FastAPI(title="cargorisk", version=__version__, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.router = Router.from_settings(settings, year)
    app.state.router.graph  # noqa: B018  (a snapshot reads its graph now, not at the first map request)
    app.state.states = load_table("mx_states", settings.processed_dir)
    app.state.api_key = os.environ.get(API_KEY_ENV)
    swagger = asset_dir() / "swagger-ui-dist"  # served by the app: the docs work offline
    if swagger.is_dir():
        app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")
    app.middleware("http")(access_log)
    app.add_exception_handler(CargoRiskError, cargorisk_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.include_router(api)
    add_page(app)
    return app


async def access_log(request: Request, call_next: object) -> Response:
    """Request id, status and duration of every request (and the API key check)."""
    request_id, start = uuid.uuid4().hex[:12], time.perf_counter()
    key = request.app.state.api_key
    if key and request.url.path.startswith("/v1/") and request.headers.get("x-api-key") != key:
        response: Response = error(
            401, f"InputError: send the API key in the X-API-Key header ({API_KEY_ENV})"
        )
    else:
        response = await call_next(request)  # type: ignore[operator]
    response.headers["X-Request-Id"] = request_id
    log.info(
        "request_id=%s method=%s path=%s status=%d ms=%.1f",
        request_id, request.method, request.url.path, response.status_code,
        (time.perf_counter() - start) * 1000,
    )  # fmt: skip
    return response


async def cargorisk_error(_: Request, exc: CargoRiskError) -> JSONResponse:
    """The CLI's one-line message with its status."""
    return error(status_of(exc), f"{type(exc).__name__}: {exc}")


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with the first problem in one line."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(x) for x in first["loc"] if x != "body")
    return error(422, f"InputError: {where or 'request'}: {first['msg']}")


def router_of(request: Request) -> object:
    """This request's copy of the shared router (a per-request copy: nothing mutable shared)."""
    return copy.copy(request.app.state.router)


def plan_of(request: Request, req: RouteRequest) -> object:
    """The plan for a route request (the same ``Router.plan`` as the CLI)."""
    return router_of(request).plan(
        req.origin, req.destination, depart=req.depart, cargo_value=req.cargo_value,
        cargo_type=req.cargo_type, objective=req.objective, avoid_states=req.avoid_states,
        avoid_ports=req.avoid_ports,
        via_port=req.via_port, max_theft_prob=req.max_theft_prob, alternatives=req.alternatives,
        team=req.team, max_time_ratio=req.max_time_ratio,
    )  # fmt: skip


def features(plan: object, body: dict | None = None) -> dict:
    """The plan's routes as a GeoJSON FeatureCollection (properties: the route's figures from
    ``body``, the plan's dict, made here when not given)."""
    body = body or plan.to_dict()  # type: ignore[attr-defined]
    figures = {r["label"]: r for r in plan_routes(body)}
    hidden = ("nodes", "segments", "geometry")
    items = [
        {
            "type": "Feature",
            "geometry": figures[route.label]["geometry"],
            "properties": {k: v for k, v in figures[route.label].items() if k not in hidden},
        }
        for route in plan.routes()  # type: ignore[attr-defined]
    ]
    return {"type": "FeatureCollection", "features": items}


def plan_routes(body: dict) -> list[dict]:
    """The route dicts of a plan's dict: recommended, fastest, safest, alternatives."""
    return [body["recommended"], body["fastest"], body["safest"], *body["alternatives"]]


def plan_response(plan: object, accept: str) -> Response:
    """The plan as JSON with each route's geometry (GeoJSON), or as a FeatureCollection."""
    body = plan.to_dict()  # type: ignore[attr-defined]
    if GEOJSON in accept:
        return JSONResponse(features(plan, body), media_type=GEOJSON)
    return JSONResponse(body)


@api.get("/healthz", response_model=HealthOut)
def healthz(request: Request) -> dict:
    """Models loaded, data checksums, version."""
    from cargorisk.risk.train import card_summary  # noqa: PLC0415

    card = card_summary(request.app.state.settings)
    graph = request.app.state.router.graph
    return {
        "status": "ok",
        "version": __version__,
        "network": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()},
        "theft_model": {"default_predictor": card["default_predictor"], "model_sha256": card["model_sha256"]},
        "data_checksums": card.get("data_checksums", {}),
    }


@api.post("/v1/route", responses={200: {"model": PlanOut, "content": {GEOJSON: {}}}, **ERRORS})
def route(req: RouteRequest, request: Request) -> Response:
    """Plan a route (the same request and answer as ``cargorisk route --json``)."""
    return plan_response(plan_of(request, req), request.headers.get("accept", ""))


@api.get("/v1/route.geojson", responses={200: {"content": {GEOJSON: {}}}, **ERRORS})
def route_geojson(request: Request, req: RouteQuery) -> Response:
    """The routes of a plan as a GeoJSON FeatureCollection (the request as query parameters)."""
    return plan_response(plan_of(request, req), GEOJSON)


@api.get("/v1/route/map.html", response_class=HTMLResponse, responses=ERRORS)
def route_map_html(request: Request, req: RouteQuery, download: bool = False) -> Response:
    """The plan's map: the same offline folium map as ``route --map``, every asset inlined and
    no tiles (nothing loaded from elsewhere)."""
    from cargorisk.viz import map_html, route_map  # noqa: PLC0415

    router, plan = request.app.state.router, plan_of(request, req)  # graph and wait model: read only
    states = request.app.state.states
    fmap = route_map(plan, router.graph, wait_model=router.wait_model, states=states, tiles=None)
    return HTMLResponse(map_html(fmap), headers=attachment("route.html") if download else None)


PNG = {200: {"content": {"image/png": {}}}, **ERRORS}


@api.get("/v1/route/map.png", response_class=Response, responses=PNG)
def route_map_png(request: Request, req: RouteQuery) -> Response:
    """The plan's static map (as ``route --png``)."""
    from cargorisk.viz import route_png  # noqa: PLC0415

    plan = plan_of(request, req)
    with tempfile.TemporaryDirectory() as folder:
        path = route_png(plan, request.app.state.router.graph, Path(folder) / "route.png",
                         states=request.app.state.states)  # fmt: skip
        data = path.read_bytes()
    return Response(data, media_type="image/png", headers=attachment("route.png"))


@api.get("/v1/cargo-types", response_model=list[CargoTypeOut])
def cargo_types() -> list:
    """The cargo types with their cited theft share, assumed trip share and multiplier."""
    from cargorisk.risk.cargo import card_table  # noqa: PLC0415

    general = {"cargo_type": "general", "label": "general freight", "multiplier": 1.0}
    return [general, *card_table()]


def attachment(name: str) -> dict[str, str]:
    """Headers that make a browser save the response as ``name``."""
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@api.get("/v1/places", response_model=list[PlaceOut], responses=ERRORS)
def places(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=MAX_TEXT)],
    limit: Annotated[int, Query(ge=1, le=25)] = 8,
) -> list:
    """Places whose name equals, starts with or contains ``q``, best first."""
    return request.app.state.router.gazetteer.suggest(q, limit)


@api.get("/v1/ports", response_model=list[PortOut])
def ports(request: Request) -> list:
    """The commercial crossings with their port, code, time zone and trucks per day."""
    table = request.app.state.router.crossings
    cols = [c for c in ("port_code", "port_name", "crossing", "time_zone", "trucks_per_day") if c in table]
    return table[cols].to_dict(orient="records")


@api.get("/v1/border/waits", response_model=WaitOut, responses=ERRORS)
def border_waits(
    request: Request,
    port: Annotated[str, Query(min_length=1, max_length=MAX_TEXT)],
    at: Annotated[str, Query(min_length=1, max_length=40)],
) -> dict:
    """Expected commercial wait at a crossing for an arrival time (ISO 8601 with offset)."""
    from cargorisk.border import arrival_time, crossings_named  # noqa: PLC0415

    router = request.app.state.router
    row = crossings_named(port, router.crossings).iloc[0]
    at_port = arrival_time(at, row["time_zone"])
    estimate = router.wait_model.predict_wait(row["crossing"], at_port, row["time_zone"])
    return estimate.as_record(row["port_code"])


@api.post("/v1/lanes", responses={200: {"content": {"text/csv": {}}}, **ERRORS})
async def lanes(
    request: Request, file: Annotated[UploadFile, File(description="CSV or Parquet")]
) -> Response:
    """Score a lane book (the columns and per-row errors of ``score-lanes``) -> CSV."""
    from cargorisk.batch import LaneScorer  # noqa: PLC0415

    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        limit = f"{MAX_UPLOAD_BYTES // 2**20} MB"
        return error(413, f"InputError: upload larger than {limit}; use `cargorisk score-lanes`")
    book = read_book(data, file.filename or "")
    if len(book) > MAX_LANES:
        msg = f"InputError: {len(book):,} lanes; at most {MAX_LANES:,} a request, use `cargorisk score-lanes`"
        return error(413, msg)
    scored = LaneScorer(router_of(request)).score_frame(book)
    return Response(csv_safe(pd.DataFrame(scored.drop(columns="geometry"))), media_type="text/csv")


@api.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """Swagger UI from the app itself (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="cargorisk API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
    )  # fmt: skip


def read_book(data: bytes, name: str) -> pd.DataFrame:
    """A lane book from uploaded bytes (Parquet by its magic number or name, else CSV), read
    by the same reader as ``score-lanes`` (its one-line errors)."""
    from cargorisk.batch import read_chunks  # noqa: PLC0415

    suffix = ".parquet" if data[:4] == b"PAR1" or name.lower().endswith(".parquet") else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"lanes{suffix}"
        path.write_bytes(data)
        chunks = list(read_chunks(path, MAX_LANES + 1))
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()


def csv_safe(frame: pd.DataFrame) -> str:
    """CSV text as ``score-lanes`` writes it (rounded, formula-like cells neutralised)."""
    from cargorisk.batch import rounded, to_safe_csv  # noqa: PLC0415

    return to_safe_csv(rounded(frame))


def check_host(host: str, api_key: str | None) -> None:
    """Listening beyond the loopback address needs ``CARGORISK_API_KEY``."""
    loopback = host in LOOPBACK
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if not loopback and not api_key:
        msg = f"--host {host} listens beyond this machine; set {API_KEY_ENV} first (sent as X-API-Key)"
        raise InputError(msg)


def serve(settings: Settings, host: str, port: int, workers: int, *, quiet: bool = False) -> None:
    """Run the app with uvicorn (the CLI's ``serve``). Several workers each build their own
    app from the environment (``CARGORISK_DATA_DIR`` and ``CARGORISK_MODELS_DIR`` are set from
    ``settings``), so they share nothing mutable. On SIGTERM or Ctrl-C the server stops taking
    connections and lets requests under way finish (at most :data:`GRACEFUL_S` seconds). The
    access log (request id, status, duration) goes to stderr in every worker unless ``quiet``."""
    import uvicorn  # noqa: PLC0415

    key = os.environ.get(API_KEY_ENV)
    check_host(host, key)
    log.warning(
        "cargorisk %s on http://%s:%d/ (page at /, API docs at /docs); %s",
        __version__, host, port,
        f"the API needs the X-API-Key header ({API_KEY_ENV} is set)" if key else "no API key (loopback only)",
    )  # fmt: skip
    common = {
        "host": host, "port": port, "timeout_graceful_shutdown": GRACEFUL_S,
        "log_config": log_config(quiet), "log_level": "warning" if quiet else "info",
    }  # fmt: skip
    if workers <= 1:
        uvicorn.run(create_app(settings), **common)
        return
    os.environ["CARGORISK_DATA_DIR"] = str(settings.data_dir)
    os.environ["CARGORISK_MODELS_DIR"] = str(settings.models_dir)
    uvicorn.run("cargorisk.service:create_app", factory=True, workers=workers, **common)


def log_config(quiet: bool) -> dict:
    """uvicorn's logging set-up plus this module's access log (applied in every worker)."""
    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415

    config = copy.deepcopy(LOGGING_CONFIG)
    level = "WARNING" if quiet else "INFO"
    config["loggers"]["cargorisk.service"] = {"handlers": ["default"], "level": level, "propagate": False}
    return config


__all__ = ["MAX_LANES", "RouteRequest", "create_app", "serve"]
