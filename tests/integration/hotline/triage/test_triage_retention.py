"""Retention of trained triage model versions: keep the active one and the newest N, on retrain and on demand.

Versions are stored rows with small fake artifacts, and retraining uses a stand-in for the trained model, so no
test here trains a real model (about 10 s each).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from triage_actors import CITIZEN, OPERATOR
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.hotline.triage import services, tasks
from yiwang.hotline.triage.models import Correction, ModelVersion
from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _row(version: str, artifact: bytes, trained_at: dt.datetime) -> ModelVersion:
    return ModelVersion(
        version=version,
        algorithm="fake",
        artifact=artifact,
        artifact_sha256=hashlib.sha256(artifact).hexdigest(),
        metrics={},
        seed_examples=0,
        corrections=0,
        trained_at=trained_at,
        trained_by="test",
    )


def _store_versions(session: Session, count: int) -> list[str]:
    """``count`` versions, oldest first; version i has an artifact of i KB (so sizes tell them apart)."""
    versions = [f"fake-{i:03d}" for i in range(1, count + 1)]
    for i, version in enumerate(versions, start=1):
        session.add(_row(version, b"x" * (1000 * i), START + dt.timedelta(hours=i)))
    session.commit()
    return versions


def _stored(session: Session) -> list[str]:
    return list(session.scalars(select(ModelVersion.version).order_by(ModelVersion.id)))


@pytest.fixture
def fake_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retraining stores a tiny stand-in instead of training the real model."""

    def triager(*, version: str, taxonomy: object, examples: list[object]) -> SimpleNamespace:
        del taxonomy
        return SimpleNamespace(version=version, features=len(examples), uses_vectors=False)

    monkeypatch.setattr(services.model, "Triager", triager)
    monkeypatch.setattr(services, "holdout_metrics", lambda _triager: {})


def _add_correction(session: Session) -> None:
    session.add(
        Correction(
            text="小区垃圾没人清运",
            model_version="fake-001",
            predicted_type="投诉",
            predicted_category="010101",
            predicted_department="urban",
            predicted_urgency="一般",
            predicted_confidence=0.3,
            type="投诉",
            category="010102",
            department="urban",
            urgency="一般",
            created_by=OPERATOR.id,
        )
    )
    session.commit()


def test_keeps_the_newest_n_and_reports_sizes(session: Session) -> None:
    versions = _store_versions(session, 7)
    report = services.prune_model_versions(session, keep=3)
    assert _stored(session) == versions[-3:]
    assert report.kept == tuple(reversed(versions[-3:]))
    assert report.active == "fake-007"
    assert [v.version for v in report.pruned] == versions[:4]
    assert [v.size_bytes for v in report.pruned] == [1000, 2000, 3000, 4000]
    assert report.freed_bytes == 10_000
    assert report.pruned[0].trained_at.replace(tzinfo=dt.UTC) == START + dt.timedelta(hours=1)
    # Running it again finds nothing more to do.
    assert services.prune_model_versions(session, keep=3).pruned == ()


