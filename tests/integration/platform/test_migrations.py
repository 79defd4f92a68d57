"""Migrations run on the configured backend and match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from yiwang import migrations
from yiwang.db import make_engine
from yiwang.models import metadata


def test_upgrade_matches_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    migrations.downgrade(db_url, "base")
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrations.upgrade(db_url)
    engine = make_engine(db_url)
    assert "registry_enterprise" in inspect(engine).get_table_names()
    engine.dispose()
