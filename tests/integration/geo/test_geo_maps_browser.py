"""The geo maps really draw in Chromium: district outlines on /geo, unit grids on a district page."""

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.web.assets import vendor_ready

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_url(shared_geo_url, chromium) -> Iterator[str]:
    settings = Settings(database_url=shared_geo_url, grid_cell_m=5000, log_level="WARNING")
    if not vendor_ready(settings.frontend_dir):
        pytest.skip("needs the npm packages (npm ci)")
    import uvicorn

    app = create_app(settings)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def page(live_url, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield new_page
    context.close()
    assert not errors, errors


def test_overview_map_draws_the_twenty_districts(page, live_url):
    page.goto(f"{live_url}/geo")
    page.wait_for_selector('#geo-district-map[data-rendered="true"]')
    assert page.locator("#geo-district-map path.leaflet-interactive").count() == 20
    assert "县级市" in page.locator(".map-legend").inner_text()


def test_district_map_draws_its_grids(page, live_url):
    page.goto(f"{live_url}/geo/districts/510104")
    page.wait_for_selector('#geo-grid-map[data-rendered="true"]')
    drawn = int(page.locator("#geo-grid-map").get_attribute("data-features") or 0)
    assert drawn >= 11
    assert page.locator("#geo-grid-map path.leaflet-interactive").count() == drawn
