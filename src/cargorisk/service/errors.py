"""One error format for every status: ``{"error": "<one line>", "code": "<machine code>"}``.

Errors cargorisk raises keep the CLI's message (``PlaceNotFound: 'Monterey' ...``) and take
their class name in snake case as the code (``place_not_found``); the HTTP conditions (unknown
path or method, malformed or invalid body, too large, no key, overload, deadline, a bug) get
the codes of :data:`HTTP_CODES`. A server error never shows a traceback or a file path.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.exceptions import HTTPException

from cargorisk import api_models
from cargorisk.errors import CargoRiskError, InputError, NoRouteError, PlaceNotFound

log = logging.getLogger("cargorisk.service")
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal",
    499: "client_gone",
    503: "overloaded",
    504: "deadline",
}
# pydantic's errors about a number: the message says what the number must be
NUMBER_ERRORS = {
    "greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number",
    "float_type", "float_parsing", "int_type", "int_parsing", "int_from_float",
}  # fmt: skip
BOUND_WORDS = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}


class Overloaded(CargoRiskError):
    """This worker has as much work as it takes: retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Deadline(CargoRiskError):
    """A request ran past the service's deadline and was stopped."""


class ClientGone(CargoRiskError):
    """The client hung up before its answer was ready (the work is abandoned, nothing is sent)."""


class JobStoreError(CargoRiskError):
    """The server cannot keep lane jobs: its jobs folder cannot be created or written. At
    start-up the message names the folder (for the operator); an answer never does (503
    ``job_store_error``, the folder in the server's log)."""

    http_status = 503


def code_of(exc: CargoRiskError) -> str:
    """The machine code of a cargorisk error: its class name in snake case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def status_of(exc: CargoRiskError) -> int:
    """HTTP status for a cargorisk error (its class's ``http_status`` when it has one)."""
    if hasattr(exc, "http_status"):
        return int(exc.http_status)
    for kind, status in ((PlaceNotFound, 404), (NoRouteError, 409), (InputError, 400), (Overloaded, 503)):
        if isinstance(exc, kind):
            return status
    if isinstance(exc, Deadline):
        return 504
    if isinstance(exc, ClientGone):
        return 499  # nginx's "client closed request": nobody reads it, the access log does
    return 503  # data or model trouble on the server's side


def error(status: int, message: str, code: str | None = None, headers: dict | None = None) -> JSONResponse:
    """The JSON error body every endpoint and middleware uses."""
    body = {"error": message, "code": code or HTTP_CODES.get(status, f"http_{status}")}
    return JSONResponse(body, status_code=status, headers=headers)


async def cargorisk_error(_: Request, exc: CargoRiskError) -> JSONResponse:
    """The CLI's one-line message with its status (503s say when to retry)."""
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Overloaded) else None
    return error(status_of(exc), f"{type(exc).__name__}: {exc}", code_of(exc), headers)


async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's own errors (unknown path, method not allowed, unparsable body) in our format."""
    text = exc.detail if isinstance(exc.detail, str) else HTTP_CODES.get(exc.status_code, "error")
    if exc.status_code == 404 and text == "Not Found":
        text = "no such endpoint; the API is described at /docs"
    elif exc.status_code == 405:
        text = "this endpoint does not take that method; see /docs"
    return error(exc.status_code, f"InputError: {text}", headers=exc.headers)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 in one line: every unknown field named (with the nearest known one), else the first
    problem, naming the field and the value sent (:func:`value_problem`)."""
    problems = exc.errors()
    unknown = [str(p["loc"][-1])[:60] for p in problems if p.get("type") == "extra_forbidden"]
    if unknown:
        return error(422, f"InputError: {unknown_fields(unknown, request.url.path)}", "unknown_field")
    first = problems[0] if problems else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        at = first["loc"][-1] if first["loc"] else "?"
        why = first.get("ctx", {}).get("error", first["msg"])
        return error(422, f"InputError: the body is not valid JSON (character {at}: {why})", "malformed_body")
    if tuple(first["loc"]) == ("body",) and first.get("type") == "model_attributes_type":
        return not_an_object(request)
    text = value_problem(first, request_model(request.url.path))
    return error(422, f"InputError: {text}", "invalid_request")


def value_problem(problem: dict, model: type[BaseModel]) -> str:
    """A pydantic problem with a field as one sentence naming the field and the value sent:
    'cargo_value -5 is out of range (USD, 0 to 10,000,000,000)', 'cargo_value NaN is not a
    finite number (USD, 0 to 10,000,000,000)', "objective 'cheapest': input should be
    'balanced', 'fastest' or 'safest'", 'origin is required'."""
    loc = [x for x in problem["loc"] if x not in ("body", "query")]
    where = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc).lstrip(".") or "request"
    if problem["type"] == "missing":
        return f"{where} is required"
    sent = shown(problem.get("input"), quoted=problem["loc"][:1] != ("query",))
    field = model.model_fields.get(str(loc[0])) if loc else None
    span = number_span(field) if field is not None else ""
    if span and problem["type"] in NUMBER_ERRORS:
        unit = api_models.UNITS.get(str(loc[0]))
        return f"{where} {sent} {number_problem(problem)} ({', '.join(filter(None, [unit, span]))})"
    why = str(problem["msg"]).removeprefix("Value error, ")
    return f"{where} {sent}: {why[:1].lower()}{why[1:]}"


