"""The pure rules of the engine: which actions a viewer may take on a case right now, and why not.

No database here: services build a :class:`Snapshot` of an instance and ask. Roles come from the definition
(``roles`` allowed per action, ``admin_roles`` for the platform console); units come from the actor's
department, district and street (a 承办 action marked ``assignee_only`` needs one of them to be assigned).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ValidationError, YiwangError
from yiwang.workflow.calendar import WorkCalendar, add_time_limit
from yiwang.workflow.definitions import (
    ActionDef,
    Effect,
    ProcessDefinition,
    StateDef,
    StateKind,
    Timeout,
    TimeoutKind,
    describe_roles,
)


class ForbiddenError(YiwangError):
    """The actor may see the case but not take this action (wrong role or unit)."""

    status_code = 403
    code = "forbidden"


@dataclass(frozen=True, slots=True)
class AssignmentView:
    """An assignment as the rules see it."""

    unit_code: str
    role: str
    active: bool
    branch_key: str | None
    assigned_at: dt.datetime
    signed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class BranchView:
    """A parallel branch as the rules see it."""

    key: str
    label: str
    unit_code: str
    state: str
    status: str
    state_entered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the rules need to know about an instance."""

    state: str
    status: str
    state_entered_at: dt.datetime
    assignments: tuple[AssignmentView, ...] = ()
    branches: tuple[BranchView, ...] = ()
    pending_extension: bool = False


@dataclass(frozen=True, slots=True)
class Available:
    """An action the viewer may take now; ``branch`` is set for a parallel branch's action."""

    action: ActionDef
    branch: BranchView | None = None

    @property
    def label(self) -> str:
        """Button text, naming the branch for branch actions."""
        return f"{self.action.label}（{self.branch.label}）" if self.branch else self.action.label


def actor_units(actor: Actor) -> frozenset[str]:
    """The units an actor acts for: department, district and street codes it carries."""
    return frozenset(u for u in (actor.department, actor.district_code, actor.street_code) if u)


def is_admin(definition: ProcessDefinition, actor: Actor) -> bool:
    """Whether the actor holds an admin role of the definition (may take any action, for any unit)."""
    return bool(definition.admin_roles) and actor.has_role(*definition.admin_roles)


def role_allowed(definition: ProcessDefinition, action: ActionDef, actor: Actor) -> bool:
    """Whether the actor's roles allow the action."""
    return is_admin(definition, actor) or actor.has_role(*action.roles)


def unit_allowed(
    definition: ProcessDefinition, action: ActionDef, snapshot: Snapshot, actor: Actor, branch: BranchView | None
) -> bool:
    """Whether an ``assignee_only`` action is taken by an assigned unit (the lead unit when ``lead_only``)."""
    if not action.assignee_only or is_admin(definition, actor):
        return True
    units = actor_units(actor)
    if branch is not None:
        return branch.unit_code in units
    active = [a for a in snapshot.assignments if a.active and a.branch_key is None]
    if action.lead_only:
        active = [a for a in active if a.role == "主办"]
    return any(a.unit_code in units for a in active)


def precondition(action: ActionDef, snapshot: Snapshot) -> str | None:
    """Why the action cannot be taken in this situation regardless of who asks (None when it can)."""
    if action.effect in {Effect.APPROVE_EXTENSION, Effect.REJECT_EXTENSION} and not snapshot.pending_extension:
        return "没有待审批的延期申请"
    if action.effect is Effect.REQUEST_EXTENSION and snapshot.pending_extension:
        return "已有延期申请正在审批"
    if action.effect in {Effect.RETURN, Effect.SIGN, Effect.REDISPATCH} and not any(
        a.active and a.branch_key is None for a in snapshot.assignments
    ):
        return "尚未派单"
    return None


def _candidates(definition: ProcessDefinition, snapshot: Snapshot) -> list[tuple[ActionDef, BranchView | None]]:
    if snapshot.status != "open":
        return []
    state = definition.state(snapshot.state)
    found: list[tuple[ActionDef, BranchView | None]] = [(a, None) for a in state.actions]
    if state.kind is StateKind.PARALLEL:
        for branch in snapshot.branches:
            if branch.status != "open" or branch.state not in state.branch_states:
                continue
            found.extend((a, branch) for a in state.branch_states[branch.state].actions)
    return found


