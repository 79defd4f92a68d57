"""The algorithm label stored with every model version fits its column (PostgreSQL refuses longer text)."""

from __future__ import annotations

from yiwang.hotline.triage.models import ModelVersion
from yiwang.hotline.triage.services import ALGORITHM


def test_algorithm_label_fits_its_column() -> None:
    width = ModelVersion.__table__.c.algorithm.type.length
    assert width is not None
    for vectors in ("", " + e5 vector"):
        assert len(ALGORITHM.format(vectors=vectors)) <= width
