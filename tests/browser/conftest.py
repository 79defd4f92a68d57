"""Browser fixtures: Debian's Chromium driven by Playwright against a live server over a small seeded city.

The seeded database also holds the demo accounts (all with ``DEMO_PASSWORD``) and the demo cases of
``yiwang demo``; ``login(page, username)`` signs a page in through the login form. The tests skip where
``/usr/bin/chromium`` is absent, except in CI (``CI=true``), where a missing browser fails. Screenshots go to
``artifacts/screenshots/`` (git-ignored; CI keeps them).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from yiwang.app import create_app
from yiwang.config import PROJECT_ROOT, Settings

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
SEED = 1
PERSONS = 2000
ENTERPRISES = 400
DEMO_PASSWORD = "Browser2026demo"  # noqa: S105 - a test database's demo accounts
"""Password of every demo account in the browser tests' database."""


def _seed(url: str) -> None:
    from yiwang import demo
    from yiwang.seed import services as seed_services

    settings = Settings(database_url=url, grid_cell_m=5000, log_level="WARNING")
    seed_services.seed_demo(settings, seed=SEED, persons=PERSONS, enterprises=ENTERPRISES, progress=False)
    demo.prepare_accounts_and_cases(settings, password=DEMO_PASSWORD, echo=lambda _line: None)


@pytest.fixture(scope="session")
def seeded_template(db_factory, chromium: Path) -> str:
    """A migrated database holding the small seeded city, the demo accounts and cases, built once per session."""
    return db_factory.template("browser_city", prepare=_seed)


@pytest.fixture(scope="module")
def live_settings(db_factory, seeded_template: str) -> Settings:
    return Settings(database_url=db_factory.clone(seeded_template), grid_cell_m=5000, log_level="WARNING")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(live_settings: Settings) -> Iterator[str]:
    """The application served by uvicorn in a background thread; yields its base URL."""
    app = create_app(live_settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="yiwang-live-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the live server did not answer /healthz within 30 s")
        time.sleep(0.1)
    yield base_url
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest):
    """Save a full-page screenshot of the page as it is now, named ``<test>-<step>.png``."""

    def take(step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{_safe_name(request.node.name)}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh Chinese-locale page; a full-page screenshot named after the test is saved at the end."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield new_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    new_page.screenshot(path=str(SCREENSHOTS / f"{_safe_name(request.node.name)}.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def login(live_server: str):
    """``login(page, username)``: sign the page in through the /login form as a demo account.

    With ``goto=False`` the page is already on the login form (e.g. after a redirect from a protected page).
    """

    def sign_in(page: Page, username: str, *, next_path: str = "/", goto: bool = True) -> None:
        if goto:
            page.goto(f"{live_server}/login?next={next_path}")
        form = page.locator("form[action='/login']")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(DEMO_PASSWORD)
        form.locator("button[type=submit]").click()
        expect(page.locator(".usernav-name")).to_be_visible()

    return sign_in
