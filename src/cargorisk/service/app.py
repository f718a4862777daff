"""The app: loading, middleware, and the planning endpoints.

Every endpoint that plans (route, GeoJSON, maps, matrix, lane books) runs its work through the
worker's :class:`~cargorisk.service.limits.Gate`: off the event loop, in a bounded queue, under
a deadline, abandoned when the client hangs up. The rest (health, places, ports, waits, cargo
types, docs, metrics) is cheap and answers at once.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import multiprocessing
import os
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated

import anyio
import cachetools
import orjson
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.middleware.gzip import IdentityResponder
from starlette.types import Receive, Scope, Send

from cargorisk import __version__
from cargorisk._heap import long_running
from cargorisk._io import sha256_file
from cargorisk.api_models import (
    ERRORS,
    AliveOut,
    CargoTypeOut,
    HealthOut,
    MapQuery,
    MatrixOut,
    MatrixRequest,
    PlaceOut,
    PlacesQuery,
    PlanOut,
    PngQuery,
    PortOut,
    RouteRequest,
    WaitOut,
    WaitsQuery,
)
from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError, ModelFileError
from cargorisk.routing.router import Router, input_stamp
from cargorisk.service.access import Access
from cargorisk.service.balance import Depths
from cargorisk.service.errors import add_error_handlers, error
from cargorisk.service.guard import API_KEY_ENV, MIN_KEY, Guard, check_key, document_key
from cargorisk.service.jobs import JOBS_DIR_ENV, Jobs, check_folder
from cargorisk.service.lanes import lanes_api, score_book
from cargorisk.service.limits import BodyLimit, Gate, ServiceOptions, check
from cargorisk.service.metrics import Metrics, metrics_api
from cargorisk.sources import load_table
from cargorisk.viz.assets import asset_dir
from cargorisk.web import add_page

log = logging.getLogger("cargorisk.service")
GEOJSON = "application/geo+json"
RECENT_PLANS = 32  # plans kept per worker for their maps and downloads
# gzip level 1: a plan's JSON (about 110 kB) in 0.7 ms to 24% of its size; level 6 takes 1.9 ms
# for 19%, which on a LAN saves less time than it costs
GZIP_LEVEL = 1
STARTUP_FAILURE = 3  # a worker's exit status that makes uvicorn stop instead of respawning it

api = APIRouter()


def create_app(
    settings: Settings | None = None, year: int = 2025, options: ServiceOptions | None = None
) -> FastAPI:
    """The app, with the router loaded now (raises the ``doctor`` errors, as one line, when it
    cannot be). ``uvicorn cargorisk.service:create_app --factory`` calls it with the settings
    and limits of the environment (``CARGORISK_*``); in a worker of ``uvicorn --workers N`` a
    failure is one line on stderr and the exit status that stops uvicorn's supervisor (it would
    respawn the worker, failing the same way, forever)."""
    try:
        return build_app(settings, year, options)
    except CargoRiskError as exc:
        if not multiprocessing.current_process().name.startswith("SpawnProcess"):
            raise
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        sys.exit(STARTUP_FAILURE)


def build_app(settings: Settings | None, year: int, options: ServiceOptions | None) -> FastAPI:
    """:func:`create_app`: the settings, limits, key and jobs folder checked first (a second),
    then the models loaded (half a minute)."""
    settings = settings or Settings.from_env()
    options = options or ServiceOptions.from_env()
    key = os.environ.get(API_KEY_ENV)
    check_key(key)
    if key and len(key) < MIN_KEY:  # `cargorisk serve --host` beyond loopback refuses it; uvicorn cannot tell
        log.warning(
            "%s has %d characters: use at least %d random ones before serving beyond this machine",
            API_KEY_ENV, len(key), MIN_KEY,
        )  # fmt: skip
    folder = Path(os.environ.get(JOBS_DIR_ENV) or settings.data_dir / "jobs")
    check_folder(folder)
    app = FastAPI(title="cargorisk", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan)
    state = app.state
    state.settings, state.options = settings, options
    state.router = load_router(settings, year)
    long_running()  # a worker plans for hours: young collections far apart (see cargorisk._heap)
    state.stamp = ModelStamp(settings)  # the files loaded (readyz says when they change)
    state.states = load_table("mx_states", settings.processed_dir)
    state.ready = ready_record(settings, state.router)
    state.gate = Gate(options, Depths.from_env())  # depths shared with sibling workers
    state.jobs = Jobs(
        folder, lambda book: score_book(state.router, book), state.gate,
        max_jobs=options.max_jobs, ttl_s=options.job_ttl_s,
    )  # fmt: skip
    state.jobs_problem = None  # what /readyz last found wrong with the jobs folder (logged once)
    state.metrics = Metrics()
    state.plans = RecentPlans(state.metrics.plans.inc)
    swagger = asset_dir() / "swagger-ui-dist"  # served by the app: the docs work offline
    if swagger.is_dir():
        app.mount("/static/swagger", StaticFiles(directory=swagger), name="swagger")
    add_error_handlers(app)
    for router in (api, lanes_api, metrics_api):
        app.include_router(router)
    add_page(app)
    add_middleware(app, options, key)
    document_key(app, required=bool(key))
    return app


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At the end (SIGTERM or Ctrl-C, once the requests under way have finished): this worker's
    queued and running lane jobs are marked failed (:meth:`Jobs.close`)."""
    yield
    app.state.jobs.close()


