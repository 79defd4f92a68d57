"""Who may see and act on ratings, rectifications and appeals (pure, one rule per case)."""

from __future__ import annotations

import pytest

from yiwang.kernel.actor import CONSOLE_ACTOR, SYSTEM_ACTOR, Actor
from yiwang.ratings import access


def _actor(actor_id: str, role: str, department: str | None = None) -> Actor:
    return Actor(id=actor_id, department=department, role=role, roles=frozenset({role}))


RATER = _actor("citizen-1", "citizen")
OTHER_CITIZEN = _actor("citizen-2", "citizen")
MARKET = _actor("m1", "department_staff", "market")
TAX = _actor("t1", "department_staff", "tax")
CITYOPS_OPERATOR = _actor("op", "hotline_operator", "cityops")
LEADER = _actor("leader", "leader")
ADMIN = _actor("admin", "platform_admin", "cityops")


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        (RATER, True),
        (OTHER_CITIZEN, False),
        (MARKET, True),
        (TAX, False),
        (CITYOPS_OPERATOR, True),
        (LEADER, True),
        (ADMIN, True),
        (CONSOLE_ACTOR, True),
        (SYSTEM_ACTOR, True),
    ],
)
def test_read(actor: Actor, expected: bool) -> None:
    assert access.can_read(actor, department_code="market", rater_id=RATER.id) is expected


@pytest.mark.parametrize(
    ("actor", "respond", "appeal", "callback"),
    [
        (RATER, False, False, True),
        (MARKET, True, True, False),
        (TAX, False, False, False),
        (CITYOPS_OPERATOR, False, False, True),
        (LEADER, False, False, False),
        (ADMIN, True, True, True),
    ],
)
def test_actions(actor: Actor, respond: bool, appeal: bool, callback: bool) -> None:
    assert access.can_respond(actor, department_code="market") is respond
    assert access.can_file_appeal(actor, department_code="market") is appeal
    assert access.can_record_callback(actor, rater_id=RATER.id) is callback


def test_appeals_are_decided_by_neither_the_filer_nor_the_rated_department() -> None:
    assert access.can_decide_appeal(ADMIN, department_code="market", filed_by="m1")
    assert not access.can_decide_appeal(ADMIN, department_code="market", filed_by=ADMIN.id)
    assert access.can_decide_appeal(CITYOPS_OPERATOR, department_code="market", filed_by="m1")
    assert not access.can_decide_appeal(CITYOPS_OPERATOR, department_code="cityops", filed_by="x")
    assert not access.can_decide_appeal(MARKET, department_code="market", filed_by="m2")
    assert not access.can_decide_appeal(LEADER, department_code="market", filed_by="m1")
