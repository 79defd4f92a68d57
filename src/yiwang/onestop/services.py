"""Use cases of 一网通办: start (pre-filled), save, upload, sign, submit (秒批), decide, 补正, post-check, rate.

Every function takes ``session`` and ``actor`` (keyword-only), checks access through ``identity.access`` with
``ResourceKind.APPLICATION`` and owns its transaction. Other contexts are reached through their public services:
the registry (pre-fill, audited by ``sharing``), the catalogue and certs (``onestop.ports``), the workflow engine
(one ``onestop`` case per submitted application, one parallel branch per item), notify and ratings.

The read side (an application, the lists, the queue export, post-check tasks, 四个减) is in ``onestop.queries``
and importable from here too; what both sides share is in ``onestop._shared``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import CursorResult, Update, and_, exists, select, update
from sqlalchemy.orm import Session

from yiwang.catalogue.schemas import ItemOut, MaterialOut
from yiwang.certs.schemas import CertificateIssue, HolderKind
from yiwang.db import as_utc, utcnow
from yiwang.identity import access, scopes
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import Role
from yiwang.kernel.actor import CONSOLE_ACTOR, SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, SourceUnavailableError, ValidationError
from yiwang.kernel.masking import mask_id_number, mask_phone
from yiwang.logs import get_logger
from yiwang.onestop import facts as fact_module
from yiwang.onestop import forms, rules, uploads
from yiwang.onestop._shared import (
    OPEN_ITEM_STATUSES,
    Spec,
    catalogue_item,
    catalogue_spec,
    commitment_read,
    department_names,
    items_of,
    load_application,
    material_read,
    materials_of,
    moment_of,
    read_application,
    resource_refs,
    visible_application,
    work_calendar,
)
from yiwang.onestop.events import ApplicationCompleted, CommitmentFoundFalse
from yiwang.onestop.models import (
    Application,
    ApplicationEvent,
    ApplicationItem,
    Commitment,
    Correction,
    Material,
    Upload,
)
from yiwang.onestop.ports import PORTS
from yiwang.onestop.queries import (
    WORKING_DAY_SECONDS,
    department_queue,
    export_queue_csv,
    get_application,
    list_my_applications,
    list_post_checks,
    savings,
)
from yiwang.onestop.schemas import (
    APPLICATION_STATUS_LABELS,
    ITEM_STATUS_LABELS,
    ApplicationRead,
    CommitmentRead,
    DecisionResult,
    MaterialRead,
)
from yiwang.ratings.schemas import RatingRead
from yiwang.workflow import events as workflow_events
from yiwang.workflow.calendar import CalendarNotCoveredError, TimeLimit, TimeUnit, add_working_days

__all__ = [
    "APPLICANT_ROLES",
    "CITY_TZ",
    "DEFINITION_FILE",
    "DEFINITION_KEY",
    "INSTANT_PURPOSE",
    "MAX_UPLOAD_BYTES",
    "OPEN_ITEM_STATUSES",
    "POST_CHECK_REMIND_AHEAD",
    "PREFILL_LEGAL_BASIS",
    "PREFILL_PURPOSE",
    "REPAIR_GRACE",
    "WORKING_DAY_SECONDS",
    "RepairReport",
    "accept_item",
    "approve_item",
    "department_queue",
    "ensure_definition",
    "export_queue_csv",
    "get_application",
    "list_my_applications",
    "list_post_checks",
    "rate_application",
    "record_commitment_check",
    "reject_item",
    "remind_due_post_checks",
    "repair_unlinked_cases",
    "request_correction",
    "save_draft",
    "savings",
    "sign_commitment",
    "start_application",
    "submit_application",
    "upload_content",
    "upload_material",
]

log = get_logger("yiwang.onestop")

DEFINITION_KEY = "onestop"
DEFINITION_FILE = Path(__file__).parent / "definitions" / "onestop.yaml"
PREFILL_PURPOSE = "一网通办申请预填"
PREFILL_LEGAL_BASIS = (
    "《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）；《政务数据共享管理办法》"
)
INSTANT_PURPOSE = "一网通办秒批核验"
MAX_UPLOAD_BYTES = uploads.MAX_UPLOAD_BYTES
"""Largest accepted upload (the API reads one byte more to tell a too-large file from an exact fit)."""
APPLICANT_ROLES = (Role.CITIZEN, Role.ENTERPRISE_AGENT)

_published: set[str] = set()


# --- small helpers ------------------------------------------------------------------------------------------------


def _workflow() -> Any:
    from yiwang.workflow import services as workflow  # noqa: PLC0415 - the engine is loaded on first use

    return workflow


def ensure_definition(session: Session) -> None:
    """Publish the ``onestop`` process definition (a no-op when unchanged; once per database per process)."""
    key = str(session.get_bind().engine.url)
    if key in _published:
        return
    body = yaml.safe_load(DEFINITION_FILE.read_text(encoding="utf-8"))
    try:
        _workflow().publish_definition(session, actor=CONSOLE_ACTOR, body=body)  # the platform installs processes
    except ConflictError:
        session.rollback()  # a concurrent first submit published the same body: it is there either way
    _published.add(key)


def _event(
    session: Session,
    app: Application,
    *,
    actor: Actor,
    action: str,
    label: str,
    now: dt.datetime,
    item_code: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    if actor.has_role(*scopes.INTERNAL_ROLES):
        kind = "system"
    elif actor.id == app.applicant_account_id:
        kind = "applicant"
    else:
        kind = "department"
    session.add(
        ApplicationEvent(
            application_id=app.id,
            at=now,
            actor_id=actor.id,
            actor_kind=kind,
            department_code=actor.department if kind == "department" else None,
            item_code=item_code,
            action=action,
            label=label,
            detail=dict(detail or {}),
        )
    )


def _act(
    session: Session,
    app: Application,
    *,
    actor: Actor,
    action: str,
    version: int,
    now: dt.datetime,
    branch: str | None = None,
    label: str | None = None,
    detail: Mapping[str, Any] | None = None,
    reason: str | None = None,
    comment: str | None = None,
    calendar: Any = None,
) -> int:
    """Take ``action`` on the application's case (on the item's ``branch``) and return the case's new version.

    With a ``label`` the step also enters the application's timeline. The engine commits everything pending with
    the case, or rolls it all back with a 409 when the case is no longer at ``version``.
    """
    if label is not None:
        _event(session, app, actor=actor, action=action, label=label, now=now, item_code=branch, detail=detail)
    result = _workflow().perform_action(
        session,
        actor=actor,
        instance_id=app.workflow_instance_id,
        action=action,
        branch=branch,
        expected_version=version,
        reason=reason,
        comment=comment,
        now=now,
        calendar=calendar,
    )
    return int(result.instance.version)


def _claimed(session: Session, statement: Update) -> bool:
    """Run a conditional UPDATE of one row; False when a concurrent request changed the row first."""
    result = cast("CursorResult[Any]", session.execute(statement.execution_options(synchronize_session=False)))
    return result.rowcount == 1


def _check_version(app: Application, expected_version: int) -> None:
    """409 when the application changed since the caller read it (saved in another tab, say)."""
    if app.version != expected_version:
        raise ConflictError("申请已在其他页面修改，请刷新后重试", field="expected_version")


def _notify_applicant(
    session: Session, app: Application, *, template_key: str, key: str, variables: Mapping[str, Any], by: Actor
) -> None:
    """Queue an in-app notice to the applicant about the application, once per ``key``, in this transaction."""
    from yiwang.notify import services as notify  # noqa: PLC0415 - notify is only needed for a result

    notify.enqueue(
        session,
        template_key=template_key,
        channel="inapp",
        recipient=app.applicant_account_id,
        variables=variables,
        idempotency_key=f"onestop:{app.id}:{key}",
        subject_ref=f"onestop:{app.id}",
        created_by=by.id,
    )


def _own(session: Session, actor: Actor, application_id: int) -> Application:
    """The applicant's own application (others in scope get 403: only the applicant applies)."""
    app = visible_application(session, actor, application_id)
    if app.applicant_account_id != actor.id:
        raise PermissionDeniedError("只有申请人本人可以修改或提交该申请", field="application_id")
    return app


