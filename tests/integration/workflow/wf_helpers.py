"""Shared actors and clock of the workflow tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from yiwang.kernel.actor import Actor

CST = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 9, 28, 10, 0, tzinfo=CST)
"""A Monday before the 2026 National Day holidays (Oct 1–7 off, Sep 20 and Oct 10 worked)."""


ACCOUNT_ROLES = {
    "operator": "hotline_operator",
    "acceptor": "hotline_operator",
    "dispatcher": "dispatcher",
    "handler": "department_staff",
    "approver": "department_staff",
    "window": "department_staff",
    "supervisor": "leader",
    "collector": "grid_worker",
}
"""The account role (data scope) each workflow role's test actor holds besides its workflow role."""


def actor(actor_id: str, role: str, department: str | None = "cityops", **scope: str) -> Actor:
    roles = {role, *([ACCOUNT_ROLES[role]] if role in ACCOUNT_ROLES else [])}
    return Actor(id=actor_id, department=department, role=role, roles=frozenset(roles), **scope)


OPERATOR = actor("op-01", "operator")
DISPATCHER = actor("disp-01", "dispatcher")
SUPERVISOR = actor("sup-01", "supervisor")
WATER = actor("water-01", "handler", "water")
URBAN = actor("urban-01", "handler", "urban")
WUHOU = actor("wuhou-01", "handler", "510107", district_code="510107")
"""Staff of the 武侯区 government, a unit named by its division code."""
OUTSIDER = actor("edu-01", "teacher", "edu")
