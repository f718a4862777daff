"""The dispatcher's page at ``/`` in a real browser (Debian chromium, network cut off) against
the app served by uvicorn on the loopback address."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from cargorisk.config import Settings
from cargorisk.service import create_app

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def live(trained: Settings) -> Iterator[str]:
    """The app on a free loopback port, served by uvicorn in a thread."""
    import uvicorn  # noqa: PLC0415

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(trained), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def wait_for(driver: object, condition: object, timeout: float = 30) -> object:
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    return WebDriverWait(driver, timeout).until(condition)


def test_page_is_served_with_its_assets_and_no_other_origin(trained: Settings) -> None:
    client = TestClient(create_app(trained))
    page = client.get("/")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assert "://" not in page.text  # every asset from this app
    for asset in ("/static/app/app.js", "/static/app/app.css"):
        response = client.get(asset)
        assert response.status_code == 200 and "://" not in response.text
    assert "innerHTML" not in client.get("/static/app/app.js").text  # text only, never markup
    types = client.get("/v1/cargo-types").json()
    assert types[0]["cargo_type"] == "general"
    assert {"pharma", "food_beverage"} <= {t["cargo_type"] for t in types}


def test_dispatcher_plans_a_route_in_the_browser(
    live: str, chromium: object, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Type "Monterr", pick the suggestion, enter "Dallas, TX", plan: map and table; switch to
    Spanish; a hostile origin is shown as text and runs nothing."""
    from selenium.common.exceptions import NoAlertPresentException  # noqa: PLC0415
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    driver = chromium
    driver.get(f"{live}/")
    wait_for(driver, lambda d: d.find_element(By.ID, "cargo_type").find_elements(By.TAG_NAME, "option")[1:])
    if driver.find_element(By.ID, "lang").text == "EN":  # the browser asked for Spanish: start in English
        driver.find_element(By.ID, "lang").click()
    origin = driver.find_element(By.ID, "origin")
    origin.send_keys("Monterr")
    pick = wait_for(
        driver,
        lambda d: next(
            (li for li in d.find_elements(By.CSS_SELECTOR, "#origin-suggestions li")
             if li.text.startswith("Monterrey, Nuevo León")),
            None,
        ),
    )  # fmt: skip
    pick.click()
    assert origin.get_attribute("value") == "Monterrey, Nuevo León"
    driver.find_element(By.ID, "destination").send_keys("Dallas, TX")
    driver.find_element(By.ID, "cargo_value").clear()
    driver.find_element(By.ID, "cargo_value").send_keys("250000")
    driver.find_element(By.ID, "submit").click()
    rows = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#routes tbody tr"), timeout=60)
    table = driver.find_element(By.ID, "routes").text
    assert "recommended" in table and "World Trade Bridge" in table and "about 1 in" in table
    assert len(rows) >= 2 and driver.find_element(By.ID, "tradeoff").text.startswith("The recommended route")
    wait_for(driver, lambda d: len(d.find_element(By.ID, "map").get_attribute("srcdoc") or "") > 10_000, 60)
    time.sleep(2)  # the map draws in its frame
    driver.switch_to.frame(driver.find_element(By.ID, "map"))
    assert driver.execute_script("return typeof L") == "object"  # Leaflet ran, served inline
    driver.switch_to.default_content()
    driver.execute_script("document.getElementById('heading').scrollIntoView()")
    shot = tmp_path / "page.png"
    driver.save_screenshot(str(shot))
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 200  # a drawn map, not a blank page

    driver.find_element(By.ID, "lang").click()  # Spanish
    wait_for(driver, lambda d: d.find_element(By.ID, "submit").text == "Planear ruta")
    table = driver.find_element(By.ID, "routes").text
    assert "recomendada" in table and "aprox. 1 de cada" in table and "Riesgo de robo" in table
    assert driver.find_element(By.ID, "tradeoff").text.startswith("La ruta recomendada")

    origin.clear()
    origin.send_keys(HOSTILE)
    driver.find_element(By.ID, "submit").click()
    error = driver.find_element(By.ID, "error")
    wait_for(driver, lambda _: error.is_displayed())
    assert HOSTILE in error.text and "PlaceNotFound" in error.text  # shown as text
    assert driver.find_elements(By.CSS_SELECTOR, "#error script") == []
    assert not driver.find_element(By.ID, "results").is_displayed()  # no stale answer under the error
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018  (nothing ran)
    driver.save_screenshot(str(tmp_path / "page_error.png"))
    logs = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert [m for m in logs if "404" not in m] == []  # the only failure is the unknown place
    request.node.user_properties.append(("screenshot", str(shot)))
