import copy
from typing import Any

import pytest

from yiwang.workflow.definitions import (
    DefinitionError,
    Effect,
    StateKind,
    TimeoutKind,
    builtin_bodies,
    checksum,
    parse_definition,
)


def minimal() -> dict[str, Any]:
    return {
        "key": "demo",
        "name": "示例",
        "initial": "受理",
        "roles": {"clerk": "窗口"},
        "states": {
            "受理": {"actions": [{"name": "ok", "label": "通过", "to": "办结", "roles": ["clerk"]}]},
            "办结": {"kind": "end"},
        },
    }


def errors_of(body: dict[str, Any]) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        parse_definition(body)
    assert info.value.status_code == 422
    return info.value.errors


def test_shipped_definitions_are_valid() -> None:
    bodies = builtin_bodies()
    assert set(bodies) == {"appeal", "bundle", "incident"}
    appeal = parse_definition(bodies["appeal"])
    assert list(appeal.states)[:7] == ["受理", "派单", "签收", "办理", "答复", "回访", "办结"]
    assert appeal.state("签收").action("return").effect is Effect.RETURN
    assert appeal.state("办理").action("remind") is not None  # a global action merged into its states
    bundle = parse_definition(bodies["bundle"])
    assert bundle.state("并联审批").kind is StateKind.PARALLEL
    assert bundle.parallel_of_join("汇总") is bundle.state("并联审批")
    incident = parse_definition(bodies["incident"])
    assert list(incident.states)[:7] == ["发现", "立案", "派遣", "处置", "核查", "结案", "评价"]
    assert incident.state("结案").on_timeout.kind is TimeoutKind.AUTO_DECIDE  # type: ignore[union-attr]


def test_unknown_target_state_is_named_with_its_path() -> None:
    body = copy.deepcopy(builtin_bodies()["appeal"])
    body["states"]["受理"]["actions"][2]["to"] = "办结x"
    assert "states.受理.actions[2].to: 未知状态 办结x" in errors_of(body)


def test_every_problem_is_reported_at_once() -> None:
    body = minimal()
    body["states"]["受理"]["actions"][0]["roles"] = ["nobody"]
    body["states"]["受理"]["time_limit"] = {"amount": 0, "unit": "fortnights"}
    body["states"]["孤岛"] = {"actions": []}
    errors = errors_of(body)
    assert "states.受理.actions[0].roles[0]: 未知角色 nobody（未在 roles 中声明）" in errors
    assert "states.受理.time_limit.amount: 应为正整数，实际为 0" in errors
    assert any(e.startswith("states.受理.time_limit.unit: 未知时限单位 fortnights") for e in errors)
    assert "states.孤岛: 从初始状态 受理 无法到达" in errors


def test_return_requires_a_reason_and_timeouts_need_a_limit() -> None:
    body = minimal()
    body["states"]["受理"]["actions"].append({"name": "back", "label": "退单", "roles": ["clerk"], "effect": "return"})
    body["states"]["受理"]["on_timeout"] = "auto_decide:missing"
    errors = errors_of(body)
    assert "states.受理.actions[1].requires_reason: 退单必须要求填写原因（true）" in errors
    assert "states.受理.on_timeout: 声明了超时处理却没有 time_limit" in errors
    assert "states.受理.on_timeout: auto_decide 的动作 missing 不在本状态的动作中" in errors


def test_unknown_kinds_effects_and_fields() -> None:
    body = minimal()
    body["states"]["受理"]["kind"] = "loop"
    body["states"]["受理"]["actions"][0]["effect"] = "teleport"
    body["states"]["受理"]["actions"][0]["colour"] = "red"
    body["owner"] = "x"
    errors = errors_of(body)
    assert any(e.startswith("states.受理.kind: 未知状态类型 loop") for e in errors)
    assert any(e.startswith("states.受理.actions[0].effect: 未知效果 teleport") for e in errors)
    assert "states.受理.actions[0]: 未知字段 colour" in errors
    assert "(顶层): 未知字段 owner" in errors


def test_parallel_states_need_branches_a_branch_end_and_a_join() -> None:
    body = minimal()
    body["states"]["受理"]["actions"][0]["to"] = "并联"
    body["states"]["并联"] = {
        "kind": "parallel",
        "branch_initial": "审",
        "branch_states": {"审": {"actions": [{"name": "a", "label": "甲", "to": "乙", "roles": ["clerk"]}]}},
        "join": "办结",
    }
    errors = errors_of(body)
    assert "states.并联: 并行状态须声明 branches 或 branches_from" in errors
    assert "states.并联.branch_states.审.actions[0].to: 未知分支状态 乙" in errors
    assert "states.并联.branch_states: 至少需要一个结束状态（kind: end）" in errors
    assert "states.并联.join: 办结 不是 join 类型的状态" in errors


def test_global_actions_with_unknown_sources() -> None:
    body = minimal()
    body["actions"] = [{"name": "remind", "label": "催办", "from": ["受理", "不存在"], "roles": ["clerk"]}]
    assert "actions[0].from[1]: 未知状态 不存在" in errors_of(body)


def test_checksum_ignores_the_version_only() -> None:
    body = minimal()
    assert checksum(body) == checksum({**body, "version": 7})
    changed = copy.deepcopy(body)
    changed["name"] = "示例二"
    assert checksum(changed) != checksum(body)
