"""Server-rendered pages of the workflow engine: the personal work queue and the case page with its actions.

Both link a case to the record it is about (the appeal, the application) through ``workflow.subjects``, which the
contexts owning those records fill at app start.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yiwang.kernel.errors import ConflictError, NotFoundError, YiwangError
from yiwang.registry import services as registry_services
from yiwang.web.deps import ActorDep, SessionDep, SettingsDep, TemplatesDep
from yiwang.workflow import services, subjects
from yiwang.workflow.api import calendar_for
from yiwang.workflow.calendar import TimeLimit, TimeUnit
from yiwang.workflow.schemas import InstanceView

router = APIRouter(tags=["pages"])

TABS = (("todo", "待办"), ("done", "已办"), ("overdue", "超期"))
UNIT_CHOICES = tuple((u.value, u.label) for u in TimeUnit)


@router.get("/work", response_class=HTMLResponse, summary="个人工作队列页面")
def work_queue(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    tab: Annotated[services.Tab, Query()] = "todo",
    definition: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=64)] = None,
    overdue: Annotated[str | None, Query(max_length=1)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """待办/已办/超期 tabs with filters (流程, 状态, 超期, 关键词) and pagination."""
    result = services.list_queue(
        session,
        actor=actor,
        tab=tab,
        definition_key=(definition or "").strip() or None,
        state=(state or "").strip() or None,
        overdue=True if overdue == "1" else None,
        text=q,
        page=page,
    )
    # Department codes are shown by their short names; other units (street offices…) keep their code.
    unit_names = registry_services.department_names(session)
    return templates.TemplateResponse(
        request,
        "workflow/queue.html",
        {
            "result": result,
            "tab": tab,
            "tabs": TABS,
            "actor": actor,
            "filters": {"definition": definition or "", "state": state or "", "overdue": overdue == "1", "q": q or ""},
            "definitions": services.definition_choices(session),
            "priorities": services.PRIORITY_LABELS,
            # Only the link text per row: the record is looked up when the link is followed, not for every row.
            "subject_label": subjects.link_label,
            "unit_names": unit_names,
        },
    )


@router.get("/work/instances/{instance_id}", response_class=HTMLResponse, summary="事项办理页面")
def instance_page(
    *,
    request: Request,
    instance_id: int,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    settings: SettingsDep,
    msg: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Timeline, time-limit clock, branches and a form per allowed action."""
    view = services.get_instance_view(session, actor=actor, instance_id=instance_id, calendar=calendar_for(settings))
    context = _page_context(session, view, actor=actor, message=msg)
    return templates.TemplateResponse(request, "workflow/instance.html", context)


@router.get("/work/instances/{instance_id}/subject", summary="打开事项对应的业务记录（诉求、申请等）")
def instance_subject(*, instance_id: int, session: SessionDep, actor: ActorDep) -> RedirectResponse:
    """Redirect to the page of the case's record (the queue's 查看诉求 / 查看申请); 404 when it has none."""
    # The case must be visible to the caller, as on the case page; the record's page then checks its own scope.
    subject_ref = services.visible_subject_ref(session, actor=actor, instance_id=instance_id)
    link = subjects.link_for(session, subject_ref)
    if link is None:
        raise NotFoundError(f"事项 {instance_id} 没有可查看的业务记录（{subject_ref}）", field="instance_id")
    return RedirectResponse(link.href, status_code=303)


def _page_context(
    session: Session,
    view: InstanceView,
    *,
    actor: object,
    message: str | None = None,
    error: YiwangError | None = None,
    form: dict[str, str] | None = None,
) -> dict[str, object]:
    return {
        "view": view,
        "subject_link": subjects.link_for(session, view.instance.subject_ref),
        "actor": actor,
        "message": message,
        "error": error,
        "form": form or {},
        "unit_choices": UNIT_CHOICES,
        "priorities": services.PRIORITY_LABELS,
    }


@router.post("/work/instances/{instance_id}/actions/{action}", response_class=HTMLResponse, summary="提交办理动作")
def instance_action(
    *,
    request: Request,
    instance_id: int,
    action: str,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    settings: SettingsDep,
    expected_version: Annotated[int, Form()],
    comment: Annotated[str, Form(max_length=4000)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    assignee_unit: Annotated[str, Form(max_length=32)] = "",
    assist_units: Annotated[str, Form(max_length=400)] = "",
    attachments: Annotated[str, Form(max_length=2000)] = "",
    branch: Annotated[str, Form(max_length=64)] = "",
    extension_amount: Annotated[int | None, Form(gt=0)] = None,
    extension_unit: Annotated[str, Form(max_length=16)] = "working_days",
) -> Response:
    """Post an action; success redirects back to the case, a refusal re-renders it with the Chinese message."""
    calendar = calendar_for(settings)
    extension = None
    if extension_amount and extension_unit in {u.value for u in TimeUnit}:
        extension = TimeLimit(extension_amount, TimeUnit(extension_unit))
    try:
        result = services.perform_action(
            session,
            actor=actor,
            instance_id=instance_id,
            action=action,
            expected_version=expected_version,
            comment=comment or None,
            reason=reason or None,
            assignee_unit=assignee_unit or None,
            assist_units=[u for u in assist_units.replace("，", ",").replace(" ", ",").split(",") if u],
            attachments=[a.strip() for a in attachments.splitlines() if a.strip()],
            branch=branch or None,
            extension=extension,
            calendar=calendar,
        )
    except YiwangError as exc:
        if exc.status_code == 404:  # noqa: PLR2004 - an invisible case is not rendered
            raise
        view = services.get_instance_view(session, actor=actor, instance_id=instance_id, calendar=calendar)
        form = {
            "action": action,
            "comment": comment,
            "reason": reason,
            "assignee_unit": assignee_unit,
            "assist_units": assist_units,
        }
        context = _page_context(session, view, actor=actor, error=exc, form=form)
        context["conflict"] = isinstance(exc, ConflictError)
        return templates.TemplateResponse(request, "workflow/instance.html", context, status_code=exc.status_code)
    message = quote(f"已完成「{result.label}」，当前状态：{result.instance.state_label}")
    return RedirectResponse(f"/work/instances/{instance_id}?msg={message}", status_code=303)
