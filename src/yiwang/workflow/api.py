"""HTTP JSON API of the workflow engine (prefix ``/api/workflow``): definitions, instances, actions, queues."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from yiwang.web.deps import ActorDep, SessionDep, SettingsDep
from yiwang.workflow import services
from yiwang.workflow.calendar import TimeLimit, TimeUnit, WorkCalendar
from yiwang.workflow.definitions import load_yaml
from yiwang.workflow.schemas import (
    ActionRequest,
    ActionResult,
    DefinitionOut,
    InstanceSummary,
    InstanceView,
    QueuePage,
    StartRequest,
)

router = APIRouter(prefix="/api/workflow", tags=["workflow"])


def calendar_for(settings: Any) -> WorkCalendar:
    """The calendar with the override file named in the settings (``YIWANG_HOLIDAYS_FILE``), when set."""
    return services.get_calendar(getattr(settings, "holidays_file", None))


@router.get("/definitions", summary="流程定义列表（全部版本）")
def definitions(session: SessionDep) -> list[DefinitionOut]:
    """Every published definition version, newest first within each key."""
    return services.list_definitions(session)


@router.get("/definitions/{key}", summary="流程定义详情")
def definition(
    *, key: str, session: SessionDep, version: Annotated[int | None, Query(ge=1, description="版本，默认最新")] = None
) -> DefinitionOut:
    """One definition version with its body."""
    return services.get_definition(session, key=key, version=version)


@router.post("/definitions", summary="发布流程定义（YAML 或 JSON）", status_code=201)
async def publish(*, request: Request, session: SessionDep, actor: ActorDep) -> DefinitionOut:
    """Publish a definition sent as YAML or JSON.

    A changed body gets version+1; an unchanged one returns the current version with ``created: false``.
    """
    text = (await request.body()).decode("utf-8")
    body = load_yaml(text)  # YAML is a superset of JSON, so one parser reads both
    return services.publish_definition(session, actor=actor, body=body)


@router.post("/instances", summary="启动流程实例", status_code=201)
def start(*, body: StartRequest, session: SessionDep, actor: ActorDep, settings: SettingsDep) -> InstanceSummary:
    """Start a case on the latest version of a definition."""
    limit = (
        TimeLimit(body.time_limit_amount, TimeUnit(body.time_limit_unit))
        if body.time_limit_amount and body.time_limit_unit
        else None
    )
    return services.start_instance(
        session,
        actor=actor,
        definition_key=body.definition_key,
        subject_ref=body.subject_ref,
        title=body.title,
        data=body.data,
        priority=body.priority,
        time_limit=limit,
        calendar=calendar_for(settings),
    )


@router.get("/instances/{instance_id}", summary="流程实例详情（时间线、时限、可执行动作）")
def instance(*, instance_id: int, session: SessionDep, actor: ActorDep, settings: SettingsDep) -> InstanceView:
    """The case as the caller sees it."""
    return services.get_instance_view(session, actor=actor, instance_id=instance_id, calendar=calendar_for(settings))


@router.post("/instances/{instance_id}/actions/{action}", summary="执行动作（须带 expected_version，冲突返回 409）")
def act(
    *,
    instance_id: int,
    action: str,
    body: Annotated[ActionRequest, Body()],
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> ActionResult:
    """Take an action; a stale ``expected_version`` answers 409 「该事项已被他人处理，请刷新后重试」."""
    extension = (
        TimeLimit(body.extension_amount, TimeUnit(body.extension_unit))
        if body.extension_amount and body.extension_unit
        else None
    )
    return services.perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=action,
        expected_version=body.expected_version,
        comment=body.comment,
        reason=body.reason,
        data=body.data,
        assignee_unit=body.assignee_unit,
        assist_units=body.assist_units,
        attachments=body.attachments,
        branch=body.branch,
        extension=extension,
        calendar=calendar_for(settings),
    )


@router.get("/queue", summary="个人工作队列（待办/已办/超期）")
def queue(
    *,
    session: SessionDep,
    actor: ActorDep,
    tab: Annotated[services.Tab, Query(description="todo 待办 / done 已办 / overdue 超期")] = "todo",
    definition_key: Annotated[str | None, Query(max_length=64, description="流程")] = None,
    state: Annotated[str | None, Query(max_length=64, description="状态")] = None,
    overdue: Annotated[bool | None, Query(description="只看超期（true）或未超期（false）")] = None,
    text: Annotated[str | None, Query(max_length=100, description="标题或业务编号包含")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> QueuePage:
    """The caller's queue with filters and pagination."""
    return services.list_queue(
        session,
        actor=actor,
        tab=tab,
        definition_key=definition_key,
        state=state,
        overdue=overdue,
        text=text,
        page=page,
        page_size=page_size,
    )
