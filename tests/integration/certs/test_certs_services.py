"""Certificate services: evidence reuse, revocation events, concurrency, key files, cross-issuer trust, demo."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from certs_support import ENTERPRISE_A, MARKET, PERSON_A, issue_body
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.certs import demo, services, signing
from yiwang.certs.models import Certificate, SigningKey
from yiwang.certs.schemas import CertificateIssue
from yiwang.config import Settings
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import ValidationError
from yiwang.workflow import events


def _issue(session: Session, settings: Settings, **overrides: Any) -> Any:
    return services.issue_certificate(
        session, actor=SYSTEM_ACTOR, data=CertificateIssue.model_validate(issue_body(**overrides)), settings=settings
    )


def test_find_valid_returns_the_newest_certificate_in_force(session: Session, settings: Settings) -> None:
    assert services.find_valid(session, holder_id=ENTERPRISE_A, cert_type="business_licence", settings=settings) is None
    older = _issue(session, settings, valid_from="2025-01-01")
    newer = _issue(session, settings, valid_from="2026-01-01")
    _issue(session, settings, valid_from="2020-01-01", valid_until="2020-12-31")
    found = services.find_valid(session, holder_id=ENTERPRISE_A, cert_type="business_licence", settings=settings)
    assert found is not None
    assert found.number == newer.number
    services.revoke(session, actor=SYSTEM_ACTOR, certificate_id=newer.id, reason="告知承诺不实", settings=settings)
    found = services.find_valid(session, holder_id=ENTERPRISE_A, cert_type="business_licence", settings=settings)
    assert found is not None
    assert found.number == older.number
    in_2020 = services.find_valid(
        session, holder_id=ENTERPRISE_A, cert_type="business_licence", as_of=dt.date(2020, 6, 1), settings=settings
    )
    assert in_2020 is not None
    assert in_2020.valid_until == dt.date(2020, 12, 31)
    assert services.find_valid(session, holder_id=ENTERPRISE_A, cert_type="food_business_licence") is None


def test_find_valid_skips_a_certificate_edited_in_the_database(session: Session, settings: Settings) -> None:
    item = _issue(session, settings)
    row = session.get(Certificate, item.id)
    assert row is not None
    document = json.loads(json.dumps(row.document))
    document["payload"]["holder"]["name"] = "冒名企业"
    row.document = document
    session.commit()
    assert services.find_valid(session, holder_id=ENTERPRISE_A, cert_type="business_licence", settings=settings) is None
    assert services.verify(session, item.number, settings=settings).status == "tampered"


def test_revoke_emits_one_event_and_is_idempotent(session: Session, settings: Settings) -> None:
    received: list[services.CertificateRevoked] = []
    unsubscribe = events.subscribe(services.CertificateRevoked, received.append)
    try:
        item = _issue(session, settings, source_ref="onestop:application:7")
        services.revoke(session, actor=MARKET, certificate_id=item.number, reason="告知承诺核查不实", settings=settings)
        again = services.revoke(session, actor=MARKET, certificate_id=item.id, reason="再次撤销", settings=settings)
    finally:
        unsubscribe()
    assert again.revoked_reason == "告知承诺核查不实"
    assert len(received) == 1
    event = received[0]
    assert (event.number, event.subject_ref, event.holder_id, event.actor_id) == (
        item.number,
        "onestop:application:7",
        ENTERPRISE_A,
        MARKET.id,
    )
    with pytest.raises(ValidationError):
        services.revoke(session, actor=MARKET, certificate_id=item.id, reason=" ", settings=settings)


def test_commit_false_joins_the_callers_transaction(session: Session, settings: Settings) -> None:
    services.ensure_signing_key(session, settings=settings)
    data = CertificateIssue.model_validate(issue_body(idempotency_key="approval-1234"))
    services.issue_certificate(session, actor=SYSTEM_ACTOR, data=data, settings=settings, commit=False)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_concurrent_issues_with_one_key_make_one_certificate(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory() as session:
        services.ensure_signing_key(session, settings=settings)
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        with session_factory() as session:
            barrier.wait()
            try:
                data = CertificateIssue.model_validate(issue_body(idempotency_key="double-submit-0001"))
                numbers.append(
                    services.issue_certificate(session, actor=SYSTEM_ACTOR, data=data, settings=settings).number
                )
            except BaseException as error:  # noqa: BLE001 - collected for the assertion
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert len(set(numbers)) == 1
    # SQLite serialises writers; a loser may only see "database is locked", never a second certificate.
    assert all("locked" in str(error) for error in errors)


def test_revoking_concurrently_records_one_revocation(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    with session_factory() as session:
        item = _issue(session, settings)
    received: list[Any] = []
    unsubscribe = events.subscribe(services.CertificateRevoked, received.append)
    barrier = threading.Barrier(3)

    def worker(reason: str) -> None:
        with session_factory() as session:
            barrier.wait()
            try:
                services.revoke(session, actor=MARKET, certificate_id=item.id, reason=reason, settings=settings)
            except Exception as error:  # noqa: BLE001 - SQLite may refuse a concurrent writer
                assert "locked" in str(error)  # noqa: PT017

    threads = [threading.Thread(target=worker, args=(f"撤销原因{n}",)) for n in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        unsubscribe()
    assert len(received) == 1


def test_a_configured_key_file_signs_and_replacing_it_rotates(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    first, second = signing.generate_private_key(), signing.generate_private_key()
    key_file = tmp_path / "signing.pem"
    key_file.write_text(signing.private_key_to_pem(first), encoding="ascii")
    configured = settings.model_copy(update={"certs_signing_key_file": key_file})
    before = _issue(session, configured)
    assert before.kid == signing.key_id(first.public_key())
    stored = session.scalars(select(SigningKey)).one()
    assert stored.source == "file"
    assert stored.private_key_pem is None
    other = tmp_path / "signing2.pem"
    other.write_text(signing.private_key_to_pem(second), encoding="ascii")
    after = _issue(session, settings.model_copy(update={"certs_signing_key_file": other}))
    assert after.kid == signing.key_id(second.public_key())
    statuses = {key.kid: key.status for key in services.list_keys(session)}
    assert statuses == {before.kid: "retired", after.kid: "active"}
    assert services.verify(session, before.number, settings=settings).status == "valid"
    with pytest.raises(ValidationError):
        services.rotate_key(session, actor=SYSTEM_ACTOR, settings=configured)
    broken = tmp_path / "broken.pem"
    broken.write_text("garbage", encoding="ascii")
    with pytest.raises(ValidationError, match="PEM"):
        _issue(session, settings.model_copy(update={"certs_signing_key_file": broken}))


def test_withdrawn_keys_stop_vouching(session: Session, settings: Settings) -> None:
    old = _issue(session, settings)
    services.rotate_key(session, actor=SYSTEM_ACTOR, settings=settings)
    with pytest.raises(ValidationError):
        services.withdraw_key(session, actor=SYSTEM_ACTOR, kid=services.list_keys(session)[0].kid)
    services.withdraw_key(session, actor=SYSTEM_ACTOR, kid=old.kid)
    assert old.kid not in {key["kid"] for key in services.jwks(session, settings=settings)["keys"]}
    assert services.verify(session, old.number, settings=settings).status == "unknown_key"


def test_another_citys_documents_verify_with_its_trusted_jwks(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    shanghai = signing.generate_private_key()
    document = signing.sign_document(
        {
            "id": "DZZZ-310100-2026-00000001",
            "cert_name": "营业执照",
            "holder": {"kind": "enterprise", "name": "上海某公司"},
        },
        shanghai,
        issuer="yiwang:310100",
        doc_type="certificate",
        created=dt.datetime.now(dt.UTC),
    )
    assert services.verify(session, document, settings=settings).status == "unknown_key"
    jwks_file = tmp_path / "shanghai.jwks.json"
    jwks_file.write_text(
        json.dumps(signing.jwks_document([(shanghai.public_key(), "active")], issuer="yiwang:310100")), "utf-8"
    )
    trusting = settings.model_copy(update={"certs_trusted_jwks": [jwks_file]})
    result = services.verify(session, document, settings=trusting)
    assert result.status == "valid"
    assert result.revocation_checked is False
    assert result.issuer == "yiwang:310100"


def test_verification_by_number_is_fast_enough_to_call_per_request(session: Session, settings: Settings) -> None:
    # Not a timing test: the key set is cached, so repeated verifications read only the certificate row.
    item = _issue(session, settings)
    services.verify(session, item.number, settings=settings)
    statements: list[str] = []
    from sqlalchemy import event

    engine = session.get_bind()

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert services.verify(session, item.number, settings=settings).valid
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_demo_prepare_without_registry_data_only_makes_a_key(session: Session, settings: Settings) -> None:
    line = demo.prepare(session, settings=settings)
    assert line is not None
    assert "签名密钥" in line
    assert session.scalar(select(func.count()).select_from(SigningKey)) == 1
    demo.prepare(session, settings=settings)
    assert session.scalar(select(func.count()).select_from(SigningKey)) == 1


def test_person_holder_ids_are_validated(session: Session, settings: Settings) -> None:
    item = _issue(
        session,
        settings,
        cert_type="social_security_card",
        holder_kind="person",
        holder_id=PERSON_A.lower(),
        holder_name="张三",
        issuing_department="hrss",
    )
    assert services.list_for_holder(session, actor=SYSTEM_ACTOR, holder_id=PERSON_A)[0].number == item.number
