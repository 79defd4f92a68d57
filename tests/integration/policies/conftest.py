"""A seeded small city (template built once per session) for the policies integration tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from yiwang.config import Settings
from yiwang.seed import services as seed_services

AS_OF = dt.date(2026, 11, 28)
PERSONS = 3_000
ENTERPRISES = 3_000


def _seed(url: str) -> None:
    settings = Settings(database_url=url, grid_cell_m=5000, log_level="WARNING")
    seed_services.seed_demo(
        settings, seed=20261128, persons=PERSONS, enterprises=ENTERPRISES, progress=False, as_of=AS_OF
    )


@pytest.fixture
def db_url(db_factory) -> Iterator[str]:  # overrides the empty database: a seeded city
    url = db_factory.clone(db_factory.template("policies_city", _seed))
    yield url
    db_factory.release(url)


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF
