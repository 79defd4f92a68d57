"""Fixtures of the e-certificate tests: the app acting as any actor, and issuing over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from certs_support import ADMIN, ActorSwitch, issue_body
from fastapi.testclient import TestClient

from yiwang.app import create_app
from yiwang.config import Settings


@pytest.fixture
def certs_app(settings: Settings) -> Iterator[tuple[TestClient, ActorSwitch]]:
    """The app acting as a platform administrator until switched."""
    app = create_app(settings)
    switch = ActorSwitch(app)
    switch(ADMIN)
    with TestClient(app) as client:
        yield client, switch
    app.state.engine.dispose()


@pytest.fixture
def issue(certs_app: tuple[TestClient, ActorSwitch]) -> Callable[..., dict[str, Any]]:
    """Issue a certificate over HTTP as an administrator; returns the created certificate."""
    client, switch = certs_app

    def _issue(**overrides: Any) -> dict[str, Any]:
        switch(ADMIN)
        response = client.post("/api/certs", json=issue_body(**overrides))
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    return _issue
