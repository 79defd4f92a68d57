"""Process definitions as data: parsing and validating the YAML/JSON body into an immutable model.

A definition names its states (kind ``normal``/``parallel``/``join``/``end``), the actions leaving each state
(label, target, roles allowed, comment/reason requirements, a built-in ``effect`` such as 派单 or 退单), time
limits per state and for the whole process, and what happens on timeout. Parallel states fan out into branches
(one per department) that run a small state machine of their own and meet again in a ``join`` state.

Validation collects every problem with its path, in Chinese (``states.受理.actions[2].to: 未知状态 办结x``), so a
platform engineer fixes a definition in one pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from yiwang.kernel.errors import ValidationError
from yiwang.workflow.calendar import TimeLimit, TimeUnit

BUILTIN_DIR = Path(__file__).resolve().parent / "definitions"
"""Example definitions shipped with the platform (``appeal``, ``bundle``, ``incident``)."""


class StateKind(StrEnum):
    """What a state does."""

    NORMAL = "normal"
    PARALLEL = "parallel"
    JOIN = "join"
    END = "end"


class Effect(StrEnum):
    """Built-in behaviour attached to an action, beyond moving the state."""

    DISPATCH = "dispatch"  # 派单: assign a 主办 unit (and 协办 units)
    REDISPATCH = "redispatch"  # 改派: replace the assigned units
    SIGN = "sign"  # 签收: the assigned unit acknowledges
    RETURN = "return"  # 退单: the unit hands the case back to the dispatcher, with a reason
    REQUEST_EXTENSION = "request_extension"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"  # 批准延期: moves the due dates
    REJECT_EXTENSION = "reject_extension"  # 驳回延期
    REMIND = "remind"  # 催办
    SUPERVISE = "supervise"  # 督办
    ESCALATE = "escalate"  # 提级 / 升级督办 by hand


class TimeoutKind(StrEnum):
    """What a deadline timer does when it fires."""

    ESCALATE = "escalate"
    REMIND = "remind"
    AUTO_DECIDE = "auto_decide"
    AUTO_CLOSE = "auto_close"
    NOTIFY = "notify"


ASSIGNEE_ROLES = ("主办", "协办")
"""Roles of an assigned unit: the lead unit (主办) answers for the case, assisting units (协办) contribute."""

_EFFECTS_NEEDING_REASON = {Effect.RETURN: "退单", Effect.REQUEST_EXTENSION: "申请延期"}


@dataclass(frozen=True, slots=True)
class Timeout:
    """``on_timeout`` of a state or process: kind and optional target (action or end state)."""

    kind: TimeoutKind
    target: str | None = None

    def describe(self) -> str:
        """Chinese text for pages."""
        labels = {
            TimeoutKind.ESCALATE: "超期自动升级督办",
            TimeoutKind.REMIND: "超期自动催办",
            TimeoutKind.AUTO_DECIDE: f"超期自动执行「{self.target}」",
            TimeoutKind.AUTO_CLOSE: "超期自动办结",
            TimeoutKind.NOTIFY: "超期提醒",
        }
        return labels[self.kind]


@dataclass(frozen=True, slots=True)
class ActionDef:
    """One action: who may take it from which states, and where it leads."""

    name: str
    label: str
    from_states: tuple[str, ...]
    to: str | None
    roles: frozenset[str]
    requires_comment: bool = False
    requires_reason: bool = False
    effect: Effect | None = None
    assignee_only: bool = False
    lead_only: bool = False
    within: TimeLimit | None = None
    branch: bool = False
    discretionary: bool = False
    """Taken at the role's discretion (e.g. 并单): available, but never puts the case in anyone's 待办 queue."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form for API answers."""
        return {
            "name": self.name,
            "label": self.label,
            "to": self.to,
            "roles": sorted(self.roles),
            "requires_comment": self.requires_comment,
            "requires_reason": self.requires_reason,
            "effect": self.effect.value if self.effect else None,
            "assignee_only": self.assignee_only,
            "lead_only": self.lead_only,
            "branch": self.branch,
            "discretionary": self.discretionary,
        }


