"""Fixtures of the grants ledger tests."""

from __future__ import annotations

import pytest
from grants_support import ECON_STAFF

from yiwang.kernel.actor import Actor


@pytest.fixture
def econ_staff() -> Actor:
    return ECON_STAFF