def test_default_keep_comes_from_the_settings(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = _store_versions(session, 7)
    assert services.TriageSettings().keep_versions == 5
    services.prune_model_versions(session)
    assert _stored(session) == versions[-5:]
    monkeypatch.setenv("YIWANG_TRIAGE_KEEP_VERSIONS", "2")
    services.prune_model_versions(session)
    assert _stored(session) == versions[-2:]


def test_keep_must_be_at_least_one(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _store_versions(session, 2)
    with pytest.raises(ValidationError) as caught:
        services.prune_model_versions(session, keep=0)
    assert caught.value.field == "keep"
    monkeypatch.setenv("YIWANG_TRIAGE_KEEP_VERSIONS", "0")
    with pytest.raises(ValueError, match="YIWANG_TRIAGE_KEEP_VERSIONS 应为不小于 1 的整数"):
        services.TriageSettings()
    assert len(_stored(session)) == 2


def test_the_active_version_survives_even_when_older_than_the_newest_n(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = _store_versions(session, 6)
    # Triage uses the newest version; keep=1 keeps exactly that one.
    assert services.prune_model_versions(session, keep=1, dry_run=True).kept == ("fake-006",)
    # Should the active version ever be an older one (a rollback), the rule still keeps it.
    oldest_active = select(ModelVersion.id, ModelVersion.artifact_sha256).order_by(ModelVersion.id).limit(1)
    monkeypatch.setattr(services, "_ACTIVE_VERSION", oldest_active)
    report = services.prune_model_versions(session, keep=2)
    assert report.active == "fake-001"
    assert _stored(session) == [versions[0], *versions[-2:]]


def test_dry_run_deletes_nothing(session: Session) -> None:
    versions = _store_versions(session, 4)
    report = services.prune_model_versions(session, keep=1, dry_run=True)
    assert report.dry_run
    assert [v.version for v in report.pruned] == versions[:3]
    assert _stored(session) == versions


def test_only_intake_staff_prune(session: Session) -> None:
    versions = _store_versions(session, 3)
    with pytest.raises((NotFoundError, PermissionDeniedError)):
        services.prune_model_versions(session, keep=1, actor=CITIZEN)
    assert _stored(session) == versions


@pytest.mark.usefixtures("fake_training")
def test_the_retrain_job_prunes_in_the_same_transaction(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YIWANG_TRIAGE_KEEP_VERSIONS", "2")
    with session_factory() as session:
        versions = _store_versions(session, 4)
        _add_correction(session)
    trained = tasks.retrain_job(session_factory)
    assert trained is not None
    with session_factory() as session:
        assert _stored(session) == [versions[-1], trained.version]
        assert tasks.retrain_job(session_factory) is None  # no new corrections: nothing trained, nothing pruned
        assert _stored(session) == [versions[-1], trained.version]


@pytest.mark.usefixtures("fake_training")
def test_a_failed_retrain_prunes_nothing(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = _store_versions(session, 3)
    prune = services._prune

    def prune_then_clash(session_: Session, *, keep: int, dry_run: bool) -> services.PruneReport:
        report = prune(session_, keep=keep, dry_run=dry_run)
        # As if another retrain had stored the same version number: the commit fails after the deletions.
        newest = session_.scalars(select(ModelVersion.version).order_by(ModelVersion.id.desc()).limit(1)).one()
        session_.add(_row(newest, b"", START))
        return report

    monkeypatch.setattr(services, "_prune", prune_then_clash)
    with pytest.raises(ConflictError):
        services.retrain(session, settings=services.TriageSettings(keep_versions=1))
    assert _stored(session) == versions


def test_cli_prune_models_lists_and_deletes(db_url: str, monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
    monkeypatch.setenv("YIWANG_DATABASE_URL", db_url)
    versions = _store_versions(session, 4)
    session.close()

    dry = CliRunner().invoke(app, ["hotline", "prune-models", "--keep", "2", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "将删除模型版本 fake-001（训练于 2026-01-01 09:00，0.0 MB）" in dry.stdout  # 01:00 UTC, in city time
    assert "将删除模型版本 fake-002" in dry.stdout
    assert "fake-003" not in dry.stdout
    assert _stored(session) == versions

    done = CliRunner().invoke(app, ["hotline", "prune-models", "--keep", "2"])
    assert done.exit_code == 0, done.output
    assert "已删除 2 个" in done.stdout
    assert _stored(session) == versions[-2:]

    nothing = CliRunner().invoke(app, ["hotline", "prune-models", "--keep", "2"])
    assert nothing.exit_code == 0, nothing.output
    assert "无需清理" in nothing.stdout

    refused = CliRunner().invoke(app, ["hotline", "prune-models", "--keep", "0"])
    assert refused.exit_code == 2
    assert _stored(session) == versions[-2:]


@pytest.mark.usefixtures("fake_training")
def test_cli_retrain_prunes_and_says_so(db_url: str, monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
    monkeypatch.setenv("YIWANG_DATABASE_URL", db_url)
    monkeypatch.setenv("YIWANG_TRIAGE_KEEP_VERSIONS", "1")
    versions = _store_versions(session, 2)
    session.close()
    result = CliRunner().invoke(app, ["hotline", "retrain"])
    assert result.exit_code == 0, result.output
    assert "已训练分拨模型版本" in result.stdout
    assert "已删除模型版本 fake-001" in result.stdout
    assert "已删除模型版本 fake-002" in result.stdout
    stored = _stored(session)
    assert len(stored) == 1
    assert stored[0] not in versions