@dataclass(frozen=True, slots=True)
class BranchSpec:
    """A statically declared parallel branch: a department and its label."""

    key: str
    unit: str
    label: str
    role: str = "主办"


@dataclass(frozen=True)
class StateDef:
    """A state; parallel states carry the branch machine and the join they lead to."""

    name: str
    label: str
    kind: StateKind
    actions: tuple[ActionDef, ...] = ()
    time_limit: TimeLimit | None = None
    on_timeout: Timeout | None = None
    outcome: str | None = None
    branches: tuple[BranchSpec, ...] = ()
    branches_from: str | None = None
    branch_initial: str | None = None
    branch_states: Mapping[str, StateDef] = field(default_factory=dict)
    join: str | None = None

    def action(self, name: str) -> ActionDef | None:
        """The action of that name leaving this state."""
        return next((a for a in self.actions if a.name == name), None)


@dataclass(frozen=True)
class ProcessDefinition:
    """A validated, immutable process definition of one key and version."""

    key: str
    version: int
    name: str
    description: str
    initial: str
    states: Mapping[str, StateDef]
    roles: Mapping[str, str]
    admin_roles: frozenset[str]
    time_limit: TimeLimit | None
    on_timeout: Timeout | None
    escalation_max_level: int
    escalation_repeat: TimeLimit | None
    body: Mapping[str, Any]

    def state(self, name: str) -> StateDef:
        """A top-level state by name (KeyError when unknown)."""
        return self.states[name]

    def parallel_of_join(self, join: str) -> StateDef | None:
        """The parallel state whose branches meet in ``join``."""
        return next((s for s in self.states.values() if s.kind is StateKind.PARALLEL and s.join == join), None)

    def end_states(self) -> list[str]:
        """Names of the end states, in declaration order."""
        return [s.name for s in self.states.values() if s.kind is StateKind.END]

    def role_label(self, role: str) -> str:
        """Chinese label of a role (the role name when undeclared)."""
        return self.roles.get(role, role)


class DefinitionError(ValidationError):
    """A definition that fails validation; ``errors`` lists every problem with its path."""

    code = "invalid_definition"

    def __init__(self, errors: list[str]) -> None:
        shown = "；".join(errors[:10]) + (f"；另有 {len(errors) - 10} 处" if len(errors) > 10 else "")  # noqa: PLR2004
        super().__init__(f"流程定义有误：{shown}", field="definition")
        self.errors = errors


