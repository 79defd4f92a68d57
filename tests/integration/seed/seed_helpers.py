"""Shared constants and preparation of the seed tests (a uniquely named module, importable from any test file)."""

from __future__ import annotations

import datetime as dt

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services
from yiwang.registry import services as registry_services

AS_OF = dt.date(2025, 6, 30)
"""Reference date of every test city, so expected periods and years are fixed."""

GRID_CELL_M = 5000
"""The shared ``settings`` fixture's grid cell size, so the seed's master-data call does not lay grids out again."""


def load_master_data(url: str) -> None:
    """Divisions, grids and departments into the database at ``url`` (a template preparation step)."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            geo_services.load_master_data(session, settings=Settings(database_url=url, grid_cell_m=GRID_CELL_M))
            registry_services.load_departments(session)
    finally:
        engine.dispose()
