"""Fixtures of the ratings tests: the app with our routers and a switch for who is calling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from ratings_support import ActorSwitch, build_app

from yiwang.config import Settings


@pytest.fixture
def ratings_app(settings: Settings) -> Iterator[tuple[TestClient, ActorSwitch]]:
    app = build_app(settings)
    with TestClient(app) as client:
        yield client, ActorSwitch(app)
    app.state.engine.dispose()
