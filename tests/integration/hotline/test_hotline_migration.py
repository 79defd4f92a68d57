"""Migration 0006 creates exactly the hotline tables the models describe, and drops them again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from yiwang import migrations
from yiwang.db import Base, make_engine
from yiwang.hotline import models as hotline_models

OUR_TABLES = {
    table.name
    for table in Base.metadata.sorted_tables
    if table.info.get("migration") == hotline_models.HAND_MIGRATED["migration"]
}


def _ours(obj: object, name: str | None, type_: str, _reflected: bool, _compare_to: object) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    return table_name in OUR_TABLES


def test_every_hotline_table_is_marked_for_0006() -> None:
    assert {"hotline_appeal", "hotline_media", "hotline_callback"} == OUR_TABLES


def test_migration_0006_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_below_0006_removes_our_tables_and_upgrade_restores_them(db_url: str) -> None:
    migrations.downgrade(db_url, "0005")
    engine = make_engine(db_url)
    assert OUR_TABLES.isdisjoint(inspect(engine).get_table_names())
    engine.dispose()
    migrations.upgrade(db_url)
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) >= OUR_TABLES
    engine.dispose()
