"""Internals that the one-stop use cases (``services``) and read side (``queries``) share.

The catalogue cache, loading an application with its access check, its items and materials, the catalogue's
specification of it, and the read model every use case returns. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from yiwang.catalogue.schemas import MATERIAL_SOURCE_LABELS, BundleOut, ItemOut, MaterialOut
from yiwang.db import as_utc, utcnow
from yiwang.identity import access, scopes
from yiwang.identity.scopes import Decision, ResourceKind, ResourceRef
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import NotFoundError
from yiwang.kernel.masking import mask_id_number, mask_name
from yiwang.onestop import forms
from yiwang.onestop.models import Application, ApplicationEvent, ApplicationItem, Commitment, Correction, Material
from yiwang.onestop.ports import PORTS
from yiwang.onestop.schemas import (
    APPLICATION_STATUS_LABELS,
    ITEM_STATUS_LABELS,
    MATERIAL_STATUS_LABELS,
    ApplicationItemRead,
    ApplicationRead,
    ApplicationSummary,
    CommitmentRead,
    CorrectionRead,
    MaterialRead,
    PrefilledField,
    RuleResult,
    TimelineEntry,
)

_T = TypeVar("_T")

OPEN_ITEM_STATUSES = ("pending", "accepted", "correction")


def moment_of(now: dt.datetime | None) -> dt.datetime:
    """The time a use case acts at: the one given (tests, jobs) or now."""
    return now or utcnow()


def work_calendar() -> Any:
    """The workflow engine's working-day calendar."""
    from yiwang.workflow import services as workflow  # noqa: PLC0415 - the engine is loaded on first use

    return workflow.get_calendar()


CATALOGUE_CACHE_SECONDS = 30.0
"""How long one session reuses what it read from the catalogue and the department directory.

A decision on a bundle reads its items several times (access, certificate, the answer's form); the catalogue
reads them with their bundles and departments each time. A session is one request (or one demo or job run), so
a catalogue change reaches the next request at once and a long-running session within half a minute.
"""
_CACHE_KEY = "onestop_reference_cache"


def _cached(session: Session, key: tuple[Any, ...], load: Callable[[], _T]) -> _T:
    cache: dict[tuple[Any, ...], tuple[float, Any]] = session.info.setdefault(_CACHE_KEY, {})
    hit = cache.get(key)
    moment = time.monotonic()
    if hit is not None and moment - hit[0] < CATALOGUE_CACHE_SECONDS:
        value: _T = hit[1]
        return value
    loaded = load()
    cache[key] = (moment, loaded)
    return loaded


def catalogue_item(session: Session, code: str) -> ItemOut:
    """The published item (cached for the session; the port decides what "the catalogue" is)."""
    port = PORTS.catalogue
    return _cached(session, ("item", id(port), code), lambda: port.item(session, code))


def catalogue_bundle(session: Session, code: str) -> BundleOut:
    """The published bundle (cached for the session)."""
    port = PORTS.catalogue
    return _cached(session, ("bundle", id(port), code), lambda: port.bundle(session, code))


def department_names(session: Session) -> dict[str, str]:
    from yiwang.registry import services as registry  # noqa: PLC0415 - registry imports identity, which is fine late

    return _cached(
        session,
        ("departments",),
        lambda: {d.code: d.name for d in registry.list_departments(session, with_counts=False)},
    )


def resource_refs(session: Session, app: Application) -> list[ResourceRef]:
    """The application as an access resource, once per department that handles one of its items."""
    departments = sorted(
        set(session.scalars(select(ApplicationItem.department_code).where(ApplicationItem.application_id == app.id)))
        | {app.lead_department}
    )
    base = ResourceRef(
        kind=ResourceKind.APPLICATION,
        district_code=app.district_code,
        street_code=app.street_code,
        person_id_number=app.applicant_id_number,
        enterprise_uscc=app.applicant_uscc,
        owner_account_id=app.applicant_account_id,
    )
    return [replace(base, owner_department=d) for d in departments]


def _authorize(session: Session, actor: Actor, app: Application, action: scopes.AccessAction) -> None:
    """Out of scope → "not found"; in scope but read-only → 403 (the best decision over the item departments)."""
    refs = resource_refs(session, app)
    decisions = [scopes.decide(actor, ref, action) for ref in refs]
    best = next(d for d in (Decision.ALLOWED, Decision.FORBIDDEN, Decision.HIDDEN) if d in decisions)
    access.authorize(actor, refs[decisions.index(best)], action, not_found=f"申请 {app.id} 不存在或无权查看")