def number_problem(problem: dict) -> str:
    """What is wrong with a number sent: not a number, not finite, not whole, or out of range."""
    value = problem.get("input")
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except OverflowError:  # an integer of hundreds of digits
        number = math.inf
    except (TypeError, ValueError):
        return "is not a number"
    if math.isnan(number) or (math.isinf(number) and not isinstance(value, int)):
        return "is not a finite number"
    if problem["type"] in ("int_from_float", "int_parsing") or (problem["type"] == "int_type" and number % 1):
        return "is not a whole number"  # '2.5' in a query: a number, not a whole one
    return "is out of range"


def number_span(field: FieldInfo) -> str:
    """The numbers a model's field takes, from its bounds: '0 to 10,000,000,000', 'above 0 and at
    most 1', 'at least 1'; '' for a field without bounds."""
    bound = {k: getattr(m, k) for m in field.metadata for k in BOUND_WORDS if hasattr(m, k)}
    if "ge" in bound and "le" in bound:
        return f"{number_text(bound['ge'])} to {number_text(bound['le'])}"
    return " and ".join(f"{BOUND_WORDS[k]} {number_text(v)}" for k, v in bound.items())


def number_text(value: float) -> str:
    """A bound as people write it: 10,000,000,000, 0.5."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def shown(value: object, *, quoted: bool = True) -> str:
    """A value sent, as a message quotes it: a string in quotes (as typed, for a query
    parameter), anything else as JSON (true, null, NaN); shortened beyond 40 characters."""
    if isinstance(value, str):
        text = repr(value[:40]) if quoted else value[:40]
        return text + (f"… ({len(value):,} characters)" if len(value) > 40 else "")
    try:
        text = json.dumps(value, default=str)
    except ValueError:  # an integer too long to write
        text = f"{str(value)[:20]}…"
    return text if len(text) <= 40 else f"{text[:40]}…"


def not_an_object(request: Request) -> JSONResponse:
    """A body that is not a JSON object: 415 when it was not sent as JSON (a form, plain text,
    no ``Content-Type``), else 422 (a JSON list or number)."""
    this = other_media_type(request.headers.get("content-type", ""), "application/json")
    if this is not None:
        text = f"the body must be JSON sent with 'Content-Type: application/json' ({this})"
        return error(415, f"InputError: {text}")
    return error(422, "InputError: the body must be a JSON object of the request's fields", "invalid_request")


def not_multipart(sent: str) -> str | None:
    """Why a lane book whose ``Content-Type`` is ``sent`` is refused (415), None when it is a
    multipart form (a raw CSV body or ``curl -d @lanes.csv`` is not: FastAPI would say only that
    the form's ``file`` field is missing)."""
    this = other_media_type(sent, "multipart/form-data")
    if this is None:
        return None
    return (
        "InputError: the lane book must be sent as multipart/form-data with the file in the field 'file' "
        f"(curl -F file=@lanes.csv), not as the body ({this})"
    )


def other_media_type(sent: str, wanted: str) -> str | None:
    """'this one is 'text/csv'' (or 'this one has none') when the media type of a
    ``Content-Type`` header is not ``wanted``; None when it is."""
    kind = sent.split(";", maxsplit=1)[0].strip()
    if kind.lower() == wanted:
        return None
    return f"this one is {kind[:60]!r}" if kind else "this one has none"


def unknown_fields(names: list[str], path: str) -> str:
    """'unknown field 'cargo_vaule' (did you mean 'cargo_value'?); this request takes: ...'."""
    known = known_fields(path)
    parts = []
    for name in names:
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        parts.append(f"{name!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    plural = "s" if len(parts) > 1 else ""
    return f"unknown field{plural} {', '.join(parts)}; this request takes: {', '.join(known)}"


def known_fields(path: str) -> list[str]:
    """The fields of the request model of an endpoint."""
    return list(request_model(path).model_fields)


def request_model(path: str) -> type[BaseModel]:
    """The request model of an endpoint (a route request's unless another one's)."""
    models = {
        "/v1/matrix": api_models.MatrixRequest,
        "/v1/route/map.png": api_models.PngQuery,
        "/v1/route/map": api_models.MapQuery,
        "/v1/places": api_models.PlacesQuery,
        "/v1/border/waits": api_models.WaitsQuery,
    }
    return next((model for start, model in models.items() if path.startswith(start)), api_models.RouteRequest)


async def server_error(_: Request, exc: Exception) -> JSONResponse:
    """A bug: logged with its traceback on the server, one line without details to the client."""
    log.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return error(500, "InternalError: the server failed on this request; it is logged", "internal")


def add_error_handlers(app: FastAPI) -> None:
    """Every error as ``{"error", "code"}``."""
    app.add_exception_handler(CargoRiskError, cargorisk_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, server_error)