def _item(session: Session, app: Application, item_code: str) -> ApplicationItem:
    row = session.scalars(
        select(ApplicationItem).where(ApplicationItem.application_id == app.id, ApplicationItem.item_code == item_code)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"该申请不包含事项 {item_code}", field="item_code")
    return row


def _number(now: dt.datetime) -> str:
    return f"YW{now:%Y%m%d}{secrets.token_hex(4).upper()}"


# --- facts: registry profile + certificates ------------------------------------------------------------------------


@dataclass(slots=True)
class _Gathered:
    facts: fact_module.Facts
    applicant_name: str
    district_code: str | None
    street_code: str | None
    certificates: dict[str, tuple[str, str]]  # cert_type → (number, issuing department)
    base_unavailable: str | None  # reason when the base register itself is down


def _cert_types(spec: Spec) -> list[str]:
    """Certificate types the application could use: its e-certificate materials and the facts it reads."""
    wanted = {m.cert_type for m in spec.materials if m.source == "e_certificate" and m.cert_type}
    paths = list(spec.prefill.values()) + [r.fact for i in spec.items for r in i.instant_rules]
    wanted |= {p.split(".")[1] for p in paths if p.startswith("certificates.") and p.count(".") >= 2}  # noqa: PLR2004
    return sorted(wanted)


def _gather(
    session: Session, *, actor: Actor, subject: str, purpose: str, today: dt.date, cert_types: Iterable[str]
) -> _Gathered:
    """Read the applicant's profile through the audited registry and their valid certificates."""
    from yiwang.registry import services as registry  # noqa: PLC0415 - see department_names

    facts = fact_module.Facts()
    name, district, street, base_down = actor.display_name or actor.id, None, None, None
    holder: str
    try:
        if subject == "person":
            holder = actor.person_id_number or ""
            profile = registry.get_person_profile(
                session, actor=actor, id_number=holder, purpose=purpose, legal_basis=PREFILL_LEGAL_BASIS
            )
            fact_module.person_facts(
                facts, id_number=holder, person=profile.person, sections=profile.sections, today=today
            )
            name = profile.person.name
            district, street = profile.person.household_district_code, profile.person.household_street_code
        else:
            holder = actor.enterprise_uscc or ""
            eprofile = registry.get_enterprise_profile(
                session, actor=actor, uscc=holder, purpose=purpose, legal_basis=PREFILL_LEGAL_BASIS
            )
            fact_module.enterprise_facts(facts, enterprise=eprofile.enterprise, sections=eprofile.sections, today=today)
            name = eprofile.enterprise.name
            district, street = eprofile.enterprise.district_code, eprofile.enterprise.street_code
    except SourceUnavailableError as exc:
        session.rollback()
        base_down = exc.reason or "数据源维护中"
        facts.unavailable[exc.department_code] = base_down
        if subject == "person" and actor.person_id_number:
            # The applicant's own ID number is bound to the login, not read from the register.
            fact_module.person_facts(facts, id_number=actor.person_id_number, person=None, sections=(), today=today)
    certificates: dict[str, tuple[str, str]] = {}
    for cert_type in cert_types:
        cert = PORTS.certificates.find_valid(session, holder_id=holder, cert_type=cert_type) if holder else None
        if cert is not None:
            certificates[cert_type] = (cert.number, cert.issuing_department)
    fact_module.certificate_facts(facts, [(t, n, d) for t, (n, d) in certificates.items()])
    return _Gathered(facts, name, district, street, certificates, base_down)


def _check_applicant(actor: Actor, subject: str) -> None:
    if not actor.has_role(*APPLICANT_ROLES):
        raise PermissionDeniedError("只有市民或企业经办人可以发起办事申请", field="actor")
    if subject == "person" and not actor.person_id_number:
        raise ValidationError("该事项的服务对象为个人，请使用已实名认证的市民账户办理", field="item_code")
    if subject == "enterprise" and not actor.enterprise_uscc:
        raise ValidationError("该事项的服务对象为企业，请使用企业经办人账户办理", field="item_code")


def _source_department(material: MaterialOut) -> str:
    if material.shared_department:
        return material.shared_department
    ref = material.shared_ref or ""
    return fact_module.BASE_REGISTER if ref.startswith(("person.", "enterprise.")) else "cityops"


def _material_rows(  # noqa: C901, PLR0912 - one branch per material source
    app: Application,
    spec: Spec,
    gathered: _Gathered,
    names: Mapping[str, str],
) -> tuple[list[Material], list[str]]:
    """Waive what the government holds (with the reason), ask for the rest; degrade when a source is down."""
    rows: list[Material] = []
    notices: list[str] = []
    results = {i.result_type: i for i in spec.items if i.result_type}
    member_codes = {i.code: i for i in spec.items}
    for m in spec.materials:
        row = Material(
            application_id=app.id,
            material_code=m.code,
            name=m.name,
            item_codes=list(m.used_by) or [i.code for i in spec.items],
            source=str(m.source),
            required=m.required,
            status="needed",
            waived_reason="",
            notice="",
        )
        if m.source == "shared_data":
            department = _source_department(m)
            down = gathered.facts.unavailable.get(department)
            if down is None and gathered.base_unavailable is not None and department == fact_module.BASE_REGISTER:
                down = gathered.base_unavailable
            if down is not None:
                label = names.get(department, department)
                row.notice = f"{label}数据源暂不可用（{down or '维护中'}），请上传「{m.name}」"
                notices.append(row.notice)
            else:
                row.status, row.provided_by = "waived", department
                row.waived_reason = m.waiver_reason or f"免提交：由{names.get(department, department)}共享"
        elif m.source == "e_certificate":
            held = gathered.certificates.get(m.cert_type or "")
            if held is not None:
                row.status, row.certificate_number, row.provided_by = "waived", held[0], held[1]
                row.waived_reason = f"免提交：使用电子证照（{held[0]}）"
            elif m.cert_type in results:
                row.status, row.provided_by = "waived", results[m.cert_type].department
                row.waived_reason = f"免提交：由本次办理的「{results[m.cert_type].name}」结果提供"
            else:
                row.notice = f"未找到您有效的电子证照，请上传「{m.name}」"
        elif m.source == "earlier_step":
            earlier = member_codes.get(m.from_item or "")
            if earlier is not None:
                row.status, row.provided_by = "waived", earlier.department
                row.waived_reason = f"免提交：由本次办理的「{earlier.name}」结果提供"
            else:
                row.notice = f"「{m.name}」为前序事项的办理结果，请上传"
        if not m.required and row.status == "needed":
            row.notice = row.notice or "选交材料"
        rows.append(row)
    return rows, notices


