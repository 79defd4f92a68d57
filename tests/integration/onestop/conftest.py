"""Fixtures of the one-stop tests: the test city's database (cloned from a template) and an event collector."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from onestop_helpers import prepare

from yiwang.workflow import events as workflow_events


@pytest.fixture
def db_url(db_factory: Any) -> Iterator[str]:
    """A migrated database with the one-stop test city (cloned from a template)."""
    url = db_factory.clone(db_factory.template("onestop_city", prepare=prepare))
    yield url
    db_factory.release(url)


@pytest.fixture
def collector() -> Iterator[workflow_events.EventCollector]:
    """Every domain event published while the test runs."""
    received = workflow_events.EventCollector()
    unsubscribe = workflow_events.subscribe(workflow_events.DomainEvent, received)
    yield received
    unsubscribe()
