"""Use cases of the service catalogue: load the shipped data, browse and search, read items and bundles, admin edits.

Items and bundles are versioned data (ADR 0015): every change publishes a new immutable version; reading without a
version returns the current one. ``load_catalogue`` is idempotent — it publishes a new version only when a file's
body differs from the version last loaded from that file, so re-running the demo neither piles up versions nor
overwrites an administrator's later edit of an unchanged file. Edits are guarded by the version they were made
from (a stale edit is a 409). Reading is public (the catalogue is published information); writing an item is
allowed to platform administrators and to the staff of the item's department, decided by ``identity.access``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.catalogue import rules
from yiwang.catalogue.codes import HANDLING_LABELS, LIFE_EVENTS, SUBJECT_LABELS
from yiwang.catalogue.models import CatalogueEntry, CatalogueVersion
from yiwang.catalogue.schemas import (
    BundleIn,
    BundleOut,
    BundleSummary,
    FieldError,
    ItemIn,
    ItemOut,
    ItemStatus,
    ItemSummary,
    LifeEvent,
    LoadReport,
    MaterialSource,
    SearchHit,
    SearchResult,
    VersionRead,
)
from yiwang.db import as_utc, utcnow
from yiwang.identity import access
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import ResourceRef, can_write
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.kernel.pages import Page
from yiwang.logs import get_logger
from yiwang.registry import services as registry_services

log = get_logger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
"""The shipped catalogue: ``items/*.yaml`` (one file per department, ``items:`` list) and ``bundles.yaml``."""

RESOURCE_KIND = "catalogue_item"
"""The resource kind the access rules see for an item (owner = its department)."""

LOAD_NOTE_PREFIX = "载入："
_Stmt = TypeVar("_Stmt", bound=Select[Any, Any])
MAX_PAGE_SIZE = 200

__all__ = [
    "CatalogueValidationError",
    "editable_departments",
    "get_bundle",
    "get_item",
    "item_history",
    "life_events",
    "list_bundles",
    "list_items",
    "load_catalogue",
    "retire_item",
    "save_item",
    "search",
    "validate_directory",
]


class CatalogueValidationError(ValidationError):
    """Invalid catalogue data: every problem with its field path and Chinese message (HTTP 422)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        first = errors[0] if errors else FieldError(field="body", message="内容不正确")
        more = f"（另有 {len(errors) - 1} 处问题）" if len(errors) > 1 else ""
        super().__init__(first.message + more, field=first.field)
        self.errors = list(errors)

    def details(self) -> list[dict[str, str | None]]:
        """One ``{code, field, message}`` per problem, the shape of every 422 body."""
        return [{"code": self.code, "field": e.field, "message": e.message} for e in self.errors]


# --- lookups -------------------------------------------------------------------------------------------------


def _departments(session: Session) -> dict[str, str]:
    """Department code → short name, from the registry's directory."""
    return registry_services.department_names(session)


def _current(kind: str) -> Select[CatalogueEntry, CatalogueVersion]:
    return (
        select(CatalogueEntry, CatalogueVersion)
        .join(
            CatalogueVersion,
            (CatalogueVersion.entry_id == CatalogueEntry.id)
            & (CatalogueVersion.version == CatalogueEntry.current_version),
        )
        .where(CatalogueEntry.kind == kind)
    )


def _published_items(session: Session) -> dict[str, ItemIn]:
    """Every item that is currently offered (not retired), by code."""
    rows = session.execute(_current("item").where(CatalogueEntry.status == "published")).all()
    return {entry.code: ItemIn.model_validate(version.body) for entry, version in rows}


def _all_item_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(CatalogueEntry.code, CatalogueEntry.name)).all())


def _page_bounds(page: int, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise ValidationError("页码应从 1 开始", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间", field="page_size")
    return page, page_size


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _tokens(q: str | None) -> list[str]:
    return [token for token in (q or "").strip().lower().split() if token]


def _life_event_filter(stmt: _Stmt, life_event: str | None) -> _Stmt:
    if not life_event:
        return stmt
    if life_event not in LIFE_EVENTS:
        raise ValidationError(f"人生事件 {life_event} 不存在", field="life_event")
    return stmt.where(CatalogueEntry.life_events.like(f"% {life_event} %"))


def _subject_filter(stmt: _Stmt, subject: str | None) -> _Stmt:
    if not subject:
        return stmt
    if subject not in SUBJECT_LABELS:
        raise ValidationError("服务对象应为 person（个人）或 enterprise（企业）", field="subject")
    return stmt.where(CatalogueEntry.subject == subject)


def _search_text(
    name: str, keywords: Iterable[str], department_names: Iterable[str], events: Iterable[str], extra: str
) -> str:
    event_names = [LIFE_EVENTS[code][0] for code in events if code in LIFE_EVENTS]
    lines = [name, "|".join(keywords), "|".join(department_names), "|".join(event_names), extra]
    return "\n".join(line.lower() for line in lines)


# --- items ---------------------------------------------------------------------------------------------------


def _item_out(
    version: CatalogueVersion,
    *,
    departments: Mapping[str, str],
    item_names: Mapping[str, str],
    bundles: list[str] | None = None,
) -> ItemOut:
    body = ItemIn.model_validate(version.body)
    return ItemOut(
        **body.model_dump(),
        version=version.version,
        status=_status(version.status),
        department_name=departments.get(body.department, body.department),
        handling_label=HANDLING_LABELS[body.handling],
        subject_label=SUBJECT_LABELS[body.subject],
        instant=bool(body.instant_rules),
        material_views=[
            rules.material_view(m, department_names=departments, item_names=item_names) for m in body.materials
        ],
        published_at=as_utc(version.published_at),
        published_by=version.published_by,
        bundles=bundles or [],
    )


def _status(value: str) -> ItemStatus:
    if value == "draft":
        return "draft"
    if value == "retired":
        return "retired"
    return "published"


def _summary(entry: CatalogueEntry, version: CatalogueVersion, departments: Mapping[str, str]) -> ItemSummary:
    body = ItemIn.model_validate(version.body)
    waived = sum(1 for m in body.materials if m.source != MaterialSource.UPLOAD)
    return ItemSummary(
        code=body.code,
        name=body.name,
        item_type=body.item_type,
        department=body.department,
        department_name=departments.get(body.department, body.department),
        level=body.level,
        handling=body.handling,
        handling_label=HANDLING_LABELS[body.handling],
        subject=body.subject,
        promised_days=body.promised_days,
        statutory_days=body.statutory_days,
        instant=bool(body.instant_rules),
        commitment=body.commitment is not None and body.commitment.allowed,
        fee_free=not body.fee_yuan,
        life_events=body.life_events,
        version=version.version,
        status=_status(entry.status),
        materials_total=len(body.materials),
        materials_waived=waived,
    )


def list_items(
    session: Session,
    *,
    q: str | None = None,
    department: str | None = None,
    life_event: str | None = None,
    subject: str | None = None,
    include_retired: bool = False,
    page: int = 1,
    page_size: int = 20,
) -> Page[ItemSummary]:
    """Items (current versions) in catalogue order, filtered.

    ``q`` matches substrings of the name, keywords, department and life events (every word must match);
    retired items only when ``include_retired``.
    """
    page, page_size = _page_bounds(page, page_size)
    stmt = _current("item")
    if not include_retired:
        stmt = stmt.where(CatalogueEntry.status == "published")
    for token in _tokens(q):
        stmt = stmt.where(CatalogueEntry.search_text.like(_like(token), escape="\\"))
    if department:
        stmt = stmt.where(CatalogueEntry.department_code == department)
    stmt = _subject_filter(_life_event_filter(stmt, life_event), subject)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.order_by(CatalogueEntry.sort_key).offset((page - 1) * page_size).limit(page_size)).all()
    departments = _departments(session) if rows else {}
    return Page[ItemSummary](
        items=[_summary(entry, version, departments) for entry, version in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


def _entry(session: Session, code: str, kind: str) -> CatalogueEntry:
    entry = session.scalar(select(CatalogueEntry).where(CatalogueEntry.code == code, CatalogueEntry.kind == kind))
    if entry is None:
        label = "事项" if kind == "item" else "一件事"
        raise NotFoundError(f"{label} {code} 不存在", field="code")
    return entry


def _version(session: Session, entry: CatalogueEntry, version: int | None) -> CatalogueVersion:
    wanted = entry.current_version if version is None else version
    row = session.scalar(
        select(CatalogueVersion).where(CatalogueVersion.entry_id == entry.id, CatalogueVersion.version == wanted)
    )
    if row is None:
        raise NotFoundError(f"{entry.name} 没有第 {wanted} 版", field="version")
    return row


def get_item(session: Session, code: str, *, version: int | None = None) -> ItemOut:
    """One item (the current version, or the given one) with its materials' waiver reasons and its bundles."""
    entry = _entry(session, code, "item")
    row = _version(session, entry, version)
    bundles = [
        bundle_entry.code
        for bundle_entry, bundle_version in session.execute(
            _current("bundle").where(CatalogueEntry.status == "published")
        ).all()
        if code in (bundle_version.body.get("items") or [])
    ]
    return _item_out(row, departments=_departments(session), item_names=_all_item_names(session), bundles=bundles)


def item_history(session: Session, code: str) -> list[VersionRead]:
    """Every version of an item or bundle, newest first."""
    entry = session.scalar(select(CatalogueEntry).where(CatalogueEntry.code == code))
    if entry is None:
        raise NotFoundError(f"事项 {code} 不存在", field="code")
    versions = session.scalars(
        select(CatalogueVersion).where(CatalogueVersion.entry_id == entry.id).order_by(CatalogueVersion.version.desc())
    ).all()
    return [
        VersionRead(
            code=entry.code,
            kind="bundle" if entry.kind == "bundle" else "item",
            version=v.version,
            status=_status(v.status),
            name=str(v.body.get("name", entry.name)),
            body_hash=v.body_hash,
            published_at=as_utc(v.published_at),
            published_by=v.published_by,
            note=v.note,
            retired_at=as_utc(v.retired_at) if v.retired_at else None,
        )
        for v in versions
    ]


# --- bundles -------------------------------------------------------------------------------------------------


def _bundle_out(
    session: Session,
    version: CatalogueVersion,
    *,
    departments: Mapping[str, str],
    items: Mapping[str, ItemIn] | None = None,
) -> BundleOut:
    body = BundleIn.model_validate(version.body)
    items = items if items is not None else _published_items(session)
    members = [items[code] for code in body.items if code in items]
    form, field_items = rules.merge_form(body.name, members)
    merged, depends = rules.merge_materials(members)
    item_names = {item.code: item.name for item in members}
    prefill: dict[str, str] = {}
    for item in members:
        for field, fact in item.prefill.items():
            prefill.setdefault(field, fact)
    member_departments = list(dict.fromkeys(item.department for item in members))
    return BundleOut(
        **body.model_dump(),
        version=version.version,
        status=_status(version.status),
        lead_department_name=departments.get(body.lead_department, body.lead_department),
        departments=member_departments,
        member_items=rules.bundle_items(members, depends, department_names=departments),
        form_schema=form,
        prefill=prefill,
        field_items=field_items,
        earlier_fields=rules.earlier_fields(members),
        materials=[
            rules.material_view(spec, department_names=departments, item_names=item_names, used_by=used)
            for spec, used in merged
        ],
        baseline=rules.sum_baseline(members),
        merged_promised_days=(
            body.promised_days if body.promised_days is not None else rules.critical_path_days(members, depends)
        ),
        published_at=as_utc(version.published_at),
    )


def list_bundles(
    session: Session,
    *,
    q: str | None = None,
    life_event: str | None = None,
    subject: str | None = None,
    include_retired: bool = False,
    page: int = 1,
    page_size: int = 20,
) -> Page[BundleSummary]:
    """一件事 bundles (current versions), filtered like :func:`list_items`."""
    page, page_size = _page_bounds(page, page_size)
    stmt = _current("bundle")
    if not include_retired:
        stmt = stmt.where(CatalogueEntry.status == "published")
    for token in _tokens(q):
        stmt = stmt.where(CatalogueEntry.search_text.like(_like(token), escape="\\"))
    stmt = _subject_filter(_life_event_filter(stmt, life_event), subject)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.order_by(CatalogueEntry.sort_key).offset((page - 1) * page_size).limit(page_size)).all()
    departments = _departments(session) if rows else {}
    items = _published_items(session) if rows else {}
    summaries = []
    for entry, version in rows:
        body = BundleIn.model_validate(version.body)
        member_departments = {items[code].department for code in body.items if code in items}
        summaries.append(
            BundleSummary(
                code=body.code,
                name=body.name,
                subject=body.subject,
                lead_department=body.lead_department,
                lead_department_name=departments.get(body.lead_department, body.lead_department),
                life_event=body.life_event,
                items=len(body.items),
                departments=len(member_departments),
                version=version.version,
                status=_status(entry.status),
            )
        )
    return Page[BundleSummary](items=summaries, total=total, page=page, page_size=page_size)


def get_bundle(session: Session, code: str, *, version: int | None = None) -> BundleOut:
    """A bundle with its merged form, one set of materials, member items (with dependencies) and summed baseline.

    The merge uses the current published versions of the member items.
    """
    entry = _entry(session, code, "bundle")
    row = _version(session, entry, version)
    return _bundle_out(session, row, departments=_departments(session))


# --- life events and search ----------------------------------------------------------------------------------


def life_events(session: Session) -> list[LifeEvent]:
    """Every life event with how many offered items and bundles it has (personal events first)."""
    rows = session.execute(
        select(CatalogueEntry.kind, CatalogueEntry.life_events).where(CatalogueEntry.status == "published")
    ).all()
    items: dict[str, int] = {}
    bundles: dict[str, int] = {}
    for kind, events in rows:
        counter = items if kind == "item" else bundles
        for code in events.split():
            counter[code] = counter.get(code, 0) + 1
    return [
        LifeEvent(
            code=code,
            name=name,
            subject="person" if subject == "person" else "enterprise",
            items=items.get(code, 0),
            bundles=bundles.get(code, 0),
        )
        for code, (name, subject) in LIFE_EVENTS.items()
    ]


def _score(entry: CatalogueEntry, tokens: Sequence[str]) -> tuple[int, list[str]]:  # noqa: C901 - a ladder
    name, keywords, departments, events, extra = ([*entry.search_text.split("\n"), "", "", "", ""])[:5]
    keyword_list = [k for k in keywords.split("|") if k]
    score = 0
    matched: list[str] = []
    for token in tokens:
        if name == token:
            score, hit = score + 120, "名称"
        elif name.startswith(token):
            score, hit = score + 100, "名称"
        elif token in name:
            score, hit = score + 80, "名称"
        elif token in keyword_list:
            score, hit = score + 60, "关键词"
        elif any(token in keyword for keyword in keyword_list):
            score, hit = score + 40, "关键词"
        elif token in events:
            score, hit = score + 30, "人生事件"
        elif token in departments:
            score, hit = score + 20, "部门"
        elif token in extra:
            score, hit = score + 10, "事项类型"
        else:
            continue
        if hit not in matched:
            matched.append(hit)
    return score, matched


def search(session: Session, q: str, *, limit: int = 50) -> SearchResult:
    """Find offered items and bundles by Chinese keywords; best matches first, bundles apart from items.

    Every whitespace-separated word must appear in the name, keywords, department, life event or item type
    (substring, no pinyin).

    When nothing contains the whole query (``开个餐馆``), the query is cut into words (jieba) and entries matching
    any word are returned, scored by how many words they match.
    """
    tokens = _tokens(q)
    if not tokens:
        raise ValidationError("请输入要搜索的事项名称或关键词", field="q")
    if any(len(token) > 64 for token in tokens):  # noqa: PLR2004 - longer than any name
        raise ValidationError("搜索词过长", field="q")
    base = select(CatalogueEntry).where(CatalogueEntry.status == "published")
    stmt = base
    for token in tokens:
        stmt = stmt.where(CatalogueEntry.search_text.like(_like(token), escape="\\"))
    entries = list(session.scalars(stmt))
    if not entries:
        tokens = _segment(tokens)
        if tokens:
            entries = list(
                session.scalars(
                    base.where(or_(*(CatalogueEntry.search_text.like(_like(t), escape="\\") for t in tokens)))
                )
            )
    departments = _departments(session) if entries else {}
    hits: list[SearchHit] = []
    for entry in entries:
        score, matched = _score(entry, tokens)
        hits.append(
            SearchHit(
                kind="bundle" if entry.kind == "bundle" else "item",
                code=entry.code,
                name=entry.name,
                department_name=departments.get(entry.department_code, entry.department_code),
                subject="person" if entry.subject == "person" else "enterprise",
                score=score,
                matched=matched,
            )
        )
    hits.sort(key=lambda hit: (-hit.score, hit.code))
    return SearchResult(
        q=q.strip(),
        bundles=[hit for hit in hits if hit.kind == "bundle"][:limit],
        items=[hit for hit in hits if hit.kind == "item"][:limit],
    )


STOP_WORDS = frozenset({"办理", "申请", "怎么", "如何", "我要", "需要", "哪里", "一个", "一下", "什么"})


def _segment(tokens: Sequence[str]) -> list[str]:
    with warnings.catch_warnings():
        # jieba's regular expressions use invalid escapes, which Python warns about when compiling its sources.
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import jieba  # type: ignore[import-untyped]  # noqa: PLC0415 - loads a dictionary: only when needed

    jieba.setLogLevel(60)  # its "building prefix dict" chatter is not ours to log
    words: list[str] = []
    for token in tokens:
        for word in jieba.lcut_for_search(token):
            word = word.strip()  # noqa: PLW2901 - normalising the loop's own value
            if len(word) >= 2 and word not in STOP_WORDS and word not in words:  # noqa: PLR2004 - single characters match everything
                words.append(word)
    return words


# --- writing -------------------------------------------------------------------------------------------------


def _ensure_departments(session: Session) -> dict[str, str]:
    departments = _departments(session)
    if not departments:
        # A fresh database without the directory yet: the catalogue needs department codes to refer to.
        registry_services.load_departments(session)
        departments = _departments(session)
    return departments


def editable_departments(session: Session, *, actor: Actor) -> set[str] | None:
    """Departments whose items the actor may edit (``None`` = all of them, as for platform administrators).

    Asked of the access rules one department at a time, so the answer follows ``identity.scopes``.
    """
    departments = _departments(session)
    allowed = {code for code in departments if can_write(actor, ResourceRef(kind=RESOURCE_KIND, owner_department=code))}
    return None if allowed == set(departments) else allowed


def _authorize_edit(actor: Actor, department: str) -> None:
    ref = ResourceRef(kind=RESOURCE_KIND, owner_department=department)
    try:
        access.authorize(actor, ref, "write")
    except NotFoundError:
        # The catalogue is public: an actor who may not edit an item still knows it exists, so refuse with 403.
        raise PermissionDeniedError(
            "您没有修改该事项的权限：仅平台管理员和实施部门的工作人员可以修改", field="department"
        ) from None


def _entry_columns(
    entry: CatalogueEntry, *, kind: str, body: ItemIn | BundleIn, departments: Mapping[str, str], sort_key: str
) -> None:
    entry.kind = kind
    entry.name = body.name
    entry.subject = body.subject
    entry.updated_at = utcnow()
    entry.sort_key = sort_key
    if isinstance(body, ItemIn):
        events = body.life_events
        entry.department_code = body.department
        entry.item_type = body.item_type
        entry.search_text = _search_text(
            body.name, body.keywords, [departments.get(body.department, "")], events, body.item_type
        )
    else:
        events = [body.life_event]
        entry.department_code = body.lead_department
        entry.item_type = "一件事"
        entry.search_text = _search_text(
            body.name, body.keywords, [departments.get(body.lead_department, "")], events, "一件事 高效办成一件事"
        )
    entry.life_events = " " + " ".join(events) + " "


def _publish(
    session: Session,
    *,
    entry: CatalogueEntry,
    version: int,
    body: dict[str, Any],
    status: str,
    actor: Actor,
    note: str,
) -> CatalogueVersion:
    row = CatalogueVersion(
        entry_id=entry.id,
        version=version,
        body=body,
        body_hash=rules.body_hash(body),
        status=status,
        published_at=utcnow(),
        published_by=actor.display_name or actor.id,
        note=note[:300],
    )
    session.add(row)
    return row


def _bump(session: Session, entry_id: int, expected_version: int, *, status: str) -> None:
    """Move the entry from ``expected_version`` to the next one, or fail with 409 if someone else did first."""
    result = session.execute(
        update(CatalogueEntry)
        .where(CatalogueEntry.id == entry_id, CatalogueEntry.current_version == expected_version)
        .values(current_version=expected_version + 1, status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        session.rollback()
        raise ConflictError("该事项已被他人修改并发布了新版本，请刷新后在最新版本上修改", field="expected_version")


def save_item(
    session: Session, *, actor: Actor, body: Mapping[str, Any], expected_version: int, note: str = ""
) -> ItemOut:
    """Publish an admin's edit of an item as a new version (or create it when ``expected_version`` is 0).

    Validation problems → :class:`CatalogueValidationError` (422, every field with a Chinese message); the actor
    must be allowed to edit both the item's current and its new department (403); an edit based on an older
    version → 409. An unchanged body publishes nothing and returns the current version. Commits.
    """
    departments = _ensure_departments(session)
    item_codes = set(_all_item_names(session))
    try:
        item = rules.parse_item(body, departments=departments, item_codes=item_codes)
    except rules.CatalogueInvalid as exc:
        raise CatalogueValidationError(exc.errors) from None
    _authorize_edit(actor, item.department)
    entry = session.scalar(select(CatalogueEntry).where(CatalogueEntry.code == item.code))
    stored = rules.canonical_body(item)
    if entry is None:
        if expected_version != 0:
            raise NotFoundError(f"事项 {item.code} 不存在；新建事项时 expected_version 应为 0", field="code")
        entry = CatalogueEntry(code=item.code, status="published", current_version=1)
        _entry_columns(entry, kind="item", body=item, departments=departments, sort_key=_sort_key(item))
        session.add(entry)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            raise ConflictError(f"事项 {item.code} 已被他人同时创建，请刷新后修改", field="code") from None
        _publish(session, entry=entry, version=1, body=stored, status="published", actor=actor, note=note or "新建")
        session.commit()
        log.info("catalogue_item_created", code=item.code, actor=actor.id)
        return get_item(session, item.code)
    if entry.kind != "item":
        raise ValidationError(f"{item.code} 是一件事编码，不是事项", field="code")
    current_body = _version(session, entry, None)
    _authorize_edit(actor, entry.department_code)
    if expected_version != entry.current_version:
        raise ConflictError(
            f"该事项已更新到第 {entry.current_version} 版（您编辑的是第 {expected_version} 版），请刷新后再修改",
            field="expected_version",
        )
    if rules.body_hash(stored) == current_body.body_hash and entry.status == "published":
        return get_item(session, item.code)
    _bump(session, entry.id, expected_version, status="published")
    session.refresh(entry)
    _entry_columns(entry, kind="item", body=item, departments=departments, sort_key=entry.sort_key)
    _publish(
        session,
        entry=entry,
        version=expected_version + 1,
        body=stored,
        status="published",
        actor=actor,
        note=note or "修改",
    )
    session.commit()
    log.info("catalogue_item_saved", code=item.code, version=expected_version + 1, actor=actor.id)
    return get_item(session, item.code)


def retire_item(session: Session, *, actor: Actor, code: str, expected_version: int, reason: str) -> ItemOut:
    """Stop offering an item: a new version with status ``retired`` (same body) records who, when and why.

    Bundles keep naming it but skip it until it is published again. 403 / 409 as for :func:`save_item`. Commits.
    """
    entry = _entry(session, code, "item")
    _authorize_edit(actor, entry.department_code)
    reason = reason.strip()
    if len(reason) < 2:  # noqa: PLR2004
        raise ValidationError("请填写停用原因", field="reason")
    if entry.status == "retired":
        raise ConflictError(f"事项 {code} 已停用", field="status")
    current = _version(session, entry, None)
    if expected_version != entry.current_version:
        raise ConflictError(f"该事项已更新到第 {entry.current_version} 版，请刷新后再停用", field="expected_version")
    _bump(session, entry.id, expected_version, status="retired")
    row = _publish(
        session,
        entry=entry,
        version=expected_version + 1,
        body=dict(current.body),
        status="retired",
        actor=actor,
        note=f"停用：{reason}",
    )
    row.retired_at = utcnow()
    session.commit()
    session.refresh(entry)
    log.info("catalogue_item_retired", code=code, actor=actor.id)
    return get_item(session, code)


# --- loading the shipped data --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A validated directory: items and bundles with the file each came from, in file order."""

    items: list[tuple[ItemIn, str]]
    bundles: list[tuple[BundleIn, str]]


def _read_yaml(path: Path, key: str, errors: list[FieldError], label: str) -> list[Any]:
    try:
        # The C loader when libyaml is there (ten times faster: the demo loads the catalogue on every start).
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        errors.append(FieldError(field=label, message=f"{label}：无法读取（{type(exc).__name__}）"))
        return []
    entries = document.get(key) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        errors.append(FieldError(field=label, message=f"{label}：应有顶层列表 {key}:"))
        return []
    return entries


def _parse_directory(  # noqa: C901 - reads, then checks items, then bundles
    source_dir: Path, departments: Mapping[str, str], existing_items: set[str]
) -> _Parsed:
    errors: list[FieldError] = []
    raw_items: list[tuple[Any, str]] = []
    item_files = sorted((source_dir / "items").glob("*.yaml"))
    if not item_files:
        errors.append(FieldError(field="items", message=f"{source_dir}/items 中没有 .yaml 事项文件"))
    for path in item_files:
        label = f"items/{path.name}"
        raw_items += [(entry, f"{label}#{n}") for n, entry in enumerate(_read_yaml(path, "items", errors, label), 1)]
    codes = existing_items | {str(raw.get("code")) for raw, _ in raw_items if isinstance(raw, dict)}
    items: list[tuple[ItemIn, str]] = []
    seen: dict[str, str] = {}
    for raw, where in raw_items:
        label = where.split("#", 1)[0]
        if not isinstance(raw, dict):
            errors.append(FieldError(field=where, message=f"{where}：每个事项应为键值结构"))
            continue
        try:
            item = rules.parse_item(raw, departments=departments, item_codes=codes)
        except rules.CatalogueInvalid as exc:
            name = raw.get("name") or raw.get("code") or where
            errors += [FieldError(field=f"{where}.{e.field}", message=f"{name}｜{e.message}") for e in exc.errors]
            continue
        if item.code in seen:
            errors.append(
                FieldError(field=f"{where}.code", message=f"{item.name}｜编码 {item.code} 与 {seen[item.code]} 重复")
            )
        seen[item.code] = label
        items.append((item, label))
    by_code = {item.code: item for item, _ in items}
    bundles: list[tuple[BundleIn, str]] = []
    bundle_file = source_dir / "bundles.yaml"
    if bundle_file.exists():
        for index, raw in enumerate(_read_yaml(bundle_file, "bundles", errors, "bundles.yaml")):
            where = f"bundles.yaml#{index + 1}"
            if not isinstance(raw, dict):
                errors.append(FieldError(field=where, message=f"{where}：每个一件事应为键值结构"))
                continue
            try:
                bundles.append((rules.parse_bundle(raw, departments=departments, items=by_code), "bundles.yaml"))
            except rules.CatalogueInvalid as exc:
                name = raw.get("name") or where
                errors += [FieldError(field=f"{where}.{e.field}", message=f"{name}｜{e.message}") for e in exc.errors]
    if errors:
        raise CatalogueValidationError(errors)
    return _Parsed(items=items, bundles=bundles)


def validate_directory(session: Session, source_dir: Path | None = None) -> tuple[int, int]:
    """Check a catalogue directory without writing anything; (items, bundles) or :class:`CatalogueValidationError`."""
    departments = _ensure_departments(session)
    parsed = _parse_directory(source_dir or DATA_DIR, departments, set())
    return len(parsed.items), len(parsed.bundles)


def _sort_key(body: ItemIn | BundleIn, index: int | None = None) -> str:
    # File order for the shipped data (so the portal lists items as the directory files arrange them); new items
    # created by admins sort after them by code.
    return f"{index:05d}" if index is not None else f"z-{body.code}"


def _last_loaded_hash(session: Session, entry_id: int) -> str | None:
    return session.scalar(
        select(CatalogueVersion.body_hash)
        .where(CatalogueVersion.entry_id == entry_id, CatalogueVersion.note.like(LOAD_NOTE_PREFIX + "%"))
        .order_by(CatalogueVersion.version.desc())
        .limit(1)
    )


def _load_one(
    session: Session,
    *,
    actor: Actor,
    kind: Literal["item", "bundle"],
    body: ItemIn | BundleIn,
    label: str,
    index: int,
    departments: Mapping[str, str],
    existing: Mapping[str, CatalogueEntry],
) -> bool:
    stored = rules.canonical_body(body)
    digest = rules.body_hash(stored)
    entry = existing.get(body.code)
    note = LOAD_NOTE_PREFIX + label
    if entry is None:
        entry = CatalogueEntry(code=body.code, status="published", current_version=1)
        _entry_columns(entry, kind=kind, body=body, departments=departments, sort_key=_sort_key(body, index))
        session.add(entry)
        session.flush()
        _publish(session, entry=entry, version=1, body=stored, status="published", actor=actor, note=note)
        return True
    if entry.kind != kind:
        raise CatalogueValidationError(
            [FieldError(field=f"{label}.code", message=f"编码 {body.code} 已被另一类条目使用")]
        )
    entry.sort_key = _sort_key(body, index)
    if _last_loaded_hash(session, entry.id) == digest:
        return False
    version = entry.current_version + 1
    _bump(session, entry.id, entry.current_version, status="published")
    session.refresh(entry)
    _entry_columns(entry, kind=kind, body=body, departments=departments, sort_key=_sort_key(body, index))
    _publish(session, entry=entry, version=version, body=stored, status="published", actor=actor, note=note)
    return True


def load_catalogue(session: Session, *, actor: Actor, source_dir: Path | None = None) -> LoadReport:
    """Load item and bundle files (default: the shipped ``catalogue/data``), all or nothing.

    Every body is validated first; any problem → :class:`CatalogueValidationError` listing all of them and nothing
    written. A new version is published only for a code whose file body differs from the version last loaded from
    a file (an unchanged file leaves later admin edits and retirements alone). Commits once.
    """
    departments = _ensure_departments(session)
    existing_items = set(session.scalars(select(CatalogueEntry.code).where(CatalogueEntry.kind == "item")))
    parsed = _parse_directory(source_dir or DATA_DIR, departments, existing_items)
    existing = {entry.code: entry for entry in session.scalars(select(CatalogueEntry))}
    items_published: list[str] = []
    bundles_published: list[str] = []
    for index, (item, label) in enumerate(parsed.items):
        if _load_one(
            session,
            actor=actor,
            kind="item",
            body=item,
            label=label,
            index=index,
            departments=departments,
            existing=existing,
        ):
            items_published.append(item.code)
    for index, (bundle, label) in enumerate(parsed.bundles):
        if _load_one(
            session,
            actor=actor,
            kind="bundle",
            body=bundle,
            label=label,
            index=index,
            departments=departments,
            existing=existing,
        ):
            bundles_published.append(bundle.code)
    session.commit()
    report = LoadReport(
        items_published=items_published,
        items_unchanged=len(parsed.items) - len(items_published),
        bundles_published=bundles_published,
        bundles_unchanged=len(parsed.bundles) - len(bundles_published),
    )
    log.info(
        "catalogue_loaded",
        items_published=len(items_published),
        bundles_published=len(bundles_published),
        unchanged=report.items_unchanged + report.bundles_unchanged,
    )
    return report


def catalogue_counts(session: Session) -> dict[str, int]:
    """Offered items, bundles and departments (for the demo line and the portal header)."""
    rows = session.execute(
        select(CatalogueEntry.kind, func.count(), func.count(func.distinct(CatalogueEntry.department_code)))
        .where(CatalogueEntry.status == "published")
        .group_by(CatalogueEntry.kind)
    ).all()
    counts = {"items": 0, "bundles": 0, "departments": 0}
    for kind, n, departments in rows:
        if kind == "item":
            counts["items"] = int(n)
            counts["departments"] = int(departments)
        else:
            counts["bundles"] = int(n)
    return counts
