"""Fixtures of the access tests: the seeded database (from a template), the world of accounts, the app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from access_helpers import World, build_world, prepare
from fastapi.testclient import TestClient

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory


@pytest.fixture
def access_url(db_factory: Any) -> Iterator[str]:
    url = db_factory.clone(db_factory.template("access", prepare=prepare))
    yield url
    db_factory.release(url)


@pytest.fixture
def world(access_url: str) -> World:
    engine = make_engine(access_url)
    with make_session_factory(engine)() as session:
        built = build_world(session)
    engine.dispose()
    return built


@pytest.fixture
def http(access_url: str, world: World) -> Iterator[TestClient]:
    """The real app on the access database, with nobody logged in (each request sends a bearer token)."""
    app = create_app(Settings(database_url=access_url, log_level="WARNING"))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()