def add_middleware(app: FastAPI, options: ServiceOptions, api_key: str | None) -> None:
    """Outermost first: access log and headers, CORS, the guard, body limits, gzip."""
    app.add_middleware(Gzip, minimum_size=1024, compresslevel=GZIP_LEVEL)
    app.add_middleware(BodyLimit, options=options)
    app.add_middleware(Guard, api_key=api_key, origins=tuple(options.cors_origins))
    origins = list(options.cors_origins)  # none: every preflight is refused, in the API's format
    app.add_middleware(
        JsonCORS, allow_origins=origins, allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "X-API-Key"],
        expose_headers=["X-Request-Id", "Retry-After"] if origins else [],
    )  # fmt: skip
    app.add_middleware(Access, state=app.state)


class JsonCORS(CORSMiddleware):
    """Starlette's CORS middleware with its refusals of a preflight in the API's error format
    (``{"error", "code": "cors"}``), not plain text; without allowed origins it refuses every
    preflight (the router would answer 405)."""

    def preflight_response(self, request_headers: object) -> Response:
        """The preflight's answer; a refusal as the API's JSON error, its headers kept."""
        answer = super().preflight_response(request_headers)
        if answer.status_code != 400:
            return answer
        kept = {k: v for k, v in answer.headers.items() if k.lower().startswith("access-control")}
        return error(400, f"InputError: {self.refusal(answer.body.decode())}", "cors", kept)

    def refusal(self, reason: str) -> str:
        """Why a preflight is refused ('Disallowed CORS origin, method'), with what to do."""
        if not self.allow_origins:
            return (
                "this server allows no cross-origin calls; set CARGORISK_CORS_ORIGINS to the "
                "origins of the pages that call it (comma-separated)"
            )
        return reason + (": allowed origins are CARGORISK_CORS_ORIGINS" if "origin" in reason else "")


class Gzip(GZipMiddleware):
    """Starlette's gzip, which compressed whenever "gzip" appeared in ``Accept-Encoding``, also
    for ``gzip;q=0``, which says gzip is *not* acceptable (RFC 9110, 12.5.3): such a request is
    answered as it is (:func:`accepts_gzip`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not accepts_gzip(Headers(scope=scope).get("accept-encoding", "")):
            plain = IdentityResponder(
                self.app, self.minimum_size, exclude_content_types=self.exclude_content_types
            )
            await plain(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` value takes gzip: its own weight, else that of ``*``, is
    above 0 (no header, or neither named: no)."""
    weights = {}
    for item in header.lower().split(","):
        name, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name] = weight
    for name in ("gzip", "x-gzip", "*"):
        if name in weights:
            return weights[name] > 0
    return False


