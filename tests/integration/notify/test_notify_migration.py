"""Migration 0004 creates exactly the notify and ratings tables the models describe, and drops them again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from yiwang import migrations
from yiwang.db import Base, make_engine
from yiwang.notify import models as notify_models
from yiwang.ratings import models as ratings_models

OUR_TABLES = {
    table.name
    for module in (notify_models, ratings_models)
    for table in Base.metadata.sorted_tables
    if table.info.get("migration") == "0004"
}


def _ours(obj: object, name: str | None, type_: str, _reflected: bool, _compare_to: object) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    return table_name in OUR_TABLES


def test_every_notify_and_ratings_table_is_marked_for_0004() -> None:
    assert {
        "notify_template",
        "notify_outbox",
        "notify_message",
        "ratings_rating",
        "ratings_rectification",
        "ratings_callback",
        "ratings_appeal",
    } == OUR_TABLES


def test_migration_0004_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_below_0004_removes_our_tables_and_upgrade_restores_them(db_url: str) -> None:
    migrations.downgrade(db_url, "0003")
    engine = make_engine(db_url)
    assert OUR_TABLES.isdisjoint(inspect(engine).get_table_names())
    engine.dispose()
    migrations.upgrade(db_url)
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) >= OUR_TABLES
    engine.dispose()
