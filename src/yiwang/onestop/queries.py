"""Read side of 一网通办: an application, the lists, the queue export, post-check tasks and 四个减.

Nothing here writes; access is checked as in ``services`` (``identity.access`` on ``ResourceKind.APPLICATION``).
Every name is also importable from ``yiwang.onestop.services``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from yiwang.db import as_utc, utcnow
from yiwang.identity import scopes
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import ResourceKind, ResourceRef, Role
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ValidationError
from yiwang.onestop import figures
from yiwang.onestop._shared import (
    application_summary,
    catalogue_bundle,
    catalogue_item,
    commitment_read,
    moment_of,
    read_application,
    visible_application,
    work_calendar,
)
from yiwang.onestop.models import Application, ApplicationEvent, ApplicationItem, Commitment, Material
from yiwang.onestop.schemas import (
    APPLICATION_STATUS_LABELS,
    ITEM_STATUS_LABELS,
    ApplicationPage,
    ApplicationRead,
    CommitmentPage,
    Savings,
)
from yiwang.workflow.calendar import working_seconds_between

WORKING_DAY_SECONDS = 8 * 3600


def get_application(session: Session, *, actor: Actor, application_id: int) -> ApplicationRead:
    """An application in full (form, materials with reasons, items with traces, 补正, timeline, certificates)."""
    app = visible_application(session, actor, application_id)
    return read_application(session, app, actor=actor)


def list_post_checks(
    session: Session,
    *,
    actor: Actor,
    status: str | None = "pending_check",
    due_only: bool = False,
    page: int = 1,
    page_size: int = 20,
    now: dt.datetime | None = None,
) -> CommitmentPage:
    """告知承诺 to check: the checking department's own (admins and city leaders see all), earliest due first."""
    moment = moment_of(now)
    page, page_size = max(page, 1), min(max(page_size, 1), 100)
    query = select(Commitment, Application.number).join(Application, Application.id == Commitment.application_id)
    if not (actor.has_role(Role.PLATFORM_ADMIN, *scopes.INTERNAL_ROLES) or _city_leader(actor)):
        if not actor.department:
            raise PermissionDeniedError("只有核查部门可以查看告知承诺核查任务", field="actor")
        query = query.where(Commitment.department_code == actor.department)
    if status:
        query = query.where(Commitment.status == status)
    if due_only:
        query = query.where(Commitment.post_check_due_at <= moment)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Commitment.post_check_due_at, Commitment.id).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return CommitmentPage(
        items=[commitment_read(c, number) for c, number in rows], total=total, page=page, page_size=page_size
    )


def _city_leader(actor: Actor) -> bool:
    return actor.has_role(Role.LEADER) and actor.district_code is None


