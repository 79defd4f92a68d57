"""Department source status and the audited ``access`` entry point."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.kernel.actor import CONSOLE_ACTOR, Actor
from yiwang.kernel.errors import SourceUnavailableError, ValidationError
from yiwang.sharing import services
from yiwang.sharing.models import AuditEntry

OFFICER = Actor(id="market-007", department="market", role="officer")
TAX_READ = services.AccessRequest("tax", "enterprise", "91510107MA6CAB1262", "tax", ("year", "tax_paid"))


def test_every_department_is_listed_available_by_default(session: Session) -> None:
    sources = services.list_sources(session)
    codes = [source.department_code for source in sources]
    assert "tax" in codes
    assert "market" in codes
    assert all(source.available for source in sources)
    tax = next(source for source in sources if source.department_code == "tax")
    assert tax.department_name == "市税务局"
    assert tax.changed_at is None
    assert services.unavailable_departments(session) == {}


def test_marking_unavailable_and_back(session: Session) -> None:
    read = services.set_source_status(
        session, actor=CONSOLE_ACTOR, department_code="tax", available=False, reason="金税系统升级维护"
    )
    assert not read.available
    assert read.reason == "金税系统升级维护"
    assert read.changed_by == "console"
    assert read.department_name == "市税务局"
    assert services.unavailable_departments(session) == {"tax": "金税系统升级维护"}
    with pytest.raises(SourceUnavailableError) as caught:
        services.ensure_available(session, department_code="tax")
    assert caught.value.department_code == "tax"
    assert "金税系统升级维护" in caught.value.message
    services.ensure_available(session, department_code="market")

    back = services.set_source_status(session, actor=CONSOLE_ACTOR, department_code="tax", available=True)
    assert back.available
    assert back.reason == ""
    assert services.unavailable_departments(session) == {}
    listed = {source.department_code: source for source in services.list_sources(session)}
    assert listed["tax"].changed_at is not None


def test_unknown_department_is_refused(session: Session) -> None:
    with pytest.raises(ValidationError, match="不在部门目录中") as caught:
        services.set_source_status(session, actor=CONSOLE_ACTOR, department_code="nosuch", available=False)
    assert caught.value.field == "department_code"


def test_access_returns_the_loader_result_and_audits(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        result = services.access(
            session,
            actor=OFFICER,
            request=TAX_READ,
            purpose="企业信用核查",
            legal_basis="《政务数据共享管理办法》",
            loader=lambda: {"year": 2025, "tax_paid": 1000},
        )
    assert result == {"year": 2025, "tax_paid": 1000}
    with session_factory() as other:  # committed, visible to another session
        (entry,) = services.list_entries(other).items
    assert entry.outcome == "granted"
    assert entry.purpose == "企业信用核查"
    assert entry.source_department_name == "市税务局"


def test_access_to_unavailable_source_is_refused_and_still_audited(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        services.set_source_status(session, actor=CONSOLE_ACTOR, department_code="tax", available=False, reason="停机")
        calls: list[int] = []
        with pytest.raises(SourceUnavailableError, match="停机"):
            services.access(
                session,
                actor=OFFICER,
                request=TAX_READ,
                purpose="企业信用核查",
                legal_basis="《政务数据共享管理办法》",
                loader=lambda: calls.append(1),
            )
        assert calls == []
    with session_factory() as other:
        (entry,) = services.list_entries(other).items
        assert entry.outcome == "unavailable"
        assert services.verify_chain(other).ok


def test_access_validates_before_reading(session: Session) -> None:
    with pytest.raises(ValidationError):
        services.access(session, actor=OFFICER, request=TAX_READ, purpose="", legal_basis="x", loader=lambda: None)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_list_entries_filters_and_pages(session: Session) -> None:
    person = services.AccessRequest("police", "person", "510107199003071236", "certificate", ("cert_number",))
    for actor in (OFFICER, Actor(id="tax-001", department="tax", role="officer")):
        services.record_access(
            session, actor=actor, requests=[TAX_READ, person] * 3, purpose="核查", legal_basis="依据"
        )
    session.commit()
    assert services.list_entries(session).total == 12
    assert services.list_entries(session, actor_id="tax-001").total == 6
    assert services.list_entries(session, subject_code="510107199003071236").total == 6
    assert services.list_entries(session, source_department="police").total == 6
    assert services.list_entries(session, cross_department=True).total == 9  # tax officer's tax reads are not
    page = services.list_entries(session, page=3, page_size=5)
    assert [entry.seq for entry in page.items] == [2, 1]
    assert page.pages == 3
    with pytest.raises(ValidationError):
        services.list_entries(session, page=0)
    with pytest.raises(ValidationError):
        services.list_entries(session, page_size=1000)


def test_csv_export_masks_people_and_streams_everything(session: Session) -> None:
    person = services.AccessRequest("police", "person", "510107199003071236", "certificate", ("cert_number",))
    services.record_access(
        session, actor=OFFICER, requests=[TAX_READ, person] * 600, purpose="核查", legal_basis="依据"
    )
    session.commit()
    text = "".join(services.export_entries_csv(session))
    lines = text.splitlines()
    assert lines[0].startswith("\ufeff序号,")
    assert len(lines) == 1 + 1200
    assert "510107199003071236" not in text
    assert "510107********1236" in text
    assert "91510107MA6CAB1262" in text
    assert "市税务局" in text
    only_police = "".join(services.export_entries_csv(session, source_department="police")).splitlines()
    assert len(only_police) == 1 + 600
