"""The audited access layer: every read of a department's data is recorded in the append-only hash chain.

Other contexts read another department's records only through :func:`access` or, when they batch several reads
into one query of their own, by calling :func:`record_access` right before they commit. Each request becomes one
chained :class:`~yiwang.sharing.models.AuditEntry` (who, for whom, which department's data, which fields, why, on
what legal basis). :func:`verify_chain` proves the log was neither changed nor shortened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import RowMapping, Select, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from yiwang.db import as_utc, utcnow
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import SourceUnavailableError, ValidationError
from yiwang.kernel.masking import mask_id_number
from yiwang.kernel.pages import Page
from yiwang.logs import get_logger
from yiwang.sharing import chain
from yiwang.sharing.models import AuditEntry, AuditHead, SourceStatus
from yiwang.sharing.schemas import AuditEntryRead, SourceStatusRead, VerifyResult

T = TypeVar("T")

HEAD_ID = 1
SUBJECT_KINDS = {"person": "自然人", "enterprise": "法人和其他组织"}
OUTCOMES = {"granted": "已授权", "unavailable": "数据源不可用", "denied": "已拒绝"}
MAX_PAGE_SIZE = 500
MAX_REASON_LENGTH = 500
_ROW_COLUMNS = [getattr(AuditEntry, name) for name in (*chain.CONTENT_FIELDS, "prev_hash", "hash")]
"""Every column of an audit row, selected as plain rows: reads never go through the identity map."""

log = get_logger("yiwang.sharing")


@dataclass(frozen=True)
class AccessRequest:
    """One read of one department's records about one subject: which record kind and which fields."""

    source_department: str  # department code from departments.yaml (e.g. "tax")
    subject_kind: str  # "person" | "enterprise"
    subject_code: str  # 公民身份号码 or 统一社会信用代码
    record_kind: str  # e.g. "tax", "penalty", "licence", "person", "enterprise" …
    fields: tuple[str, ...]


# --- source availability -------------------------------------------------------------------------------------


def ensure_available(session: Session, *, department_code: str) -> None:
    """Raise :class:`SourceUnavailableError` when the department's source is marked unavailable."""
    row = session.execute(
        select(SourceStatus.available, SourceStatus.reason).where(SourceStatus.department_code == department_code)
    ).one_or_none()
    if row is not None and not row.available:
        raise SourceUnavailableError(department_code, row.reason)


def unavailable_departments(session: Session) -> dict[str, str]:
    """Every department whose source is marked unavailable, with the reason (one query)."""
    rows = session.execute(
        select(SourceStatus.department_code, SourceStatus.reason).where(SourceStatus.available.is_(False))
    )
    return {str(code): str(reason) for code, reason in rows}


def set_source_status(
    session: Session, *, actor: Actor, department_code: str, available: bool, reason: str = ""
) -> SourceStatusRead:
    """Mark a department's data source available or unavailable (with a reason people can read); admins only."""
    ensure_source_admin(actor)
    code = _check_department_code(department_code, field="department_code")
    names = _department_names(session)
    if names and code not in names:
        raise ValidationError(f"部门代码 {code} 不在部门目录中", field="department_code")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(f"不可用原因不能超过{MAX_REASON_LENGTH}个字", field="reason")
    if available:
        reason = ""
    status = session.scalars(
        select(SourceStatus).where(SourceStatus.department_code == code).execution_options(populate_existing=True)
    ).one_or_none()
    if status is None:
        status = SourceStatus(department_code=code)
        session.add(status)
    status.available = available
    status.reason = reason
    status.changed_at = utcnow()
    status.changed_by = actor.id
    session.commit()
    log.info("source_status_changed", department=code, available=available, reason=reason, actor=actor.id)
    return _source_read(status, names.get(code))


