"""The hash-chained audit log: appends, verification, tamper and deletion detection, append-only guards."""

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from yiwang import migrations
from yiwang.db import make_engine
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ValidationError
from yiwang.sharing import chain, services
from yiwang.sharing.errors import AuditAppendOnlyError
from yiwang.sharing.models import AuditEntry, AuditHead

Append = Callable[..., list[AuditEntry]]
TAX_OFFICER = Actor(id="tax-001", department="tax", role="officer")
TAX_READ = services.AccessRequest("tax", "enterprise", "91510107MA6CAB1262", "tax", ("year", "tax_paid"))


def test_appends_form_a_gapless_valid_chain(session: Session, append: Append) -> None:
    first = append(3)
    second = append(2)
    assert [entry.seq for entry in first + second] == [1, 2, 3, 4, 5]
    assert first[0].prev_hash == chain.GENESIS_HASH
    for before, after in zip(first + second, (first + second)[1:], strict=False):
        assert after.prev_hash == before.hash
    head = session.get(AuditHead, 1)
    assert head is not None
    assert (head.last_seq, head.last_hash) == (5, second[-1].hash)

    result = services.verify_chain(session)
    assert result.ok
    assert result.checked == 5
    assert result.first_bad_seq is None
    assert result.reason == "审计日志完整：共 5 条"


def test_row_records_who_for_whom_what_and_why(session: Session, append: Append) -> None:
    append(2)
    rows = services.list_entries(session).items
    person, enterprise = rows  # newest first
    assert enterprise.actor_id == "market-007"
    assert enterprise.actor_department == "market"
    assert enterprise.actor_role == "officer"
    assert (enterprise.subject_kind, enterprise.subject_code) == ("enterprise", "91510107MA6CAB1262")
    assert enterprise.subject_display == "91510107MA6CAB1262"  # credit codes are public
    assert (enterprise.source_department, enterprise.record_kind) == ("tax", "tax")
    assert enterprise.fields == ["year", "tax_paid"]
    assert enterprise.purpose == "一企一档查询"
    assert enterprise.legal_basis == "《政务数据共享管理办法》"
    assert enterprise.cross_department
    assert enterprise.outcome == "granted"
    assert enterprise.at.tzinfo is not None
    assert person.subject_code == "510107199003071236"
    assert person.subject_display == "510107********1236"


