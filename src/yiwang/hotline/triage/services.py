"""Triage use cases: triage an appeal, learn from corrections, retrain, and the knowledge base (直接答复).

``triage(session, text, …)`` works with a database (the current trained model version, geo's tables) and
without one (``session=None``: the seed model trained in-process from the shipped corpus, geo's shipped
tables). Trained models are cached per process and database, keyed by their version, so a request never
unpickles or retrains on the hot path. Each retrain also applies the retention rule (``prune_model_versions``):
old versions' artifacts are large, so only the active version and the newest few are kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import pickle
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pydantic
import shapely
import yaml
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.geo import services as geo_services
from yiwang.geo.boundaries import district_outlines
from yiwang.geo.divisions import load_divisions
from yiwang.geo.geocoder import Geocoder, GeocodeStatus
from yiwang.hotline.triage import kb, model, taxonomy
from yiwang.hotline.triage.models import Article, Correction, ModelVersion
from yiwang.hotline.triage.result import APPEAL_TYPES, URGENCIES, TriageResult
from yiwang.hotline.triage.schemas import (
    MAX_TEXT_CHARS,
    ArticleCreate,
    ArticleRead,
    ArticleUpdate,
    CorrectionRead,
    KnowledgeAnswer,
    ModelVersionRead,
    TriageRead,
)
from yiwang.identity.access import PermissionDeniedError, authorize
from yiwang.identity.scopes import CITY_INTAKE_DEPARTMENT, ResourceKind, ResourceRef
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.kernel.pages import Page
from yiwang.kernel.validation_messages import chinese_message
from yiwang.logs import get_logger

ALGORITHM = "char 1-2-gram TF-IDF{vectors} + balanced LinearSVC, softmax + none-class; rules: redirect/urgency/type"
"""Stored with every model version; ``{vectors}`` says whether the e5 sentence vector was part of the features."""
KB_ARTICLE_KIND = "kb_article"
TRIAGE_MODEL_KIND = "triage_model"
MAX_PAGE_SIZE = 100

log = get_logger("yiwang.hotline.triage")


SETTINGS_ENV_PREFIX = "YIWANG_TRIAGE_"
_ALLOWED_SETTINGS = {"keep_versions": "应为不小于 1 的整数"}
"""What a field accepts, in words, for the start-up error; other fields use the generic validation message."""


class TriageSettings(BaseSettings):
    """Thresholds of triage (environment ``YIWANG_TRIAGE_*``).

    An invalid value refuses to load with a Chinese ``ValueError`` naming the variable, its allowed range and the
    value given (``分拨配置有误：YIWANG_TRIAGE_KEEP_VERSIONS 应为不小于 1 的整数，当前为「0」``); it never
    falls back to the default, so a mistyped retention rule cannot quietly keep or delete other versions.
    """

    model_config = SettingsConfigDict(env_prefix=SETTINGS_ENV_PREFIX, extra="ignore")

    review_threshold: float = 0.4
    """Below this confidence a person decides (``needs_review``)."""
    kb_threshold: float = 0.3
    """Below this score the knowledge base gives no direct answer."""
    keep_versions: int = Field(default=5, ge=1)
    """Retention: the newest this many trained model versions are kept (the active one always stays)."""

    def __init__(self, *args: Any, **values: Any) -> None:
        try:
            super().__init__(*args, **values)
        except pydantic.ValidationError as error:
            # pydantic's own text is English and names the field, not the variable an operator has to fix.
            raise ValueError(_settings_message(error)) from None


def _settings_message(error: pydantic.ValidationError) -> str:
    problems = []
    for detail in error.errors():
        field = str(detail["loc"][0]) if detail["loc"] else ""
        variable = SETTINGS_ENV_PREFIX + field.upper()
        allowed = _ALLOWED_SETTINGS.get(field) or chinese_message(detail)
        problems.append(f"{variable} {allowed}，当前为「{detail.get('input')}」")
    return "分拨配置有误：" + "；".join(problems)


# ---- models -------------------------------------------------------------------------------------------------------


def load_examples(path: Path | None = None) -> list[model.Example]:
    """The shipped seed corpus (project-authored Chengdu appeals), or another JSON Lines file, as examples."""
    source = taxonomy.SEED_FILE if path is None else path
    examples = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(
                model.Example(
                    text=row["text"],
                    type=row["type"],
                    category=row["category"],
                    department=row["department"],
                    urgency=row["urgency"],
                )
            )
    return examples


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


@cache
def seed_triager() -> model.Triager:
    """The model trained on the shipped seed corpus alone (used until a version is trained into the database)."""
    version = "seed-" + _digest(taxonomy.SEED_FILE.read_bytes(), taxonomy.TAXONOMY_FILE.read_bytes())[:8]
    return model.Triager(version=version, taxonomy=taxonomy.load_taxonomy(), examples=load_examples())


_model_lock = threading.Lock()
_loaded: dict[tuple[str, int], model.Triager] = {}


def _database_key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


_ACTIVE_VERSION = select(ModelVersion.id, ModelVersion.artifact_sha256).order_by(ModelVersion.id.desc()).limit(1)
"""The version triage uses: the newest row. There is no rollback; retention asks the same query, so it stays right."""


def current_triager(session: Session | None) -> model.Triager:
    """The newest trained model version in the database, else the seed model."""
    if session is None:
        return seed_triager()
    row = session.execute(_ACTIVE_VERSION).first()
    if row is None:
        return seed_triager()
    key = (_database_key(session), int(row.id))
    with _model_lock:
        cached = _loaded.get(key)
        if cached is None:
            artifact = session.scalars(select(ModelVersion.artifact).where(ModelVersion.id == row.id)).one()
            if _digest(artifact) != row.artifact_sha256:
                msg = f"分拨模型版本 {row.id} 的制品校验失败"
                raise ConflictError(msg, field="model_version")
            # Our own artifact, written by ``retrain`` into our own table and checked against its digest.
            cached = pickle.loads(artifact)  # noqa: S301
            _loaded.clear()  # one trained version per process is enough; older ones are never asked for again
            _loaded[key] = cached
        return cached


def retrain(
    session: Session, *, actor: Actor = SYSTEM_ACTOR, settings: TriageSettings | None = None
) -> ModelVersionRead:
    """Train a new version on the seed corpus plus every correction, store it, make it current, prune old ones."""
    return retrain_and_prune(session, actor=actor, settings=settings)[0]


def retrain_and_prune(
    session: Session, *, actor: Actor = SYSTEM_ACTOR, settings: TriageSettings | None = None
) -> tuple[ModelVersionRead, PruneReport]:
    """``retrain``, also saying which old versions the retention rule deleted (same transaction as the new one)."""
    settings = settings or TriageSettings()
    authorize(actor, ResourceRef(kind=TRIAGE_MODEL_KIND, owner_department=CITY_INTAKE_DEPARTMENT), "write")
    started = time.perf_counter()
    seed = load_examples()
    corrections = [
        model.Example(
            text=c.text,
            type=c.type,
            category=c.category,
            department=c.department,
            urgency=c.urgency,
            weight=model.CORRECTION_WEIGHT,
        )
        for c in session.scalars(select(Correction).order_by(Correction.id))
    ]
    trained_at = dt.datetime.now(dt.UTC)
    artifact_version = trained_at.strftime("%Y%m%d%H%M%S%f")[:17]
    triager = model.Triager(version=artifact_version, taxonomy=taxonomy.load_taxonomy(), examples=[*seed, *corrections])
    seconds = time.perf_counter() - started
    metrics = {"train_seconds": round(seconds, 3), "features": triager.features, **holdout_metrics(triager)}
    artifact = pickle.dumps(triager, protocol=pickle.HIGHEST_PROTOCOL)
    row = ModelVersion(
        version=artifact_version,
        algorithm=ALGORITHM.format(vectors=" + e5 vector" if triager.uses_vectors else ""),
        artifact=artifact,
        artifact_sha256=_digest(artifact),
        metrics=metrics,
        seed_examples=len(seed),
        corrections=len(corrections),
        trained_at=trained_at,
        trained_by=actor.id,
    )
    session.add(row)
    try:
        session.flush()  # the new row gets its id, so retention counts it as the newest (and active) version
        report = _prune(session, keep=settings.keep_versions, dry_run=False)
        session.commit()
    except IntegrityError:
        session.rollback()
        msg = "另一次训练同时完成，请稍后再试"
        raise ConflictError(msg, field="model_version") from None
    _log_pruned(report, actor=actor)
    return ModelVersionRead.model_validate(row), report


def holdout_metrics(triager: model.Triager) -> dict[str, float | int]:
    """Top-1 accuracy on the shipped held-out appeals (never trained on): department, category, type."""
    rows = [json.loads(line) for line in taxonomy.HOLDOUT_FILE.read_text(encoding="utf-8").splitlines() if line]
    if not rows:
        return {}
    pairs = [(triager.classify(row["text"]), row) for row in rows]
    total = len(rows)

    def share(field: str) -> float:
        hits = sum(1 for result, row in pairs if getattr(result, field) == row[field])
        return round(hits / total, 4)

    return {
        "holdout_size": total,
        "holdout_department_top1": share("department"),
        "holdout_category_top1": share("category"),
        "holdout_type_top1": share("type"),
    }


def list_model_versions(session: Session, *, limit: int = 20) -> list[ModelVersionRead]:
    """The newest trained model versions, newest first."""
    rows = session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc()).limit(limit))
    return [ModelVersionRead.model_validate(row) for row in rows]


@dataclass(frozen=True)
class PrunedVersion:
    """A model version the retention rule deleted (or, in a dry run, would delete)."""

    id: int
    version: str
    trained_at: dt.datetime
    size_bytes: int
    """Length of the pickled artifact, the bulk of the row."""


@dataclass(frozen=True)
class PruneReport:
    """Outcome of the retention rule: what stays, what went (or would go)."""

    keep: int
    active: str | None
    """The version triage uses (kept even when older than the ``keep`` newest); None without trained versions."""
    kept: tuple[str, ...]
    """Versions that stay, newest first."""
    pruned: tuple[PrunedVersion, ...]
    """Versions deleted (or, in a dry run, to be deleted), oldest first."""
    dry_run: bool

    @property
    def freed_bytes(self) -> int:
        """Artifact bytes of the pruned versions."""
        return sum(v.size_bytes for v in self.pruned)


def _prune(session: Session, *, keep: int, dry_run: bool) -> PruneReport:
    if keep < 1:
        raise ValidationError("至少保留 1 个模型版本", field="keep")
    active = session.execute(_ACTIVE_VERSION).first()
    active_id = None if active is None else int(active.id)
    # Only the artifact's length is read: the artifacts themselves are tens of MB each.
    rows = session.execute(
        select(
            ModelVersion.id, ModelVersion.version, ModelVersion.trained_at, func.length(ModelVersion.artifact)
        ).order_by(ModelVersion.id.desc())
    ).all()
    kept: list[str] = []
    pruned: list[PrunedVersion] = []
    for rank, (id_, version, trained_at, size) in enumerate(rows):
        # The active version stays even when older than the newest ``keep`` (should a rollback ever exist).
        if rank < keep or id_ == active_id:
            kept.append(version)
        else:
            pruned.append(PrunedVersion(id=id_, version=version, trained_at=trained_at, size_bytes=int(size or 0)))
    if pruned and not dry_run:
        # By the ids listed above, never "all but the kept": a version another retrain committed meanwhile stays.
        session.execute(delete(ModelVersion).where(ModelVersion.id.in_([v.id for v in pruned])))
    return PruneReport(
        keep=keep,
        active=next((version for id_, version, *_ in rows if id_ == active_id), None),
        kept=tuple(kept),
        pruned=tuple(reversed(pruned)),
        dry_run=dry_run,
    )


def _log_pruned(report: PruneReport, *, actor: Actor) -> None:
    if report.pruned and not report.dry_run:
        log.info(
            "triage_model_versions_pruned",
            versions=[v.version for v in report.pruned],
            freed_bytes=report.freed_bytes,
            keep=report.keep,
            actor=actor.id,
        )


def prune_model_versions(
    session: Session,
    *,
    keep: int | None = None,
    dry_run: bool = False,
    actor: Actor = SYSTEM_ACTOR,
    settings: TriageSettings | None = None,
) -> PruneReport:
    """Delete trained versions except the active one and the ``keep`` newest (default: ``keep_versions``).

    Nothing else points at these rows: corrections and appeals name a model version as text only, so a deleted
    version stays readable in their history. ``dry_run`` only reports what would be deleted.
    """
    authorize(actor, ResourceRef(kind=TRIAGE_MODEL_KIND, owner_department=CITY_INTAKE_DEPARTMENT), "write")
    report = _prune(
        session, keep=(settings or TriageSettings()).keep_versions if keep is None else keep, dry_run=dry_run
    )
    if not dry_run:
        session.commit()
        _log_pruned(report, actor=actor)
    return report


# ---- jurisdiction -------------------------------------------------------------------------------------------------


@cache
def _shipped_geocoder() -> Geocoder:
    return Geocoder(load_divisions())


def _pin_without_database(lon: float, lat: float) -> str | None:
    point = shapely.Point(lon, lat)
    for code, outline in sorted(district_outlines().items()):
        if outline.covers(point):
            return code
    return None


def _check_pin(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise ValidationError("定位需同时提供经度和纬度", field="lon" if lon is None else "lat")
    if not -180 <= lon <= 180:  # noqa: PLR2004
        raise ValidationError(f"经度应在 -180 到 180 之间：{lon}", field="lon")
    if not -90 <= lat <= 90:  # noqa: PLR2004
        raise ValidationError(f"纬度应在 -90 到 90 之间：{lat}", field="lat")
    return lon, lat


def _from_pin(session: Session | None, lon: float, lat: float) -> tuple[str | None, str | None, str]:
    if session is not None:
        location = geo_services.locate_point(session, lon=lon, lat=lat)
        if location is not None:
            return (
                location.district_code,
                location.street_code,
                f"定位点位于{location.district_name}{location.street_name or ''}",
            )
    district = _pin_without_database(lon, lat)
    if district is not None:
        return district, None, f"定位点位于区（市）县 {district}"
    return None, None, "定位点不在本市范围内"


def _from_text(session: Session | None, label: str, source: str) -> tuple[str | None, str | None, str | None]:
    source = source[: geo_services.MAX_GEOCODE_CHARS]
    found = geo_services.geocode(session, text=source) if session is not None else _shipped_geocoder().geocode(source)
    if found.status in {GeocodeStatus.MATCHED, GeocodeStatus.DISTRICT_ONLY} and found.district_code:
        return (
            found.district_code,
            found.street_code,
            f"{label}中识别到“{'、'.join(found.evidence) or found.district_name}”",
        )
    if found.status == GeocodeStatus.AMBIGUOUS:
        return None, None, f"{label}中的地名有歧义：{found.reason}"
    return None, None, None


def jurisdiction(
    session: Session | None,
    text: str,
    *,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
) -> tuple[str | None, str | None, str]:
    """District and street code of an appeal, from the pin first, then the address, then the text; and why."""
    district: str | None = None
    street: str | None = None
    reasons: list[str] = []
    pin = _check_pin(lon, lat)
    if pin is not None:
        district, street, pin_reason = _from_pin(session, *pin)
        reasons.append(pin_reason)
    for label, source in (("地址", address), ("诉求内容", text)):
        if street is not None or not source:
            continue
        found_district, found_street, reason = _from_text(session, label, source)
        if found_district is not None and district is not None and found_district != district:
            reasons.append(f"{label}提到的区（市）县 {found_district} 与定位点不一致，以定位点为准")
            continue
        if found_district is not None:
            district, street = found_district, found_street or street
        if reason:
            reasons.append(reason)
    return district, street, "；".join(reasons) or "未能从定位或文字中确定属地"


# ---- triage -------------------------------------------------------------------------------------------------------


def triage(
    session: Session | None,
    text: str,
    *,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
    settings: TriageSettings | None = None,
) -> TriageResult:
    """Classify one appeal: type, category, departments, jurisdiction, urgency, redirect, confidence."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("诉求内容不能为空", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(f"诉求内容过长（{len(text)} 字），最多 {MAX_TEXT_CHARS} 字", field="text")
    settings = settings or TriageSettings()
    triager = current_triager(session)
    decided = triager.classify(text)
    district, street, where = jurisdiction(session, text, lon=lon, lat=lat, address=address)
    explanations = dict(decided.explanations)
    explanations["jurisdiction"] = where
    leaf = triager.taxonomy.leaf(decided.category)
    needs_review = decided.confidence < settings.review_threshold or decided.redirect is not None
    if decided.confidence < settings.review_threshold:
        explanations["review"] = f"置信度 {decided.confidence:.0%} 低于 {settings.review_threshold:.0%}，请人工判断"
    elif decided.redirect is not None:
        explanations["review"] = "紧急情形，请话务员确认后转接"
    return TriageResult(
        type=decided.type,
        category=decided.category,
        category_path=leaf.path,
        department=decided.department,
        also=decided.also,
        district_code=district,
        street_code=street,
        urgency=decided.urgency,
        redirect=decided.redirect,
        redirect_reason=decided.redirect_reason,
        confidence=decided.confidence,
        needs_review=needs_review,
        model_version=triager.version,
        explanations=explanations,
        limit_class=leaf.limit,
    )