def load_application(session: Session, application_id: int) -> Application:
    """The application row, without an access check (the caller has made one or acts as the system)."""
    app = session.get(Application, application_id)
    if app is None:
        raise NotFoundError(f"申请 {application_id} 不存在或无权查看", field="application_id")
    return app


def visible_application(
    session: Session, actor: Actor, application_id: int, action: scopes.AccessAction = "read"
) -> Application:
    """The application if ``actor`` may ``action`` it; out of scope is "not found", as if it did not exist."""
    app = load_application(session, application_id)
    _authorize(session, actor, app, action)
    return app


def items_of(session: Session, app: Application) -> list[ApplicationItem]:
    """The application's items in the order they were added."""
    return list(
        session.scalars(
            select(ApplicationItem).where(ApplicationItem.application_id == app.id).order_by(ApplicationItem.id)
        )
    )


def materials_of(session: Session, app: Application) -> list[Material]:
    """The application's materials in the order they were added."""
    return list(session.scalars(select(Material).where(Material.application_id == app.id).order_by(Material.id)))


@dataclass(frozen=True, slots=True)
class Spec:
    """What the catalogue says about the application: its form, materials and member items."""

    name: str
    lead_department: str
    subject: str
    form_schema: dict[str, Any]
    prefill: dict[str, str]
    materials: list[MaterialOut]
    items: list[ItemOut]
    bundle: BundleOut | None


def catalogue_spec(session: Session, *, kind: str, code: str) -> Spec:
    """The catalogue's specification of an item or a bundle (``kind``) by code."""
    if kind == "bundle":
        bundle = catalogue_bundle(session, code)
        members = [catalogue_item(session, c) for c in bundle.items]
        return Spec(
            name=bundle.name,
            lead_department=bundle.lead_department,
            subject=bundle.subject,
            form_schema=dict(bundle.form_schema),
            prefill=dict(bundle.prefill),
            materials=list(bundle.materials),
            items=members,
            bundle=bundle,
        )
    item = catalogue_item(session, code)
    views = list(item.material_views) or [MaterialOut(**m.model_dump()) for m in item.materials]
    return Spec(
        name=item.name,
        lead_department=item.department,
        subject=item.subject,
        form_schema=dict(item.form_schema),
        prefill=dict(item.prefill),
        materials=views,
        items=[item],
        bundle=None,
    )


def _masked_name(app: Application, actor: Actor) -> str:
    if actor.id == app.applicant_account_id or app.applicant_kind == "enterprise":
        return app.applicant_name
    return mask_name(app.applicant_name)


def _overdue(app: Application, now: dt.datetime) -> bool:
    return app.status in {"submitted", "correction"} and app.due_at is not None and as_utc(app.due_at) < now


def application_summary(
    app: Application, actor: Actor, items: Sequence[ApplicationItem], now: dt.datetime
) -> ApplicationSummary:
    """One row of a list: the applicant's name masked for everyone but themselves (an enterprise's is public)."""
    return ApplicationSummary(
        id=app.id,
        number=app.number,
        kind="bundle" if app.kind == "bundle" else "item",
        code=app.code,
        name=app.name,
        applicant_name=_masked_name(app, actor),
        status=app.status,
        status_label=APPLICATION_STATUS_LABELS.get(app.status, app.status),
        outcome=app.outcome,
        items=len(items),
        items_open=sum(1 for i in items if i.status in OPEN_ITEM_STATUSES),
        created_at=as_utc(app.created_at),
        submitted_at=as_utc(app.submitted_at) if app.submitted_at else None,
        completed_at=as_utc(app.completed_at) if app.completed_at else None,
        due_at=as_utc(app.due_at) if app.due_at else None,
        overdue=_overdue(app, now),
        version=app.version,
    )


def material_read(m: Material) -> MaterialRead:
    """A material as shown: its source, whether it is waived and why, and the uploaded file's fingerprint."""
    return MaterialRead(
        code=m.material_code,
        name=m.name,
        source=m.source,
        source_label=MATERIAL_SOURCE_LABELS.get(m.source, m.source),
        required=m.required,
        status=m.status,
        status_label=MATERIAL_STATUS_LABELS.get(m.status, m.status),
        waived_reason=m.waived_reason,
        provided_by=m.provided_by,
        certificate_number=m.certificate_number,
        notice=m.notice,
        item_codes=list(m.item_codes),
        file_name=m.file_name,
        size=m.size,
        sha256=m.sha256,
        uploaded_at=as_utc(m.uploaded_at) if m.uploaded_at else None,
    )


