"""Fixtures of the geo integration tests: master data loaded once into a template database, cloned per test.

``load_geo(url)`` is reusable: it loads the districts, streets, communities and 5 km unit grids (the cell size of
the test settings) into the migrated database at ``url``.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services

GEO_CELL_M = 5000


def load_geo(url: str) -> None:
    """Load the geo master data into the database at ``url`` with 5 km grids."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            settings = Settings(database_url=url, grid_cell_m=GEO_CELL_M, log_level="WARNING")
            geo_services.load_master_data(session, settings=settings)
    finally:
        engine.dispose()


@pytest.fixture
def db_url(db_factory) -> str:
    """Every geo integration test starts from its own copy of a database with the master data loaded."""
    return db_factory.clone(db_factory.template("geo", prepare=load_geo))


@pytest.fixture(scope="module")
def shared_geo_url(db_factory) -> str:
    """One loaded copy for a module of read-only tests (on PostgreSQL every clone is a CREATE DATABASE)."""
    return db_factory.clone(db_factory.template("geo", prepare=load_geo))


@pytest.fixture
def empty_db_url(db_factory) -> str:
    """A migrated database without any master data."""
    return db_factory.clone(db_factory.template())


@pytest.fixture
def empty_client(empty_db_url) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=empty_db_url, grid_cell_m=GEO_CELL_M, log_level="WARNING"))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()