def to_read(result: TriageResult) -> TriageRead:
    """The API/CLI shape of a triage result."""
    return TriageRead(
        type=result.type,
        category=result.category,
        category_path=list(result.category_path),
        department=result.department,
        also=list(result.also),
        district_code=result.district_code,
        street_code=result.street_code,
        urgency=result.urgency,
        redirect=result.redirect,
        redirect_reason=result.redirect_reason,
        confidence=result.confidence,
        needs_review=result.needs_review,
        model_version=result.model_version,
        limit_class=result.limit_class,
        explanations=result.explanations,
    )


# ---- corrections --------------------------------------------------------------------------------------------------


def _check_choice(value: str, allowed: Iterable[str], *, field: str, label: str) -> str:
    options = tuple(allowed)
    if value not in options:
        raise ValidationError(f"{label}“{value}”无效，应为：{'、'.join(options)}", field=field)
    return value


def record_correction(
    session: Session,
    *,
    text: str,
    predicted: TriageResult,
    actor: Actor,
    type: str | None = None,  # noqa: A002 - the field's name in the contract
    category: str | None = None,
    department: str | None = None,
    urgency: str | None = None,
    appeal_ref: str | None = None,
    note: str | None = None,
) -> CorrectionRead:
    """Store an operator's correction of ``predicted``; the next ``retrain`` learns from it.

    A corrected category without a department routes to the category's lead department.
    """
    authorize(actor, ResourceRef(kind=ResourceKind.APPEAL, owner_department=CITY_INTAKE_DEPARTMENT), "write")
    text = (text or "").strip()
    if not text:
        raise ValidationError("诉求内容不能为空", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(f"诉求内容过长（{len(text)} 字），最多 {MAX_TEXT_CHARS} 字", field="text")
    tax = taxonomy.load_taxonomy()
    new_type = _check_choice(type, APPEAL_TYPES, field="type", label="诉求类型") if type else predicted.type
    new_urgency = _check_choice(urgency, URGENCIES, field="urgency", label="紧急程度") if urgency else predicted.urgency
    new_category = tax.leaf(category).code if category else predicted.category
    if department:
        new_department = tax.department(department).code
    elif category:
        new_department = tax.leaf(category).department
    else:
        new_department = predicted.department
    if (new_type, new_category, new_department, new_urgency) == (
        predicted.type,
        predicted.category,
        predicted.department,
        predicted.urgency,
    ):
        raise ValidationError("纠错内容与模型结果相同，未修改任何字段", field="category")
    row = Correction(
        text=text,
        appeal_ref=appeal_ref,
        model_version=predicted.model_version,
        predicted_type=predicted.type,
        predicted_category=predicted.category,
        predicted_department=predicted.department,
        predicted_urgency=predicted.urgency,
        predicted_confidence=predicted.confidence,
        type=new_type,
        category=new_category,
        department=new_department,
        urgency=new_urgency,
        note=note,
        created_by=actor.id,
    )
    session.add(row)
    session.commit()
    return CorrectionRead.model_validate(row)


def list_corrections(session: Session, *, actor: Actor, page: int = 1, page_size: int = 50) -> Page[CorrectionRead]:
    """Corrections, newest first, one page at a time (intake staff of the city centre and administrators)."""
    authorize(actor, ResourceRef(kind=ResourceKind.APPEAL, owner_department=CITY_INTAKE_DEPARTMENT), "read")
    offset, limit = _page_bounds(page, page_size)
    total = int(session.scalar(select(func.count()).select_from(Correction)) or 0)
    rows = session.scalars(select(Correction).order_by(Correction.id.desc()).offset(offset).limit(limit))
    return Page[CorrectionRead](
        items=[CorrectionRead.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )


# ---- knowledge base -----------------------------------------------------------------------------------------------


def _page_bounds(page: int, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise ValidationError(f"页码应从 1 开始：{page}", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间：{page_size}", field="page_size")
    return (page - 1) * page_size, page_size


@cache
def shipped_articles() -> tuple[dict[str, object], ...]:
    """The project-authored articles shipped in ``hotline/data/kb_articles.yaml``."""
    document = yaml.safe_load(taxonomy.KB_FILE.read_text(encoding="utf-8"))
    return tuple(dict(article) for article in document["articles"])


def _indexed(articles: Iterable[dict[str, object]]) -> list[kb.IndexedArticle]:
    return [
        kb.IndexedArticle(
            key=str(a["slug"]),
            title=str(a["title"]),
            keywords=tuple(str(k) for k in a.get("keywords", ()) or ()),  # type: ignore[attr-defined]
            answer=str(a["answer"]),
        )
        for a in articles
    ]


@cache
def _shipped_index() -> tuple[kb.KnowledgeIndex, dict[str, dict[str, object]]]:
    articles = shipped_articles()
    return kb.KnowledgeIndex(_indexed(articles)), {str(a["slug"]): a for a in articles}


_kb_lock = threading.Lock()
_kb_cache: dict[str, tuple[tuple[object, ...], kb.KnowledgeIndex, dict[str, dict[str, object]]]] = {}


def _database_index(session: Session) -> tuple[kb.KnowledgeIndex, dict[str, dict[str, object]]] | None:
    fingerprint = tuple(
        session.execute(
            select(func.count(), func.max(Article.updated_at), func.sum(Article.version), func.max(Article.id)).where(
                Article.published.is_(True)
            )
        ).one()
    )
    if not fingerprint[0]:
        return None
    key = _database_key(session)
    with _kb_lock:
        cached = _kb_cache.get(key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1], cached[2]
    rows = session.scalars(select(Article).where(Article.published.is_(True)).order_by(Article.id)).all()
    articles = {
        row.slug: {
            "id": row.id,
            "slug": row.slug,
            "title": row.title,
            "keywords": list(row.keywords),
            "answer": row.answer,
            "department": row.department,
            "source": row.source,
        }
        for row in rows
    }
    index = kb.KnowledgeIndex(_indexed(articles.values()))
    with _kb_lock:
        _kb_cache[key] = (fingerprint, index, articles)
    return index, articles


def answer_for(session: Session | None, text: str, *, settings: TriageSettings | None = None) -> KnowledgeAnswer | None:
    """The article that answers this consultation, or None when the text is no question or nothing fits.

    Uses the published articles in the database, or the shipped articles while the database has none.
    """
    settings = settings or TriageSettings()
    text = (text or "").strip()[:MAX_TEXT_CHARS]
    if not text or not kb.is_question(text):
        return None
    found = _database_index(session) if session is not None else None
    index, articles = found if found is not None else _shipped_index()
    hits = index.search(text, limit=1)
    if not hits or hits[0].score < settings.kb_threshold:
        return None
    hit = hits[0]
    article = articles[hit.key]
    article_id = article.get("id")
    return KnowledgeAnswer(
        slug=hit.key,
        title=str(article["title"]),
        answer=str(article["answer"]),
        department=str(article["department"]),
        source=str(article["source"]),
        score=hit.score,
        matched_keywords=list(hit.matched),
        article_id=int(article_id) if isinstance(article_id, int) else None,
    )


def _article_filters(q: str | None, department: str | None, *, include_drafts: bool) -> list[object]:
    conditions: list[object] = []
    if not include_drafts:
        conditions.append(Article.published.is_(True))
    if department:
        conditions.append(Article.department == taxonomy.load_taxonomy().department(department).code)
    for word in (q or "").split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                Article.title.like(pattern, escape="\\"),
                Article.answer.like(pattern, escape="\\"),
                Article.slug.like(pattern, escape="\\"),
            )
        )
    return conditions


def search_articles(
    session: Session,
    *,
    q: str | None = None,
    department: str | None = None,
    page: int = 1,
    page_size: int = 20,
    include_drafts: bool = False,
) -> Page[ArticleRead]:
    """Articles whose title, answer or key contains every word of ``q``, optionally of one department."""
    offset, limit = _page_bounds(page, page_size)
    if q is not None and len(q) > 200:  # noqa: PLR2004
        raise ValidationError("搜索词过长，最多 200 字", field="q")
    conditions = _article_filters(q, department, include_drafts=include_drafts)
    total = int(session.scalar(select(func.count()).select_from(Article).where(*conditions)) or 0)  # type: ignore[arg-type]
    rows = session.scalars(
        select(Article).where(*conditions).order_by(Article.department, Article.slug).offset(offset).limit(limit)  # type: ignore[arg-type]
    )
    return Page[ArticleRead](
        items=[ArticleRead.model_validate(r) for r in rows], total=total, page=page, page_size=page_size
    )


def articles_csv(session: Session, *, q: str | None = None, department: str | None = None) -> str:
    """The matching articles as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(["标识", "标题", "部门", "分类", "关键词", "答复口径", "依据", "版本", "更新时间"])
    for row in session.scalars(
        select(Article).where(*_article_filters(q, department, include_drafts=False)).order_by(Article.slug)  # type: ignore[arg-type]
    ):
        writer.writerow(
            [
                row.slug,
                row.title,
                row.department,
                row.category or "",
                "、".join(row.keywords),
                row.answer,
                row.source,
                row.version,
                row.updated_at.isoformat(),
            ]
        )
    return buffer.getvalue()


def get_article(session: Session, *, article_id: int) -> ArticleRead:
    """One article; NotFoundError if absent."""
    row = session.get(Article, article_id)
    if row is None:
        raise NotFoundError(f"知识库文章 {article_id} 不存在", field="article_id")
    return ArticleRead.model_validate(row)


def _checked_fields(data: ArticleCreate | ArticleUpdate) -> dict[str, object]:
    tax = taxonomy.load_taxonomy()
    tax.department(data.department)
    if data.category:
        tax.leaf(data.category)
    keywords = [k.strip() for k in data.keywords if k.strip()]
    if any(len(k) > 20 for k in keywords):  # noqa: PLR2004
        raise ValidationError("每个关键词最多 20 字", field="keywords")
    return {
        "title": data.title.strip(),
        "department": data.department,
        "category": data.category or None,
        "keywords": list(dict.fromkeys(keywords)),
        "answer": data.answer.strip(),
        "source": data.source.strip(),
        "published": data.published,
    }


def _authorize_article(actor: Actor, department: str) -> None:
    # Articles are public, so an actor outside the department is refused (403), not told "not found".
    try:
        authorize(actor, ResourceRef(kind=KB_ARTICLE_KIND, owner_department=department), "write")
    except NotFoundError:
        raise PermissionDeniedError("您没有维护该部门知识库文章的权限", field="department") from None


def create_article(session: Session, *, data: ArticleCreate, actor: Actor) -> ArticleRead:
    """Add an article (its department's staff or an administrator); a taken ``slug`` is a 409."""
    fields = _checked_fields(data)
    _authorize_article(actor, data.department)
    row = Article(slug=data.slug, updated_by=actor.id, version=1, **fields)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"文章标识 {data.slug} 已存在", field="slug") from None
    return ArticleRead.model_validate(row)


def update_article(session: Session, *, article_id: int, data: ArticleUpdate, actor: Actor) -> ArticleRead:
    """Change an article; the edit must start from the current version, else 409 (someone else saved first)."""
    row = session.get(Article, article_id)
    if row is None:
        raise NotFoundError(f"知识库文章 {article_id} 不存在", field="article_id")
    _authorize_article(actor, row.department)
    fields = _checked_fields(data)
    if fields["department"] != row.department:
        _authorize_article(actor, str(fields["department"]))
    # A compare-and-set on the version column: two concurrent edits cannot both win.
    updated = session.execute(
        update(Article)
        .where(Article.id == article_id, Article.version == data.version)
        .values(**fields, version=data.version + 1, updated_by=actor.id, updated_at=dt.datetime.now(dt.UTC))
    )
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise ConflictError("该文章已被他人修改，请刷新后重试", field="version")
    session.commit()
    session.refresh(row)
    return ArticleRead.model_validate(row)


def delete_article(session: Session, *, article_id: int, version: int, actor: Actor) -> None:
    """Remove an article (same rules as editing it)."""
    row = session.get(Article, article_id)
    if row is None:
        raise NotFoundError(f"知识库文章 {article_id} 不存在", field="article_id")
    _authorize_article(actor, row.department)
    deleted = session.execute(delete(Article).where(Article.id == article_id, Article.version == version))
    if deleted.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise ConflictError("该文章已被他人修改，请刷新后重试", field="version")
    session.commit()


def load_seed_articles(session: Session, *, actor: Actor = SYSTEM_ACTOR) -> int:
    """Insert the shipped articles that are not in the database yet (by ``slug``); return how many were added."""
    existing = set(session.scalars(select(Article.slug)))
    added = 0
    for article in shipped_articles():
        if article["slug"] in existing:
            continue
        data = ArticleCreate.model_validate(article)
        session.add(Article(slug=data.slug, updated_by=actor.id, version=1, **_checked_fields(data)))
        added += 1
    session.commit()
    return added
