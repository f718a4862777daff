"""Shared fixtures: the real data mirror, fetched and built once per test session."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from cargorisk.border import train_wait_model
from cargorisk.config import Settings
from cargorisk.network import Gazetteer, load_gazetteer, load_network
from cargorisk.risk import train
from cargorisk.routing import Router
from cargorisk.sources import SOURCES, build_sources, fetch_sources

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real public data mirror (../shared/data); required in CI."""
    if not MIRROR.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"data mirror {MIRROR} missing in CI")
        pytest.skip(f"data mirror {MIRROR} not present")
    return MIRROR


@pytest.fixture(scope="session")
def built(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data folder holds every source fetched from the mirror and built."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    sources = list(SOURCES.values())
    fetch_sources(sources, settings.raw_dir, mirror=mirror)
    build_sources(sources, settings.raw_dir, settings.processed_dir)
    return settings


@pytest.fixture(scope="session")
def corridor(built: Settings) -> nx.MultiDiGraph:
    """The embedded corridor network, tagged with the built admin polygons."""
    return load_network("corridor", settings=built)


@pytest.fixture(scope="session")
def national(built: Settings) -> nx.MultiDiGraph:
    """The national road graph (the default), built from the Travel Mapping data and tagged."""
    return load_network(settings=built)


@pytest.fixture(scope="session")
def gazetteer(corridor: nx.MultiDiGraph, built: Settings) -> Gazetteer:
    """Place lookup over the corridor and every Mexican municipality."""
    return load_gazetteer(corridor, built)


@pytest.fixture(scope="session")
def national_gazetteer(national: nx.MultiDiGraph, built: Settings) -> Gazetteer:
    """Place lookup over the national graph: corridor places, municipalities, coordinates."""
    return load_gazetteer(national, built)


@pytest.fixture(scope="session")
def trained(built: Settings, national: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose models folder holds the theft and border wait models trained on the real
    data and the national graph."""
    settings = dataclasses.replace(built, models_dir=tmp_path_factory.mktemp("models"))
    train(settings, national)
    train_wait_model(settings, national)
    return settings


@pytest.fixture(scope="session")
def router(trained: Settings, national: nx.MultiDiGraph) -> Router:
    """A Router over the national graph with 2025 theft risk and the trained border wait model."""
    return Router.from_settings(trained, 2025, graph=national)


@pytest.fixture(scope="session")
def corridor_router(trained: Settings, corridor: nx.MultiDiGraph) -> Router:
    """A Router over the embedded corridor network (the alternative graph)."""
    return Router.from_settings(trained, 2025, graph=corridor)


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
NETWORK_CUT = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[object]:
    """Debian's headless Chromium via selenium, with every host name unresolvable (the network
    cut off: only file:// and numeric loopback addresses load); skipped when not installed."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Debian chromium/chromium-driver not installed (make test installs them)")
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,900",
        f"--user-data-dir={tmp_path / 'profile'}",
        NETWORK_CUT,
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@contextlib.contextmanager
def serving(app: object) -> Iterator[str]:
    """An ASGI app on a free loopback port, served by uvicorn in a thread: its base URL."""
    import uvicorn  # noqa: PLC0415  (only the service tests use it)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a loaded machine may take a while; a dead server says so
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        server.should_exit = True
        raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port} (thread alive: {thread.is_alive()})")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def serve_app() -> object:
    """:func:`serving`, for tests that run the HTTP service on the loopback address."""
    return serving
