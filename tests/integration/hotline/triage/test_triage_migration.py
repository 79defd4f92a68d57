"""Migration 0007 creates exactly the triage and knowledge-base tables the models describe, and drops them again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from yiwang import migrations
from yiwang.db import Base, make_engine
from yiwang.hotline.triage import models as triage_models

OUR_TABLES = {
    table.name
    for table in Base.metadata.sorted_tables
    if table.info.get("migration") == triage_models.HAND_MIGRATED["migration"]
}


def _ours(obj: object, name: str | None, type_: str, _reflected: bool, _compare_to: object) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    return table_name in OUR_TABLES


def test_every_triage_table_is_marked_for_0007() -> None:
    assert {"hotline_triage_model", "hotline_triage_correction", "hotline_kb_article"} == OUR_TABLES


def test_migration_0007_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_below_0007_removes_our_tables_and_upgrade_restores_them(db_url: str) -> None:
    migrations.downgrade(db_url, "0006")
    engine = make_engine(db_url)
    assert OUR_TABLES.isdisjoint(inspect(engine).get_table_names())
    engine.dispose()
    migrations.upgrade(db_url)
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) >= OUR_TABLES
    engine.dispose()