def commitment_read(c: Commitment, number: str) -> CommitmentRead:
    """A signed 告知承诺 with the application's ``number`` and its post-check."""
    return CommitmentRead(
        id=c.id,
        application_id=c.application_id,
        application_number=number,
        item_code=c.item_code,
        department_code=c.department_code,
        text=c.text,
        signer_name=c.signer_name,
        signed_at=as_utc(c.signed_at),
        sha256=c.sha256,
        status=c.status,
        post_check_due_at=as_utc(c.post_check_due_at) if c.post_check_due_at else None,
        checked_at=as_utc(c.checked_at) if c.checked_at else None,
        checked_by=c.checked_by,
        finding=c.finding,
        certificate_number=c.certificate_number,
    )


def read_application(session: Session, app: Application, *, actor: Actor) -> ApplicationRead:
    """The application in full as ``actor`` may see it (the caller has checked access)."""
    now = utcnow()
    items = items_of(session, app)
    names = department_names(session)
    try:
        spec: Spec | None = catalogue_spec(session, kind=app.kind, code=app.code)
    except NotFoundError:
        spec = None  # retired from the catalogue since: the application still reads
    commitment_texts = {
        i.code: i.commitment.text for i in (spec.items if spec else []) if i.commitment and i.commitment.allowed
    }
    form_schema = spec.form_schema if spec else {}
    prefilled = [
        PrefilledField(
            field=field,
            value=info.get("value"),
            fact=str(info.get("fact", "")),
            source_department=info.get("source"),
            source_label=str(info.get("label", "")),
        )
        for field, info in (app.prefill or {}).items()
    ]
    ask = [f for f in forms.form_fields(form_schema) if f not in (app.prefill or {})]
    corrections = session.scalars(
        select(Correction).where(Correction.application_id == app.id).order_by(Correction.id)
    ).all()
    commitments = session.scalars(
        select(Commitment).where(Commitment.application_id == app.id).order_by(Commitment.id)
    ).all()
    events = session.scalars(
        select(ApplicationEvent).where(ApplicationEvent.application_id == app.id).order_by(ApplicationEvent.id)
    ).all()
    summary = application_summary(app, actor, items, now)
    id_number = app.applicant_id_number
    return ApplicationRead(
        **summary.model_dump(),
        lead_department=app.lead_department,
        applicant_kind=app.applicant_kind,
        applicant_id_number=mask_id_number(id_number) if id_number else None,
        applicant_uscc=app.applicant_uscc,
        form_schema=form_schema,
        form_data=dict(app.form_data or {}),
        prefilled=prefilled,
        ask_fields=ask,
        materials=[material_read(m) for m in materials_of(session, app)],
        notices=list(app.notices or []),
        item_rows=[
            ApplicationItemRead(
                item_code=i.item_code,
                item_name=i.item_name,
                department_code=i.department_code,
                department_name=names.get(i.department_code, i.department_code),
                status=i.status,
                status_label=ITEM_STATUS_LABELS.get(i.status, i.status),
                promised_days=i.promised_days,
                due_at=as_utc(i.due_at) if i.due_at else None,
                instant=i.instant,
                rule_trace=[RuleResult.model_validate(r) for r in i.rule_trace or []],
                decision_reason=i.decision_reason,
                decided_by=i.decided_by,
                accepted_at=as_utc(i.accepted_at) if i.accepted_at else None,
                decided_at=as_utc(i.decided_at) if i.decided_at else None,
                result_type=i.result_type,
                certificate_number=i.certificate_number,
                by_commitment=i.by_commitment,
                commitment_text=commitment_texts.get(i.item_code),
            )
            for i in items
        ],
        corrections=[
            CorrectionRead(
                id=c.id,
                item_code=c.item_code,
                department_code=c.department_code,
                reason=c.reason,
                fields=list(c.fields),
                materials=list(c.materials),
                requested_by=c.requested_by,
                requested_at=as_utc(c.requested_at),
                resolved_at=as_utc(c.resolved_at) if c.resolved_at else None,
            )
            for c in corrections
        ],
        commitments=[commitment_read(c, app.number) for c in commitments],
        timeline=[
            TimelineEntry(
                at=as_utc(e.at),
                actor_id=e.actor_id if e.actor_kind != "applicant" or actor.id == e.actor_id else "申请人",
                actor_kind=e.actor_kind,
                department_code=e.department_code,
                item_code=e.item_code,
                action=e.action,
                label=e.label,
                detail=dict(e.detail or {}),
            )
            for e in events
        ],
        certificates=[i.certificate_number for i in items if i.certificate_number],
        workflow_instance_id=app.workflow_instance_id,
        rating_id=app.rating_id,
        can_rate=app.status == "completed" and app.rating_id is None and actor.id == app.applicant_account_id,
        trips=app.trips,
    )
