"""Fixtures of the sharing tests: an appender of audit rows and DBA-level tampering that bypasses the triggers."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from yiwang.db import make_engine, make_session_factory
from yiwang.kernel.actor import Actor
from yiwang.registry import services as registry_services
from yiwang.sharing import services
from yiwang.sharing.models import AuditEntry

MARKET_OFFICER = Actor(id="market-007", department="market", role="officer", display_name="市场监管专员")


def _load_departments(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        registry_services.load_departments(session)
    engine.dispose()


@pytest.fixture
def db_url(db_factory: Any) -> str:
    """A migrated database holding the department directory (sources are listed per department)."""
    return db_factory.clone(db_factory.template("sharing_departments", prepare=_load_departments))


@pytest.fixture
def append(session: Session) -> Callable[..., list[AuditEntry]]:
    """Append ``n`` committed rows alternating a tax read about an enterprise and a police read about a person."""

    def _append(n: int = 1, *, actor: Actor = MARKET_OFFICER) -> list[AuditEntry]:
        requests = [
            services.AccessRequest("tax", "enterprise", "91510107MA6CAB1262", "tax", ("year", "tax_paid"))
            if i % 2 == 0
            else services.AccessRequest("police", "person", "510107199003071236", "certificate", ("cert_number",))
            for i in range(n)
        ]
        entries = services.record_access(
            session, actor=actor, requests=requests, purpose="一企一档查询", legal_basis="《政务数据共享管理办法》"
        )
        session.commit()
        return entries

    return _append


@pytest.fixture
def dba(engine: Engine, session: Session) -> Callable[[str], None]:
    """Run SQL as a DBA who first drops the append-only triggers (what a determined tamperer would do)."""

    def _run(sql: str) -> None:
        session.rollback()  # a test's open read transaction would block DROP TRIGGER on PostgreSQL
        with engine.begin() as connection:
            on_table = " ON sharing_audit_entry" if engine.dialect.name == "postgresql" else ""
            for trigger in ("sharing_audit_entry_no_update", "sharing_audit_entry_no_delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}{on_table}"))
            connection.execute(text(sql))

    return _run
