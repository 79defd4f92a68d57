"""Use cases of the workflow engine: publish definitions, start cases, take actions, queues and case pages.

Every service owns its transaction (commits on success) and writes a history row for each state change in
that same transaction. Concurrent changes are caught by the instance's ``version`` column: a caller passes the
version it saw, and a stale one — or a race lost at commit — gives ``ConflictError``. Domain events are recorded
on the session and published to subscribers after commit (:mod:`yiwang.workflow.events`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from yiwang.db import as_utc, utcnow
from yiwang.identity import access, scopes
from yiwang.identity.scopes import AccessAction, Decision, ResourceKind, ResourceRef
from yiwang.kernel.actor import SYSTEM_ACTOR, Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.workflow import engine
from yiwang.workflow import events as ev
from yiwang.workflow.calendar import (
    CITY_TZ,
    CalendarNotCoveredError,
    TimeLimit,
    TimeUnit,
    WorkCalendar,
    add_time_limit,
    describe_working_time,
    load_calendar,
    working_seconds_between,
)
from yiwang.workflow.definitions import (
    ActionDef,
    DefinitionError,
    Effect,
    ProcessDefinition,
    StateDef,
    StateKind,
    Timeout,
    TimeoutKind,
    builtin_bodies,
    checksum,
    parse_definition,
)
from yiwang.workflow.models import (
    WorkflowAssignment,
    WorkflowBranch,
    WorkflowDefinition,
    WorkflowEvent,
    WorkflowExtension,
    WorkflowInstance,
    WorkflowTimer,
)
from yiwang.workflow.schemas import (
    ActionOption,
    ActionResult,
    AssignmentOut,
    BranchOut,
    Clock,
    DefinitionOut,
    ExtensionOut,
    InstanceSummary,
    InstanceView,
    QueuePage,
    TimelineEntry,
)

CONFLICT_MESSAGE = "该事项已被他人处理，请刷新后重试"
PUBLISHER_ROLES = ("platform", "workflow_admin")
"""Roles that may publish process definitions."""
PRIORITY_LABELS = {0: "一般", 1: "紧急", 2: "特急"}
Tab = Literal["todo", "done", "overdue"]

_definition_cache: dict[tuple[str, int, str], ProcessDefinition] = {}


def get_calendar(holidays_file: str | None = None) -> WorkCalendar:
    """The platform's working-time calendar (package data, packaged overrides, and ``holidays_file``)."""
    return load_calendar(holidays_file)


# ---- definitions ------------------------------------------------------------------------------------------------


def _definition_out(row: WorkflowDefinition, *, created: bool = False, with_body: bool = False) -> DefinitionOut:
    return DefinitionOut(
        id=row.id,
        key=row.key,
        version=row.version,
        name=row.name,
        checksum=row.checksum,
        published_at=as_utc(row.published_at),
        published_by=row.published_by,
        created=created,
        body=dict(row.body) if with_body else None,
    )


def _latest_row(session: Session, key: str) -> WorkflowDefinition | None:
    return session.scalars(
        select(WorkflowDefinition).where(WorkflowDefinition.key == key).order_by(WorkflowDefinition.version.desc())
    ).first()


def _publish(session: Session, *, actor: Actor, body: Mapping[str, Any]) -> tuple[WorkflowDefinition, bool]:
    definition = parse_definition(body)
    digest = checksum(body)
    latest = _latest_row(session, definition.key)
    if latest is not None and latest.checksum == digest:
        return latest, False
    version = (latest.version + 1) if latest is not None else 1
    stored = {**body, "version": version}
    row = WorkflowDefinition(
        key=definition.key,
        version=version,
        name=definition.name,
        body=stored,
        checksum=digest,
        published_at=utcnow(),
        published_by=actor.id,
    )
    session.add(row)
    session.flush()
    return row, True


def publish_definition(session: Session, *, actor: Actor, body: Mapping[str, Any]) -> DefinitionOut:
    """Validate and publish a definition; a changed body becomes version+1, an unchanged one is a no-op.

    Running instances keep the version they started with.
    """
    if not actor.has_role(*PUBLISHER_ROLES):
        raise engine.ForbiddenError("发布流程定义需要平台管理员角色", field="definition")
    try:
        row, created = _publish(session, actor=actor, body=body)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError("同一流程定义正被他人同时发布，请重试", field="definition") from exc
    return _definition_out(row, created=created, with_body=True)


def ensure_builtin_definitions(session: Session, *, actor: Actor = SYSTEM_ACTOR) -> list[DefinitionOut]:
    """Publish the shipped definitions (``appeal``, ``bundle``, ``incident``) where they are new or changed."""
    results = []
    for body in builtin_bodies().values():
        row, created = _publish(session, actor=actor, body=body)
        results.append(_definition_out(row, created=created))
    session.commit()
    return results


def list_definitions(session: Session) -> list[DefinitionOut]:
    """Every published version, newest first within each key."""
    rows = session.scalars(
        select(WorkflowDefinition).order_by(WorkflowDefinition.key, WorkflowDefinition.version.desc())
    )
    return [_definition_out(row) for row in rows]


def get_definition(session: Session, *, key: str, version: int | None = None) -> DefinitionOut:
    """One definition version with its body (the latest when ``version`` is None)."""
    query = select(WorkflowDefinition).where(WorkflowDefinition.key == key)
    if version is not None:
        query = query.where(WorkflowDefinition.version == version)
    row = session.scalars(query.order_by(WorkflowDefinition.version.desc())).first()
    if row is None:
        raise NotFoundError(f"流程定义 {key}{f' 第 {version} 版' if version else ''} 不存在", field="key")
    return _definition_out(row, with_body=True)


def _model(row: WorkflowDefinition) -> ProcessDefinition:
    # Keyed by content, not row id: the same id can hold different definitions in different databases.
    key = (row.key, row.version, row.checksum)
    cached = _definition_cache.get(key)
    if cached is None:
        cached = parse_definition(row.body, version=row.version)
        _definition_cache[key] = cached
    return cached


def _model_by_id(session: Session, definition_id: int) -> ProcessDefinition:
    # Remembered per session: the identity map holds rows weakly, and a sweep asks once per timer.
    known: dict[int, ProcessDefinition] = session.info.setdefault("workflow_models", {})
    if definition_id not in known:
        row = session.get(WorkflowDefinition, definition_id)
        if row is None:
            raise NotFoundError("流程定义不存在", field="definition")
        known[definition_id] = _model(row)
    return known[definition_id]


# ---- helpers ----------------------------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return as_utc(now) if now is not None else utcnow()


def _due(start: dt.datetime, limit: TimeLimit, calendar: WorkCalendar) -> dt.datetime:
    return add_time_limit(start, limit, calendar=calendar).astimezone(dt.UTC)


def _snapshot(session: Session, inst: WorkflowInstance) -> engine.Snapshot:
    branches = list(session.scalars(select(WorkflowBranch).where(WorkflowBranch.instance_id == inst.id)))
    by_id = {b.id: b for b in branches}
    assignments = session.scalars(select(WorkflowAssignment).where(WorkflowAssignment.instance_id == inst.id))
    pending = session.scalar(
        select(func.count())
        .select_from(WorkflowExtension)
        .where(WorkflowExtension.instance_id == inst.id, WorkflowExtension.status == "pending")
    )
    return engine.Snapshot(
        state=inst.state,
        status=inst.status,
        state_entered_at=as_utc(inst.state_entered_at),
        assignments=tuple(
            engine.AssignmentView(
                unit_code=a.unit_code,
                role=a.role,
                active=a.active,
                branch_key=by_id[a.branch_id].key if a.branch_id in by_id else None,
                assigned_at=as_utc(a.assigned_at),
                signed_at=as_utc(a.signed_at) if a.signed_at else None,
            )
            for a in assignments
        ),
        branches=tuple(
            engine.BranchView(
                key=b.key,
                label=b.label,
                unit_code=b.unit_code,
                state=b.state,
                status=b.status,
                state_entered_at=as_utc(b.state_entered_at),
            )
            for b in branches
            if b.parallel_state == inst.state
        ),
        pending_extension=bool(pending),
    )


def _load_instance(session: Session, instance_id: int) -> WorkflowInstance:
    inst = session.get(WorkflowInstance, instance_id, populate_existing=True)
    if inst is None:
        raise NotFoundError(f"事项 {instance_id} 不存在或无权查看", field="instance_id")
    return inst


