"""audit log append-only: triggers refusing UPDATE and DELETE on sharing_audit_entry.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

The application never changes an audit row; these triggers make the database refuse it too, so a stray UPDATE or
DELETE (a script, a console session) fails loudly instead of silently breaking the hash chain. A DBA who drops the
triggers can still tamper; ``yiwang audit verify`` then names the first changed or missing row.

Beware on SQLite: a later migration that rebuilds ``sharing_audit_entry`` in batch mode (copy-and-rename) drops
these triggers with the old table and must create them again.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "sharing_audit_entry"
MESSAGE = "审计日志只能追加，禁止修改或删除"
PG_FUNCTION = "sharing_audit_entry_append_only"


def upgrade() -> None:
    """Create the append-only triggers for the current dialect."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege',
                    DETAIL = format('%s on {TABLE}', TG_OP);
            END
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
        )
        # TRUNCATE skips row triggers; refuse it with a statement trigger.
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    """Drop the append-only triggers."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
