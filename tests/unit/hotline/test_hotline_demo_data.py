"""The demo appeals file: every row is a valid submission with a known stage, category and merge target."""

from __future__ import annotations

from yiwang.hotline import demo
from yiwang.hotline.schemas import CHANNELS
from yiwang.hotline.triage import taxonomy


def test_demo_appeals_are_consistent() -> None:
    rows = demo.demo_appeals()
    assert len(rows) == 40
    assert len({row.key for row in rows}) == len(rows)
    assert [row.days_ago for row in rows] == sorted((row.days_ago for row in rows), reverse=True)
    leaves = taxonomy.load_taxonomy().leaves
    order = [row.key for row in rows]
    for row in rows:
        assert row.stage in demo.STEPS, row
        assert row.channel in CHANNELS, row
        assert row.category is None or row.category in leaves, row
        assert (row.stage == "merged") == (row.merge_into is not None), row
        if row.merge_into is not None:
            assert order.index(row.merge_into) < order.index(row.key), "a master is recorded before its duplicate"
    assert {row.stage for row in rows} == set(demo.STEPS)
