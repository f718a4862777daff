"""``cargorisk serve``: the app under uvicorn, one worker or several.

Start-up checks the key, the settings and the jobs folder, then loads the models before anything
listens: with one worker in this process, with several first in one child process (the check,
which also leaves the router's snapshot for the workers to read quickly) and then in each
worker. A folder that cannot be loaded (models, or a jobs folder that cannot be written) is one
line and exit status 1, never a loop of dying workers, and so is an address that cannot be
bound (a port in use); the start-up line comes once loading worked and the port was bound.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import multiprocessing
import os
import socket
import tempfile
from collections.abc import Iterator

from cargorisk import __version__
from cargorisk import errors as cargorisk_errors
from cargorisk.config import Settings
from cargorisk.errors import CargoRiskError, InputError
from cargorisk.service import errors as service_errors
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
        with claim(host, port):
            announce(host, port, key, workers)
        uvicorn.run(app, **common)
        return
    os.environ["CARGORISK_DATA_DIR"] = str(settings.data_dir)
    os.environ["CARGORISK_MODELS_DIR"] = str(settings.models_dir)
    preflight(settings)
    with claim(host, port):
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


@contextlib.contextmanager
def claim(host: str, port: int) -> Iterator[None]:
    """Bind ``host:port`` for the start-up line, and let go of it just before uvicorn binds it:
    a port in use (or an address this machine does not have) is one line and exit status 1,
    and the start-up line is not written for a server that cannot listen. Bound as uvicorn
    binds (``SO_REUSEADDR``: connections of a server just stopped do not count), never
    listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            why = exc.strerror or str(exc)
            msg = f"cannot listen on {host}:{port} ({why}); stop what uses it or choose another --port"
            raise InputError(msg) from None
        yield


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
    found: tuple[str, str] | None = ("ModelFileError", "loading the models took over 600 s")
    try:
        if receive.poll(600):
            found = receive.recv()
    except EOFError:  # the child died without a word (killed, out of memory)
        found = ("CargoRiskError", "the check of the models in a child process stopped without an answer")
    child.join(30)
    if found is not None:
        kind, message = found
        known = getattr(cargorisk_errors, kind, None) or getattr(service_errors, kind, None)
        if not (isinstance(known, type) and issubclass(known, CargoRiskError)):
            known = CargoRiskError
        raise known(message)


def check_loads(settings: Settings, send: object) -> None:
    """In the preflight child: build the app, send None or (error class, message); an
    unexpected error is sent too, in one line (its traceback would be the child's only word)."""
    from cargorisk.service.app import create_app  # noqa: PLC0415

    try:
        create_app(settings)
    except CargoRiskError as exc:
        send.send((type(exc).__name__, str(exc)))  # type: ignore[attr-defined]
        return
    except Exception as exc:  # a bug or an unforeseen fault: the parent says it in one line
        why = f"the app failed to start ({type(exc).__name__}: {str(exc)[:300]})"
        send.send(("CargoRiskError", why))  # type: ignore[attr-defined]
        return
    send.send(None)  # type: ignore[attr-defined]


def log_config(quiet: bool) -> dict:
    """uvicorn's logging set-up plus the service's access log (applied in every worker)."""
    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415

    config = copy.deepcopy(LOGGING_CONFIG)
    level = "WARNING" if quiet else "INFO"
    config["loggers"]["cargorisk.service"] = {"handlers": ["default"], "level": level, "propagate": False}
    return config