def _history(
    session: Session,
    inst: WorkflowInstance,
    *,
    actor: Actor,
    action: str,
    label: str,
    from_state: str | None,
    to_state: str | None,
    now: dt.datetime,
    comment: str | None = None,
    reason: str | None = None,
    attachments: Sequence[Any] = (),
    data: Mapping[str, Any] | None = None,
    branch: WorkflowBranch | None = None,
    timer_id: int | None = None,
) -> None:
    units = engine.actor_units(actor)
    session.add(
        WorkflowEvent(
            instance_id=inst.id,
            branch_id=branch.id if branch is not None else None,
            actor_id=actor.id,
            actor_role=actor.role,
            actor_unit=actor.department or next(iter(sorted(units)), None),
            action=action,
            label=label,
            from_state=from_state,
            to_state=to_state,
            comment=(comment or "").strip(),
            reason=(reason or "").strip(),
            attachments=[str(a) for a in attachments],
            data=dict(data or {}),
            timer_id=timer_id,
            at=now,
        )
    )


def _base_event(inst: WorkflowInstance, now: dt.datetime) -> dict[str, Any]:
    return {
        "instance_id": inst.id,
        "definition_key": inst.definition_key,
        "subject_ref": inst.subject_ref,
        "at": now,
    }


def _schedule(
    session: Session,
    inst: WorkflowInstance,
    *,
    scope: str,
    fire_at: dt.datetime,
    timeout: Timeout | None,
    state: str | None,
    branch: WorkflowBranch | None = None,
    kind: str | None = None,
) -> None:
    session.add(
        WorkflowTimer(
            instance_id=inst.id,
            branch_id=branch.id if branch is not None else None,
            kind=kind or engine.timer_kind(timeout or Timeout(TimeoutKind.NOTIFY)),
            scope=scope,
            state=state,
            effect=engine.timeout_text(timeout),
            fire_at=fire_at,
            attempts=0,
            last_error="",
            created_at=utcnow(),
        )
    )


def _cancel_timers(
    session: Session,
    inst: WorkflowInstance,
    now: dt.datetime,
    *,
    scope: str | None = None,
    branch: WorkflowBranch | None = None,
    keep: int | None = None,
) -> None:
    """Retire pending timers (``fired_at`` set with outcome ``cancelled``) of a scope, a branch, or all.

    ``keep`` is the timer being fired right now: the job runner marks it fired itself.
    """
    conditions: list[ColumnElement[bool]] = [
        WorkflowTimer.instance_id == inst.id,
        WorkflowTimer.fired_at.is_(None),
    ]
    if keep is not None:
        conditions.append(WorkflowTimer.id != keep)
    if scope is not None:
        conditions.append(WorkflowTimer.scope == scope)
    if branch is not None:
        conditions.append(WorkflowTimer.branch_id == branch.id)
    session.flush()  # timers scheduled earlier in this transaction must be visible to the UPDATE
    session.execute(
        update(WorkflowTimer)
        .where(*conditions)
        .values(fired_at=now, outcome="cancelled", locked_by=None, locked_until=None)
        .execution_options(synchronize_session=False)
    )


ASSIGNMENT_CACHE = "workflow_assignments"
"""``session.info`` key of the assignments preloaded for a batch of timers (instance id → rows)."""


def preload_for_timers(session: Session, instance_ids: Iterable[int]) -> list[object]:
    """Load the instances and assignments a batch of timers touches, in two queries instead of two per timer.

    Returns the loaded objects: the caller keeps them referenced for the batch (the identity map holds weakly).
    """
    ids = sorted(set(instance_ids))
    if not ids:
        return []
    instances = list(session.scalars(select(WorkflowInstance).where(WorkflowInstance.id.in_(ids))))
    assignments = list(
        session.scalars(
            select(WorkflowAssignment).where(WorkflowAssignment.instance_id.in_(ids)).order_by(WorkflowAssignment.id)
        )
    )
    cache: dict[int, list[WorkflowAssignment]] = {i: [] for i in ids}
    for assignment in assignments:
        cache[assignment.instance_id].append(assignment)
    session.info[ASSIGNMENT_CACHE] = cache
    return [*instances, *assignments]


def _add_assignment(session: Session, assignment: WorkflowAssignment) -> None:
    session.add(assignment)
    cache: dict[int, list[WorkflowAssignment]] | None = session.info.get(ASSIGNMENT_CACHE)
    if cache is not None and assignment.instance_id in cache:
        cache[assignment.instance_id].append(assignment)


def _active_assignments(
    session: Session, inst: WorkflowInstance, *, branch_id: int | None = None
) -> list[WorkflowAssignment]:
    cache: dict[int, list[WorkflowAssignment]] | None = session.info.get(ASSIGNMENT_CACHE)
    if cache is not None and inst.id in cache:
        rows = cache[inst.id]
    else:
        rows = list(
            session.scalars(
                select(WorkflowAssignment)
                .where(WorkflowAssignment.instance_id == inst.id)
                .order_by(WorkflowAssignment.id)
            )
        )
    # Filtering in Python sees changes made earlier in this transaction even when they are not flushed yet.
    return [a for a in rows if a.active and a.branch_id == branch_id]


def _end_assignments(
    session: Session, inst: WorkflowInstance, now: dt.datetime, reason: str, *, branch_id: int | None = None
) -> list[str]:
    ended = []
    for assignment in _active_assignments(session, inst, branch_id=branch_id):
        assignment.active = False
        assignment.ended_at = now
        assignment.end_reason = reason
        ended.append(assignment.unit_code)
    return ended


# ---- state changes ----------------------------------------------------------------------------------------------


