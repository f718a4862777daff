"""``cargorisk serve``: the app under uvicorn, one worker or several.

Start-up loads the models before anything listens: with one worker in this process, with
several first in one child process (the check, which also leaves the router's snapshot for the
workers to read quickly) and then in each worker. A folder that cannot be loaded is one line
and exit status 1, never a loop of dying workers; the start-up line comes once loading worked.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import multiprocessing
import os
import tempfile
from collections.abc import Iterator

from cargorisk import __version__
from cargorisk import errors as cargorisk_errors
from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError
from cargorisk.service.balance import WORKER_DIR_ENV
from cargorisk.service.guard import API_KEY_ENV, check_host

log = logging.getLogger("cargorisk.service")
GRACEFUL_S = 30  # seconds requests under way may take to finish after SIGTERM


def serve(settings: Settings, host: str, port: int, workers: int, *, quiet: bool = False) -> None:
    """Run the app with uvicorn (the CLI's ``serve``). Several workers each build their own
    app from the environment (``CARGORISK_DATA_DIR`` and ``CARGORISK_MODELS_DIR`` are set from
    ``settings``), so they share nothing mutable. On SIGTERM or Ctrl-C the server stops taking
    connections and lets requests under way finish (at most :data:`GRACEFUL_S` seconds). The
    access log (request id, status, duration) goes to stderr in every worker unless ``quiet``."""
    import uvicorn  # noqa: PLC0415

    from cargorisk.service.app import create_app  # noqa: PLC0415  (loads the router's modules)

    key = os.environ.get(API_KEY_ENV)
    check_host(host, key)
    common = {
        "host": host, "port": port, "timeout_graceful_shutdown": GRACEFUL_S,
        "log_config": log_config(quiet), "log_level": "warning" if quiet else "info",
        "access_log": False,  # the service's own access line (id, path, status, ms): one a request
    }  # fmt: skip
    if workers <= 1:
        os.environ.pop(WORKER_DIR_ENV, None)  # alone: no siblings to share its load with
        app = create_app(settings)
        announce(host, port, key, workers)
        uvicorn.run(app, **common)
        return
    os.environ["CARGORISK_DATA_DIR"] = str(settings.data_dir)
    os.environ["CARGORISK_MODELS_DIR"] = str(settings.models_dir)
    preflight(settings)
    announce(host, port, key, workers)
    with (
        tempfile.TemporaryDirectory(prefix="cargorisk-metrics-") as folder,
        tempfile.TemporaryDirectory(prefix="cargorisk-workers-") as depths,
        environment({"PROMETHEUS_MULTIPROC_DIR": folder, WORKER_DIR_ENV: depths}),
    ):  # one scrape adds up every worker; each worker's requests under way (service.balance)
        uvicorn.run("cargorisk.service:create_app", factory=True, workers=workers, **common)


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the workers, and put back what was there after them (the
    folders they name are gone by then: an app made afterwards in this process must not look
    for them)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def announce(host: str, port: int, key: str | None, workers: int) -> None:
    """The start-up line (once the models are loaded)."""
    log.warning(
        "cargorisk %s on http://%s:%d/ (page at /, API docs at /docs, %d worker%s); %s",
        __version__, host, port, workers, "s" if workers > 1 else "",
        f"the API needs the X-API-Key header ({API_KEY_ENV} is set)" if key else "no API key (loopback only)",
    )  # fmt: skip


def preflight(settings: Settings) -> None:
    """Load the app once in a child process (so this one stays small); raise its error."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=check_loads, args=(settings, send), name="cargorisk-preflight")
    child.start()
    send.close()
    found = receive.recv() if receive.poll(600) else ("ModelFileError", "loading the models took over 600 s")
    child.join(30)
    if found is not None:
        kind, message = found
        raise getattr(cargorisk_errors, kind, CargoRiskError)(message)


def check_loads(settings: Settings, send: object) -> None:
    """In the preflight child: build the app, send None or (error class, message)."""
    from cargorisk.service.app import create_app  # noqa: PLC0415

    try:
        create_app(settings)
    except CargoRiskError as exc:
        send.send((type(exc).__name__, str(exc)))  # type: ignore[attr-defined]
        return
    send.send(None)  # type: ignore[attr-defined]


def log_config(quiet: bool) -> dict:
    """uvicorn's logging set-up plus the service's access log (applied in every worker)."""
    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415

    config = copy.deepcopy(LOGGING_CONFIG)
    level = "WARNING" if quiet else "INFO"
    config["loggers"]["cargorisk.service"] = {"handlers": ["default"], "level": level, "propagate": False}
    return config
