"""Aware moments in any zone are stored as the same instant on SQLite and PostgreSQL (``yiwang.db.UTCDateTime``)."""

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select, update

from yiwang.db import UTCDateTime, as_utc

CST = ZoneInfo("Asia/Shanghai")


def test_a_beijing_time_deadline_reads_back_as_the_same_instant(engine: Engine) -> None:
    metadata = MetaData()
    table = Table("zz_utc_probe", metadata, Column("id", Integer, primary_key=True), Column("due", UTCDateTime()))
    metadata.create_all(engine)
    five_thirty = dt.datetime(2026, 12, 10, 17, 30, tzinfo=CST)  # as the working-day calendar answers
    try:
        with engine.begin() as connection:
            connection.execute(insert(table).values(id=1, due=five_thirty))
            connection.execute(insert(table).values(id=2, due=None))
            naive_utc = dt.datetime(2026, 12, 10, 9, 30, tzinfo=dt.UTC).replace(tzinfo=None)  # naive = UTC
            connection.execute(insert(table).values(id=3, due=naive_utc))
            stored = connection.scalar(select(table.c.due).where(table.c.id == 1))
            assert stored is not None
            assert as_utc(stored) == five_thirty
            assert as_utc(stored).astimezone(CST).hour == 17  # not 01:30 the next day
            assert connection.scalar(select(table.c.due).where(table.c.id == 2)) is None
            naive = connection.scalar(select(table.c.due).where(table.c.id == 3))
            assert naive is not None
            assert as_utc(naive) == five_thirty
            # Core updates go through the type too (claims and repairs write deadlines that way).
            connection.execute(update(table).where(table.c.id == 2).values(due=five_thirty))
            updated = connection.scalar(select(table.c.due).where(table.c.id == 2))
            assert updated is not None
            assert as_utc(updated) == five_thirty
    finally:
        metadata.drop_all(engine)
