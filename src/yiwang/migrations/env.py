"""Alembic environment: runs migrations online against ``sqlalchemy.url`` (batch mode on SQLite)."""

from __future__ import annotations

import os
from typing import Any

from alembic import context

from yiwang.db import make_engine
from yiwang.models import metadata

config = context.config


def run_migrations_online() -> None:
    """Run migrations in a transaction on the configured database."""
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:  # noqa: ARG001
    """Limit autogenerate to some table prefixes (used only by scripts/regen-initial-migration)."""
    prefixes = os.environ.get("YIWANG_MIGRATION_ONLY_PREFIXES")
    if not prefixes or type_ != "table":
        return True
    return (name or "").startswith(tuple(prefixes.split(",")))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