def list_sources(session: Session) -> list[SourceStatusRead]:
    """Status of every department's source: the department directory plus any code ever marked."""
    names = _department_names(session)
    stored = {status.department_code: status for status in session.scalars(select(SourceStatus))}
    codes = list(names) + sorted(code for code in stored if code not in names)
    return [
        _source_read(stored[code], names.get(code))
        if code in stored
        else SourceStatusRead(department_code=code, department_name=names.get(code), available=True)
        for code in codes
    ]


def _source_read(status: SourceStatus, name: str | None) -> SourceStatusRead:
    return SourceStatusRead(
        department_code=status.department_code,
        department_name=name,
        available=status.available,
        reason=status.reason,
        changed_at=status.changed_at,
        changed_by=status.changed_by or None,
    )


def _department_names(session: Session) -> dict[str, str]:
    """Department code → short name from the registry's directory (empty until departments are loaded)."""
    # Imported here because the registry's services import this module to read through the access layer.
    from yiwang.registry import services as registry_services  # noqa: PLC0415

    departments = registry_services.list_departments(session, with_counts=False)
    return {department.code: department.short_name for department in departments}


# --- recording -----------------------------------------------------------------------------------------------


def access(
    session: Session,
    *,
    actor: Actor,
    request: AccessRequest,
    purpose: str,
    legal_basis: str,
    loader: Callable[[], T],
) -> T:
    """Read one department's data through the audit layer: check the source, load, record, commit, return.

    An unavailable source is still an attempt worth recording: the row (outcome ``unavailable``) is committed,
    then :class:`SourceUnavailableError` is raised so the caller can degrade. The loader runs before the audit row
    is appended so the chain head stays locked only for the insert and the commit; a loader that raises discloses
    nothing and leaves no row. This commits the session (and whatever the caller had pending in it).
    """
    request = _normalised(request)
    _check_request(request, index=0)
    try:
        ensure_available(session, department_code=request.source_department)
    except SourceUnavailableError:
        record_access(
            session,
            actor=actor,
            requests=[request],
            purpose=purpose,
            legal_basis=legal_basis,
            outcome="unavailable",
        )
        session.commit()
        raise
    result = loader()
    record_access(session, actor=actor, requests=[request], purpose=purpose, legal_basis=legal_basis)
    session.commit()
    return result


def record_access(
    session: Session,
    *,
    actor: Actor,
    requests: Sequence[AccessRequest],
    purpose: str,
    legal_basis: str,
    outcome: str = "granted",
) -> list[AuditEntry]:
    """Append one chained audit row per request in the caller's transaction; the caller commits.

    Call it right before ``session.commit()``: on PostgreSQL the chain head row stays locked (``SELECT … FOR
    UPDATE``) until the transaction ends, which is what serialises concurrent appenders into one gapless chain.
    """
    purpose = _check_text(purpose, field="purpose", label="用途（purpose）")
    legal_basis = _check_text(legal_basis, field="legal_basis", label="法律依据（legal_basis）")
    if outcome not in OUTCOMES:
        raise ValidationError(f"访问结果 {outcome!r} 无效，应为 {'、'.join(OUTCOMES)}", field="outcome")
    _check_actor(actor)
    requests = [_normalised(request) for request in requests]
    for index, request in enumerate(requests):
        _check_request(request, index=index)
    if not requests:
        return []

    head = _lock_head(session)
    at = utcnow()  # taken under the lock, so timestamps never go backwards along the chain
    seq, prev_hash = head.last_seq, head.last_hash
    entries: list[AuditEntry] = []
    for request in requests:
        seq += 1
        content = chain.entry_content(
            seq=seq,
            at=at,
            actor_id=actor.id,
            actor_department=actor.department,
            actor_role=actor.role,
            subject_kind=request.subject_kind,
            subject_code=request.subject_code,
            source_department=request.source_department,
            record_kind=request.record_kind,
            fields=request.fields,
            purpose=purpose,
            legal_basis=legal_basis,
            cross_department=actor.department != request.source_department,
            outcome=outcome,
        )
        entry_hash = chain.entry_hash(prev_hash, content)
        # The stored columns are the hashed content itself, with the timestamp and field list in native types.
        columns = {**content, "at": at, "fields": list(request.fields)}
        entries.append(AuditEntry(**columns, prev_hash=prev_hash, hash=entry_hash))
        prev_hash = entry_hash
    head.last_seq = seq
    head.last_hash = prev_hash
    session.add_all(entries)
    session.flush()
    return entries


