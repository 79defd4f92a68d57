"""Migration 0013 adds exactly the appeal columns the models mark for it, and drops them again without losing rows."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from yiwang import migrations
from yiwang.db import Base, make_engine
from yiwang.hotline import models as hotline_models
from yiwang.hotline.models import Appeal, AppealMedia

TABLE = "hotline_appeal"
OUR_COLUMNS = {
    column.name
    for column in Base.metadata.tables[TABLE].columns
    if column.info.get("migration") == hotline_models.RESPONSE_MIGRATED["migration"]
}


def _ours(obj: object, name: str | None, type_: str, _reflected: bool, _compare_to: object) -> bool:
    if type_ == "table":
        return name == TABLE
    return type_ == "column" and name in OUR_COLUMNS


def test_the_response_times_are_the_columns_marked_for_0013() -> None:
    assert {"dispatched_at", "signed_at"} == OUR_COLUMNS
    assert not any(t.info.get("migration") == "0013" for t in Base.metadata.sorted_tables)


def test_migration_0013_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def _columns(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    names = {c["name"] for c in inspect(engine).get_columns(TABLE)}
    engine.dispose()
    return names


def test_downgrade_to_0012_drops_the_columns_and_keeps_the_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        appeal = Appeal(
            number="12345-20261130-000001",
            channel="phone",
            appeal_type="投诉",
            urgency="一般",
            title="路灯不亮",
            content="路灯不亮",
            state="签收",
            status="open",
            created_by="operator.12345",
            dispatched_at=dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC),
        )
        session.add(appeal)
        session.flush()
        session.add(AppealMedia(appeal_id=appeal.id, kind="url", url="https://example.org/a.jpg", created_by="x"))
        session.commit()
    engine.dispose()

    migrations.downgrade(db_url, "0012")
    assert OUR_COLUMNS.isdisjoint(_columns(db_url))
    engine = make_engine(db_url)
    with engine.connect() as connection:
        # The columns go by ALTER TABLE: no copy of the table, so the media that cascade from it are still there.
        assert connection.scalar(select(func.count()).select_from(Appeal.__table__)) == 1
        assert connection.scalar(select(func.count()).select_from(AppealMedia.__table__)) == 1
    engine.dispose()

    migrations.upgrade(db_url)
    assert _columns(db_url) >= OUR_COLUMNS
    engine = make_engine(db_url)
    with Session(engine) as session:
        restored = session.scalars(select(Appeal)).one()
        assert (restored.dispatched_at, restored.signed_at) == (None, None)  # no backfill
    engine.dispose()