def available_actions(definition: ProcessDefinition, snapshot: Snapshot, actor: Actor) -> list[Available]:
    """Every action the actor may take now, in definition order."""
    return [
        Available(action, branch)
        for action, branch in _candidates(definition, snapshot)
        if role_allowed(definition, action, actor)
        and unit_allowed(definition, action, snapshot, actor, branch)
        and precondition(action, snapshot) is None
    ]


def resolve_action(
    definition: ProcessDefinition, snapshot: Snapshot, actor: Actor, name: str, *, branch_key: str | None = None
) -> Available:
    """The action ``name`` if the actor may take it now; otherwise a Chinese error saying why.

    Unknown in this state → :class:`ValidationError` listing what the actor may do; wrong role or unit →
    :class:`ForbiddenError`; situation not met (no pending extension…) → :class:`ValidationError`.
    """
    matches = [(a, b) for a, b in _candidates(definition, snapshot) if a.name == name]
    if branch_key is not None:
        matches = [(a, b) for a, b in matches if b is not None and b.key == branch_key]
    if not matches:
        allowed = available_actions(definition, snapshot, actor)
        listing = "、".join(f"{a.label}（{a.action.name}）" for a in allowed) or "无"
        state_label = definition.state(snapshot.state).label if snapshot.state in definition.states else snapshot.state
        status = "已办结" if snapshot.status != "open" else f"当前状态「{state_label}」"
        raise ValidationError(f"{status}不能执行动作 {name}，您可以执行的动作：{listing}", field="action")
    permitted = [(a, b) for a, b in matches if role_allowed(definition, a, actor)]
    if not permitted:
        action = matches[0][0]
        raise ForbiddenError(
            f"「{action.label}」需要以下角色之一：{describe_roles(definition, action.roles)}", field="action"
        )
    in_unit = [(a, b) for a, b in permitted if unit_allowed(definition, a, snapshot, actor, b)]
    if not in_unit:
        action = permitted[0][0]
        who = "主办单位" if action.lead_only else "承办单位"
        raise ForbiddenError(f"「{action.label}」只能由本事项的{who}办理", field="action")
    if len(in_unit) > 1 and branch_key is None:
        labels = "、".join(b.key for _, b in in_unit if b is not None)
        raise ValidationError(f"「{in_unit[0][0].label}」涉及多个分支，请指定分支：{labels}", field="branch")
    action, branch = in_unit[0]
    blocker = precondition(action, snapshot)
    if blocker is not None:
        raise ValidationError(f"「{action.label}」暂不能执行：{blocker}", field="action")
    return Available(action, branch)


def check_inputs(action: ActionDef, *, comment: str | None, reason: str | None) -> None:
    """Comment and reason requirements of an action."""
    if action.requires_comment and not (comment or "").strip():
        raise ValidationError(f"「{action.label}」须填写办理意见", field="comment")
    if action.requires_reason and not (reason or "").strip():
        raise ValidationError(f"「{action.label}」须填写原因", field="reason")


def check_within(action: ActionDef, *, since: dt.datetime, now: dt.datetime, calendar: WorkCalendar) -> None:
    """An action limited to a period (e.g. 退单 within 2 working days of dispatch) is refused after it."""
    if action.within is None:
        return
    limit = add_time_limit(since, action.within, calendar=calendar)
    if now > limit:
        raise ValidationError(
            f"「{action.label}」须在派单后 {action.within.describe()}内提出，已超过期限，请联系派单员改派",
            field="action",
        )


def timer_kind(timeout: Timeout) -> str:
    """The timer kind stored for an ``on_timeout`` policy."""
    if timeout.kind is TimeoutKind.ESCALATE:
        return "escalation"
    if timeout.kind in {TimeoutKind.AUTO_DECIDE, TimeoutKind.AUTO_CLOSE}:
        return "auto_action"
    if timeout.kind is TimeoutKind.REMIND:
        return "reminder"
    return "deadline"


def timeout_text(timeout: Timeout | None) -> str:
    """The ``on_timeout`` text stored on a timer (``notify`` when none is configured)."""
    if timeout is None:
        return TimeoutKind.NOTIFY.value
    return f"{timeout.kind.value}:{timeout.target}" if timeout.target else timeout.kind.value


def end_state_for(scope: dict[str, StateDef] | ProcessDefinition, target: str | None) -> str:
    """The end state an ``auto_close`` goes to: its target, else the first end state of the scope."""
    states = scope.states if isinstance(scope, ProcessDefinition) else scope
    if target is not None:
        return target
    return next(name for name, state in states.items() if state.kind is StateKind.END)
