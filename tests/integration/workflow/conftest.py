"""Fixtures of the workflow tests: a database with the shipped definitions, actors, sessions and an app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from yiwang.app import create_app
from yiwang.config import Settings
from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import Actor
from yiwang.web.deps import get_actor
from yiwang.workflow import services


def _install(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        services.ensure_builtin_definitions(session)
    engine.dispose()


@pytest.fixture
def wf_url(db_factory) -> str:  # type: ignore[no-untyped-def]
    """A migrated database with the shipped definitions published (cloned from a template)."""
    return db_factory.clone(db_factory.template("workflow", prepare=_install))


@pytest.fixture
def wf_factory(wf_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(wf_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def wf_session(wf_factory: sessionmaker[Session]) -> Iterator[Session]:
    with wf_factory() as session:
        yield session


@pytest.fixture
def wf_app(wf_url: str) -> Iterator[FastAPI]:
    app = create_app(Settings(database_url=wf_url, log_level="WARNING"))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def as_actor(wf_app: FastAPI):  # type: ignore[no-untyped-def]
    """Call ``as_actor(actor)`` to make the following requests act as that actor."""

    def switch(who: Actor) -> None:
        wf_app.dependency_overrides[get_actor] = lambda: who

    return switch


@pytest.fixture
def wf_client(wf_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(wf_app) as client:
        yield client