def load_router(settings: Settings, year: int) -> object:
    """The shared router, its graph read now (not at the first map request); a file that cannot
    be read is a one-line ModelFileError, not a traceback. The theft model file is checked
    first: a damaged one fails in a second, before uvicorn's 5 s health ping would kill the
    worker still loading the graph and start it again."""
    try:
        check_theft_model(settings)
        router = Router.from_settings(settings, year)
        router.graph  # noqa: B018
    except CargoRiskError:
        raise
    except OSError as exc:
        msg = f"cannot read {exc.filename or 'a model or data file'} ({exc.strerror}); check its permissions"
        raise ModelFileError(msg) from None
    except Exception as exc:  # a damaged file fails in the library that reads it
        why = f"{type(exc).__name__}: {str(exc)[:200]}"
        msg = f"cannot load the models and data ({why}); run `cargorisk doctor`"
        raise ModelFileError(msg) from None
    return router


def check_theft_model(settings: Settings) -> None:
    """ModelFileError when the theft model file is missing, damaged or of other features."""
    from cargorisk.risk.features import FEATURES  # noqa: PLC0415
    from cargorisk.risk.model import load_model  # noqa: PLC0415
    from cargorisk.risk.train import model_path  # noqa: PLC0415

    load_model(model_path(settings), expected_features=FEATURES)


def ready_record(settings: Settings, router: object) -> dict:
    """What ``/readyz`` says: the network and theft model this worker loaded (read once)."""
    from cargorisk.risk.train import card_summary  # noqa: PLC0415

    card = card_summary(settings)
    graph = router.graph  # type: ignore[attr-defined]
    return {
        "status": "ready",
        "version": __version__,
        "network": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()},
        "theft_model": {"default_predictor": card["default_predictor"], "model_sha256": card["model_sha256"]},
        "data_checksums": card.get("data_checksums", {}),
    }


# ---- running CPU work ----


def router_of(request: Request) -> object:
    """This request's copy of the shared router (a per-request copy: nothing mutable shared)."""
    return copy.copy(request.app.state.router)


async def compute(request: Request, work: Callable[[threading.Event], Response]) -> Response:
    """Run planning work through the worker's gate (see the module docstring)."""
    return await request.app.state.gate.run(request, work)


class RecentPlans:
    """The last :data:`RECENT_PLANS` plans this worker answered, by request: the map, PNG and
    GeoJSON of a plan just shown (the page asks for its map right after the plan) are drawn
    from it without planning again. Plans are read, never changed, once made."""

    def __init__(self, counter: Callable[[], None], entries: int = RECENT_PLANS) -> None:
        self.plans: cachetools.LRUCache = cachetools.LRUCache(entries)
        self.lock = threading.Lock()
        self.counter = counter  # called for every plan made (the metrics count them)

    def get(self, req: RouteRequest, make: Callable[[], object]) -> object:
        """The plan for ``req`` (made on a miss)."""
        key = req.model_dump_json(include=set(RouteRequest.model_fields))
        with self.lock:
            found = self.plans.get(key)
        if found is None:
            found = make()
            self.counter()
            with self.lock:
                self.plans[key] = found
        return found


def plan_of(request: Request, req: RouteRequest) -> object:
    """The plan for a route request (the same ``Router.plan`` as the CLI; a recent one again)."""
    return request.app.state.plans.get(req, lambda: router_of(request).plan(
        req.origin, req.destination, depart=req.depart, cargo_value=req.cargo_value,
        cargo_type=req.cargo_type, objective=req.objective, avoid_states=req.avoid_states,
        avoid_ports=req.avoid_ports, via_port=req.via_port, max_theft_prob=req.max_theft_prob,
        alternatives=req.alternatives, team=req.team, max_time_ratio=req.max_time_ratio,
        depart_window_h=req.depart_window_h, pareto=req.pareto, crossing_mode=req.crossing_mode,
    ))  # fmt: skip


def features(plan: object, body: dict) -> dict:
    """The plan's routes as a GeoJSON FeatureCollection (properties: each route's figures)."""
    # each route's figures by the route itself: labels repeat ('fallback crossing')
    shown = [plan.recommended, plan.fastest, plan.safest, *plan.alternatives]  # type: ignore[attr-defined]
    said = [body["recommended"], body["fastest"], body["safest"], *body["alternatives"]]
    figures = {id(route): doc for route, doc in zip(shown, said, strict=True)}
    hidden = ("nodes", "segments", "geometry")
    items = [
        {
            "type": "Feature",
            "geometry": figures[id(route)]["geometry"],
            "properties": {k: v for k, v in figures[id(route)].items() if k not in hidden},
        }
        for route in plan.routes()  # type: ignore[attr-defined]
    ]
    return {"type": "FeatureCollection", "features": items}