def test_same_department_reads_are_recorded_too(session: Session) -> None:
    services.record_access(
        session, actor=TAX_OFFICER, requests=[TAX_READ], purpose="征管", legal_basis="《税收征收管理法》"
    )
    session.commit()
    (entry,) = services.list_entries(session).items
    assert not entry.cross_department
    assert services.list_entries(session, cross_department=True).total == 0
    assert services.list_entries(session, cross_department=False).total == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"purpose": " "}, "purpose"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"purpose": "用" * 129}, "purpose"),
        ({"outcome": "maybe"}, "outcome"),
        (
            {"requests": [services.AccessRequest("tax", "enterprise", "91510107MA6CAB1262", "tax", ())]},
            "requests[0].fields",
        ),
        (
            {"requests": [services.AccessRequest("tax", "company", "91510107MA6CAB1262", "tax", ("a",))]},
            "requests[0].subject_kind",
        ),
        (
            {"requests": [services.AccessRequest("", "person", "510107199003071236", "tax", ("a",))]},
            "requests[0].source_department",
        ),
        ({"requests": [services.AccessRequest("tax", "person", "5" * 19, "tax", ("a",))]}, "requests[0].subject_code"),
    ],
)
def test_record_access_validates_in_chinese(session: Session, kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {
        "actor": TAX_OFFICER,
        "requests": [TAX_READ],
        "purpose": "征管",
        "legal_basis": "《税收征收管理法》",
    }
    arguments.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        services.record_access(session, **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert any("\u4e00" <= char <= "\u9fff" for char in caught.value.message)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_no_requests_append_nothing(session: Session) -> None:
    assert services.record_access(session, actor=TAX_OFFICER, requests=[], purpose="x", legal_basis="y") == []
    assert session.get(AuditHead, 1) is None
    assert services.verify_chain(session).ok


def test_empty_log_verifies(session: Session) -> None:
    result = services.verify_chain(session)
    assert result.ok
    assert result.checked == 0


def test_verify_reports_progress_in_batches(session: Session, append: Append) -> None:
    append(7)
    calls: list[tuple[int, int]] = []
    result = services.verify_chain(session, batch_size=3, progress=lambda done, total: calls.append((done, total)))
    assert result.ok
    assert calls == [(3, 7), (6, 7), (7, 7)]


def test_tampered_row_is_named(session: Session, append: Append, dba: Callable[[str], None]) -> None:
    append(6)
    dba("UPDATE sharing_audit_entry SET purpose = '内部好奇' WHERE seq = 4")
    result = services.verify_chain(session, batch_size=2)
    assert not result.ok
    assert result.first_bad_seq == 4
    assert result.checked == 3
    assert result.reason == "第 4 条审计记录内容被篡改（哈希不符）"


def test_rehashed_row_breaks_the_next_link(session: Session, append: Append, dba: Callable[[str], None]) -> None:
    append(4)
    dba(f"UPDATE sharing_audit_entry SET hash = '{'a' * 64}' WHERE seq = 2")
    result = services.verify_chain(session)
    assert not result.ok
    assert result.first_bad_seq == 2  # its own hash no longer matches its content


def test_forged_row_with_recomputed_hash_breaks_the_link(
    session: Session, append: Append, dba: Callable[[str], None]
) -> None:
    append(4)
    row = session.execute(select(*services._ROW_COLUMNS).where(AuditEntry.seq == 2)).mappings().one()
    forged = {**chain.content_from_row(row), "subject_code": "91510107MA6CAB1270"}
    forged_hash = chain.entry_hash(row["prev_hash"], forged)
    dba(f"UPDATE sharing_audit_entry SET subject_code = '91510107MA6CAB1270', hash = '{forged_hash}' WHERE seq = 2")
    result = services.verify_chain(session)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.reason == "第 3 条审计记录的前序哈希与第 2 条的哈希不符（链条断裂）"


def test_deleted_row_is_detected(session: Session, append: Append, dba: Callable[[str], None]) -> None:
    append(5)
    dba("DELETE FROM sharing_audit_entry WHERE seq = 3")
    result = services.verify_chain(session)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.reason.startswith("第 3 条审计记录缺失")


def test_deleted_tail_is_detected_by_the_head(session: Session, append: Append, dba: Callable[[str], None]) -> None:
    append(5)
    dba("DELETE FROM sharing_audit_entry WHERE seq >= 4")
    result = services.verify_chain(session)
    assert not result.ok
    assert result.first_bad_seq == 4
    assert result.reason.startswith("第 4–5 条审计记录缺失")


def test_row_written_around_the_layer_is_detected(session: Session, append: Append, engine: Engine) -> None:
    (entry,) = append(1)
    content = {**chain.content_from_row({name: getattr(entry, name) for name in chain.CONTENT_FIELDS}), "seq": 2}
    columns = ", ".join(chain.CONTENT_FIELDS)
    with engine.begin() as connection:
        connection.execute(
            text(
                f"INSERT INTO sharing_audit_entry ({columns}, prev_hash, hash) "
                f"SELECT 2, at, actor_id, actor_department, actor_role, subject_kind, subject_code, source_department, "
                f"record_kind, fields, purpose, legal_basis, cross_department, outcome, hash, :hash "
                f"FROM sharing_audit_entry WHERE seq = 1"
            ),
            {"hash": chain.entry_hash(entry.hash, content)},
        )
    result = services.verify_chain(session)
    assert not result.ok
    assert result.first_bad_seq == 2
    assert result.reason == "第 2 条审计记录不在哈希链中（绕过访问层写入）"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE sharing_audit_entry SET purpose = 'x' WHERE seq = 1",
        "DELETE FROM sharing_audit_entry WHERE seq = 1",
        "DELETE FROM sharing_audit_entry",
    ],
)
def test_triggers_refuse_update_and_delete(session: Session, append: Append, engine: Engine, sql: str) -> None:
    append(2)
    with pytest.raises(DBAPIError, match="审计日志只能追加，禁止修改或删除"), engine.begin() as connection:
        connection.execute(text(sql))
    assert services.verify_chain(session).ok


