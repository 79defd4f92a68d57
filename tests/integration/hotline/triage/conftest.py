"""Fixtures of the triage integration tests: actors of each role, a database with geo master data."""

from __future__ import annotations

import pytest

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services


def load_geo(url: str) -> None:
    """Load the geo master data (5 km grids, as the geo tests do) into the database at ``url``."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            settings = Settings(database_url=url, grid_cell_m=5000, log_level="WARNING")
            geo_services.load_master_data(session, settings=settings)
    finally:
        engine.dispose()


@pytest.fixture
def geo_db_url(db_factory) -> str:  # type: ignore[no-untyped-def]
    """A migrated database with the geo master data (the same template the geo tests use)."""
    return db_factory.clone(db_factory.template("geo", prepare=load_geo))