def _lock_head(session: Session) -> AuditHead:
    """The chain head, locked for this transaction (created on first use)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # SELECT … FOR UPDATE does not exist on SQLite: a no-op write takes the database write lock first, so
        # the head read below cannot be overtaken by another writer (the busy timeout makes writers queue).
        session.execute(text("UPDATE sharing_audit_head SET last_seq = last_seq WHERE id = :id"), {"id": HEAD_ID})
    stmt = (
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)  # the identity map may hold an older head
    )
    head = session.scalars(stmt).one_or_none()
    if head is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # Two first appenders may race to create the head; the loser's insert does nothing and it then waits
        # for the winner's row lock like any later appender.
        session.execute(
            insert(AuditHead)
            .values(id=HEAD_ID, last_seq=0, last_hash=chain.GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = session.scalars(stmt).one()
    return head


_LIMITS = {
    "source_department": 32,
    "subject_code": 18,
    "record_kind": 32,
}
_LABELS = {
    "source_department": "数据来源部门",
    "subject_code": "主体代码",
    "record_kind": "数据类别",
}


def _normalised(request: AccessRequest) -> AccessRequest:
    """Codes without stray blanks; ID numbers and credit codes in their canonical upper case."""
    return replace(
        request,
        source_department=str(request.source_department or "").strip(),
        subject_kind=str(request.subject_kind or "").strip(),
        subject_code=str(request.subject_code or "").strip().upper(),
        record_kind=str(request.record_kind or "").strip(),
        fields=tuple(request.fields),
    )


def _check_request(request: AccessRequest, *, index: int) -> None:
    prefix = f"requests[{index}]"
    for name, limit in _LIMITS.items():
        value: str = getattr(request, name)
        if not value:
            raise ValidationError(f"第{index + 1}项访问请求缺少{_LABELS[name]}", field=f"{prefix}.{name}")
        if len(value) > limit:
            raise ValidationError(
                f"第{index + 1}项访问请求的{_LABELS[name]}超过{limit}个字符：{value[:40]}", field=f"{prefix}.{name}"
            )
    if request.subject_kind not in SUBJECT_KINDS:
        raise ValidationError(
            f"第{index + 1}项访问请求的主体类型 {request.subject_kind!r} 无效，"
            "应为 person（自然人）或 enterprise（企业）",
            field=f"{prefix}.subject_kind",
        )
    if not request.fields:
        raise ValidationError(f"第{index + 1}项访问请求必须列出读取的字段（fields）", field=f"{prefix}.fields")
    if not all(str(name).strip() for name in request.fields):
        raise ValidationError(f"第{index + 1}项访问请求的字段名不能为空", field=f"{prefix}.fields")


def _check_actor(actor: Actor) -> None:
    if not actor.id or len(actor.id) > 64:  # noqa: PLR2004 - column width of actor_id
        raise ValidationError("访问者标识不能为空且不能超过64个字符", field="actor.id")
    if actor.department is not None and len(actor.department) > 32:  # noqa: PLR2004
        raise ValidationError("访问者所属部门代码不能超过32个字符", field="actor.department")
    if len(actor.role) > 32:  # noqa: PLR2004
        raise ValidationError("访问者角色不能超过32个字符", field="actor.role")


def _check_text(value: str, *, field: str, label: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise ValidationError(f"{label}不能为空：每次跨部门数据访问都必须说明", field=field)
    if len(cleaned) > 128:  # noqa: PLR2004 - column width
        raise ValidationError(f"{label}不能超过128个字，实际为{len(cleaned)}个字", field=field)
    return cleaned


def _check_department_code(value: str, *, field: str) -> str:
    code = (value or "").strip()
    if not code:
        raise ValidationError("部门代码不能为空", field=field)
    if len(code) > 32:  # noqa: PLR2004 - column width
        raise ValidationError(f"部门代码不能超过32个字符：{code[:40]}", field=field)
    return code


# --- verification --------------------------------------------------------------------------------------------


def verify_chain(
    session: Session, *, batch_size: int = 5000, progress: Callable[[int, int], None] | None = None
) -> VerifyResult:
    """Walk the whole chain in batches (bounded memory): seq continuity, every link, every hash, the head.

    ``progress(checked, total)`` is called after each batch. The head is read first and only rows up to it are
    walked, so appends committed while verifying neither fail nor slow the check.
    """
    if batch_size < 1:
        raise ValidationError("批次大小必须大于0", field="batch_size")
    head = session.execute(select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)).one_or_none()
    total = head.last_seq if head is not None else session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    last_seq, prev_hash, checked = 0, chain.GENESIS_HASH, 0
    while True:
        stmt = select(*_ROW_COLUMNS).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch_size)
        if head is not None:
            stmt = stmt.where(AuditEntry.seq <= head.last_seq)
        # Core execution on the session's connection: plain rows, no ORM loading machinery per row.
        rows = session.connection().execute(stmt).mappings().all()
        if not rows:
            break
        for row in rows:
            problem = _check_row(row, last_seq=last_seq, prev_hash=prev_hash)
            if problem is not None:
                bad_seq, reason = problem
                return VerifyResult(ok=False, checked=checked, first_bad_seq=bad_seq, reason=reason)
            last_seq, prev_hash = row["seq"], row["hash"]
            checked += 1
        if progress is not None:
            progress(checked, total)
    result = _check_head(session, head=head, last_seq=last_seq, prev_hash=prev_hash, checked=checked)
    log.info("audit_chain_verified", ok=result.ok, checked=checked, first_bad_seq=result.first_bad_seq)
    return result


def _check_row(row: RowMapping, *, last_seq: int, prev_hash: str) -> tuple[int, str] | None:
    seq = row["seq"]
    expected = last_seq + 1
    if seq != expected:
        missing = f"第 {expected} 条" if seq == expected + 1 else f"第 {expected}–{seq - 1} 条"
        return expected, f"{missing}审计记录缺失（序号从 {last_seq} 跳到 {seq}，记录被删除）"
    if row["prev_hash"] != prev_hash:
        before = "创世哈希" if seq == 1 else f"第 {last_seq} 条的哈希"
        return seq, f"第 {seq} 条审计记录的前序哈希与{before}不符（链条断裂）"
    if chain.entry_hash(prev_hash, chain.content_from_row(row)) != row["hash"]:
        return seq, f"第 {seq} 条审计记录内容被篡改（哈希不符）"
    return None


def _check_head(session: Session, *, head: Any, last_seq: int, prev_hash: str, checked: int) -> VerifyResult:
    if head is None:
        if checked == 0:
            return VerifyResult(ok=True, checked=0, reason="审计日志为空：尚无访问记录")
        return VerifyResult(
            ok=False, checked=checked, first_bad_seq=None, reason=f"审计链头缺失：存在 {checked} 条审计记录但没有链头"
        )
    if last_seq < head.last_seq:
        first = last_seq + 1
        span = f"第 {first} 条" if first == head.last_seq else f"第 {first}–{head.last_seq} 条"
        return VerifyResult(
            ok=False,
            checked=checked,
            first_bad_seq=first,
            reason=f"{span}审计记录缺失（链头记录到第 {head.last_seq} 条，记录被删除）",
        )
    if prev_hash != head.last_hash:
        return VerifyResult(
            ok=False,
            checked=checked,
            first_bad_seq=last_seq or None,
            reason=f"审计链头的哈希与第 {last_seq} 条审计记录不符（链头被篡改）",
        )
    orphan = session.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.seq > head.last_seq))
    if orphan is not None:
        # The head may have moved on since it was read (a concurrent append); only rows beyond the current head
        # were written around the access layer.
        current = session.scalar(select(AuditHead.last_seq).where(AuditHead.id == HEAD_ID)) or 0
        if orphan > current:
            return VerifyResult(
                ok=False,
                checked=checked,
                first_bad_seq=orphan,
                reason=f"第 {orphan} 条审计记录不在哈希链中（绕过访问层写入）",
            )
    return VerifyResult(ok=True, checked=checked, reason=f"审计日志完整：共 {checked} 条")


# --- reading -------------------------------------------------------------------------------------------------


def audit_departments(actor: Actor) -> frozenset[str] | None:
    """Whose audit entries ``actor`` may read: None for the whole log, else source departments (maybe none).

    Platform administrators, internal jobs and leaders read the whole city's log; department staff read the
    entries about data their department holds; everyone else reads nothing.
    """
    from yiwang.identity import scopes  # noqa: PLC0415 - identity.access imports this module

    whole_city = scopes.ResourceRef(kind=scopes.ResourceKind.AUDIT_ENTRY)
    if actor.has_role(scopes.Role.LEADER) or scopes.can_read(actor, whole_city):
        return None
    if actor.department is None or not actor.has_role(scopes.Role.DEPARTMENT_STAFF):
        return frozenset()
    own = scopes.ResourceRef(kind=scopes.ResourceKind.AUDIT_ENTRY, owner_department=actor.department)
    return frozenset({actor.department}) if scopes.can_read(actor, own) else frozenset()


def ensure_audit_readable(actor: Actor) -> frozenset[str] | None:
    """:func:`audit_departments`, refusing (403) an actor who may read no audit entry at all."""
    visible = audit_departments(actor)
    if visible is not None and not visible:
        from yiwang.identity.errors import PermissionDeniedError  # noqa: PLC0415 - see audit_departments

        raise PermissionDeniedError("您没有查看审计日志的权限", field="audit_entry")
    return visible


def ensure_source_admin(actor: Actor) -> None:
    """Only platform administrators (and internal jobs) switch department sources on and off (403 otherwise)."""
    from yiwang.identity import scopes  # noqa: PLC0415 - identity.access imports this module
    from yiwang.identity.errors import PermissionDeniedError  # noqa: PLC0415

    if actor.has_role(scopes.Role.PLATFORM_ADMIN, *scopes.INTERNAL_ROLES):
        return
    raise PermissionDeniedError("只有平台管理员可以切换部门数据源状态", field="department_code")


def list_entries(
    session: Session,
    *,
    page: int = 1,
    page_size: int = 50,
    actor_id: str | None = None,
    subject_code: str | None = None,
    source_department: str | None = None,
    cross_department: bool | None = None,
    visible_departments: frozenset[str] | None = None,
) -> Page[AuditEntryRead]:
    """Audit rows, newest first, filtered by actor, subject, source department and cross-department reads.

    ``visible_departments`` (from :func:`audit_departments`) limits the rows to those source departments.
    """
    if page < 1:
        raise ValidationError("页码必须从1开始", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(f"每页条数应在1到{MAX_PAGE_SIZE}之间", field="page_size")
    filtered = _filtered(
        select(*_ROW_COLUMNS),
        actor_id=actor_id,
        subject_code=subject_code,
        source_department=source_department,
        cross_department=cross_department,
        visible_departments=visible_departments,
    )
    total = session.scalar(select(func.count()).select_from(filtered.subquery())) or 0
    rows = session.execute(
        filtered.order_by(AuditEntry.seq.desc()).offset((page - 1) * page_size).limit(page_size)
    ).mappings()
    names = _department_names(session)
    return Page[AuditEntryRead](
        items=[_entry_read(row, names) for row in rows], total=total, page=page, page_size=page_size
    )


def iter_entries(
    session: Session,
    *,
    actor_id: str | None = None,
    subject_code: str | None = None,
    source_department: str | None = None,
    cross_department: bool | None = None,
    batch_size: int = 2000,
    visible_departments: frozenset[str] | None = None,
) -> Iterator[AuditEntryRead]:
    """Every matching audit row in chain order, read in batches (for exports of any size)."""
    names = _department_names(session)
    last_seq = 0
    while True:
        stmt = _filtered(
            select(*_ROW_COLUMNS).where(AuditEntry.seq > last_seq),
            actor_id=actor_id,
            subject_code=subject_code,
            source_department=source_department,
            cross_department=cross_department,
            visible_departments=visible_departments,
        )
        rows = session.execute(stmt.order_by(AuditEntry.seq).limit(batch_size)).mappings().all()
        if not rows:
            return
        for row in rows:
            yield _entry_read(row, names)
        last_seq = rows[-1]["seq"]


CSV_HEADER = (
    "序号",
    "时间（UTC）",
    "访问者",
    "访问者部门",
    "访问者角色",
    "主体类型",
    "主体代码",
    "数据来源部门",
    "数据来源部门名称",
    "数据类别",
    "字段",
    "用途",
    "法律依据",
    "跨部门",
    "结果",
    "哈希",
)


def export_entries_csv(
    session: Session,
    *,
    actor_id: str | None = None,
    subject_code: str | None = None,
    source_department: str | None = None,
    cross_department: bool | None = None,
    visible_departments: frozenset[str] | None = None,
) -> Iterator[str]:
    """The matching audit rows as CSV text chunks (UTF-8 with BOM so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    entries = iter_entries(
        session,
        actor_id=actor_id,
        subject_code=subject_code,
        source_department=source_department,
        cross_department=cross_department,
        visible_departments=visible_departments,
    )
    for count, entry in enumerate(entries, start=1):
        writer.writerow(
            (
                entry.seq,
                entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor_id,
                entry.actor_department or "",
                entry.actor_role or "",
                SUBJECT_KINDS.get(entry.subject_kind, entry.subject_kind),
                entry.subject_display,
                entry.source_department,
                entry.source_department_name or "",
                entry.record_kind,
                "、".join(entry.fields),
                entry.purpose,
                entry.legal_basis,
                "是" if entry.cross_department else "否",
                OUTCOMES.get(entry.outcome, entry.outcome),
                entry.hash,
            )
        )
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _filtered(
    stmt: Select[Any],
    *,
    actor_id: str | None,
    subject_code: str | None,
    source_department: str | None,
    cross_department: bool | None,
    visible_departments: frozenset[str] | None = None,
) -> Select[Any]:
    if visible_departments is not None:
        stmt = stmt.where(AuditEntry.source_department.in_(sorted(visible_departments)))
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id.strip())
    if subject_code:
        stmt = stmt.where(AuditEntry.subject_code == subject_code.strip().upper())
    if source_department:
        stmt = stmt.where(AuditEntry.source_department == source_department.strip())
    if cross_department is not None:
        stmt = stmt.where(AuditEntry.cross_department.is_(cross_department))
    return stmt


def _entry_read(row: RowMapping, names: dict[str, str]) -> AuditEntryRead:
    return AuditEntryRead(
        **{name: row[name] for name in (*chain.CONTENT_FIELDS, "prev_hash", "hash") if name != "at"},
        at=as_utc(row["at"]),
        subject_display=display_subject(row["subject_kind"], row["subject_code"]),
        source_department_name=names.get(row["source_department"]),
        actor_department_name=names.get(row["actor_department"] or ""),
    )


def display_subject(subject_kind: str, subject_code: str) -> str:
    """A subject code as people may see it: ID numbers masked, enterprise credit codes (public) in full."""
    if subject_kind == "enterprise":
        return subject_code
    return mask_id_number(subject_code)