def _prefill(spec: Spec, gathered: _Gathered, names: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    fields = set(forms.form_fields(spec.form_schema))
    for field, path in spec.prefill.items():
        if fields and field not in fields:
            continue
        known, value = gathered.facts.get(path)
        if not known:
            continue
        source = gathered.facts.sources.get(path)
        values[field] = value
        provenance[field] = {
            "value": value,
            "fact": path,
            "source": source,
            "label": f"由{names.get(source, source)}共享" if source else "申请人填写",
        }
    return values, provenance


# --- start and save ----------------------------------------------------------------------------------------------


def start_application(
    session: Session,
    *,
    actor: Actor,
    item_code: str | None = None,
    bundle_code: str | None = None,
    now: dt.datetime | None = None,
) -> ApplicationRead:
    """Start a draft for an item or a bundle: pre-filled form, waived materials with reasons, materials asked for.

    A down source department never fails the start: its materials switch to "please upload" with a notice.
    """
    moment = moment_of(now)
    if bool(item_code) == bool(bundle_code):
        raise ValidationError("请选择一个事项或一件事（item_code 与 bundle_code 二选一）", field="item_code")
    kind, code = ("bundle", str(bundle_code)) if bundle_code else ("item", str(item_code))
    spec = catalogue_spec(session, kind=kind, code=code)
    _check_applicant(actor, spec.subject)
    gathered = _gather(
        session,
        actor=actor,
        subject=spec.subject,
        purpose=PREFILL_PURPOSE,
        today=moment.date(),
        cert_types=_cert_types(spec),
    )
    names = department_names(session)
    values, provenance = _prefill(spec, gathered, names)
    app = Application(
        number=_number(moment),
        kind=kind,
        code=code,
        name=spec.name,
        lead_department=spec.lead_department,
        applicant_account_id=actor.id,
        applicant_kind=spec.subject,
        applicant_id_number=actor.person_id_number if spec.subject == "person" else None,
        applicant_uscc=actor.enterprise_uscc if spec.subject == "enterprise" else None,
        applicant_name=gathered.applicant_name,
        district_code=gathered.district_code,
        street_code=gathered.street_code,
        status="draft",
        form_data=values,
        prefill=provenance,
        notices=[],
        channel="online",
        trips=0,
        created_at=moment,
        updated_at=moment,
    )
    session.add(app)
    session.flush()
    rows, notices = _material_rows(app, spec, gathered, names)
    if gathered.base_unavailable is not None:
        notices.insert(0, f"基础信息库暂不可用（{gathered.base_unavailable}），申请表未能预填，请手工填写")
    app.notices = notices
    session.add_all(rows)
    for item in spec.items:
        session.add(
            ApplicationItem(
                application_id=app.id,
                item_code=item.code,
                item_name=item.name,
                department_code=item.department,
                promised_days=item.promised_days,
                status="draft",
                instant=False,
                rule_trace=[],
                decision_reason="",
                result_type=item.result_type,
                by_commitment=False,
            )
        )
    waived = sum(1 for r in rows if r.status == "waived")
    _event(session, app, actor=actor, action="start", label="填写申请", now=moment, detail={"waived": waived})
    session.commit()
    log.info("onestop_started", application_id=app.id, kind=kind, code=code, waived=waived, notices=len(notices))
    return get_application(session, actor=actor, application_id=app.id)


def _open_corrections(session: Session, app: Application) -> list[Correction]:
    return list(
        session.scalars(select(Correction).where(Correction.application_id == app.id, Correction.resolved_at.is_(None)))
    )


def _editable_fields(session: Session, app: Application) -> set[str] | None:
    """None: every field (a draft); in 补正 only the fields the departments named."""
    if app.status == "draft":
        return None
    if app.status == "correction":
        return {f for c in _open_corrections(session, app) for f in c.fields}
    raise ConflictError(f"申请已{APPLICATION_STATUS_LABELS.get(app.status, app.status)}，不能再修改", field="status")


def _merge_form(
    session: Session, app: Application, schema: Mapping[str, Any], incoming: Mapping[str, Any]
) -> dict[str, Any]:
    editable = _editable_fields(session, app)
    current = dict(app.form_data or {})
    cleaned = forms.strip_unknown(schema, incoming)
    if editable is not None:
        changed = sorted(k for k, v in cleaned.items() if current.get(k) != v and k not in editable)
        if changed:
            allowed = "、".join(sorted(editable)) or "（无字段，仅需补充材料）"
            raise ValidationError(
                f"补正时只能修改部门要求补正的内容：{allowed}；以下字段不能修改：{'、'.join(changed)}",
                field=f"form_data.{changed[0]}",
            )
    current.update(cleaned)
    return current


def save_draft(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    form_data: Mapping[str, Any],
    expected_version: int,
    now: dt.datetime | None = None,
) -> ApplicationRead:
    """Autosave the form (draft, or the named fields during 补正); a stale ``expected_version`` is a 409."""
    moment = moment_of(now)
    app = _own(session, actor, application_id)
    _check_version(app, expected_version)
    spec = catalogue_spec(session, kind=app.kind, code=app.code)
    app.form_data = _merge_form(session, app, spec.form_schema, form_data)
    app.updated_at = moment
    _commit(session)
    return read_application(session, app, actor=actor)


def _commit(session: Session) -> None:
    from sqlalchemy.orm.exc import StaleDataError  # noqa: PLC0415 - only the commit path needs it

    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError("申请已被他人处理，请刷新后重试", field="expected_version") from exc


# --- uploads and commitments ---------------------------------------------------------------------------------------


def upload_material(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    material_code: str,
    file_name: str,
    content_type: str,
    content: bytes,
    now: dt.datetime | None = None,
) -> MaterialRead:
    """Store an uploaded material (≤ 10 MB; PDF/JPG/PNG/OFD checked by content) in the database."""
    moment = moment_of(now)
    app = _own(session, actor, application_id)
    material = session.scalars(
        select(Material).where(Material.application_id == app.id, Material.material_code == material_code)
    ).one_or_none()
    if material is None:
        raise NotFoundError(f"该申请不需要材料 {material_code}", field="material_code")
    if app.status == "correction":
        named = {m for c in _open_corrections(session, app) for m in c.materials}
        if material_code not in named:
            raise ValidationError(f"补正时只能更换部门要求补正的材料：{'、'.join(sorted(named)) or '无'}", field="file")
    elif app.status != "draft":
        raise ConflictError("申请已提交，不能再上传材料", field="status")
    if material.status == "waived" and not material.notice:
        raise ValidationError(f"「{material.name}」已免提交，无需上传", field="material_code")
    uploads.check_upload(content_type, content)
    digest = hashlib.sha256(content).hexdigest()
    upload = Upload(
        application_id=app.id,
        sha256=digest,
        size=len(content),
        content_type=content_type,
        content=content,
        uploaded_by=actor.id,
        uploaded_at=moment,
    )
    session.add(upload)
    session.flush()
    material.upload_id = upload.id
    material.file_name = uploads.safe_name(file_name)
    material.content_type = content_type
    material.size = len(content)
    material.sha256 = digest
    material.uploaded_at = moment
    material.status = "uploaded"
    _event(
        session,
        app,
        actor=actor,
        action="upload",
        label=f"上传材料「{material.name}」",
        now=moment,
        detail={"material": material_code, "sha256": digest},
    )
    session.commit()
    return material_read(material)


def upload_content(session: Session, *, actor: Actor, application_id: int, material_code: str) -> tuple[str, bytes]:
    """The content type and bytes of an uploaded material, for those who may read the application."""
    app = visible_application(session, actor, application_id)
    row = session.execute(
        select(Upload.content_type, Upload.content)
        .join(Material, Material.upload_id == Upload.id)
        .where(Material.application_id == app.id, Material.material_code == material_code)
    ).one_or_none()
    if row is None:
        raise NotFoundError("该材料尚未上传", field="material_code")
    return str(row[0]), bytes(row[1])


def _commitment_hash(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def sign_commitment(
    session: Session, *, actor: Actor, application_id: int, item_code: str, now: dt.datetime | None = None
) -> CommitmentRead:
    """Sign the item's 告知承诺 (text, signer, time and a SHA-256 recorded); its upload materials are then waived."""
    moment = moment_of(now)
    app = _own(session, actor, application_id)
    if app.status != "draft":
        raise ConflictError("申请已提交，不能再签署告知承诺", field="status")
    row = _item(session, app, item_code)
    existing = session.scalars(
        select(Commitment).where(Commitment.application_id == app.id, Commitment.item_code == item_code)
    ).one_or_none()
    if existing is not None:
        return commitment_read(existing, app.number)
    item = catalogue_item(session, item_code)
    if item.commitment is None or not item.commitment.allowed:
        raise ValidationError(f"「{row.item_name}」不适用告知承诺制", field="item_code")
    text = item.commitment.text
    signed_at = moment.astimezone(dt.UTC).isoformat()
    commitment = Commitment(
        application_id=app.id,
        item_code=item_code,
        department_code=item.commitment.check_department,
        text=text,
        signer_account_id=actor.id,
        signer_name=app.applicant_name,
        signed_at=moment,
        sha256=_commitment_hash(app.number, item_code, text, actor.id, app.applicant_name, signed_at),
        status="signed",
        finding="",
    )
    session.add(commitment)
    for material in materials_of(session, app):
        if material.status == "needed" and item_code in material.item_codes and len(material.item_codes) == 1:
            material.status = "waived"
            material.waived_reason = "免提交：申请人已签署告知承诺，由部门事后核查"
    _event(session, app, actor=actor, action="sign_commitment", label="签署告知承诺", now=moment, item_code=item_code)
    try:
        session.commit()
    except Exception as exc:
        session.rollback()
        again = session.scalars(
            select(Commitment).where(Commitment.application_id == app.id, Commitment.item_code == item_code)
        ).one_or_none()
        if again is None:
            raise
        log.info("onestop_commitment_signed_concurrently", application_id=app.id, error=type(exc).__name__)
        return commitment_read(again, app.number)
    return commitment_read(commitment, app.number)


# --- submit --------------------------------------------------------------------------------------------------------


def _applicant_actor(actor: Actor) -> Actor:
    """The applicant as the process sees them: their roles plus the definition's ``applicant`` role."""
    return replace(actor, roles=actor.roles | {"applicant"})


def _check_materials(session: Session, app: Application) -> None:
    for material in materials_of(session, app):
        if material.required and material.status == "needed":
            raise ValidationError(f"请上传「{material.name}」", field=f"materials.{material.material_code}")


def submit_application(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    form_data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    commitments: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> ApplicationRead:
    """Submit the draft (or resubmit after 补正): validate, start one workflow case, decide 秒批 items at once.

    Idempotent: submitting an application that is already submitted (a retry, a double click, a concurrent
    request) returns it unchanged; exactly one workflow case is ever started for it.
    """
    moment = moment_of(now)
    app = _own(session, actor, application_id)
    if app.status in {"submitted", "completed"}:
        return read_application(session, app, actor=actor)
    if expected_version is not None:
        _check_version(app, expected_version)
    for item_code in commitments:
        sign_commitment(session, actor=actor, application_id=app.id, item_code=item_code, now=moment)
    spec = catalogue_spec(session, kind=app.kind, code=app.code)
    data = _merge_form(session, app, spec.form_schema, form_data or {})
    forms.validate_form(spec.form_schema, data)
    _check_materials(session, app)
    if app.status == "correction":
        return _resubmit(session, actor=actor, app=app, data=data, now=moment)
    return _first_submit(session, actor=actor, app=app, spec=spec, data=data, now=moment)


def _first_submit(
    session: Session, *, actor: Actor, app: Application, spec: Spec, data: dict[str, Any], now: dt.datetime
) -> ApplicationRead:
    workflow = _workflow()
    ensure_definition(session)
    application_id = app.id
    calendar = work_calendar()
    items = items_of(session, app)
    longest = max([i.promised_days for i in items] + [spec.bundle.merged_promised_days if spec.bundle else 0])
    # The case's 承诺时限 is counted once, by the engine (whose queue shows it); the application keeps its answer.
    limit = TimeLimit(max(longest, 1), TimeUnit.WORKING_DAYS)
    # End the read transaction first: the claim below must be the transaction's first statement so that SQLite
    # takes its write lock at once (a concurrent submit then waits instead of failing on a stale snapshot).
    session.rollback()
    claim = (
        update(Application)
        .where(Application.id == application_id, Application.status == "draft")
        .values(
            status="submitted",
            form_data=data,
            submitted_at=now,
            updated_at=now,
            version=Application.version + 1,
        )
    )
    if not _claimed(session, claim):
        session.rollback()
        log.info("onestop_submit_repeated", application_id=application_id)
        return get_application(session, actor=actor, application_id=application_id)
    app = load_application(session, application_id)
    session.refresh(app)
    for row in items_of(session, app):
        row.status = "pending"
        row.due_at = add_working_days(now, max(row.promised_days, 1), calendar=calendar)
    _event(session, app, actor=actor, action="submit", label="提交申请", now=now)
    started = workflow.start_instance(
        session,
        actor=_applicant_actor(actor),
        definition_key=DEFINITION_KEY,
        subject_ref=f"onestop:{app.id}",
        title=f"{app.name}（{app.number}）",
        data={
            "items": [{"key": i.item_code, "unit": i.department_code, "label": i.item_name} for i in items],
            "application_id": app.id,
            "application_number": app.number,
            "district_code": app.district_code,
            "street_code": app.street_code,
        },
        time_limit=limit,
        now=now,
        calendar=calendar,
    )  # commits the claim, the items and the case together
    app.workflow_instance_id = started.id
    app.due_at = started.due_at
    session.commit()
    _distribute_and_decide(session, app=app, spec=spec, actor=actor, version=started.version, now=now)
    log.info("onestop_submitted", application_id=app.id, instance_id=started.id)
    return read_application(session, load_application(session, application_id), actor=actor)


def _distribute_and_decide(
    session: Session, *, app: Application, spec: Spec, actor: Actor, version: int, now: dt.datetime
) -> None:
    """Open one branch per item, decide the 秒批 items, and close the case if nothing is left to decide."""
    # Recorded with the distribution (the engine's commit commits it): an application submitted a while ago
    # without this step is one the repair job must finish.
    version = _act(
        session,
        app,
        actor=SYSTEM_ACTOR,
        action="distribute",
        label="分送各部门并联办理",
        version=version,
        now=now,
        calendar=work_calendar(),
    )
    for item in spec.items:
        if item.instant_rules:
            version = _instant(session, app=app, actor=actor, item=item, version=version, now=now)
    _complete_if_done(session, app=app, version=version, now=now)


_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_PHONE = re.compile(r"^1\d{10}$")


def _masked_trace_line(line: dict[str, Any]) -> dict[str, Any]:
    """A rule trace is shown to the applicant, the department and over the API: never keep an identifier in clear."""
    for key in ("actual", "required"):
        value = line.get(key)
        if isinstance(value, str) and _ID_NUMBER.match(value):
            line[key] = mask_id_number(value)
        elif isinstance(value, str) and _PHONE.match(value):
            line[key] = mask_phone(value)
    return line


def _instant(session: Session, *, app: Application, actor: Actor, item: ItemOut, version: int, now: dt.datetime) -> int:
    """秒批: evaluate the item's rules on fresh facts; all pass → approve and issue, else manual review with trace."""
    types = sorted({r.fact.split(".")[1] for r in item.instant_rules if r.fact.startswith("certificates.")})
    gathered = _gather(
        session, actor=actor, subject=item.subject, purpose=INSTANT_PURPOSE, today=now.date(), cert_types=types
    )
    fact_module.form_facts(gathered.facts, app.form_data or {})
    verdict = rules.evaluate(item.instant_rules, gathered.facts)
    row = _item(session, app, item.code)
    row.rule_trace = [_masked_trace_line(r.model_dump(mode="json")) for r in verdict.trace]
    if not verdict.approved:
        row.decision_reason = verdict.summary()
        _event(
            session,
            app,
            actor=SYSTEM_ACTOR,
            action="instant_review",
            label="秒批未通过，转人工审核",
            now=now,
            item_code=item.code,
            detail={"failed": [r.rule_id for r in verdict.failed], "missing": [r.rule_id for r in verdict.missing]},
        )
        session.commit()
        return version
    row.status, row.instant, row.decided_at, row.decided_by = "approved", True, now, SYSTEM_ACTOR.id
    row.accepted_at = now
    row.decision_reason = "秒批：全部规则通过"
    version = _act(
        session,
        app,
        actor=SYSTEM_ACTOR,
        action="instant_approve",
        label="秒批通过",
        branch=item.code,
        version=version,
        now=now,
    )
    _after_approval(session, app=app, row=row, now=now)
    return version


def _resubmit(
    session: Session, *, actor: Actor, app: Application, data: dict[str, Any], now: dt.datetime
) -> ApplicationRead:
    """补正 done: the named materials must have been uploaded again; the branches go back to review."""
    corrections = _open_corrections(session, app)
    materials = {m.material_code: m for m in materials_of(session, app)}
    for correction in corrections:
        for code in correction.materials:
            material = materials.get(code)
            requested = as_utc(correction.requested_at)
            if material is None or material.uploaded_at is None or as_utc(material.uploaded_at) < requested:
                name = material.name if material else code
                raise ValidationError(f"请按补正要求重新上传「{name}」", field=f"materials.{code}")
    app.form_data = data
    app.status = "submitted"
    app.updated_at = now
    items = {i.item_code: i for i in items_of(session, app)}
    for correction in corrections:
        correction.resolved_at = now
        row = items[correction.item_code]
        row.status = "accepted"
    branches = sorted({c.item_code for c in corrections})
    _event(session, app, actor=actor, action="resubmit", label="补正后重新提交", now=now, detail={"items": branches})
    try:
        session.flush()
    except Exception:
        session.rollback()
        raise
    version = _instance_version(session, app)
    for code in branches:
        # One timeline entry for the resubmission; the first call commits this function's changes with the case's.
        version = _act(
            session, app, actor=_applicant_actor(actor), action="resubmit", branch=code, version=version, now=now
        )
    return read_application(session, app, actor=actor)


def _instance_version(session: Session, app: Application) -> int:
    if app.workflow_instance_id is None:
        raise ConflictError("申请尚未进入办理流程", field="status")
    view = _workflow().get_instance_view(session, actor=SYSTEM_ACTOR, instance_id=app.workflow_instance_id)
    return int(view.instance.version)


# --- department decisions ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Decision:
    """A department's decision on its item: the case action, the item statuses it applies to and the one it sets."""

    action: str
    label: str  # in the timeline and in messages
    applies_to: tuple[str, ...]
    new_status: str
    needs_reason: bool = False
    final: bool = False  # decides the item: who and why are recorded, and the application may be complete


_ACCEPT = _Decision("accept", "受理", ("pending",), "accepted")
_APPROVE = _Decision("approve", "准予", ("accepted",), "approved", final=True)
_REJECT = _Decision("reject", "不予", ("pending", "accepted"), "rejected", needs_reason=True, final=True)
_CORRECTION = _Decision("request_correction", "要求补正", ("pending", "accepted"), "correction", needs_reason=True)


def _decide(
    session: Session,
    actor: Actor,
    decision: _Decision,
    application_id: int,
    item_code: str,
    *,
    reason: str = "",
    comment: str = "",
    now: dt.datetime | None,
    correction: tuple[list[str], list[str]] | None = None,
) -> DecisionResult:
    """Claim the item for ``decision`` (409 when someone decided first), record it and take it on the case."""
    moment = moment_of(now)
    app = visible_application(session, actor, application_id, "write")
    row = _item(session, app, item_code)
    if actor.department != row.department_code and not actor.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDeniedError(f"「{row.item_name}」由{row.department_code}办理，您不能处理", field="item_code")
    if decision.needs_reason and not reason.strip():
        raise ValidationError(f"「{decision.label}」须填写原因", field="reason")
    if row.status not in decision.applies_to:
        raise ConflictError(
            f"「{row.item_name}」当前为{ITEM_STATUS_LABELS.get(row.status, row.status)}，"
            f"不能{decision.label}（可能已被他人处理）",
            field="item_code",
        )
    version = _instance_version(session, app)
    # Claim the item: a concurrent decision on it finds the status changed and gets a 409, not a second decision.
    claim = (
        update(ApplicationItem)
        .where(ApplicationItem.id == row.id, ApplicationItem.status == row.status)
        .values(status=decision.new_status)
    )
    if not _claimed(session, claim):
        session.rollback()
        raise ConflictError("该事项已被他人处理，请刷新后重试", field="item_code")
    session.refresh(row)
    if decision is _ACCEPT:
        row.accepted_at = moment
    if decision.final:
        row.decided_at, row.decided_by = moment, actor.id
        row.decision_reason = reason or comment
    detail: dict[str, Any] = {"reason": reason} if reason else {}
    if correction is not None:
        fields, materials = correction
        session.add(
            Correction(
                application_id=app.id,
                item_code=item_code,
                department_code=row.department_code,
                reason=reason,
                fields=fields,
                materials=materials,
                requested_by=actor.id,
                requested_at=moment,
            )
        )
        app.status = "correction"
        app.updated_at = moment
        detail |= {"fields": fields, "materials": materials}
    version = _act(
        session,
        app,
        actor=actor,
        action=decision.action,
        label=decision.label,
        detail=detail,
        branch=item_code,
        version=version,
        reason=reason or None,
        comment=comment or None,
        now=moment,
    )  # commits the claim and the case together (rolls both back on a conflict)
    certificate = _after_approval(session, app=app, row=row, now=moment) if decision is _APPROVE else None
    if decision.final:
        _complete_if_done(session, app=app, version=version, now=moment)
    return DecisionResult(
        application=read_application(session, load_application(session, application_id), actor=actor),
        item_code=item_code,
        action=decision.action,
        certificate_number=certificate,
    )


def accept_item(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    item_code: str,
    comment: str = "",
    now: dt.datetime | None = None,
) -> DecisionResult:
    """受理: the item's department takes the application in (409 when someone decided first)."""
    return _decide(session, actor, _ACCEPT, application_id, item_code, comment=comment, now=now)


def approve_item(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    item_code: str,
    comment: str = "",
    now: dt.datetime | None = None,
) -> DecisionResult:
    """准予: approve the department's item; its certificate is issued when the item has a result type."""
    return _decide(session, actor, _APPROVE, application_id, item_code, comment=comment, now=now)


def reject_item(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    item_code: str,
    reason: str,
    now: dt.datetime | None = None,
) -> DecisionResult:
    """不予: reject the department's item with a reason."""
    return _decide(session, actor, _REJECT, application_id, item_code, reason=reason, now=now)


def request_correction(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    item_code: str,
    reason: str,
    fields: Sequence[str] = (),
    materials: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> DecisionResult:
    """补正: name the form fields and materials to fix; the application returns to the applicant."""
    app = visible_application(session, actor, application_id, "write")
    spec = catalogue_spec(session, kind=app.kind, code=app.code)
    known_fields = set(forms.form_fields(spec.form_schema))
    known_materials = {m.material_code for m in materials_of(session, app)}
    bad_fields = [f for f in fields if f not in known_fields]
    if bad_fields:
        raise ValidationError(f"申请表中没有字段：{'、'.join(bad_fields)}", field="fields")
    bad_materials = [m for m in materials if m not in known_materials]
    if bad_materials:
        raise ValidationError(f"该申请没有材料：{'、'.join(bad_materials)}", field="materials")
    if not fields and not materials:
        raise ValidationError("请指明需要补正的字段或材料", field="fields")
    for code in materials:
        row = session.scalars(
            select(Material).where(Material.application_id == app.id, Material.material_code == code)
        ).one()
        if row.status == "waived":
            row.notice = "部门要求补正，请上传"
    named = (list(dict.fromkeys(fields)), list(dict.fromkeys(materials)))
    return _decide(session, actor, _CORRECTION, application_id, item_code, reason=reason, now=now, correction=named)


# --- results: certificates, commitments, completion ----------------------------------------------------------------


def _after_approval(session: Session, *, app: Application, row: ApplicationItem, now: dt.datetime) -> str | None:
    """Issue the certificate (idempotent) and schedule the post-check of a 告知承诺."""
    commitment = session.scalars(
        select(Commitment).where(Commitment.application_id == app.id, Commitment.item_code == row.item_code)
    ).one_or_none()
    number = _issue_certificate(session, app=app, row=row, now=now)
    if commitment is not None and commitment.status == "signed":
        item = catalogue_item(session, row.item_code)
        days = item.commitment.post_check_days if item.commitment else 20
        commitment.status = "pending_check"
        try:
            commitment.post_check_due_at = add_working_days(now, days, calendar=work_calendar())
            how = f"{days}个工作日内"
        except CalendarNotCoveredError:
            # Next year's holidays are not published yet: the approval must not fail for a check weeks away, so
            # the due date is the same number of weeks in natural days, and the timeline says so.
            commitment.post_check_due_at = now + dt.timedelta(days=days * 7 // 5 + 1)
            how = f"{days}个工作日内，日历未覆盖，按自然日折算"
        commitment.certificate_number = number
        row.by_commitment = True
        _event(
            session,
            app,
            actor=SYSTEM_ACTOR,
            action="schedule_post_check",
            label=f"告知承诺事后核查（{how}）",
            now=now,
            item_code=row.item_code,
        )
    session.commit()
    return number


def _issue_certificate(session: Session, *, app: Application, row: ApplicationItem, now: dt.datetime) -> str | None:
    if not row.result_type or row.certificate_number:
        return row.certificate_number
    holder = app.applicant_id_number if app.applicant_kind == "person" else app.applicant_uscc
    if holder is None:
        return None
    item = catalogue_item(session, row.item_code)
    issued = PORTS.certificates.issue(
        session,
        actor=SYSTEM_ACTOR,
        data=CertificateIssue(
            cert_type=row.result_type,
            cert_name=item.result_name,
            holder_kind=HolderKind.PERSON if app.applicant_kind == "person" else HolderKind.ENTERPRISE,
            holder_id=holder,
            holder_name=app.applicant_name,
            issuing_department=row.department_code,
            district_code=app.district_code,
            data={"事项": row.item_name, "申请编号": app.number},
            source_ref=f"onestop:application:{app.id}",
            idempotency_key=f"onestop:{app.id}:{row.item_code}",
        ),
    )
    row.certificate_number = issued.number
    _event(
        session,
        app,
        actor=SYSTEM_ACTOR,
        action="issue_certificate",
        label=f"签发电子证照「{issued.cert_name}」",
        now=now,
        item_code=row.item_code,
        detail={"number": issued.number},
    )
    return issued.number


def _complete_if_done(session: Session, *, app: Application, version: int, now: dt.datetime) -> None:
    """When every item is decided: close the case (办结), set the outcome, notify the applicant."""
    session.refresh(app)
    items = items_of(session, app)
    if app.status == "completed" or any(i.status not in {"approved", "rejected"} for i in items):
        return
    approved = sum(1 for i in items if i.status == "approved")
    outcome = "approved" if approved == len(items) else ("rejected" if approved == 0 else "partial")
    app.status, app.outcome, app.completed_at, app.updated_at = "completed", outcome, now, now
    result_text = {"approved": "准予办理", "rejected": "不予办理", "partial": "部分准予"}[outcome]
    _notify_applicant(
        session,
        app,
        template_key="completed",
        key="completed",
        variables={"service_name": app.name, "case_no": app.number, "result": result_text},
        by=SYSTEM_ACTOR,
    )
    certificates = tuple(i.certificate_number for i in items if i.certificate_number)
    workflow_events.record(
        session,
        ApplicationCompleted(
            instance_id=app.workflow_instance_id or 0,
            definition_key=DEFINITION_KEY,
            subject_ref=f"onestop:{app.id}",
            at=now,
            application_id=app.id,
            application_number=app.number,
            code=app.code,
            outcome=outcome,
            applicant_account_id=app.applicant_account_id,
            certificates=certificates,
        ),
    )
    _act(
        session,
        app,
        actor=SYSTEM_ACTOR,
        action="complete",
        label="办结",
        detail={"outcome": outcome},
        version=version,
        now=now,
    )  # commits the completion with the case's


def record_commitment_check(
    session: Session,
    *,
    actor: Actor,
    commitment_id: int,
    truthful: bool,
    finding: str,
    now: dt.datetime | None = None,
) -> CommitmentRead:
    """Record the post-check; a false commitment revokes the certificate, notifies and emits CommitmentFoundFalse."""
    moment = moment_of(now)
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFoundError(f"告知承诺 {commitment_id} 不存在", field="commitment_id")
    app = load_application(session, commitment.application_id)
    ref = replace(resource_refs(session, app)[0], owner_department=commitment.department_code)
    access.authorize(actor, ref, "write", not_found=f"告知承诺 {commitment_id} 不存在")
    # The applicant owns the application and so may "write" it, but checking one's own commitment is the
    # checking department's job alone.
    if actor.department != commitment.department_code and not actor.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDeniedError("只有核查部门可以记录告知承诺核查结果", field="commitment_id")
    if not finding.strip():
        raise ValidationError("请填写核查结果", field="finding")
    if commitment.status != "pending_check":
        raise ConflictError("该告知承诺已核查或尚未生效，请刷新后重试", field="commitment_id")
    claim = (
        update(Commitment)
        .where(Commitment.id == commitment.id, Commitment.status == "pending_check")
        .values(
            status="confirmed" if truthful else "false",
            checked_at=moment,
            checked_by=actor.id,
            finding=finding.strip(),
        )
    )
    if not _claimed(session, claim):
        session.rollback()
        raise ConflictError("该告知承诺已被他人核查，请刷新后重试", field="commitment_id")
    session.refresh(commitment)
    item = _item(session, app, commitment.item_code)
    label = "告知承诺核查属实" if truthful else "告知承诺核查不实，撤销电子证照"
    _event(
        session,
        app,
        actor=actor,
        action="post_check",
        label=label,
        now=moment,
        item_code=item.item_code,
        detail={"truthful": truthful, "finding": finding.strip()},
    )
    if not truthful:
        _false_commitment(session, app=app, item=item, commitment=commitment, actor=actor, now=moment)
    session.commit()
    return commitment_read(commitment, app.number)


def _false_commitment(
    session: Session,
    *,
    app: Application,
    item: ApplicationItem,
    commitment: Commitment,
    actor: Actor,
    now: dt.datetime,
) -> None:
    _notify_applicant(
        session,
        app,
        template_key="commitment_found_false",
        key=f"{item.item_code}:commitment-false",
        variables={
            "service_name": item.item_name,
            "case_no": app.number,
            "finding": commitment.finding,
            "certificate": f"（{item.certificate_number}）" if item.certificate_number else "",
        },
        by=actor,
    )
    workflow_events.record(
        session,
        CommitmentFoundFalse(
            instance_id=app.workflow_instance_id or 0,
            definition_key=DEFINITION_KEY,
            subject_ref=f"onestop:{app.id}",
            at=now,
            application_id=app.id,
            application_number=app.number,
            applicant_kind=app.applicant_kind,
            applicant_id=app.applicant_id_number or app.applicant_uscc or "",
            applicant_name=app.applicant_name,
            applicant_account_id=app.applicant_account_id,
            item_code=item.item_code,
            item_name=item.item_name,
            commitment_text=commitment.text,
            commitment_sha256=commitment.sha256,
            signed_at=as_utc(commitment.signed_at),
            finding=commitment.finding,
            check_department=commitment.department_code,
            checked_by=actor.id,
            checked_at=now,
            revoked_certificate=item.certificate_number,
        ),
    )
    if item.certificate_number:
        PORTS.certificates.revoke(  # in this transaction: the finding, notice, event and revocation commit together
            session,
            actor=SYSTEM_ACTOR,
            number=item.certificate_number,
            reason=f"告知承诺经核查不实（{app.number}）：{commitment.finding}"[:500],
        )


# --- rating ---------------------------------------------------------------------------------------------------------


def rate_application(
    session: Session,
    *,
    actor: Actor,
    application_id: int,
    level: int,
    comment: str = "",
    indicators: dict[str, int] | None = None,
) -> RatingRead:
    """好差评 of a completed application; the rated department is the item's (a bundle's lead department)."""
    from yiwang.ratings import services as ratings  # noqa: PLC0415 - ratings is only needed here

    app = _own(session, actor, application_id)
    if app.status != "completed":
        raise ValidationError("办结后才能评价", field="application_id")
    rating = ratings.submit_rating(
        session,
        actor=actor,
        subject_ref=f"onestop:{app.number}",
        department_code=app.lead_department,
        unit_code=app.lead_department,
        channel="online",
        level=level,
        indicators=indicators,
        comment=comment,
        service_name=app.name,
    )
    app = load_application(session, application_id)
    if app.rating_id is None:
        app.rating_id = rating.id
        _event(session, app, actor=actor, action="rate", label="评价服务", now=utcnow(), detail={"level": level})
        _commit(session)
    return rating


# --- background jobs: post-check reminders and repair --------------------------------------------------------------

CITY_TZ = ZoneInfo("Asia/Shanghai")
POST_CHECK_REMIND_AHEAD = dt.timedelta(days=3)
"""A checking department is reminded of a 告知承诺 post-check this long before it falls due (or once overdue)."""
REPAIR_GRACE = dt.timedelta(minutes=5)
"""A submission younger than this may still be distributing in its own request: the repair job leaves it alone."""


@dataclass(frozen=True, slots=True)
class RepairReport:
    """What one repair run did: cases re-linked, applications distributed, and those it could not repair."""

    relinked: int = 0
    distributed: int = 0
    unresolved: tuple[int, ...] = ()


def remind_due_post_checks(
    session: Session, *, now: dt.datetime | None = None, ahead: dt.timedelta = POST_CHECK_REMIND_AHEAD, limit: int = 500
) -> int:
    """Remind each checking department of its post-checks due within ``ahead`` (or overdue), once per commitment.

    Idempotent: a commitment is claimed by setting ``reminded_at`` and the notice carries a per-commitment
    idempotency key, so two workers running at once send one notice. Returns the number of notices queued.
    """
    from yiwang.notify import services as notify  # noqa: PLC0415 - only the reminder job notifies here

    moment = as_utc(moment_of(now))
    rows = session.execute(
        select(Commitment, Application.number, ApplicationItem.item_name)
        .join(Application, Application.id == Commitment.application_id)
        .join(
            ApplicationItem,
            and_(
                ApplicationItem.application_id == Commitment.application_id,
                ApplicationItem.item_code == Commitment.item_code,
            ),
        )
        .where(
            Commitment.status == "pending_check",
            Commitment.reminded_at.is_(None),
            Commitment.post_check_due_at.is_not(None),
            Commitment.post_check_due_at <= moment + ahead,
        )
        .order_by(Commitment.post_check_due_at, Commitment.id)
        .limit(limit)
    ).all()
    if not rows:
        session.rollback()
        return 0
    names = department_names(session)
    sent = 0
    for commitment, number, item_name in rows:
        claim = update(Commitment).where(Commitment.id == commitment.id, Commitment.reminded_at.is_(None))
        if not _claimed(session, claim.values(reminded_at=moment)):
            continue  # another worker reminded it
        due = as_utc(commitment.post_check_due_at).astimezone(CITY_TZ) if commitment.post_check_due_at else None
        notify.enqueue(
            session,
            template_key="post_check_due",
            channel="inapp",
            recipient=notify.department_inbox(commitment.department_code),
            variables={
                "unit_name": names.get(commitment.department_code, commitment.department_code),
                "service_name": item_name,
                "case_no": number,
                "due_at": f"{due:%Y-%m-%d}" if due else "",
                "overdue": "（已超期）" if due is not None and due < moment else "",
            },
            idempotency_key=f"onestop:post-check:{commitment.id}:due",
            subject_ref=f"onestop:{commitment.application_id}",
            created_by=SYSTEM_ACTOR.id,
        )
        sent += 1
    session.commit()
    log.info("onestop_post_checks_reminded", count=sent)
    return sent


def _applicant_of(app: Application) -> Actor:
    """The applicant as the submit request acted (for the 秒批 facts a repaired submission still needs)."""
    role = Role.CITIZEN if app.applicant_kind == "person" else Role.ENTERPRISE_AGENT
    return Actor(
        id=app.applicant_account_id,
        department=None,
        role=role,
        display_name=app.applicant_name,
        roles=frozenset({role}),
        person_id_number=app.applicant_id_number,
        enterprise_uscc=app.applicant_uscc,
    )


def _case_due_at(session: Session, instance_id: int) -> dt.datetime | None:
    """The case's whole-process deadline as the engine counted it (the application shows the same moment)."""
    view = _workflow().get_instance_view(session, actor=SYSTEM_ACTOR, instance_id=instance_id)
    due: dt.datetime | None = view.instance.due_at
    return due


def _orphan_case(session: Session, app: Application) -> int | None:
    """The undistributed ``onestop`` case whose subject names the application (a submit that crashed), if any."""
    page = _workflow().list_queue(
        session,
        actor=SYSTEM_ACTOR,
        tab="todo",
        definition_key=DEFINITION_KEY,
        state="已提交",
        text=f"onestop:{app.id}",
        page_size=200,
    )
    found = [c.id for c in page.items if c.subject_ref == f"onestop:{app.id}"]
    return found[0] if found else None


def repair_unlinked_cases(
    session: Session, *, now: dt.datetime | None = None, grace: dt.timedelta = REPAIR_GRACE, limit: int = 100
) -> RepairReport:
    """Finish submissions interrupted between their writes (a crash, a killed worker).

    Submitting commits the claim and the new case together, then records the case's id on the application, then
    distributes it. An application submitted more than ``grace`` ago whose timeline lacks the distribution is
    finished here: its case (found by ``subject_ref``) is linked, distributed and its 秒批 items decided. Safe to
    run again and beside live requests (every step is conditional). Returns what it did.
    """
    moment = as_utc(moment_of(now))
    distributed = exists().where(
        ApplicationEvent.application_id == Application.id, ApplicationEvent.action == "distribute"
    )
    candidates = list(
        session.scalars(
            select(Application.id)
            .where(Application.status == "submitted", Application.submitted_at <= moment - grace, ~distributed)
            .order_by(Application.id)
            .limit(limit)
        )
    )
    session.rollback()
    relinked, done, unresolved = 0, 0, []
    for application_id in candidates:
        app = load_application(session, application_id)
        if app.workflow_instance_id is None:
            instance_id = _orphan_case(session, app)
            if instance_id is None:
                log.warning("onestop_repair_no_case", application_id=app.id)
                unresolved.append(app.id)
                session.rollback()
                continue
            link = (
                update(Application)
                .where(Application.id == app.id, Application.workflow_instance_id.is_(None))
                .values(workflow_instance_id=instance_id, due_at=_case_due_at(session, instance_id))
            )
            linked = _claimed(session, link)
            session.commit()
            session.refresh(app)
            relinked += int(linked)
        view = _workflow().get_instance_view(session, actor=SYSTEM_ACTOR, instance_id=app.workflow_instance_id)
        if view.instance.state != "已提交":
            # Distributed by the engine but not recorded here (an older submission): record it, nothing else.
            _event(session, app, actor=SYSTEM_ACTOR, action="distribute", label="分送各部门并联办理", now=moment)
            session.commit()
            continue
        spec = catalogue_spec(session, kind=app.kind, code=app.code)
        _event(session, app, actor=SYSTEM_ACTOR, action="repair", label="系统恢复中断的提交，继续分送办理", now=moment)
        try:
            _distribute_and_decide(
                session,
                app=app,
                spec=spec,
                actor=_applicant_of(app),
                version=int(view.instance.version),
                now=moment,
            )
        except ConflictError:
            session.rollback()  # a live request distributed it meanwhile: nothing left to repair
            continue
        done += 1
        log.info("onestop_repaired", application_id=app.id, instance_id=app.workflow_instance_id)
    return RepairReport(relinked=relinked, distributed=done, unresolved=tuple(unresolved))