class _Context:
    """One unit of work on one instance: definition, clock, calendar and the actor."""

    def __init__(
        self,
        session: Session,
        inst: WorkflowInstance,
        definition: ProcessDefinition,
        *,
        actor: Actor,
        now: dt.datetime,
        calendar: WorkCalendar,
    ) -> None:
        self.session = session
        self.inst = inst
        self.definition = definition
        self.actor = actor
        self.now = now
        self.calendar = calendar
        self.keep_timer: int | None = None

    def record(self, item: ev.DomainEvent) -> None:
        ev.record(self.session, item)

    def enter_state(self, name: str, *, automatic_reason: str = "") -> None:
        """Move the instance into ``name``: timers, deadline, parallel fan-out, or closing at an end state."""
        inst, state = self.inst, self.definition.state(name)
        _cancel_timers(self.session, inst, self.now, scope="state", keep=self.keep_timer)
        inst.state = name
        inst.state_entered_at = self.now
        inst.state_due_at = None
        if state.kind is StateKind.END:
            self.close(state, automatic=bool(automatic_reason))
            return
        if state.time_limit is not None:
            inst.state_due_at = _due(self.now, state.time_limit, self.calendar)
            _schedule(
                self.session, inst, scope="state", fire_at=inst.state_due_at, timeout=state.on_timeout, state=name
            )
        if state.kind is StateKind.PARALLEL:
            self.fan_out(state)

    def close(self, state: StateDef, *, automatic: bool) -> None:
        inst = self.inst
        inst.status = "closed"
        inst.closed_at = self.now
        inst.outcome = state.outcome or state.name
        _cancel_timers(self.session, inst, self.now, keep=self.keep_timer)
        _end_assignments(self.session, inst, self.now, "办结")
        for branch in self.session.scalars(
            select(WorkflowBranch).where(WorkflowBranch.instance_id == inst.id, WorkflowBranch.status == "open")
        ):
            branch.status = "done"
            branch.outcome = branch.outcome or "closed"
            branch.completed_at = self.now
            _end_assignments(self.session, inst, self.now, "办结", branch_id=branch.id)
        self.record(
            ev.InstanceClosed(
                **_base_event(inst, self.now), outcome=inst.outcome, state=state.name, automatic=automatic
            )
        )

    def fan_out(self, state: StateDef) -> None:
        """Create one branch per department (from instance data or the static list), each with its deadline."""
        inst = self.inst
        specs: list[tuple[str, str, str, str]] = []
        raw = inst.data.get(state.branches_from) if state.branches_from else None
        if raw:
            if not isinstance(raw, list):
                raise ValidationError(
                    f"实例数据 {state.branches_from} 应为部门列表", field=f"data.{state.branches_from}"
                )
            for item in raw:
                if isinstance(item, Mapping):
                    unit = str(item.get("unit") or item.get("key") or "")
                    specs.append((str(item.get("key") or unit), unit, str(item.get("label") or unit), "主办"))
                else:
                    specs.append((str(item), str(item), str(item), "主办"))
        else:
            specs = [(b.key, b.unit, b.label, b.role) for b in state.branches]
        if not specs or any(not unit for _, unit, _, _ in specs):
            raise ValidationError("并联办理至少需要一个部门分支", field=f"data.{state.branches_from or 'branches'}")
        if len({key for key, _, _, _ in specs}) != len(specs):
            raise ValidationError("并联办理的部门分支重复", field=f"data.{state.branches_from or 'branches'}")
        initial = state.branch_states[state.branch_initial or ""]
        for key, unit, label, role in specs:
            branch = WorkflowBranch(
                instance_id=inst.id,
                parallel_state=state.name,
                key=key,
                label=label,
                unit_code=unit,
                role=role,
                state=initial.name,
                status="open",
                state_entered_at=self.now,
                created_at=self.now,
                due_at=_due(self.now, initial.time_limit, self.calendar) if initial.time_limit else None,
            )
            self.session.add(branch)
            self.session.flush()
            _add_assignment(
                self.session,
                WorkflowAssignment(
                    instance_id=inst.id,
                    branch_id=branch.id,
                    unit_code=unit,
                    role=role,
                    active=True,
                    assigned_at=self.now,
                    assigned_by=self.actor.id,
                ),
            )
            if branch.due_at is not None:
                _schedule(
                    self.session,
                    inst,
                    scope="branch",
                    fire_at=branch.due_at,
                    timeout=initial.on_timeout,
                    state=initial.name,
                    branch=branch,
                )
        self.record(
            ev.TaskDispatched(
                **_base_event(inst, self.now), lead_unit=specs[0][1], assist_units=tuple(s[1] for s in specs[1:])
            )
        )

    def move_branch(self, branch: WorkflowBranch, target: str) -> None:
        """Move a branch; an end state completes it, and the last completed branch joins the instance."""
        parallel = self.definition.state(branch.parallel_state)
        state = parallel.branch_states[target]
        _cancel_timers(self.session, self.inst, self.now, branch=branch, keep=self.keep_timer)
        branch.state = target
        branch.state_entered_at = self.now
        branch.due_at = None
        if state.kind is StateKind.END:
            branch.status = "done"
            branch.outcome = state.outcome or state.name
            branch.completed_at = self.now
            _end_assignments(self.session, self.inst, self.now, "办结", branch_id=branch.id)
            self.session.flush()
            self.maybe_join(parallel)
            return
        if state.time_limit is not None:
            branch.due_at = _due(self.now, state.time_limit, self.calendar)
            _schedule(
                self.session,
                self.inst,
                scope="branch",
                fire_at=branch.due_at,
                timeout=state.on_timeout,
                state=target,
                branch=branch,
            )

    def maybe_join(self, parallel: StateDef) -> None:
        open_left = self.session.scalar(
            select(func.count())
            .select_from(WorkflowBranch)
            .where(
                WorkflowBranch.instance_id == self.inst.id,
                WorkflowBranch.parallel_state == parallel.name,
                WorkflowBranch.status == "open",
            )
        )
        if open_left or parallel.join is None:
            return
        outcomes = [
            f"{b.label}：{b.outcome}"
            for b in self.session.scalars(
                select(WorkflowBranch).where(
                    WorkflowBranch.instance_id == self.inst.id, WorkflowBranch.parallel_state == parallel.name
                )
            )
        ]
        _history(
            self.session,
            self.inst,
            actor=SYSTEM_ACTOR,
            action="join",
            label="并联办理完成，进入汇总",
            from_state=parallel.name,
            to_state=parallel.join,
            now=self.now,
            comment="；".join(outcomes),
        )
        self.enter_state(parallel.join)

    def escalate(self, *, reason: str, timer_id: int | None = None, actor: Actor | None = None) -> bool:
        """Raise the escalation level (up to the definition's maximum) and tell the supervisor of that level."""
        inst = self.inst
        if inst.level >= self.definition.escalation_max_level:
            _history(
                self.session,
                inst,
                actor=actor or SYSTEM_ACTOR,
                action="escalate",
                label="已达最高督办级别",
                from_state=inst.state,
                to_state=inst.state,
                now=self.now,
                reason=reason,
                timer_id=timer_id,
                data={"level": inst.level},
            )
            return False
        inst.level += 1
        units = tuple(a.unit_code for a in _active_assignments(self.session, inst))
        _history(
            self.session,
            inst,
            actor=actor or SYSTEM_ACTOR,
            action="escalate",
            label=f"升级督办（第 {inst.level} 级）",
            from_state=inst.state,
            to_state=inst.state,
            now=self.now,
            reason=reason,
            timer_id=timer_id,
            data={"level": inst.level},
        )
        self.record(ev.InstanceEscalated(**_base_event(inst, self.now), level=inst.level, reason=reason, units=units))
        repeat = self.definition.escalation_repeat
        if timer_id is not None and repeat is not None and inst.level < self.definition.escalation_max_level:
            _schedule(
                self.session,
                inst,
                scope="process",
                fire_at=_due(self.now, repeat, self.calendar),
                timeout=Timeout(TimeoutKind.ESCALATE),
                state=None,
            )
        return True


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What the caller typed for an action."""

    comment: str | None = None
    reason: str | None = None
    data: Mapping[str, Any] | None = None
    assignee_unit: str | None = None
    assist_units: Sequence[str] = ()
    attachments: Sequence[str] = ()
    extension: TimeLimit | None = None


def _effect_dispatch(ctx: _Context, action: ActionDef, inputs: _Inputs) -> dict[str, Any]:
    session, inst, now = ctx.session, ctx.inst, ctx.now
    lead = (inputs.assignee_unit or "").strip()
    if not lead:
        raise ValidationError(f"「{action.label}」须选择主办单位", field="assignee_unit")
    assists = tuple(dict.fromkeys(u.strip() for u in inputs.assist_units if u.strip() and u.strip() != lead))
    redispatch = action.effect is Effect.REDISPATCH
    previous = _end_assignments(session, inst, now, "改派" if redispatch else "重新派单")
    for unit, role in [(lead, "主办"), *((unit, "协办") for unit in assists)]:
        _add_assignment(
            session,
            WorkflowAssignment(
                instance_id=inst.id, unit_code=unit, role=role, active=True, assigned_at=now, assigned_by=ctx.actor.id
            ),
        )
    ctx.record(ev.TaskDispatched(**_base_event(inst, now), lead_unit=lead, assist_units=assists, redispatch=redispatch))
    return {"lead_unit": lead, "assist_units": list(assists), "previous_units": previous}


def _effect_sign(ctx: _Context, _action: ActionDef, _inputs: _Inputs) -> dict[str, Any]:
    units = engine.actor_units(ctx.actor)
    admin = engine.is_admin(ctx.definition, ctx.actor)
    for assignment in _active_assignments(ctx.session, ctx.inst):
        if assignment.role == "主办" and (assignment.unit_code in units or admin):
            assignment.signed_at = ctx.now
            assignment.signed_by = ctx.actor.id
    return {}


def _effect_return(ctx: _Context, _action: ActionDef, inputs: _Inputs) -> dict[str, Any]:
    returned = _end_assignments(ctx.session, ctx.inst, ctx.now, "退单")
    ctx.record(
        ev.TaskReturned(
            **_base_event(ctx.inst, ctx.now), unit=returned[0] if returned else "", reason=(inputs.reason or "").strip()
        )
    )
    return {"returned_units": returned}


def _effect_request_extension(ctx: _Context, _action: ActionDef, inputs: _Inputs) -> dict[str, Any]:
    if inputs.extension is None:
        raise ValidationError("申请延期须填写延长的时限（数量和单位）", field="extension_amount")
    row = WorkflowExtension(
        instance_id=ctx.inst.id,
        amount=inputs.extension.amount,
        unit=inputs.extension.unit.value,
        reason=(inputs.reason or "").strip(),
        status="pending",
        requested_by=ctx.actor.id,
        requested_at=ctx.now,
        decision_comment="",
        old_due_at=ctx.inst.due_at,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record(ev.ExtensionRequested(**_base_event(ctx.inst, ctx.now), extension_id=row.id, reason=row.reason))
    return {"extension": inputs.extension.to_dict()}


def _effect_decide_extension(ctx: _Context, action: ActionDef, inputs: _Inputs) -> dict[str, Any]:
    return _decide_extension(
        ctx, approve=action.effect is Effect.APPROVE_EXTENSION, comment=inputs.comment or inputs.reason
    )


def _effect_remind(ctx: _Context, _action: ActionDef, inputs: _Inputs) -> dict[str, Any]:
    ctx.inst.remind_count += 1
    units = tuple(a.unit_code for a in _active_assignments(ctx.session, ctx.inst))
    ctx.record(ev.TaskReminded(**_base_event(ctx.inst, ctx.now), units=units, note=(inputs.comment or "").strip()))
    return {"units": list(units)}


def _effect_supervise(ctx: _Context, _action: ActionDef, inputs: _Inputs) -> dict[str, Any]:
    ctx.inst.supervised = True
    ctx.inst.supervisor_note = (inputs.comment or "").strip()
    ctx.record(
        ev.InstanceSupervised(
            **_base_event(ctx.inst, ctx.now), supervisor_id=ctx.actor.id, note=ctx.inst.supervisor_note
        )
    )
    return {}


def _effect_escalate(ctx: _Context, _action: ActionDef, inputs: _Inputs) -> dict[str, Any]:
    ctx.escalate(reason=(inputs.reason or inputs.comment or "人工提级").strip(), actor=ctx.actor)
    return {"level": ctx.inst.level}


_EFFECTS: dict[Effect, Callable[[_Context, ActionDef, _Inputs], dict[str, Any]]] = {
    Effect.DISPATCH: _effect_dispatch,
    Effect.REDISPATCH: _effect_dispatch,
    Effect.SIGN: _effect_sign,
    Effect.RETURN: _effect_return,
    Effect.REQUEST_EXTENSION: _effect_request_extension,
    Effect.APPROVE_EXTENSION: _effect_decide_extension,
    Effect.REJECT_EXTENSION: _effect_decide_extension,
    Effect.REMIND: _effect_remind,
    Effect.SUPERVISE: _effect_supervise,
    Effect.ESCALATE: _effect_escalate,
}
"""What each built-in effect does beyond the state change (each returns details for the history row)."""


def _apply_action(
    ctx: _Context,
    chosen: engine.Available,
    inputs: _Inputs,
    *,
    timer_id: int | None = None,
    label_prefix: str = "",
) -> None:
    """Apply an already-authorised action: its effect, its transition and its history row."""
    session, inst, action, now = ctx.session, ctx.inst, chosen.action, ctx.now
    branch = None
    if chosen.branch is not None:
        branch = session.scalars(
            select(WorkflowBranch).where(
                WorkflowBranch.instance_id == inst.id,
                WorkflowBranch.key == chosen.branch.key,
                WorkflowBranch.parallel_state == inst.state,
            )
        ).one()
    from_state = branch.state if branch is not None else inst.state
    if inputs.data:
        inst.data = {**inst.data, **dict(inputs.data)}
    extra = _EFFECTS[action.effect](ctx, action, inputs) if action.effect is not None else {}
    to_state = action.to if action.to is not None else from_state
    _history(
        session,
        inst,
        actor=ctx.actor,
        action=action.name,
        label=label_prefix + chosen.label,
        from_state=from_state,
        to_state=to_state,
        now=now,
        comment=inputs.comment,
        reason=inputs.reason,
        attachments=inputs.attachments,
        data={**extra, **({"input": dict(inputs.data)} if inputs.data else {})},
        branch=branch,
        timer_id=timer_id,
    )
    ctx.record(
        ev.ActionPerformed(
            **_base_event(inst, now),
            actor_id=ctx.actor.id,
            action=action.name,
            label=chosen.label,
            from_state=from_state,
            to_state=to_state,
            branch_key=branch.key if branch is not None else None,
            comment=(inputs.comment or "").strip(),
        )
    )
    if action.to is not None:
        if branch is not None:
            ctx.move_branch(branch, action.to)
        else:
            ctx.enter_state(action.to, automatic_reason="timer" if timer_id is not None else "")
    inst.updated_at = now  # touching the row bumps ``version`` even when only branches or assignments changed


def _decide_extension(ctx: _Context, *, approve: bool, comment: str | None) -> dict[str, Any]:
    session, inst, now = ctx.session, ctx.inst, ctx.now
    row = session.scalars(
        select(WorkflowExtension).where(WorkflowExtension.instance_id == inst.id, WorkflowExtension.status == "pending")
    ).first()
    if row is None:
        raise ValidationError("没有待审批的延期申请", field="action")
    row.status = "approved" if approve else "rejected"
    row.decided_by = ctx.actor.id
    row.decided_at = now
    row.decision_comment = (comment or "").strip()
    if approve:
        limit = TimeLimit(row.amount, TimeUnit(row.unit))
        # The extension moves the whole-process deadline and the current state's deadline by the same limit.
        base_due = as_utc(inst.due_at) if inst.due_at else now
        inst.due_at = _due(base_due, limit, ctx.calendar)
        row.new_due_at = inst.due_at
        _cancel_timers(session, inst, now, scope="process", keep=ctx.keep_timer)
        _schedule(session, inst, scope="process", fire_at=inst.due_at, timeout=ctx.definition.on_timeout, state=None)
        if inst.state_due_at is not None:
            inst.state_due_at = _due(as_utc(inst.state_due_at), limit, ctx.calendar)
            state = ctx.definition.state(inst.state)
            _cancel_timers(session, inst, now, scope="state", keep=ctx.keep_timer)
            _schedule(
                session, inst, scope="state", fire_at=inst.state_due_at, timeout=state.on_timeout, state=inst.state
            )
    ctx.record(
        ev.ExtensionDecided(**_base_event(inst, now), extension_id=row.id, approved=approve, new_due_at=row.new_due_at)
    )
    return {
        "extension_id": row.id,
        "approved": approve,
        "new_due_at": row.new_due_at.isoformat() if row.new_due_at else None,
    }


def _commit(session: Session) -> None:
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(CONFLICT_MESSAGE, field="expected_version") from exc


# ---- public use cases -------------------------------------------------------------------------------------------


def start_instance(
    session: Session,
    *,
    actor: Actor,
    definition_key: str,
    subject_ref: str,
    title: str = "",
    data: Mapping[str, Any] | None = None,
    priority: int = 0,
    time_limit: TimeLimit | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> InstanceSummary:
    """Start a case on the latest version of a definition (a shipped definition is published on first use).

    ``time_limit`` overrides the definition's whole-process limit (e.g. the limit of the appeal's category).
    """
    moment, cal = _now(now), calendar or get_calendar()
    if not subject_ref.strip():
        raise ValidationError("须填写业务对象编号（subject_ref），例如 appeal:123", field="subject_ref")
    if priority not in PRIORITY_LABELS:
        raise ValidationError("优先级应为 0（一般）、1（紧急）或 2（特急）", field="priority")
    row = _latest_row(session, definition_key)
    if row is None:
        body = builtin_bodies().get(definition_key)
        if body is None:
            raise NotFoundError(f"流程定义 {definition_key} 不存在", field="definition_key")
        row, _ = _publish(session, actor=SYSTEM_ACTOR, body=body)
    definition = _model(row)
    limit = time_limit or definition.time_limit
    inst = WorkflowInstance(
        definition_id=row.id,
        definition_key=row.key,
        definition_version=row.version,
        subject_ref=subject_ref.strip(),
        title=title.strip(),
        state=definition.initial,
        status="open",
        priority=priority,
        data=dict(data or {}),
        level=0,
        supervised=False,
        supervisor_note="",
        remind_count=0,
        created_by=actor.id,
        created_at=moment,
        updated_at=moment,
        state_entered_at=moment,
        due_at=_due(moment, limit, cal) if limit else None,
    )
    session.add(inst)
    try:
        _begin(session, inst, definition, actor=actor, now=moment, calendar=cal, limit=limit)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return _summary(session, inst, definition, now=moment)


def _begin(
    session: Session,
    inst: WorkflowInstance,
    definition: ProcessDefinition,
    *,
    actor: Actor,
    now: dt.datetime,
    calendar: WorkCalendar,
    limit: TimeLimit | None,
) -> None:
    moment = now
    session.flush()
    ctx = _Context(session, inst, definition, actor=actor, now=moment, calendar=calendar)
    if inst.due_at is not None:
        _schedule(session, inst, scope="process", fire_at=inst.due_at, timeout=definition.on_timeout, state=None)
    _history(
        session,
        inst,
        actor=actor,
        action="start",
        label="登记",
        from_state=None,
        to_state=definition.initial,
        now=moment,
        data={"time_limit": limit.to_dict()} if limit else None,
    )
    ctx.enter_state(definition.initial)
    ctx.record(ev.InstanceStarted(**_base_event(inst, moment), actor_id=actor.id, state=definition.initial))


def perform_action(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    action: str,
    expected_version: int,
    comment: str | None = None,
    reason: str | None = None,
    data: Mapping[str, Any] | None = None,
    assignee_unit: str | None = None,
    assist_units: Sequence[str] = (),
    attachments: Sequence[str] = (),
    branch: str | None = None,
    extension: TimeLimit | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ActionResult:
    """Take an action on a case as ``actor``, if its roles and units allow it in the current state.

    ``expected_version`` is the instance version the caller saw; a different one (or a race lost at commit)
    raises ``ConflictError``. ``assignee_unit``/``assist_units`` feed 派单/改派, ``extension`` 申请延期,
    ``branch`` names the parallel branch when several could take the action. ``data`` is merged into the
    instance data. History, timers and events are written in the same transaction.
    """
    moment, cal = _now(now), calendar or get_calendar()
    inst = _load_instance(session, instance_id)
    definition = _model_by_id(session, inst.definition_id)
    _check_visible(session, inst, definition, actor, "write")
    if inst.version != expected_version:
        raise ConflictError(CONFLICT_MESSAGE, field="expected_version")
    snapshot = _snapshot(session, inst)
    chosen = engine.resolve_action(definition, snapshot, actor, action, branch_key=branch)
    engine.check_inputs(chosen.action, comment=comment, reason=reason)
    if chosen.action.within is not None:
        since = max(
            (a.assigned_at for a in snapshot.assignments if a.active and a.branch_key is None),
            default=snapshot.state_entered_at,
        )
        engine.check_within(chosen.action, since=since, now=moment, calendar=cal)
    ctx = _Context(session, inst, definition, actor=actor, now=moment, calendar=cal)
    try:
        inputs = _Inputs(
            comment=comment,
            reason=reason,
            data=data,
            assignee_unit=assignee_unit,
            assist_units=assist_units,
            attachments=attachments,
            extension=extension,
        )
        _apply_action(ctx, chosen, inputs)
        raised = [type(e).__name__ for e in ev.pending(session)]
        _commit(session)
    except Exception:
        session.rollback()
        raise
    return ActionResult(
        instance=_summary(session, inst, definition, now=moment),
        action=chosen.action.name,
        label=chosen.label,
        events=raised,
    )


def dispatch(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    expected_version: int,
    lead_unit: str,
    assist_units: Sequence[str] = (),
    comment: str | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ActionResult:
    """派单: charge a lead unit (主办) and optional assisting units (协办) with the case."""
    name = _action_with_effect(session, instance_id, expected_version, {Effect.DISPATCH})
    return perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=name,
        expected_version=expected_version,
        comment=comment,
        assignee_unit=lead_unit,
        assist_units=assist_units,
        now=now,
        calendar=calendar,
    )


def redispatch(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    expected_version: int,
    lead_unit: str,
    reason: str,
    assist_units: Sequence[str] = (),
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ActionResult:
    """改派: replace the assigned units (after a 退单, or on the dispatcher's own initiative)."""
    name = _action_with_effect(session, instance_id, expected_version, {Effect.REDISPATCH, Effect.DISPATCH})
    return perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=name,
        expected_version=expected_version,
        reason=reason,
        assignee_unit=lead_unit,
        assist_units=assist_units,
        now=now,
        calendar=calendar,
    )


