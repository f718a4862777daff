"""Route maps: escaped text, offline HTML checked in headless Chromium, static PNG, CLI."""

from __future__ import annotations

import copy
import dataclasses
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PIL import Image

from cargorisk.cli import main
from cargorisk.config import Settings
from cargorisk.errors import InputError
from cargorisk.routing import Router
from cargorisk.routing.plan import SAME_ARRIVAL_WORDS, Advice, same_arrival
from cargorisk.sources import load_table
from cargorisk.viz import map_html, route_map, route_png, save_map
from cargorisk.viz.maps import ALT_COLOUR, ROUTE_COLOURS, advice_words
from cargorisk.viz.roads import display_network, map_network
from cargorisk.viz.static import crossings_of, framed, us_states
from cargorisk.viz.words import words

HOSTILE = "<script>alert(1)</script>"
TEMPLATE = "Dallas ${document.title='PWNED'} `x`"


@pytest.fixture(scope="module")
def saved_map(router: Router, trained: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = copy.copy(
        router.plan("Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00-06:00", cargo_value=250_000)
    )
    plan.origin = HOSTILE  # a hostile place label must reach the page only as text
    plan.destination = TEMPLATE  # and must not run inside folium's JavaScript template literals
    states = load_table("mx_states", trained.processed_dir)
    fmap = route_map(plan, router, wait_model=router.wait_model, states=states)
    return save_map(fmap, tmp_path_factory.mktemp("maps") / "route.html")


def test_html_is_offline_and_escaped(saved_map: Path) -> None:
    text = saved_map.read_text()
    assert '<script src="http' not in text and '<link rel="stylesheet" href="http' not in text
    assert HOSTILE not in text and "${document.title" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "cargorisk-summary" in text and "World Trade Bridge" in text
    assert "expected wait" in text and "hours: Mon" in text  # port popups
    assert "theft risk per 100 km: 1 in 10^x loaded trips" in text  # legend in a dispatcher's units
    assert "loaded trips robbed per 100 km" in text  # road tooltips too


def test_map_renders_offline_in_headless_chromium(saved_map: Path, tmp_path: Path, chromium: object) -> None:
    from selenium.common.exceptions import NoAlertPresentException  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    driver = chromium
    driver.get(saved_map.as_uri())
    time.sleep(1.5)
    # Leaflet draws on a canvas at the next animation frame: on a loaded machine, later
    drawn = """return typeof L === 'object' && !!document.querySelector('.leaflet-overlay-pane canvas')
               && document.querySelectorAll('.leaflet-marker-pane > .awesome-marker').length >= 2"""
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(drawn))
    shot = tmp_path / "shot.png"
    colours = {"recommended": ROUTE_COLOURS["recommended"], "alternative": ALT_COLOUR}
    deadline = time.monotonic() + 30
    while True:
        driver.save_screenshot(str(shot))
        pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
        found = {
            label: int((np.abs(pixels - rgb(colour)).sum(axis=1) < 45).sum())
            for label, colour in colours.items()
        }
        if min(found.values()) > 100 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    logs = driver.get_log("browser")
    assert driver.execute_script("return typeof L") == "object"
    assert driver.title != "PWNED"  # the ${...} in a label ran nothing
    # the origin and destination markers are in the window and nothing covers them (legend,
    # colour bar, layer control, summary box)
    uncovered = driver.execute_script(
        """return [...document.querySelectorAll('.leaflet-marker-pane > .awesome-marker')].map(m => {
             const r = m.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
             const inside = x > 0 && y > 0 && x < innerWidth && y < innerHeight;
             const top = document.elementFromPoint(x, y);
             return inside && (top === m || m.contains(top)); });"""
    )
    assert len(uncovered) == 2 and all(uncovered), uncovered
    assert driver.execute_script("return document.querySelector('.leaflet-control-layers-expanded')") is None
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018  (the hostile label ran nothing)
    js_errors = [e["message"] for e in logs if e["level"] == "SEVERE" and e.get("source") != "network"]
    assert js_errors == []
    # the safest route is the recommended one's corridor here (MEX-85D, World Trade Bridge):
    # drawn under it, so the alternatives' colour stands for a second route on the map
    for label, count in found.items():
        assert count > 100, f"{label} route not drawn"


