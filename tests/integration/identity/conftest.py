"""Fixtures of the identity tests: seeded database, app with identity wired in, cheap hashing, fake OIDC provider.

The database holds the geo master data, the departments, one person and one enterprise (built once, cloned per
test); the fake provider runs in uvicorn on a loopback port for the whole session.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI
from fastapi.testclient import TestClient
from id_helpers import PERSON_ID, PERSON_STREET, SECRET_KEY, USCC, FakeProvider, build_app
from sqlalchemy.orm import Session, sessionmaker

from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.geo import services as geo_services
from yiwang.identity import oidc, passwords
from yiwang.identity.config import IdentityConfig, OidcConfig
from yiwang.registry import services as registry_services
from yiwang.registry.schemas import EnterpriseCreate, PersonCreate


def _prepare(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        geo_services.load_master_data(session, settings=Settings(database_url=url, grid_cell_m=5000))
        registry_services.load_departments(session)
        registry_services.create_person(
            session,
            data=PersonCreate(
                name="王建国",
                id_number=PERSON_ID,
                household_address="成都市武侯区浆洗街街道洗面桥街8号",
                household_district_code="510107",
                household_street_code=PERSON_STREET,
                phone="13812345678",
            ),
        )
        registry_services.create_enterprise(
            session,
            data=EnterpriseCreate(
                uscc=USCC,
                name="成都锦程餐饮管理有限公司",
                entity_type="有限责任公司",
                legal_representative="王建国",
                legal_representative_id=PERSON_ID,
                industry_section="H",
                industry_division="62",
                registered_capital=Decimal(100),
                founded_on=dt.date(2015, 6, 1),
                district_code="510107",
                street_code=PERSON_STREET,
                address="成都市武侯区浆洗街街道洗面桥街8号",
            ),
        )
    engine.dispose()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Argon2 with minimal cost: the tests check the logic, not the work factor (a unit test uses the real one)."""
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def identity_url(db_factory: Any) -> str:
    """A migrated database with geo master data, departments, a person and an enterprise (from a template)."""
    return db_factory.clone(db_factory.template("identity", prepare=_prepare))


@pytest.fixture
def id_settings(identity_url: str) -> Settings:
    return Settings(database_url=identity_url, log_level="WARNING")


@pytest.fixture
def id_factory(identity_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(identity_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def id_session(id_factory: sessionmaker[Session]) -> Iterator[Session]:
    with id_factory() as session:
        yield session


@pytest.fixture
def grid_code(id_session: Session) -> str:
    return geo_services.list_grids(id_session, street_code=PERSON_STREET, page_size=1).items[0].code


@pytest.fixture
def id_app(id_settings: Settings) -> Iterator[FastAPI]:
    app = build_app(id_settings, IdentityConfig(secret_key=SECRET_KEY))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def id_client(id_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(id_app) as client:
        yield client


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[FakeProvider]:
    """The fake provider served by uvicorn on a free loopback port for the whole session."""
    provider = FakeProvider()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    provider.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(provider.app(), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "fake identity provider did not start"
    yield provider
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def oidc_app(id_settings: Settings, fake_provider: FakeProvider) -> Iterator[FastAPI]:
    fake_provider.claims = {}
    fake_provider.tamper = None
    oidc_config = OidcConfig(
        issuer=fake_provider.base_url,
        client_id=fake_provider.client_id,
        client_secret=fake_provider.client_secret,
        roles_claim="roles",
        department_claim="department",
        auto_create=True,
        display_name="天府通办统一身份认证",
    )
    config = IdentityConfig(secret_key=SECRET_KEY, oidc=oidc_config)
    app = build_app(id_settings, config)
    if app.state.identity_oidc_client is None:
        app.state.identity_oidc_client = oidc.make_client(oidc_config)
    yield app
    app.state.engine.dispose()
