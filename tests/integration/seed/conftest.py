"""Seed fixtures: a template database that already holds Chengdu's divisions and the departments.

``db_url`` is overridden so the shared ``settings``/``session`` fixtures work on a copy of this template; the
seed's own call of the master-data loaders then only confirms what is there (as on a real second start).
"""

from __future__ import annotations

import pytest
from seed_helpers import load_master_data


@pytest.fixture
def db_url(db_factory) -> str:
    """A migrated database with master data and departments, no persons or entities."""
    return db_factory.clone(db_factory.template("seed_master_data", prepare=load_master_data))