def return_task(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    expected_version: int,
    reason: str,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ActionResult:
    """退单: the lead unit hands the case back to the dispatcher with a reason (within the allowed period)."""
    name = _action_with_effect(session, instance_id, expected_version, {Effect.RETURN})
    return perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=name,
        expected_version=expected_version,
        reason=reason,
        now=now,
        calendar=calendar,
    )


def request_extension(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    expected_version: int,
    extension: TimeLimit,
    reason: str,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ActionResult:
    """申请延期: ask for ``extension`` more time, with a reason; a dispatcher or supervisor decides."""
    name = _action_with_effect(session, instance_id, expected_version, {Effect.REQUEST_EXTENSION})
    return perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=name,
        expected_version=expected_version,
        reason=reason,
        extension=extension,
        now=now,
        calendar=calendar,
    )


def approve_extension(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    expected_version: int,
    comment: str | None = None,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ActionResult:
    """批准延期: move the whole-process and current-state deadlines by the requested limit."""
    name = _action_with_effect(session, instance_id, expected_version, {Effect.APPROVE_EXTENSION})
    return perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=name,
        expected_version=expected_version,
        comment=comment,
        now=now,
        calendar=calendar,
    )


def remind(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    expected_version: int,
    comment: str,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ActionResult:
    """催办: urge the assigned units (recorded, counted and notified through ``TaskReminded``)."""
    name = _action_with_effect(session, instance_id, expected_version, {Effect.REMIND})
    return perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=name,
        expected_version=expected_version,
        comment=comment,
        now=now,
        calendar=calendar,
    )