class FastJSON(JSONResponse):
    """JSON written by orjson: a plan's body is about 100 kB, which the standard library
    takes about 2.3 ms to write and orjson 0.35 ms (non-finite numbers become null; NumPy
    arrays, e.g. a route's coordinates, are written as lists)."""

    def render(self, content: object) -> bytes:
        """The body as UTF-8 JSON."""
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


def plan_response(plan: object, accept: str) -> Response:
    """The plan as JSON with each route's geometry (GeoJSON), or as a FeatureCollection."""
    body = plan.to_dict(arrays=True)  # type: ignore[attr-defined]
    if GEOJSON in accept:
        return FastJSON(features(plan, body), media_type=GEOJSON)
    return FastJSON(body)


# ---- health ----


@api.get("/healthz", response_model=AliveOut)
async def healthz() -> dict:
    """Alive: the worker's event loop answers (reads nothing, computes nothing)."""
    return {"status": "ok", "version": __version__}


@api.head("/healthz", include_in_schema=False)
async def healthz_head() -> Response:
    """Alive, for monitors that probe with HEAD (no body)."""
    return Response(media_type="application/json")


class ModelStamp:
    """The files a router is built from (:func:`input_stamp`), as this worker loaded them: their
    size and modification time, looked at on every ``/readyz``, and their SHA-256, read again
    only for the files whose size or time moved. A file whose contents are the same (``touch``,
    an rsync or a restored backup of the same models) does not make the worker stale; the
    hash of a file that moved and was found unchanged is not read again until it moves again."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.seen = input_stamp(settings)
        self.digests = {name: digest(name) for name, *_ in self.seen}

    def changed(self) -> bool:
        """Whether the files differ from those loaded: one added or removed, or other contents
        (or contents that cannot be read, then or now)."""
        try:
            now = input_stamp(self.settings)
        except OSError:  # a file went between listing and looking: being replaced
            return True
        if now == self.seen:
            return False
        if {name for name, *_ in now} != set(self.digests):
            return True
        before = set(self.seen)
        moved = [name for name, *stat in now if (name, *stat) not in before]
        if any(self.digests[name] is None or digest(name) != self.digests[name] for name in moved):
            return True
        self.seen = now  # the same contents under new times: not read again until they move
        return False


def digest(name: str) -> str | None:
    """A file's SHA-256 (None when it cannot be read: a file that moves afterwards is stale)."""
    try:
        return sha256_file(Path(name))
    except OSError:
        return None


def readiness(state: object) -> JSONResponse:
    """``/readyz``'s answer (in a thread: it may hash a file and writes one in the jobs folder)."""
    if state.stamp.changed():  # type: ignore[attr-defined]
        msg = "ModelFileError: the model or data files changed since this worker loaded them; restart it"
        return error(503, msg, "stale_models")
    problem = state.jobs.problem()  # type: ignore[attr-defined]
    if problem != state.jobs_problem:  # type: ignore[attr-defined]  # logged when it starts and ends
        state.jobs_problem = problem  # type: ignore[attr-defined]
        if problem:
            log.error("not ready: the lane jobs folder %s cannot be written; set %s", problem, JOBS_DIR_ENV)
        else:
            log.warning("ready again: the lane jobs folder can be written")
    if problem:
        msg = "JobStoreError: this worker cannot save lane jobs now (its jobs folder is not writable)"
        return error(503, msg, "job_store_error")
    return JSONResponse(state.ready)


@api.get("/readyz", response_model=HealthOut, responses={503: ERRORS[503]})
async def readyz(request: Request) -> Response:
    """Ready: the models this worker loaded (and a 503 once the files on disk changed under it,
    so a rolling restart picks the new ones up, or while its jobs folder cannot be written)."""
    return await anyio.to_thread.run_sync(readiness, request.app.state)


# ---- planning ----


@api.post("/v1/route", responses={200: {"model": PlanOut, "content": {GEOJSON: {}}}, **ERRORS})
async def route(req: RouteRequest, request: Request) -> Response:
    """Plan a route (the same request and answer as ``cargorisk route --json``)."""
    accept = request.headers.get("accept", "")
    return await compute(request, lambda _: plan_response(plan_of(request, req), accept))


