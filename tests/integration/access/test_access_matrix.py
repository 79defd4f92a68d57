"""Every resource type × every role over real HTTP routes with real bearer tokens: 200, 404 (hidden) or 403.

A resource outside the caller's scope answers 404, exactly like a missing one; a resource the caller may see
but not change answers 403. Each row names a route and the status each account gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
from access_helpers import ACCOUNTS, ENTERPRISE_NAME, PERSON_ID, USCC, World
from fastapi.testclient import TestClient


def new_person_id(account: str) -> str:
    """A valid, unused 公民身份号码 per account, so every allowed registration succeeds on its own."""
    body = f"510107198807150{ACCOUNTS.index(account):02d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True)) % 11]


PENALTY_CSV = (
    "行政相对人名称,统一社会信用代码,行政处罚决定书文号,违法行为类型,处罚类别,处罚决定日期,处罚机关\n"
    f"{ENTERPRISE_NAME},{USCC},成武市监罚〔2025〕901号,违反食品安全管理规定,警告,2025-03-18,"
    "成都市武侯区市场监督管理局\n"
)


@dataclass(frozen=True)
class Case:
    """One route: how to call it, the status most accounts get, and the accounts that get another."""

    resource: str
    call: Callable[[TestClient, World, str], httpx.Response]
    default: int
    others: dict[str, int] = field(default_factory=dict)

    def expected(self, account: str) -> int:
        return self.others.get(account, self.default)


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACCOUNTS, status)


SHARED_REGISTER_READERS = {
    "staff_cityops": 200,
    "staff_market": 200,
    "staff_tax": 200,
    "hotline_operator": 200,
    "dispatcher": 200,
    "grid_own": 200,
    "leader_own": 200,
    "platform_admin": 200,
}
"""Who reads a base-register entry of 武侯区/浆洗街街道: departments (audited, masked), the area, the admin."""


CASES = [
    Case(
        "person",
        lambda c, w, a: c.get(f"/api/registry/persons/{PERSON_ID}", headers=w.headers(a)),
        404,
        {**SHARED_REGISTER_READERS, "citizen": 200},
    ),
    Case(
        "enterprise",
        lambda c, w, a: c.get(f"/api/registry/enterprises/{USCC}", headers=w.headers(a)),
        404,
        {**SHARED_REGISTER_READERS, "enterprise_agent": 200},
    ),
    Case(
        "person_create",
        lambda c, w, a: c.post(
            "/api/registry/persons",
            headers=w.headers(a),
            json={
                "name": "李四",
                "id_number": new_person_id(a),
                "household_address": "成都市武侯区浆洗街街道洗面桥街9号",
                "household_district_code": "510107",
                "household_street_code": "510107001",
            },
        ),
        403,
        {"staff_cityops": 201, "platform_admin": 201},
    ),
    Case(
        "department_record_import",
        lambda c, w, a: c.post(
            "/api/registry/imports/penalty",
            headers=w.headers(a),
            params={"department": "market", "dry_run": "true"},
            files={"file": ("penalties.csv", PENALTY_CSV.encode(), "text/csv")},
        ),
        403,
        {"staff_market": 200, "platform_admin": 200},
    ),
    Case(
        "audit_entry",
        lambda c, w, a: c.get("/api/sharing/audit", headers=w.headers(a)),
        403,
        {
            "platform_admin": 200,
            "leader_own": 200,
            "leader_other": 200,
            "staff_cityops": 200,
            "staff_market": 200,
            "staff_tax": 200,
        },
    ),
    Case(
        "source_status",
        lambda c, w, a: c.put(
            "/api/sharing/sources/market", headers=w.headers(a), json={"available": False, "reason": "系统升级"}
        ),
        403,
        {"platform_admin": 200},
    ),
    Case(
        "workflow_instance",
        lambda c, w, a: c.get(f"/api/workflow/instances/{w.instance_id}", headers=w.headers(a)),
        404,
        {
            "staff_market": 200,
            "hotline_operator": 200,
            "dispatcher": 200,
            "grid_own": 200,
            "leader_own": 200,
            "platform_admin": 200,
        },
    ),
    Case(
        "message",
        lambda c, w, a: c.post(f"/api/notify/messages/{w.message_id}/read", headers=w.headers(a)),
        404,
        {"citizen": 200},
    ),
    Case(
        "outbox",
        lambda c, w, a: c.get("/api/notify/outbox", headers=w.headers(a)),
        403,
        {"platform_admin": 200},
    ),
    Case(
        "rating",
        lambda c, w, a: c.get(f"/api/ratings/{w.rating_id}", headers=w.headers(a)),
        404,
        {
            "citizen": 200,
            "staff_market": 200,
            "staff_cityops": 200,
            "hotline_operator": 200,
            "dispatcher": 200,
            "platform_admin": 200,
        },
    ),
    Case(
        "rectification",
        lambda c, w, a: c.post(
            f"/api/ratings/rectifications/{w.rectification_ids[a]}/response",
            headers=w.headers(a),
            json={"response": "已增开窗口，缩短等候时间", "kind": "immediate"},
        ),
        404,
        {
            "citizen": 403,
            "staff_cityops": 403,
            "hotline_operator": 403,
            "dispatcher": 403,
            "staff_market": 200,
            "platform_admin": 200,
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.resource for case in CASES])
def test_every_role_gets_the_right_status(http: TestClient, world: World, case: Case) -> None:
    got = {account: case.call(http, world, account).status_code for account in ACCOUNTS}
    expected = {account: case.expected(account) for account in ACCOUNTS}
    assert got == expected


def test_nobody_logged_in_gets_401(http: TestClient, world: World) -> None:
    assert http.get(f"/api/registry/persons/{PERSON_ID}").status_code == 401
    assert http.get(f"/api/workflow/instances/{world.instance_id}").status_code == 401
    assert http.get("/api/sharing/audit").status_code == 401