def rgb(colour: str) -> np.ndarray:
    """A '#rrggbb' colour as an array of three ints."""
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def test_png_and_unwritable_paths(router: Router, trained: Settings, tmp_path: Path) -> None:
    plan = router.plan("Ciudad de México", "Veracruz, Ver.", depart="2026-03-02T06:00-06:00")
    png = route_png(
        plan, router, tmp_path / "route.png", states=load_table("mx_states", trained.processed_dir)
    )
    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    rgb = np.array([int(ROUTE_COLOURS["recommended"][i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(pixels - rgb).sum(axis=1) < 30).sum() > 100
    cross = router.plan("Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00-06:00")
    crossings = crossings_of(router, cross)
    assert "World Trade Bridge" in crossings and len(crossings) == len({r.crossing for r in cross.routes()})
    assert crossings_of(router.graph, cross) == crossings  # a bare graph draws the same
    png = route_png(cross, router.graph, tmp_path / "cross.png")
    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    purple = np.array([0x6A, 0x1B, 0x9A])  # the crossing markers
    assert (np.abs(pixels - purple).sum(axis=1) < 30).sum() > 50
    states = us_states()
    assert states is not None and {"Texas", "California", "Arizona", "New Mexico"} <= set(states["name"])
    x0, y0, x1, y1 = framed((-101.0, 25.0, -96.0, 33.0))
    assert (x1 - x0) > (y1 - y0) > 9  # a north-south lane gets a landscape frame
    with pytest.raises(InputError, match=r"cannot write /proc/no/such\.html") as info:
        save_map(route_map(plan, router.graph), Path("/proc/no/such.html"))
    assert "\n" not in str(info.value)
    assert not list(tmp_path.glob("*.tmp"))


def test_maps_of_a_router_never_read_its_road_graph(router: Router, tmp_path: Path) -> None:
    """A router read from its snapshot keeps its graph on disk (0.4 s to read); both maps draw
    from the router's arrays, and the roads they draw are the graph's roads open to trucks."""
    engine = copy.copy(router.engine)
    engine._graph = lambda: pytest.fail("the map read the road graph")  # a snapshot's GraphFile is callable
    lean = copy.copy(router)
    lean.engine = engine
    plan = router.plan("Monterrey, NL", "Dallas, TX", depart="2026-03-02T06:00-06:00")
    assert "World Trade Bridge" in map_html(route_map(plan, lean, wait_model=router.wait_model, tiles=None))
    assert route_png(plan, lean, tmp_path / "lean.png").stat().st_size > 10_000
    ours, graphs = map_network(lean).roads, map_network(router.graph).roads
    open_refs = set(router.engine.text_attribute("ref"))
    assert len(ours) > 30_000 and set(ours["ref"]) == set(graphs["ref"]) & open_refs
    area = (-101.0, 25.0, -96.0, 33.0)
    shown = {
        name: set(display_network(map_network(n), area)["ref"])
        for name, n in (("router", lean), ("graph", router.graph))
    }
    assert shown["router"] <= shown["graph"] and len(shown["router"]) > 100


def test_map_cli(
    router: Router,
    trained: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CARGORISK_MODELS_DIR", str(trained.models_dir))
    data = ["--data-dir", str(trained.data_dir)]
    html, png = tmp_path / "m.html", tmp_path / "m.png"
    assert main([*data, "route", "Monterrey, NL", "Dallas, TX", "--map", str(html), "--png", str(png)]) == 0
    assert html.stat().st_size > 100_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert main([*data, "map", "risk", "-o", str(tmp_path / "risk.html")]) == 0
    assert "Road network: theft rate" in (tmp_path / "risk.html").read_text()
    assert main([*data, "route", "Monterrey, NL", "Dallas, TX", "--map", "/proc/no/x.html"]) == 1
    assert capsys.readouterr().err.startswith("error: InputError: cannot write /proc/no/x.html")


def test_an_arrival_counted_as_the_same_is_said_to_the_minute() -> None:
    """Advice to leave later that arrives within a quarter hour of the plan (the planner's same
    arrival) once said 'at the same time' of an arrival 6 min later; the plan's sentence and the
    map's words now give the minutes, in English and Spanish."""
    depart = datetime(2026, 12, 25, 11, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    route = SimpleNamespace(arrival=None, eta_local=None)
    route = SimpleNamespace(arrival=None, eta_local=None, crossing="Colombia")
    later = Advice(depart, route, -0.1, 315.0, ("hours", {"hours": 0.1}))
    assert later.sentence().startswith("leave Fri 11:00 CST instead: arrive 6 min later, USD 315 cheaper")
    assert "llega 6 min más tarde" in advice_words(SimpleNamespace(advice=later), words("es"))
    same = dataclasses.replace(later, arrive_earlier_h=0.004)
    assert "arrive at the same time" in same.sentence()
    assert same_arrival(0.2, SAME_ARRIVAL_WORDS) == "12 min earlier"


def test_advice_says_what_changes_besides_the_hour_in_both_languages() -> None:
    """A later start on a riskier route through another crossing says both (an audit found
    'USD 104 cheaper' on a 35% riskier route through another crossing, said of neither), and
    the Spanish map says the zone and the reason too."""
    depart = datetime(2027, 1, 1, 7, 30, tzinfo=ZoneInfo("America/Mexico_City"))
    opens = datetime(2027, 1, 1, 8, 0, tzinfo=ZoneInfo("America/Chicago"))
    route = SimpleNamespace(arrival=None, eta_local=None, crossing="Colombia")
    why = ("closed", {"crossing": "World Trade Bridge", "opens": opens})
    advice = Advice(depart, route, -0.1, -30.0, why, 0.35, "World Trade Bridge")
    assert advice.sentence() == (
        "leave Fri 07:30 CST instead: arrive 6 min later, USD 30 dearer, theft risk +35%, through "
        "Colombia instead of World Trade Bridge; World Trade Bridge is closed when the truck would "
        "get there and opens Fri 08:00 CST"
    )
    spanish = advice_words(SimpleNamespace(advice=advice), words("es"))
    assert spanish == (
        "salga vie 07:30 CST: llega 6 min más tarde, USD 30 más caro, riesgo de robo +35%, por "
        "Colombia en lugar de World Trade Bridge; World Trade Bridge está cerrado cuando llegaría el "
        "camión y abre vie 08:00 CST"
    )
    assert (
        advice.to_dict()["theft_change"] == 0.35
        and advice.to_dict()["planned_crossing"] == "World Trade Bridge"
    )
    quiet = dataclasses.replace(advice, theft_change=0.004, planned_crossing=None, saving_usd=0.2)
    assert "theft risk" not in quiet.sentence() and "instead of" not in quiet.sentence()
    assert "at the same cost" in quiet.sentence()
