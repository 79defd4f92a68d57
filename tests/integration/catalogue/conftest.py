"""Fixtures of the catalogue tests: a database with the departments and the shipped catalogue (built once, cloned
per test), and actors of the roles that matter for editing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yiwang.catalogue import services
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor


def _load(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        services.load_catalogue(session, actor=SYSTEM_ACTOR)
    engine.dispose()


@pytest.fixture
def db_url(db_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A migrated database holding the shipped catalogue (overrides the root fixture for this package)."""
    url = db_factory.clone(db_factory.template("catalogue", prepare=_load))
    yield url
    db_factory.release(url)


def _actor(name: str, role: str, department: str | None = None, **scope: str) -> Actor:
    return Actor(id=name, department=department, role=role, display_name=name, roles=frozenset({role}), **scope)


@pytest.fixture
def market_staff() -> Actor:
    return _actor("staff.market", "department_staff", "market")


@pytest.fixture
def police_staff() -> Actor:
    return _actor("staff.police", "department_staff", "police")


@pytest.fixture
def citizen() -> Actor:
    return _actor("citizen.demo", "citizen", person_id_number="510107199001011234")


@pytest.fixture
def admin() -> Actor:
    return _actor("admin", "platform_admin", "cityops")