def supervise(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    expected_version: int,
    comment: str,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ActionResult:
    """督办: flag the case as supervised with the supervisor's note."""
    name = _action_with_effect(session, instance_id, expected_version, {Effect.SUPERVISE})
    return perform_action(
        session,
        actor=actor,
        instance_id=instance_id,
        action=name,
        expected_version=expected_version,
        comment=comment,
        now=now,
        calendar=calendar,
    )


def escalate(
    session: Session,
    *,
    instance_id: int,
    reason: str,
    actor: Actor = SYSTEM_ACTOR,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> InstanceSummary:
    """Raise a case's escalation level and notify the supervisor (what the sweep does when a case is overdue)."""
    moment = _now(now)
    inst = _load_instance(session, instance_id)
    definition = _model_by_id(session, inst.definition_id)
    if inst.status != "open":
        raise ValidationError("事项已办结，不能升级督办", field="instance_id")
    ctx = _Context(session, inst, definition, actor=actor, now=moment, calendar=calendar or get_calendar())
    ctx.escalate(reason=reason, actor=actor)
    inst.updated_at = moment
    _commit(session)
    return _summary(session, inst, definition, now=moment)


def _action_with_effect(session: Session, instance_id: int, expected_version: int, effects: set[Effect]) -> str:
    """The current state's action with one of ``effects`` (a stale version is a conflict, checked first)."""
    inst = _load_instance(session, instance_id)
    if inst.version != expected_version:
        raise ConflictError(CONFLICT_MESSAGE, field="expected_version")
    definition = _model_by_id(session, inst.definition_id)
    if inst.state in definition.states:
        for action in definition.state(inst.state).actions:
            if action.effect in effects:
                return action.name
    wanted = "、".join(sorted(e.value for e in effects))
    label = definition.state(inst.state).label if inst.state in definition.states else inst.state
    raise ValidationError(f"当前状态「{label}」没有 {wanted} 类动作", field="action")


# ---- timers (called by the job runner inside its transaction) --------------------------------------------------


def fire_timer(session: Session, *, timer: WorkflowTimer, now: dt.datetime, calendar: WorkCalendar) -> str:
    """Perform a due timer's effect in the caller's transaction; returns the outcome (``fired``/``obsolete``).

    The caller marks the timer fired in the same transaction, so the effect and the mark commit together.
    """
    inst = session.get(WorkflowInstance, timer.instance_id)
    if inst is None or inst.status != "open":
        return "obsolete"
    definition = _model_by_id(session, inst.definition_id)
    ctx = _Context(session, inst, definition, actor=SYSTEM_ACTOR, now=now, calendar=calendar)
    ctx.keep_timer = timer.id
    branch = session.get(WorkflowBranch, timer.branch_id) if timer.branch_id is not None else None
    if timer.scope == "state" and inst.state != timer.state:
        return "obsolete"
    if timer.scope == "branch" and (branch is None or branch.status != "open" or branch.state != timer.state):
        return "obsolete"
    kind_text, _, target = timer.effect.partition(":")
    kind = TimeoutKind(kind_text)
    where = _timer_scope_text(definition, inst, timer, branch)
    if kind is TimeoutKind.ESCALATE:
        ctx.escalate(reason=f"{where}超过时限，自动升级督办", timer_id=timer.id)
    elif kind is TimeoutKind.REMIND:
        inst.remind_count += 1
        units = tuple(a.unit_code for a in _active_assignments(session, inst))
        _history(
            session,
            inst,
            actor=SYSTEM_ACTOR,
            action="remind",
            label="超期自动催办",
            from_state=inst.state,
            to_state=inst.state,
            now=now,
            comment=f"{where}已超过时限",
            timer_id=timer.id,
            branch=branch,
        )
        ctx.record(ev.TaskReminded(**_base_event(inst, now), units=units, note=f"{where}已超过时限", by_timer=True))
    elif kind is TimeoutKind.NOTIFY:
        units = (branch.unit_code,) if branch else tuple(a.unit_code for a in _active_assignments(session, inst))
        _history(
            session,
            inst,
            actor=SYSTEM_ACTOR,
            action="deadline",
            label="超期提醒",
            from_state=inst.state,
            to_state=inst.state,
            now=now,
            comment=f"{where}已超过时限",
            timer_id=timer.id,
            branch=branch,
        )
        ctx.record(ev.DeadlinePassed(**_base_event(inst, now), scope=timer.scope, state=timer.state, units=units))
    elif kind is TimeoutKind.AUTO_DECIDE:
        _auto_decide(ctx, timer, target, branch, where)
    else:
        _auto_close(ctx, timer, target or None, branch, where)
    inst.updated_at = now
    return "fired"


def _timer_scope_text(
    definition: ProcessDefinition, inst: WorkflowInstance, timer: WorkflowTimer, branch: WorkflowBranch | None
) -> str:
    if timer.scope == "process":
        return "整体办理时限"
    if branch is not None:
        return f"分支「{branch.label}」"
    state = definition.states.get(timer.state or "")
    return f"环节「{state.label if state else inst.state}」"


def _auto_decide(ctx: _Context, timer: WorkflowTimer, target: str, branch: WorkflowBranch | None, where: str) -> None:
    state = ctx.definition.state(ctx.inst.state)
    scope_state = state.branch_states[branch.state] if branch is not None else state
    action = scope_state.action(target)
    if action is None:
        raise ValidationError(f"自动执行的动作 {target} 不在当前状态中", field="timer")
    view = None
    if branch is not None:
        view = engine.BranchView(
            branch.key, branch.label, branch.unit_code, branch.state, branch.status, as_utc(branch.state_entered_at)
        )
    _apply_action(
        ctx,
        engine.Available(action, view),
        _Inputs(comment=f"{where}已超过时限，系统自动执行"),
        timer_id=timer.id,
        label_prefix="超时自动：",
    )


def _auto_close(
    ctx: _Context, timer: WorkflowTimer, target: str | None, branch: WorkflowBranch | None, where: str
) -> None:
    inst = ctx.inst
    if branch is not None:
        states = dict(ctx.definition.state(inst.state).branch_states)
        end = engine.end_state_for(states, target)
        _history(
            ctx.session,
            inst,
            actor=SYSTEM_ACTOR,
            action="auto_close",
            label="超时自动办结（分支）",
            from_state=branch.state,
            to_state=end,
            now=ctx.now,
            comment=f"{where}已超过时限",
            branch=branch,
            timer_id=timer.id,
        )
        ctx.move_branch(branch, end)
        return
    end = engine.end_state_for(ctx.definition, target)
    _history(
        ctx.session,
        inst,
        actor=SYSTEM_ACTOR,
        action="auto_close",
        label="超时自动办结",
        from_state=inst.state,
        to_state=end,
        now=ctx.now,
        comment=f"{where}已超过时限",
        timer_id=timer.id,
    )
    ctx.enter_state(end, automatic_reason="timer")


# ---- reading ----------------------------------------------------------------------------------------------------


def _is_overdue(inst: WorkflowInstance, now: dt.datetime) -> bool:
    if inst.status != "open":
        return False
    return any(d is not None and as_utc(d) < now for d in (inst.due_at, inst.state_due_at))


def _summary(
    session: Session,
    inst: WorkflowInstance,
    definition: ProcessDefinition,
    *,
    now: dt.datetime,
    units: list[str] | None = None,
) -> InstanceSummary:
    if units is None:
        units = [a.unit_code for a in _active_assignments(session, inst)]
    units = list(dict.fromkeys(units))  # one unit may hold several branches (一件事 with two items of one bureau)
    state = definition.states.get(inst.state)
    return InstanceSummary(
        id=inst.id,
        definition_key=inst.definition_key,
        definition_version=inst.definition_version,
        definition_name=definition.name,
        subject_ref=inst.subject_ref,
        title=inst.title,
        state=inst.state,
        state_label=state.label if state else inst.state,
        status=inst.status,
        outcome=inst.outcome,
        priority=inst.priority,
        level=inst.level,
        supervised=inst.supervised,
        remind_count=inst.remind_count,
        version=inst.version,
        created_at=as_utc(inst.created_at),
        due_at=as_utc(inst.due_at) if inst.due_at else None,
        state_due_at=as_utc(inst.state_due_at) if inst.state_due_at else None,
        overdue=_is_overdue(inst, now),
        units=units,
    )


RESOURCE_KINDS: dict[str, ResourceKind] = {"appeal": ResourceKind.APPEAL, "incident": ResourceKind.INCIDENT}
"""The protected resource kind of each definition's cases (others, such as 一件事 applications: 办件)."""

_AREA_UNIT_LENGTHS = {6: "district_code", 9: "street_code"}
"""Units named by a division code (a district or street government) rather than by a department code."""


def _area(data: Mapping[str, Any]) -> dict[str, str | None]:
    """District, street and grid of a case, from its data when the intake recorded them."""
    return {
        name: str(data[name]) if isinstance(data.get(name), str) and data[name] else None
        for name in ("district_code", "street_code", "grid_code")
    }


@dataclass(frozen=True, slots=True)
class InstanceBrief:
    """What a notification about an instance needs: no personal data, no access decision (internal use only)."""

    instance_id: int
    definition_key: str
    subject_ref: str
    title: str
    created_by: str
    due_at: dt.datetime | None
    lead_unit: str | None
    outcome: str | None


def instance_brief(session: Session, *, instance_id: int) -> InstanceBrief:
    """The brief of an instance for internal subscribers (notifications); callers facing people use the views."""
    session.flush()  # called while a transaction is about to commit: see its own changes, never reload over them
    inst = session.get(WorkflowInstance, instance_id)
    if inst is None:
        raise NotFoundError(f"事项 {instance_id} 不存在", field="instance_id")
    lead = session.scalar(
        select(WorkflowAssignment.unit_code)
        .where(WorkflowAssignment.instance_id == instance_id, WorkflowAssignment.role == "主办")
        .order_by(WorkflowAssignment.id.desc())
        .limit(1)
    )
    return InstanceBrief(
        instance_id=inst.id,
        definition_key=inst.definition_key,
        subject_ref=inst.subject_ref,
        title=inst.title or inst.subject_ref,
        created_by=inst.created_by,
        due_at=inst.due_at,
        lead_unit=lead,
        outcome=inst.outcome,
    )


def instance_refs(session: Session, inst: WorkflowInstance) -> list[ResourceRef]:
    """How the access rules see a case: one ref per unit ever assigned (the owning departments), or one unowned.

    Every ref carries the case's kind, its area (from its data) and its creator as the owning account.
    """
    area = _area(inst.data or {})
    base = ResourceRef(
        kind=RESOURCE_KINDS.get(inst.definition_key, ResourceKind.WORKFLOW_INSTANCE),
        owner_account_id=inst.created_by,
        district_code=area["district_code"],
        street_code=area["street_code"],
        grid_code=area["grid_code"],
    )
    units = sorted(
        set(session.scalars(select(WorkflowAssignment.unit_code).where(WorkflowAssignment.instance_id == inst.id)))
    )
    refs = []
    for unit in units:
        ref = replace(base, owner_department=unit)
        # A district or street government assigned by its division code: the case lies in its area.
        if unit.isdigit() and len(unit) == 6 and base.district_code is None:  # noqa: PLR2004 - district code
            ref = replace(ref, district_code=unit)
        elif unit.isdigit() and len(unit) == 9 and base.street_code is None:  # noqa: PLR2004 - street code
            ref = replace(ref, street_code=unit)
        refs.append(ref)
    return refs or [base]


def authorize_instance(session: Session, *, actor: Actor, inst: WorkflowInstance, action: AccessAction) -> None:
    """Check a case against the identity rules: out of scope → "not found" (404), read-only → 403.

    The case is in scope when any of its owning units (or its area, or its creator) lets the actor in; which
    workflow *action* the actor may then take is the definition's business (roles, assigned units).
    """
    refs = instance_refs(session, inst)
    decisions = [scopes.decide(actor, ref, action) for ref in refs]
    best = next(d for d in (Decision.ALLOWED, Decision.FORBIDDEN, Decision.HIDDEN) if d in decisions)
    access.authorize(actor, refs[decisions.index(best)], action, not_found=f"事项 {inst.id} 不存在或无权查看")


def _check_visible(
    session: Session,
    inst: WorkflowInstance,
    _definition: ProcessDefinition,
    actor: Actor,
    action: AccessAction = "read",
) -> None:
    """Who may see (``read``) or act on (``write``) a case: the identity rules, through :func:`authorize_instance`.

    Which workflow action an actor in scope may take stays the definition's business (roles, assigned units).
    """
    authorize_instance(session, actor=actor, inst=inst, action=action)


def _scope_condition(actor: Actor) -> ColumnElement[bool] | None:
    """SQL keeping the cases the identity rules let the actor read (None: all), for queues and lists.

    Each scope the actor has (their department, district, street or grid, own cases) is offered to the rules
    as a resource; those the rules accept become filters, so the queue agrees with :func:`authorize_instance`.
    """
    inst = WorkflowInstance
    clauses: list[ColumnElement[bool]] = [inst.created_by == actor.id]
    everything = True
    street = actor.street_code or (actor.grid_code[:9] if actor.grid_code else None)
    for kind in (ResourceKind.APPEAL, ResourceKind.INCIDENT, ResourceKind.WORKFLOW_INSTANCE):
        keys = [key for key, value in RESOURCE_KINDS.items() if value == kind]
        of_kind = inst.definition_key.in_(keys) if keys else inst.definition_key.not_in(list(RESOURCE_KINDS))
        if scopes.can_read(actor, ResourceRef(kind=kind)):
            clauses.append(of_kind)
            continue
        everything = False
        clauses.extend(_scope_clauses(actor, kind, of_kind, street))
    return None if everything else or_(*clauses)


def _assigned_to(unit: str) -> ColumnElement[bool]:
    return exists().where(WorkflowAssignment.instance_id == WorkflowInstance.id, WorkflowAssignment.unit_code == unit)


def _scope_clauses(
    actor: Actor, kind: ResourceKind, of_kind: ColumnElement[bool], street: str | None
) -> list[ColumnElement[bool]]:
    inst = WorkflowInstance
    clauses: list[ColumnElement[bool]] = []
    own_department = ResourceRef(
        kind=kind, owner_department=actor.department, district_code=actor.district_code, street_code=actor.street_code
    )
    if actor.department and scopes.can_read(actor, own_department):
        clauses.append(and_(of_kind, _assigned_to(actor.department)))
    if actor.district_code and scopes.can_read(actor, ResourceRef(kind=kind, district_code=actor.district_code)):
        in_district = or_(
            inst.data["district_code"].as_string() == actor.district_code,
            _assigned_to(actor.district_code),
        )
        clauses.append(and_(of_kind, in_district))
    if street and scopes.can_read(actor, ResourceRef(kind=kind, street_code=street)):
        in_street = or_(
            inst.data["street_code"].as_string() == street,
            inst.data["grid_code"].as_string().startswith(street),
            _assigned_to(street),
        )
        clauses.append(and_(of_kind, in_street))
    return clauses


def visible_subject_ref(session: Session, *, actor: Actor, instance_id: int) -> str:
    """The ``subject_ref`` of a case the actor may see (404 otherwise), without building the whole case page."""
    inst = _load_instance(session, instance_id)
    _check_visible(session, inst, _model_by_id(session, inst.definition_id), actor)
    return inst.subject_ref


def get_instance_view(
    session: Session,
    *,
    actor: Actor,
    instance_id: int,
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> InstanceView:
    """The case page for one viewer: headline, clock, branches, assignments, timeline and the actions allowed."""
    moment, cal = _now(now), calendar or get_calendar()
    inst = _load_instance(session, instance_id)
    definition = _model_by_id(session, inst.definition_id)
    _check_visible(session, inst, definition, actor)
    snapshot = _snapshot(session, inst)
    branches = list(
        session.scalars(select(WorkflowBranch).where(WorkflowBranch.instance_id == inst.id).order_by(WorkflowBranch.id))
    )
    branch_keys = {b.id: b.key for b in branches}
    assignments = session.scalars(
        select(WorkflowAssignment).where(WorkflowAssignment.instance_id == inst.id).order_by(WorkflowAssignment.id)
    )
    history = session.scalars(
        select(WorkflowEvent).where(WorkflowEvent.instance_id == inst.id).order_by(WorkflowEvent.at, WorkflowEvent.id)
    )
    extensions = session.scalars(
        select(WorkflowExtension).where(WorkflowExtension.instance_id == inst.id).order_by(WorkflowExtension.id)
    )
    # The work itself first; discretionary actions (改派, 催办, 督办) after it.
    available = sorted(
        engine.available_actions(definition, snapshot, actor), key=lambda a: a.action.effect in _DISCRETIONARY
    )
    return InstanceView(
        instance=_summary(session, inst, definition, now=moment),
        data=dict(inst.data),
        created_by=inst.created_by,
        supervisor_note=inst.supervisor_note,
        clock=_clock(inst, branches, moment, cal),
        branches=[_branch_out(definition, b, moment) for b in branches],
        assignments=[
            AssignmentOut(
                unit_code=a.unit_code,
                role=a.role,
                active=a.active,
                branch_key=branch_keys.get(a.branch_id or -1),
                assigned_at=as_utc(a.assigned_at),
                assigned_by=a.assigned_by,
                signed_at=as_utc(a.signed_at) if a.signed_at else None,
                ended_at=as_utc(a.ended_at) if a.ended_at else None,
                end_reason=a.end_reason,
            )
            for a in assignments
        ],
        timeline=[
            TimelineEntry(
                at=as_utc(e.at),
                actor_id=e.actor_id,
                actor_role=e.actor_role,
                actor_role_label=definition.role_label(e.actor_role) if e.actor_role != "system" else "系统",
                actor_unit=e.actor_unit,
                action=e.action,
                label=e.label,
                from_state=e.from_state,
                to_state=e.to_state,
                branch_key=branch_keys.get(e.branch_id or -1),
                comment=e.comment,
                reason=e.reason,
                attachments=list(e.attachments or []),
                automatic=e.timer_id is not None or e.actor_id == SYSTEM_ACTOR.id,
            )
            for e in history
        ],
        extensions=[
            ExtensionOut(
                id=x.id,
                amount=x.amount,
                unit=x.unit,
                unit_label=TimeUnit(x.unit).label,
                reason=x.reason,
                status=x.status,
                requested_by=x.requested_by,
                requested_at=as_utc(x.requested_at),
                decided_by=x.decided_by,
                new_due_at=as_utc(x.new_due_at) if x.new_due_at else None,
            )
            for x in extensions
        ],
        actions=[
            ActionOption(
                name=a.action.name,
                label=a.label,
                effect=a.action.effect.value if a.action.effect else None,
                to=a.action.to,
                branch_key=a.branch.key if a.branch else None,
                requires_comment=a.action.requires_comment,
                requires_reason=a.action.requires_reason,
                needs_unit=a.action.effect in {Effect.DISPATCH, Effect.REDISPATCH},
                needs_extension=a.action.effect is Effect.REQUEST_EXTENSION,
            )
            for a in available
        ],
    )


def _branch_out(definition: ProcessDefinition, branch: WorkflowBranch, now: dt.datetime) -> BranchOut:
    parallel = definition.states.get(branch.parallel_state)
    state = parallel.branch_states.get(branch.state) if parallel else None
    due = as_utc(branch.due_at) if branch.due_at else None
    return BranchOut(
        id=branch.id,
        key=branch.key,
        label=branch.label,
        unit_code=branch.unit_code,
        role=branch.role,
        state=branch.state,
        state_label=state.label if state else branch.state,
        status=branch.status,
        outcome=branch.outcome,
        due_at=due,
        overdue=branch.status == "open" and due is not None and due < now,
        completed_at=as_utc(branch.completed_at) if branch.completed_at else None,
    )


def _clock(
    inst: WorkflowInstance, branches: Iterable[WorkflowBranch], now: dt.datetime, calendar: WorkCalendar
) -> Clock:
    due = as_utc(inst.due_at) if inst.due_at else None
    state_due = as_utc(inst.state_due_at) if inst.state_due_at else None
    candidates = [d for d in (due, state_due) if d is not None]
    candidates += [as_utc(b.due_at) for b in branches if b.status == "open" and b.due_at is not None]
    if inst.status != "open" or not candidates:
        text = "已办结" if inst.status != "open" else "未设时限"
        return Clock(
            due_at=due,
            state_due_at=state_due,
            next_due_at=None,
            remaining_seconds=None,
            remaining_text=text,
            overdue=False,
        )
    next_due = min(candidates)
    try:
        remaining = working_seconds_between(now, next_due, calendar=calendar)
    except CalendarNotCoveredError as exc:
        return Clock(
            due_at=due,
            state_due_at=state_due,
            next_due_at=next_due,
            remaining_seconds=None,
            remaining_text="无法计算",
            overdue=next_due < now,
            note=exc.message,
        )
    overdue = next_due < now
    text = describe_working_time(abs(remaining), calendar=calendar)
    if overdue and abs(remaining) < 60:  # noqa: PLR2004 - passed outside working hours (evening, weekend)
        text = "（非工作时间内到期）"
    note = ""
    # The case's own deadline may reach into an unpublished year even when the next step's does not.
    if calendar.is_provisional(now.astimezone(CITY_TZ).date(), max(candidates).astimezone(CITY_TZ).date()):
        years = "、".join(str(y) for y in sorted(calendar.provisional_years))
        note = f"{years} 年放假安排尚未公布，时限暂按法定节假日计算，公布后以正式安排为准"
    return Clock(
        due_at=due,
        state_due_at=state_due,
        next_due_at=next_due,
        remaining_seconds=remaining,
        remaining_text=f"已超期 {text}" if overdue else f"剩余 {text}",
        overdue=overdue,
        note=note,
    )


def _todo_conditions(session: Session, actor: Actor) -> ColumnElement[bool]:  # noqa: C901 - one rule per branch
    """SQL for "the actor can move this case now", built from every published definition's rules."""
    units = sorted(engine.actor_units(actor))
    clauses: list[ColumnElement[bool]] = []
    inst = WorkflowInstance
    pending_extension = exists().where(WorkflowExtension.instance_id == inst.id, WorkflowExtension.status == "pending")
    for row in session.scalars(select(WorkflowDefinition)):
        definition = _model(row)
        admin = engine.is_admin(definition, actor)
        for state in definition.states.values():
            in_state = and_(inst.definition_id == row.id, inst.state == state.name)
            for action in state.actions:
                if not _counts_as_todo(action) or not (admin or actor.has_role(*action.roles)):
                    continue
                condition: ColumnElement[bool] = in_state
                if action.effect in {Effect.APPROVE_EXTENSION, Effect.REJECT_EXTENSION}:
                    condition = and_(condition, pending_extension)
                if action.assignee_only and not admin:
                    assignment = exists().where(
                        WorkflowAssignment.instance_id == inst.id,
                        WorkflowAssignment.branch_id.is_(None),
                        WorkflowAssignment.active.is_(True),
                        WorkflowAssignment.unit_code.in_(units),
                        *([WorkflowAssignment.role == "主办"] if action.lead_only else []),
                    )
                    condition = and_(condition, assignment) if units else false()
                clauses.append(condition)
            for branch_state in state.branch_states.values():
                for action in branch_state.actions:
                    if not (admin or actor.has_role(*action.roles)):
                        continue
                    branch_conditions = [
                        WorkflowBranch.instance_id == inst.id,
                        WorkflowBranch.parallel_state == state.name,
                        WorkflowBranch.status == "open",
                        WorkflowBranch.state == branch_state.name,
                    ]
                    if action.assignee_only and not admin:
                        if not units:
                            continue
                        branch_conditions.append(WorkflowBranch.unit_code.in_(units))
                    clauses.append(and_(in_state, exists().where(*branch_conditions)))
    return or_(*clauses) if clauses else false()


_DISCRETIONARY = {Effect.REDISPATCH, Effect.REMIND, Effect.SUPERVISE, Effect.ESCALATE}


def _counts_as_todo(action: ActionDef) -> bool:
    """Whether an action makes a case 待办: moving actions, unit work (协办意见), pending extension decisions.

    Discretionary actions a role may take at any time (改派, 催办, 督办, 提级) do not, or every dispatcher's and
    supervisor's queue would hold every open case.
    """
    if action.discretionary or action.effect in _DISCRETIONARY:
        return False
    return (
        action.to is not None
        or action.assignee_only
        or action.effect in {Effect.APPROVE_EXTENSION, Effect.REJECT_EXTENSION}
    )


def _overseer(session: Session, actor: Actor) -> list[int]:
    """Definitions on which the actor oversees every case (admin, or may 催办/督办)."""
    ids = []
    for row in session.scalars(select(WorkflowDefinition)):
        definition = _model(row)
        if engine.is_admin(definition, actor):
            ids.append(row.id)
            continue
        for state in definition.states.values():
            if any(a.effect in {Effect.REMIND, Effect.SUPERVISE} and actor.has_role(*a.roles) for a in state.actions):
                ids.append(row.id)
                break
    return ids


def _tab_conditions(session: Session, actor: Actor, tab: Tab, late: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    inst = WorkflowInstance
    if tab == "todo":
        return [inst.status == "open", _todo_conditions(session, actor)]
    if tab == "done":
        return [exists().where(WorkflowEvent.instance_id == inst.id, WorkflowEvent.actor_id == actor.id)]
    units = sorted(engine.actor_units(actor))
    scope: list[ColumnElement[bool]] = [_todo_conditions(session, actor)]
    overseen = _overseer(session, actor)
    if overseen:
        scope.append(inst.definition_id.in_(overseen))
    if units:
        scope.append(
            exists().where(
                WorkflowAssignment.instance_id == inst.id,
                WorkflowAssignment.active.is_(True),
                WorkflowAssignment.unit_code.in_(units),
            )
        )
    return [inst.status == "open", or_(*scope), late]


def _filter_conditions(
    *,
    definition_key: str | None,
    state: str | None,
    overdue: bool | None,
    text: str | None,
    priority: int | None,
    late: ColumnElement[bool],
) -> list[ColumnElement[bool]]:
    inst = WorkflowInstance
    conditions: list[ColumnElement[bool]] = []
    if definition_key:
        conditions.append(inst.definition_key == definition_key)
    if state:
        conditions.append(inst.state == state)
    if overdue is not None:
        is_late = and_(inst.status == "open", late)
        conditions.append(is_late if overdue else ~is_late)
    if priority is not None:
        conditions.append(inst.priority == priority)
    if text and text.strip():
        pattern = f"%{text.strip()}%"
        conditions.append(or_(inst.title.ilike(pattern), inst.subject_ref.ilike(pattern)))
    return conditions


def list_queue(
    session: Session,
    *,
    actor: Actor,
    tab: Tab = "todo",
    definition_key: str | None = None,
    state: str | None = None,
    overdue: bool | None = None,
    text: str | None = None,
    priority: int | None = None,
    page: int = 1,
    page_size: int = 20,
    now: dt.datetime | None = None,
) -> QueuePage:
    """The actor's work queue: 待办 (can act now), 已办 (acted on before) or 超期 (overdue, handled or overseen).

    Filters: definition, state, overdue, text (title or subject), priority.
    """
    if tab not in {"todo", "done", "overdue"}:
        raise ValidationError("队列应为 todo（待办）、done（已办）或 overdue（超期）", field="tab")
    if page < 1 or not 1 <= page_size <= 200:  # noqa: PLR2004
        raise ValidationError("页码从 1 开始，每页 1–200 条", field="page")
    moment = _now(now)
    inst = WorkflowInstance
    late = or_(
        and_(inst.due_at.is_not(None), inst.due_at < moment),
        and_(inst.state_due_at.is_not(None), inst.state_due_at < moment),
        exists().where(
            WorkflowBranch.instance_id == inst.id, WorkflowBranch.status == "open", WorkflowBranch.due_at < moment
        ),
    )
    conditions = _tab_conditions(session, actor, tab, late)
    scope = _scope_condition(actor)
    if scope is not None:
        conditions.append(scope)
    conditions += _filter_conditions(
        definition_key=definition_key, state=state, overdue=overdue, text=text, priority=priority, late=late
    )
    total = session.scalar(select(func.count()).select_from(inst).where(*conditions)) or 0
    order: list[ColumnElement[Any]] = (
        [inst.updated_at.desc(), inst.id.desc()]
        if tab == "done"
        else [inst.priority.desc(), func.coalesce(inst.state_due_at, inst.due_at).asc(), inst.id.asc()]
    )
    rows = list(
        session.scalars(
            select(inst).where(*conditions).order_by(*order).offset((page - 1) * page_size).limit(page_size)
        )
    )
    units_by_instance: dict[int, list[str]] = {r.id: [] for r in rows}
    if rows:
        for instance_id, unit in session.execute(
            select(WorkflowAssignment.instance_id, WorkflowAssignment.unit_code)
            .where(WorkflowAssignment.instance_id.in_(units_by_instance), WorkflowAssignment.active.is_(True))
            .order_by(WorkflowAssignment.id)
        ):
            units_by_instance[instance_id].append(unit)
    items = [
        _summary(session, r, _model_by_id(session, r.definition_id), now=moment, units=units_by_instance[r.id])
        for r in rows
    ]
    return QueuePage(
        tab=tab, items=items, total=total, page=page, pages=max(1, math.ceil(total / page_size)), page_size=page_size
    )


def definition_choices(session: Session) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(key, name, [(state, label)…]) of the latest version of every definition, for queue filters."""
    seen: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}
    for row in session.scalars(
        select(WorkflowDefinition).order_by(WorkflowDefinition.key, WorkflowDefinition.version.desc())
    ):
        if row.key in seen:
            continue
        try:
            definition = _model(row)
        except DefinitionError:
            continue
        seen[row.key] = (row.key, definition.name, [(s.name, s.label) for s in definition.states.values()])
    return list(seen.values())