def test_truncate_is_refused_on_postgresql(session: Session, append: Append, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    append(1)
    with pytest.raises(DBAPIError, match="审计日志只能追加"), engine.begin() as connection:
        connection.execute(text("TRUNCATE sharing_audit_entry"))


def test_orm_update_and_delete_are_refused(session: Session, append: Append) -> None:
    (entry,) = append(1)
    entry.purpose = "改一下"
    with pytest.raises(AuditAppendOnlyError, match="第 1 条"):
        session.flush()
    session.rollback()

    loaded = session.get(AuditEntry, 1)
    session.delete(loaded)
    with pytest.raises(AuditAppendOnlyError, match="删除第 1 条"):
        session.flush()
    session.rollback()

    with pytest.raises(AuditAppendOnlyError):
        session.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(purpose="x"))
    with pytest.raises(AuditAppendOnlyError):
        session.execute(delete(AuditEntry))
    session.rollback()
    assert services.verify_chain(session).ok


def test_unchanged_loaded_rows_flush_fine(session: Session, append: Append) -> None:
    append(1)
    entry = session.get(AuditEntry, 1)
    assert entry is not None
    append(1)  # flushing other work with audit rows in the session is fine
    assert services.verify_chain(session).checked == 2


def test_concurrent_appenders_produce_one_gapless_chain(session_factory: sessionmaker[Session]) -> None:
    threads, per_thread = 6, 10
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(number: int) -> None:
        actor = Actor(id=f"worker-{number}", department="market", role="officer")
        try:
            barrier.wait()
            for _ in range(per_thread):
                with session_factory() as own:
                    services.record_access(
                        own, actor=actor, requests=[TAX_READ, TAX_READ], purpose="并发", legal_basis="测试"
                    )
                    own.commit()
        except BaseException as error:  # noqa: BLE001 - collected and re-raised in the main thread
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert errors == []

    with session_factory() as check:
        seqs = check.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        assert seqs == list(range(1, threads * per_thread * 2 + 1))
        result = services.verify_chain(check)
    assert result.ok, result.reason
    assert result.checked == threads * per_thread * 2


def test_downgrade_drops_the_triggers_and_upgrade_restores_them(db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as own:
        services.record_access(own, actor=TAX_OFFICER, requests=[TAX_READ], purpose="x", legal_basis="y")
        own.commit()
    engine.dispose()
    migrations.downgrade(db_url, "0001")
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE sharing_audit_entry SET purpose = 'changed' WHERE seq = 1"))
    engine.dispose()
    migrations.upgrade(db_url)
    engine = make_engine(db_url)
    with pytest.raises(DBAPIError, match="审计日志只能追加"), engine.begin() as connection:
        connection.execute(text("UPDATE sharing_audit_entry SET purpose = 'again' WHERE seq = 1"))
    with Session(engine) as own:
        assert services.verify_chain(own).first_bad_seq == 1
    engine.dispose()


def test_subject_codes_are_stored_upper_case(session: Session) -> None:
    request = services.AccessRequest("police", "person", " 11010519491231002x ", "certificate", ("cert_number",))
    (entry,) = services.record_access(
        session, actor=TAX_OFFICER, requests=[request], purpose="核验", legal_basis="依据"
    )
    session.commit()
    assert entry.subject_code == "11010519491231002X"
    assert services.list_entries(session, subject_code="11010519491231002x").total == 1
    assert services.verify_chain(session).ok
