"""Test fixtures: a migrated database per test (SQLite by default, PostgreSQL when configured), app, client.

Set ``YIWANG_TEST_DATABASE_URL`` to a PostgreSQL URL (``postgresql+psycopg://postgres@127.0.0.1:5432/NAME``) to
run the whole suite on PostgreSQL; ``.ci/run`` does so with a fresh database name per run. Each test gets its
own database cloned from a migrated template (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL), so tests never see each other's rows and the append-only audit triggers stay in force.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from yiwang import migrations
from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import Actor
from yiwang.web import deps as web_deps

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
"""The workplace's shared data sets (``../shared`` beside the checkout); tests may read them."""

PG_URL_ENV = "YIWANG_TEST_DATABASE_URL"


def _pg_admin(url: str) -> Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)


class DatabaseFactory:
    """Creates databases cloned from migrated templates and drops them at the end of the session."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.pg_base = os.environ.get(PG_URL_ENV)
        self.created: list[str] = []
        self.templates: dict[str, str] = {}
        self.admin = _pg_admin(self.pg_base) if self.pg_base else None
        # DROP DATABASE forces a checkpoint on PostgreSQL 15; dropping in the background overlaps that wait
        # with the next tests instead of adding it to every teardown.
        self.dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-db")
        self.pending: list[Future[None]] = []

    @property
    def backend(self) -> str:
        return "postgresql" if self.pg_base else "sqlite"

    def _new_url(self, name: str) -> str:
        if self.pg_base:
            return make_url(self.pg_base).set(database=name).render_as_string(hide_password=False)
        return f"sqlite:///{self.tmp_dir / (name + '.db')}"

    def template(self, key: str = "migrated", prepare: Callable[[str], None] | None = None) -> str:
        """A template database: migrated, then ``prepare(url)`` (e.g. load master data) — built once."""
        if key not in self.templates:
            name = f"yiwang_tpl_{key}_{uuid.uuid4().hex[:8]}"
            url = self._new_url(name)
            if self.pg_base:
                with self.admin.connect() as conn:  # type: ignore[union-attr]
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                self.created.append(name)
            migrations.upgrade(url)
            if prepare is not None:
                prepare(url)
            self.templates[key] = url
        return self.templates[key]

    def clone(self, template_url: str) -> str:
        """A fresh database with the template's content."""
        name = f"yiwang_t_{uuid.uuid4().hex[:12]}"
        url = self._new_url(name)
        if self.pg_base:
            template_name = make_url(template_url).database
            with self.admin.connect() as conn:  # type: ignore[union-attr]
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
            self.created.append(name)
        else:
            shutil.copyfile(make_url(template_url).database or "", make_url(url).database or "")
        return url

    def release(self, url: str) -> None:
        """Drop a clone once its test is done (in the background on PostgreSQL, at once on SQLite)."""
        database = make_url(url).database or ""
        if not self.pg_base:
            Path(database).unlink(missing_ok=True)
            return
        self.created.remove(database)
        self.pending.append(self.dropper.submit(self._drop, database))

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:  # type: ignore[union-attr]
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_all(self) -> None:
        for future in self.pending:
            future.result()
        self.dropper.shutdown()
        if not self.pg_base or self.admin is None:
            return
        with self.admin.connect() as conn:  # type: ignore[union-attr]
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def db_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture
def db_url(db_factory: DatabaseFactory) -> Iterator[str]:
    """An empty, migrated database for this test."""
    url = db_factory.clone(db_factory.template())
    yield url
    db_factory.release(url)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, grid_cell_m=5000, log_level="WARNING")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    s = session_factory()
    yield s
    s.close()


PLATFORM_ADMIN = Actor(
    id="admin",
    department="cityops",
    role="platform_admin",
    display_name="平台管理员",
    roles=frozenset({"platform_admin"}),
)
"""Who ``client`` acts as: tests of a feature (not of login) run as a platform administrator."""


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app, acting as a platform administrator (login itself is tested in tests/integration/identity)."""
    app = create_app(settings)
    app.dependency_overrides[web_deps.get_actor] = lambda: PLATFORM_ADMIN
    app.dependency_overrides[web_deps.get_optional_actor] = lambda: PLATFORM_ADMIN
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture
def anon_client(settings: Settings) -> Iterator[TestClient]:
    """The app with nobody logged in."""
    app = create_app(settings)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; tests needing it skip where it is absent, except in CI (CI=true), where they fail."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is not installed (apt-get install -y chromium fonts-noto-cjk)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    """One headless Chromium for the whole session (Playwright's sync API allows one driver per thread)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED_DIR