def checksum(body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a definition body, ignoring its ``version`` (the content identity)."""
    content = {k: v for k, v in body.items() if k != "version"}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_yaml(text: str) -> dict[str, Any]:
    """Parse YAML text into a definition body (dates stay strings)."""
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError([f"YAML 语法错误：{exc}"]) from exc
    if not isinstance(body, dict):
        raise DefinitionError(["顶层应为映射（key、name、states …）"])
    return body


def builtin_bodies() -> dict[str, dict[str, Any]]:
    """The shipped example definitions by key."""
    bodies: dict[str, dict[str, Any]] = {}
    for file in sorted(BUILTIN_DIR.glob("*.yaml")):
        body = load_yaml(file.read_text(encoding="utf-8"))
        bodies[str(body.get("key", file.stem))] = body
    return bodies


class _Parser:
    """Walks a body, collecting errors with paths, and builds the model when there are none."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def text(self, value: Any, path: str, *, required: bool = True, max_len: int = 64) -> str:
        if value is None or value == "":
            if required:
                self.error(path, "必填")
            return ""
        if not isinstance(value, str | int):
            self.error(path, "应为文字")
            return ""
        text = str(value).strip()
        if len(text) > max_len:
            self.error(path, f"不能超过 {max_len} 个字符")
        return text

    def flag(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(path, "应为 true 或 false")
            return False
        return value

    def time_limit(self, value: Any, path: str) -> TimeLimit | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.error(path, "应为 {amount, unit}")
            return None
        amount, unit = value.get("amount"), value.get("unit")
        ok = True
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            self.error(f"{path}.amount", f"应为正整数，实际为 {amount!r}")
            ok = False
        units = [u.value for u in TimeUnit]
        if unit not in units:
            self.error(f"{path}.unit", f"未知时限单位 {unit}，可选：{'、'.join(units)}")
            ok = False
        extra = set(value) - {"amount", "unit"}
        if extra:
            self.error(path, f"未知字段 {'、'.join(sorted(map(str, extra)))}")
        return TimeLimit(int(amount), TimeUnit(unit)) if ok else None  # type: ignore[arg-type]

    def timeout(self, value: Any, path: str) -> Timeout | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(path, "应为文字，例如 escalate、auto_close、auto_decide:ACTION")
            return None
        kind_text, _, target = value.partition(":")
        kinds = [k.value for k in TimeoutKind]
        if kind_text not in kinds:
            self.error(path, f"未知超时处理 {kind_text}，可选：{'、'.join(kinds)}")
            return None
        kind = TimeoutKind(kind_text)
        if kind is TimeoutKind.AUTO_DECIDE and not target:
            self.error(path, "auto_decide 须写明动作，例如 auto_decide:approve")
        if kind not in {TimeoutKind.AUTO_DECIDE, TimeoutKind.AUTO_CLOSE} and target:
            self.error(path, f"{kind.value} 不带参数")
        return Timeout(kind, target or None)

    def roles(self, value: Any, path: str, declared: Mapping[str, str]) -> frozenset[str]:
        if not isinstance(value, list) or not value:
            self.error(path, "至少列出一个角色")
            return frozenset()
        result = set()
        for index, role in enumerate(value):
            if not isinstance(role, str) or not role:
                self.error(f"{path}[{index}]", "角色应为文字")
                continue
            if declared and role not in declared:
                self.error(f"{path}[{index}]", f"未知角色 {role}（未在 roles 中声明）")
            result.add(role)
        return frozenset(result)

    def action(
        self, raw: Any, path: str, from_states: tuple[str, ...], declared: Mapping[str, str], *, branch: bool
    ) -> ActionDef | None:
        if not isinstance(raw, Mapping):
            self.error(path, "应为映射（name、label、to、roles …）")
            return None
        known = {
            "name",
            "label",
            "to",
            "from",
            "roles",
            "requires_comment",
            "requires_reason",
            "effect",
            "assignee_only",
            "lead_only",
            "within",
            "discretionary",
        }
        extra = set(raw) - known
        if extra:
            self.error(path, f"未知字段 {'、'.join(sorted(map(str, extra)))}")
        name = self.text(raw.get("name"), f"{path}.name")
        label = self.text(raw.get("label"), f"{path}.label") or name
        effect: Effect | None = None
        if raw.get("effect") is not None:
            try:
                effect = Effect(raw["effect"])
            except ValueError:
                self.error(f"{path}.effect", f"未知效果 {raw['effect']}，可选：{'、'.join(e.value for e in Effect)}")
        requires_reason = self.flag(raw.get("requires_reason"), f"{path}.requires_reason")
        if effect in _EFFECTS_NEEDING_REASON and not requires_reason:
            self.error(f"{path}.requires_reason", f"{_EFFECTS_NEEDING_REASON[effect]}必须要求填写原因（true）")
        to = raw.get("to")
        return ActionDef(
            name=name,
            label=label,
            from_states=from_states,
            to=self.text(to, f"{path}.to") if to is not None else None,
            roles=self.roles(raw.get("roles"), f"{path}.roles", declared),
            requires_comment=self.flag(raw.get("requires_comment"), f"{path}.requires_comment"),
            requires_reason=requires_reason,
            effect=effect,
            assignee_only=self.flag(raw.get("assignee_only"), f"{path}.assignee_only"),
            lead_only=self.flag(raw.get("lead_only"), f"{path}.lead_only"),
            within=self.time_limit(raw.get("within"), f"{path}.within"),
            branch=branch,
            discretionary=self.flag(raw.get("discretionary"), f"{path}.discretionary"),
        )

    def state_map(
        self, raw: Any, path: str, declared: Mapping[str, str], *, branch: bool
    ) -> dict[str, tuple[dict[str, Any], list[ActionDef]]]:
        """First pass over a states mapping: header fields and the state's own actions."""
        result: dict[str, tuple[dict[str, Any], list[ActionDef]]] = {}
        if not isinstance(raw, Mapping) or not raw:
            self.error(path, "至少需要一个状态")
            return result
        for name, given in raw.items():
            state_path = f"{path}.{name}"
            spec = given or {}
            if not isinstance(spec, Mapping):
                self.error(state_path, "应为映射（kind、actions …）")
                continue
            actions_raw = spec.get("actions") or []
            actions: list[ActionDef] = []
            if not isinstance(actions_raw, list):
                self.error(f"{state_path}.actions", "应为列表")
                actions_raw = []
            for index, action_raw in enumerate(actions_raw):
                action = self.action(
                    action_raw, f"{state_path}.actions[{index}]", (str(name),), declared, branch=branch
                )
                if action is not None:
                    actions.append(action)
            result[str(name)] = (dict(spec), actions)
        return result

    def build_states(  # noqa: C901 - a validator checks one rule per branch
        self,
        raw_states: dict[str, tuple[dict[str, Any], list[ActionDef]]],
        path: str,
        declared: Mapping[str, str],
        *,
        branch: bool,
    ) -> dict[str, StateDef]:
        states: dict[str, StateDef] = {}
        for name, (spec, actions) in raw_states.items():
            state_path = f"{path}.{name}"
            known = {
                "kind",
                "label",
                "actions",
                "time_limit",
                "on_timeout",
                "outcome",
                "branches",
                "branches_from",
                "branch_initial",
                "branch_states",
                "join",
            }
            extra = set(spec) - known
            if extra:
                self.error(state_path, f"未知字段 {'、'.join(sorted(map(str, extra)))}")
            try:
                kind = StateKind(spec.get("kind", "normal"))
            except ValueError:
                self.error(f"{state_path}.kind", f"未知状态类型 {spec.get('kind')}，可选：normal、parallel、join、end")
                kind = StateKind.NORMAL
            if branch and kind in {StateKind.PARALLEL, StateKind.JOIN}:
                self.error(f"{state_path}.kind", "分支内不能再嵌套并行或汇合")
            seen: dict[str, int] = {}
            for index, action in enumerate(actions):
                if action.name in seen:
                    self.error(f"{state_path}.actions[{index}].name", f"动作 {action.name} 重名")
                seen[action.name] = index
            if kind is StateKind.END and actions:
                self.error(f"{state_path}.actions", "结束状态不能有动作")
            parallel_fields: dict[str, Any] = {}
            if kind is StateKind.PARALLEL:
                parallel_fields = self.parallel(spec, state_path, declared)
            elif any(k in spec for k in ("branches", "branches_from", "branch_initial", "branch_states", "join")):
                self.error(state_path, "只有 parallel 状态可以声明分支和汇合")
            time_limit = self.time_limit(spec.get("time_limit"), f"{state_path}.time_limit")
            if kind is StateKind.END and time_limit:
                self.error(f"{state_path}.time_limit", "结束状态没有时限")
            states[name] = StateDef(
                name=name,
                label=self.text(spec.get("label"), f"{state_path}.label", required=False) or name,
                kind=kind,
                actions=tuple(actions),
                time_limit=time_limit,
                on_timeout=self.timeout(spec.get("on_timeout"), f"{state_path}.on_timeout"),
                outcome=self.text(spec.get("outcome"), f"{state_path}.outcome", required=False) or None,
                **parallel_fields,
            )
        return states

    def parallel(  # noqa: C901, PLR0912 - a validator checks one rule per branch
        self, spec: Mapping[str, Any], path: str, declared: Mapping[str, str]
    ) -> dict[str, Any]:
        branches: list[BranchSpec] = []
        raw_branches = spec.get("branches")
        if raw_branches is not None:
            if not isinstance(raw_branches, list) or not raw_branches:
                self.error(f"{path}.branches", "应为非空列表")
            else:
                keys: set[str] = set()
                for index, item in enumerate(raw_branches):
                    item_path = f"{path}.branches[{index}]"
                    if not isinstance(item, Mapping):
                        self.error(item_path, "应为映射（key、unit、label）")
                        continue
                    key = self.text(item.get("key") or item.get("unit"), f"{item_path}.key")
                    if key in keys:
                        self.error(f"{item_path}.key", f"分支 {key} 重复")
                    keys.add(key)
                    role = str(item.get("role", "主办"))
                    if role not in ASSIGNEE_ROLES:
                        self.error(f"{item_path}.role", "应为 主办 或 协办")
                    branches.append(
                        BranchSpec(
                            key=key,
                            unit=self.text(item.get("unit"), f"{item_path}.unit", max_len=32),
                            label=self.text(item.get("label"), f"{item_path}.label", required=False) or key,
                            role=role,
                        )
                    )
        branches_from = spec.get("branches_from")
        if branches_from is not None and not isinstance(branches_from, str):
            self.error(f"{path}.branches_from", "应为实例数据中的字段名")
            branches_from = None
        if not branches and not branches_from:
            self.error(path, "并行状态须声明 branches 或 branches_from")
        raw_branch_states = self.state_map(spec.get("branch_states"), f"{path}.branch_states", declared, branch=True)
        branch_states = self.build_states(raw_branch_states, f"{path}.branch_states", declared, branch=True)
        initial = spec.get("branch_initial")
        if initial not in branch_states:
            self.error(f"{path}.branch_initial", f"未知分支状态 {initial}")
        for name, state in branch_states.items():
            for index, action in enumerate(state.actions):
                if action.to is not None and action.to not in branch_states:
                    self.error(f"{path}.branch_states.{name}.actions[{index}].to", f"未知分支状态 {action.to}")
        if branch_states and not any(s.kind is StateKind.END for s in branch_states.values()):
            self.error(f"{path}.branch_states", "至少需要一个结束状态（kind: end）")
        return {
            "branches": tuple(branches),
            "branches_from": branches_from,
            "branch_initial": initial if isinstance(initial, str) else None,
            "branch_states": branch_states,
            "join": spec.get("join") if isinstance(spec.get("join"), str) else None,
        }


def parse_definition(  # noqa: C901 - a validator checks one rule per branch
    body: Mapping[str, Any], *, version: int | None = None
) -> ProcessDefinition:
    """Validate a definition body and build the model; raises :class:`DefinitionError` listing every problem."""
    parser = _Parser(body)
    known = {
        "key",
        "version",
        "name",
        "description",
        "initial",
        "roles",
        "admin_roles",
        "time_limit",
        "on_timeout",
        "escalation",
        "states",
        "actions",
    }
    extra = set(body) - known
    if extra:
        parser.error("(顶层)", f"未知字段 {'、'.join(sorted(map(str, extra)))}")
    key = parser.text(body.get("key"), "key")
    if key and not key.replace("_", "").replace("-", "").isalnum():
        parser.error("key", "只能包含字母、数字、下划线和连字符")
    name = parser.text(body.get("name"), "name", max_len=128)
    declared_raw = body.get("roles") or {}
    declared: dict[str, str] = {}
    if not isinstance(declared_raw, Mapping):
        parser.error("roles", "应为映射（角色名: 中文名称）")
    else:
        declared = {str(k): str(v) for k, v in declared_raw.items()}
    admin_raw = body.get("admin_roles") or []
    if not isinstance(admin_raw, list):
        parser.error("admin_roles", "应为列表")
        admin_raw = []
    raw_states = parser.state_map(body.get("states"), "states", declared, branch=False)
    _merge_global_actions(parser, body.get("actions"), raw_states, declared)
    states = parser.build_states(raw_states, "states", declared, branch=False)
    initial = body.get("initial") or (next(iter(states)) if states else None)
    if initial not in states:
        parser.error("initial", f"未知状态 {initial}")
    elif states[str(initial)].kind is not StateKind.NORMAL:
        parser.error("initial", "初始状态须为 normal 类型")
    escalation = body.get("escalation") or {}
    if not isinstance(escalation, Mapping):
        parser.error("escalation", "应为映射（max_level、repeat）")
        escalation = {}
    max_level = escalation.get("max_level", 3)
    if not isinstance(max_level, int) or isinstance(max_level, bool) or max_level < 1:
        parser.error("escalation.max_level", "应为正整数")
        max_level = 3
    process_timeout = parser.timeout(body.get("on_timeout"), "on_timeout")
    if process_timeout and process_timeout.kind is TimeoutKind.AUTO_DECIDE:
        parser.error("on_timeout", "整体时限不支持 auto_decide（请在状态上声明）")
    definition = ProcessDefinition(
        key=key,
        version=int(version if version is not None else body.get("version") or 1),
        name=name,
        description=str(body.get("description") or ""),
        initial=str(initial),
        states=states,
        roles=declared,
        admin_roles=frozenset(str(r) for r in admin_raw),
        time_limit=parser.time_limit(body.get("time_limit"), "time_limit"),
        on_timeout=process_timeout,
        escalation_max_level=int(max_level),
        escalation_repeat=parser.time_limit(escalation.get("repeat"), "escalation.repeat"),
        body=dict(body),
    )
    _check_references(parser, definition)
    if parser.errors:
        raise DefinitionError(parser.errors)
    return definition


def _merge_global_actions(  # noqa: C901 - a validator checks one rule per branch
    parser: _Parser,
    raw: Any,
    raw_states: dict[str, tuple[dict[str, Any], list[ActionDef]]],
    declared: Mapping[str, str],
) -> None:
    """Top-level ``actions`` leave several states (``from: [..]`` or ``from: "*"`` = every open state)."""
    if raw is None:
        return
    if not isinstance(raw, list):
        parser.error("actions", "应为列表")
        return
    for index, item in enumerate(raw):
        path = f"actions[{index}]"
        origin = item.get("from") if isinstance(item, Mapping) else None
        if origin == "*":
            froms = [n for n, (spec, _) in raw_states.items() if spec.get("kind", "normal") != StateKind.END.value]
        elif isinstance(origin, str):
            froms = [origin]
        elif isinstance(origin, list) and origin:
            froms = [str(o) for o in origin]
        else:
            parser.error(f"{path}.from", '须写明来源状态（状态名、列表或 "*"）')
            continue
        for position, state in enumerate(froms):
            if state not in raw_states:
                parser.error(
                    f"{path}.from[{position}]" if isinstance(origin, list) else f"{path}.from", f"未知状态 {state}"
                )
        action = parser.action(item, path, tuple(f for f in froms if f in raw_states), declared, branch=False)
        if action is None:
            continue
        for state in action.from_states:
            raw_states[state][1].append(action)


def _check_references(  # noqa: C901, PLR0912 - a validator checks one rule per branch
    parser: _Parser, definition: ProcessDefinition
) -> None:
    states = definition.states
    joins_used: dict[str, str] = {}
    for name, state in states.items():
        for index, action in enumerate(state.actions):
            where = _action_path(definition, name, action, index)
            if action.to is not None and action.to not in states:
                parser.error(f"{where}.to", f"未知状态 {action.to}")
        if state.kind is StateKind.PARALLEL:
            if state.join is None or state.join not in states:
                parser.error(f"states.{name}.join", f"未知状态 {state.join}")
            elif states[state.join].kind is not StateKind.JOIN:
                parser.error(f"states.{name}.join", f"{state.join} 不是 join 类型的状态")
            elif state.join in joins_used:
                parser.error(f"states.{name}.join", f"{state.join} 已是 {joins_used[state.join]} 的汇合状态")
            else:
                joins_used[state.join] = name
            if any(a.to is not None and a.to != name for a in state.actions):
                parser.error(f"states.{name}.actions", "并行状态的动作不能离开该状态（分支全部结束后自动进入汇合状态）")
        _check_timeout(parser, definition, f"states.{name}.on_timeout", state, states)
        for branch_name, branch_state in state.branch_states.items():
            _check_timeout(
                parser,
                definition,
                f"states.{name}.branch_states.{branch_name}.on_timeout",
                branch_state,
                state.branch_states,
            )
    for name, state in states.items():
        if state.kind is StateKind.JOIN and name not in joins_used:
            parser.error(f"states.{name}", "join 状态没有对应的并行状态")
    if definition.initial in states:
        _check_reachability(parser, definition)


def _action_path(definition: ProcessDefinition, state: str, action: ActionDef, index: int) -> str:
    if len(action.from_states) > 1 or state not in (definition.body.get("states") or {}):
        return f"actions({action.name})"
    own = (definition.body["states"][state] or {}).get("actions") or []
    return f"states.{state}.actions[{index}]" if index < len(own) else f"actions({action.name})"


def _check_timeout(
    parser: _Parser, definition: ProcessDefinition, path: str, state: StateDef, scope: Mapping[str, StateDef]
) -> None:
    timeout = state.on_timeout
    if timeout is None:
        return
    if state.time_limit is None:
        parser.error(path, "声明了超时处理却没有 time_limit")
    if timeout.kind is TimeoutKind.AUTO_DECIDE and timeout.target and state.action(timeout.target) is None:
        parser.error(path, f"auto_decide 的动作 {timeout.target} 不在本状态的动作中")
    if timeout.kind is TimeoutKind.AUTO_CLOSE:
        target = timeout.target
        if target is not None and (target not in scope or scope[target].kind is not StateKind.END):
            parser.error(path, f"auto_close 的目标 {target} 不是结束状态")
        if target is None and not any(s.kind is StateKind.END for s in scope.values()):
            parser.error(path, "auto_close 找不到结束状态")
    _ = definition


def _check_reachability(parser: _Parser, definition: ProcessDefinition) -> None:
    states = definition.states
    seen = {definition.initial}
    queue = [definition.initial]
    while queue:
        current = states[queue.pop()]
        targets = [a.to for a in current.actions if a.to]
        if current.kind is StateKind.PARALLEL and current.join:
            targets.append(current.join)
        if current.on_timeout and current.on_timeout.kind is TimeoutKind.AUTO_CLOSE:
            targets.extend(
                definition.end_states()[:1] if current.on_timeout.target is None else [current.on_timeout.target]
            )
        for target in targets:
            if target in states and target not in seen:
                seen.add(target)
                queue.append(target)
    for name in states:
        if name not in seen:
            parser.error(f"states.{name}", f"从初始状态 {definition.initial} 无法到达")
    if not any(states[name].kind is StateKind.END for name in seen):
        parser.error("states", "从初始状态无法到达任何结束状态（kind: end）")


def describe_roles(definition: ProcessDefinition, roles: Iterable[str]) -> str:
    """Chinese list of role labels, e.g. ``派单员、督办员``."""
    return "、".join(definition.role_label(r) for r in sorted(roles))