def _page_args(page: int, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise ValidationError("页码须大于等于 1", field="page")
    if not 1 <= page_size <= 100:  # noqa: PLR2004 - the page size bound
        raise ValidationError("每页条数须在 1 到 100 之间", field="page_size")
    return page, page_size


def _paged(session: Session, actor: Actor, query: Any, page: int, page_size: int) -> ApplicationPage:
    page, page_size = _page_args(page, page_size)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    apps = list(
        session.scalars(
            query.order_by(Application.updated_at.desc(), Application.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    )
    by_app: dict[int, list[ApplicationItem]] = {a.id: [] for a in apps}
    if apps:
        for row in session.scalars(select(ApplicationItem).where(ApplicationItem.application_id.in_(list(by_app)))):
            by_app[row.application_id].append(row)
    now = utcnow()
    return ApplicationPage(
        items=[application_summary(a, actor, by_app[a.id], now) for a in apps],
        total=total,
        page=page,
        page_size=page_size,
    )


def list_my_applications(
    session: Session, *, actor: Actor, status: str | None = None, page: int = 1, page_size: int = 20
) -> ApplicationPage:
    """The actor's own applications, newest first (drafts included)."""
    query = select(Application).where(Application.applicant_account_id == actor.id)
    if status:
        query = query.where(Application.status == status)
    return _paged(session, actor, query, page, page_size)


def _queue_scope(actor: Actor) -> ColumnElement[bool] | None:
    """Which submitted applications the actor's scope covers (None: all), agreeing with ``_authorize``."""
    if actor.has_role(Role.PLATFORM_ADMIN, *scopes.INTERNAL_ROLES):
        return None
    clauses: list[ColumnElement[bool]] = [Application.applicant_account_id == actor.id]
    own = ResourceRef(
        kind=ResourceKind.APPLICATION,
        owner_department=actor.department,
        district_code=actor.district_code,
        street_code=actor.street_code,
    )
    if actor.department and scopes.can_read(actor, own):
        in_department = exists().where(
            ApplicationItem.application_id == Application.id, ApplicationItem.department_code == actor.department
        )
        area = [Application.district_code == actor.district_code] if actor.district_code else []
        clauses.append(and_(in_department, *area))
    if actor.has_role(Role.LEADER):
        if actor.district_code is None:
            return None
        clauses.append(Application.district_code == actor.district_code)
    return or_(*clauses)


def department_queue(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    q: str | None = None,
    code: str | None = None,
    overdue: bool = False,
    page: int = 1,
    page_size: int = 20,
) -> ApplicationPage:
    """Submitted applications the actor's department handles (leaders: their area; admins: all).

    ``status`` filters by the status of the actor's department's item (``pending`` 待受理, ``accepted`` 审查中,
    ``correction`` 待补正, ``approved``, ``rejected``) or, for those without a department, the application's.
    ``q`` searches the number, the service name and the applicant name.
    """
    query = select(Application).where(Application.status != "draft", Application.status != "withdrawn")
    scope = _queue_scope(actor)
    if scope is not None:
        query = query.where(scope)
    if status:
        if status not in {*ITEM_STATUS_LABELS, *APPLICATION_STATUS_LABELS}:
            raise ValidationError(f"未知的状态 {status}", field="status")
        if actor.department and status in ITEM_STATUS_LABELS:
            query = query.where(
                exists().where(
                    ApplicationItem.application_id == Application.id,
                    ApplicationItem.department_code == actor.department,
                    ApplicationItem.status == status,
                )
            )
        else:
            query = query.where(Application.status == status)
    if q and q.strip():
        text = f"%{q.strip()[:64]}%"
        query = query.where(
            or_(Application.number.ilike(text), Application.name.ilike(text), Application.applicant_name.ilike(text))
        )
    if code:
        query = query.where(Application.code == code)
    if overdue:
        query = query.where(Application.status.in_(["submitted", "correction"]), Application.due_at < utcnow())
    return _paged(session, actor, query, page, page_size)


def export_queue_csv(
    session: Session, *, actor: Actor, status: str | None = None, q: str | None = None, code: str | None = None
) -> Iterator[str]:
    """The department queue as CSV (UTF-8 with BOM for Excel), applicant names masked."""
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["申请编号", "事项/一件事", "申请人", "状态", "结果", "提交时间", "办结时间", "承诺办结时间"])
    page = 1
    while True:
        chunk = department_queue(session, actor=actor, status=status, q=q, code=code, page=page, page_size=100)
        for row in chunk.items:
            writer.writerow(
                [
                    row.number,
                    row.name,
                    row.applicant_name,
                    row.status_label,
                    row.outcome or "",
                    row.submitted_at.isoformat() if row.submitted_at else "",
                    row.completed_at.isoformat() if row.completed_at else "",
                    row.due_at.isoformat() if row.due_at else "",
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if page >= chunk.pages:
            return
        page += 1


def savings(session: Session, *, item_or_bundle_code: str) -> Savings:
    """四个减 of an item or bundle from its completed applications, against the catalogue's separate-item baseline.

    Steps: handling steps in each application's timeline (submit, 受理, 补正, decisions, 秒批). Time: working days
    from submission to completion. Materials: materials actually uploaded. Trips: recorded visits (0 online).
    """
    code = item_or_bundle_code.strip()
    if code.startswith("yjs-"):
        bundle = catalogue_bundle(session, code)
        kind, name, baseline = "bundle", bundle.name, bundle.baseline
    else:
        item = catalogue_item(session, code)
        kind, name, baseline = "item", item.name, item.baseline
    apps = list(session.scalars(select(Application).where(Application.code == code, Application.status == "completed")))
    ids = [a.id for a in apps]
    actions: dict[int, dict[str, int]] = {i: {} for i in ids}
    uploaded: dict[int, int] = dict.fromkeys(ids, 0)
    waived_total = 0
    if ids:
        for app_id, action, count in session.execute(
            select(ApplicationEvent.application_id, ApplicationEvent.action, func.count())
            .where(ApplicationEvent.application_id.in_(ids), ApplicationEvent.action.in_(figures.STEP_ACTIONS))
            .group_by(ApplicationEvent.application_id, ApplicationEvent.action)
        ):
            actions[app_id][str(action)] = int(count)
        for app_id, status, count in session.execute(
            select(Material.application_id, Material.status, func.count())
            .where(Material.application_id.in_(ids))
            .group_by(Material.application_id, Material.status)
        ):
            if status == "uploaded":
                uploaded[app_id] += int(count)
            elif status == "waived":
                waived_total += int(count)
    calendar = work_calendar()
    days = [
        max(working_seconds_between(as_utc(a.submitted_at), as_utc(a.completed_at), calendar=calendar), 0.0)
        / WORKING_DAY_SECONDS
        for a in apps
        if a.submitted_at and a.completed_at
    ]
    return Savings(
        code=code,
        kind="bundle" if kind == "bundle" else "item",
        name=name,
        completed_applications=len(apps),
        steps=figures.saving_figure(
            float(baseline.steps if baseline else 0), map(figures.count_steps, actions.values())
        ),
        time_days=figures.saving_figure(float(baseline.days if baseline else 0), days),
        materials=figures.saving_figure(float(baseline.materials if baseline else 0), uploaded.values()),
        trips=figures.saving_figure(float(baseline.trips if baseline else 0), [float(a.trips) for a in apps]),
        waived_materials=waived_total,
        uploaded_materials=sum(uploaded.values()),
        baseline_source=baseline.baseline_source if baseline else "",
        note="" if apps else "尚无办结的申请，实际值待产生办件数据后计算",
    )