@api.get("/v1/route.geojson", responses={200: {"content": {GEOJSON: {}}}, **ERRORS})
async def route_geojson(request: Request, req: Annotated[RouteRequest, Query()]) -> Response:
    """The routes of a plan as a GeoJSON FeatureCollection (the request as query parameters)."""
    return await compute(request, lambda _: plan_response(plan_of(request, req), GEOJSON))


@api.get("/v1/route/map.html", response_class=HTMLResponse, responses=ERRORS)
async def route_map_html(request: Request, req: Annotated[MapQuery, Query()]) -> Response:
    """The plan's map: the same offline folium map as ``route --map``, every asset inlined and
    no tiles (nothing loaded from elsewhere); ``lang=es`` writes it in Spanish."""
    from cargorisk.viz import map_html, route_map  # noqa: PLC0415

    state = request.app.state

    def work(cancel: threading.Event) -> Response:
        plan = plan_of(request, req)
        check(cancel)
        router = state.router  # arrays and wait model: read only
        fmap = route_map(
            plan, router, wait_model=router.wait_model, states=state.states, tiles=None,
            lang=req.lang, summary=req.summary,
        )  # fmt: skip
        check(cancel)
        return HTMLResponse(map_html(fmap), headers=attachment("route.html") if req.download else None)

    return await compute(request, work)


@api.get(
    "/v1/route/map.png", response_class=Response, responses={200: {"content": {"image/png": {}}}, **ERRORS}
)
async def route_map_png(request: Request, req: Annotated[PngQuery, Query()]) -> Response:
    """The plan's static map (as ``route --png``); ``lang=es`` writes its legend in Spanish,
    ``download=true`` makes a browser save it."""
    from cargorisk.viz import route_png  # noqa: PLC0415

    state = request.app.state

    def work(cancel: threading.Event) -> Response:
        plan = plan_of(request, req)
        check(cancel)  # drawing is the dear part: not for a client that has gone
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "route.png"
            path = route_png(plan, state.router, target, states=state.states, lang=req.lang)
            data = path.read_bytes()
        return Response(
            data, media_type="image/png", headers=attachment("route.png") if req.download else None
        )

    return await compute(request, work)


@api.post("/v1/matrix", response_model=MatrixOut, responses=ERRORS)
async def matrix(req: MatrixRequest, request: Request) -> Response:
    """Every origin to every destination: km, driving and total hours, crossing, theft
    probability, expected loss and cost of each pair's route (see ``Router.matrix``)."""

    def work(cancel: threading.Event) -> Response:
        found = router_of(request).matrix(
            req.origins, req.destinations, depart=req.depart, cargo_value=req.cargo_value,
            cargo_type=req.cargo_type, objective=req.objective, team=req.team,
            crossing_mode=req.crossing_mode, stop=lambda: check(cancel),
        )  # fmt: skip
        return FastJSON(found.to_dict())

    return await compute(request, work)


# ---- look-ups ----


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
def places(request: Request, req: Annotated[PlacesQuery, Query()]) -> list:
    """Places whose name equals, starts with or contains ``q``, best first."""
    return request.app.state.router.gazetteer.suggest(req.q, req.limit)


@api.get("/v1/ports", response_model=list[PortOut])
def ports(request: Request) -> list:
    """The commercial crossings with their port, code, time zone and trucks per day."""
    table = request.app.state.router.crossings
    cols = [c for c in ("port_code", "port_name", "crossing", "time_zone", "trucks_per_day") if c in table]
    return table[cols].to_dict(orient="records")


@api.get("/v1/border/waits", response_model=WaitOut, responses=ERRORS)
def border_waits(request: Request, req: Annotated[WaitsQuery, Query()]) -> dict:
    """Expected commercial wait at a crossing for an arrival time (ISO 8601 with offset)."""
    from cargorisk.border import arrival_time, crossings_named  # noqa: PLC0415

    router = request.app.state.router
    row = crossings_named(req.port, router.crossings).iloc[0]
    at_port = arrival_time(req.at, row["time_zone"])
    estimate = router.wait_model.predict_wait(row["crossing"], at_port, row["time_zone"])
    return estimate.as_record(row["port_code"])


@api.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """Swagger UI from the app itself (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="cargorisk API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
    )  # fmt: skip
