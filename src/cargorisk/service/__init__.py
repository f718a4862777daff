"""The HTTP API (FastAPI): the same planning code as the CLI and the Python API, over JSON.

``cargorisk serve`` (or ``uvicorn cargorisk.service:create_app --factory``) loads the network,
the risk and wait models once at start-up (failing fast, in one line, when it cannot) and serves:

- ``POST /v1/route``: a route request -> the plan (as ``cargorisk route --json``) with each
  route's geometry as GeoJSON; ``Accept: application/geo+json`` (or ``GET /v1/route.geojson``)
  gives a FeatureCollection of the routes; ``GET /v1/route/map.html`` and ``map.png`` the maps;
- ``POST /v1/matrix``: every origin to every destination (``Router.matrix``);
- ``POST /v1/lanes``: a CSV or Parquet lane book -> the scored book as CSV (small books), or a
  background job (``GET``/``DELETE /v1/lanes/{job}``, ``GET /v1/lanes/{job}/result``);
- ``GET /v1/places?q=``, ``/v1/ports``, ``/v1/border/waits?port=&at=``, ``/v1/cargo-types``;
- ``GET /healthz`` (alive), ``/readyz`` (models loaded), ``/metrics`` (Prometheus), ``/docs``.

Modules: :mod:`~cargorisk.service.app` (loading, endpoints), :mod:`~cargorisk.service.lanes`
and :mod:`~cargorisk.service.jobs` (lane books), :mod:`~cargorisk.service.limits` (body size,
queue, deadline, hang-ups), :mod:`~cargorisk.service.guard` (host and key),
:mod:`~cargorisk.service.access` (log, headers), :mod:`~cargorisk.service.metrics`,
:mod:`~cargorisk.service.errors` (one error format), :mod:`~cargorisk.service.run` (``serve``).
Request and answer models are in :mod:`cargorisk.api_models`.
"""

from __future__ import annotations

from cargorisk.api_models import RouteRequest
from cargorisk.service.app import create_app
from cargorisk.service.guard import check_host
from cargorisk.service.lanes import MAX_LANES
from cargorisk.service.limits import ServiceOptions
from cargorisk.service.run import serve

__all__ = ["MAX_LANES", "RouteRequest", "ServiceOptions", "check_host", "create_app", "serve"]
