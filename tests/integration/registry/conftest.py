"""Registry fixtures: ``db_url`` is a copy of the registry template (see ``registry_testdata``).

Overriding ``db_url`` here makes ``settings``, ``session`` and ``client`` of the shared conftest work on a copy
of a database with Chengdu's divisions, the departments and a small synthetic city.
"""

from __future__ import annotations

import pytest
from registry_testdata import prepare_registry


@pytest.fixture
def db_url(db_factory) -> str:
    """A copy of the registry template (overrides the empty database of the shared conftest)."""
    return db_factory.clone(db_factory.template("registry", prepare=prepare_registry))


@pytest.fixture
def empty_db_url(db_factory) -> str:
    """A migrated database with nothing loaded."""
    return db_factory.clone(db_factory.template())
